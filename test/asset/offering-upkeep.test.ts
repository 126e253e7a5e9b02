// Keeper work of the asset module: assetCheckUpkeep finds the first offering with
// subscribers left to settle, assetPerformUpkeep settles a batch of it after re-validating,
// both through the diamond's upkeep pair; the keeper runner's source finds the offerings.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";

import { assetCheckData, assetUpkeepSource, decodeAssetPerformData } from "../../scripts/lib/asset-upkeep.js";
import { moduleId } from "../../scripts/lib/core.js";
import { runKeeper, type SourceContext } from "../../scripts/lib/keeper.js";
import type { DeploymentRecord } from "../../scripts/lib/records.js";
import { decodeUpkeepData, upkeepData } from "../../scripts/lib/upkeep.js";
import { BUILDING_RULES, DAY, units } from "./fixture.js";
import {
  createOffering,
  endOffering,
  eventsOf,
  expectBooks,
  manyInvestors,
  MAX_SETTLE_BATCH,
  offeringFixture,
  offeringSnapshot,
  OfferingState,
  openOffering,
  simulateSnapshot,
  subscribe,
  UPKEEP_SETTLE_BATCH,
  type OfferingFixture,
} from "./offering-support.js";

const { ethers, networkHelpers } = await network.create();
const clock = networkHelpers.time;
const coder = AbiCoder.defaultAbiCoder();
const performData = (offeringId: bigint, maxCount: bigint) =>
  coder.encode(["uint256", "uint256"], [offeringId, maxCount]);

/** Two offerings with two subscribers each; the first ends a day before the second. */
async function twoOfferingsFixture() {
  const f = await offeringFixture(ethers);
  const first = await createOffering(f, clock);
  const { start, end } = first.params;
  const second = await createOffering(f, clock, { start, end: BigInt(end) + BigInt(DAY) });
  await clock.increaseTo(BigInt(start));
  for (const o of [first, second]) {
    await subscribe(f, o.offeringId, f.investorA, units(100));
    await subscribe(f, o.offeringId, f.investorB, units(200));
  }
  return { ...f, first, second };
}

/** What a keeper source is given each round, on this network up to its head. */
async function sourceContext(f: OfferingFixture, fromBlock = 0): Promise<SourceContext> {
  return {
    provider: ethers.provider,
    diamond: f.suite,
    fromBlock,
    toBlock: await ethers.provider.getBlockNumber(),
  } as unknown as SourceContext;
}

describe("asset: offering settlement as keeper work", function () {
  let f: Awaited<ReturnType<typeof twoOfferingsFixture>>;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(twoOfferingsFixture);
  });

  afterEach(async function () {
    await expectBooks(f);
  });

  it("is registered with the diamond's upkeep pair by the module's init", async function () {
    const providers = await f.suite.upkeepProviders();
    expect(providers.map((p) => [ethers.decodeBytes32String(p.moduleId), p.check, p.perform])).to.deep.equal([
      [
        "asset",
        f.suite.interface.getFunction("assetCheckUpkeep")!.selector,
        f.suite.interface.getFunction("assetPerformUpkeep")!.selector,
      ],
    ]);
  });

  it("finds no work while the offerings are open", async function () {
    expect([...(await f.suite.assetCheckUpkeep("0x"))]).to.deep.equal([false, "0x"]);
    expect([...(await f.suite.checkUpkeep("0x"))]).to.deep.equal([false, "0x"]);
    expect([...(await f.suite.checkUpkeep(upkeepData("asset")))]).to.deep.equal([false, "0x"]);
  });

  it("finds the first ended offering with subscribers left, from the start id asked", async function () {
    await endOffering(clock, f.first.params);
    const firstWork = [true, performData(f.first.offeringId, 2n)];
    expect([...(await f.suite.assetCheckUpkeep("0x"))]).to.deep.equal(firstWork);
    expect([...(await f.suite.assetCheckUpkeep(assetCheckData(0)))]).to.deep.equal(firstWork);
    expect([...(await f.suite.assetCheckUpkeep(assetCheckData(1)))]).to.deep.equal(firstWork);
    // The second is still open.
    expect([...(await f.suite.assetCheckUpkeep(assetCheckData(2)))]).to.deep.equal([false, "0x"]);
    await endOffering(clock, f.second.params);
    expect([...(await f.suite.assetCheckUpkeep(assetCheckData(2)))]).to.deep.equal([
      true,
      performData(f.second.offeringId, 2n),
    ]);
    expect([...(await f.suite.assetCheckUpkeep(assetCheckData(3)))]).to.deep.equal([false, "0x"]);
  });

  it("finds a cancelled offering's refunds before its end", async function () {
    await (await f.suite.connect(f.issuer).cancelOffering(f.second.offeringId)).wait();
    expect([...(await f.suite.assetCheckUpkeep("0x"))]).to.deep.equal([true, performData(f.second.offeringId, 2n)]);
  });

  it("settles through the diamond's performUpkeep, and does nothing when performed again", async function () {
    await endOffering(clock, f.first.params);
    const [needed, envelope] = await f.suite.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(decodeUpkeepData(envelope)).to.deep.equal({
      module: "asset",
      moduleData: performData(f.first.offeringId, 2n),
    });
    const tx = f.suite.connect(f.outsider).performUpkeep(envelope);
    await expect(tx)
      .to.emit(f.suite, "OfferingFinalized")
      .withArgs(f.first.offeringId, OfferingState.Succeeded, units(300));
    await expect(tx).to.emit(f.suite, "OfferingBatchSettled").withArgs(f.first.offeringId, 2n, 2n);
    await expect(tx).to.emit(f.suite, "UpkeepPerformed").withArgs(moduleId("asset"), f.outsider.address);
    expect(await f.token.balanceOf(f.investorB.address)).to.equal(units(200));
    await expectBooks(f);

    // The same performData again (a stale or repeated perform): nothing left to do.
    const wallets = [f.investorA.address, f.investorB.address];
    await expectUnchanged(f, wallets, async () => {
      const receipt = (await (await f.suite.connect(f.outsider).performUpkeep(envelope)).wait())!;
      expect(eventsOf(f, receipt, "OfferingBatchSettled")).to.have.length(0);
      expect(eventsOf(f, receipt, "UpkeepPerformed")).to.have.length(1);
    });
    expect((await f.suite.checkUpkeep(upkeepData("asset")))[0]).to.equal(false);
  });

  it("re-validates performData: a forged offering or one not ended does nothing", async function () {
    const wallets = [f.investorA.address, f.investorB.address];
    await expectUnchanged(f, wallets, async () => {
      for (const data of [performData(99n, 10n), performData(f.first.offeringId, 2n)]) {
        const receipt = (await (await f.suite.connect(f.outsider).assetPerformUpkeep(data)).wait())!;
        expect(receipt.logs).to.have.length(0);
      }
    });
  });

  it("refuses a batch size outside 1..50", async function () {
    await endOffering(clock, f.first.params);
    for (const size of [0n, MAX_SETTLE_BATCH + 1n]) {
      await expect(f.suite.assetPerformUpkeep(performData(f.first.offeringId, size)))
        .to.be.revertedWithCustomError(f.suite, "OfferingBatchInvalid")
        .withArgs(size, MAX_SETTLE_BATCH);
    }
  });

  it("gives the keeper source the ended offerings it found in OfferingCreated events", async function () {
    const source = assetUpkeepSource();
    expect(await source.checkData(await sourceContext(f))).to.deep.equal([]);
    await endOffering(clock, f.first.params);
    const [checkData, ...rest] = await source.checkData(await sourceContext(f));
    expect(checkData).to.equal(assetCheckData(f.first.offeringId));
    expect(rest).to.deep.equal([]);
    const [needed, envelope] = await f.suite.checkUpkeep(upkeepData("asset", checkData));
    expect(needed).to.equal(true);
    const { moduleData } = decodeUpkeepData(envelope);
    expect(decodeAssetPerformData(moduleData)).to.deep.equal({ offeringId: f.first.offeringId, maxCount: 2n });
    expect(source.items!(moduleData)).to.equal(2);
    await (await f.suite.connect(f.outsider).performUpkeep(envelope)).wait();
    // Settled in full: the source drops it; the second is not over yet.
    expect(await source.checkData(await sourceContext(f))).to.deep.equal([]);
    await endOffering(clock, f.second.params);
    expect(await source.checkData(await sourceContext(f))).to.deep.equal([assetCheckData(f.second.offeringId)]);
  });

  it("is served by the keeper runner until every ended offering is settled", async function () {
    await endOffering(clock, f.second.params);
    const { chainId } = await ethers.provider.getNetwork();
    const record = { name: "offering", chainId: Number(chainId), address: f.diamondAddress, blockNumber: 0 };
    const lines: string[] = [];
    const summary = await runKeeper({
      signer: f.outsider,
      record: record as unknown as DeploymentRecord,
      rounds: 1,
      intervalMs: 0,
      receiptPollMs: 1,
      sleep: async () => {},
      log: (line) => lines.push(line),
    });
    expect(summary.failed, lines.join("\n")).to.equal(0);
    expect(summary.byModule.asset).to.deep.include({ performs: 2, items: 4 });
    for (const o of [f.first, f.second]) {
      const v = await f.suite.getOffering(o.offeringId);
      expect([v.state, v.settledCount]).to.deep.equal([OfferingState.Succeeded, 2n]);
    }
    expect(await f.token.totalSupply()).to.equal(units(600));
    await expectBooks(f);
  });

  it("proposes batches of 25, well under 5,000,000 gas even for new holders after a snapshot", async function () {
    this.timeout(600_000);
    // The worst delivery: a new holder, a lock-up and a snapshot checkpoint (five new slots).
    const rules = { ...BUILDING_RULES, lockupSeconds: 30 * DAY };
    await (await f.suite.connect(f.issuer).setAssetRules(f.assetId, rules)).wait();
    await simulateSnapshot(ethers, f);
    const investors = await manyInvestors(ethers, f, 50);
    const { offeringId, params } = await openOffering(f, clock);
    for (const w of investors) await subscribe(f, offeringId, w, units(10));
    await endOffering(clock, params);
    const gas: bigint[] = [];
    for (const settled of [UPKEEP_SETTLE_BATCH, 2n * UPKEEP_SETTLE_BATCH]) {
      const [needed, envelope] = await f.suite.checkUpkeep(upkeepData("asset", assetCheckData(offeringId)));
      expect(needed).to.equal(true);
      expect(decodeUpkeepData(envelope).moduleData).to.equal(performData(offeringId, UPKEEP_SETTLE_BATCH));
      const receipt = (await (await f.suite.connect(f.outsider).performUpkeep(envelope)).wait())!;
      expect(eventsOf(f, receipt, "OfferingDelivered")).to.have.length(Number(UPKEEP_SETTLE_BATCH));
      expect((await f.suite.getOffering(offeringId)).settledCount).to.equal(settled);
      gas.push(receipt.gasUsed);
    }
    console.log(
      `      keeper batches of 25 after a snapshot: ${gas.map((g) => g.toLocaleString("en-US")).join(", ")} gas`,
    );
    for (const g of gas) expect(g).to.be.lessThan(4_000_000n);
    expect((await f.suite.checkUpkeep(upkeepData("asset", assetCheckData(offeringId))))[0]).to.equal(false);
    await expectBooks(f);
  });

  it("creates no work for an offering without subscribers", async function () {
    const empty = await openOffering(f, clock);
    await endOffering(clock, empty.params);
    await (await f.suite.settleOffering(f.first.offeringId, MAX_SETTLE_BATCH)).wait();
    await (await f.suite.settleOffering(f.second.offeringId, MAX_SETTLE_BATCH)).wait();
    expect([...(await f.suite.assetCheckUpkeep("0x"))]).to.deep.equal([false, "0x"]);
  });
});

/** `expectUnchanged` over the offerings of the fixture and `wallets`. */
async function expectUnchanged(f: OfferingFixture, wallets: string[], action: () => Promise<void>): Promise<void> {
  const state = async () => ({
    ...(await offeringSnapshot(f, 1n, wallets)),
    ...Object.fromEntries(Object.entries(await offeringSnapshot(f, 2n, wallets)).map(([k, v]) => [`second ${k}`, v])),
  });
  const before = await state();
  await action();
  expect(await state()).to.deep.equal(before);
}
