// Triggers: an oracle's reports and their checks (role, kind, value range, future, stale,
// window, replay), severity tiers in both directions, a feed read by anyone with
// checkTrigger, and closing a risk that ended untriggered.
import { expect } from "chai";
import { network } from "hardhat";

import { Direction, INSURANCE_ORACLE_ROLE, PolicyStatus, ProductKind, RiskState } from "../../scripts/lib/insurance.js";
import { MockInsuranceFeed__factory, type MockInsuranceFeed } from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { DAY, HOUR, flightDelayProduct, insuranceFixture, usd } from "./fixture.js";
import { buy, expectBooksBalanced, flightRisk, insuranceState, mined, type InsuranceFixture } from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

describe("insurance: triggers", function () {
  let f: InsuranceFixture;
  let riskId: bigint;
  let start: number;
  let end: number;
  let policyId: bigint;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    ({ riskId, start, end } = await flightRisk(f));
    policyId = await buy(f, riskId, f.holder, f.passenger.address, usd(1_000), start, end);
  });

  // ---------------------------------------------------------------- reportEvent

  describe("reportEvent", function () {
    beforeEach(async function () {
      await networkHelpers.time.increaseTo(start + 6 * HOUR);
    });

    it("a reading meeting no tier is recorded (InsuranceReadingRecorded, with its value) and triggers nothing", async function () {
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 119, start + HOUR))
        .to.emit(f.suite, "InsuranceReadingRecorded")
        .withArgs(riskId, f.oracle.address, 119, start + HOUR)
        .and.not.to.emit(f.suite, "InsuranceRiskTriggered");
      const r = await f.suite.insuranceRisk(riskId);
      expect([r.state, r.tier, r.observedAt, r.locked]).to.deep.equal([
        BigInt(RiskState.Open),
        0n,
        BigInt(start + HOUR),
        usd(1_000),
      ]);
      expect((await f.suite.insurancePool(f.poolId)).owed).to.equal(0n);
    });

    it("the first tier: exactly the threshold pays 50 % (InsuranceRiskTriggered) and queues the risk", async function () {
      const before = await f.suite.insurancePool(f.poolId);
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 120, start + HOUR))
        .to.emit(f.suite, "InsuranceRiskTriggered")
        .withArgs(riskId, f.oracle.address, 1, 5_000, 120, start + HOUR, usd(500))
        .and.not.to.emit(f.suite, "InsuranceReadingRecorded");
      const r = await f.suite.insuranceRisk(riskId);
      expect([r.state, r.tier, r.observedAt, r.locked, r.owedLeft, r.cursor]).to.deep.equal([
        BigInt(RiskState.Triggered),
        1n,
        BigInt(start + HOUR),
        0n,
        usd(500),
        0n,
      ]);
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.capital).to.equal(before.capital - usd(500));
      expect(pool.locked).to.equal(before.locked - usd(1_000));
      expect(pool.owed).to.equal(usd(500));
      expect(await f.suite.insurancePendingRisks()).to.deep.equal([riskId]);
      expect((await f.suite.insurancePolicy(policyId)).status).to.equal(PolicyStatus.Active);
      await expectBooksBalanced(f);
    });

    it("the most severe tier met is the one that pays", async function () {
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 10_000, start + HOUR))
        .to.emit(f.suite, "InsuranceRiskTriggered")
        .withArgs(riskId, f.oracle.address, 2, 10_000, 10_000, start + HOUR, usd(1_000));
    });

    it("an AtMost product triggers on a reading at or below a threshold", async function () {
      const params = flightDelayProduct(f.poolId, {
        direction: Direction.AtMost,
        tiers: [
          { threshold: -10, payoutBps: 3_000 },
          { threshold: -20, payoutBps: 9_000 },
        ],
      });
      await mined(f.suite.connect(f.insurer).createInsuranceProduct(params));
      const now = await networkHelpers.time.latest();
      const r = await flightRisk(f, { productId: 3n, start: now + 2 * DAY, key: "frost" });
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(100), r.start, r.end);
      await networkHelpers.time.increaseTo(r.start + 2 * HOUR);
      await expect(f.suite.connect(f.oracle).reportEvent(r.riskId, -9, r.start + 1))
        .to.emit(f.suite, "InsuranceReadingRecorded")
        .withArgs(r.riskId, f.oracle.address, -9, r.start + 1);
      await expect(f.suite.connect(f.oracle).reportEvent(r.riskId, -20, r.start + 2))
        .to.emit(f.suite, "InsuranceRiskTriggered")
        .withArgs(r.riskId, f.oracle.address, 2, 9_000, -20, r.start + 2, usd(90));
    });

    it("a risk without policies settles at once when triggered (InsuranceRiskSettled, not queued)", async function () {
      const empty = await flightRisk(f, { start: start + HOUR, key: "empty" });
      await expect(f.suite.connect(f.oracle).reportEvent(empty.riskId, 500, start + 2 * HOUR))
        .to.emit(f.suite, "InsuranceRiskSettled")
        .withArgs(empty.riskId, 0);
      expect((await f.suite.insuranceRisk(empty.riskId)).state).to.equal(RiskState.Settled);
      expect(await f.suite.insurancePendingRisks()).to.deep.equal([]);
    });

    it("refuses a caller without the oracle role, the insurer included", async function () {
      for (const caller of [f.outsider, f.insurer, f.holder]) {
        await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
          await expect(f.suite.connect(caller).reportEvent(riskId, 500, start + HOUR))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, INSURANCE_ORACLE_ROLE);
        });
      }
    });

    it("refuses an unknown risk, an assessed risk and a value beyond 128 bits", async function () {
      const trip = await f.openRisk(f.travelProductId, "trip", start + DAY, start + 5 * DAY);
      await expectUnchanged(insuranceState(f, { riskIds: [riskId, trip] }), async () => {
        await expect(f.suite.connect(f.oracle).reportEvent(99n, 500, start + HOUR))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownRisk")
          .withArgs(99n);
        await expect(f.suite.connect(f.oracle).reportEvent(trip, 500, start + HOUR))
          .to.be.revertedWithCustomError(f.suite, "InsuranceWrongProductKind")
          .withArgs(f.travelProductId, ProductKind.Assessed);
        const big = 2n ** 127n;
        await expect(f.suite.connect(f.oracle).reportEvent(riskId, big, start + HOUR))
          .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
          .withArgs("value", big);
        await expect(f.suite.connect(f.oracle).reportEvent(riskId, -big - 1n, start + HOUR))
          .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
          .withArgs("value", 2n ** 256n - big - 1n);
      });
    });

    it("refuses readings from the future, stale ones, ones outside the window and replays", async function () {
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 60, start + 2 * HOUR));
      const now = await networkHelpers.time.latest();
      const state = insuranceState(f, { riskIds: [riskId] });
      await expectUnchanged(state, async () => {
        await networkHelpers.time.setNextBlockTimestamp(now + 10);
        await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, now + 11))
          .to.be.revertedWithCustomError(f.suite, "InsuranceReadingFromFuture")
          .withArgs(now + 11, now + 10);
        // Not newer than the last accepted reading (start + 2 h): a replay, or an older one.
        for (const at of [start + 2 * HOUR, start + HOUR]) {
          await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, at))
            .to.be.revertedWithCustomError(f.suite, "InsuranceReadingNotNewer")
            .withArgs(riskId, at, start + 2 * HOUR);
        }
      });
      await networkHelpers.time.increaseTo(start + DAY + 2 * HOUR);
      await expectUnchanged(state, async () => {
        const t = await networkHelpers.time.latest();
        await networkHelpers.time.setNextBlockTimestamp(t + 1);
        // Older than maxReadingAge (a day) at the block's time.
        await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, t + 1 - DAY - 1))
          .to.be.revertedWithCustomError(f.suite, "InsuranceReadingStale")
          .withArgs(t + 1 - DAY - 1, DAY);
        // After the risk's end.
        await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, end + 1))
          .to.be.revertedWithCustomError(f.suite, "InsuranceReadingOutsideWindow")
          .withArgs(riskId, end + 1, start, end);
      });
      // The risk's last second is inside the window.
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, end)).to.emit(f.suite, "InsuranceRiskTriggered");
    });

    it("refuses a reading before the risk's start (InsuranceReadingOutsideWindow)", async function () {
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, start - 1))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingOutsideWindow")
        .withArgs(riskId, start - 1, start, end);
    });

    // Readings are accepted until the risk's end plus the claim window, when closeRisk may
    // run: a late trigger never races a close.
    it("refuses a reading reported after the risk's end plus the claim window (InsuranceReportingClosed)", async function () {
      const params = flightDelayProduct(f.poolId, { claimWindow: HOUR });
      await mined(f.suite.connect(f.insurer).createInsuranceProduct(params));
      const now = await networkHelpers.time.latest();
      const r = await flightRisk(f, { productId: 3n, start: now + 2 * DAY, key: "short window" });
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(100), r.start, r.end);
      await networkHelpers.time.increaseTo(r.end + 2 * HOUR);
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.suite.connect(f.oracle).reportEvent(r.riskId, 500, r.end))
          .to.be.revertedWithCustomError(f.suite, "InsuranceReportingClosed")
          .withArgs(r.riskId, r.end + HOUR);
      });
    });
  });

  // ---------------------------------------------------------------- checkTrigger

  describe("checkTrigger", function () {
    let feed: MockInsuranceFeed;
    let feedRisk: bigint;

    beforeEach(async function () {
      feed = await new MockInsuranceFeed__factory(f.owner).deploy(0, f.now);
      ({ riskId: feedRisk } = await flightRisk(f, { key: "feed", feed: await feed.getAddress() }));
      await buy(f, feedRisk, f.holder, f.passenger.address, usd(300), start, end);
      await networkHelpers.time.increaseTo(start + 6 * HOUR);
    });

    it("anyone triggers the risk from its feed when the reading meets a tier; the caller is the reporter", async function () {
      await mined(feed.set(185, start + 5 * HOUR));
      await expect(f.suite.connect(f.outsider).checkTrigger(feedRisk))
        .to.emit(f.suite, "InsuranceRiskTriggered")
        .withArgs(feedRisk, f.outsider.address, 2, 10_000, 185, start + 5 * HOUR, usd(300));
      expect((await f.suite.insuranceRisk(feedRisk)).state).to.equal(RiskState.Triggered);
      // The trigger is final: the feed is not read again.
      await expect(f.suite.connect(f.outsider).checkTrigger(feedRisk))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
        .withArgs(feedRisk, RiskState.Triggered);
      await expectBooksBalanced(f);
    });

    it("refuses a reading that meets no tier (InsuranceConditionNotMet) and records nothing", async function () {
      await mined(feed.set(90, start + 5 * HOUR));
      await expectUnchanged(insuranceState(f, { riskIds: [feedRisk] }), async () => {
        await expect(f.suite.connect(f.outsider).checkTrigger(feedRisk))
          .to.be.revertedWithCustomError(f.suite, "InsuranceConditionNotMet")
          .withArgs(feedRisk, 90);
      });
    });

    it("refuses a risk without a feed (InsuranceRiskHasNoFeed) and an unknown risk", async function () {
      await expect(f.suite.checkTrigger(riskId))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskHasNoFeed")
        .withArgs(riskId);
      await expect(f.suite.checkTrigger(42n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownRisk")
        .withArgs(42n);
    });

    it("refuses a feed that reverts (InsuranceFeedUnreadable)", async function () {
      await mined(feed.set(500, start + 5 * HOUR));
      await mined(feed.setBroken(true));
      await expectUnchanged(insuranceState(f, { riskIds: [feedRisk] }), async () => {
        await expect(f.suite.checkTrigger(feedRisk))
          .to.be.revertedWithCustomError(f.suite, "InsuranceFeedUnreadable")
          .withArgs(feedRisk, await feed.getAddress());
      });
    });

    it("applies the reading checks to the feed's update time: stale, future, outside the window", async function () {
      const now = await networkHelpers.time.latest();
      await mined(feed.set(500, start - 10));
      await expect(f.suite.checkTrigger(feedRisk))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingOutsideWindow")
        .withArgs(feedRisk, start - 10, start, end);
      await mined(feed.set(500, now + 100));
      await networkHelpers.time.setNextBlockTimestamp(now + 50);
      await expect(f.suite.checkTrigger(feedRisk))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingFromFuture")
        .withArgs(now + 100, now + 50);
      await mined(feed.set(500, start + HOUR));
      await networkHelpers.time.increaseTo(start + HOUR + DAY + 1);
      await expect(f.suite.checkTrigger(feedRisk))
        .to.be.revertedWithCustomError(f.suite, "InsuranceReadingStale")
        .withArgs(start + HOUR, DAY);
      await mined(feed.set(2n ** 200n, end - 1));
      await expect(f.suite.checkTrigger(feedRisk))
        .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
        .withArgs("value", 2n ** 200n);
      expect((await f.suite.insuranceRisk(feedRisk)).state).to.equal(RiskState.Open);
    });
  });

  // ---------------------------------------------------------------- closeRisk

  describe("closeRisk", function () {
    it("refuses before the risk's end plus the claim window (InsuranceRiskNotEnded), at that second too", async function () {
      const closesAt = end + 3 * DAY;
      await networkHelpers.time.setNextBlockTimestamp(closesAt);
      await expect(f.suite.connect(f.outsider).closeRisk(riskId))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotEnded")
        .withArgs(riskId, closesAt);
      await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
        await expect(f.suite.closeRisk(riskId))
          .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotEnded")
          .withArgs(riskId, closesAt);
      });
    });

    it("anyone closes an untriggered risk after it: frees its lock (InsuranceRiskClosed); policies expire", async function () {
      await buy(f, riskId, f.holder, f.passenger.address, usd(500), start, end);
      const before = await f.suite.insurancePool(f.poolId);
      await networkHelpers.time.increaseTo(end + 3 * DAY + 1);
      await expect(f.suite.connect(f.outsider).closeRisk(riskId))
        .to.emit(f.suite, "InsuranceRiskClosed")
        .withArgs(riskId, f.outsider.address, usd(1_500));
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.locked).to.equal(before.locked - usd(1_500));
      expect(pool.capital).to.equal(before.capital);
      const r = await f.suite.insuranceRisk(riskId);
      expect([r.state, r.locked]).to.deep.equal([BigInt(RiskState.Closed), 0n]);
      expect((await f.suite.insurancePolicy(policyId)).status).to.equal(PolicyStatus.Expired);
      // Closed is final: no report, no purchase, no second close.
      await expect(f.suite.closeRisk(riskId))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
        .withArgs(riskId, RiskState.Closed);
      await expect(f.suite.connect(f.oracle).reportEvent(riskId, 500, end))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
        .withArgs(riskId, RiskState.Closed);
      await expectBooksBalanced(f);
    });

    it("refuses a triggered risk (InsuranceRiskNotOpen) and an unknown one", async function () {
      await networkHelpers.time.increaseTo(start + HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 500, start + 1));
      await networkHelpers.time.increaseTo(end + 3 * DAY + 1);
      await expect(f.suite.closeRisk(riskId))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
        .withArgs(riskId, RiskState.Triggered);
      await expect(f.suite.closeRisk(13n)).to.be.revertedWithCustomError(f.suite, "InsuranceUnknownRisk").withArgs(13n);
    });

    it("refuses while a claim is pending (InsuranceClaimsPending); after it is decided it closes", async function () {
      const now = await networkHelpers.time.latest();
      const tripStart = now + 2 * DAY;
      const trip = await f.openRisk(f.travelProductId, "trip", tripStart, tripStart + 10 * DAY);
      const tripPolicy = await buy(
        f,
        trip,
        f.traveller,
        f.traveller.address,
        usd(2_000),
        tripStart,
        tripStart + 10 * DAY,
      );
      // A claim filed on the last day of the claim window.
      await networkHelpers.time.setNextBlockTimestamp(tripStart + 24 * DAY);
      await mined(f.suite.connect(f.traveller).submitClaim(tripPolicy, usd(100), ethers.id("doc")));
      await networkHelpers.time.increaseTo(tripStart + 24 * DAY + 2);
      await expectUnchanged(insuranceState(f, { riskIds: [trip] }), async () => {
        await expect(f.suite.closeRisk(trip))
          .to.be.revertedWithCustomError(f.suite, "InsuranceClaimsPending")
          .withArgs(trip, 1);
      });
      await mined(f.suite.connect(f.assessor).confirmClaim(1n, usd(100)));
      await expect(f.suite.closeRisk(trip))
        .to.emit(f.suite, "InsuranceRiskClosed")
        .withArgs(trip, f.owner.address, usd(1_900));
      await expectBooksBalanced(f);
    });
  });
});
