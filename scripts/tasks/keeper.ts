// `npx hardhat keeper run`: the keeper runner serving every module's upkeep through the
// diamond's check/perform pair. Thin definition; the work is in scripts/lib/keeper.ts.
import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

import { compiledFirst } from "./compiled-first.js";

export const keeperTasks = [
  emptyTask("keeper", "Run the keeper that performs the modules' upkeep").build(),
  task(["keeper", "run"], "Check every upkeep provider each round and perform the work found, until stopped")
    .addOption({ name: "name", description: "Deployment name (its record under --records)", defaultValue: "" })
    .addOption({
      name: "interval",
      description: "Milliseconds between rounds",
      type: ArgumentType.INT,
      defaultValue: 15_000,
    })
    .addOption({
      name: "rounds",
      description: "Rounds to run, then stop (0: until Ctrl-C or SIGTERM)",
      type: ArgumentType.INT,
      defaultValue: 0,
    })
    .addOption({
      name: "records",
      description: "Folder of deployment records (one sub-folder per network)",
      defaultValue: process.env.FINSUITE_DEPLOYMENTS_DIR ?? "deployments",
    })
    .setAction(compiledFirst(() => import("./actions/keeper.js")))
    .build(),
];
