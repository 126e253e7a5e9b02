// The keeper runner serving the insurance module: a feed trigger found through the watched
// risks, then payout batches of at most 100 until the risk settles, each logged with the
// policies paid and the time since the trigger.
import { expect } from "chai";
import { network } from "hardhat";

import { formatDuration, insuranceCheckDataChunks, RISKS_PER_CHECK } from "../../scripts/lib/insurance-upkeep.js";
import { RiskState, watchRisks } from "../../scripts/lib/insurance.js";
import { runKeeper } from "../../scripts/lib/keeper.js";
import type { DeploymentRecord } from "../../scripts/lib/records.js";
import { MockPriceFeed__factory } from "../../typechain-types/index.js";
import { DAY, HOUR, insuranceFixture, usd } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

describe("insurance: the keeper runner", function () {
  it("splits the watched risks into check data of at most 50, or asks with empty data", function () {
    expect(insuranceCheckDataChunks([])).to.deep.equal(["0x"]);
    const ids = Array.from({ length: RISKS_PER_CHECK + 1 }, (_, i) => BigInt(i + 1));
    const chunks = insuranceCheckDataChunks(ids);
    expect(chunks).to.deep.equal([watchRisks(ids.slice(0, RISKS_PER_CHECK)), watchRisks(ids.slice(RISKS_PER_CHECK))]);
  });

  it("formats durations for its log lines", function () {
    expect(formatDuration(42)).to.equal("42 s");
    expect(formatDuration(200)).to.equal("3 min 20 s");
    expect(formatDuration(3 * 3600 + 5 * 60)).to.equal("3 h 5 min");
  });

  it("triggers a risk from its feed and pays 130 policies in two batches, logging each", async function () {
    this.timeout(300_000);
    const f = await networkHelpers.loadFixture(fixture);
    const feed = await new MockPriceFeed__factory(f.owner).deploy(0, 0);
    const departure = f.now + 2 * DAY;
    const riskId = await f.openRisk(
      f.flightProductId,
      "AF1000 2026-12-24",
      departure,
      departure + DAY,
      await feed.getAddress(),
    );
    const passengers = Array.from({ length: 130 }, () => ethers.Wallet.createRandom().address);
    for (const passenger of passengers) {
      await (await f.suite.connect(f.holder).buyPolicy(riskId, passenger, usd(100), departure, departure + DAY)).wait();
    }
    await networkHelpers.time.increaseTo(departure + 4 * HOUR);
    await (await feed.set(200, departure + 3 * HOUR)).wait();

    const { chainId } = await ethers.provider.getNetwork();
    const record = { name: "insurance", chainId: Number(chainId), address: await f.suite.getAddress(), blockNumber: 0 };
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
    expect(summary.byModule.insurance, lines.join("\n")).to.deep.include({ performs: 3, items: 130 });
    const text = lines.join("\n");
    expect(text).to.match(new RegExp(`risk ${riskId} triggered from its feed`));
    expect(text).to.match(new RegExp(`risk ${riskId}: 100 policies paid, \\d+ s after the trigger`));
    expect(text).to.match(new RegExp(`risk ${riskId}: 30 policies paid, \\d+ s after the trigger, risk settled`));
    expect((await f.suite.insuranceRisk(riskId)).state).to.equal(RiskState.Settled);
    for (const passenger of passengers) {
      expect(await f.usdc.balanceOf(passenger)).to.equal(usd(100));
    }
    const pool = await f.suite.insurancePool(f.poolId);
    expect(pool.owed).to.equal(0n);
    expect(await f.usdc.balanceOf(await f.suite.getAddress())).to.equal(pool.capital + pool.fees);
  });
});
