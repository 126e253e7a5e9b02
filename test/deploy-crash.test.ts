// Kills at every instant of a deploy and of a module change (in process: the test hook
// throws where a kill would stop the process), then runs the same command again: the job
// finishes with no second copy of any contract, no operation sent twice, and a record
// that matches the chain.
import { expect } from "chai";
import { mkdtemp, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { artifacts, network } from "hardhat";
import { getAddress, keccak256 } from "ethers";

import fixtureManifest from "./fixtures/manifest.js";
import { apply, prepare, type CrashAt, type Request, type SuiteContext } from "../scripts/lib/deployments.js";
import type { Manifest } from "../scripts/lib/manifest.js";
import { RecordStore, type DeploymentRecord } from "../scripts/lib/records.js";
import { readModules } from "../scripts/lib/chain.js";
import type { CrashPoint } from "../scripts/lib/sender.js";
import { IFinanceDiamond__factory } from "../typechain-types/index.js";

const { ethers, networkName } = await network.create();
const provider = ethers.provider;
const [deployer] = await ethers.getSigners();

class Killed extends Error {}

const POINTS: CrashPoint[] = ["intent", "broadcast", "mined", "recorded", "confirmed"];

function context(root: string, crashAt?: CrashAt, manifest: Manifest = fixtureManifest, log?: string[]): SuiteContext {
  return {
    ethers,
    artifacts,
    networkName,
    manifest,
    store: new RecordStore(root, networkName),
    ephemeral: true,
    log: (line) => log?.push(line),
    crashAt,
    onCrash: () => {
      throw new Killed(`killed at ${crashAt?.point}:${crashAt?.send}`);
    },
  };
}

async function run(ctx: SuiteContext, request: Request): Promise<void> {
  await apply(ctx, await prepare(ctx, request));
}

/** Every transaction the deployer sent from block `from` on. */
async function sentSince(from: number) {
  const head = await provider.getBlockNumber();
  const out = [];
  for (let n = from; n <= head; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block!.prefetchedTransactions) {
      if (getAddress(tx.from) !== getAddress(deployer.address)) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      out.push({ to: tx.to, data: tx.data, status: receipt!.status, created: receipt!.contractAddress });
    }
  }
  return out;
}

const SCHEDULE = IFinanceDiamond__factory.createInterface().getFunction("schedule")!.selector;
const EXECUTE = IFinanceDiamond__factory.createInterface().getFunction("execute")!.selector;

/** The record, contracts.json and the chain agree; nothing was created or sent twice. */
async function expectConsistent(root: string, name: string, fromBlock: number, operations: number) {
  const store = new RecordStore(root, networkName);
  const record = (await store.readDeployment(name)) as DeploymentRecord;
  expect(record, "record").to.not.equal(null);
  const chain = await readModules(provider, record.address);
  expect(record.installed.map((m) => [m.id, m.version, m.facets.map((f) => [f.address, f.selectors])])).to.deep.equal(
    chain.map((m) => [m.id, m.version.join("."), m.facets.map((f) => [f.address, f.selectors])]),
  );
  expect(record.pendingOperation).to.equal(null);
  const contracts = (await store.readContracts(31337)).contracts;
  for (const [contract, entry] of Object.entries(contracts)) {
    expect(keccak256(await provider.getCode(entry.address)), contract).to.equal(entry.codeHash);
  }

  const sent = await sentSince(fromBlock);
  expect(
    sent.every((t) => t.status === 1),
    "every transaction succeeded",
  ).to.equal(true);
  const created = sent.filter((t) => t.to === null).map((t) => getAddress(t.created!));
  const known = new Set([...Object.values(contracts).map((c) => getAddress(c.address)), getAddress(record.address)]);
  expect(
    created.filter((a) => !known.has(a)),
    "contracts deployed twice (not on record)",
  ).to.deep.equal([]);
  expect(new Set(created).size).to.equal(created.length);
  const calls = (selector: string) => sent.filter((t) => t.data.startsWith(selector)).length;
  expect(calls(SCHEDULE), "schedule sent").to.equal(operations);
  expect(calls(EXECUTE), "execute sent").to.equal(operations);

  const leftovers = (await readdir(store.dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => f.endsWith(".tmp") || f.includes(".journal"));
  expect(leftovers, "journal and temp files").to.deep.equal([]);
  return { record, sent };
}

const tempRoot = () => mkdtemp(path.join(os.tmpdir(), "finsuite-crash-"));

describe("deploy tooling killed at every instant", function () {
  this.timeout(600_000);

  /** Sends of a clean run of `request` (after `setup`), counted from the chain. */
  async function sendsOf(setup: (root: string) => Promise<void>, request: Request): Promise<number> {
    const snapshot = await provider.send("evm_snapshot", []);
    const root = await tempRoot();
    await setup(root);
    const before = await provider.getTransactionCount(deployer.address);
    await run(context(root), request);
    const sends = (await provider.getTransactionCount(deployer.address)) - before;
    await provider.send("evm_revert", [snapshot]);
    return sends;
  }

  async function killThenResume(
    setup: (root: string) => Promise<void>,
    request: Request,
    operations: number,
  ): Promise<number> {
    const sends = await sendsOf(setup, request);
    expect(sends).to.be.greaterThan(2);
    let cases = 0;
    for (let send = 1; send <= sends; send++) {
      for (const point of POINTS) {
        const snapshot = await provider.send("evm_snapshot", []);
        const root = await tempRoot();
        await setup(root);
        const fromBlock = (await provider.getBlockNumber()) + 1;
        let error: unknown = null;
        await run(context(root, { point, send }), request).catch((e: unknown) => (error = e));
        expect(error, `${point}:${send} should have been killed`).to.be.instanceOf(Killed);
        const log: string[] = [];
        await run(context(root, undefined, fixtureManifest, log), request);
        const { sent } = await expectConsistent(root, request.name, fromBlock, operations);
        expect(sent.length, `${point}:${send}: transactions sent in all (log: ${log.join(" | ")})`).to.equal(sends);
        await provider.send("evm_revert", [snapshot]);
        cases += 1;
      }
    }
    return cases;
  }

  it("deploy of a set: killed at each of 5 points of every send, the next run finishes it exactly once", async function () {
    const cases = await killThenResume(async () => {}, { kind: "deploy", set: "basic", name: "basic" }, 1);
    expect(cases).to.be.greaterThan(40);
  });

  it("add of a module: killed at each point of every send, the next run finishes it exactly once", async function () {
    const setup = async (root: string) => run(context(root), { kind: "deploy", set: "basic", name: "basic" });
    const cases = await killThenResume(setup, { kind: "add", name: "basic", module: "ten" }, 1);
    expect(cases).to.equal(15); // deploy TenSelectorFacet, schedule, execute
  });
});
