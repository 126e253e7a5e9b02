// Policies: buying (every check, the capacity of the pool and of the risk, the cut-off, a
// token that delivers less), cancelling before cover starts, and naming a new beneficiary
// until a claim exists.
import { expect } from "chai";
import { network } from "hardhat";

import { PolicyStatus, RiskState, policyIdOf, premiumOf } from "../../scripts/lib/insurance.js";
import { InsurancePoolVault__factory, MockSwitchableFeeToken__factory } from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { DAY, HOUR, flightDelayProduct, insuranceFixture, usd } from "./fixture.js";
import {
  buy,
  expectBooksBalanced,
  flightRisk,
  insuranceState,
  mined,
  poolOver,
  type InsuranceFixture,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

describe("insurance: policies", function () {
  let f: InsuranceFixture;
  let diamond: string;
  let riskId: bigint;
  let start: number;
  let end: number;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    diamond = await f.suite.getAddress();
    ({ riskId, start, end } = await flightRisk(f));
  });

  /** A product of pool 1 with other terms; returns its id. */
  async function product(overrides: Parameters<typeof flightDelayProduct>[1]) {
    const productId = await f.suite
      .connect(f.insurer)
      .createInsuranceProduct.staticCall(flightDelayProduct(f.poolId, overrides));
    await mined(f.suite.connect(f.insurer).createInsuranceProduct(flightDelayProduct(f.poolId, overrides)));
    return productId;
  }

  // ---------------------------------------------------------------- buyPolicy

  describe("buyPolicy", function () {
    it("sells a policy: pulls the premium, books fee, capital and lock, and emits InsurancePolicyBought", async function () {
      const { premium, fee } = premiumOf(usd(250), 500, 1_000);
      const [policyId, quoted] = await f.suite
        .connect(f.holder)
        .buyPolicy.staticCall(riskId, f.passenger.address, usd(250), start, end);
      expect(policyId).to.equal(policyIdOf(riskId, 1));
      expect(quoted).to.equal(premium);
      const tx = f.suite.connect(f.holder).buyPolicy(riskId, f.passenger.address, usd(250), start, end);
      await expect(tx)
        .to.emit(f.suite, "InsurancePolicyBought")
        .withArgs(policyId, f.holder.address, f.passenger.address, usd(250), premium, fee, start, end);
      await expect(tx).to.changeTokenBalances(ethers, f.usdc, [f.holder, diamond], [-premium, premium]);
      const pool = await f.suite.insurancePool(f.poolId);
      expect([pool.capital, pool.locked, pool.owed, pool.fees]).to.deep.equal([
        usd(100_000) + premium - fee,
        usd(250),
        0n,
        fee,
      ]);
      const r = await f.suite.insuranceRisk(riskId);
      expect([r.policyCount, r.activeSumInsured, r.locked]).to.deep.equal([1n, usd(250), usd(250)]);
      const p = await f.suite.insurancePolicy(policyId);
      expect([p.riskId, p.holder, p.beneficiary, p.sumInsured, p.premium, p.coverStart, p.coverEnd]).to.deep.equal([
        riskId,
        f.holder.address,
        f.passenger.address,
        usd(250),
        premium,
        BigInt(start),
        BigInt(end),
      ]);
      expect([p.status, p.paid, p.openClaim]).to.deep.equal([BigInt(PolicyStatus.Active), 0n, 0n]);
      // The next one is the risk's second.
      expect(await buy(f, riskId, f.holder, f.holder.address, usd(10), start + HOUR, start + 2 * HOUR)).to.equal(
        policyIdOf(riskId, 2),
      );
      await expectBooksBalanced(f);
    });

    it("refuses an unknown risk (InsuranceUnknownRisk)", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.suite.connect(f.holder).buyPolicy(77n, f.passenger.address, usd(100), start, end))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownRisk")
          .withArgs(77n);
      });
    });

    it("refuses the zero address or the diamond as beneficiary (InsuranceReceiverInvalid)", async function () {
      for (const beneficiary of [ethers.ZeroAddress, diamond]) {
        await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
          await expect(f.suite.connect(f.holder).buyPolicy(riskId, beneficiary, usd(100), start, end))
            .to.be.revertedWithCustomError(f.suite, "InsuranceReceiverInvalid")
            .withArgs(beneficiary);
        });
      }
    });

    it("refuses a sum insured out of the product's range (InsuranceSumInsuredOutOfRange)", async function () {
      for (const sum of [0n, usd(10) - 1n, usd(1_000) + 1n]) {
        await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
          await expect(f.suite.connect(f.holder).buyPolicy(riskId, f.passenger.address, sum, start, end))
            .to.be.revertedWithCustomError(f.suite, "InsuranceSumInsuredOutOfRange")
            .withArgs(sum, usd(10), usd(1_000));
        });
      }
    });

    it("refuses a cover window outside the risk or of a length out of bounds (InsuranceCoverWindowInvalid)", async function () {
      const long = await flightRisk(f, { key: "long", length: 3 * DAY });
      const cases: [bigint, number, number][] = [
        [riskId, start - 1, end], // starts before the risk
        [riskId, start, end + 1], // ends after it
        [riskId, start + HOUR, start + HOUR], // empty
        [riskId, start + 2 * HOUR, start + HOUR], // reversed
        [riskId, start, start + HOUR - 1], // shorter than minCover
        [long.riskId, long.start, long.start + 2 * DAY + 1], // longer than maxCover
      ];
      for (const [risk, s, e] of cases) {
        await expectUnchanged(insuranceState(f, { riskIds: [risk] }), async () => {
          await expect(f.suite.connect(f.holder).buyPolicy(risk, f.passenger.address, usd(100), s, e))
            .to.be.revertedWithCustomError(f.suite, "InsuranceCoverWindowInvalid")
            .withArgs(s, e);
        });
      }
      // The bounds themselves are accepted.
      await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, start + HOUR);
      await buy(f, long.riskId, f.holder, f.passenger.address, usd(100), long.start, long.start + 2 * DAY);
    });

    it("buying after the cut-off is refused (InsurancePurchaseCutoffPassed); at the cut-off it is not", async function () {
      const cutoffAt = start - HOUR;
      await networkHelpers.time.setNextBlockTimestamp(cutoffAt);
      await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, end);
      await networkHelpers.time.setNextBlockTimestamp(cutoffAt + 1);
      await expect(f.suite.connect(f.holder).buyPolicy(riskId, f.passenger.address, usd(100), start, end))
        .to.be.revertedWithCustomError(f.suite, "InsurancePurchaseCutoffPassed")
        .withArgs(start, cutoffAt);
      // A later cover start of the same risk still sells.
      await buy(f, riskId, f.holder, f.passenger.address, usd(100), start + 2 * HOUR, end);
      expect((await f.suite.insuranceRisk(riskId)).policyCount).to.equal(2n);
    });

    it("buying after the event is known is refused: after the trigger (InsuranceRiskNotOpen Triggered)", async function () {
      await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, end);
      await networkHelpers.time.increaseTo(start + HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + 30 * 60));
      // A cover start well after now would otherwise pass the cut-off.
      await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
        await expect(f.suite.connect(f.holder).buyPolicy(riskId, f.passenger.address, usd(100), end - 2 * HOUR, end))
          .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
          .withArgs(riskId, RiskState.Triggered);
      });
      await mined(f.suite.processPayouts(riskId, 1));
      await expect(f.suite.connect(f.holder).buyPolicy(riskId, f.passenger.address, usd(100), end - 2 * HOUR, end))
        .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
        .withArgs(riskId, RiskState.Settled);
    });

    it("refuses a purchase beyond the pool's free capital (InsuranceCapacityExceeded with the capacity left)", async function () {
      const big = await product({ maxSumInsured: usd(50_000), maxAggregatePerRisk: usd(1_000_000) });
      const r = await flightRisk(f, { productId: big, key: "big" });
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(50_000), r.start, r.end);
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(50_000), r.start, r.end);
      // Capital 100,000 + 2 × 2,250 (premiums less fees) = 104,500; 100,000 locked.
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.capital - pool.locked).to.equal(usd(4_500));
      expect(await f.suite.insuranceCapacity(r.riskId)).to.equal(usd(4_500));
      await expectUnchanged(insuranceState(f, { riskIds: [r.riskId] }), async () => {
        await expect(f.suite.connect(f.holder).buyPolicy(r.riskId, f.passenger.address, usd(50_000), r.start, r.end))
          .to.be.revertedWithCustomError(f.suite, "InsuranceCapacityExceeded")
          .withArgs(f.poolId, usd(50_000), usd(4_500));
        await expect(
          f.suite.connect(f.holder).buyPolicy(r.riskId, f.passenger.address, usd(4_500) + 1n, r.start, r.end),
        )
          .to.be.revertedWithCustomError(f.suite, "InsuranceCapacityExceeded")
          .withArgs(f.poolId, usd(4_500) + 1n, usd(4_500));
      });
      // Exactly the capacity left is sold: the pool is then fully locked.
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(4_500), r.start, r.end);
      expect(await f.vault.maxWithdraw(f.providerA.address)).to.equal(
        (await f.suite.insurancePool(f.poolId)).capital - usd(104_500),
      );
      await expectBooksBalanced(f);
    });

    it("capacity counts the collateralization: a 150 % pool backs two thirds of its free capital", async function () {
      await mined(
        f.suite.connect(f.insurer).createInsurancePool({
          asset: await f.usdc.getAddress(),
          collateralBps: 15_000,
          depositCap: usd(1_000_000),
          name: "Over",
          symbol: "o",
        }),
      );
      const vault = (await f.suite.insurancePool(2n)).vault;
      await mined(f.usdc.connect(f.providerA).approve(vault, usd(1_000)));
      const v = InsurancePoolVault__factory.connect(vault, f.providerA);
      await mined(v.deposit(usd(1_000), f.providerA.address));
      const productId = await f.suite.connect(f.insurer).createInsuranceProduct.staticCall(flightDelayProduct(2n));
      await mined(f.suite.connect(f.insurer).createInsuranceProduct(flightDelayProduct(2n)));
      const r = await flightRisk(f, { productId, key: "over" });
      expect(await f.suite.insuranceCapacity(r.riskId)).to.equal(usd("666.666666"));
      await expect(f.suite.connect(f.holder).buyPolicy(r.riskId, f.passenger.address, usd(667), r.start, r.end))
        .to.be.revertedWithCustomError(f.suite, "InsuranceCapacityExceeded")
        .withArgs(2n, usd(667), usd("666.666666"));
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(600), r.start, r.end);
      expect((await f.suite.insurancePool(2n)).locked).to.equal(usd(900));
      await expectBooksBalanced(f, f.usdc, [f.poolId, 2n]);
    });

    it("refuses a purchase beyond the risk's aggregate (InsuranceRiskCapacityExceeded with what is left)", async function () {
      const small = await product({ maxAggregatePerRisk: usd(2_500) });
      const r = await flightRisk(f, { productId: small, key: "small" });
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(1_000), r.start, r.end);
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(1_000), r.start, r.end);
      expect(await f.suite.insuranceCapacity(r.riskId)).to.equal(usd(500));
      await expectUnchanged(insuranceState(f, { riskIds: [r.riskId] }), async () => {
        await expect(f.suite.connect(f.holder).buyPolicy(r.riskId, f.passenger.address, usd(1_000), r.start, r.end))
          .to.be.revertedWithCustomError(f.suite, "InsuranceRiskCapacityExceeded")
          .withArgs(r.riskId, usd(1_000), usd(500));
      });
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(500), r.start, r.end);
      expect(await f.suite.insuranceCapacity(r.riskId)).to.equal(0n);
    });

    it("a fee-on-transfer payment token: the premium pull is refused (InsuranceTokenShortfall)", async function () {
      const token = await new MockSwitchableFeeToken__factory(f.owner).deploy();
      const { poolId, productId } = await poolOver(f, token);
      const r = await flightRisk(f, { productId, key: "fee" });
      await mined(token.setFeeBps(100));
      const { premium } = premiumOf(usd(1_000), 500, 1_000);
      await expectUnchanged(
        insuranceState(f, { poolIds: [poolId], riskIds: [r.riskId], token, accounts: [f.holder.address] }),
        async () => {
          await expect(f.suite.connect(f.holder).buyPolicy(r.riskId, f.passenger.address, usd(1_000), r.start, r.end))
            .to.be.revertedWithCustomError(f.suite, "InsuranceTokenShortfall")
            .withArgs(await token.getAddress(), premium, premium - premium / 100n);
        },
      );
      // Without the fee the same purchase goes through.
      await mined(token.setFeeBps(0));
      await buy(f, r.riskId, f.holder, f.passenger.address, usd(1_000), r.start, r.end);
      await expectBooksBalanced(f, token, [poolId]);
    });
  });

  // ---------------------------------------------------------------- cancelPolicy

  describe("cancelPolicy", function () {
    let policyId: bigint;
    const { premium, fee } = premiumOf(usd(400), 500, 1_000);

    beforeEach(async function () {
      policyId = await buy(f, riskId, f.holder, f.passenger.address, usd(400), start, end);
    });

    it("before cover start refunds premium − fee to the holder, frees the lock and keeps the fee", async function () {
      const before = await f.suite.insurancePool(f.poolId);
      expect(await f.suite.connect(f.holder).cancelPolicy.staticCall(policyId)).to.equal(premium - fee);
      const tx = f.suite.connect(f.holder).cancelPolicy(policyId);
      await expect(tx)
        .to.emit(f.suite, "InsurancePolicyCancelled")
        .withArgs(policyId, f.holder.address, premium - fee);
      await expect(tx).to.changeTokenBalances(ethers, f.usdc, [f.holder, diamond], [premium - fee, fee - premium]);
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.capital).to.equal(before.capital - (premium - fee));
      expect(pool.locked).to.equal(before.locked - usd(400));
      expect(pool.fees).to.equal(before.fees);
      const r = await f.suite.insuranceRisk(riskId);
      expect([r.activeSumInsured, r.locked, r.policyCount]).to.deep.equal([0n, 0n, 1n]);
      expect((await f.suite.insurancePolicy(policyId)).status).to.equal(PolicyStatus.Cancelled);
      expect(await f.suite.insuranceCapacity(riskId)).to.equal(usd(100_000));
      await expectBooksBalanced(f);
    });

    it("refuses anyone but the holder, the beneficiary included (InsuranceNotPolicyHolder)", async function () {
      for (const caller of [f.passenger, f.insurer, f.outsider]) {
        await expectUnchanged(insuranceState(f, { riskIds: [riskId], policyIds: [policyId] }), async () => {
          await expect(f.suite.connect(caller).cancelPolicy(policyId))
            .to.be.revertedWithCustomError(f.suite, "InsuranceNotPolicyHolder")
            .withArgs(policyId, caller.address);
        });
      }
    });

    it("refuses an unknown policy (InsuranceUnknownPolicy) and a second cancellation (InsurancePolicyNotActive)", async function () {
      await expect(f.suite.connect(f.holder).cancelPolicy(policyId + 1n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPolicy")
        .withArgs(policyId + 1n);
      await mined(f.suite.connect(f.holder).cancelPolicy(policyId));
      await expectUnchanged(insuranceState(f, { riskIds: [riskId], policyIds: [policyId] }), async () => {
        await expect(f.suite.connect(f.holder).cancelPolicy(policyId))
          .to.be.revertedWithCustomError(f.suite, "InsurancePolicyNotActive")
          .withArgs(policyId, PolicyStatus.Cancelled);
      });
    });

    it("refuses once cover has started (InsuranceCoverStarted), from the start second on", async function () {
      await networkHelpers.time.setNextBlockTimestamp(start);
      await expect(f.suite.connect(f.holder).cancelPolicy(policyId))
        .to.be.revertedWithCustomError(f.suite, "InsuranceCoverStarted")
        .withArgs(policyId, start);
      await expectUnchanged(insuranceState(f, { riskIds: [riskId], policyIds: [policyId] }), async () => {
        await expect(f.suite.connect(f.holder).cancelPolicy(policyId))
          .to.be.revertedWithCustomError(f.suite, "InsuranceCoverStarted")
          .withArgs(policyId, start);
      });
    });

    it("refuses after the trigger even when cover has not started (InsuranceRiskNotOpen)", async function () {
      const late = await buy(f, riskId, f.holder, f.passenger.address, usd(100), start + 12 * HOUR, end);
      await networkHelpers.time.increaseTo(start + HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + 30 * 60));
      await expectUnchanged(insuranceState(f, { riskIds: [riskId], policyIds: [late] }), async () => {
        await expect(f.suite.connect(f.holder).cancelPolicy(late))
          .to.be.revertedWithCustomError(f.suite, "InsuranceRiskNotOpen")
          .withArgs(riskId, RiskState.Triggered);
      });
    });
  });

  // ---------------------------------------------------------------- setPolicyBeneficiary

  describe("setPolicyBeneficiary", function () {
    let policyId: bigint;

    beforeEach(async function () {
      policyId = await buy(f, riskId, f.holder, f.passenger.address, usd(400), start, end);
    });

    it("names a new beneficiary (InsuranceBeneficiaryChanged) who is then paid", async function () {
      await expect(f.suite.connect(f.holder).setPolicyBeneficiary(policyId, f.traveller.address))
        .to.emit(f.suite, "InsuranceBeneficiaryChanged")
        .withArgs(policyId, f.passenger.address, f.traveller.address);
      expect((await f.suite.insurancePolicy(policyId)).beneficiary).to.equal(f.traveller.address);
      // Also after cover started, while the risk is open.
      await networkHelpers.time.increaseTo(start + HOUR);
      await mined(f.suite.connect(f.holder).setPolicyBeneficiary(policyId, f.outsider.address));
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 150, start + 30 * 60));
      await expect(f.suite.processPayouts(riskId, 5)).to.changeTokenBalance(ethers, f.usdc, f.outsider, usd(200));
    });

    it("refuses anyone but the holder, a bad beneficiary and an unknown policy", async function () {
      await expectUnchanged(insuranceState(f, { policyIds: [policyId] }), async () => {
        await expect(f.suite.connect(f.passenger).setPolicyBeneficiary(policyId, f.passenger.address))
          .to.be.revertedWithCustomError(f.suite, "InsuranceNotPolicyHolder")
          .withArgs(policyId, f.passenger.address);
        for (const to of [ethers.ZeroAddress, diamond]) {
          await expect(f.suite.connect(f.holder).setPolicyBeneficiary(policyId, to))
            .to.be.revertedWithCustomError(f.suite, "InsuranceReceiverInvalid")
            .withArgs(to);
        }
        await expect(f.suite.connect(f.holder).setPolicyBeneficiary(policyIdOf(riskId, 9), f.holder.address))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPolicy")
          .withArgs(policyIdOf(riskId, 9));
      });
    });

    it("refuses a cancelled policy (InsurancePolicyNotActive)", async function () {
      await mined(f.suite.connect(f.holder).cancelPolicy(policyId));
      await expect(f.suite.connect(f.holder).setPolicyBeneficiary(policyId, f.holder.address))
        .to.be.revertedWithCustomError(f.suite, "InsurancePolicyNotActive")
        .withArgs(policyId, PolicyStatus.Cancelled);
    });

    it("refuses once the risk is triggered (InsuranceClaimExists)", async function () {
      const late = await buy(f, riskId, f.holder, f.passenger.address, usd(100), start + 12 * HOUR, end);
      await networkHelpers.time.increaseTo(start + HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + 30 * 60));
      for (const id of [policyId, late]) {
        await expectUnchanged(insuranceState(f, { policyIds: [id] }), async () => {
          await expect(f.suite.connect(f.holder).setPolicyBeneficiary(id, f.holder.address))
            .to.be.revertedWithCustomError(f.suite, "InsuranceClaimExists")
            .withArgs(id);
        });
      }
    });

    it("refuses once a claim was filed, even after it was declined (InsuranceClaimExists)", async function () {
      const t0 = await networkHelpers.time.latest();
      const travelStart = t0 + 2 * DAY;
      const travelRisk = await f.openRisk(f.travelProductId, "Trip", travelStart, travelStart + 10 * DAY);
      const trip = await buy(
        f,
        travelRisk,
        f.traveller,
        f.traveller.address,
        usd(1_000),
        travelStart,
        travelStart + 5 * DAY,
      );
      await mined(f.suite.connect(f.traveller).setPolicyBeneficiary(trip, f.passenger.address));
      await networkHelpers.time.increaseTo(travelStart + DAY);
      await mined(f.suite.connect(f.traveller).submitClaim(trip, usd(300), ethers.id("receipts")));
      await expect(f.suite.connect(f.traveller).setPolicyBeneficiary(trip, f.traveller.address))
        .to.be.revertedWithCustomError(f.suite, "InsuranceClaimExists")
        .withArgs(trip);
      await mined(f.suite.connect(f.assessor).declineClaim(1n, 7));
      await expect(f.suite.connect(f.traveller).setPolicyBeneficiary(trip, f.traveller.address))
        .to.be.revertedWithCustomError(f.suite, "InsuranceClaimExists")
        .withArgs(trip);
      expect((await f.suite.insurancePolicy(trip)).beneficiary).to.equal(f.passenger.address);
    });
  });
});
