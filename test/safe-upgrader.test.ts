// `modules deploy|add` when the network's upgrader is a Safe (2 of 3 owners, Safe 1.4.1 from
// its published artifacts): the tooling never sends the timelock calls itself; it writes
// each one as a Transaction Builder file with its SafeTx hash, records the operation as
// proposed, and recognizes on the next run what the Safe executed.
import { expect } from "chai";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { artifacts, network } from "hardhat";
import { getAddress } from "ethers";

import fixtureManifest from "./fixtures/manifest.js";
import { deploySafe, execSafeTx, signSafeTx } from "./support/safe.js";
import { apply, prepare, type ApplyStatus, type Request, type SuiteContext } from "../scripts/lib/deployments.js";
import type { Manifest } from "../scripts/lib/manifest.js";
import { RecordStore, type DeploymentRecord } from "../scripts/lib/records.js";
import { readModules } from "../scripts/lib/chain.js";
import { proposeSafeTransaction, readSafe, transactionBuilderChecksum } from "../scripts/lib/safe.js";
import { ROLES } from "../scripts/lib/core.js";
import { IFinanceDiamond__factory } from "../typechain-types/index.js";

const { ethers, networkName, networkHelpers } = await network.create();
const provider = ethers.provider;
const [deployer, owner1, owner2, owner3, relayer] = await ethers.getSigners();
const DELAY = 3600;

const SCHEDULE = IFinanceDiamond__factory.createInterface().getFunction("schedule")!.selector;
const EXECUTE = IFinanceDiamond__factory.createInterface().getFunction("execute")!.selector;

describe("a Safe as the upgrader", function () {
  let safeAddress: string;
  let safe: Awaited<ReturnType<typeof deploySafe>>["safe"];
  let ctx: SuiteContext;
  let logs: string[];

  before(async function () {
    const deployed = await deploySafe(ethers, [owner1.address, owner2.address, owner3.address], 2);
    safeAddress = deployed.address;
    safe = deployed.safe;
    const manifest: Manifest = {
      ...fixtureManifest,
      networks: { [networkName]: { upgrader: safeAddress, timelockDelay: DELAY } },
    };
    logs = [];
    ctx = {
      ethers,
      artifacts,
      networkName,
      manifest,
      store: new RecordStore(await mkdtemp(path.join(os.tmpdir(), "finsuite-safe-")), networkName),
      ephemeral: true,
      log: (line) => logs.push(line),
    };
  });

  async function run(request: Request): Promise<{ status: ApplyStatus; record: DeploymentRecord; log: string }> {
    logs.length = 0;
    const status = await apply(ctx, await prepare(ctx, request));
    return { status, record: (await ctx.store.readDeployment(request.name))!, log: logs.join("\n") };
  }

  /** The deployer's transactions to the diamond's timelock since `from`. */
  async function timelockCallsSince(from: number, diamond: string): Promise<string[]> {
    const out: string[] = [];
    for (let n = from; n <= (await provider.getBlockNumber()); n++) {
      for (const tx of (await provider.getBlock(n, true))!.prefetchedTransactions) {
        if (tx.to !== null && getAddress(tx.to) === getAddress(diamond) && getAddress(tx.from) === deployer.address) {
          if (tx.data.startsWith(SCHEDULE) || tx.data.startsWith(EXECUTE)) out.push(tx.hash);
        }
      }
    }
    return out;
  }

  /** Two owners sign the proposal the tooling wrote; a relayer (not an owner) executes it. */
  async function ownersExecute(record: DeploymentRecord): Promise<void> {
    const file = path.join(ctx.store.dir, record.pendingOperation!.proposal!.file);
    const batch = JSON.parse(await readFile(file, "utf8"));
    expect(batch.meta.checksum).to.equal(transactionBuilderChecksum(batch));
    expect(batch.meta.createdFromSafeAddress).to.equal(getAddress(safeAddress));
    expect(batch.transactions).to.have.length(1);
    const state = (await readSafe(provider, safeAddress))!;
    // What the owners' wallets compute from the file must be the hash the tooling printed.
    const [call] = batch.transactions as { to: string; data: string; value: string }[];
    const proposal = proposeSafeTransaction(state, { ...call, value: BigInt(call.value) }, { name: "check" });
    expect(proposal.safeTxHash).to.equal(record.pendingOperation!.proposal!.safeTxHash);
    expect(proposal.safeTxHash).to.equal(await safe.getTransactionHash(...Object.values(proposal.tx)));
    const signatures = await signSafeTx([owner3, owner1], proposal.typedData);
    await (await execSafeTx(safe, proposal.tx, signatures, relayer)).wait();
  }

  it("deploy: the EOA deploys contracts and the diamond; the schedule is proposed to the Safe, not sent", async function () {
    const from = (await provider.getBlockNumber()) + 1;
    const { status, record, log } = await run({ kind: "deploy", set: "basic", name: "basic" });
    expect(status).to.equal("proposed");
    const diamond = IFinanceDiamond__factory.connect(record.address, provider);
    expect(await diamond.hasRole(ROLES.UPGRADER, safeAddress)).to.equal(true);
    expect(await diamond.hasRole(ROLES.UPGRADER, deployer.address)).to.equal(false);
    expect(await timelockCallsSince(from, record.address), "timelock calls sent by the tooling").to.deep.equal([]);

    const pending = record.pendingOperation!;
    expect(pending.proposal).to.deep.include({ safe: getAddress(safeAddress), call: "schedule", nonce: 0 });
    expect(await diamond.getOperationState(pending.id)).to.equal(0n);
    expect(log).to.include(`SafeTx hash: ${pending.proposal!.safeTxHash}`);
    expect(log).to.include(pending.proposal!.file);
    expect(record.installed.map((m) => m.id)).to.not.include("mock");
    expect(record.history.at(-1)!.actions.at(-1)).to.equal(
      `proposed schedule of operation ${pending.id} to Safe ${getAddress(safeAddress)}`,
    );
  });

  it("run again before the Safe acts: the same proposal, nothing sent, no new history", async function () {
    const before = (await ctx.store.readDeployment("basic"))!;
    const from = (await provider.getBlockNumber()) + 1;
    const { status, record } = await run({ kind: "deploy", set: "basic", name: "basic" });
    expect(status).to.equal("proposed");
    expect((await provider.getBlockNumber()) + 1).to.equal(from);
    expect(record.pendingOperation).to.deep.equal(before.pendingOperation);
    expect(record.history).to.have.length(before.history.length);
  });

  it("after the Safe schedules: recognized and recorded with its ETA; after the delay, execute is proposed", async function () {
    await ownersExecute((await ctx.store.readDeployment("basic"))!);
    const scheduled = await run({ kind: "deploy", set: "basic", name: "basic" });
    expect(scheduled.status).to.equal("scheduled");
    const id = scheduled.record.pendingOperation!.id;
    const diamond = IFinanceDiamond__factory.connect(scheduled.record.address, provider);
    expect(scheduled.record.pendingOperation!.readyAt).to.equal(Number(await diamond.getOperationReadyAt(id)));
    expect(scheduled.log).to.include(`Safe ${getAddress(safeAddress)} has scheduled operation ${id}`);

    await networkHelpers.time.increase(DELAY);
    const proposed = await run({ kind: "deploy", set: "basic", name: "basic" });
    expect(proposed.status).to.equal("proposed");
    expect(proposed.record.pendingOperation!.proposal).to.deep.include({ call: "execute", nonce: 1 });
  });

  it("after the Safe executes: the record matches the chain and the operation is closed", async function () {
    await ownersExecute((await ctx.store.readDeployment("basic"))!);
    const { status, record } = await run({ kind: "deploy", set: "basic", name: "basic" });
    expect(status).to.equal("done");
    expect(record.pendingOperation).to.equal(null);
    const chain = await readModules(provider, record.address);
    expect(record.installed.map((m) => [m.id, m.version])).to.deep.equal(chain.map((m) => [m.id, m.version.join(".")]));
    expect(record.installed.map((m) => m.id)).to.include("mock");
  });

  it("add: the new facet is deployed by the EOA and the module change goes through the Safe the same way", async function () {
    const first = await run({ kind: "add", name: "basic", module: "ten" });
    expect(first.status).to.equal("proposed");
    expect(first.record.pendingOperation!.proposal).to.deep.include({ call: "schedule", nonce: 2 });
    await ownersExecute(first.record);
    expect((await run({ kind: "add", name: "basic", module: "ten" })).status).to.equal("scheduled");
    await networkHelpers.time.increase(DELAY);
    const execute = await run({ kind: "upgrade", name: "basic" });
    expect(execute.record.pendingOperation!.proposal).to.deep.include({ call: "execute", nonce: 3 });
    await ownersExecute(execute.record);
    const done = await run({ kind: "upgrade", name: "basic" });
    expect(done.status).to.equal("done");
    expect(done.record.modules).to.include("ten");
    expect(done.record.installed.map((m) => m.id)).to.include("ten");
  });

  it("refuses, naming the Safe, when the Safe lacks UPGRADER_ROLE on the diamond", async function () {
    const record = (await ctx.store.readDeployment("basic"))!;
    const other = await deploySafe(ethers, [owner1.address, owner2.address, owner3.address], 2);
    const bad = { ...ctx, manifest: { ...ctx.manifest, networks: { [networkName]: { upgrader: other.address } } } };
    const request: Request = { kind: "remove", name: "basic", module: "ten" };
    let message = "";
    await apply(bad, await prepare(bad, request)).catch((e: Error) => (message = e.message));
    expect(message).to.equal(
      `Safe ${getAddress(other.address)}, the upgrader the manifest names for network "${networkName}", lacks ` +
        `UPGRADER_ROLE on diamond ${record.address}: grant it the role, or fix the manifest.`,
    );
    expect(await ctx.store.readDeployment("basic")).to.deep.equal(record);
  });
});
