// The deploy library in process: records against the chain, combined ABI, refusals.
import { expect } from "chai";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { artifacts, network } from "hardhat";
import { Interface, type InterfaceAbi } from "ethers";

import fixtureManifest from "./fixtures/manifest.js";
import minorManifest from "./fixtures/manifest-minor.js";
import v2Manifest from "./fixtures/manifest-v2.js";
import suiteManifest from "../scripts/manifest.js";
import { apply, formatPlan, prepare, UserError, type Request, type SuiteContext } from "../scripts/lib/deployments.js";
import type { Manifest } from "../scripts/lib/manifest.js";
import { RecordError, RecordStore, type DeploymentRecord } from "../scripts/lib/records.js";
import { expectRejection } from "./helpers.js";
import { selectorsOf } from "../scripts/lib/core.js";
import { MissingArtifactError } from "../scripts/lib/artifacts.js";
import { readModules } from "../scripts/lib/chain.js";
import { IFinanceSuite__factory } from "../typechain-types/index.js";

const { ethers, networkName } = await network.create();

async function freshContext(manifest: Manifest = fixtureManifest): Promise<SuiteContext> {
  const root = await mkdtemp(path.join(os.tmpdir(), "finsuite-test-"));
  return {
    ethers,
    artifacts,
    networkName,
    manifest,
    store: new RecordStore(root, networkName),
    ephemeral: true,
    log: () => {},
  };
}

async function run(ctx: SuiteContext, request: Request): Promise<DeploymentRecord> {
  await apply(ctx, await prepare(ctx, request));
  return (await ctx.store.readDeployment(request.name))!;
}

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const p = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, p)] = await readFile(p, "utf8");
    }
  }
  return out;
}

describe("deployments (in process)", function () {
  it("records exactly what the chain has after deploying a set", async function () {
    const ctx = await freshContext();
    const record = await run(ctx, { kind: "deploy", set: "full", name: "full" });
    const chain = await readModules(ethers.provider, record.address);
    expect(record.chainId).to.equal(31337);
    expect(record.installed.map((m) => [m.id, m.version])).to.deep.equal(chain.map((m) => [m.id, m.version.join(".")]));
    for (const [i, m] of chain.entries()) {
      expect(record.installed[i].facets.map((f) => [f.address, f.selectors])).to.deep.equal(
        m.facets.map((f) => [f.address, f.selectors]),
      );
    }
    expect(record.installed.find((m) => m.id === "mock")!.facets[0].name).to.equal("MockFacetV1");
    expect(Object.keys(record.storageLayouts).sort()).to.deep.equal([
      "finsuite.access",
      "finsuite.diamond",
      "finsuite.mock",
      "finsuite.timelock",
    ]);
    expect(record.history).to.have.length(1);
    expect(record.history[0].transactions.length).to.be.greaterThan(0);
    const leftovers = Object.keys(await filesOf(ctx.store.dir)).filter(
      (f) => f.endsWith(".tmp") || f.includes(".journal"),
    );
    expect(leftovers).to.deep.equal([]);
  });

  it("writes a combined ABI with every installed module's functions", async function () {
    const ctx = await freshContext();
    const record = await run(ctx, { kind: "deploy", set: "full", name: "abi" });
    const abi = JSON.parse(await readFile(path.join(ctx.store.dir, record.abi), "utf8")) as InterfaceAbi;
    const selectors = new Set(selectorsOf(abi));
    for (const name of ["MockFacetV1", "MockOtherFacet", "TenSelectorFacet", "ModuleRegistryFacet"]) {
      const facet = (await ethers.getContractFactory(name)).interface;
      for (const s of selectorsOf(facet)) expect(selectors.has(s), `${name} ${s}`).to.equal(true);
    }
    expect(new Interface(abi).getError("DiamondModulePaused")).to.not.equal(null);
  });

  it("keeps IFinanceSuite equal to the combined ABI of the suite's full set", async function () {
    const ctx = await freshContext(suiteManifest);
    const record = await run(ctx, { kind: "deploy", set: "full", name: "suite" });
    const abi = JSON.parse(await readFile(path.join(ctx.store.dir, record.abi), "utf8")) as InterfaceAbi;
    expect(selectorsOf(abi).sort()).to.deep.equal(selectorsOf(IFinanceSuite__factory.abi).sort());
  });

  it("sends nothing when the chain already matches", async function () {
    const ctx = await freshContext();
    await run(ctx, { kind: "deploy", set: "basic", name: "same" });
    const block = await ethers.provider.getBlockNumber();
    const prepared = await prepare(ctx, { kind: "upgrade", name: "same" });
    expect(prepared.plan.actions).to.deep.equal([]);
    expect(await apply(ctx, prepared)).to.equal("nothing-to-do");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("with a timelock delay, schedules and records the operation, then executes it when due", async function () {
    const delayed: Manifest = { ...fixtureManifest, defaults: { ...fixtureManifest.defaults, timelockDelay: 3600 } };
    const ctx = await freshContext(delayed);
    expect(await apply(ctx, await prepare(ctx, { kind: "deploy", set: "basic", name: "slow" }))).to.equal("scheduled");
    let record = (await ctx.store.readDeployment("slow"))!;
    expect(record.pendingOperation).to.not.equal(null);
    expect(record.installed.map((m) => m.id)).to.deep.equal(["core", "unmanaged"]);
    expect(record.history.at(-1)!.transactions.map((t) => t.step)).to.include("deploy the diamond");

    const block = await ethers.provider.getBlockNumber();
    expect(await apply(ctx, await prepare(ctx, { kind: "upgrade", name: "slow" }))).to.equal("scheduled");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);

    await ethers.provider.send("evm_increaseTime", [3600]);
    await ethers.provider.send("evm_mine", []);
    expect(await apply(ctx, await prepare(ctx, { kind: "upgrade", name: "slow" }))).to.equal("done");
    record = (await ctx.store.readDeployment("slow"))!;
    expect(record.pendingOperation).to.equal(null);
    expect(record.installed.map((m) => m.id)).to.deep.equal(["core", "unmanaged", "mock"]);
    expect(record.history.at(-1)!.transactions.map((t) => t.step)).to.deep.equal(["execute 1 module change"]);
  });

  it("refuses an upgrade whose storage layout is not append-only, and changes nothing", async function () {
    const ctx = await freshContext();
    const record = await run(ctx, { kind: "deploy", set: "basic", name: "layout" });
    // Pretend the last deployment had a member that the current code no longer has.
    record.storageLayouts["finsuite.mock"] = [
      { label: "legacy", slot: 0, offset: 0, type: "t_uint256(32)" },
      ...record.storageLayouts["finsuite.mock"],
    ];
    await ctx.store.writeDeployment(record);
    const before = await filesOf(ctx.store.dir);
    const prepared = await prepare(ctx, { kind: "upgrade", name: "layout" });
    expect(prepared.plan.problems.join("\n")).to.match(/finsuite\.mock: member 0 "legacy" is now "value"/);
    await expectRejection(apply(ctx, prepared), UserError, /Refusing to apply/);
    expect(await filesOf(ctx.store.dir)).to.deep.equal(before);
  });

  it("records each module's ABI, and plan prints the ABI diff against the manifest", async function () {
    const ctx = await freshContext();
    const record = await run(ctx, { kind: "deploy", set: "basic", name: "abidiff" });
    expect(record.installed.find((m) => m.id === "mock")!.abi).to.have.members([
      "function mockPing() pure returns (uint256)",
      "function mockValue() view returns (uint256)",
      "function setMockValue(uint256)",
      "event MockValueSet(uint256)",
    ]);
    expect(record.installed.find((m) => m.id === "core")!.abi).to.equal(undefined);

    const prepared = await prepare({ ...ctx, manifest: v2Manifest }, { kind: "plan", name: "abidiff" });
    expect(prepared.plan.problems).to.deep.equal([]);
    expect(formatPlan(prepared).split("\n").slice(-4)).to.deep.equal([
      "  ABI of mock 1.0.0 -> 2.0.0 (chain -> manifest):",
      "    + function mockPong() pure returns (uint256) [0xc679f30f]",
      "    - function mockPing() pure returns (uint256) [0x8bc6cdd4]",
      "    - event MockValueSet(uint256)",
    ]);
  });

  it("refuses to drop a function in a minor version, naming it and the version to use, and changes nothing", async function () {
    const ctx = await freshContext();
    await run(ctx, { kind: "deploy", set: "basic", name: "minor" });
    const minor = { ...ctx, manifest: minorManifest };
    const before = await filesOf(ctx.store.dir);
    const block = await ethers.provider.getBlockNumber();

    const prepared = await prepare(minor, { kind: "upgrade", name: "minor" });
    const refusal =
      'Module "mock" removes or changes functions without a major version bump (1.0.0 on chain, 1.1.0 in the ' +
      "manifest): removed mockPing() pure returns (uint256) [0x8bc6cdd4]. Bump mock to 2.0.0, or keep these functions.";
    expect(prepared.plan.problems).to.deep.equal([refusal]);
    expect(formatPlan(prepared)).to.include(`  REFUSED: ${refusal}`);
    await expectRejection(apply(minor, prepared), UserError, /Refusing to apply:\n {2}- Module "mock" removes/);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await filesOf(ctx.store.dir)).to.deep.equal(before);
  });

  it("rejects an unknown set, module or deployment with a clear error", async function () {
    const ctx = await freshContext();
    await expectRejection(
      prepare(ctx, { kind: "deploy", set: "nope", name: "nope" }),
      UserError,
      /Unknown module set "nope". Known sets: core, basic, full/,
    );
    await expectRejection(prepare(ctx, { kind: "upgrade", name: "ghost" }), UserError, /No deployment "ghost"/);
    await run(ctx, { kind: "deploy", set: "core", name: "c" });
    await expectRejection(prepare(ctx, { kind: "add", name: "c", module: "nope" }), UserError, /Unknown module "nope"/);
  });

  it("rejects an invalid manifest before touching the chain", async function () {
    const broken: Manifest = { ...fixtureManifest, sets: { ...fixtureManifest.sets, bad: ["missing"] } };
    const ctx = await freshContext(broken);
    await expectRejection(
      prepare(ctx, { kind: "deploy", set: "bad", name: "bad" }),
      UserError,
      /set "bad": unknown module "missing"/,
    );
  });

  it("names a contract that has no compiled artifact, before sending anything", async function () {
    const missing: Manifest = {
      ...fixtureManifest,
      modules: { ...fixtureManifest.modules, ghost: { version: [1, 0, 0], facets: ["NoSuchFacet"] } },
      sets: { ...fixtureManifest.sets, ghostly: ["ghost"] },
    };
    const ctx = await freshContext(missing);
    const block = await ethers.provider.getBlockNumber();
    await expectRejection(
      prepare(ctx, { kind: "deploy", set: "ghostly", name: "ghostly" }),
      MissingArtifactError,
      /No compiled artifact for contract "NoSuchFacet"/,
    );
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await ctx.store.readDeployment("ghostly")).to.equal(null);
  });

  it("rejects a record of another chain and leaves it untouched", async function () {
    const ctx = await freshContext();
    const record = await run(ctx, { kind: "deploy", set: "core", name: "other-chain" });
    await writeFile(ctx.store.deploymentFile("other-chain"), JSON.stringify({ ...record, chainId: 5 }, null, 2));
    const before = await filesOf(ctx.store.dir);
    await expectRejection(prepare(ctx, { kind: "upgrade", name: "other-chain" }), UserError, /belongs to chain 5/);
    expect(await filesOf(ctx.store.dir)).to.deep.equal(before);
  });

  it("refuses a journal of the earlier schema, saying why and what to do, and leaves it untouched", async function () {
    const ctx = await freshContext();
    const file = path.join(ctx.store.dir, ".journal", "old.json");
    await mkdir(path.dirname(file), { recursive: true });
    const legacy = { schema: "finsuite.journal/1", chainId: 31337, sent: { diamond: { hash: "0x01", step: "x" } } };
    await writeFile(file, JSON.stringify(legacy));
    const before = await filesOf(ctx.store.dir);
    const expected =
      `${file} is a journal of schema "finsuite.journal/1", written by an earlier version of this tooling that ` +
      "journaled transactions only after sending them. Finish that run with the version that wrote it, or check " +
      "each transaction it lists on chain and delete the file.";
    const exactly = new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
    await expectRejection(prepare(ctx, { kind: "deploy", set: "core", name: "old" }), RecordError, exactly);
    expect(await filesOf(ctx.store.dir)).to.deep.equal(before);
  });

  it("refuses, before sending anything, when the account cannot pay", async function () {
    const ctx = await freshContext();
    const [signer] = await ethers.getSigners();
    const balance = await ethers.provider.getBalance(signer.address);
    await ethers.provider.send("hardhat_setBalance", [signer.address, "0x1"]);
    try {
      const block = await ethers.provider.getBlockNumber();
      await expectRejection(run(ctx, { kind: "deploy", set: "basic", name: "poor" }), UserError, /Insufficient funds/);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(await ctx.store.readDeployment("poor")).to.equal(null);
    } finally {
      await ethers.provider.send("hardhat_setBalance", [signer.address, "0x" + balance.toString(16)]);
    }
  });
});
