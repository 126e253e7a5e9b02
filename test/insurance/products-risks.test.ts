// Products and risks: what the insurer sets up, every term a product is checked against,
// opening and closing a product, opening a risk (its window and its feed), and the views
// that quote premiums and capacity.
import { expect } from "chai";
import { network } from "hardhat";
import { id, type Result } from "ethers";

import {
  Direction,
  INSURER_ROLE,
  ProductKind,
  RiskState,
  premiumOf,
  type ProductParams,
} from "../../scripts/lib/insurance.js";
import { MockInsuranceFeed__factory } from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { DAY, HOUR, flightDelayProduct, insuranceFixture, travelProduct, usd } from "./fixture.js";
import { buy, expectBooksBalanced, flightRisk, insuranceState, mined, type InsuranceFixture } from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

/** A product's terms as the event and the view return them (a tuple). */
function tuple(p: ProductParams): unknown[] {
  return [
    BigInt(p.poolId),
    BigInt(p.kind),
    BigInt(p.direction),
    BigInt(p.premiumBps),
    BigInt(p.feeBps),
    BigInt(p.minSumInsured),
    BigInt(p.maxSumInsured),
    BigInt(p.minCover),
    BigInt(p.maxCover),
    BigInt(p.purchaseCutoff),
    BigInt(p.maxAggregatePerRisk),
    BigInt(p.maxReadingAge),
    BigInt(p.claimWindow),
    p.tiers.map((t) => [BigInt(t.threshold), BigInt(t.payoutBps)]),
  ];
}

describe("insurance: products and risks", function () {
  let f: InsuranceFixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
  });

  // ---------------------------------------------------------------- createInsuranceProduct

  describe("createInsuranceProduct", function () {
    it("creates an open product, emits InsuranceProductCreated and InsuranceProductOpenSet, and the view returns its terms", async function () {
      const params = flightDelayProduct(f.poolId, {
        direction: Direction.AtMost,
        tiers: [
          { threshold: -5, payoutBps: 2_500 },
          { threshold: -10, payoutBps: 5_000 },
          { threshold: -15, payoutBps: 7_500 },
          { threshold: -20, payoutBps: 10_000 },
        ],
      });
      const productId = await f.suite.connect(f.insurer).createInsuranceProduct.staticCall(params);
      expect(productId).to.equal(3n);
      const receipt = await mined(f.suite.connect(f.insurer).createInsuranceProduct(params));
      const logs = receipt.logs.map((l) => f.suite.interface.parseLog(l)!);
      expect(logs.map((l) => l.name)).to.deep.equal(["InsuranceProductCreated", "InsuranceProductOpenSet"]);
      expect(logs[0]!.args.productId).to.equal(3n);
      expect(logs[0]!.args.poolId).to.equal(f.poolId);
      expect(logs[0]!.args.params.toArray(true)).to.deep.equal(tuple(params));
      expect(logs[1]!.args.toArray()).to.deep.equal([3n, true]);
      const [view, open] = await f.suite.insuranceProduct(3n);
      expect((view as unknown as Result).toArray(true)).to.deep.equal(tuple(params));
      expect(open).to.equal(true);
      expect((await f.suite.insuranceCounts())[1]).to.equal(3n);
    });

    it("an assessed product has no tiers and needs no reading age", async function () {
      const [view] = await f.suite.insuranceProduct(f.travelProductId);
      expect((view as unknown as Result).toArray(true)).to.deep.equal(tuple(travelProduct(f.poolId)));
    });

    it("refuses a caller without INSURER_ROLE and an unknown pool", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.suite.connect(f.assessor).createInsuranceProduct(flightDelayProduct(f.poolId)))
          .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
          .withArgs(f.assessor.address, INSURER_ROLE);
        await expect(f.suite.connect(f.insurer).createInsuranceProduct(flightDelayProduct(4n)))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPool")
          .withArgs(4n);
      });
    });

    const invalid: [string, Partial<ProductParams>, string, bigint | number][] = [
      ["a zero premium", { premiumBps: 0 }, "premiumBps", 0],
      ["a premium over 100 %", { premiumBps: 10_001 }, "premiumBps", 10_001],
      ["a fee over 50 %", { feeBps: 5_001 }, "feeBps", 5_001],
      ["a zero minimum sum", { minSumInsured: 0 }, "minSumInsured", 0],
      ["a maximum sum under the minimum", { maxSumInsured: usd(9) }, "maxSumInsured", usd(9)],
      ["a risk aggregate under the maximum sum", { maxAggregatePerRisk: usd(999) }, "maxAggregatePerRisk", usd(999)],
      ["a zero minimum cover", { minCover: 0 }, "minCover", 0],
      ["a maximum cover under the minimum", { maxCover: HOUR - 1 }, "maxCover", HOUR - 1],
      ["no tiers", { tiers: [] }, "tiers", 0],
      [
        "five tiers",
        {
          tiers: [1, 2, 3, 4, 5].map((i) => ({ threshold: i * 10, payoutBps: i * 1_000 })),
        },
        "tiers",
        5,
      ],
      ["a zero reading age", { maxReadingAge: 0 }, "maxReadingAge", 0],
      ["a tier paying nothing", { tiers: [{ threshold: 120, payoutBps: 0 }] }, "tiers.payoutBps", 0],
      [
        "a tier paying over 100 %",
        {
          tiers: [
            { threshold: 120, payoutBps: 5_000 },
            { threshold: 180, payoutBps: 10_001 },
          ],
        },
        "tiers.payoutBps",
        1,
      ],
      [
        "a tier no more severe than the previous",
        {
          tiers: [
            { threshold: 120, payoutBps: 5_000 },
            { threshold: 120, payoutBps: 10_000 },
          ],
        },
        "tiers.threshold",
        1,
      ],
      [
        "an AtMost tier above the previous",
        {
          direction: Direction.AtMost,
          tiers: [
            { threshold: 10, payoutBps: 5_000 },
            { threshold: 11, payoutBps: 10_000 },
          ],
        },
        "tiers.threshold",
        1,
      ],
      [
        "a more severe tier paying no more",
        {
          tiers: [
            { threshold: 120, payoutBps: 5_000 },
            { threshold: 180, payoutBps: 5_000 },
          ],
        },
        "tiers.payoutBps",
        1,
      ],
    ];
    for (const [what, overrides, field, value] of invalid) {
      it(`refuses ${what} (InsuranceParamInvalid ${field})`, async function () {
        await expectUnchanged(insuranceState(f), async () => {
          await expect(f.suite.connect(f.insurer).createInsuranceProduct(flightDelayProduct(f.poolId, overrides)))
            .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
            .withArgs(field, value);
        });
      });
    }

    it("refuses an assessed product with tiers (InsuranceParamInvalid tiers)", async function () {
      await expect(
        f.suite
          .connect(f.insurer)
          .createInsuranceProduct(travelProduct(f.poolId, { tiers: [{ threshold: 1, payoutBps: 10_000 }] })),
      )
        .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
        .withArgs("tiers", 1);
    });

    it("accepts the bounds: premium 100 %, fee 50 %, four tiers, the last paying 100 %", async function () {
      const params = flightDelayProduct(f.poolId, {
        premiumBps: 10_000,
        feeBps: 5_000,
        maxAggregatePerRisk: usd(1_000),
        minCover: HOUR,
        maxCover: HOUR,
        tiers: [1, 2, 3, 4].map((i) => ({ threshold: i, payoutBps: i * 2_500 })),
      });
      await expect(f.suite.connect(f.insurer).createInsuranceProduct(params)).to.emit(
        f.suite,
        "InsuranceProductCreated",
      );
    });
  });

  // ---------------------------------------------------------------- setInsuranceProductOpen

  describe("setInsuranceProductOpen", function () {
    it("closes a product to new policies (InsuranceProductClosed); existing policies are still paid", async function () {
      const { riskId, start, end } = await flightRisk(f);
      const policyId = await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, end);
      await expect(f.suite.connect(f.insurer).setInsuranceProductOpen(f.flightProductId, false))
        .to.emit(f.suite, "InsuranceProductOpenSet")
        .withArgs(f.flightProductId, false);
      expect((await f.suite.insuranceProduct(f.flightProductId))[1]).to.equal(false);
      await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
        await expect(f.suite.connect(f.holder).buyPolicy(riskId, f.passenger.address, usd(100), start, end))
          .to.be.revertedWithCustomError(f.suite, "InsuranceProductClosed")
          .withArgs(f.flightProductId);
      });
      await networkHelpers.time.increaseTo(start + 4 * HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + 3 * HOUR));
      await expect(f.suite.processPayouts(riskId, 1))
        .to.emit(f.suite, "InsurancePolicyPaid")
        .withArgs(policyId, 0n, f.passenger.address, usd(100), false);
      // Reopened, it sells again.
      await mined(f.suite.connect(f.insurer).setInsuranceProductOpen(f.flightProductId, true));
      const next = await flightRisk(f, { start: start + 3 * DAY });
      await buy(f, next.riskId, f.holder, f.passenger.address, usd(100), next.start, next.end);
    });

    it("refuses a caller without INSURER_ROLE and an unknown product", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.suite.connect(f.outsider).setInsuranceProductOpen(f.flightProductId, false))
          .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
          .withArgs(f.outsider.address, INSURER_ROLE);
        await expect(f.suite.connect(f.insurer).setInsuranceProductOpen(9n, false))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownProduct")
          .withArgs(9n);
      });
      expect((await f.suite.insuranceProduct(f.flightProductId))[1]).to.equal(true);
    });
  });

  // ---------------------------------------------------------------- createInsuranceRisk

  describe("createInsuranceRisk", function () {
    it("opens a risk, emits InsuranceRiskCreated, and the view shows it open and empty", async function () {
      const start = f.now + DAY;
      const feed = await new MockInsuranceFeed__factory(f.owner).deploy(0, f.now);
      const feedAddress = await feed.getAddress();
      const key = id("AF1 2026-12-24");
      await expect(
        f.suite.connect(f.insurer).createInsuranceRisk(f.flightProductId, key, start, start + DAY, feedAddress),
      )
        .to.emit(f.suite, "InsuranceRiskCreated")
        .withArgs(1n, f.flightProductId, key, start, start + DAY, feedAddress);
      const r = await f.suite.insuranceRisk(1n);
      expect([r.productId, r.poolId, r.state, r.key, r.start, r.end, r.feed]).to.deep.equal([
        f.flightProductId,
        f.poolId,
        BigInt(RiskState.Open),
        key,
        BigInt(start),
        BigInt(start + DAY),
        feedAddress,
      ]);
      expect([r.policyCount, r.pendingClaims, r.activeSumInsured, r.locked, r.tier, r.observedAt]).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
        0n,
        0n,
      ]);
      expect([r.cursor, r.owedLeft]).to.deep.equal([0n, 0n]);
      expect((await f.suite.insuranceCounts())[2]).to.equal(1n);
    });

    it("refuses a caller without INSURER_ROLE and an unknown product", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(
          f.suite
            .connect(f.oracle)
            .createInsuranceRisk(f.flightProductId, id("x"), f.now + DAY, f.now + 2 * DAY, ethers.ZeroAddress),
        )
          .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
          .withArgs(f.oracle.address, INSURER_ROLE);
        await expect(
          f.suite.connect(f.insurer).createInsuranceRisk(0n, id("x"), f.now + DAY, f.now + 2 * DAY, ethers.ZeroAddress),
        )
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownProduct")
          .withArgs(0n);
      });
    });

    it("refuses an end not after the start or not in the future (InsuranceParamInvalid end)", async function () {
      const now = await networkHelpers.time.latest();
      for (const [start, end] of [
        [now + DAY, now + DAY],
        [now + DAY, now + DAY - 1],
        [now - DAY, now],
      ]) {
        await expectUnchanged(insuranceState(f), async () => {
          await expect(
            f.suite
              .connect(f.insurer)
              .createInsuranceRisk(f.flightProductId, id("x"), start!, end!, ethers.ZeroAddress),
          )
            .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
            .withArgs("end", end!);
        });
      }
    });

    it("refuses a feed on an assessed product or a feed that cannot be read (InsuranceParamInvalid feed)", async function () {
      const feed = await new MockInsuranceFeed__factory(f.owner).deploy(0, f.now);
      const feedAddress = await feed.getAddress();
      await expect(
        f.suite
          .connect(f.insurer)
          .createInsuranceRisk(f.travelProductId, id("x"), f.now + DAY, f.now + 2 * DAY, feedAddress),
      )
        .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
        .withArgs("feed", BigInt(feedAddress));
      await mined(feed.setBroken(true));
      await expectUnchanged(insuranceState(f), async () => {
        await expect(
          f.suite
            .connect(f.insurer)
            .createInsuranceRisk(f.flightProductId, id("x"), f.now + DAY, f.now + 2 * DAY, feedAddress),
        )
          .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
          .withArgs("feed", BigInt(feedAddress));
      });
    });

    it("refuses a feed address without code (InsuranceParamInvalid feed)", async function () {
      const eoa = f.outsider.address;
      await expect(
        f.suite.connect(f.insurer).createInsuranceRisk(f.flightProductId, id("x"), f.now + DAY, f.now + 2 * DAY, eoa),
      )
        .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
        .withArgs("feed", BigInt(eoa));
    });
  });

  // ---------------------------------------------------------------- views

  describe("views", function () {
    it("quoteInsurancePremium rounds the premium up and the fee down", async function () {
      for (const sum of [usd(10), usd(333), usd("123.456789"), usd(1_000)]) {
        const { premium, fee } = premiumOf(sum, 500, 1_000);
        expect(await f.suite.quoteInsurancePremium(f.flightProductId, sum)).to.deep.equal([premium, fee]);
      }
      // 1 unit at 5 %: a premium of 1 unit (rounded up), a fee of 0.
      expect(await f.suite.quoteInsurancePremium(f.flightProductId, 1n)).to.deep.equal([1n, 0n]);
      await expect(f.suite.quoteInsurancePremium(9n, usd(10)))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownProduct")
        .withArgs(9n);
    });

    it("insuranceCapacity is the lower of the risk's room and the pool's free capital, 0 once not open", async function () {
      const { riskId, start, end } = await flightRisk(f);
      // The risk's aggregate (100,000) equals the pool's capital: both bound it.
      expect(await f.suite.insuranceCapacity(riskId)).to.equal(usd(100_000));
      await buy(f, riskId, f.holder, f.passenger.address, usd(1_000), start, end);
      // The risk has 99,000 left; the pool 100,000 + 45 (premium less fee) − 1,000.
      expect(await f.suite.insuranceCapacity(riskId)).to.equal(usd(99_000));
      const other = await flightRisk(f, { key: "other" });
      expect(await f.suite.insuranceCapacity(other.riskId)).to.equal(usd(99_045));
      await networkHelpers.time.increaseTo(start + HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + 1));
      expect(await f.suite.insuranceCapacity(riskId)).to.equal(0n);
      await expect(f.suite.insuranceCapacity(99n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownRisk")
        .withArgs(99n);
      await expectBooksBalanced(f);
    });

    it("views of unknown risks, policies and claims revert with their errors", async function () {
      await expect(f.suite.insuranceRisk(5n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownRisk")
        .withArgs(5n);
      await expect(f.suite.insurancePolicy(5n << 32n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPolicy")
        .withArgs(5n << 32n);
      await expect(f.suite.insuranceClaim(1n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownClaim")
        .withArgs(1n);
      await expect(f.suite.insuranceProduct(0n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownProduct")
        .withArgs(0n);
      expect(await f.suite.insurancePendingRisks()).to.deep.equal([]);
      expect(await f.suite.insuranceCounts()).to.deep.equal([1n, 2n, 0n, 0n]);
      expect(ProductKind.Assessed).to.equal(Number((await f.suite.insuranceProduct(f.travelProductId))[0].kind));
    });
  });
});
