// How the deploy tooling sends: EIP-1559 fees under the network's cap, a transaction not
// mined in time replaced at the same nonce (never duplicated), and a step recorded only
// at the network's confirmation depth.
import { expect } from "chai";
import { mkdtemp, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { artifacts, network } from "hardhat";
import { getAddress } from "ethers";

import fixtureManifest from "./fixtures/manifest.js";
import { apply, prepare, type Request, type SuiteContext } from "../scripts/lib/deployments.js";
import type { Manifest, TxPolicy } from "../scripts/lib/manifest.js";
import { RecordStore } from "../scripts/lib/records.js";
import { SendStopped } from "../scripts/lib/sender.js";

const { ethers, networkName } = await network.create();
const provider = ethers.provider;
const [deployer] = await ethers.getSigners();
const GWEI = 1_000_000_000n;

async function context(tx: TxPolicy, log: string[] = []): Promise<SuiteContext> {
  const manifest: Manifest = { ...fixtureManifest, networks: { [networkName]: { tx } } };
  return {
    ethers,
    artifacts,
    networkName,
    manifest,
    store: new RecordStore(await mkdtemp(path.join(os.tmpdir(), "finsuite-fees-")), networkName),
    ephemeral: true,
    log: (line) => log.push(line),
    pollMs: 20,
  };
}

const CORE: Request = { kind: "deploy", set: "core", name: "core" };

async function run(ctx: SuiteContext, request: Request = CORE) {
  return apply(ctx, await prepare(ctx, request));
}

/** The deployer's mined transactions from block `from` on. */
async function minedSince(from: number) {
  const out = [];
  for (let n = from; n <= (await provider.getBlockNumber()); n++) {
    for (const tx of (await provider.getBlock(n, true))!.prefetchedTransactions) {
      if (getAddress(tx.from) === deployer.address) out.push(tx);
    }
  }
  return out;
}

/** Mines a block every `ms` until stopped. */
function miner(ms: number) {
  const timer = setInterval(() => void provider.send("evm_mine", []), ms);
  return () => clearInterval(timer);
}

describe("deploy tooling: fees, replacement, confirmations", function () {
  this.timeout(300_000);

  afterEach(async function () {
    await provider.send("evm_setAutomine", [true]);
  });

  it("replaces a transaction not mined in time at the same nonce with 12.5 % higher fees; nothing is sent twice", async function () {
    const log: string[] = [];
    const ctx = await context({ replaceAfterSeconds: 0.25 }, log);
    const from = (await provider.getBlockNumber()) + 1;
    const nonceBefore = await provider.getTransactionCount(deployer.address);
    await provider.send("evm_setAutomine", [false]);
    const stop = miner(900);
    try {
      expect(await run(ctx)).to.equal("done");
    } finally {
      stop();
    }
    const replaced = log.filter((l) => / replaced at nonce \d+ with max fee /.test(l));
    expect(replaced.length, log.join("\n")).to.be.greaterThan(0);

    const mined = await minedSince(from);
    const contracts = (await ctx.store.readContracts(31337)).contracts;
    expect(mined.map((t) => t.nonce)).to.deep.equal(mined.map((_, i) => nonceBefore + i)); // one per nonce
    expect(mined).to.have.length(Object.keys(contracts).length + 1); // every facet and the diamond, once
    // Each replaced step was mined as its last replacement, and recorded with that hash.
    const lastHashAt = new Map<number, string>();
    for (const line of replaced) {
      const [, nonce, hash] = / at nonce (\d+) .*\(tx (0x[0-9a-f]{64})\)/.exec(line)!;
      lastHashAt.set(Number(nonce), hash);
    }
    for (const [nonce, hash] of lastHashAt) {
      const tx = mined.find((t) => t.nonce === nonce)!;
      expect(tx.hash, `nonce ${nonce}`).to.equal(hash);
      const recorded = Object.values(contracts).find((c) => c.txHash === hash);
      const record = await ctx.store.readDeployment("core");
      expect(recorded !== undefined || record!.history[0].transactions.some((t) => t.hash === hash)).to.equal(true);
    }
  });

  it("offers the policy's tip and never more than the cap", async function () {
    const base = (await provider.getBlock("latest"))!.baseFeePerGas!;
    const capGwei = (Number(base) * 1.5) / 1e9 + 1; // below 2 × base fee + tip: the cap binds
    const ctx = await context({ maxFeeGwei: capGwei, priorityFeeGwei: 1 });
    const from = (await provider.getBlockNumber()) + 1;
    expect(await run(ctx)).to.equal("done");
    const mined = await minedSince(from);
    expect(mined.length).to.be.greaterThan(5);
    const cap = BigInt(Math.round(capGwei * 1e9));
    for (const tx of mined) {
      expect(tx.type).to.equal(2);
      expect(tx.maxFeePerGas! <= cap, `max fee ${tx.maxFeePerGas} above the cap ${cap}`).to.equal(true);
      expect(tx.maxPriorityFeePerGas).to.equal(GWEI);
    }
    expect(mined[0].maxFeePerGas, "the first offer is cut to the cap").to.equal(cap);
  });

  it("stops before sending anything when the base fee is above the cap, and says what to do", async function () {
    const ctx = await context({ maxFeeGwei: 0.000001 });
    const blockBefore = await provider.getBlockNumber();
    let error: unknown = null;
    await run(ctx).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(SendStopped);
    expect((error as Error).message).to.match(
      new RegExp(
        String.raw`^The network's fee \([\d.]+ gwei\) is above the cap of 0\.000001 gwei that the manifest sets for ` +
          String.raw`network "${networkName}" \(tx\.maxFeeGwei\): nothing was sent for "deploy DiamondCutFacet"\. ` +
          "Run the same command again when fees are lower, or raise the cap\\.$",
      ),
    );
    expect(await provider.getBlockNumber()).to.equal(blockBefore);
    const files = await readdir(ctx.store.dir, { recursive: true }).catch(() => []);
    expect(files.filter((f) => f.endsWith(".json"))).to.deep.equal([]);
  });

  it("records a step only once its transaction has the network's confirmation depth", async function () {
    const ctx = await context({ confirmations: 3 });
    const nonceBefore = await provider.getTransactionCount(deployer.address);
    const running = run(ctx);
    const waitFor = async (what: () => Promise<boolean>) => {
      for (let i = 0; i < 500 && !(await what()); i++) await new Promise((r) => setTimeout(r, 20));
    };
    const recorded = async () => Object.keys((await ctx.store.readContracts(31337)).contracts).length;
    await waitFor(async () => (await provider.getTransactionCount(deployer.address)) > nonceBefore);
    const minedAt = await provider.getBlockNumber();
    await new Promise((r) => setTimeout(r, 300));
    expect(await recorded(), "recorded at depth 1").to.equal(0);
    await provider.send("evm_mine", []);
    await new Promise((r) => setTimeout(r, 300));
    expect(await recorded(), "recorded at depth 2").to.equal(0);
    await provider.send("evm_mine", []);
    await waitFor(async () => (await recorded()) > 0);
    expect(await recorded(), "recorded at depth 3").to.equal(1);
    const first = Object.values((await ctx.store.readContracts(31337)).contracts)[0];
    expect(first.blockNumber).to.equal(minedAt);
    const stop = miner(30);
    try {
      expect(await running).to.equal("done");
    } finally {
      stop();
    }
  });
});
