// Keeper work of the lending module: lendingCheckUpkeep finds liquidatable positions among
// candidates, lendingPerformUpkeep liquidates those still liquidatable, paid by the caller.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";

import { upkeepData } from "../../scripts/lib/upkeep.js";
import { lendingUpkeepSource } from "../../scripts/lib/lending-upkeep.js";
import { expectSolvent } from "../support/lending.js";
import { lendingFixture, price8, usd, wad } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const coder = AbiCoder.defaultAbiCoder();

async function underwaterFixture() {
  const f = await lendingFixture(ethers);
  const weth = await f.weth.getAddress();
  await (await f.suite.connect(f.supplier).supply(f.poolId, usd(500_000), f.supplier.address)).wait();
  // Three borrowers at 70 % of 10 WETH x 2,000: liquidatable below ~1,750.
  for (const b of [f.borrower, f.carol, f.supplier]) {
    await (await f.suite.connect(b).supplyCollateral(f.poolId, weth, wad(10), b.address)).wait();
    await (await f.suite.connect(b).borrow(f.poolId, usd(14_000), b.address)).wait();
  }
  return { ...f, wethAddress: weth };
}

describe("lending: keeper work", function () {
  it("finds nothing while every position is healthy", async function () {
    const f = await networkHelpers.loadFixture(underwaterFixture);
    const checkData = coder.encode(["uint256", "address[]"], [f.poolId, [f.borrower.address, f.carol.address]]);
    const [needed, data] = await f.suite.lendingCheckUpkeep(checkData);
    expect(needed).to.equal(false);
    expect(data).to.equal("0x");
  });

  it("liquidates the unhealthy candidates and skips what became healthy since the check", async function () {
    const f = await networkHelpers.loadFixture(underwaterFixture);
    await (await f.wethFeed.set(price8(1_700), await networkHelpers.time.latest())).wait();
    const candidates = [f.borrower.address, f.liquidator.address, f.carol.address, f.supplier.address];
    const [needed, performData] = await f.suite.lendingCheckUpkeep(
      coder.encode(["uint256", "address[]"], [f.poolId, candidates]),
    );
    expect(needed).to.equal(true);
    const [poolId, borrowers, collaterals] = coder.decode(["uint256", "address[]", "address[]"], performData);
    expect(poolId).to.equal(f.poolId);
    expect(borrowers).to.deep.equal([f.borrower.address, f.carol.address, f.supplier.address]);
    expect(collaterals).to.deep.equal([f.wethAddress, f.wethAddress, f.wethAddress]);
    // Carol tops up before the keeper's transaction lands.
    await (await f.suite.connect(f.carol).supplyCollateral(f.poolId, f.wethAddress, wad(10), f.carol.address)).wait();
    await expect(f.suite.connect(f.liquidator).lendingPerformUpkeep(performData))
      .to.emit(f.suite, "LendingUpkeepPerformed")
      .withArgs(f.poolId, f.liquidator.address, 3n, 2n);
    // The close factor: half of the 14,000 (plus interest) was repaid.
    const debtAfter = await f.suite.lendingDebtOf(f.poolId, f.borrower.address);
    expect(debtAfter).to.be.lessThan(usd(7_100));
    await expectSolvent(f);
  });

  it("is registered with the diamond's upkeep pair, which runs it with the keeper paying", async function () {
    const f = await networkHelpers.loadFixture(underwaterFixture);
    const providers = await f.suite.upkeepProviders();
    expect(providers.map((p) => [ethers.decodeBytes32String(p.moduleId), p.check, p.perform])).to.deep.equal([
      [
        "lending",
        f.suite.interface.getFunction("lendingCheckUpkeep")!.selector,
        f.suite.interface.getFunction("lendingPerformUpkeep")!.selector,
      ],
    ]);
    await (await f.wethFeed.set(price8(1_700), await networkHelpers.time.latest())).wait();
    // The keeper runner's source builds the check data from the LendingBorrowed events.
    const source = lendingUpkeepSource();
    const [checkData] = await source.checkData({
      provider: ethers.provider,
      diamond: f.suite,
      fromBlock: 0,
      toBlock: await ethers.provider.getBlockNumber(),
    } as unknown as Parameters<typeof source.checkData>[0]);
    const [needed, performData] = await f.suite.checkUpkeep(upkeepData("lending", checkData));
    expect(needed).to.equal(true);
    const before = await f.usdc.balanceOf(f.liquidator.address);
    await expect(f.suite.connect(f.liquidator).performUpkeep(performData))
      .to.emit(f.suite, "LendingUpkeepPerformed")
      .withArgs(f.poolId, f.liquidator.address, 3n, 3n);
    expect(await f.usdc.balanceOf(f.liquidator.address)).to.be.lessThan(before);
    // Checked again, every position is healthy with half its debt repaid.
    const [stillNeeded] = await f.suite.checkUpkeep(upkeepData("lending", checkData));
    expect(stillNeeded).to.equal(false);
    await expectSolvent(f);
  });

  it("refuses malformed data and batches over the limit", async function () {
    const f = await networkHelpers.loadFixture(underwaterFixture);
    const bad = coder.encode(["uint256", "address[]", "address[]"], [f.poolId, [f.borrower.address], []]);
    await expect(f.suite.lendingPerformUpkeep(bad))
      .to.be.revertedWithCustomError(f.suite, "LendingUpkeepDataInvalid")
      .withArgs(1n, 0n, 20n);
    const many = Array.from({ length: 21 }, () => f.borrower.address);
    const tooMany = coder.encode(["uint256", "address[]", "address[]"], [f.poolId, many, many]);
    await expect(f.suite.lendingPerformUpkeep(tooMany))
      .to.be.revertedWithCustomError(f.suite, "LendingUpkeepDataInvalid")
      .withArgs(21n, 21n, 20n);
  });
});
