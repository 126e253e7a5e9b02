// The insurance module's keeper work through the diamond's upkeep pair: the pay action for a
// triggered risk, the trigger action for a watched feed that meets a tier, a perform's gas
// bound, and many policies paid over several performs, each exactly once.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";

import { InsuranceUpkeepAction, MAX_UPKEEP_BATCH, RiskState, watchRisks } from "../../scripts/lib/insurance.js";
import { moduleId } from "../../scripts/lib/core.js";
import { upkeepData } from "../../scripts/lib/upkeep.js";
import { MockInsuranceFeed__factory } from "../../typechain-types/index.js";
import { HOUR, insuranceFixture, usd } from "./fixture.js";
import { buy, eventsOf, expectBooksBalanced, flightRisk, mined, type InsuranceFixture } from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

const action = (a: number, riskId: bigint) =>
  upkeepData("insurance", AbiCoder.defaultAbiCoder().encode(["uint8", "uint256"], [a, riskId]));

describe("insurance: upkeep", function () {
  let f: InsuranceFixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
  });

  it("checkUpkeep returns the pay action for a triggered risk, and performUpkeep pays a batch", async function () {
    const { riskId, start, end } = await flightRisk(f);
    await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, end);
    expect((await f.suite.checkUpkeep(upkeepData("insurance")))[0]).to.equal(false);
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + HOUR));
    for (const checkData of [upkeepData("insurance"), "0x"]) {
      const [needed, performData] = await f.suite.checkUpkeep(checkData);
      expect(needed).to.equal(true);
      expect(performData).to.equal(action(InsuranceUpkeepAction.Pay, riskId));
    }
    const tx = f.suite.connect(f.outsider).performUpkeep(action(InsuranceUpkeepAction.Pay, riskId));
    await expect(tx).to.emit(f.suite, "UpkeepPerformed").withArgs(moduleId("insurance"), f.outsider.address);
    await expect(tx).to.emit(f.suite, "InsurancePayoutBatch").withArgs(riskId, f.outsider.address, 1, 1, usd(100));
    await expect(tx).to.changeTokenBalance(ethers, f.usdc, f.passenger, usd(100));
    expect((await f.suite.checkUpkeep(upkeepData("insurance")))[0]).to.equal(false);
    await expectBooksBalanced(f);
  });

  it("checkUpkeep returns the trigger action for a watched risk whose feed meets a tier; performUpkeep triggers it", async function () {
    const feed = await new MockInsuranceFeed__factory(f.owner).deploy(0, f.now);
    const { riskId, start, end } = await flightRisk(f, { feed: await feed.getAddress() });
    const quiet = await flightRisk(f, { key: "no feed" });
    await buy(f, riskId, f.holder, f.passenger.address, usd(100), start, end);
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    const check = upkeepData("insurance", watchRisks([quiet.riskId, 99n, riskId]));
    await mined(feed.set(100, start + HOUR));
    expect((await f.suite.checkUpkeep(check))[0]).to.equal(false);
    // A broken feed is no work, not a revert.
    await mined(feed.setBroken(true));
    expect((await f.suite.checkUpkeep(check))[0]).to.equal(false);
    await mined(feed.setBroken(false));
    await mined(feed.set(181, start + HOUR));
    const [needed, performData] = await f.suite.checkUpkeep(check);
    expect(needed).to.equal(true);
    expect(performData).to.equal(action(InsuranceUpkeepAction.Trigger, riskId));
    await expect(f.suite.connect(f.outsider).performUpkeep(performData))
      .to.emit(f.suite, "InsuranceRiskTriggered")
      .withArgs(riskId, f.outsider.address, 2, 10_000, 181, start + HOUR, usd(100));
    expect((await f.suite.insuranceRisk(riskId)).state).to.equal(RiskState.Triggered);
    // Now the pay action comes first.
    expect((await f.suite.checkUpkeep(check))[1]).to.equal(action(InsuranceUpkeepAction.Pay, riskId));
  });

  // LibFeed.latest reads with a low-level call: an answer of fewer than five words is "not
  // ok", never a revert of the check.
  it("a feed answering malformed data is no work for checkUpkeep, not a revert", async function () {
    const feed = await new MockInsuranceFeed__factory(f.owner).deploy(0, f.now);
    const { riskId } = await flightRisk(f, { feed: await feed.getAddress() });
    await mined(feed.setMalformed(true));
    const [needed] = await f.suite.checkUpkeep(upkeepData("insurance", watchRisks([riskId])));
    expect(needed).to.equal(false);
  });

  it("a batch of 100 payouts through performUpkeep stays under 5,000,000 gas; 250 policies are paid over three performs, each once", async function () {
    this.timeout(120_000);
    const { riskId, start, end } = await flightRisk(f);
    const beneficiaries = [f.passenger, f.traveller, f.outsider, f.providerA, f.providerB];
    const before = await Promise.all(beneficiaries.map((b) => f.usdc.balanceOf(b.address)));
    for (let i = 0; i < 250; i++) {
      await buy(f, riskId, f.holder, beneficiaries[i % 5]!.address, usd(10 + (i % 7)), start, end);
    }
    await networkHelpers.time.increaseTo(start + 2 * HOUR);
    await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + HOUR));
    const paidIds: bigint[] = [];
    const cursors: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const [needed, performData] = await f.suite.checkUpkeep("0x");
      expect(needed).to.equal(true);
      const receipt = await mined(f.suite.connect(f.outsider).performUpkeep(performData));
      expect(receipt.gasUsed).to.be.lt(5_000_000n);
      paidIds.push(...eventsOf(f, receipt, "InsurancePolicyPaid").map((e) => e.policyId as bigint));
      cursors.push((await f.suite.insuranceRisk(riskId)).cursor);
    }
    expect(cursors).to.deep.equal([BigInt(MAX_UPKEEP_BATCH), 200n, 250n]);
    expect(paidIds).to.have.length(250);
    expect(new Set(paidIds).size).to.equal(250);
    expect((await f.suite.insuranceRisk(riskId)).state).to.equal(RiskState.Settled);
    expect((await f.suite.checkUpkeep("0x"))[0]).to.equal(false);
    let total = 0n;
    for (let i = 0; i < 250; i++) total += usd(10 + (i % 7));
    const after = await Promise.all(beneficiaries.map((b) => f.usdc.balanceOf(b.address)));
    expect(after.reduce((a, b) => a + b) - before.reduce((a, b) => a + b)).to.equal(total);
    await expectBooksBalanced(f);
  });
});
