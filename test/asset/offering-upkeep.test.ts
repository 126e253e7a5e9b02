// Keeper work of the asset module: assetCheckUpkeep picks, among the candidate wallets it is
// given, those whose identity's subscription to an ended offering is still open;
// assetPerformUpkeep settles them after re-validating, both through the diamond's upkeep
// pair; the keeper runner's source reads the candidates from the OfferingSubscribed events.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, concat, toBeHex, zeroPadValue } from "ethers";

import {
  assetCheckData,
  assetCheckDataChunks,
  assetUpkeepSource,
  CANDIDATES_PER_CHECK,
  decodeAssetPerformData,
} from "../../scripts/lib/asset-upkeep.js";
import { moduleId } from "../../scripts/lib/core.js";
import { runKeeper, type SourceContext } from "../../scripts/lib/keeper.js";
import type { DeploymentRecord } from "../../scripts/lib/records.js";
import { decodeUpkeepData, upkeepData } from "../../scripts/lib/upkeep.js";
import { MockBlocklistToken__factory } from "../../typechain-types/index.js";
import { BUILDING_RULES, DAY, units, usd } from "./fixture.js";
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
/** `assetPerformUpkeep`'s data: the same encoding as the check data. */
const performData = assetCheckData;
const NO_WORK = [false, "0x"];

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
  return { ...f, first, second, subscribers: [f.investorA.address, f.investorB.address] };
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

  const check = async (data: string) => [...(await f.suite.assetCheckUpkeep(data))];

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
    for (const o of [f.first, f.second]) {
      expect(await check(assetCheckData(o.offeringId, f.subscribers))).to.deep.equal(NO_WORK);
    }
    expect([...(await f.suite.checkUpkeep(upkeepData("asset", assetCheckData(1, f.subscribers))))]).to.deep.equal(
      NO_WORK,
    );
  });

  it("answers no work to check data that is empty, malformed or names no offering, never reverting", async function () {
    await endOffering(clock, f.second.params);
    const valid = assetCheckData(f.first.offeringId, f.subscribers);
    const word = (n: bigint | number) => zeroPadValue(toBeHex(n), 32);
    const malformed = [
      "0x",
      word(1),
      // Cut inside the array.
      valid.slice(0, valid.length - 2),
      // The array's offset past the end.
      concat([word(1), word(0x1000)]),
      // A length longer than the data.
      concat([word(1), word(0x40), word(3), word(BigInt(f.investorA.address))]),
      // An address word with high bits set.
      concat([word(1), word(0x40), word(1), word((1n << 160n) | BigInt(f.investorA.address))]),
    ];
    for (const data of malformed) expect(await check(data), data).to.deep.equal(NO_WORK);
    for (const offeringId of [0n, 99n]) {
      expect(await check(assetCheckData(offeringId, f.subscribers))).to.deep.equal(NO_WORK);
    }
    expect([...(await f.suite.checkUpkeep(upkeepData("asset")))]).to.deep.equal(NO_WORK);
    // The same data, well formed: work.
    expect((await check(valid))[0]).to.equal(true);
  });

  it("proposes the candidates whose identity's subscription is open, one per identity", async function () {
    await (await f.suite.connect(f.provider).addIdentityWallet(f.idA, f.investorD.address)).wait();
    await endOffering(clock, f.first.params);
    // D is A's second wallet (listed first, it stands for the identity); C never subscribed;
    // alice is not registered.
    const candidates = [
      f.investorD.address,
      f.investorC.address,
      f.investorA.address,
      f.alice.address,
      f.investorB.address,
      f.investorB.address,
    ];
    const pending = [f.investorD.address, f.investorB.address];
    expect(await check(assetCheckData(f.first.offeringId, candidates))).to.deep.equal([
      true,
      performData(f.first.offeringId, pending),
    ]);
    // The second is still open.
    expect(await check(assetCheckData(f.second.offeringId, candidates))).to.deep.equal(NO_WORK);
    // Settling D settles A's identity: A's subscription, delivered to A.
    const receipt = (await (await f.suite.assetPerformUpkeep(performData(f.first.offeringId, pending))).wait())!;
    expect(eventsOf(f, receipt, "OfferingDelivered").map((e) => e.args.wallet)).to.deep.equal(f.subscribers);
    expect(await check(assetCheckData(f.first.offeringId, candidates))).to.deep.equal(NO_WORK);
  });

  it("finds a cancelled offering's refunds before its end", async function () {
    await (await f.suite.connect(f.issuer).cancelOffering(f.second.offeringId)).wait();
    expect(await check(assetCheckData(f.second.offeringId, f.subscribers))).to.deep.equal([
      true,
      performData(f.second.offeringId, f.subscribers),
    ]);
  });

  it("finds an outcome to decide as work with no wallet to settle; proceeds the treasury refuses are not keeper work", async function () {
    // An offering nobody subscribed to: its outcome is still to be decided at its end.
    const empty = await openOffering(f, clock);
    await endOffering(clock, empty.params);
    expect(await check(assetCheckData(empty.offeringId, []))).to.deep.equal([true, performData(empty.offeringId, [])]);
    await expect(f.suite.assetPerformUpkeep(performData(empty.offeringId, [])))
      .to.emit(f.suite, "OfferingFinalized")
      .withArgs(empty.offeringId, OfferingState.Failed, 0n);
    expect(await check(assetCheckData(empty.offeringId, []))).to.deep.equal(NO_WORK);

    // Proceeds the treasury refused stay due, but a blocked treasury must not have the keeper
    // perform every block: they are retried by the next batch or by payOfferingProceeds.
    const blk = await new MockBlocklistToken__factory(f.owner).deploy();
    await (await blk.mint(f.investorC.address, usd(1_000_000))).wait();
    await (await blk.connect(f.investorC).approve(f.diamondAddress, 2n ** 256n - 1n)).wait();
    const paid = await openOffering(f, clock, { paymentToken: await blk.getAddress() });
    await subscribe(f, paid.offeringId, f.investorC, units(100));
    await (await blk.setBlocked(f.treasury.address, true)).wait();
    await endOffering(clock, paid.params);
    await (await f.suite.assetPerformUpkeep(performData(paid.offeringId, [f.investorC.address]))).wait();
    expect((await f.suite.getOffering(paid.offeringId)).proceedsDue).to.be.greaterThan(0n);
    expect(await check(assetCheckData(paid.offeringId, [f.investorC.address]))).to.deep.equal(NO_WORK);
    await (await blk.setBlocked(f.treasury.address, false)).wait();
    await expect(f.suite.payOfferingProceeds(paid.offeringId)).to.emit(f.suite, "OfferingProceedsPaid");
    expect((await f.suite.getOffering(paid.offeringId)).proceedsDue).to.equal(0n);
    await expectBooks(f, blk);
  });

  it("settles through the diamond's performUpkeep, and does nothing when performed again", async function () {
    await endOffering(clock, f.first.params);
    const [needed, envelope] = await f.suite.checkUpkeep(
      upkeepData("asset", assetCheckData(f.first.offeringId, f.subscribers)),
    );
    expect(needed).to.equal(true);
    expect(decodeUpkeepData(envelope)).to.deep.equal({
      module: "asset",
      moduleData: performData(f.first.offeringId, f.subscribers),
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
    await expectUnchanged(f, f.subscribers, async () => {
      const receipt = (await (await f.suite.connect(f.outsider).performUpkeep(envelope)).wait())!;
      expect(eventsOf(f, receipt, "OfferingBatchSettled")).to.have.length(0);
      expect(eventsOf(f, receipt, "UpkeepPerformed")).to.have.length(1);
    });
    const again = upkeepData("asset", assetCheckData(f.first.offeringId, f.subscribers));
    expect((await f.suite.checkUpkeep(again))[0]).to.equal(false);
  });

  it("re-validates performData: a forged offering or one not ended does nothing", async function () {
    await expectUnchanged(f, f.subscribers, async () => {
      for (const data of [performData(99n, f.subscribers), performData(f.first.offeringId, f.subscribers)]) {
        const receipt = (await (await f.suite.connect(f.outsider).assetPerformUpkeep(data)).wait())!;
        expect(receipt.logs).to.have.length(0);
      }
    });
  });

  it("refuses performData that lists more than 50 wallets or is malformed", async function () {
    await endOffering(clock, f.first.params);
    await expectUnchanged(f, f.subscribers, async () => {
      const tooMany = Array.from({ length: Number(MAX_SETTLE_BATCH) + 1 }, () => f.investorA.address);
      await expect(f.suite.assetPerformUpkeep(performData(f.first.offeringId, tooMany)))
        .to.be.revertedWithCustomError(f.suite, "OfferingBatchInvalid")
        .withArgs(MAX_SETTLE_BATCH + 1n, MAX_SETTLE_BATCH);
      const cut = coder.encode(["uint256"], [f.first.offeringId]);
      await expect(f.suite.assetPerformUpkeep(cut))
        .to.be.revertedWithCustomError(f.suite, "OfferingUpkeepDataInvalid")
        .withArgs(32n);
    });
  });

  it("gives the keeper source the subscribers of each ended offering with work, from its events", async function () {
    const source = assetUpkeepSource();
    expect(await source.checkData(await sourceContext(f))).to.deep.equal([]);
    await endOffering(clock, f.first.params);
    const [checkData, ...rest] = await source.checkData(await sourceContext(f));
    expect(checkData).to.equal(assetCheckData(f.first.offeringId, f.subscribers));
    expect(rest).to.deep.equal([]);
    const [needed, envelope] = await f.suite.checkUpkeep(upkeepData("asset", checkData));
    expect(needed).to.equal(true);
    const { moduleData } = decodeUpkeepData(envelope);
    expect(decodeAssetPerformData(moduleData)).to.deep.equal({
      offeringId: f.first.offeringId,
      wallets: f.subscribers,
    });
    expect(source.items!(moduleData)).to.equal(2);
    await (await f.suite.connect(f.outsider).performUpkeep(envelope)).wait();
    // Settled in full: the source drops it; the second is not over yet.
    expect(await source.checkData(await sourceContext(f))).to.deep.equal([]);
    await endOffering(clock, f.second.params);
    expect(await source.checkData(await sourceContext(f))).to.deep.equal([
      assetCheckData(f.second.offeringId, f.subscribers),
    ]);
  });

  it("splits the candidates into check data of at most 50, one per identity", async function () {
    const wallets = Array.from({ length: 120 }, (_, i) => zeroPadValue(toBeHex(i + 1), 20));
    const chunks = assetCheckDataChunks(7n, wallets).map(decodeAssetPerformData);
    expect(chunks.map((c) => [c.offeringId, c.wallets.length])).to.deep.equal([
      [7n, CANDIDATES_PER_CHECK],
      [7n, CANDIDATES_PER_CHECK],
      [7n, 20],
    ]);
    expect(chunks.flatMap((c) => c.wallets.map((w) => w.toLowerCase()))).to.deep.equal(wallets);
    expect(assetCheckDataChunks(7n, [])).to.deep.equal([assetCheckData(7n, [])]);

    // A second wallet of a subscribed identity is not listed again.
    await (await f.suite.connect(f.provider).addIdentityWallet(f.idA, f.investorD.address)).wait();
    await subscribe(f, f.second.offeringId, f.investorD, units(1));
    await endOffering(clock, f.second.params);
    const source = assetUpkeepSource();
    expect(await source.checkData(await sourceContext(f))).to.deep.equal([
      assetCheckData(f.first.offeringId, f.subscribers),
      assetCheckData(f.second.offeringId, f.subscribers),
    ]);
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
      expect([v.state, v.subscriberCount, v.settledCount]).to.deep.equal([OfferingState.Succeeded, 2n, 2n]);
    }
    expect(await f.token.totalSupply()).to.equal(units(600));
    await expectBooks(f);
  });

  it("proposes batches of 25, under 5,000,000 gas even for new holders after a snapshot", async function () {
    this.timeout(600_000);
    // The worst delivery: a new holder, a lock-up and a snapshot checkpoint (five new slots).
    const rules = { ...BUILDING_RULES, lockupSeconds: 30 * DAY };
    await (await f.suite.connect(f.issuer).setAssetRules(f.assetId, rules)).wait();
    await simulateSnapshot(ethers, f);
    const investors = await manyInvestors(ethers, f, 50);
    const { offeringId, params } = await openOffering(f, clock);
    for (const w of investors) await subscribe(f, offeringId, w, units(10));
    await endOffering(clock, params);
    const wallets = investors.map((w) => w.address);
    const data = upkeepData("asset", assetCheckData(offeringId, wallets));
    const gas: bigint[] = [];
    for (const settled of [UPKEEP_SETTLE_BATCH, 2n * UPKEEP_SETTLE_BATCH]) {
      const [needed, envelope] = await f.suite.checkUpkeep(data);
      expect(needed).to.equal(true);
      const batch = wallets.slice(Number(settled - UPKEEP_SETTLE_BATCH), Number(settled));
      expect(decodeUpkeepData(envelope).moduleData).to.equal(performData(offeringId, batch));
      const receipt = (await (await f.suite.connect(f.outsider).performUpkeep(envelope)).wait())!;
      expect(eventsOf(f, receipt, "OfferingDelivered")).to.have.length(Number(UPKEEP_SETTLE_BATCH));
      expect((await f.suite.getOffering(offeringId)).settledCount).to.equal(settled);
      gas.push(receipt.gasUsed);
    }
    console.log(
      `      keeper performs of 25 wallets after a snapshot: ${gas.map((g) => g.toLocaleString("en-US")).join(", ")} gas`,
    );
    for (const g of gas) expect(g).to.be.lessThan(5_000_000n);
    expect((await f.suite.checkUpkeep(data))[0]).to.equal(false);
    await expectBooks(f);
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
