// Lending collateral: supplying it (for oneself or another), caps, fee-on-transfer tokens,
// withdrawing it with the borrow-limit re-check, and no price read without debt.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress } from "ethers";

import { lendingCalls } from "../../scripts/lib/lending.js";
import { MockFeeOnTransferToken__factory, MockToken__factory } from "../../typechain-types/index.js";
import { DAY, price8, usd, wad, WETH_PARAMS, WBTC_PARAMS, type LendingFixture } from "./fixture.js";
import {
  blockTime,
  bpsOf,
  BTC,
  ceilDiv,
  createPool,
  ETH,
  expectNothingChanged,
  expectSolvent,
  lendingFixtures,
  PoolReplay,
  timelocked,
  valueOf,
  WAD,
} from "../support/lending.js";

const { ethers, networkHelpers } = await network.create();
const { frozen, live } = lendingFixtures(ethers);

describe("lending: collateral", function () {
  let f: LendingFixture;
  let weth: string;
  let wbtc: string;

  async function supplyLiquidity(amount = usd(100_000)) {
    await (await f.suite.connect(f.supplier).supply(f.poolId, amount, f.supplier.address)).wait();
  }

  describe("supplyCollateral", function () {
    beforeEach(async function () {
      f = await networkHelpers.loadFixture(frozen);
      [weth, wbtc] = [await f.weth.getAddress(), await f.wbtc.getAddress()];
    });

    it("adds to the caller's own position, pulls the tokens and emits LendingCollateralSupplied", async function () {
      const walletBefore = await f.weth.balanceOf(f.borrower.address);
      await expect(f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(2), f.borrower.address))
        .to.emit(f.suite, "LendingCollateralSupplied")
        .withArgs(f.poolId, f.borrower.address, weth, f.borrower.address, wad(2));
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, wbtc, 3n, f.borrower.address)).wait();

      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(wad(2));
      expect(await f.weth.balanceOf(f.borrower.address)).to.equal(walletBefore - wad(2));
      expect(await f.weth.balanceOf(f.diamondAddress)).to.equal(wad(2));
      const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect(position.collaterals).to.deep.equal([weth, wbtc]);
      expect(position.collateralAmounts).to.deep.equal([wad(2), 3n]);
      expect(position.debt).to.equal(0n);
      expect(position.collateralValue).to.equal(valueOf(wad(2), price8(2_000), ETH) + valueOf(3n, price8(60_000), BTC));
      await expectSolvent(f);
    });

    it("tops up another borrower's position from the caller's tokens", async function () {
      const carolBefore = await f.weth.balanceOf(f.carol.address);
      const borrowerBefore = await f.weth.balanceOf(f.borrower.address);
      await expect(f.suite.connect(f.carol).supplyCollateral(f.poolId, weth, wad(1.5), f.borrower.address))
        .to.emit(f.suite, "LendingCollateralSupplied")
        .withArgs(f.poolId, f.borrower.address, weth, f.carol.address, wad(1.5));
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(wad(1.5));
      expect(await f.suite.lendingCollateralOf(f.poolId, f.carol.address, weth)).to.equal(0n);
      expect(await f.weth.balanceOf(f.carol.address)).to.equal(carolBefore - wad(1.5));
      expect(await f.weth.balanceOf(f.borrower.address)).to.equal(borrowerBefore);
      // Only the borrower may take it out again.
      await expect(f.suite.connect(f.carol).withdrawCollateral(f.poolId, weth, wad(1.5), f.carol.address))
        .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCollateral")
        .withArgs(f.poolId, f.carol.address, weth, wad(1.5), 0n);
      await expectSolvent(f);
    });

    it("reverts with LendingNotCollateral for the loan asset and for tokens the pool does not list", async function () {
      const stranger = await new MockToken__factory(f.owner).deploy("Stranger", "STR", 18);
      const usdc = await f.usdc.getAddress();
      for (const token of [usdc, await stranger.getAddress(), ZeroAddress]) {
        await expectNothingChanged(f, () =>
          expect(f.suite.connect(f.borrower).supplyCollateral(f.poolId, token, 1n, f.borrower.address))
            .to.be.revertedWithCustomError(f.suite, "LendingNotCollateral")
            .withArgs(f.poolId, token),
        );
      }
    });

    it("reverts with LendingPoolUnknown for a pool that does not exist", async function () {
      await expect(f.suite.connect(f.borrower).supplyCollateral(99n, weth, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
        .withArgs(99n);
    });

    it("reverts with LendingZeroAmount for zero and LendingReceiverInvalid for the zero address or the diamond", async function () {
      await expectNothingChanged(f, async () => {
        await expect(
          f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, 0n, f.borrower.address),
        ).to.be.revertedWithCustomError(f.suite, "LendingZeroAmount");
        for (const to of [ZeroAddress, f.diamondAddress]) {
          await expect(f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, 1n, to))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(to);
        }
      });
    });

    it("reverts with LendingCollateralCapExceeded(poolId, token, totalAfter, cap) past the cap, which counts every borrower", async function () {
      // The admin may lower a cap directly.
      const cap = wad(5);
      await (await f.suite.setLendingCollateral(f.poolId, weth, { ...f.wethCollateral, supplyCap: cap })).wait();
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(3), f.borrower.address)).wait();
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.carol).supplyCollateral(f.poolId, weth, wad(2) + 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingCollateralCapExceeded")
          .withArgs(f.poolId, weth, cap + 1n, cap),
      );
      // The cap itself is reachable.
      await (await f.suite.connect(f.carol).supplyCollateral(f.poolId, weth, wad(2), f.carol.address)).wait();
      expect(await f.suite.lendingBooks(weth)).to.equal(cap);
      // A zero cap refuses any new collateral, but what is posted stays withdrawable.
      await (await f.suite.setLendingCollateral(f.poolId, weth, { ...f.wethCollateral, supplyCap: 0n })).wait();
      await expect(f.suite.connect(f.carol).supplyCollateral(f.poolId, weth, 1n, f.carol.address))
        .to.be.revertedWithCustomError(f.suite, "LendingCollateralCapExceeded")
        .withArgs(f.poolId, weth, cap + 1n, 0n);
      await (await f.suite.connect(f.carol).withdrawCollateral(f.poolId, weth, wad(2), f.carol.address)).wait();
      await expectSolvent(f);
    });

    it("refuses a fee-on-transfer collateral with LendingTokenShortfall(token, expected, received)", async function () {
      const fot = await new MockFeeOnTransferToken__factory(f.owner).deploy();
      const fotAddress = await fot.getAddress();
      const feed = f.wethFeed; // any 8-decimal feed will do: the pull fails before any price is read
      await timelocked(f, [
        lendingCalls.setCollateral(f.poolId, fotAddress, { feed: await feed.getAddress(), ...WETH_PARAMS }),
      ]);
      await (await fot.mint(f.borrower.address, wad(1_000))).wait();
      await (await fot.connect(f.borrower).approve(f.diamondAddress, wad(1_000))).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.suite.connect(f.borrower).supplyCollateral(f.poolId, fotAddress, wad(100), f.borrower.address))
            .to.be.revertedWithCustomError(f.suite, "LendingTokenShortfall")
            .withArgs(fotAddress, wad(100), wad(99)),
        { fot },
      );
      await expectSolvent(f, { tokens: { fot: fotAddress } });
    });

    it("works while the pool's supply and borrowing are paused", async function () {
      await (await f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, true, true)).wait();
      await expect(f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(1), f.borrower.address))
        .to.emit(f.suite, "LendingCollateralSupplied")
        .withArgs(f.poolId, f.borrower.address, weth, f.borrower.address, wad(1));
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(1), f.borrower.address))
        .to.emit(f.suite, "LendingCollateralWithdrawn")
        .withArgs(f.poolId, f.borrower.address, weth, f.borrower.address, wad(1));
      await expectSolvent(f);
    });

    it("counts only in its own pool: collateral in one pool gives no limit in another", async function () {
      const other = await createPool(f, { name: "Second", symbol: "fs2" });
      await timelocked(f, [lendingCalls.setCollateral(other.poolId, weth, f.wethCollateral)]);
      await (await f.suite.connect(f.supplier).supply(other.poolId, usd(10_000), f.supplier.address)).wait();
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
      await expect(f.suite.connect(f.borrower).borrow(other.poolId, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(other.poolId, f.borrower.address, 1n, 0n);
      // The books of the token count both pools' collateral lists.
      await (await f.suite.connect(f.carol).supplyCollateral(other.poolId, weth, wad(1), f.carol.address)).wait();
      expect(await f.suite.lendingBooks(weth)).to.equal(wad(11));
      await expectSolvent(f);
    });
  });

  describe("withdrawCollateral", function () {
    beforeEach(async function () {
      f = await networkHelpers.loadFixture(frozen);
      [weth, wbtc] = [await f.weth.getAddress(), await f.wbtc.getAddress()];
      await supplyLiquidity();
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
    });

    it("without debt sends the collateral to any receiver and emits LendingCollateralWithdrawn", async function () {
      const carolBefore = await f.weth.balanceOf(f.carol.address);
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(4), f.carol.address))
        .to.emit(f.suite, "LendingCollateralWithdrawn")
        .withArgs(f.poolId, f.borrower.address, weth, f.carol.address, wad(4));
      expect(await f.weth.balanceOf(f.carol.address)).to.equal(carolBefore + wad(4));
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(wad(6));
      // All of the rest.
      await (await f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(6), f.borrower.address)).wait();
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(0n);
      expect(await f.suite.lendingBooks(weth)).to.equal(0n);
      await expectSolvent(f);
    });

    it("without debt reads no price: works with a stale, a future-dated, a zero and a negative feed", async function () {
      const now = await networkHelpers.time.latest();
      const answers: [bigint, number][] = [
        [price8(2_000), now - DAY - 3_600], // stale
        [price8(2_000), now + 3_600], // from the future
        [0n, now],
        [-1n, now],
      ];
      for (const [answer, updatedAt] of answers) {
        await (await f.wethFeed.set(answer, updatedAt)).wait();
        await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(1), f.borrower.address))
          .to.emit(f.suite, "LendingCollateralWithdrawn")
          .withArgs(f.poolId, f.borrower.address, weth, f.borrower.address, wad(1));
      }
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(wad(6));
      await expectSolvent(f);
    });

    it("reverts with LendingInsufficientCollateral(poolId, borrower, token, requested, balance)", async function () {
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(10) + 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCollateral")
          .withArgs(f.poolId, f.borrower.address, weth, wad(10) + 1n, wad(10));
        await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, wbtc, 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCollateral")
          .withArgs(f.poolId, f.borrower.address, wbtc, 1n, 0n);
      });
    });

    it("reverts with LendingNotCollateral, LendingZeroAmount and LendingReceiverInvalid", async function () {
      const usdc = await f.usdc.getAddress();
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, usdc, 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingNotCollateral")
          .withArgs(f.poolId, usdc);
        await expect(
          f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, 0n, f.borrower.address),
        ).to.be.revertedWithCustomError(f.suite, "LendingZeroAmount");
        for (const to of [ZeroAddress, f.diamondAddress]) {
          await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, 1n, to))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(to);
        }
      });
    });

    it("with debt, withdraws down to exactly the LTV limit; one wei more reverts with LendingBorrowLimitExceeded(poolId, borrower, debt, limit)", async function () {
      // 10 WETH at 2,000 with a 75 % LTV: 15,000. Half the debt leaves 5 WETH needed.
      const debt = usd(7_500);
      await (await f.suite.connect(f.borrower).borrow(f.poolId, debt, f.borrower.address)).wait();
      const limitLeft = bpsOf(valueOf(wad(5) - 1n, price8(2_000), ETH), WETH_PARAMS.ltvBps);
      expect(limitLeft).to.equal(debt - 1n);
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(5) + 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
          .withArgs(f.poolId, f.borrower.address, debt, limitLeft),
      );
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(5), f.borrower.address))
        .to.emit(f.suite, "LendingCollateralWithdrawn")
        .withArgs(f.poolId, f.borrower.address, weth, f.borrower.address, wad(5));
      const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect(position.borrowLimit).to.equal(debt);
      // Nothing more comes out, however small.
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(f.poolId, f.borrower.address, debt, bpsOf(valueOf(wad(5) - 1n, price8(2_000), ETH), 7_500));
      await expectSolvent(f);
    });

    it("with debt and two collaterals, the re-check sums what is left of both", async function () {
      await (
        await f.suite.connect(f.borrower).supplyCollateral(f.poolId, wbtc, 10_000_000n, f.borrower.address)
      ).wait();
      // 10 WETH → 15,000; 0.1 WBTC at 60,000 → 6,000 × 70 % = 4,200.
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(19_200), f.borrower.address)).wait();
      const wbtcLimit = bpsOf(valueOf(10_000_000n, price8(60_000), BTC), WBTC_PARAMS.ltvBps);
      expect(wbtcLimit).to.equal(usd(4_200));
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, wbtc, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(
          f.poolId,
          f.borrower.address,
          usd(19_200),
          usd(15_000) + bpsOf(valueOf(9_999_999n, price8(60_000), BTC), WBTC_PARAMS.ltvBps),
        );
      // A price rise on WETH (19,200 / 10 / 75 % = 2,560) frees room for all the WBTC.
      await (await f.wethFeed.set(price8(2_560), await networkHelpers.time.latest())).wait();
      await (
        await f.suite.connect(f.borrower).withdrawCollateral(f.poolId, wbtc, 10_000_000n, f.borrower.address)
      ).wait();
      await expectSolvent(f);
    });

    it("with debt, a stale or invalid feed blocks the withdrawal (FeedPriceStale, FeedPriceInvalid)", async function () {
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(1_000), f.borrower.address)).wait();
      const feed = await f.wethFeed.getAddress();
      const stale = (await networkHelpers.time.latest()) - DAY - 10;
      await (await f.wethFeed.set(price8(2_000), stale)).wait();
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(1), f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "FeedPriceStale")
          .withArgs(feed, stale, DAY),
      );
      await (await f.wethFeed.set(0n, await networkHelpers.time.latest())).wait();
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(1), f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "FeedPriceInvalid")
        .withArgs(feed, 0n);
    });
  });

  describe("withdrawCollateral with interest accruing", function () {
    it("re-checks against the debt with interest up to the block", async function () {
      f = await networkHelpers.loadFixture(live);
      weth = await f.weth.getAddress();
      await supplyLiquidity();
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
      const borrowed = await (
        await f.suite.connect(f.borrower).borrow(f.poolId, usd(7_500), f.borrower.address)
      ).wait();
      const t0 = await blockTime(ethers, borrowed);
      const replay = new PoolReplay(usd(100_000), 0n, WAD, 0n, 0n, t0, 1_000n);
      replay.borrow(usd(7_500));
      // A day later, 5 WETH no longer cover the debt: the re-check sees the interest.
      const at = t0 + BigInt(DAY);
      replay.accrue(at);
      const debt = replay.borrows;
      expect(debt).to.be.greaterThan(usd(7_500));
      await (await f.wethFeed.set(price8(2_000), at)).wait();
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(5), f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(f.poolId, f.borrower.address, debt, usd(7_500));
      // At 2,000 a wei is worth 2e-9 USD units: the least collateral whose 75 % covers `debt`.
      const needed = ceilDiv(debt * 4n, 3n) * 500_000_000n;
      expect(bpsOf(valueOf(needed, price8(2_000), ETH), 7_500)).to.be.greaterThanOrEqual(debt);
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(
        f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(10) - needed + 1n, f.borrower.address),
      )
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(f.poolId, f.borrower.address, debt, bpsOf(valueOf(needed - 1n, price8(2_000), ETH), 7_500));
      await networkHelpers.time.setNextBlockTimestamp(at);
      await (
        await f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(10) - needed, f.borrower.address)
      ).wait();
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, weth)).to.equal(needed);
      await expectSolvent(f);
    });
  });
});
