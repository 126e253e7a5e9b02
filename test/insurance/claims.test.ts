// Assessed claims: filing (holder, kind, cover window and claim window, one open claim, the
// amount left), an assessor confirming (paid at once, partial confirms until the sum is
// used) or declining, and the books after each.
import { expect } from "chai";
import { network } from "hardhat";

import { CLAIM_ASSESSOR_ROLE, ClaimState, PolicyStatus, ProductKind } from "../../scripts/lib/insurance.js";
import { expectUnchanged } from "../helpers.js";
import { DAY, insuranceFixture, usd } from "./fixture.js";
import { buy, expectBooksBalanced, flightRisk, insuranceState, mined, type InsuranceFixture } from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

const EVIDENCE = ethers.id("hospital invoice 2026-12-27");

describe("insurance: assessed claims", function () {
  let f: InsuranceFixture;
  let riskId: bigint;
  let policyId: bigint;
  let coverStart: number;
  let coverEnd: number;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    coverStart = f.now + 3 * DAY;
    coverEnd = coverStart + 10 * DAY;
    riskId = await f.openRisk(f.travelProductId, "Trip 2026", coverStart, coverEnd);
    policyId = await buy(f, riskId, f.traveller, f.passenger.address, usd(1_000), coverStart, coverEnd);
  });

  const state = () => insuranceState(f, { riskIds: [riskId], policyIds: [policyId], accounts: [f.passenger.address] });

  describe("submitClaim", function () {
    it("files a claim (InsuranceClaimSubmitted) and the views show it pending", async function () {
      await networkHelpers.time.increaseTo(coverStart + DAY);
      expect(await f.suite.connect(f.traveller).submitClaim.staticCall(policyId, usd(400), EVIDENCE)).to.equal(1n);
      await expect(f.suite.connect(f.traveller).submitClaim(policyId, usd(400), EVIDENCE))
        .to.emit(f.suite, "InsuranceClaimSubmitted")
        .withArgs(1n, policyId, f.traveller.address, usd(400), EVIDENCE);
      const c = await f.suite.insuranceClaim(1n);
      expect([c.policyId, c.state, c.requested, c.confirmed, c.reason, c.evidence]).to.deep.equal([
        policyId,
        BigInt(ClaimState.Pending),
        usd(400),
        0n,
        0n,
        EVIDENCE,
      ]);
      expect((await f.suite.insurancePolicy(policyId)).openClaim).to.equal(1n);
      expect((await f.suite.insuranceRisk(riskId)).pendingClaims).to.equal(1n);
      expect((await f.suite.insuranceCounts())[3]).to.equal(1n);
    });

    it("claim before cover starts or after the claim window is refused (InsuranceClaimOutsideCover)", async function () {
      const claimUntil = coverEnd + 14 * DAY;
      await expectUnchanged(state(), async () => {
        await expect(f.suite.connect(f.traveller).submitClaim(policyId, usd(1), EVIDENCE))
          .to.be.revertedWithCustomError(f.suite, "InsuranceClaimOutsideCover")
          .withArgs(policyId, coverStart, claimUntil);
      });
      // The first and the last second are inside.
      await networkHelpers.time.setNextBlockTimestamp(coverStart);
      await mined(f.suite.connect(f.traveller).submitClaim(policyId, usd(1), EVIDENCE));
      await mined(f.suite.connect(f.assessor).declineClaim(1n, 1));
      await networkHelpers.time.setNextBlockTimestamp(claimUntil);
      await mined(f.suite.connect(f.traveller).submitClaim(policyId, usd(1), EVIDENCE));
      await mined(f.suite.connect(f.assessor).declineClaim(2n, 1));
      await expectUnchanged(state(), async () => {
        await expect(f.suite.connect(f.traveller).submitClaim(policyId, usd(1), EVIDENCE))
          .to.be.revertedWithCustomError(f.suite, "InsuranceClaimOutsideCover")
          .withArgs(policyId, coverStart, claimUntil);
      });
    });

    it("refuses anyone but the holder, an unknown policy, and a parametric policy (InsuranceWrongProductKind)", async function () {
      const flight = await flightRisk(f, { key: "flight" });
      const flightPolicy = await buy(f, flight.riskId, f.holder, f.holder.address, usd(100), flight.start, flight.end);
      await networkHelpers.time.increaseTo(coverStart + DAY);
      await expectUnchanged(state(), async () => {
        await expect(f.suite.connect(f.passenger).submitClaim(policyId, usd(1), EVIDENCE))
          .to.be.revertedWithCustomError(f.suite, "InsuranceNotPolicyHolder")
          .withArgs(policyId, f.passenger.address);
        await expect(f.suite.connect(f.traveller).submitClaim(policyId + 5n, usd(1), EVIDENCE))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPolicy")
          .withArgs(policyId + 5n);
        await expect(f.suite.connect(f.holder).submitClaim(flightPolicy, usd(1), EVIDENCE))
          .to.be.revertedWithCustomError(f.suite, "InsuranceWrongProductKind")
          .withArgs(f.flightProductId, ProductKind.Parametric);
      });
    });

    it("refuses a second open claim (InsuranceClaimAlreadyOpen) and an amount of 0 or above what is left", async function () {
      await networkHelpers.time.increaseTo(coverStart + DAY);
      for (const amount of [0n, usd(1_000) + 1n]) {
        await expect(f.suite.connect(f.traveller).submitClaim(policyId, amount, EVIDENCE))
          .to.be.revertedWithCustomError(f.suite, "InsuranceClaimAmountInvalid")
          .withArgs(amount, usd(1_000));
      }
      await mined(f.suite.connect(f.traveller).submitClaim(policyId, usd(100), EVIDENCE));
      await expectUnchanged(state(), async () => {
        await expect(f.suite.connect(f.traveller).submitClaim(policyId, usd(100), EVIDENCE))
          .to.be.revertedWithCustomError(f.suite, "InsuranceClaimAlreadyOpen")
          .withArgs(policyId, 1n);
      });
    });
  });

  describe("confirmClaim and declineClaim", function () {
    beforeEach(async function () {
      await networkHelpers.time.increaseTo(coverStart + DAY);
      await mined(f.suite.connect(f.traveller).submitClaim(policyId, usd(400), EVIDENCE));
    });

    it("confirming pays the beneficiary at once and frees as much lock (InsuranceClaimConfirmed, InsurancePolicyPaid)", async function () {
      const before = await f.suite.insurancePool(f.poolId);
      const tx = f.suite.connect(f.assessor).confirmClaim(1n, usd(300));
      await expect(tx).to.emit(f.suite, "InsuranceClaimConfirmed").withArgs(1n, policyId, f.assessor.address, usd(300));
      await expect(tx)
        .to.emit(f.suite, "InsurancePolicyPaid")
        .withArgs(policyId, 1n, f.passenger.address, usd(300), false);
      await expect(tx).to.changeTokenBalance(ethers, f.usdc, f.passenger, usd(300));
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.capital).to.equal(before.capital - usd(300));
      expect(pool.locked).to.equal(before.locked - usd(300));
      const c = await f.suite.insuranceClaim(1n);
      expect([c.state, c.confirmed]).to.deep.equal([BigInt(ClaimState.Confirmed), usd(300)]);
      const p = await f.suite.insurancePolicy(policyId);
      expect([p.status, p.paid, p.openClaim]).to.deep.equal([BigInt(PolicyStatus.Active), usd(300), 0n]);
      const r = await f.suite.insuranceRisk(riskId);
      expect([r.pendingClaims, r.activeSumInsured, r.locked]).to.deep.equal([0n, usd(700), usd(700)]);
      await expectBooksBalanced(f);
    });

    it("partial confirms until the sum insured is used; then the policy is Paid and takes no claim", async function () {
      await mined(f.suite.connect(f.assessor).confirmClaim(1n, usd(400)));
      await mined(f.suite.connect(f.traveller).submitClaim(policyId, usd(600), EVIDENCE));
      // More than is left is refused, at submission and at confirmation.
      await expect(f.suite.connect(f.assessor).confirmClaim(2n, usd(600) + 1n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceClaimAmountInvalid")
        .withArgs(usd(600) + 1n, usd(600));
      await expect(f.suite.connect(f.assessor).confirmClaim(2n, 0n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceClaimAmountInvalid")
        .withArgs(0n, usd(600));
      await mined(f.suite.connect(f.assessor).confirmClaim(2n, usd(600)));
      const p = await f.suite.insurancePolicy(policyId);
      expect([p.status, p.paid]).to.deep.equal([BigInt(PolicyStatus.Paid), usd(1_000)]);
      expect((await f.suite.insuranceRisk(riskId)).locked).to.equal(0n);
      await expect(f.suite.connect(f.traveller).submitClaim(policyId, usd(1), EVIDENCE))
        .to.be.revertedWithCustomError(f.suite, "InsurancePolicyNotActive")
        .withArgs(policyId, PolicyStatus.Paid);
      expect(await f.usdc.balanceOf(f.passenger.address)).to.equal(usd(1_000_000) + usd(1_000));
      await expectBooksBalanced(f);
    });

    it("declining records the reason (InsuranceClaimDeclined), pays nothing, and a new claim may be filed", async function () {
      await expectUnchanged(insuranceState(f, { accounts: [f.passenger.address] }), async () => {
        await expect(f.suite.connect(f.assessor).declineClaim(1n, 42))
          .to.emit(f.suite, "InsuranceClaimDeclined")
          .withArgs(1n, policyId, f.assessor.address, 42);
      });
      const c = await f.suite.insuranceClaim(1n);
      expect([c.state, c.reason, c.confirmed]).to.deep.equal([BigInt(ClaimState.Declined), 42n, 0n]);
      expect((await f.suite.insuranceRisk(riskId)).pendingClaims).to.equal(0n);
      expect((await f.suite.insurancePolicy(policyId)).openClaim).to.equal(0n);
      await expect(f.suite.connect(f.traveller).submitClaim(policyId, usd(50), EVIDENCE))
        .to.emit(f.suite, "InsuranceClaimSubmitted")
        .withArgs(2n, policyId, f.traveller.address, usd(50), EVIDENCE);
    });

    it("refuses a decided claim (InsuranceClaimNotPending) and an unknown one (InsuranceUnknownClaim)", async function () {
      await mined(f.suite.connect(f.assessor).confirmClaim(1n, usd(100)));
      await expectUnchanged(state(), async () => {
        await expect(f.suite.connect(f.assessor).confirmClaim(1n, usd(100)))
          .to.be.revertedWithCustomError(f.suite, "InsuranceClaimNotPending")
          .withArgs(1n, ClaimState.Confirmed);
        await expect(f.suite.connect(f.assessor).declineClaim(1n, 1))
          .to.be.revertedWithCustomError(f.suite, "InsuranceClaimNotPending")
          .withArgs(1n, ClaimState.Confirmed);
        await expect(f.suite.connect(f.assessor).confirmClaim(9n, usd(100)))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownClaim")
          .withArgs(9n);
        await expect(f.suite.connect(f.assessor).declineClaim(9n, 1))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownClaim")
          .withArgs(9n);
      });
      await mined(f.suite.connect(f.traveller).submitClaim(policyId, usd(10), EVIDENCE));
      await mined(f.suite.connect(f.assessor).declineClaim(2n, 3));
      await expect(f.suite.connect(f.assessor).confirmClaim(2n, usd(10)))
        .to.be.revertedWithCustomError(f.suite, "InsuranceClaimNotPending")
        .withArgs(2n, ClaimState.Declined);
    });

    it("refuses a caller without the assessor role, the insurer and the holder included", async function () {
      for (const caller of [f.insurer, f.traveller, f.outsider]) {
        await expectUnchanged(state(), async () => {
          await expect(f.suite.connect(caller).confirmClaim(1n, usd(100)))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, CLAIM_ASSESSOR_ROLE);
          await expect(f.suite.connect(caller).declineClaim(1n, 1))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, CLAIM_ASSESSOR_ROLE);
        });
      }
    });
  });
});
