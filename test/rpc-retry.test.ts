// RPC failures during `modules deploy`, through a proxy that resets connections and
// answers 503: transient failures are retried with backoff and the run finishes; an
// endpoint that stays down stops the run with a clear message, and the next run finishes
// the job without sending anything twice.
import { expect } from "chai";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getAddress, JsonRpcProvider } from "ethers";

import { describeUnlessCoverage, PROCESS } from "./support/coverage.js";
import { startFlakyRpc, type FlakyRpc } from "./support/flaky-rpc.js";
import { runModules, startNode, stopAll, type CliResult, type RunningNode } from "./support/nodes.js";
import type { ContractsRecord, DeploymentRecord } from "../scripts/lib/records.js";

const FAST_BACKOFF = { FINSUITE_RPC_BACKOFF_MS: "50", FINSUITE_RPC_ATTEMPTS: "4" };

describeUnlessCoverage(PROCESS, "deploy tooling over a failing RPC endpoint", function () {
  this.timeout(300_000);
  let node: RunningNode;
  let proxy: FlakyRpc;
  let provider: JsonRpcProvider;

  before(async function () {
    node = await startNode("hardhat");
    proxy = await startFlakyRpc(node.url);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  });

  after(async function () {
    provider?.destroy();
    await proxy?.close();
    await stopAll();
  });

  const deploy = (records: string): Promise<CliResult> =>
    runModules(["deploy", "--set", "basic"], { rpcUrl: proxy.url, records, env: FAST_BACKOFF });

  /** The record matches the chain, and the deployer created each recorded contract once. */
  async function expectFinishedOnce(records: string, fromBlock: number) {
    const dir = path.join(records, "localhost");
    const record = JSON.parse(await readFile(path.join(dir, "basic.json"), "utf8")) as DeploymentRecord;
    const contracts = JSON.parse(await readFile(path.join(dir, "contracts.json"), "utf8")) as ContractsRecord;
    expect(record.installed.map((m) => m.id)).to.include("mock");
    expect(record.pendingOperation).to.equal(null);
    const created: string[] = [];
    let operations = 0;
    for (let n = fromBlock; n <= (await provider.getBlockNumber()); n++) {
      for (const tx of (await provider.getBlock(n, true))!.prefetchedTransactions) {
        if (tx.to === null) created.push(getAddress((await provider.getTransactionReceipt(tx.hash))!.contractAddress!));
        else if (getAddress(tx.to) === getAddress(record.address)) operations += 1;
      }
    }
    const recorded = [...Object.values(contracts.contracts).map((c) => getAddress(c.address)), record.address];
    expect(created.sort()).to.deep.equal(recorded.map((a) => getAddress(a)).sort());
    expect(operations, "schedule + execute").to.equal(2);
  }

  it("retries connection resets, 503 answers and lost answers with backoff, and finishes the deploy once", async function () {
    const records = await mkdtemp(path.join(os.tmpdir(), "finsuite-rpc-flaky-"));
    const fromBlock = (await provider.getBlockNumber()) + 1;
    proxy.fail = (n) => (n % 7 === 0 ? "reset" : n % 11 === 0 ? "503" : n % 13 === 0 ? "lost" : null);
    const result = await deploy(records);
    proxy.fail = () => null;
    expect(result.code, result.output).to.equal(0);
    expect(proxy.failures).to.be.greaterThan(3);
    expect(result.stderr).to.match(/RPC \S+ to "localhost" failed \(.+\); retry 1\/3 in 50 ms/);
    await expectFinishedOnce(records, fromBlock);
  });

  it("stops with a clear message when the endpoint stays down; the next run finishes without repeating", async function () {
    const records = await mkdtemp(path.join(os.tmpdir(), "finsuite-rpc-down-"));
    const fromBlock = (await provider.getBlockNumber()) + 1;
    const start = proxy.requests;
    // Healthy long enough to deploy a few contracts, then down for good.
    proxy.fail = (n) => (n - start > 60 ? "reset" : null);
    const stopped = await deploy(records);
    proxy.fail = () => null;
    expect(stopped.code, stopped.output).to.equal(1);
    expect(stopped.stderr).to.match(/failed 4 times; the RPC endpoint is unreachable or failing\)/);
    expect(stopped.stderr).to.include(
      "Stopped. Every transaction sent so far is in the journal or the records: run the same command again " +
        "when the endpoint answers, and it carries on from there without sending anything twice.",
    );
    expect(stopped.stderr).to.not.match(/at .*\.ts:\d+/); // no stack trace

    const resumed = await deploy(records);
    expect(resumed.code, resumed.output).to.equal(0);
    await expectFinishedOnce(records, fromBlock);
  });
});
