// `npx hardhat lending <command>`: tools for the lending module. Thin definitions; the work
// is in scripts/lib/scoring.ts (see docs/credit-scoring.md).
import { emptyTask, task } from "hardhat/config";

import { compiledFirst } from "./compiled-first.js";

export const lendingTasks = [
  emptyTask("lending", "Tools for the lending module").build(),
  task(["lending", "score"], "Score a borrower from its history with a deployment; with --sign, sign its credit line")
    .addOption({ name: "name", description: "Deployment name (deployments/<network>/<name>.json)", defaultValue: "" })
    .addOption({ name: "pool", description: "Id of the lending pool the credit line is for", defaultValue: "" })
    .addOption({ name: "borrower", description: "Address to score", defaultValue: "" })
    .addOption({
      name: "model",
      description: "The CreditLineModel (bound to this diamond) that will check the attestation",
      defaultValue: "",
    })
    .addOption({
      name: "from",
      description: "First block of the history; empty: the diamond's deployment block",
      defaultValue: "",
    })
    .addOption({
      name: "to",
      description: "Last block of the history, whose time is the as-of time; empty: the latest",
      defaultValue: "",
    })
    .addFlag({ name: "json", description: "Print JSON (scorecard, credit, attestation, warnings) instead of a table" })
    .addFlag({ name: "sign", description: "Sign the attestation as the issuer (nothing is sent)" })
    .addOption({ name: "out", description: "With --sign: write the signed attestation to this file", defaultValue: "" })
    .addOption({
      name: "issuerKey",
      description:
        "Configuration variable (environment or keystore) holding the issuer's private key; empty: the network's account",
      defaultValue: "",
    })
    .addOption({
      name: "policy",
      description: "Module whose default export is a ScoringPolicy; empty: the built-in policy",
      defaultValue: "",
    })
    .addOption({
      name: "records",
      description: "Folder of deployment records (one sub-folder per network)",
      defaultValue: process.env.FINSUITE_DEPLOYMENTS_DIR ?? "deployments",
    })
    .setAction(compiledFirst(() => import("./actions/score.js")))
    .build(),
];
