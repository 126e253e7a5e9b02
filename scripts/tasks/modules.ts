// `npx hardhat modules <command>`: deploy, plan, upgrade, add, remove and inspect module
// sets. Thin definitions; the work is in scripts/lib/deployments.ts.
import { emptyTask, task } from "hardhat/config";

import { compiledFirst } from "./compiled-first.js";

const common = <T extends ReturnType<typeof task>>(builder: T) =>
  builder
    .addOption({
      name: "manifest",
      description: "Manifest file (a module whose default export is the manifest)",
      defaultValue: "scripts/manifest.ts",
    })
    .addOption({
      name: "records",
      description: "Folder of deployment records (one sub-folder per network)",
      defaultValue: process.env.FINSUITE_DEPLOYMENTS_DIR ?? "deployments",
    });

export const modulesTasks = [
  emptyTask("modules", "Deploy, upgrade and inspect module sets behind a diamond").build(),
  common(
    task(["modules", "deploy"], "Deploy a module set as a new diamond, or finish an interrupted deploy")
      .addOption({ name: "set", description: "Module set from the manifest", defaultValue: "" })
      .addOption({ name: "name", description: "Deployment name (default: the set name)", defaultValue: "" }),
  )
    .setAction(compiledFirst(() => import("./actions/deploy.js")))
    .build(),
  common(
    task(["modules", "plan"], "Show what deploy/upgrade would do, with all checks; sends nothing")
      .addOption({ name: "name", description: "Deployment name", defaultValue: "" })
      .addOption({ name: "set", description: "Plan for this set instead of the recorded one", defaultValue: "" }),
  )
    .setAction(compiledFirst(() => import("./actions/plan.js")))
    .build(),
  common(
    task(["modules", "upgrade"], "Bring a deployment to the current artifacts and manifest").addOption({
      name: "name",
      description: "Deployment name",
      defaultValue: "",
    }),
  )
    .setAction(compiledFirst(() => import("./actions/upgrade.js")))
    .build(),
  common(
    task(["modules", "add"], "Add a module to a deployment")
      .addOption({ name: "module", description: "Module id from the manifest", defaultValue: "" })
      .addOption({ name: "name", description: "Deployment name", defaultValue: "" }),
  )
    .setAction(compiledFirst(() => import("./actions/add.js")))
    .build(),
  common(
    task(["modules", "remove"], "Remove a module from a deployment")
      .addOption({ name: "module", description: "Module id", defaultValue: "" })
      .addOption({ name: "name", description: "Deployment name", defaultValue: "" }),
  )
    .setAction(compiledFirst(() => import("./actions/remove.js")))
    .build(),
  common(
    task(["modules", "inspect"], "Show a deployment: on chain, recorded and local artifacts, drift flagged").addOption({
      name: "name",
      description: "Deployment name",
      defaultValue: "",
    }),
  )
    .setAction(compiledFirst(() => import("./actions/inspect.js")))
    .build(),
];
