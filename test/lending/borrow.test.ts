// Lending borrow and repay: limits with one and two collaterals (18/8-decimal tokens, 8- and
// 18-decimal feeds, a loan asset with its own feed), caps, cash, pause, feed checks, interest
// per second through the index, reserves, repayments (partial, full, on behalf), a failing
// credit or rate model, and rounding in the pool's favour.
import { expect } from "chai";
import { network } from "hardhat";
import { parseUnits, ZeroAddress } from "ethers";

import {
  MockCreditModel__factory,
  MockPriceFeed__factory,
  MockRateModel__factory,
  MockToken__factory,
} from "../../typechain-types/index.js";
import { DAY, price8, usd, wad, WBTC_PARAMS, WETH_PARAMS, type LendingFixture } from "./fixture.js";
import {
  addCollateral,
  blockTime,
  bpsOf,
  BTC,
  ceilDiv,
  createPool,
  CREDIT_MODE,
  debtOf,
  ETH,
  eventOf,
  expectNothingChanged,
  expectSolvent,
  installCreditModel,
  kinkedRate,
  lendingFixtures,
  MAX_RATE_PER_SECOND,
  MAX_UINT,
  PoolReplay,
  RATE_MODE,
  timelocked,
  valueOf,
  WAD,
} from "../support/lending.js";
import { lendingCalls } from "../../scripts/lib/lending.js";

const { ethers, networkHelpers } = await network.create();
const { frozen, live } = lendingFixtures(ethers);

describe("lending: borrow and repay", function () {
  let f: LendingFixture;
  let weth: string;
  let wbtc: string;

  async function setUp(fixture: () => Promise<LendingFixture>, liquidity = usd(100_000)) {
    f = await networkHelpers.loadFixture(fixture);
    [weth, wbtc] = [await f.weth.getAddress(), await f.wbtc.getAddress()];
    if (liquidity > 0n)
      await (await f.suite.connect(f.supplier).supply(f.poolId, liquidity, f.supplier.address)).wait();
  }

  async function post(token: string, amount: bigint, who = f.borrower) {
    await (await f.suite.connect(who).supplyCollateral(f.poolId, token, amount, who.address)).wait();
  }

  describe("limits", function () {
    beforeEach(() => setUp(live));

    it("one collateral: exactly value × LTV (rounded down) may be borrowed, one unit more reverts", async function () {
      const amount = 1_234_567_890_123_456_789n;
      const price = parseUnits("1987.65432101", 8);
      await (await f.wethFeed.set(price, await networkHelpers.time.latest())).wait();
      await post(weth, amount);
      const limit = bpsOf(valueOf(amount, price, ETH), WETH_PARAMS.ltvBps);
      expect((await f.suite.lendingPosition(f.poolId, f.borrower.address)).borrowLimit).to.equal(limit);

      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).borrow(f.poolId, limit + 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
          .withArgs(f.poolId, f.borrower.address, limit + 1n, limit),
      );
      const carolBefore = await f.usdc.balanceOf(f.carol.address);
      await expect(f.suite.connect(f.borrower).borrow(f.poolId, limit, f.carol.address))
        .to.emit(f.suite, "LendingBorrowed")
        .withArgs(f.poolId, f.borrower.address, f.carol.address, limit, limit);
      expect(await f.usdc.balanceOf(f.carol.address)).to.equal(carolBefore + limit);
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(limit);
      expect((await f.suite.lendingPool(f.poolId)).cash).to.equal(usd(100_000) - limit);
      await expectSolvent(f);
    });

    it("two collaterals (18 and 8 decimals): the sum of each value × its LTV, each rounded down", async function () {
      const ethAmount = wad("1.5") + 7n;
      const btcAmount = 1_234_567n; // 0.01234567 WBTC
      const btcPrice = parseUnits("60123.45678901", 8);
      await (await f.wbtcFeed.set(btcPrice, await networkHelpers.time.latest())).wait();
      await post(weth, ethAmount);
      await post(wbtc, btcAmount);
      const limit =
        bpsOf(valueOf(ethAmount, price8(2_000), ETH), WETH_PARAMS.ltvBps) +
        bpsOf(valueOf(btcAmount, btcPrice, BTC), WBTC_PARAMS.ltvBps);
      const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect(position.borrowLimit).to.equal(limit);
      expect(position.collateralValue).to.equal(
        valueOf(ethAmount, price8(2_000), ETH) + valueOf(btcAmount, btcPrice, BTC),
      );
      await expect(f.suite.connect(f.borrower).borrow(f.poolId, limit + 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(f.poolId, f.borrower.address, limit + 1n, limit);
      await (await f.suite.connect(f.borrower).borrow(f.poolId, limit, f.borrower.address)).wait();
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(limit);
      await expectSolvent(f);
    });

    it("a collateral priced by an 18-decimal feed, in a pool whose loan asset has its own (18-decimal) feed", async function () {
      // A euro pool: collateral feeds quote in USD, the loan asset's feed gives EUR/USD.
      const eurc = await new MockToken__factory(f.owner).deploy("Euro Coin", "EURC", 6);
      const eurUsd = parseUnits("1.0825", 18);
      const eurFeed = await new MockPriceFeed__factory(f.owner).deploy(18, eurUsd);
      const pool = await createPool(f, {
        asset: await eurc.getAddress(),
        priceFeed: await eurFeed.getAddress(),
        priceMaxAge: 3_600,
        name: "Finsuite EUR pool",
        symbol: "fsEUR",
      });
      const linkPrice = parseUnits("14.123456789012345678", 18);
      const link = await addCollateral(f, pool.poolId, {
        decimals: 18,
        feedDecimals: 18,
        price: linkPrice,
        params: {
          maxPriceAge: DAY,
          ltvBps: 6_000,
          liquidationThresholdBps: 7_000,
          liquidationBonusBps: 700,
          supplyCap: wad(1e6),
        },
      });
      await timelocked(f, [lendingCalls.setCollateral(pool.poolId, weth, f.wethCollateral)]);
      const linkToken = MockToken__factory.connect(link.token, f.owner);
      await (await eurc.mint(f.supplier.address, usd(100_000))).wait();
      await (await eurc.connect(f.supplier).approve(f.diamondAddress, MAX_UINT)).wait();
      await (await f.suite.connect(f.supplier).supply(pool.poolId, usd(100_000), f.supplier.address)).wait();
      await (await linkToken.mint(f.borrower.address, wad(1_000))).wait();
      await (await linkToken.connect(f.borrower).approve(f.diamondAddress, MAX_UINT)).wait();
      const linkAmount = wad(123) + 456n;
      await (await f.suite.connect(f.borrower).supplyCollateral(pool.poolId, weth, wad(2), f.borrower.address)).wait();
      await (
        await f.suite.connect(f.borrower).supplyCollateral(pool.poolId, link.token, linkAmount, f.borrower.address)
      ).wait();

      const inEur = { assetDecimals: 6n, loanPrice: eurUsd, loanPriceDecimals: 18n };
      const limit =
        bpsOf(valueOf(wad(2), price8(2_000), { ...ETH, ...inEur }), WETH_PARAMS.ltvBps) +
        bpsOf(valueOf(linkAmount, linkPrice, { tokenDecimals: 18n, feedDecimals: 18n, ...inEur }), 6_000);
      // 2 WETH ≈ 3,695.15 EUR → 2,771.36; 123 LINK ≈ 1,604.78 EUR → 962.87.
      expect(limit / 10n ** 6n).to.equal(3_734n);
      await expect(f.suite.connect(f.borrower).borrow(pool.poolId, limit + 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(pool.poolId, f.borrower.address, limit + 1n, limit);
      await expect(f.suite.connect(f.borrower).borrow(pool.poolId, limit, f.borrower.address))
        .to.emit(f.suite, "LendingBorrowed")
        .withArgs(pool.poolId, f.borrower.address, f.borrower.address, limit, limit);

      // The loan asset's feed is read too: stale, it blocks borrowing; repaying reads no price.
      const stale = (await networkHelpers.time.latest()) - 3_601;
      await (await eurFeed.set(eurUsd, stale)).wait();
      await (await eurc.connect(f.borrower).approve(f.diamondAddress, MAX_UINT)).wait();
      await expect(f.suite.connect(f.borrower).borrow(pool.poolId, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "FeedPriceStale")
        .withArgs(await eurFeed.getAddress(), stale, 3_600);
      await expect(f.suite.connect(f.borrower).repay(pool.poolId, usd(100), f.borrower.address)).to.emit(
        f.suite,
        "LendingRepaid",
      );
      await expectSolvent(f, { tokens: { eurc: await eurc.getAddress(), link: link.token } });
    });

    it("a stale feed of a collateral the borrower does not hold does not matter", async function () {
      await post(weth, wad(1));
      await (await f.wbtcFeed.set(price8(60_000), 1n)).wait();
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(1_500), f.borrower.address)).wait();
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(usd(1_500));
    });
  });

  describe("refusals", function () {
    beforeEach(() => setUp(frozen));

    it("reverts with LendingBorrowCapExceeded(poolId, borrowsAfter, cap) counting every borrower", async function () {
      const cap = usd(5_000);
      await (await f.suite.setLendingPoolLimits(f.poolId, 1_000, usd(10_000_000), cap, usd(10))).wait();
      await post(weth, wad(10));
      await post(weth, wad(10), f.carol);
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).borrow(f.poolId, cap + 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowCapExceeded")
          .withArgs(f.poolId, cap + 1n, cap),
      );
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(3_000), f.borrower.address)).wait();
      await expect(f.suite.connect(f.carol).borrow(f.poolId, usd(2_000) + 1n, f.carol.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowCapExceeded")
        .withArgs(f.poolId, cap + 1n, cap);
      await (await f.suite.connect(f.carol).borrow(f.poolId, usd(2_000), f.carol.address)).wait();
      expect((await f.suite.lendingPool(f.poolId)).borrows).to.equal(cap);
      await expectSolvent(f);
    });

    it("reverts with LendingInsufficientCash(poolId, requested, available)", async function () {
      await setUp(frozen, usd(1_000));
      await post(weth, wad(10));
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).borrow(f.poolId, usd(1_000) + 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCash")
          .withArgs(f.poolId, usd(1_000) + 1n, usd(1_000)),
      );
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(1_000), f.borrower.address)).wait();
      await expect(f.suite.connect(f.borrower).borrow(f.poolId, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCash")
        .withArgs(f.poolId, 1n, 0n);
      await expectSolvent(f);
    });

    it("reverts with LendingBorrowPaused(poolId) while borrowing is paused, not while only supply is", async function () {
      await post(weth, wad(10));
      await (await f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, false, true)).wait();
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).borrow(f.poolId, usd(100), f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowPaused")
          .withArgs(f.poolId),
      );
      await (await f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, true, false)).wait();
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(100), f.borrower.address)).wait();
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(usd(100));
    });

    it("reverts with LendingZeroAmount and LendingReceiverInvalid", async function () {
      await post(weth, wad(10));
      await expectNothingChanged(f, async () => {
        await expect(
          f.suite.connect(f.borrower).borrow(f.poolId, 0n, f.borrower.address),
        ).to.be.revertedWithCustomError(f.suite, "LendingZeroAmount");
        for (const to of [ZeroAddress, f.diamondAddress]) {
          await expect(f.suite.connect(f.borrower).borrow(f.poolId, 1n, to))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(to);
        }
      });
    });

    it("accepts a price exactly maxPriceAge old; one second older reverts with FeedPriceStale(feed, updatedAt, maxAge)", async function () {
      await post(weth, wad(10));
      const feed = await f.wethFeed.getAddress();
      const updatedAt = await networkHelpers.time.latest();
      await (await f.wethFeed.set(price8(2_000), updatedAt)).wait();
      await networkHelpers.time.setNextBlockTimestamp(updatedAt + DAY);
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(1), f.borrower.address)).wait();
      await networkHelpers.time.setNextBlockTimestamp(updatedAt + DAY + 1);
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).borrow(f.poolId, usd(1), f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "FeedPriceStale")
          .withArgs(feed, updatedAt, DAY),
      );
    });

    it("reverts on a future-dated (FeedPriceStale), zero or negative (FeedPriceInvalid) price", async function () {
      await post(weth, wad(10));
      const feed = await f.wethFeed.getAddress();
      const future = (await networkHelpers.time.latest()) + 600;
      await (await f.wethFeed.set(price8(2_000), future)).wait();
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).borrow(f.poolId, usd(1), f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "FeedPriceStale")
          .withArgs(feed, future, DAY),
      );
      for (const answer of [0n, -1n, -price8(2_000)]) {
        await (await f.wethFeed.set(answer, await networkHelpers.time.latest())).wait();
        await expectNothingChanged(f, () =>
          expect(f.suite.connect(f.borrower).borrow(f.poolId, usd(1), f.borrower.address))
            .to.be.revertedWithCustomError(f.suite, "FeedPriceInvalid")
            .withArgs(feed, answer),
        );
      }
    });
  });

  describe("interest", function () {
    beforeEach(() => setUp(live));

    /** Borrows `amount` against 150 WETH; returns the replayed pool from the borrow on. */
    async function borrowed(amount: bigint): Promise<PoolReplay> {
      await post(weth, wad(150));
      const receipt = await (await f.suite.connect(f.borrower).borrow(f.poolId, amount, f.borrower.address)).wait();
      const replay = new PoolReplay(usd(100_000), 0n, WAD, 0n, 0n, await blockTime(ethers, receipt), 1_000n);
      replay.borrow(amount);
      return replay;
    }

    /** Keeps the WETH feed fresh at time `at`. */
    const freshAt = async (at: bigint) => (await f.wethFeed.set(price8(2_000), at)).wait();

    it("accrues per second through the index at the kinked model's rate below the kink; reserves take their share", async function () {
      const replay = await borrowed(usd(60_000)); // 60 % utilization
      const t0 = replay.lastAccrual;
      const scaled = usd(60_000);

      // The views accrue up to the block without writing.
      await networkHelpers.time.increaseTo(t0 + 3_600n);
      const rate = kinkedRate(usd(40_000), usd(60_000));
      expect(rate).to.equal(await f.rateModel.borrowRatePerSecond(usd(40_000), usd(60_000)));
      const index1h = WAD + (WAD * rate * 3_600n) / WAD;
      expect((await f.suite.lendingPool(f.poolId)).borrowIndex).to.equal(index1h);
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(debtOf(scaled, index1h));

      // A repayment two hours in writes the accrual: the event carries interest, reserves, index.
      await networkHelpers.time.setNextBlockTimestamp(t0 + 7_200n);
      const accrued = replay.accrue(t0 + 7_200n)!;
      expect(accrued.rate).to.equal(rate);
      const debt = debtOf(scaled, accrued.index);
      const tx = f.suite.connect(f.borrower).repay(f.poolId, usd(1), f.borrower.address);
      await expect(tx)
        .to.emit(f.suite, "LendingInterestAccrued")
        .withArgs(f.poolId, accrued.interest, accrued.toReserves, accrued.index);
      await expect(tx)
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(
          f.poolId,
          f.borrower.address,
          f.borrower.address,
          usd(1),
          debtOf(scaled - (usd(1) * WAD) / accrued.index, accrued.index),
        );
      expect(debt).to.be.greaterThan(usd(1));
      expect(accrued.toReserves).to.equal(bpsOf(accrued.interest, 1_000));
      const pool = await f.suite.lendingPool(f.poolId);
      expect(pool.reserves).to.equal(accrued.toReserves);
      expect(pool.borrowIndex).to.equal(accrued.index);
      const { cleared } = replay.repay(usd(1), scaled);

      // A day later, at the rate the new state gives, type(uint256).max repays exactly the debt.
      const t2 = t0 + 7_200n + BigInt(DAY);
      await freshAt(t2);
      await networkHelpers.time.setNextBlockTimestamp(t2);
      const second = replay.accrue(t2)!;
      expect(second.rate).to.equal(kinkedRate(replay.cash, debtOf(scaled - cleared, accrued.index)));
      const owed = debtOf(scaled - cleared, second.index);
      const walletBefore = await f.usdc.balanceOf(f.borrower.address);
      const full = f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address);
      await expect(full)
        .to.emit(f.suite, "LendingInterestAccrued")
        .withArgs(f.poolId, second.interest, second.toReserves, second.index);
      await expect(full)
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(f.poolId, f.borrower.address, f.borrower.address, owed, 0n);
      expect(await f.usdc.balanceOf(f.borrower.address)).to.equal(walletBefore - owed);
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
      const after = await f.suite.lendingPool(f.poolId);
      expect(after.borrows).to.equal(0n);
      expect(after.reserves).to.equal(accrued.toReserves + second.toReserves);
      // What suppliers own grew by the interest less the reserves' share, plus what the
      // rounding of the partial repayment left with the pool.
      expect(after.cash).to.equal(usd(100_000) - usd(60_000) + usd(1) + owed);
      expect(after.totalAssets).to.equal(after.cash - after.reserves);
      expect(after.totalAssets).to.be.greaterThanOrEqual(
        usd(100_000) + accrued.interest + second.interest - after.reserves,
      );
      await expectSolvent(f);
    });

    it("accrues on the steep slope above the kink", async function () {
      const replay = await borrowed(usd(90_000)); // 90 % utilization
      const at = replay.lastAccrual + 12_345n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      const accrued = replay.accrue(at)!;
      const base = kinkedRate(0n, 0n);
      expect(accrued.rate).to.equal(kinkedRate(usd(10_000), usd(90_000)));
      expect(accrued.rate).to.be.greaterThan(base + (kinkedRate(usd(20_000), usd(80_000)) - base));
      await expect(f.suite.connect(f.borrower).repay(f.poolId, usd(1), f.borrower.address))
        .to.emit(f.suite, "LendingInterestAccrued")
        .withArgs(f.poolId, accrued.interest, accrued.toReserves, accrued.index);
      await expectSolvent(f);
    });
  });

  describe("repay", function () {
    beforeEach(async function () {
      await setUp(frozen);
      await post(weth, wad(10));
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(1_000), f.borrower.address)).wait();
    });

    it("repays part of the debt: LendingRepaid(poolId, borrower, payer, amount, debtLeft)", async function () {
      const before = await f.usdc.balanceOf(f.borrower.address);
      await expect(f.suite.connect(f.borrower).repay(f.poolId, usd(400), f.borrower.address))
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(f.poolId, f.borrower.address, f.borrower.address, usd(400), usd(600));
      expect(await f.usdc.balanceOf(f.borrower.address)).to.equal(before - usd(400));
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(usd(600));
      expect((await f.suite.lendingPool(f.poolId)).cash).to.equal(usd(99_400));
      await expectSolvent(f);
    });

    it("more than the debt repays only the debt; type(uint256).max clears the position, whose collateral then leaves without a price", async function () {
      expect(await f.suite.connect(f.borrower).repay.staticCall(f.poolId, usd(5_000), f.borrower.address)).to.equal(
        usd(1_000),
      );
      const before = await f.usdc.balanceOf(f.borrower.address);
      await expect(f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address))
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(f.poolId, f.borrower.address, f.borrower.address, usd(1_000), 0n);
      expect(await f.usdc.balanceOf(f.borrower.address)).to.equal(before - usd(1_000));
      const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect(position.debt).to.equal(0n);
      expect(position.healthFactor).to.equal(MAX_UINT);
      expect((await f.suite.lendingPool(f.poolId)).borrows).to.equal(0n);
      await (await f.wethFeed.set(0n, 1n)).wait();
      await (await f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
      await expectSolvent(f);
    });

    it("anyone may repay for a borrower: the payer pays", async function () {
      const [carolBefore, borrowerBefore] = [
        await f.usdc.balanceOf(f.carol.address),
        await f.usdc.balanceOf(f.borrower.address),
      ];
      await expect(f.suite.connect(f.carol).repay(f.poolId, MAX_UINT, f.borrower.address))
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(f.poolId, f.borrower.address, f.carol.address, usd(1_000), 0n);
      expect(await f.usdc.balanceOf(f.carol.address)).to.equal(carolBefore - usd(1_000));
      expect(await f.usdc.balanceOf(f.borrower.address)).to.equal(borrowerBefore);
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("reverts with LendingNoDebt(poolId, borrower) without debt and LendingZeroAmount for zero", async function () {
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.carol).repay(f.poolId, usd(1), f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingNoDebt")
          .withArgs(f.poolId, f.carol.address);
        await expect(f.suite.connect(f.borrower).repay(f.poolId, 0n, f.borrower.address)).to.be.revertedWithCustomError(
          f.suite,
          "LendingZeroAmount",
        );
      });
      await (await f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address)).wait();
      await expect(f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingNoDebt")
        .withArgs(f.poolId, f.borrower.address);
    });

    it("repay and top-up work while the pool is paused; borrowing does not", async function () {
      await (await f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, true, true)).wait();
      await expect(f.suite.connect(f.borrower).repay(f.poolId, usd(250), f.borrower.address))
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(f.poolId, f.borrower.address, f.borrower.address, usd(250), usd(750));
      await (await f.suite.connect(f.carol).supplyCollateral(f.poolId, wbtc, 1_000n, f.borrower.address)).wait();
      await expect(f.suite.connect(f.borrower).borrow(f.poolId, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowPaused")
        .withArgs(f.poolId);
      await expectSolvent(f);
    });

    it("repay and top-up work while the credit model reverts; borrowing reverts with LendingCreditModelFailed", async function () {
      const model = await new MockCreditModel__factory(f.owner).deploy();
      const modelAddress = await model.getAddress();
      await installCreditModel(f, f.poolId, modelAddress);
      await (await model.setMode(CREDIT_MODE.Revert)).wait();
      await expect(f.suite.connect(f.borrower).repay(f.poolId, usd(250), f.borrower.address))
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(f.poolId, f.borrower.address, f.borrower.address, usd(250), usd(750));
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(1), f.borrower.address)).wait();
      await expect(f.suite.connect(f.borrower).borrow(f.poolId, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingCreditModelFailed")
        .withArgs(f.poolId, modelAddress);
      await expectSolvent(f);
    });
  });

  describe("a failing rate model", function () {
    beforeEach(() => setUp(live));

    /**
     * Borrows 60,000 against 150 WETH, accrues once with the kinked model, then installs
     * `model` through the timelock (its execution accrues at the kinked rate once more).
     * Returns the replay, whose last rate is the last good one.
     */
    async function swapTo(model: string) {
      await post(weth, wad(150));
      const receipt = await (
        await f.suite.connect(f.borrower).borrow(f.poolId, usd(60_000), f.borrower.address)
      ).wait();
      const replay = new PoolReplay(usd(100_000), 0n, WAD, 0n, 0n, await blockTime(ethers, receipt), 1_000n);
      replay.borrow(usd(60_000));
      let scaled = usd(60_000);
      const repaid = await (await f.suite.connect(f.borrower).repay(f.poolId, usd(5), f.borrower.address)).wait();
      replay.accrue(await blockTime(ethers, repaid));
      scaled -= replay.repay(usd(5), scaled).cleared;
      const executed = await timelocked(f, [lendingCalls.setRateModel(f.poolId, model)]);
      const last = replay.accrue(await blockTime(ethers, executed))!;
      expect(eventOf(f, executed, "LendingInterestAccrued").args.borrowIndex).to.equal(last.index);
      expect(scaled).to.be.lessThan(usd(60_000));
      return { replay, lastGood: last.rate };
    }

    /** Repays one unit at `at` and expects the accrual the replay computes. */
    async function expectAccrualAt(replay: PoolReplay, at: bigint) {
      await (await f.wethFeed.set(price8(2_000), at)).wait();
      await networkHelpers.time.setNextBlockTimestamp(at);
      const accrued = replay.accrue(at)!;
      await expect(f.suite.connect(f.borrower).repay(f.poolId, 1n, f.borrower.address))
        .to.emit(f.suite, "LendingInterestAccrued")
        .withArgs(f.poolId, accrued.interest, accrued.toReserves, accrued.index);
      return accrued;
    }

    for (const [name, mode] of [
      ["reverts", RATE_MODE.Revert],
      ["burns all its gas", RATE_MODE.BurnGas],
      ["answers garbage", RATE_MODE.Garbage],
    ] as const) {
      it(`a model that ${name} does not freeze the pool: interest accrues at the last good rate`, async function () {
        const model = await new MockRateModel__factory(f.owner).deploy();
        await (await model.set(mode, 0n)).wait();
        const { replay, lastGood } = await swapTo(await model.getAddress());
        replay.rateOf = () => null;
        const accrued = await expectAccrualAt(replay, replay.lastAccrual + 5_000n);
        expect(accrued.rate).to.equal(lastGood);
        // Repaying in full and borrowing again still work.
        await (await f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address)).wait();
        await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(10), f.borrower.address)).wait();
        await expectSolvent(f);
      });
    }

    it("an absurd answer is capped at MAX_RATE_PER_SECOND, and the cap is the last good rate after a failure", async function () {
      const model = await new MockRateModel__factory(f.owner).deploy();
      await (await model.set(RATE_MODE.Answer, 10n ** 30n)).wait();
      const { replay } = await swapTo(await model.getAddress());
      replay.rateOf = () => 10n ** 30n;
      const capped = await expectAccrualAt(replay, replay.lastAccrual + 100n);
      expect(capped.rate).to.equal(MAX_RATE_PER_SECOND);
      await (await model.set(RATE_MODE.Revert, 0n)).wait();
      replay.rateOf = () => null;
      const after = await expectAccrualAt(replay, replay.lastAccrual + 100n);
      expect(after.rate).to.equal(MAX_RATE_PER_SECOND);
      await expectSolvent(f);
    });

    it("a zero answer is a good answer: a later failure keeps the zero rate", async function () {
      const model = await new MockRateModel__factory(f.owner).deploy();
      await (await model.set(RATE_MODE.Answer, 0n)).wait();
      await swapTo(await model.getAddress());
      const debt = async () => f.suite.lendingDebtOf(f.poolId, f.borrower.address);
      // A repayment an hour later accrues nothing at zero; the pool records zero as its rate.
      await networkHelpers.time.increase(3_600);
      await expect(f.suite.connect(f.borrower).repay(f.poolId, 1n, f.borrower.address)).not.to.emit(
        f.suite,
        "LendingInterestAccrued",
      );
      const atZero = await debt();
      // The model then fails: the last rate it gave was zero, so the debt stays put.
      await (await model.set(RATE_MODE.Revert, 0n)).wait();
      await networkHelpers.time.increase(3_600);
      expect(await debt()).to.equal(atZero);
      expect((await f.suite.lendingPool(f.poolId)).borrowRatePerSecond).to.equal(0n);
      await expect(f.suite.connect(f.borrower).repay(f.poolId, 1n, f.borrower.address)).not.to.emit(
        f.suite,
        "LendingInterestAccrued",
      );
    });
  });

  describe("rounding favours the pool", function () {
    it("debt added rounds up, a partial repayment clears scaled debt rounded down; LendingRepaid reports the debt then owed, which may exceed debt - repaid", async function () {
      await setUp(live);
      await post(weth, wad(100));
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(30_000), f.borrower.address)).wait();
      let scaled = usd(30_000); // borrowed at index 1
      // Let interest move the index off 1, then hold it there.
      await networkHelpers.time.increase(37 * DAY + 13);
      const zero = await new MockRateModel__factory(f.owner).deploy();
      await timelocked(f, [lendingCalls.setRateModel(f.poolId, await zero.getAddress())]);
      const index = (await f.suite.lendingPool(f.poolId)).borrowIndex;
      expect(index).to.be.greaterThan(WAD);
      await (await f.wethFeed.set(price8(2_000), (await networkHelpers.time.latest()) + 3_600)).wait();
      await networkHelpers.time.increase(3_600);

      for (const amount of [1n, 2n, 3n, 999_999n, 1_234_567n]) {
        const before = debtOf(scaled, index);
        scaled += ceilDiv(amount * WAD, index);
        const after = debtOf(scaled, index);
        await expect(f.suite.connect(f.borrower).borrow(f.poolId, amount, f.borrower.address))
          .to.emit(f.suite, "LendingBorrowed")
          .withArgs(f.poolId, f.borrower.address, f.borrower.address, amount, after);
        expect(after - before).to.be.greaterThanOrEqual(amount);
      }
      let paid = 0n;
      let aboveReported = 0;
      const start = debtOf(scaled, index);
      for (const amount of [1n, 1n, 2n, 3n, 5n, 7n, 11n, 13n, 999n, 1_000_001n, 123_456_789n, 7_777_777_777n]) {
        const before = debtOf(scaled, index);
        scaled -= (amount * WAD) / index;
        const after = debtOf(scaled, index);
        // The event reports what the borrower owes: the scaled debt left at the index.
        await expect(f.suite.connect(f.borrower).repay(f.poolId, amount, f.borrower.address))
          .to.emit(f.suite, "LendingRepaid")
          .withArgs(f.poolId, f.borrower.address, f.borrower.address, amount, after);
        expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(after);
        expect(after - (before - amount)).to.be.oneOf([0n, 1n, 2n]);
        if (after > before - amount) aboveReported++;
        paid += amount;
      }
      // A repayment of one unit at an index above 1 clears nothing: it happens here.
      expect(aboveReported).to.be.greaterThan(0);
      // The pool was paid at least what the debt went down by.
      expect(paid).to.be.greaterThanOrEqual(start - debtOf(scaled, index));
      const rest = debtOf(scaled, index);
      await expect(f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address))
        .to.emit(f.suite, "LendingRepaid")
        .withArgs(f.poolId, f.borrower.address, f.borrower.address, rest, 0n);
      expect((await f.suite.lendingPool(f.poolId)).borrows).to.equal(0n);
      await expectSolvent(f);
    });
  });
});
