// Lending liquidation: when a position may be liquidated, the close factor and the dust
// rule, the seizure at the price plus the bonus, collateral running out, bad debt (reserves
// first, then suppliers; other pools untouched), deep price drops, self-liquidation, pause,
// a failing credit model, stale feeds, the quote, and the parameter bounds.
import { expect } from "chai";
import { network } from "hardhat";
import { parseUnits } from "ethers";

import { lendingCalls } from "../../scripts/lib/lending.js";
import { MockCreditModel__factory, MockToken__factory } from "../../typechain-types/index.js";
import { DAY, price8, usd, wad, type LendingFixture } from "./fixture.js";
import {
  addCollateral,
  BPS,
  bpsOf,
  createPool,
  CREDIT_MODE,
  ETH,
  eventOf,
  eventsOf,
  expectNothingChanged,
  expectSolvent,
  installCreditModel,
  installRateModel,
  lendingFixtures,
  lendingState,
  MAX_UINT,
  repayForAll,
  seizeFor,
  timelocked,
  valueOf,
  VIRTUAL_ASSETS,
  VIRTUAL_SHARES,
  WAD,
} from "../support/lending.js";

const { ethers, networkHelpers } = await network.create();
const { frozen, live } = lendingFixtures(ethers);

const ONE_ETH = 10n ** 18n;
const ONE_BTC = 10n ** 8n;
const ETH_BONUS = 500n;
const BTC_BONUS = 800n;

describe("lending: liquidation", function () {
  let f: LendingFixture;
  let weth: string;
  let wbtc: string;

  async function setUp(fixture: () => Promise<LendingFixture>) {
    f = await networkHelpers.loadFixture(fixture);
    [weth, wbtc] = [await f.weth.getAddress(), await f.wbtc.getAddress()];
    await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
  }

  /** The borrower posts `collateral` and borrows `debt` (at index 1 in the frozen pool). */
  async function open(collateral: [string, bigint][], debt: bigint, who = f.borrower) {
    for (const [token, amount] of collateral) {
      await (await f.suite.connect(who).supplyCollateral(f.poolId, token, amount, who.address)).wait();
    }
    await (await f.suite.connect(who).borrow(f.poolId, debt, who.address)).wait();
  }

  const setEth = async (price: bigint) => (await f.wethFeed.set(price, await networkHelpers.time.latest())).wait();
  const liquidate = (collateral: string, maxRepay: bigint, by = f.liquidator, borrower = f.borrower.address) =>
    f.suite.connect(by).liquidate(f.poolId, borrower, collateral, maxRepay);

  describe("when a position may be liquidated", function () {
    beforeEach(() => setUp(frozen));

    it("reverts with LendingPositionHealthy(poolId, borrower, debt, liquidationLimit) up to a debt equal to the limit", async function () {
      await open([[weth, wad(10)]], usd(15_000));
      await expectNothingChanged(f, () =>
        expect(liquidate(weth, MAX_UINT))
          .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
          .withArgs(f.poolId, f.borrower.address, usd(15_000), usd(16_000)),
      );
      // At 1,875 the 80 % threshold is exactly the debt: still healthy.
      await setEth(price8(1_875));
      await expect(liquidate(weth, MAX_UINT))
        .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
        .withArgs(f.poolId, f.borrower.address, usd(15_000), usd(15_000));
      // A hundred-millionth of a dollar lower, it is not.
      await setEth(price8(1_875) - 1n);
      const limit = bpsOf(valueOf(wad(10), price8(1_875) - 1n, ETH), 8_000);
      expect(limit).to.equal(usd(15_000) - 1n);
      expect((await f.suite.lendingPosition(f.poolId, f.borrower.address)).liquidationLimit).to.equal(limit);
      await expect(liquidate(weth, usd(100))).to.emit(f.suite, "LendingLiquidated");
      await expectSolvent(f);
    });

    it("reverts with LendingNotCollateral, LendingNoDebt, LendingNothingToSeize and LendingZeroAmount", async function () {
      await open([[weth, wad(10)]], usd(15_000));
      await setEth(price8(1_500));
      const usdc = await f.usdc.getAddress();
      await expectNothingChanged(f, async () => {
        await expect(liquidate(usdc, MAX_UINT))
          .to.be.revertedWithCustomError(f.suite, "LendingNotCollateral")
          .withArgs(f.poolId, usdc);
        await expect(liquidate(weth, MAX_UINT, f.liquidator, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingNoDebt")
          .withArgs(f.poolId, f.carol.address);
        // A collateral of the pool the borrower does not hold.
        await expect(liquidate(wbtc, MAX_UINT))
          .to.be.revertedWithCustomError(f.suite, "LendingNothingToSeize")
          .withArgs(f.poolId, f.borrower.address, wbtc);
        await expect(liquidate(weth, 0n)).to.be.revertedWithCustomError(f.suite, "LendingZeroAmount");
      });
    });

    it("reverts with LendingNothingToSeize when the repayment buys less than one unit of collateral", async function () {
      // 0.001 WBTC (60 USD) beside the WETH; one micro-dollar buys no satoshi.
      await open(
        [
          [weth, wad(10)],
          [wbtc, 100_000n],
        ],
        usd(15_042),
      );
      await setEth(price8(1_500));
      expect(seizeFor(1n, BTC_BONUS, ONE_BTC, usd(60_000))).to.equal(0n);
      await expectNothingChanged(f, () =>
        expect(liquidate(wbtc, 1n))
          .to.be.revertedWithCustomError(f.suite, "LendingNothingToSeize")
          .withArgs(f.poolId, f.borrower.address, wbtc),
      );
    });

    it("works while the pool is paused", async function () {
      await open([[weth, wad(10)]], usd(15_000));
      await (await f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, true, true)).wait();
      await setEth(price8(1_800));
      await expect(liquidate(weth, MAX_UINT))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(7_500), wad("4.375"), usd(7_500));
      await expectSolvent(f);
    });

    it("a stale feed refuses it, also the feed of another collateral the borrower holds (FeedPriceStale)", async function () {
      await open(
        [
          [weth, wad(10)],
          [wbtc, 100_000n],
        ],
        usd(15_000),
      );
      const now = await networkHelpers.time.latest();
      await (await f.wethFeed.set(price8(1_500), now - DAY - 1)).wait();
      const wethFeed = await f.wethFeed.getAddress();
      await expectNothingChanged(f, () =>
        expect(liquidate(weth, MAX_UINT))
          .to.be.revertedWithCustomError(f.suite, "FeedPriceStale")
          .withArgs(wethFeed, now - DAY - 1, DAY),
      );
      // Fresh WETH, stale WBTC: the position cannot be valued, so it cannot be liquidated.
      await setEth(price8(1_500));
      await (await f.wbtcFeed.set(price8(60_000), now - DAY - 1)).wait();
      await expect(liquidate(weth, MAX_UINT))
        .to.be.revertedWithCustomError(f.suite, "FeedPriceStale")
        .withArgs(await f.wbtcFeed.getAddress(), now - DAY - 1, DAY);
    });
  });

  describe("how much is repaid and seized", function () {
    beforeEach(async function () {
      await setUp(frozen);
      await open([[weth, wad(10)]], usd(15_000));
    });

    it("repays at most half the debt and seizes repaid × (1 + bonus) at the price; one liquidation restores health", async function () {
      await setEth(price8(1_800));
      const seized = seizeFor(usd(7_500), ETH_BONUS, ONE_ETH, usd(1_800));
      expect(seized).to.equal(wad("4.375"));
      const before = await lendingState(f);
      const quote = await f.suite.lendingQuoteLiquidation(f.poolId, f.borrower.address, weth, MAX_UINT);
      await expect(liquidate(weth, MAX_UINT))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(7_500), seized, usd(7_500));
      expect([quote.repaid, quote.seized, quote.badDebt]).to.deep.equal([usd(7_500), seized, 0n]);
      const after = await lendingState(f);
      const liq = f.liquidator.address;
      expect(BigInt(after[`usdc:${liq}`])).to.equal(BigInt(before[`usdc:${liq}`]) - usd(7_500));
      expect(BigInt(after[`weth:${liq}`])).to.equal(BigInt(before[`weth:${liq}`]) + seized);
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(wad(10) - seized);
      expect((await f.suite.lendingPool(f.poolId)).cash).to.equal(usd(85_000) + usd(7_500));
      // 5.625 WETH at 1,800 × 80 % = 8,100 ≥ 7,500.
      await expect(liquidate(weth, MAX_UINT))
        .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
        .withArgs(f.poolId, f.borrower.address, usd(7_500), usd(8_100));
      await expectSolvent(f);
    });

    it("repays only maxRepay when it is below the close factor", async function () {
      await setEth(price8(1_800));
      const seized = seizeFor(usd(1_000), ETH_BONUS, ONE_ETH, usd(1_800));
      await expect(liquidate(weth, usd(1_000)))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(1_000), seized, usd(14_000));
      await expectSolvent(f);
    });

    it("lendingQuoteLiquidation equals what liquidate does in the same block (zero-rate pool)", async function () {
      await setEth(parseUnits("1650.12345678", 8));
      for (const maxRepay of [usd(333), usd(5_000), MAX_UINT]) {
        const quote = await f.suite.lendingQuoteLiquidation(f.poolId, f.borrower.address, weth, maxRepay);
        const receipt = await (await liquidate(weth, maxRepay)).wait();
        const event = eventOf(f, receipt, "LendingLiquidated");
        expect([event.args.repaid, event.args.seized]).to.deep.equal([quote.repaid, quote.seized]);
        expect(quote.badDebt).to.equal(0n);
      }
      await expectSolvent(f);
    });

    it("a liquidator gets no more by splitting one liquidation into many", async function () {
      // Low enough that the position stays unhealthy through all ten pieces.
      await setEth(parseUnits("1650.12345678", 8));
      const snapshot = await networkHelpers.takeSnapshot();
      const whole = eventOf(f, await (await liquidate(weth, usd(7_000))).wait(), "LendingLiquidated").args.seized;
      await snapshot.restore();
      let pieces = 0n;
      for (let i = 0; i < 10; i++) {
        pieces += eventOf(f, await (await liquidate(weth, usd(700))).wait(), "LendingLiquidated").args.seized;
      }
      expect(pieces).to.be.lessThanOrEqual(whole);
      await expectSolvent(f);
    });
  });

  describe("the dust threshold (10 USD)", function () {
    beforeEach(() => setUp(frozen));

    it("regression: in a pool without a threshold, a one-unit debt (whose half is nothing) is liquidated whole", async function () {
      const pool = await f.suite.lendingPool(f.poolId);
      await (
        await f.suite
          .connect(f.admin)
          .setLendingPoolLimits(f.poolId, pool.reserveFactorBps, pool.supplyCap, pool.borrowCap, 0)
      ).wait();
      // 1e9 wei of WETH at 2,000 is worth 2 units of USD: a 1-unit borrow is within 75 %.
      await open([[weth, 10n ** 9n]], 1n);
      // At 1,000 its 80 % threshold rounds to 0 units: the 1-unit debt is liquidatable.
      await setEth(price8(1_000));
      await expect(liquidate(weth, MAX_UINT))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, 1n, 10n ** 9n, 0n);
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("liquidates a debt at the threshold whole", async function () {
      await open([[weth, wad("0.0125")]], usd(10));
      await setEth(price8(990));
      const seized = seizeFor(usd(10), ETH_BONUS, ONE_ETH, usd(990));
      await expect(liquidate(weth, MAX_UINT))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(10), seized, 0n);
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(wad("0.0125") - seized);
      await expectSolvent(f);
    });

    it("reverts with LendingLiquidationLeavesDust(poolId, debt, repay, dust) when a repayment would leave less than the threshold", async function () {
      await open([[weth, wad("0.0125")]], usd(15));
      await setEth(price8(1_400));
      await expectNothingChanged(f, () =>
        expect(liquidate(weth, usd(6)))
          .to.be.revertedWithCustomError(f.suite, "LendingLiquidationLeavesDust")
          .withArgs(f.poolId, usd(15), usd(6), usd(10)),
      );
      // Leaving exactly the threshold is fine.
      await expect(liquidate(weth, usd(5)))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(
          f.poolId,
          f.borrower.address,
          f.liquidator.address,
          weth,
          usd(5),
          seizeFor(usd(5), ETH_BONUS, ONE_ETH, usd(1_400)),
          usd(10),
        );
      await expectSolvent(f);
    });

    it("regression: a debt between the threshold and twice it can be liquidated whole (half would leave dust)", async function () {
      // 15 USD: half (7.5) would leave 7.5 < 10, so before the fix no repayment was accepted
      // and the position could never be liquidated.
      await open([[weth, wad("0.0125")]], usd(15));
      await setEth(price8(1_400));
      const seized = seizeFor(usd(15), ETH_BONUS, ONE_ETH, usd(1_400));
      expect((await f.suite.lendingQuoteLiquidation(f.poolId, f.borrower.address, weth, MAX_UINT)).repaid).to.equal(
        usd(15),
      );
      await expect(liquidate(weth, MAX_UINT))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(15), seized, 0n);
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("at twice the threshold minus one unit, half still leaves the threshold and is the most one call repays", async function () {
      const debt = usd(20) - 1n;
      await open([[weth, wad("0.014")]], debt);
      await setEth(price8(1_700));
      const half = debt / 2n;
      expect(debt - half).to.equal(usd(10));
      await expect(liquidate(weth, MAX_UINT))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(
          f.poolId,
          f.borrower.address,
          f.liquidator.address,
          weth,
          half,
          seizeFor(half, ETH_BONUS, ONE_ETH, usd(1_700)),
          usd(10),
        );
      await expectSolvent(f);
    });
  });

  describe("when the collateral runs out", function () {
    beforeEach(() => setUp(frozen));

    it("seizes all of it for what it is worth; with another collateral left there is no bad debt, after the last one the rest is written off", async function () {
      await open(
        [
          [weth, wad(10)],
          [wbtc, 5_000_000n],
        ],
        usd(17_000),
      );
      await setEth(price8(700));
      // Half the debt (8,500) would need 12.75 WETH: all 10 go, for 7,000 / 1.05.
      const repaid = repayForAll(wad(10), ETH_BONUS, ONE_ETH, usd(700));
      expect(repaid).to.equal(6_666_666_667n);
      const first = liquidate(weth, MAX_UINT);
      await expect(first)
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, repaid, wad(10), usd(17_000) - repaid);
      await expect(first).not.to.emit(f.suite, "LendingBadDebtRealized");
      const debt = usd(17_000) - repaid;
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(debt);

      // The WBTC (0.05 at 60,000) runs out too: what is left is bad debt, borne by suppliers.
      const btcRepaid = repayForAll(5_000_000n, BTC_BONUS, ONE_BTC, usd(60_000));
      expect(btcRepaid).to.equal(2_777_777_778n);
      const bad = debt - btcRepaid;
      const before = await f.suite.lendingPool(f.poolId);
      expect(before.reserves).to.equal(0n);
      const quote = await f.suite.lendingQuoteLiquidation(f.poolId, f.borrower.address, wbtc, MAX_UINT);
      expect([quote.repaid, quote.seized, quote.badDebt]).to.deep.equal([btcRepaid, 5_000_000n, bad]);
      const second = liquidate(wbtc, MAX_UINT);
      await expect(second)
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, wbtc, btcRepaid, 5_000_000n, bad);
      await expect(second)
        .to.emit(f.suite, "LendingBadDebtRealized")
        .withArgs(f.poolId, f.borrower.address, bad, 0n, bad);
      const after = await f.suite.lendingPool(f.poolId);
      expect(after.badDebt).to.equal(bad);
      expect(after.borrows).to.equal(0n);
      expect(after.totalAssets).to.equal(before.totalAssets - bad);
      const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect(position.debt).to.equal(0n);
      expect(position.collateralAmounts).to.deep.equal([0n, 0n]);
      await expect(liquidate(weth, MAX_UINT))
        .to.be.revertedWithCustomError(f.suite, "LendingNoDebt")
        .withArgs(f.poolId, f.borrower.address);
      await expectSolvent(f);
    });

    it("after a price drop larger than the bonus, liquidations go on until the collateral runs out; the liquidator never pays more than it gets", async function () {
      await open([[weth, wad(10)]], usd(15_000));
      const price = usd(1_400); // value 14,000 < debt 15,000
      await setEth(price8(1_400));
      let steps = 0;
      let seizedTotal = 0n;
      let repaidTotal = 0n;
      for (;;) {
        const debt = await f.suite.lendingDebtOf(f.poolId, f.borrower.address);
        if (debt === 0n) break;
        const balance = await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth);
        const half = debt / 2n;
        const wanted = seizeFor(half, ETH_BONUS, ONE_ETH, price);
        const receipt = await (await liquidate(weth, MAX_UINT)).wait();
        const { repaid, seized } = eventOf(f, receipt, "LendingLiquidated").args;
        if (wanted <= balance) {
          expect([repaid, seized]).to.deep.equal([half, wanted]);
        } else {
          expect([repaid, seized]).to.deep.equal([repayForAll(balance, ETH_BONUS, ONE_ETH, price), balance]);
          const bad = eventOf(f, receipt, "LendingBadDebtRealized").args;
          expect(bad.amount).to.equal(debt - repaid);
        }
        // What the liquidator receives is worth at least what it paid.
        expect(valueOf(seized, price8(1_400), ETH)).to.be.greaterThanOrEqual(repaid);
        seizedTotal += seized;
        repaidTotal += repaid;
        steps++;
      }
      expect(steps).to.equal(4);
      expect(seizedTotal).to.equal(wad(10));
      const pool = await f.suite.lendingPool(f.poolId);
      expect(pool.badDebt).to.equal(usd(15_000) - repaidTotal);
      expect(pool.totalAssets).to.equal(usd(100_000) - pool.badDebt);
      await expectSolvent(f);
    });
  });

  describe("bad debt with reserves", function () {
    let other: Awaited<ReturnType<typeof createPool>>;
    let reserves: bigint;

    beforeEach(async function () {
      await setUp(live);
      // A second pool of the same asset, with a borrower of its own, held at a zero rate.
      other = await createPool(f, { name: "Second USD pool", symbol: "fsUSD2" });
      await timelocked(f, [lendingCalls.setCollateral(other.poolId, weth, f.wethCollateral)]);
      await installRateModel(f, other.poolId, 0n);
      await (await f.suite.connect(f.supplier).supply(other.poolId, usd(50_000), f.supplier.address)).wait();
      await (await f.suite.connect(f.carol).supplyCollateral(other.poolId, weth, wad(20), f.carol.address)).wait();
      await (await f.suite.connect(f.carol).borrow(other.poolId, usd(10_000), f.carol.address)).wait();
      // A year of interest on 50,000 builds reserves in the first pool; then its rate is held at zero.
      await (await f.suite.connect(f.carol).supplyCollateral(f.poolId, weth, wad(100), f.carol.address)).wait();
      await (await f.suite.connect(f.carol).borrow(f.poolId, usd(50_000), f.carol.address)).wait();
      await networkHelpers.time.increase(365 * DAY);
      await (await f.suite.connect(f.carol).repay(f.poolId, MAX_UINT, f.carol.address)).wait();
      await installRateModel(f, f.poolId, 0n);
      reserves = (await f.suite.lendingPool(f.poolId)).reserves;
      expect(reserves).to.be.greaterThan(usd(400));
      await setEth(price8(2_000));
    });

    /**
     * The borrower posts `eth` WETH, borrows `amount`, WETH falls to 700 and all of it is
     * seized. The index is above 1 here, so the debt may round one unit above `amount`.
     */
    async function writeOff(eth: bigint, amount: bigint) {
      await open([[weth, eth]], amount);
      const debt = await f.suite.lendingDebtOf(f.poolId, f.borrower.address);
      await setEth(price8(700));
      const repaid = repayForAll(eth, ETH_BONUS, ONE_ETH, usd(700));
      const bad = debt - repaid;
      const before = await f.suite.lendingPool(f.poolId);
      const otherBefore = await f.suite.lendingPool(other.poolId);
      const receipt = await (await liquidate(weth, MAX_UINT)).wait();
      const event = eventOf(f, receipt, "LendingBadDebtRealized").args;
      expect(event.amount).to.equal(bad);
      expect(event.fromReserves + event.fromSuppliers).to.equal(bad);
      const after = await f.suite.lendingPool(f.poolId);
      // The position is cleared whole.
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(0n);
      // The other pool sees nothing of it.
      expect(await f.suite.lendingPool(other.poolId)).to.deep.equal(otherBefore);
      await expectSolvent(f);
      return { bad, event, before, after };
    }

    it("reserves absorb first, suppliers the rest: the share price drops exactly by the suppliers' part", async function () {
      const { bad, event, before, after } = await writeOff(wad(10), usd(15_000) - 1n);
      expect(bad).to.be.greaterThan(reserves);
      expect([event.borrower, event.fromReserves, event.fromSuppliers]).to.deep.equal([
        f.borrower.address,
        reserves,
        bad - reserves,
      ]);
      expect(after.reserves).to.equal(0n);
      expect(after.badDebt).to.equal(bad);
      expect(after.totalAssets).to.equal(before.totalAssets - (bad - reserves));
      expect(after.totalShares).to.equal(before.totalShares);
      expect(after.sharePrice).to.equal(
        (10n ** 12n * (after.totalAssets + VIRTUAL_ASSETS)) / (after.totalShares + VIRTUAL_SHARES),
      );
      expect(after.sharePrice).to.be.lessThan(before.sharePrice);
    });

    it("reserves that cover the loss leave the suppliers' share price untouched", async function () {
      const { bad, event, before, after } = await writeOff(wad("0.1"), usd(150) - 1n);
      expect(bad).to.be.lessThan(reserves);
      expect([event.fromReserves, event.fromSuppliers]).to.deep.equal([bad, 0n]);
      expect(after.reserves).to.equal(reserves - bad);
      expect(after.totalAssets).to.equal(before.totalAssets);
      expect(after.sharePrice).to.equal(before.sharePrice);
    });
  });

  describe("who liquidates", function () {
    beforeEach(async function () {
      await setUp(frozen);
      await open([[weth, wad(10)]], usd(15_000));
      await setEth(price8(1_800));
    });

    it("self-liquidation gains nothing beyond what another liquidator would: same amounts, same pool, the borrower only swaps debt for collateral", async function () {
      const snapshot = await networkHelpers.takeSnapshot();
      const byOther = eventOf(f, await (await liquidate(weth, MAX_UINT)).wait(), "LendingLiquidated").args;
      const poolAfterOther = await f.suite.lendingPool(f.poolId);
      const positionAfterOther = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      await snapshot.restore();

      const wallet = async () => [
        await f.usdc.balanceOf(f.borrower.address),
        await f.weth.balanceOf(f.borrower.address),
      ];
      const [usdBefore, ethBefore] = await wallet();
      const bySelf = eventOf(f, await (await liquidate(weth, MAX_UINT, f.borrower)).wait(), "LendingLiquidated").args;
      expect([bySelf.repaid, bySelf.seized, bySelf.debtLeft]).to.deep.equal([
        byOther.repaid,
        byOther.seized,
        byOther.debtLeft,
      ]);
      expect(bySelf.liquidator).to.equal(f.borrower.address);
      expect(await f.suite.lendingPool(f.poolId)).to.deep.equal(poolAfterOther);
      const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect([position.debt, position.collateralAmounts]).to.deep.equal([
        positionAfterOther.debt,
        positionAfterOther.collateralAmounts,
      ]);
      // Wallet + position: paid `repaid` USDC to cut the debt by as much, moved `seized` WETH out of the pool.
      const [usdAfter, ethAfter] = await wallet();
      expect(usdBefore - usdAfter).to.equal(bySelf.repaid);
      expect(ethAfter - ethBefore).to.equal(bySelf.seized);
      await expectSolvent(f);
    });

    it("a liquidator's own position in the pool is untouched: the seized collateral goes to its wallet", async function () {
      await (
        await f.suite.connect(f.liquidator).supplyCollateral(f.poolId, weth, wad(20), f.liquidator.address)
      ).wait();
      // At 1,800, 20 WETH allow 27,000: borrow right up to it.
      await (await f.suite.connect(f.liquidator).borrow(f.poolId, usd(27_000), f.liquidator.address)).wait();
      const own = await f.suite.lendingPosition(f.poolId, f.liquidator.address);
      expect(own.debt).to.equal(own.borrowLimit);
      const walletBefore = await f.weth.balanceOf(f.liquidator.address);
      const { seized } = eventOf(f, await (await liquidate(weth, MAX_UINT)).wait(), "LendingLiquidated").args;
      const after = await f.suite.lendingPosition(f.poolId, f.liquidator.address);
      expect([after.debt, after.collateralAmounts, after.borrowLimit]).to.deep.equal([
        own.debt,
        own.collateralAmounts,
        own.borrowLimit,
      ]);
      expect(await f.weth.balanceOf(f.liquidator.address)).to.equal(walletBefore + seized);
      await expectSolvent(f);
    });
  });

  describe("a failing credit model", function () {
    for (const [name, mode] of [
      ["reverts", CREDIT_MODE.Revert],
      ["answers a liquidation limit below the borrow limit", CREDIT_MODE.Inverted],
    ] as const) {
      it(`a model that ${name} falls back to the collateral figures`, async function () {
        await setUp(frozen);
        const model = await new MockCreditModel__factory(f.owner).deploy();
        await installCreditModel(f, f.poolId, await model.getAddress());
        await open([[weth, wad(10)]], usd(15_000));
        await (await model.setMode(mode)).wait();
        const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
        expect([position.modelFailed, position.liquidationLimit]).to.deep.equal([true, usd(16_000)]);
        await expect(liquidate(weth, MAX_UINT))
          .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
          .withArgs(f.poolId, f.borrower.address, usd(15_000), usd(16_000));
        await setEth(price8(1_800));
        await expect(liquidate(weth, MAX_UINT))
          .to.emit(f.suite, "LendingLiquidated")
          .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(7_500), wad("4.375"), usd(7_500));
        await expectSolvent(f);
      });
    }
  });

  describe("with interest accruing", function () {
    beforeEach(async function () {
      await setUp(live);
      await open([[weth, wad(10)]], usd(15_000));
      await networkHelpers.time.increase(90 * DAY);
    });

    it("lendingQuoteLiquidation on the pending block equals what liquidate does in it", async function () {
      const at = (await networkHelpers.time.latest()) + 100;
      await (await f.wethFeed.set(price8(1_800), at)).wait();
      await networkHelpers.time.setNextBlockTimestamp(at);
      const quote = await f.suite.lendingQuoteLiquidation(f.poolId, f.borrower.address, weth, MAX_UINT, {
        blockTag: "pending",
      });
      const debt = await f.suite.lendingDebtOf(f.poolId, f.borrower.address, { blockTag: "pending" });
      expect(quote.repaid).to.equal(debt / 2n);
      expect(quote.seized).to.equal(seizeFor(debt / 2n, ETH_BONUS, ONE_ETH, usd(1_800)));
      const event = eventOf(f, await (await liquidate(weth, MAX_UINT)).wait(), "LendingLiquidated").args;
      expect([event.repaid, event.seized]).to.deep.equal([quote.repaid, quote.seized]);
      expect(quote.badDebt).to.equal(0n);
      await expectSolvent(f);
    });

    it("LendingLiquidated reports the debt then owed, which may be a unit or two more than debt - repaid (scaled debt is cleared rounded down)", async function () {
      let aboveReported = 0;
      for (const maxRepay of [1_000_001n, usd(333), 7n, 1n]) {
        const at = (await networkHelpers.time.latest()) + 10;
        await (await f.wethFeed.set(price8(1_800), at)).wait();
        await networkHelpers.time.setNextBlockTimestamp(at);
        const debt = await f.suite.lendingDebtOf(f.poolId, f.borrower.address, { blockTag: "pending" });
        const receipt = await (await liquidate(weth, maxRepay)).wait();
        const { repaid, debtLeft } = eventOf(f, receipt, "LendingLiquidated").args;
        // Same block as the liquidation: no interest in between.
        const owed = await f.suite.lendingDebtOf(f.poolId, f.borrower.address, { blockTag: receipt!.blockNumber });
        expect([repaid, debtLeft]).to.deep.equal([maxRepay, owed]);
        expect(owed - (debt - maxRepay)).to.be.oneOf([0n, 1n, 2n]);
        if (owed > debt - maxRepay) aboveReported++;
      }
      expect(aboveReported).to.be.greaterThan(0);
      await expectSolvent(f);
    });
  });

  describe("at the parameter bounds", function () {
    const STK_PARAMS = { maxPriceAge: DAY, ltvBps: 8_999, liquidationThresholdBps: 9_000, supplyCap: wad(1e6) };
    const STK_BONUS = 1_111n;

    /**
     * A collateral at the bound (90 % × 111.11 % = 99.999 %), 100 of it at 100 USD backing
     * 8,999 (its LTV limit), then its price set to `price`.
     */
    async function atBounds(price: bigint) {
      await setUp(frozen);
      const token = await (await new MockToken__factory(f.owner).deploy("Stake", "STK", 18)).getAddress();
      const { feed } = await addCollateral(f, f.poolId, {
        token,
        price: price8(100),
        params: { ...STK_PARAMS, liquidationBonusBps: Number(STK_BONUS) },
      });
      const stk = MockToken__factory.connect(token, f.owner);
      await (await stk.mint(f.borrower.address, wad(100))).wait();
      await (await stk.connect(f.borrower).approve(f.diamondAddress, MAX_UINT)).wait();
      await open([[token, wad(100)]], usd(8_999));
      await (await feed.set(price, await networkHelpers.time.latest())).wait();
      return token;
    }

    it("threshold × (1 + bonus) must stay below 100 %; just under it, a liquidation at the threshold improves the position", async function () {
      await setUp(frozen);
      const token = await (await new MockToken__factory(f.owner).deploy("Stake", "STK", 18)).getAddress();
      // 90 % × 111.12 % = 100.008 %: refused.
      await expect(
        f.suite.setLendingCollateral(f.poolId, token, {
          feed: await f.wethFeed.getAddress(),
          ...STK_PARAMS,
          liquidationBonusBps: 1_112,
        }),
      )
        .to.be.revertedWithCustomError(f.suite, "LendingCollateralParamsInvalid")
        .withArgs(8_999, 9_000, 1_112);

      // Just past the threshold: health 0.9999991, above 90 % × 111.11 % = 0.99999.
      const price = parseUnits("99.9888", 8);
      const stk = await atBounds(price);
      const before = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect(before.healthFactor).to.be.lessThan(WAD);
      expect(before.healthFactor).to.be.greaterThan((9_000n * (BPS + STK_BONUS) * WAD) / (BPS * BPS));
      const receipt = await (await liquidate(stk, MAX_UINT)).wait();
      const { repaid, seized } = eventOf(f, receipt, "LendingLiquidated").args;
      const after = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      // The liquidator is paid at least what it repaid; the position is healthier and better covered.
      expect(valueOf(seized, price, ETH)).to.be.greaterThanOrEqual(repaid);
      expect(after.healthFactor).to.be.greaterThan(before.healthFactor);
      expect(after.collateralValue * before.debt).to.be.greaterThan(before.collateralValue * after.debt);
      expect(eventsOf(f, receipt, "LendingBadDebtRealized")).to.have.length(0);
      await expectSolvent(f, { tokens: { stk } });
    });

    it("from a health below threshold × (1 + bonus), each liquidation erodes the cover and the last writes off the rest, with no further price move", async function () {
      // 0.01 % past the threshold: health 0.99991 < 0.99999. Each liquidation pays the
      // 11.11 % bonus out of a margin of about 11.1 %, so the cover shrinks step by step.
      // (Before the dust fix, this stopped at a debt of 17.58 nobody could liquidate.)
      const price = parseUnits("99.98", 8);
      const stk = await atBounds(price);
      const poolBefore = await f.suite.lendingPool(f.poolId);
      let steps = 0;
      let bad = 0n;
      for (;;) {
        const before = await f.suite.lendingPosition(f.poolId, f.borrower.address);
        if (before.debt === 0n) break;
        expect(before.debt).to.be.greaterThan(before.liquidationLimit);
        const balance = before.collateralAmounts[2];
        const receipt = await (await liquidate(stk, MAX_UINT)).wait();
        const { repaid, seized } = eventOf(f, receipt, "LendingLiquidated").args;
        const written = eventsOf(f, receipt, "LendingBadDebtRealized");
        const after = await f.suite.lendingPosition(f.poolId, f.borrower.address);
        expect(valueOf(seized, price, ETH)).to.be.greaterThanOrEqual(repaid);
        if (written.length === 0) {
          expect(after.collateralValue).to.be.greaterThanOrEqual(after.debt);
          expect(after.collateralValue * before.debt).to.be.lessThan(before.collateralValue * after.debt);
        } else {
          // The last step: all the collateral for what it is worth, the rest written off.
          expect(seized).to.equal(balance);
          expect(repaid).to.equal(repayForAll(balance, STK_BONUS, ONE_ETH, valueOf(ONE_ETH, price, ETH)));
          bad = written[0]!.args.amount;
          expect(bad).to.equal(before.debt - repaid);
        }
        expect(++steps).to.be.lessThan(20);
      }
      expect(steps).to.equal(10);
      expect(bad).to.equal(710_017n); // 0.71 USD on 8,999
      const poolAfter = await f.suite.lendingPool(f.poolId);
      expect([poolAfter.badDebt, poolAfter.totalAssets]).to.deep.equal([bad, poolBefore.totalAssets - bad]);
      await expectSolvent(f, { tokens: { stk } });
    });
  });
});
