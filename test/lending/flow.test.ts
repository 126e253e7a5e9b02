// One pass through the whole lending life cycle, with solvency checked at the end.
import { expect } from "chai";
import { network } from "hardhat";

import { expectSolvent } from "../support/lending.js";
import { lendingFixture, price8, usd, wad } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => lendingFixture(ethers);

describe("lending: end to end", function () {
  it("supplies, borrows, accrues interest, repays, liquidates, and the books balance", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const s = f.suite;
    const weth = await f.weth.getAddress();
    await (await s.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
    await (await f.vault.deposit(usd(1_000), f.supplier.address)).wait();
    await (await s.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
    await (await s.connect(f.borrower).borrow(f.poolId, usd(10_000), f.borrower.address)).wait();
    await networkHelpers.time.increase(30 * 86_400);
    const debt = await s.lendingDebtOf(f.poolId, f.borrower.address);
    expect(debt).to.be.greaterThan(usd(10_000));
    await (await s.connect(f.borrower).repay(f.poolId, usd(500), f.borrower.address)).wait();
    const before = await s.lendingPool(f.poolId);
    expect(before.reserves).to.be.greaterThan(0n);
    expect(before.sharePrice).to.be.greaterThan(usd(1));

    // 10 WETH at 2,000 = 20,000; threshold 80 %: liquidatable once the price falls below ~1,190.
    await (await f.wethFeed.set(price8(1_100), await networkHelpers.time.latest())).wait();
    await networkHelpers.time.setNextBlockTimestamp((await networkHelpers.time.latest()) + 10);
    const debtBefore = await s.lendingDebtOf(f.poolId, f.borrower.address, { blockTag: "pending" });
    const receipt = await (
      await s.connect(f.liquidator).liquidate(f.poolId, f.borrower.address, weth, usd(100_000))
    ).wait();
    const event = receipt!.logs.map((l) => s.interface.parseLog(l)).find((e) => e?.name === "LendingLiquidated")!;
    const { repaid, seized, debtLeft } = event.args;
    // Half the debt (the close factor), and collateral worth it plus the 5 % bonus at 1,100.
    expect(repaid).to.equal(debtBefore / 2n);
    expect(debtLeft).to.equal(await s.lendingDebtOf(f.poolId, f.borrower.address, { blockTag: receipt!.blockNumber }));
    expect(seized).to.equal((repaid * 10_500n * 10n ** 12n * 10n ** 8n) / (10_000n * price8(1_100)));
    await expectSolvent(f);
  });
});
