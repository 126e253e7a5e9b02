// The abuse cases of the insurance module, one test each, named after the attack: double
// claims, overlapping batches, repeated and forged keeper data, claims and purchases out of
// time, replayed, stale, future, out-of-window and conflicting reports, payouts beyond
// capital, and capital leaving while it backs policies. After each, the books balance.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";

import { RiskState } from "../../scripts/lib/insurance.js";
import { upkeepData } from "../../scripts/lib/upkeep.js";
import { expectUnchanged } from "../helpers.js";
import { DAY, HOUR, insuranceFixture, usd } from "./fixture.js";
import {
  buy,
  eventsOf,
  expectBooksBalanced,
  flightRisk,
  insuranceState,
  mined,
  type InsuranceFixture,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

const perform = (a: number, riskId: bigint) =>
  upkeepData("insurance", AbiCoder.defaultAbiCoder().encode(["uint8", "uint256"], [a, riskId]));

describe("insurance: abuse cases", function () {
  let f: InsuranceFixture;
  let riskId: bigint;
  let start: number;
  let end: number;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    ({ riskId, start, end } = await flightRisk(f));
    for (let i = 0; i < 3; i++) await buy(f, riskId, f.holder, f.passenger.address, usd(500), start, end);
  });

  afterEach(async function () {
    if (f) await expectBooksBalanced(f);
  });

  async function trigger() {
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + HOUR));
  }

  it("double claim through a duplicate report: the second report after the trigger is refused (InsuranceRiskNotOpen)", async function () {
    await trigger();
    const state = insuranceState(f, { riskIds: [riskId], accounts: [f.passenger.address] });
    await expectUnchanged(state, async () => {
      for (const [value, at] of [
        [200, start + HOUR],
        [200, start + HOUR + 1],
        [500, start + HOUR + 2],
      ] as const) {
        await expect(f.suite.connect(f.oracle).reportEvent(riskId, value, at))
          .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
          .withArgs(riskId, RiskState.Triggered);
      }
    });
    await expect(f.suite.processPayouts(riskId, 10)).to.changeTokenBalance(ethers, f.usdc, f.passenger, usd(1_500));
  });

  it("overlapping batches: two processPayouts in one block pay once; after the settle InsuranceNoPayoutsPending", async function () {
    await trigger();
    const before = await f.usdc.balanceOf(f.passenger.address);
    await networkHelpers.mine(1);
    await ethers.provider.send("evm_setAutomine", [false]);
    let hashes: string[];
    try {
      const a = await f.suite.connect(f.outsider).processPayouts(riskId, 10, { gasLimit: 1_000_000 });
      const b = await f.suite.connect(f.holder).processPayouts(riskId, 10, { gasLimit: 1_000_000 });
      hashes = [a.hash, b.hash];
      await networkHelpers.mine(1);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const [ra, rb] = await Promise.all(hashes.map((h) => ethers.provider.getTransactionReceipt(h)));
    expect(ra!.blockNumber).to.equal(rb!.blockNumber);
    expect([ra!.status, rb!.status]).to.deep.equal([1, 0]);
    expect(await f.usdc.balanceOf(f.passenger.address)).to.equal(before + usd(1_500));
    await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
      await expect(f.suite.processPayouts(riskId, 10))
        .to.be.revertedWithCustomError(f.suite, "InsuranceNoPayoutsPending")
        .withArgs(riskId);
    });
  });

  it("a repeated performUpkeep does nothing the second time: no extra payment", async function () {
    await trigger();
    const data = perform(1, riskId);
    await expect(f.suite.performUpkeep(data)).to.changeTokenBalance(ethers, f.usdc, f.passenger, usd(1_500));
    await expectUnchanged(insuranceState(f, { riskIds: [riskId], accounts: [f.passenger.address] }), async () => {
      const receipt = await mined(f.suite.performUpkeep(data));
      expect(eventsOf(f, receipt, "InsurancePolicyPaid")).to.have.length(0);
      expect(eventsOf(f, receipt, "InsurancePayoutBatch")).to.have.length(0);
    });
  });

  it("forged performData (an untriggered risk, an unknown action, an unknown risk) does nothing and pays nothing", async function () {
    const other = await flightRisk(f, { key: "other" });
    await buy(f, other.riskId, f.holder, f.traveller.address, usd(100), other.start, other.end);
    await trigger();
    const state = insuranceState(f, {
      riskIds: [riskId, other.riskId],
      accounts: [f.passenger.address, f.traveller.address],
    });
    await expectUnchanged(state, async () => {
      for (const data of [
        perform(1, other.riskId), // pay an open risk
        perform(2, other.riskId), // trigger a risk without a feed
        perform(2, riskId), // trigger a triggered risk
        perform(7, riskId), // an unknown action
        perform(0, riskId),
        perform(1, 999n), // an unknown risk
        perform(2, 999n),
      ]) {
        const receipt = await mined(f.suite.connect(f.outsider).performUpkeep(data));
        expect(eventsOf(f, receipt, "InsurancePolicyPaid"), data).to.have.length(0);
        expect(eventsOf(f, receipt, "InsuranceRiskTriggered"), data).to.have.length(0);
      }
    });
  });

  it("claim after expiry or before cover starts is refused (InsuranceClaimOutsideCover)", async function () {
    const now = await networkHelpers.time.latest();
    const tripStart = now + 2 * DAY;
    const trip = await f.openRisk(f.travelProductId, "abuse trip", tripStart, tripStart + 5 * DAY);
    const policy = await buy(f, trip, f.traveller, f.traveller.address, usd(500), tripStart, tripStart + 5 * DAY);
    const claimUntil = tripStart + 5 * DAY + 14 * DAY;
    await expect(f.suite.connect(f.traveller).submitClaim(policy, usd(500), ethers.id("early")))
      .to.be.revertedWithCustomError(f.suite, "InsuranceClaimOutsideCover")
      .withArgs(policy, tripStart, claimUntil);
    await networkHelpers.time.increaseTo(claimUntil + 1);
    await expectUnchanged(insuranceState(f, { riskIds: [trip], policyIds: [policy] }), async () => {
      await expect(f.suite.connect(f.traveller).submitClaim(policy, usd(500), ethers.id("late")))
        .to.be.revertedWithCustomError(f.suite, "InsuranceClaimOutsideCover")
        .withArgs(policy, tripStart, claimUntil);
    });
  });

  it("buying after the event is known: after the trigger InsuranceRiskNotOpen, after the cut-off InsurancePurchaseCutoffPassed", async function () {
    const next = await flightRisk(f, { key: "next", start: start + HOUR });
    await networkHelpers.time.increaseTo(start + 30 * 60);
    await expect(f.suite.connect(f.holder).buyPolicy(next.riskId, f.holder.address, usd(100), next.start, next.end))
      .to.be.revertedWithCustomError(f.suite, "InsurancePurchaseCutoffPassed")
      .withArgs(next.start, next.start - HOUR);
    await trigger();
    await expect(f.suite.connect(f.holder).buyPolicy(riskId, f.holder.address, usd(100), end - 2 * HOUR, end))
      .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
      .withArgs(riskId, RiskState.Triggered);
  });

  it("report replay, stale, future and out-of-window readings are refused and change nothing", async function () {
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 30, start + HOUR));
    await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 30, start + HOUR))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingNotNewer")
        .withArgs(riskId, start + HOUR, start + HOUR);
      const now = await networkHelpers.time.latest();
      await networkHelpers.time.setNextBlockTimestamp(now + 1);
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, now + 2))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingFromFuture")
        .withArgs(now + 2, now + 1);
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, start - 1))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingOutsideWindow")
        .withArgs(riskId, start - 1, start, end);
      await networkHelpers.time.increaseTo(start + 2 * HOUR + DAY);
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, start + HOUR + 1))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingStale")
        .withArgs(start + HOUR + 1, DAY);
    });
  });

  it("conflicting reports: a lower newer reading is accepted; after the trigger any report is refused (the first trigger is final)", async function () {
    await networkHelpers.time.increaseTo(start + 5 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 90, start + HOUR));
    await expect(f.suite.connect(f.oracle).reportEvent(riskId, 20, start + 2 * HOUR))
      .to.emit(f.suite, "InsuranceReadingRecorded")
      .withArgs(riskId, f.oracle.address, 20, start + 2 * HOUR);
    await expect(f.suite.connect(f.oracle).reportEvent(riskId, 130, start + 3 * HOUR))
      .to.emit(f.suite, "InsuranceRiskTriggered")
      .withArgs(riskId, f.oracle.address, 1, 5_000, 130, start + 3 * HOUR, usd(750));
    // A more severe or a "no delay after all" reading cannot change the outcome.
    for (const value of [400, 0]) {
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, value, start + 4 * HOUR))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
        .withArgs(riskId, RiskState.Triggered);
    }
    const r = await f.suite.insuranceRisk(riskId);
    expect([r.tier, r.observedAt]).to.deep.equal([1n, BigInt(start + 3 * HOUR)]);
    await expect(f.suite.processPayouts(riskId, 10)).to.changeTokenBalance(ethers, f.usdc, f.passenger, usd(750));
  });

  it("payouts beyond capital: a purchase exceeding free capital is refused with the capacity left", async function () {
    // Lock the free capital with a second risk until less than a maximum sum insured is left.
    // (A risk takes at most 100,000: fill two.)
    const fills = [await flightRisk(f, { key: "fill 1" }), await flightRisk(f, { key: "fill 2" })];
    let bought = 0;
    const freeOf = async () => {
      const p = await f.suite.insurancePool(f.poolId);
      return p.capital - p.locked;
    };
    while ((await freeOf()) >= usd(1_000)) {
      const other = fills[bought++ < 100 ? 0 : 1]!;
      await buy(f, other.riskId, f.holder, f.holder.address, usd(1_000), other.start, other.end);
    }
    const after = await f.suite.insurancePool(f.poolId);
    const capacity = after.capital - after.locked;
    expect(await f.suite.insuranceCapacity(riskId)).to.equal(capacity);
    await expect(f.suite.connect(f.holder).buyPolicy(riskId, f.holder.address, capacity + 1n, start, end))
      .to.be.revertedWithCustomError(f.suite, "InsuranceCapacityExceeded")
      .withArgs(f.poolId, capacity + 1n, capacity);
  });

  it("capital withdrawn while payouts are pending: owed payouts and locked capital stay; InsuranceCapitalLocked", async function () {
    const other = await flightRisk(f, { key: "live" });
    await buy(f, other.riskId, f.holder, f.traveller.address, usd(1_000), other.start, other.end);
    await trigger();
    const pool = await f.suite.insurancePool(f.poolId);
    expect(pool.owed).to.equal(usd(1_500));
    expect(pool.locked).to.equal(usd(1_000));
    const free = pool.capital - pool.locked;
    expect(await f.vault.maxWithdraw(f.providerA.address)).to.equal(
      await f.vault.previewRedeem(await f.vault.balanceOf(f.providerA.address)),
    );
    // providerA leaves; providerB can take only what is free.
    const sharesA = await f.vault.balanceOf(f.providerA.address);
    await mined(f.vault.connect(f.providerA).redeem(sharesA, f.providerA.address, f.providerA.address));
    const rest = await f.suite.insurancePool(f.poolId);
    const freeNow = rest.capital - rest.locked;
    expect(freeNow).to.be.lt(free);
    expect(await f.vault.maxWithdraw(f.providerB.address)).to.equal(freeNow);
    await expect(f.vault.connect(f.providerB).withdraw(freeNow + 1n, f.providerB.address, f.providerB.address))
      .to.be.revertedWithCustomError(f.suite, "InsuranceCapitalLocked")
      .withArgs(f.poolId, freeNow + 1n, freeNow);
    await mined(f.vault.connect(f.providerB).withdraw(freeNow, f.providerB.address, f.providerB.address));
    // What is owed and what backs the live policy are still there.
    await expect(f.suite.processPayouts(riskId, 10)).to.changeTokenBalance(ethers, f.usdc, f.passenger, usd(1_500));
    expect((await f.suite.insurancePool(f.poolId)).capital).to.equal(usd(1_000));
  });
});
