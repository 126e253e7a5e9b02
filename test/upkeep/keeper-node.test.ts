// The keeper the way an operator runs it: `npx hardhat keeper run` as a separate process
// against a real `hardhat node` on a free port, serving a deployment made by the `modules`
// CLI, stopped with Ctrl-C (SIGINT).
import { expect } from "chai";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getAddress, JsonRpcProvider } from "ethers";

import type { DeploymentRecord } from "../../scripts/lib/records.js";
import { MockAlarmFacet__factory, MockJobsFacet__factory } from "../../typechain-types/index.js";
import {
  blockNumber,
  interrupt,
  rpc,
  runHardhat,
  runModules,
  startNode,
  stopAll,
  type CliResult,
  type RunningNode,
} from "../support/nodes.js";
import { ALARM } from "./fixture.js";
import { describeUnlessCoverage, PROCESS } from "../support/coverage.js";

const MANIFEST = "test/fixtures/manifest-upkeep.ts";
/** The machine is shared: a CLI run that takes 2 s alone can take minutes under load. */
const CLI_TIMEOUT_MS = 300_000;
const BATCH_LINE = /^\[\+\d+\.\ds\] (\w+), gas [\d,]+, tx 0x[0-9a-f]{64}$/gm;

describeUnlessCoverage(PROCESS, "keeper run against a real hardhat node", function () {
  this.timeout(15 * 60_000);

  let node: RunningNode;
  let provider: JsonRpcProvider;
  let accounts: string[];
  let records: string;
  const tempDirs: string[] = [];

  const keeper = (
    args: string[],
    options: { records?: string; onStdout?: Parameters<typeof runHardhat>[1]["onStdout"] } = {},
  ) =>
    runHardhat(["keeper", "run", ...args, "--network", "localhost", "--records", options.records ?? records], {
      rpcUrl: node.url,
      onStdout: options.onStdout,
      timeoutMs: CLI_TIMEOUT_MS,
    });

  const deployed = async (name: string) =>
    JSON.parse(await readFile(path.join(records, "localhost", `${name}.json`), "utf8")) as DeploymentRecord;

  /** Exit code 1, one clear error line, no stack trace, nothing mined. */
  async function expectRefused(run: () => Promise<CliResult>, message: RegExp): Promise<void> {
    const before = await blockNumber(node.url);
    const result = await run();
    const actual = {
      exitCode: result.code,
      clearError: message.test(result.stderr),
      errorLines: result.stderr.trim().split("\n").length,
      stackTrace: /^\s+at /m.test(result.output),
      blocksMined: (await blockNumber(node.url)) - before,
    };
    expect(actual, `hardhat ${result.args.join(" ")}:\n${result.output}`).to.deep.equal({
      exitCode: 1,
      clearError: true,
      errorLines: 1,
      stackTrace: false,
      blocksMined: 0,
    });
  }

  before(async function () {
    node = await startNode("hardhat");
    provider = new JsonRpcProvider(node.url, 31337, { staticNetwork: true });
    accounts = (await rpc<string[]>(node.url, "eth_accounts")).map((a) => getAddress(a));
    records = await mkdtemp(path.join(os.tmpdir(), "finsuite-keeper-node-"));
    tempDirs.push(records);
    for (const [set, name] of [
      ["keeper", "ops"],
      ["core", "bare"],
    ]) {
      const result = await runModules(["deploy", "--set", set, "--name", name], {
        rpcUrl: node.url,
        records,
        manifest: MANIFEST,
        timeoutMs: CLI_TIMEOUT_MS,
      });
      expect(result.code, result.output).to.equal(0);
    }
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
    await stopAll();
    await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("performs every batch due as the node's first account, and stops cleanly on Ctrl-C", async function () {
    const record = await deployed("ops");
    const user = await provider.getSigner(accounts[1]);
    const jobs = MockJobsFacet__factory.connect(record.address, user);
    await (await jobs.addMockJobs(25)).wait();
    await (await MockAlarmFacet__factory.connect(record.address, user).setMockAlarm(ALARM.raised)).wait();

    let interrupted = false;
    const result = await keeper(["--name", "ops", "--interval", "200"], {
      onStdout: (stdout, child) => {
        // alarm once, then the 25 jobs in batches of 10, 10 and 5
        if (!interrupted && (stdout.match(BATCH_LINE) ?? []).length >= 4) {
          interrupted = true;
          interrupt(child, "SIGINT");
        }
      },
    });

    expect(interrupted, result.output).to.equal(true);
    expect({ code: result.code, signal: result.signal }, result.output).to.deep.equal({ code: 0, signal: null });
    expect(result.stdout).to.match(new RegExp(`^Keeper for "ops": diamond ${record.address} on localhost`, "m"));
    expect([...result.stdout.matchAll(BATCH_LINE)].map((m) => m[1])).to.deep.equal(["alarm", "jobs", "jobs", "jobs"]);
    expect(result.stdout).to.match(/^SIGINT: stopping after the current step/m);
    expect(result.stdout).to.match(
      /^Keeper stopped by SIGINT after \d+ rounds? in \d+\.\ds: 4 performs \(alarm 1; jobs 3\), 0 failed, 0 round errors, 0 RPC retries, gas [\d,]+$/m,
    );
    expect(result.stderr).to.equal("");
    expect(await jobs.mockJobsPending()).to.equal(0n);
    expect(await jobs.mockJobProcessedBy(0)).to.equal(accounts[0]);
    expect(await jobs.mockJobProcessedBy(24)).to.equal(accounts[0]);
  });

  it("runs the rounds --rounds asks for, then stops by itself without sending anything idle", async function () {
    const before = await blockNumber(node.url);
    const result = await keeper(["--name", "ops", "--interval", "0", "--rounds", "2"]);
    expect(result.code, result.output).to.equal(0);
    expect(result.stdout).to.match(/^Keeper done after 2 rounds in \d+\.\ds: 0 performs, 0 failed/m);
    expect(await blockNumber(node.url)).to.equal(before);
  });

  it("refuses an unknown deployment", async function () {
    await expectRefused(() => keeper(["--name", "nope"]), /^Error: No deployment "nope" on network "localhost"/);
  });

  it("refuses a run without --name", async function () {
    await expectRefused(() => keeper([]), /^Error: Missing --name/);
  });

  it("refuses a record of another chain", async function () {
    const other = await mkdtemp(path.join(os.tmpdir(), "finsuite-keeper-node-other-"));
    tempDirs.push(other);
    await cp(records, other, { recursive: true });
    const file = path.join(other, "localhost", "ops.json");
    await writeFile(file, JSON.stringify({ ...(await deployed("ops")), chainId: 1 }, null, 2) + "\n");
    await expectRefused(
      () => keeper(["--name", "ops"], { records: other }),
      /^Error: Record "ops" belongs to chain 1, but network "localhost" is chain 31337\./,
    );
  });

  it("refuses a deployment without the upkeep module", async function () {
    await expectRefused(
      () => keeper(["--name", "bare"]),
      /^Error: Deployment "bare" has no upkeep module installed: nothing to keep/,
    );
  });
});
