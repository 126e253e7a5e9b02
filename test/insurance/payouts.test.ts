// Payouts of a triggered risk: bounded batches from a cursor, the settle that returns what
// was reserved and not paid, policies whose cover missed the reading (Expired), a blocked
// beneficiary credited while the rest of the batch is paid, and a re-entrant token.
import { expect } from "chai";
import { network } from "hardhat";

import { moduleId } from "../../scripts/lib/core.js";
import { PolicyStatus, RiskState, policyIdOf } from "../../scripts/lib/insurance.js";
import { MockBlocklistToken__factory, MockReentrantToken__factory } from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { HOUR, insuranceFixture, usd } from "./fixture.js";
import {
  buy,
  eventsOf,
  expectBooksBalanced,
  flightRisk,
  insuranceState,
  mined,
  poolOver,
  type InsuranceFixture,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

const REENTRANT_CALL = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);

describe("insurance: payouts", function () {
  let f: InsuranceFixture;
  let diamond: string;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    diamond = await f.suite.getAddress();
  });

  it("pays in batches from a cursor, each policy once, then settles and leaves the queue", async function () {
    const { riskId, start, end } = await flightRisk(f);
    const sums = [usd(100), usd(200), usd("300.000001"), usd(400), usd(500)];
    for (const s of sums) await buy(f, riskId, f.holder, f.passenger.address, s, start, end);
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 150, start + HOUR));
    // 50 %: each rounded down; the reserve is 50 % of the total, rounded down.
    const amounts = sums.map((s) => s / 2n);
    const reserved = sums.reduce((a, b) => a + b) / 2n;
    expect((await f.suite.insuranceRisk(riskId)).owedLeft).to.equal(reserved);

    expect(await f.suite.processPayouts.staticCall(riskId, 2)).to.equal(2n);
    const first = f.suite.connect(f.outsider).processPayouts(riskId, 2);
    await expect(first)
      .to.emit(f.suite, "InsurancePayoutBatch")
      .withArgs(riskId, f.outsider.address, 2, 2, amounts[0]! + amounts[1]!);
    await expect(first)
      .to.emit(f.suite, "InsurancePolicyPaid")
      .withArgs(policyIdOf(riskId, 2), 0n, f.passenger.address, amounts[1]!, false);
    await expect(first).to.changeTokenBalance(ethers, f.usdc, f.passenger, amounts[0]! + amounts[1]!);
    let r = await f.suite.insuranceRisk(riskId);
    expect([r.state, r.cursor, r.owedLeft]).to.deep.equal([
      BigInt(RiskState.Triggered),
      2n,
      reserved - amounts[0]! - amounts[1]!,
    ]);
    expect((await f.suite.insurancePolicy(policyIdOf(riskId, 1))).status).to.equal(PolicyStatus.Paid);
    expect((await f.suite.insurancePolicy(policyIdOf(riskId, 1))).paid).to.equal(amounts[0]!);
    expect((await f.suite.insurancePolicy(policyIdOf(riskId, 3))).status).to.equal(PolicyStatus.Active);
    await expectBooksBalanced(f);

    // A batch larger than what is left processes the rest only and settles.
    expect(await f.suite.processPayouts.staticCall(riskId, 100)).to.equal(3n);
    const rest = amounts[2]! + amounts[3]! + amounts[4]!;
    const released = reserved - amounts.reduce((a, b) => a + b);
    const last = f.suite.processPayouts(riskId, 100);
    await expect(last).to.emit(f.suite, "InsurancePayoutBatch").withArgs(riskId, f.owner.address, 5, 3, rest);
    await expect(last).to.emit(f.suite, "InsuranceRiskSettled").withArgs(riskId, released);
    r = await f.suite.insuranceRisk(riskId);
    expect([r.state, r.cursor, r.owedLeft]).to.deep.equal([BigInt(RiskState.Settled), 5n, 0n]);
    expect(await f.suite.insurancePendingRisks()).to.deep.equal([]);
    expect((await f.suite.insurancePool(f.poolId)).owed).to.equal(0n);
    await expectBooksBalanced(f);
  });

  it("refuses a zero batch (InsuranceZeroAmount), an open risk (InsuranceNoPayoutsPending) and an unknown risk", async function () {
    const { riskId, start, end } = await flightRisk(f);
    await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, end);
    await expect(f.suite.processPayouts(riskId, 1))
      .to.be.revertedWithCustomError(f.suite, "InsuranceNoPayoutsPending")
      .withArgs(riskId);
    await expect(f.suite.processPayouts(8n, 1))
      .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownRisk")
      .withArgs(8n);
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 150, start + HOUR));
    await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
      await expect(f.suite.processPayouts(riskId, 0)).to.be.revertedWithCustomError(f.suite, "InsuranceZeroAmount");
    });
  });

  it("policies whose cover did not include the reading are not paid, show Expired, and their reserve returns", async function () {
    const { riskId, start, end } = await flightRisk(f);
    const covered = await buy(f, riskId, f.holder, f.passenger.address, usd(1_000), start, end);
    const later = await buy(f, riskId, f.holder, f.traveller.address, usd(500), start + 12 * HOUR, end);
    const earlier = await buy(f, riskId, f.holder, f.traveller.address, usd(300), start, start + HOUR);
    const cancelled = await buy(f, riskId, f.holder, f.traveller.address, usd(200), start + 12 * HOUR, end);
    await mined(f.suite.connect(f.holder).cancelPolicy(cancelled));
    await networkHelpers.time.increaseTo(start + 3 * HOUR);
    await expect(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + 2 * HOUR))
      .to.emit(f.suite, "InsuranceRiskTriggered")
      .withArgs(riskId, f.oracle.address, 2, 10_000, 200, start + 2 * HOUR, usd(1_800));
    // Before its batch a policy is Active; after, an unpaid one is Expired.
    expect((await f.suite.insurancePolicy(later)).status).to.equal(PolicyStatus.Active);
    const tx = f.suite.processPayouts(riskId, 10);
    await expect(tx).to.emit(f.suite, "InsurancePayoutBatch").withArgs(riskId, f.owner.address, 4, 1, usd(1_000));
    await expect(tx).to.emit(f.suite, "InsuranceRiskSettled").withArgs(riskId, usd(800));
    await expect(tx).to.changeTokenBalances(ethers, f.usdc, [f.passenger, f.traveller], [usd(1_000), 0n]);
    const receipt = (await (await tx).wait())!;
    expect(eventsOf(f, receipt, "InsurancePolicyPaid").map((e) => e.policyId)).to.deep.equal([covered]);
    expect((await f.suite.insurancePolicy(covered)).status).to.equal(PolicyStatus.Paid);
    expect((await f.suite.insurancePolicy(later)).status).to.equal(PolicyStatus.Expired);
    expect((await f.suite.insurancePolicy(earlier)).status).to.equal(PolicyStatus.Expired);
    expect((await f.suite.insurancePolicy(later)).paid).to.equal(0n);
    expect((await f.suite.insurancePolicy(cancelled)).status).to.equal(PolicyStatus.Cancelled);
    await expectBooksBalanced(f);
  });

  it("a blocked beneficiary is credited (InsurancePolicyPaid credited, Credited); the rest of the batch is paid; it claims later", async function () {
    const token = await new MockBlocklistToken__factory(f.owner).deploy();
    const { poolId, productId } = await poolOver(f, token);
    const { riskId, start, end } = await flightRisk(f, { productId, key: "blocked" });
    const a = await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, end);
    const b = await buy(f, riskId, f.holder, f.outsider.address, usd(200), start, end);
    const c = await buy(f, riskId, f.holder, f.traveller.address, usd(300), start, end);
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + HOUR));
    await mined(token.setBlocked(f.outsider.address, true));
    const tx = f.suite.processPayouts(riskId, 10);
    await expect(tx).to.emit(f.suite, "InsurancePolicyPaid").withArgs(a, 0n, f.passenger.address, usd(100), false);
    await expect(tx).to.emit(f.suite, "InsurancePolicyPaid").withArgs(b, 0n, f.outsider.address, usd(200), true);
    await expect(tx).to.emit(f.suite, "InsurancePolicyPaid").withArgs(c, 0n, f.traveller.address, usd(300), false);
    await expect(tx)
      .to.emit(f.suite, "Credited")
      .withArgs(await token.getAddress(), f.outsider.address, moduleId("insurance"), usd(200));
    await expect(tx).to.emit(f.suite, "InsurancePayoutBatch").withArgs(riskId, f.owner.address, 3, 3, usd(600));
    await expect(tx).to.changeTokenBalances(
      ethers,
      token,
      [f.passenger, f.outsider, f.traveller, diamond],
      [usd(100), 0n, usd(300), -usd(400)],
    );
    const tokenAddress = await token.getAddress();
    expect(await f.suite.creditOf(tokenAddress, f.outsider.address)).to.equal(usd(200));
    expect((await f.suite.insurancePolicy(b)).status).to.equal(PolicyStatus.Paid);
    await expectBooksBalanced(f, token, [poolId]);

    // Still blocked: the claim is refused; unblocked, it claims its credit.
    await expect(f.suite.connect(f.outsider).claimCredit(tokenAddress, f.outsider.address))
      .to.be.revertedWithCustomError(token, "MockBlocked")
      .withArgs(f.outsider.address);
    await mined(token.setBlocked(f.outsider.address, false));
    const claim = f.suite.connect(f.outsider).claimCredit(tokenAddress, f.outsider.address);
    await expect(claim)
      .to.emit(f.suite, "CreditClaimed")
      .withArgs(tokenAddress, f.outsider.address, f.outsider.address, usd(200));
    await expect(claim).to.changeTokenBalance(ethers, token, f.outsider, usd(200));
    expect(await f.suite.totalCredits(tokenAddress)).to.equal(0n);
    await expectBooksBalanced(f, token, [poolId]);
  });

  it("a re-entrant token: re-entering processPayouts during a payout fails (ReentrancyGuardReentrantCall) and each policy is paid once", async function () {
    const token = await new MockReentrantToken__factory(f.owner).deploy();
    const { poolId, productId } = await poolOver(f, token);
    const { riskId, start, end } = await flightRisk(f, { productId, key: "reentrant" });
    for (let i = 0; i < 4; i++) await buy(f, riskId, f.holder, f.passenger.address, usd(250), start, end);
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + HOUR));
    await mined(token.arm(diamond, f.suite.interface.encodeFunctionData("processPayouts", [riskId, 10])));
    const tx = f.suite.processPayouts(riskId, 2);
    await expect(tx).to.emit(f.suite, "InsurancePayoutBatch").withArgs(riskId, f.owner.address, 2, 2, usd(500));
    await expect(tx).to.changeTokenBalance(ethers, token, f.passenger, usd(500));
    expect(await token.reentryAttempts()).to.equal(2n);
    expect(await token.lastReentrySucceeded()).to.equal(false);
    expect(await token.lastReentryError()).to.equal(REENTRANT_CALL);
    expect((await f.suite.insuranceRisk(riskId)).cursor).to.equal(2n);
    await expect(f.suite.processPayouts(riskId, 10)).to.changeTokenBalance(ethers, token, f.passenger, usd(500));
    expect(await token.reentryAttempts()).to.equal(4n);
    expect(await token.lastReentryError()).to.equal(REENTRANT_CALL);
    expect((await f.suite.insuranceRisk(riskId)).state).to.equal(RiskState.Settled);
    await expectBooksBalanced(f, token, [poolId]);
  });
});
