import { expect } from "chai";
import { network } from "hardhat";

import { PolicyStatus, RiskState, policyIdOf } from "../../scripts/lib/insurance.js";
import { DAY, HOUR, insuranceFixture, usd } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

describe("insurance: a flight-delay risk end to end", function () {
  it("sells policies, triggers on an oracle report and pays every policy in batches", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const departure = f.now + 2 * DAY;
    const riskId = await f.openRisk(f.flightProductId, "LH1234 2026-12-24", departure, departure + DAY);
    for (let i = 0; i < 3; i++) {
      await (
        await f.suite.connect(f.holder).buyPolicy(riskId, f.passenger.address, usd(200), departure, departure + DAY)
      ).wait();
    }
    const pool = await f.suite.insurancePool(f.poolId);
    expect(pool.locked).to.equal(usd(600));
    expect(pool.capital).to.equal(usd(100_000) + 3n * (usd(10) - usd(1)));
    expect(pool.fees).to.equal(3n * usd(1));

    await networkHelpers.time.increaseTo(departure + 5 * HOUR);
    await expect(f.suite.connect(f.oracle).reportEvent(riskId, 185, departure + 4 * HOUR))
      .to.emit(f.suite, "InsuranceRiskTriggered")
      .withArgs(riskId, f.oracle.address, 2, 10_000, 185, departure + 4 * HOUR, usd(600));
    expect((await f.suite.insuranceRisk(riskId)).state).to.equal(RiskState.Triggered);

    const before = await f.usdc.balanceOf(f.passenger.address);
    await (await f.suite.connect(f.outsider).processPayouts(riskId, 2)).wait();
    await expect(f.suite.connect(f.outsider).processPayouts(riskId, 5))
      .to.emit(f.suite, "InsuranceRiskSettled")
      .withArgs(riskId, 0);
    expect(await f.usdc.balanceOf(f.passenger.address)).to.equal(before + usd(600));
    expect((await f.suite.insurancePolicy(policyIdOf(riskId, 3))).status).to.equal(PolicyStatus.Paid);
    const after = await f.suite.insurancePool(f.poolId);
    expect(after.locked).to.equal(0n);
    expect(after.owed).to.equal(0n);
    expect(after.capital).to.equal(pool.capital - usd(600));
    expect(await f.usdc.balanceOf(await f.suite.getAddress())).to.equal(after.capital + after.fees);
  });
});
