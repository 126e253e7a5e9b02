// The CLI on a fresh clone: every `modules`, `lending` and `keeper` command builds first, so
// none fails for want of compiled artifacts or TypeChain types, and none runs on stale code.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { PROJECT_ROOT, runHardhat } from "./support/nodes.js";
import { describeUnlessCoverage, PROCESS } from "./support/coverage.js";

describeUnlessCoverage(PROCESS, "CLI on a fresh clone (no build yet)", function () {
  this.timeout(15 * 60_000);
  let clone: string;

  before(async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), "finsuite-fresh-"));
    clone = path.join(dir, "repo");
    execFileSync("git", ["clone", "--quiet", PROJECT_ROOT, clone]);
    // The clone shares this project's installed packages; it has no artifacts and no types.
    await symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
    expect(existsSync(path.join(clone, "typechain-types"))).to.equal(false);
    expect(existsSync(path.join(clone, "artifacts"))).to.equal(false);
  });

  after(async function () {
    if (clone !== undefined && !process.env.KEEP_CLONE) await rm(path.dirname(clone), { recursive: true, force: true });
  });

  it("`modules deploy` compiles first and deploys, instead of failing to load its action (HHE411)", async function () {
    const result = await runHardhat(["modules", "deploy", "--set", "payments", "--name", "fresh"], {
      rpcUrl: "http://127.0.0.1:8545", // unused: the command runs on the in-process network
      cwd: clone,
      timeoutMs: 10 * 60_000,
    });
    expect(result.output).to.not.include("HHE411");
    expect(result.code, result.output).to.equal(0);
    expect(result.stdout).to.match(/Diamond 0x[0-9a-fA-F]{40} on default/);
    expect(existsSync(path.join(clone, "typechain-types", "index.ts"))).to.equal(true);
  });
});
