// The keeper library (scripts/lib/keeper.ts) against the in-process network: a diamond
// deployed by the deploy library from test/fixtures/manifest-upkeep.ts (so the keeper gets
// a real record), with the `jobs` and `alarm` test providers.
import { expect } from "chai";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { artifacts, network } from "hardhat";
import { AbiCoder, makeError, type InterfaceAbi, type Provider } from "ethers";

import { moduleId } from "../../scripts/lib/core.js";
import { apply, prepare, UserError, type SuiteContext } from "../../scripts/lib/deployments.js";
import {
  checkKeeperTarget,
  formatSummary,
  isTransient,
  runKeeper,
  type KeeperOptions,
  type SourceContext,
  type UpkeepSource,
} from "../../scripts/lib/keeper.js";
import { RecordStore, type DeploymentRecord } from "../../scripts/lib/records.js";
import { MockAlarmFacet__factory, MockJobsFacet__factory } from "../../typechain-types/index.js";
import upkeepManifest from "../fixtures/manifest-upkeep.js";
import { expectRejection } from "../helpers.js";
import { ALARM, jobsCheckData } from "./fixture.js";

const { ethers, networkHelpers, networkName } = await network.create();
const coder = AbiCoder.defaultAbiCoder();

async function deploy(set: string, name: string): Promise<{ record: DeploymentRecord; abi: InterfaceAbi }> {
  const ctx: SuiteContext = {
    ethers,
    artifacts,
    networkName,
    manifest: upkeepManifest,
    store: new RecordStore(await mkdtemp(path.join(os.tmpdir(), "finsuite-keeper-")), networkName),
    ephemeral: true,
    log: () => {},
  };
  await apply(ctx, await prepare(ctx, { kind: "deploy", set, name }));
  const record = (await ctx.store.readDeployment(name))!;
  return { record, abi: (await ctx.store.readAbi(record)) as InterfaceAbi };
}

async function keeperFixture() {
  const { record, abi } = await deploy("keeper", "ops");
  const signers = await ethers.getSigners();
  const [owner, keeper, other] = [signers[0], signers[5], signers[6]];
  return {
    record,
    abi,
    owner,
    keeper,
    jobs: MockJobsFacet__factory.connect(record.address, other),
    alarm: MockAlarmFacet__factory.connect(record.address, other),
  };
}

/** The jobs module's source as a module would ship it: it can count the jobs of a batch. */
const jobsSource = (checkData: string[] = ["0x"]): UpkeepSource => ({
  checkData: async () => checkData,
  items: (performData) => Number((coder.decode(["uint256", "uint256"], performData) as unknown as bigint[])[1]),
});

/** A provider whose `call` (eth_call) fails like a lost connection the first `failures` times. */
function flakyProvider(inner: Provider, failures: number): Provider & { calls: () => number } {
  let calls = 0;
  return new Proxy(inner, {
    get(target, key) {
      if (key === "calls") return () => calls;
      if (key === "call") {
        return async (tx: unknown) => {
          calls++;
          if (calls <= failures)
            throw makeError("connect ECONNREFUSED 127.0.0.1:8545", "NETWORK_ERROR", { event: "x" });
          return target.call(tx as never);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Provider & { calls: () => number };
}

const BATCH_LINE = /^\[\+\d+\.\ds\] (\w+)(?:: (\d+) items?)?, gas [\d,]+, tx 0x[0-9a-f]{64}$/;

describe("keeper runner (library)", function () {
  let f: Awaited<ReturnType<typeof keeperFixture>>;
  let lines: string[];
  let waits: number[];

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(keeperFixture);
    lines = [];
    waits = [];
  });

  const run = (options: Partial<KeeperOptions> = {}) =>
    runKeeper({
      signer: f.keeper,
      record: f.record,
      abi: f.abi,
      sources: { jobs: () => jobsSource() },
      intervalMs: 0,
      rounds: 1,
      receiptPollMs: 10,
      log: (line) => lines.push(line),
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...options,
    });

  const expectLine = (re: RegExp) =>
    expect(
      lines.some((l) => re.test(l)),
      `${re} in:\n${lines.join("\n")}`,
    ).to.equal(true);

  const batches = () =>
    lines
      .map((l) => BATCH_LINE.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m![1], m![2] === undefined ? null : Number(m![2])]);

  it("performs every batch due in a round, one line each, and sums them up", async function () {
    await (await f.jobs.addMockJobs(25)).wait();
    await (await f.alarm.setMockAlarm(ALARM.raised)).wait();
    const summary = await run({ rounds: 2 });

    // the providers in registration order: the deploy installs alarm, then jobs
    expect(batches(), lines.join("\n")).to.deep.equal([
      ["alarm", null],
      ["jobs", 10],
      ["jobs", 10],
      ["jobs", 5],
    ]);
    expect(await f.jobs.mockJobsPending()).to.equal(0n);
    expect(await f.alarm.mockAlarmsCleared()).to.equal(1n);
    for (const job of [0, 24]) expect(await f.jobs.mockJobProcessedBy(job)).to.equal(f.keeper.address);
    expect(summary).to.deep.include({ rounds: 2, performs: 4, failed: 0, errors: 0, retries: 0, stoppedBy: "rounds" });
    expect(summary.byModule.jobs).to.deep.include({ performs: 3, items: 25 });
    expect(summary.byModule.alarm).to.deep.include({ performs: 1, items: null });
    expect(summary.gasUsed).to.equal(summary.byModule.jobs.gasUsed + summary.byModule.alarm.gasUsed);
    // one pause between the two rounds, none after the last
    expect(waits).to.deep.equal([0]);
    expect(formatSummary(summary)).to.match(
      /^Keeper done after 2 rounds in \d+\.\ds: 4 performs \(alarm 1; jobs 3, 25 items\), 0 failed, 0 round errors, 0 RPC retries, gas [\d,]+$/,
    );
  });

  it("sends nothing when no provider has work", async function () {
    const block = await ethers.provider.getBlockNumber();
    const summary = await run({ rounds: 3 });
    expect(summary.performs).to.equal(0);
    expect(lines).to.deep.equal([]);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("bounds the performs per check data in a round, and finishes in the next round", async function () {
    await (await f.jobs.addMockJobs(25)).wait();
    await run({ maxPerformsPerCheck: 2 });
    expect(await f.jobs.mockJobsPending()).to.equal(5n);
    await run({ maxPerformsPerCheck: 2 });
    expect(await f.jobs.mockJobsPending()).to.equal(0n);
  });

  it("gives each source the blocks it has not seen yet, and asks with the check data it returns", async function () {
    const ranges: [number, number][] = [];
    const recording = (): UpkeepSource => ({
      ...jobsSource([jobsCheckData(3)]),
      checkData: async (ctx: SourceContext) => {
        ranges.push([ctx.fromBlock, ctx.toBlock]);
        expect(ctx.upkeep.module).to.equal("jobs");
        expect(ctx.record.address).to.equal(f.record.address);
        return [jobsCheckData(3)];
      },
    });
    await (await f.jobs.addMockJobs(7)).wait();
    await run({ rounds: 3, sources: { jobs: recording } });
    expect(batches()).to.deep.equal([
      ["jobs", 3],
      ["jobs", 3],
      ["jobs", 1],
    ]);
    expect(ranges[0][0]).to.equal(f.record.blockNumber);
    // each round starts after the last block the previous one saw
    expect(ranges[1][0]).to.equal(ranges[0][1] + 1);
    expect(ranges[2][0]).to.equal(ranges[1][1] + 1);
    expect(ranges[1][1] - ranges[0][1]).to.equal(3); // three performs mined in round 1
    expect(ranges[2][0]).to.be.greaterThan(ranges[2][1]); // nothing mined in round 2
  });

  it("retries a failing RPC read with exponential backoff, then carries on", async function () {
    await (await f.jobs.addMockJobs(3)).wait();
    const provider = flakyProvider(ethers.provider, 3);
    const summary = await run({ provider, retry: { attempts: 5, baseMs: 100, maxMs: 250 } });
    expect(waits).to.deep.equal([100, 200, 250]);
    expect(summary.retries).to.equal(3);
    expect(lines.filter((l) => / retry \d in \d+ ms$/.test(l))).to.have.length(3);
    expect(lines[0]).to.match(/upkeepProviders: connect ECONNREFUSED 127\.0\.0\.1:8545.*; retry 1 in 100 ms$/);
    expect(batches()).to.deep.equal([["jobs", 3]]);
    expect(summary).to.deep.include({ performs: 1, errors: 0 });
  });

  it("cuts a round short when a read fails past its retries, and runs the next round", async function () {
    await (await f.jobs.addMockJobs(3)).wait();
    const provider = flakyProvider(ethers.provider, 3);
    const summary = await run({ provider, rounds: 2, retry: { attempts: 3, baseMs: 10, maxMs: 1_000 } });
    expect(waits).to.deep.equal([10, 20, 0]);
    expectLine(/round 1 cut short: upkeepProviders failed 3 times: /);
    expect(summary).to.deep.include({ rounds: 2, errors: 1, retries: 2, performs: 1 });
    expect(await f.jobs.mockJobsPending()).to.equal(0n);
  });

  it("does not retry a revert: a check that reverts is logged, and the other providers are served", async function () {
    await (await f.jobs.addMockJobs(3)).wait();
    await (await f.alarm.setMockAlarm(ALARM.checkReverts)).wait();
    const summary = await run();
    expectLine(/alarm: MockAlarmBroken\(2\); next provider$/);
    expect(summary).to.deep.include({ retries: 0, errors: 1, performs: 1 });
  });

  it("logs a perform that would revert, sends nothing, and goes on", async function () {
    await (await f.alarm.setMockAlarm(ALARM.performReverts)).wait();
    await (await f.jobs.addMockJobs(3)).wait();
    const block = await ethers.provider.getBlockNumber();
    const summary = await run();
    expectLine(/FAILED alarm: MockAlarmBroken\(3\); nothing sent$/);
    expect(summary).to.deep.include({ failed: 1, performs: 1 });
    expect(await ethers.provider.getBlockNumber()).to.equal(block + 1);
  });

  it("skips a paused module, saying so once, and serves it again once unpaused", async function () {
    await (await f.jobs.addMockJobs(3)).wait();
    const jobsId = moduleId("jobs");
    const diamond = (await ethers.getContractAt("PauseFacet", f.record.address)).connect(f.owner);
    await (await diamond.pauseModule(jobsId)).wait();
    let round = 0;
    const unpauseAfterTwo = async () => {
      if (++round === 2) await (await diamond.unpauseModule(jobsId)).wait();
    };
    const summary = await run({ rounds: 3, sleep: unpauseAfterTwo });
    expect(lines.filter((l) => /jobs: module paused/.test(l))).to.have.length(1);
    expectLine(/jobs: ready again$/);
    expect(summary.performs).to.equal(1);
    expect(await f.jobs.mockJobsPending()).to.equal(0n);
  });

  it("stops on its signal during the pause between rounds, and says it was stopped", async function () {
    await (await f.jobs.addMockJobs(3)).wait();
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(), 300);
    const summary = await runKeeper({
      signer: f.keeper,
      record: f.record,
      intervalMs: 60_000,
      log: (line) => lines.push(line),
      signal: stop.signal,
    });
    expect(Date.now() - started).to.be.lessThan(30_000);
    expect(summary).to.deep.include({ rounds: 1, performs: 1, stoppedBy: "signal", abandonedTx: null });
    expect(formatSummary(summary, "SIGINT")).to.match(/^Keeper stopped by SIGINT after 1 round in /);
  });

  it("abandons a receipt it still waits for when the stop's grace runs out", async function () {
    await (await f.jobs.addMockJobs(3)).wait();
    const stop = new AbortController();
    // A node that never reports the receipt: the stop arrives while the keeper waits for it.
    const provider = new Proxy(ethers.provider, {
      get(target, key) {
        if (key === "getTransactionReceipt") {
          return async () => {
            stop.abort();
            return null;
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const summary = await run({ provider, rounds: 0, signal: stop.signal, stopGraceMs: 50, sleep: undefined });
    expect(summary.stoppedBy).to.equal("signal");
    expect(summary.abandonedTx).to.match(/^0x[0-9a-f]{64}$/);
    expectLine(/abandoned the wait for jobs's tx 0x[0-9a-f]{64}: it may still be mined$/);
    expect(formatSummary(summary)).to.include(`abandoned tx ${summary.abandonedTx}`);
  });

  it("tells transient RPC errors from reverts", function () {
    expect(isTransient(makeError("down", "NETWORK_ERROR", { event: "x" }))).to.equal(true);
    expect(isTransient(new TypeError("fetch failed"))).to.equal(true);
    expect(isTransient(new TypeError("cannot read properties of undefined"))).to.equal(false);
    expect(isTransient({ message: "execution reverted", data: "0x12345678" })).to.equal(false);
  });

  describe("checking the target before anything is sent", function () {
    it("refuses a record of another chain", async function () {
      await expectRejection(
        checkKeeperTarget(ethers.provider, { ...f.record, chainId: 1 }, networkName),
        UserError,
        /Record "ops" belongs to chain 1, but network "default" is chain 31337\./,
      );
    });

    it("refuses an address without code", async function () {
      const record = { ...f.record, address: "0x000000000000000000000000000000000000dEaD" };
      await expectRejection(
        checkKeeperTarget(ethers.provider, record, networkName),
        UserError,
        /says the diamond is at 0x000000000000000000000000000000000000dEaD, but it has no code there/,
      );
    });

    it("refuses a diamond without the upkeep module", async function () {
      const { record: bare } = await deploy("core", "bare");
      await expectRejection(
        checkKeeperTarget(ethers.provider, bare, networkName),
        UserError,
        /Deployment "bare" has no upkeep module installed/,
      );
    });

    it("accepts a diamond with it", async function () {
      await checkKeeperTarget(ethers.provider, f.record, networkName);
    });
  });
});
