// The lending module's views: the pool view (utilization, rates from the kinked model,
// share price, caps, collaterals), collateral parameters, the vault's totals, what a
// supplier may withdraw, and the books across pools, each checked against what actions do.
import { expect } from "chai";
import { network } from "hardhat";

import { YEAR } from "../../scripts/lib/lending.js";
import {
  BPS,
  createWethPool,
  expectSolvent,
  kinkedRate,
  nextBlockIn,
  NO_CODE,
  poolTotals,
  toAssets,
  WAD,
  type Kink,
} from "../support/lending.js";
import { DAY, lendingFixture, usd, wad, type LendingFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => lendingFixture(ethers);

type PoolView = Awaited<ReturnType<LendingFixture["suite"]["lendingPool"]>>;

/** The fixture's kinked model as its immutables read: base, a gentle slope to the kink, a steep one. */
async function kinkOf(f: LendingFixture): Promise<Kink> {
  const m = f.rateModel;
  return {
    base: await m.BASE_RATE(),
    belowKink: await m.SLOPE_BELOW_KINK(),
    kink: await m.KINK(),
    aboveKink: await m.SLOPE_ABOVE_KINK(),
  };
}

/** Every derived figure of a pool view, recomputed from its raw ones. */
async function expectConsistent(f: LendingFixture, v: PoolView) {
  expect(v.totalAssets, "totalAssets").to.equal(v.cash + v.borrows - v.reserves);
  const liquidity = v.cash + v.borrows;
  expect(v.utilization, "utilization").to.equal(liquidity === 0n ? 0n : (v.borrows * WAD) / liquidity);
  expect(v.borrowRatePerSecond, "borrow rate").to.equal(kinkedRate(v.cash, v.borrows, await kinkOf(f)));
  expect(v.borrowRatePerSecond, "borrow rate").to.equal(await f.rateModel.borrowRatePerSecond(v.cash, v.borrows));
  expect(v.supplyRatePerSecond, "supply rate").to.equal(
    v.totalAssets === 0n
      ? 0n
      : (v.borrowRatePerSecond * (BPS - v.reserveFactorBps) * v.borrows) / (v.totalAssets * BPS),
  );
  expect(v.sharePrice, "share price").to.equal(toAssets(10n ** 12n, v.totalAssets, v.totalShares));
  expect(v.totalShares, "shares").to.equal(await f.vault.totalSupply());
}

describe("lending: views", function () {
  let f: LendingFixture;
  let weth: string;
  let wbtc: string;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    [weth, wbtc] = [await f.weth.getAddress(), await f.wbtc.getAddress()];
  });

  describe("lendingPool", function () {
    it("describes a new pool: its configuration, no money, a share price of 1 and the base rate", async function () {
      const v = await f.suite.lendingPool(f.poolId);
      expect([v.asset, v.vault, v.rateModel, v.creditModel, v.priceFeed]).to.deep.equal([
        await f.usdc.getAddress(),
        await f.vault.getAddress(),
        await f.rateModel.getAddress(),
        ethers.ZeroAddress,
        ethers.ZeroAddress,
      ]);
      expect([v.cash, v.borrows, v.reserves, v.totalAssets, v.totalShares, v.utilization, v.badDebt]).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
        0n,
        0n,
        0n,
      ]);
      expect(v.sharePrice).to.equal(usd(1));
      expect(v.borrowIndex).to.equal(WAD);
      expect(v.borrowRatePerSecond).to.equal(await f.rateModel.BASE_RATE());
      expect(v.supplyRatePerSecond).to.equal(0n);
      expect([v.supplyCap, v.borrowCap, v.dustThreshold, v.reserveFactorBps]).to.deep.equal([
        f.params.supplyCap,
        f.params.borrowCap,
        f.params.dustThreshold,
        1_000n,
      ]);
      expect([v.supplyPaused, v.borrowPaused]).to.deep.equal([false, false]);
      expect(v.collaterals).to.deep.equal([weth, wbtc]);
      await expectConsistent(f, v);
    });

    it("the kinked model's parameters are the fixture's annual rates per second", async function () {
      const m = f.rateModel;
      expect(await m.BASE_RATE()).to.equal(wad("0.02") / YEAR);
      expect(await m.SLOPE_BELOW_KINK()).to.equal(wad("0.1") / YEAR);
      expect(await m.KINK()).to.equal(wad("0.8"));
      expect(await m.SLOPE_ABOVE_KINK()).to.equal(wad("1") / YEAR);
    });

    for (const borrowed of [usd(25_000), usd(80_000), usd(95_000)]) {
      it(`reports utilization, rates and share price consistently with ${Number(borrowed / 10n ** 6n)} of 100,000 borrowed`, async function () {
        await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
        await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(100), f.borrower.address)).wait();
        await (await f.suite.connect(f.borrower).borrow(f.poolId, borrowed, f.borrower.address)).wait();

        let v = await f.suite.lendingPool(f.poolId);
        expect([v.cash, v.borrows, v.reserves]).to.deep.equal([usd(100_000) - borrowed, borrowed, 0n]);
        expect(v.utilization).to.equal((borrowed * WAD) / usd(100_000));
        await expectConsistent(f, v);
        expect(v.supplyRatePerSecond).to.be.lessThan(v.borrowRatePerSecond);

        // A quarter later the view accrues the interest itself, reserves take their share.
        await networkHelpers.time.increase(91 * DAY);
        v = await f.suite.lendingPool(f.poolId);
        const interest = v.borrows - borrowed;
        expect(interest).to.be.greaterThan(0n);
        expect(v.reserves).to.equal((interest * 1_000n) / BPS);
        expect(v.borrowIndex).to.be.greaterThan(WAD);
        expect(v.sharePrice).to.be.greaterThan(usd(1));
        expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(v.borrows);
        await expectConsistent(f, v);

        // What the view predicts for a block is what an action there finds.
        await nextBlockIn(networkHelpers, 100);
        const predicted = await f.suite.lendingPool(f.poolId, { blockTag: "pending" });
        const repaid = await (await f.suite.connect(f.borrower).repay(f.poolId, usd(1_000), f.borrower.address)).wait();
        const owed = await f.suite.lendingDebtOf(f.poolId, f.borrower.address, { blockTag: repaid!.blockNumber });
        const event = repaid!.logs.map((l) => f.suite.interface.parseLog(l)).find((e) => e?.name === "LendingRepaid")!;
        expect([...event.args]).to.deep.equal([f.poolId, f.borrower.address, f.borrower.address, usd(1_000), owed]);
        // The sole borrower's debt was the pool's borrows, as predicted; repaying rounds for the pool.
        expect(owed - (predicted.borrows - usd(1_000))).to.be.oneOf([0n, 1n, 2n]);
        v = await f.suite.lendingPool(f.poolId);
        expect([v.cash, v.reserves, v.borrowIndex]).to.deep.equal([
          predicted.cash + usd(1_000),
          predicted.reserves,
          predicted.borrowIndex,
        ]);
        // Borrows are recomputed from the scaled total, rounded up: at most two units above.
        expect(v.borrows - (predicted.borrows - usd(1_000))).to.be.within(0n, 2n);
        expect(v.totalAssets - predicted.totalAssets).to.be.within(0n, 2n);
        await expectConsistent(f, v);
        await expectSolvent(f);
      });
    }

    it("reports pauses and limits as set", async function () {
      await (await f.suite.setLendingPoolLimits(f.poolId, 2_500, usd(5), usd(4), usd(3))).wait();
      await (await f.suite.setLendingPoolPaused(f.poolId, true, false)).wait();
      const v = await f.suite.lendingPool(f.poolId);
      expect([v.reserveFactorBps, v.supplyCap, v.borrowCap, v.dustThreshold]).to.deep.equal([
        2_500n,
        usd(5),
        usd(4),
        usd(3),
      ]);
      expect([v.supplyPaused, v.borrowPaused]).to.deep.equal([true, false]);
    });

    it("every pool view refuses an unknown pool with LendingPoolUnknown", async function () {
      const s = f.suite;
      for (const call of [
        () => s.lendingPool(2n),
        () => s.lendingCollateral(2n, weth),
        () => s.lendingVaultTotals(2n),
        () => s.lendingMaxWithdraw(2n, f.supplier.address),
        () => s.lendingCollateralOf(2n, f.borrower.address, weth),
        () => s.lendingDebtOf(2n, f.borrower.address),
        () => s.lendingPool(0n),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(s, "LendingPoolUnknown");
      }
      await expect(s.lendingPool(2n)).to.be.revertedWithCustomError(s, "LendingPoolUnknown").withArgs(2n);
    });
  });

  describe("lendingCollateral", function () {
    it("returns a collateral's parameters, and LendingNotCollateral for anything else", async function () {
      const tuple = (p: typeof f.wethCollateral) => [
        p.feed,
        BigInt(p.maxPriceAge),
        BigInt(p.ltvBps),
        BigInt(p.liquidationThresholdBps),
        BigInt(p.liquidationBonusBps),
        BigInt(p.supplyCap),
      ];
      expect(await f.suite.lendingCollateral(f.poolId, weth)).to.deep.equal(tuple(f.wethCollateral));
      expect(await f.suite.lendingCollateral(f.poolId, wbtc)).to.deep.equal(tuple(f.wbtcCollateral));
      for (const token of [await f.usdc.getAddress(), NO_CODE, ethers.ZeroAddress]) {
        await expect(f.suite.lendingCollateral(f.poolId, token))
          .to.be.revertedWithCustomError(f.suite, "LendingNotCollateral")
          .withArgs(f.poolId, token);
      }
    });
  });

  describe("lendingVaultTotals and lendingMaxWithdraw", function () {
    it("give the vault's totals: assets, shares, room under the cap (none while paused) and cash", async function () {
      expect(await poolTotals(f)).to.deep.equal({
        totalAssets: 0n,
        totalShares: 0n,
        depositRoom: f.params.supplyCap,
        cash: 0n,
      });
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(40_000), f.supplier.address)).wait();
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(100), f.borrower.address)).wait();
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(30_000), f.borrower.address)).wait();
      await networkHelpers.time.increase(10 * DAY);
      const v = await f.suite.lendingPool(f.poolId);
      const totals = await poolTotals(f);
      expect(totals).to.deep.equal({
        totalAssets: v.totalAssets,
        totalShares: v.totalShares,
        depositRoom: f.params.supplyCap - v.totalAssets,
        cash: usd(10_000),
      });
      expect(await f.vault.totalAssets()).to.equal(v.totalAssets);
      expect(await f.vault.maxDeposit(f.carol.address)).to.equal(totals.depositRoom);
      await (await f.suite.setLendingPoolPaused(f.poolId, true, false)).wait();
      expect((await poolTotals(f)).depositRoom).to.equal(0n);
    });

    it("lendingMaxWithdraw is what the owner's shares are worth, within the cash, and withdraws to the unit", async function () {
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.supplier.address)).to.equal(0n);
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(40_000), f.supplier.address)).wait();
      await (await f.suite.connect(f.carol).supply(f.poolId, usd(5_000), f.carol.address)).wait();
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.supplier.address)).to.equal(usd(40_000));
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(100), f.borrower.address)).wait();
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(38_000), f.borrower.address)).wait();
      await networkHelpers.time.increase(20 * DAY);

      // Carol's 5,000 plus interest fit in the 7,000 of cash; the supplier's do not.
      const { totalAssets: A, totalShares: S, cash } = await poolTotals(f);
      const carolOwns = toAssets(await f.vault.balanceOf(f.carol.address), A, S);
      expect(carolOwns).to.be.greaterThan(usd(5_000));
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.carol.address)).to.equal(carolOwns);
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.supplier.address)).to.equal(cash);
      for (const who of [f.carol, f.supplier]) {
        expect(await f.suite.lendingMaxWithdraw(f.poolId, who.address)).to.equal(
          await f.vault.maxWithdraw(who.address),
        );
      }

      // In the block of the withdrawal, the prediction is exact: one unit more is refused.
      await nextBlockIn(networkHelpers, 5);
      const max = await f.suite.lendingMaxWithdraw(f.poolId, f.carol.address, { blockTag: "pending" });
      await expect(
        f.suite.connect(f.carol).withdraw(f.poolId, max + 1n, f.carol.address),
      ).to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance");
      await expect(f.suite.connect(f.carol).withdraw(f.poolId, max, f.carol.address)).to.emit(f.vault, "Withdraw");
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.carol.address)).to.be.at.most(1n);
      await expectSolvent(f);
    });
  });

  describe("lendingBooks and lendingPoolCount", function () {
    it("count the pools, and sum each token's pool cash and collateral across all pools", async function () {
      expect(await f.suite.lendingPoolCount()).to.equal(1n);
      const second = await createWethPool(f);
      expect(await f.suite.lendingPoolCount()).to.equal(2n);
      expect(second.poolId).to.equal(2n);
      const usdc = await f.usdc.getAddress();
      const s = f.suite;

      // Pool 1 lends USDC against WETH and WBTC; pool 2 lends WETH against USDC.
      await (await s.connect(f.supplier).supply(f.poolId, usd(50_000), f.supplier.address)).wait();
      await (await s.connect(f.supplier).supply(second.poolId, wad(200), f.supplier.address)).wait();
      await (await s.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
      await (await s.connect(f.borrower).supplyCollateral(f.poolId, wbtc, 10n ** 8n, f.borrower.address)).wait();
      await (await s.connect(f.carol).supplyCollateral(second.poolId, usdc, usd(30_000), f.carol.address)).wait();
      await (await s.connect(f.borrower).borrow(f.poolId, usd(12_000), f.borrower.address)).wait();
      await (await s.connect(f.carol).borrow(second.poolId, wad(5), f.carol.address)).wait();

      expect(await s.lendingBooks(usdc)).to.equal(usd(50_000) - usd(12_000) + usd(30_000));
      expect(await s.lendingBooks(weth)).to.equal(wad(200) - wad(5) + wad(10));
      expect(await s.lendingBooks(wbtc)).to.equal(10n ** 8n);
      expect(await s.lendingBooks(NO_CODE)).to.equal(0n);
      const [p1, p2] = [await s.lendingPool(f.poolId), await s.lendingPool(second.poolId)];
      expect(await s.lendingBooks(usdc)).to.equal(p1.cash + usd(30_000));
      expect(await s.lendingBooks(weth)).to.equal(p2.cash + wad(10));
      expect(p2.priceFeed).to.equal(await f.wethFeed.getAddress());
      expect(p2.collaterals).to.deep.equal([usdc]);
      await expectSolvent(f);

      // Money leaving either side leaves the books too.
      await (await s.connect(f.carol).repay(second.poolId, 2n ** 256n - 1n, f.carol.address)).wait();
      await (await s.connect(f.carol).withdrawCollateral(second.poolId, usdc, usd(30_000), f.carol.address)).wait();
      await (await s.connect(f.supplier).withdraw(second.poolId, wad(100), f.supplier.address)).wait();
      expect(await s.lendingBooks(usdc)).to.equal(usd(38_000));
      expect(await s.lendingBooks(weth)).to.equal((await s.lendingPool(second.poolId)).cash + wad(10));
      await expectSolvent(f);
    });
  });
});
