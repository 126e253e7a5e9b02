// Suppliers through the diamond: supply, withdraw and redeem, the share math they follow,
// the ERC-4626 events the pool's vault emits for them (the diamond emits none of its own),
// and every refusal, each leaving the books as they were.
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionReceipt } from "ethers";

import { NO_CAP } from "../../scripts/lib/lending.js";
import {
  borrowAgainstWeth,
  createFeeOnTransferPool,
  createWethPool,
  expectNothingChanged,
  expectSolvent,
  inflateSharePrice,
  MAX_UINT,
  nextBlockIn,
  poolTotals,
  settledWithInterest,
  toAssets,
  toShares,
  VIRTUAL_ASSETS,
  VIRTUAL_SHARES,
} from "../support/lending.js";
import { LendingFacet__factory } from "../../typechain-types/index.js";
import { lendingFixture, price8, usd, wad, type LendingFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => lendingFixture(ethers);

/** The names of the events the diamond itself logged in `receipt`. */
function diamondEvents(f: LendingFixture, receipt: ContractTransactionReceipt | null): string[] {
  return receipt!.logs
    .filter((l) => l.address.toLowerCase() === f.diamondAddress.toLowerCase())
    .map((l) => f.suite.interface.parseLog(l)!.name);
}

describe("lending: suppliers through the diamond", function () {
  let f: LendingFixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
  });

  // ---------------------------------------------------------------- supply

  describe("supply", function () {
    it("mints assets × 1e6 shares to the receiver on the first supply; the vault's Deposit is the only record", async function () {
      const assets = usd("1234.567891");
      const s = f.suite.connect(f.supplier);
      const shares = assets * VIRTUAL_SHARES;
      expect(await s.supply.staticCall(f.poolId, assets, f.carol.address)).to.equal(shares);
      const supplierBefore = await f.usdc.balanceOf(f.supplier.address);

      const tx = s.supply(f.poolId, assets, f.carol.address);
      await expect(tx)
        .to.emit(f.vault, "Deposit")
        .withArgs(f.supplier.address, f.carol.address, assets, shares)
        .and.to.emit(f.vault, "Transfer")
        .withArgs(ethers.ZeroAddress, f.carol.address, shares)
        .and.to.emit(f.usdc, "Transfer")
        .withArgs(f.supplier.address, f.diamondAddress, assets);
      expect(diamondEvents(f, await (await tx).wait())).to.deep.equal([]);

      expect(await f.vault.balanceOf(f.carol.address)).to.equal(shares);
      expect(await f.vault.balanceOf(f.supplier.address)).to.equal(0n);
      expect(supplierBefore - (await f.usdc.balanceOf(f.supplier.address))).to.equal(assets);
      const pool = await f.suite.lendingPool(f.poolId);
      expect([pool.cash, pool.totalAssets, pool.totalShares]).to.deep.equal([assets, assets, shares]);
      await expectSolvent(f);
    });

    it("mints floor(assets × (S + 1e6) / (A + 1)) at a share price above 1", async function () {
      await settledWithInterest(f, networkHelpers);
      const s = f.suite.connect(f.carol);
      let rounded = 0;
      for (const assets of [1n, 7n, 999_999n, usd("1.000001"), usd(333), usd("98765.432101")]) {
        const { totalAssets: A, totalShares: S } = await poolTotals(f);
        const expected = toShares(assets, A, S);
        if ((assets * (S + VIRTUAL_SHARES)) % (A + VIRTUAL_ASSETS) !== 0n) rounded++;
        const before = await f.vault.balanceOf(f.carol.address);
        expect(await s.supply.staticCall(f.poolId, assets, f.carol.address)).to.equal(expected);
        await expect(s.supply(f.poolId, assets, f.carol.address))
          .to.emit(f.vault, "Deposit")
          .withArgs(f.carol.address, f.carol.address, assets, expected);
        expect((await f.vault.balanceOf(f.carol.address)) - before).to.equal(expected);
        expect((await poolTotals(f)).totalAssets).to.equal(A + assets);
      }
      // The share price is not round: most of these amounts were rounded down.
      expect(rounded).to.be.greaterThan(3);
      await expectSolvent(f);
    });

    it("prices a supply at its own block: interest accrued up to then, logged as the diamond's only event", async function () {
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
      await borrowAgainstWeth(f, usd(60_000));
      await networkHelpers.time.increase(30 * 86_400);
      await nextBlockIn(networkHelpers, 1_000);
      const { totalAssets: A, totalShares: S } = await poolTotals(f, f.poolId, "pending");
      expect(A).to.be.greaterThan(usd(100_000));
      const assets = usd("5000.123457");
      const expected = toShares(assets, A, S);
      const tx = f.suite.connect(f.carol).supply(f.poolId, assets, f.carol.address);
      await expect(tx).to.emit(f.vault, "Deposit").withArgs(f.carol.address, f.carol.address, assets, expected);
      expect(diamondEvents(f, await (await tx).wait())).to.deep.equal(["LendingInterestAccrued"]);
      expect((await poolTotals(f)).totalAssets).to.equal(A + assets);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- withdraw and redeem

  describe("withdraw and redeem", function () {
    it("withdraw burns ceil(assets × (S + 1e6) / (A + 1)) of the caller's shares and sends the assets to the receiver", async function () {
      await settledWithInterest(f, networkHelpers);
      const s = f.suite.connect(f.supplier);
      let rounded = 0;
      for (const assets of [1n, 3n, 999_999n, usd("1.000001"), usd(777), usd("12345.678901")]) {
        const { totalAssets: A, totalShares: S } = await poolTotals(f);
        const expected = toShares(assets, A, S, true);
        if ((assets * (S + VIRTUAL_SHARES)) % (A + VIRTUAL_ASSETS) !== 0n) rounded++;
        const [sharesBefore, carolBefore] = [
          await f.vault.balanceOf(f.supplier.address),
          await f.usdc.balanceOf(f.carol.address),
        ];
        expect(await s.withdraw.staticCall(f.poolId, assets, f.carol.address)).to.equal(expected);
        const tx = s.withdraw(f.poolId, assets, f.carol.address);
        await expect(tx)
          .to.emit(f.vault, "Withdraw")
          .withArgs(f.supplier.address, f.carol.address, f.supplier.address, assets, expected)
          .and.to.emit(f.vault, "Transfer")
          .withArgs(f.supplier.address, ethers.ZeroAddress, expected)
          .and.to.emit(f.usdc, "Transfer")
          .withArgs(f.diamondAddress, f.carol.address, assets);
        expect(diamondEvents(f, await (await tx).wait())).to.deep.equal([]);
        expect(sharesBefore - (await f.vault.balanceOf(f.supplier.address))).to.equal(expected);
        expect((await f.usdc.balanceOf(f.carol.address)) - carolBefore).to.equal(assets);
        expect((await poolTotals(f)).totalAssets).to.equal(A - assets);
      }
      expect(rounded).to.be.greaterThan(3);
      await expectSolvent(f);
    });

    it("redeem burns the shares and sends floor(shares × (A + 1) / (S + 1e6))", async function () {
      await settledWithInterest(f, networkHelpers);
      const s = f.suite.connect(f.supplier);
      for (const shares of [10n ** 6n, 123_456_789n, 10n ** 12n + 1n, 5_555n * 10n ** 12n + 17n]) {
        const { totalAssets: A, totalShares: S } = await poolTotals(f);
        const expected = toAssets(shares, A, S);
        expect(expected).to.be.greaterThan(0n);
        const [sharesBefore, carolBefore] = [
          await f.vault.balanceOf(f.supplier.address),
          await f.usdc.balanceOf(f.carol.address),
        ];
        expect(await s.redeem.staticCall(f.poolId, shares, f.carol.address)).to.equal(expected);
        const tx = s.redeem(f.poolId, shares, f.carol.address);
        await expect(tx)
          .to.emit(f.vault, "Withdraw")
          .withArgs(f.supplier.address, f.carol.address, f.supplier.address, expected, shares)
          .and.to.emit(f.usdc, "Transfer")
          .withArgs(f.diamondAddress, f.carol.address, expected);
        expect(diamondEvents(f, await (await tx).wait())).to.deep.equal([]);
        expect(sharesBefore - (await f.vault.balanceOf(f.supplier.address))).to.equal(shares);
        expect((await f.usdc.balanceOf(f.carol.address)) - carolBefore).to.equal(expected);
      }
      await expectSolvent(f);
    });

    it("a supplier redeems everything it owns; what is left is the pool's rounding, never a debt of the pool", async function () {
      await settledWithInterest(f, networkHelpers);
      const shares = await f.vault.balanceOf(f.supplier.address);
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      expect(S).to.equal(shares);
      const expected = toAssets(shares, A, S);
      await expect(f.suite.connect(f.supplier).redeem(f.poolId, shares, f.supplier.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.supplier.address, f.supplier.address, f.supplier.address, expected, shares);
      const pool = await f.suite.lendingPool(f.poolId);
      expect(pool.totalShares).to.equal(0n);
      expect(pool.totalAssets).to.equal(A - expected);
      // The virtual share keeps its sliver: at most one part in a million of the assets.
      expect(pool.totalAssets).to.be.at.most(A / 10n ** 6n + 1n);
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.supplier.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("withdraw and redeem go on while the pool's supply and borrowing are paused", async function () {
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(10_000), f.supplier.address)).wait();
      await expect(f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, true, true))
        .to.emit(f.suite, "LendingPoolPaused")
        .withArgs(f.poolId, true, true, f.guardian.address);
      await expect(f.suite.connect(f.supplier).withdraw(f.poolId, usd(4_000), f.carol.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.supplier.address, f.carol.address, f.supplier.address, usd(4_000), usd(4_000) * VIRTUAL_SHARES);
      await expect(f.suite.connect(f.supplier).redeem(f.poolId, usd(6_000) * VIRTUAL_SHARES, f.supplier.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.supplier.address, f.supplier.address, f.supplier.address, usd(6_000), usd(6_000) * VIRTUAL_SHARES);
      expect(await f.vault.balanceOf(f.supplier.address)).to.equal(0n);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- refusals

  describe("refusals", function () {
    beforeEach(async function () {
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(10_000), f.supplier.address)).wait();
      await (await f.suite.connect(f.carol).supply(f.poolId, usd(100), f.carol.address)).wait();
    });

    afterEach(async function () {
      await expectSolvent(f);
    });

    it("reverts with LendingPoolUnknown for a pool that does not exist (0 or past the count)", async function () {
      const s = f.suite.connect(f.supplier);
      for (const poolId of [0n, 2n, 99n]) {
        await expectNothingChanged(f, async () => {
          await expect(s.supply(poolId, usd(1), f.supplier.address))
            .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
            .withArgs(poolId);
          await expect(s.withdraw(poolId, usd(1), f.supplier.address))
            .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
            .withArgs(poolId);
          await expect(s.redeem(poolId, 10n ** 6n, f.supplier.address))
            .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
            .withArgs(poolId);
        });
      }
    });

    it("reverts with LendingZeroAmount for zero assets or shares", async function () {
      const s = f.suite.connect(f.supplier);
      await expectNothingChanged(f, async () => {
        await expect(s.supply(f.poolId, 0n, f.supplier.address)).to.be.revertedWithCustomError(
          f.suite,
          "LendingZeroAmount",
        );
        await expect(s.withdraw(f.poolId, 0n, f.supplier.address)).to.be.revertedWithCustomError(
          f.suite,
          "LendingZeroAmount",
        );
        await expect(s.redeem(f.poolId, 0n, f.supplier.address)).to.be.revertedWithCustomError(
          f.suite,
          "LendingZeroAmount",
        );
      });
    });

    it("reverts with LendingReceiverInvalid when the shares or the assets would go to zero or to the diamond", async function () {
      const s = f.suite.connect(f.supplier);
      for (const receiver of [ethers.ZeroAddress, f.diamondAddress]) {
        await expectNothingChanged(f, async () => {
          await expect(s.supply(f.poolId, usd(1), receiver))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(receiver);
          await expect(s.withdraw(f.poolId, usd(1), receiver))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(receiver);
          await expect(s.redeem(f.poolId, 10n ** 6n, receiver))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(receiver);
        });
      }
    });

    it("reverts with LendingSupplyPaused while supply is paused; a borrow pause alone does not stop it", async function () {
      await (await f.suite.setLendingPoolPaused(f.poolId, true, false)).wait();
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.carol).supply(f.poolId, usd(1), f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingSupplyPaused")
          .withArgs(f.poolId);
      });
      await (await f.suite.setLendingPoolPaused(f.poolId, false, true)).wait();
      await expect(f.suite.connect(f.carol).supply(f.poolId, usd(1), f.carol.address)).to.emit(f.vault, "Deposit");
      await expectSolvent(f);
    });

    it("reverts with LendingSupplyCapExceeded(poolId, totalAfter, cap); a supply up to the cap exactly goes through", async function () {
      const { reserveFactorBps, borrowCap, dustThreshold } = f.params;
      const cap = usd(10_600);
      await (await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, cap, borrowCap, dustThreshold)).wait();
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.carol).supply(f.poolId, usd(500) + 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingSupplyCapExceeded")
          .withArgs(f.poolId, cap + 1n, cap);
      });
      await (await f.suite.connect(f.carol).supply(f.poolId, usd(500), f.carol.address)).wait();
      expect((await f.suite.lendingPool(f.poolId)).totalAssets).to.equal(cap);
      await expect(f.suite.connect(f.carol).supply(f.poolId, 1n, f.carol.address))
        .to.be.revertedWithCustomError(f.suite, "LendingSupplyCapExceeded")
        .withArgs(f.poolId, cap + 1n, cap);
      await expectSolvent(f);
    });

    it("counts interest accrued up to the supply's block in LendingSupplyCapExceeded's total", async function () {
      await borrowAgainstWeth(f, usd(9_000));
      await networkHelpers.time.increase(90 * 86_400);
      const { reserveFactorBps, borrowCap, dustThreshold } = f.params;
      await nextBlockIn(networkHelpers, 10);
      const { totalAssets: A } = await poolTotals(f, f.poolId, "pending");
      await (
        await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, A + usd(1), borrowCap, dustThreshold)
      ).wait();
      // A accrued in the admin's block; the supply's block adds one more second of interest.
      await nextBlockIn(networkHelpers, 1);
      const { totalAssets: now } = await poolTotals(f, f.poolId, "pending");
      expect(now).to.be.greaterThan(A);
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.carol).supply(f.poolId, usd(1), f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingSupplyCapExceeded")
          .withArgs(f.poolId, now + usd(1), A + usd(1));
      });
    });

    it("reverts with LendingZeroShares(poolId, shares) when a redeem is worth less than one unit", async function () {
      const s = f.suite.connect(f.carol);
      for (const shares of [1n, 10n ** 6n - 1n]) {
        await expectNothingChanged(f, async () => {
          await expect(s.redeem(f.poolId, shares, f.carol.address))
            .to.be.revertedWithCustomError(f.suite, "LendingZeroShares")
            .withArgs(f.poolId, shares);
        });
      }
      // One whole raw unit's worth of shares redeems.
      await expect(s.redeem(f.poolId, 10n ** 6n, f.carol.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.carol.address, f.carol.address, f.carol.address, 1n, 10n ** 6n);
    });

    it("reverts with LendingInsufficientCash(poolId, requested, available) once the cash is borrowed out", async function () {
      await borrowAgainstWeth(f, usd(9_500));
      const cash = usd(600);
      expect((await f.suite.lendingPool(f.poolId)).cash).to.equal(cash);
      const s = f.suite.connect(f.supplier);
      await nextBlockIn(networkHelpers, 1);
      const { totalAssets: A, totalShares: S } = await poolTotals(f, f.poolId, "pending");
      const shares = await f.vault.balanceOf(f.supplier.address);
      const worth = toAssets(shares, A, S);
      await expectNothingChanged(f, async () => {
        await expect(s.redeem(f.poolId, shares, f.supplier.address))
          .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCash")
          .withArgs(f.poolId, worth, cash);
      });
      await expectNothingChanged(f, async () => {
        await expect(s.withdraw(f.poolId, cash + 1n, f.supplier.address))
          .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCash")
          .withArgs(f.poolId, cash + 1n, cash);
      });
      // All the cash, and not a unit more, can leave.
      await expect(s.withdraw(f.poolId, cash, f.supplier.address)).to.emit(f.vault, "Withdraw");
      expect((await f.suite.lendingPool(f.poolId)).cash).to.equal(0n);
      await expectSolvent(f);
    });

    it("bubbles the vault's ERC20InsufficientBalance when a supplier withdraws more than its shares are worth", async function () {
      const s = f.suite.connect(f.carol);
      const balance = await f.vault.balanceOf(f.carol.address);
      expect(balance).to.equal(usd(100) * VIRTUAL_SHARES);
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      await expectNothingChanged(f, async () => {
        await expect(s.withdraw(f.poolId, usd(100) + 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
          .withArgs(f.carol.address, balance, toShares(usd(100) + 1n, A, S, true));
        await expect(s.redeem(f.poolId, balance + 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
          .withArgs(f.carol.address, balance, balance + 1n);
        // Someone without shares at all.
        await expect(f.suite.connect(f.bob).withdraw(f.poolId, 1n, f.bob.address))
          .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
          .withArgs(f.bob.address, 0n, 10n ** 6n);
      });
    });

    it("reverts with LendingTokenShortfall when the loan asset takes a fee on transfer", async function () {
      const { fot, poolId, watched } = await createFeeOnTransferPool(f);
      const amount = wad(1_000);
      await expectNothingChanged(
        f,
        async () => {
          await expect(f.suite.connect(f.supplier).supply(poolId, amount, f.supplier.address))
            .to.be.revertedWithCustomError(f.suite, "LendingTokenShortfall")
            .withArgs(await fot.getAddress(), amount, amount - amount / 100n);
        },
        watched,
      );
      await expectSolvent(f, { tokens: watched });
    });
  });

  // Regression: a request for more shares than exist underflowed the books' share count
  // (panic 0x11) before the vault could refuse the burn.
  it("asking for more than every share is worth reverts with ERC20InsufficientBalance, not an arithmetic panic", async function () {
    // Reserves sit in the cash, so the cash exceeds what all the shares are worth.
    await settledWithInterest(f, networkHelpers);
    const { totalAssets: A, totalShares: S, cash } = await poolTotals(f);
    expect(cash).to.be.greaterThan(A);
    const balance = await f.vault.balanceOf(f.supplier.address);
    expect(balance).to.equal(S);
    const s = f.suite.connect(f.supplier);
    await expectNothingChanged(f, async () => {
      await expect(s.withdraw(f.poolId, A, f.supplier.address))
        .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
        .withArgs(f.supplier.address, balance, toShares(A, A, S, true));
      await expect(s.redeem(f.poolId, balance + 1n, f.supplier.address))
        .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
        .withArgs(f.supplier.address, balance, balance + 1n);
      await expect(f.vault.withdraw(A, f.supplier.address, f.supplier.address))
        .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
        .withArgs(f.supplier.address, balance, toShares(A, A, S, true));
      await expect(f.vault.redeem(balance + 1n, f.supplier.address, f.supplier.address))
        .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
        .withArgs(f.supplier.address, balance, balance + 1n);
    });
    // Everything the supplier owns still comes out.
    const max = await f.suite.lendingMaxWithdraw(f.poolId, f.supplier.address);
    await expect(s.withdraw(f.poolId, max, f.supplier.address)).to.emit(f.vault, "Withdraw");
    await expectSolvent(f);
  });

  // Regression: after a total loss a deposit could mint more shares than the books' 128-bit
  // share count holds; the count was silently truncated and drifted from the vault's supply.
  it("after a total loss, a supply whose shares would overflow the books' share count is refused", async function () {
    // A WETH pool lends all its 1,000 WETH against USDC; USDC's price collapses and the
    // liquidation writes nearly everything off.
    const pool = await createWethPool(f);
    const usdc = await f.usdc.getAddress();
    const s = f.suite;
    await (await s.connect(f.supplier).supply(pool.poolId, wad(1_000), f.supplier.address)).wait();
    await (await f.usdc.mint(f.carol.address, usd(3_000_000))).wait();
    await (await s.connect(f.carol).supplyCollateral(pool.poolId, usdc, usd(3_000_000), f.carol.address)).wait();
    await (await s.connect(f.carol).borrow(pool.poolId, wad(1_000), f.carol.address)).wait();
    const now = await networkHelpers.time.latest();
    await (await pool.usdcFeed.set(1n, now)).wait();
    await (await f.wethFeed.set(price8(10_000_000_000), now)).wait();
    await expect(s.connect(f.liquidator).liquidate(pool.poolId, f.carol.address, usdc, wad(1_000))).to.emit(
      s,
      "LendingBadDebtRealized",
    );
    let { totalAssets: A, totalShares: S } = await poolTotals(f, pool.poolId);
    expect(A).to.be.lessThan(10n ** 7n);
    expect(S).to.equal(wad(1_000) * VIRTUAL_SHARES);

    // A supply whose shares fit is booked as the vault mints it.
    const small = wad("0.1");
    const shares = toShares(small, A, S);
    await expect(s.connect(f.carol).supply(pool.poolId, small, f.carol.address))
      .to.emit(pool.vault, "Deposit")
      .withArgs(f.carol.address, f.carol.address, small, shares);
    await expectSolvent(f);

    // One whose shares would not fit in 128 bits is refused, whichever way it comes.
    ({ totalAssets: A, totalShares: S } = await poolTotals(f, pool.poolId));
    const big = wad(10);
    const total = S + toShares(big, A, S);
    expect(total).to.be.greaterThanOrEqual(2n ** 128n);
    const facet = LendingFacet__factory.connect(f.diamondAddress, f.carol);
    await expectNothingChanged(f, async () => {
      await expect(s.connect(f.carol).supply(pool.poolId, big, f.carol.address))
        .to.be.revertedWithCustomError(facet, "SafeCastOverflowedUintDowncast")
        .withArgs(128, total);
      await expect(pool.vault.connect(f.carol).deposit(big, f.carol.address))
        .to.be.revertedWithCustomError(facet, "SafeCastOverflowedUintDowncast")
        .withArgs(128, total);
    });
    await expectSolvent(f);
  });

  it("reverts with LendingZeroShares(poolId, assets) when a supply is worth less than one share (eight years at the rate cap)", async function () {
    await inflateSharePrice(f, networkHelpers);
    await expectNothingChanged(f, async () => {
      await expect(f.suite.connect(f.carol).supply(f.poolId, 1n, f.carol.address))
        .to.be.revertedWithCustomError(f.suite, "LendingZeroShares")
        .withArgs(f.poolId, 1n);
    });
    // An amount worth a share goes through, and mints exactly its floor.
    const { totalAssets: A, totalShares: S } = await poolTotals(f);
    const assets = (A + VIRTUAL_ASSETS) / (S + VIRTUAL_SHARES) + 1n;
    await expect(f.suite.connect(f.carol).supply(f.poolId, assets, f.carol.address))
      .to.emit(f.vault, "Deposit")
      .withArgs(f.carol.address, f.carol.address, assets, toShares(assets, A, S));
    expect(toShares(assets, A, S)).to.equal(1n);
    await expectSolvent(f);
  });

  it("the pool's cap of NO_CAP lets any realistic supply in", async function () {
    const { reserveFactorBps, borrowCap, dustThreshold } = f.params;
    await (await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, NO_CAP, borrowCap, dustThreshold)).wait();
    await (await f.usdc.mint(f.bob.address, usd("1000000000000"))).wait();
    await (await f.usdc.connect(f.bob).approve(f.diamondAddress, MAX_UINT)).wait();
    await expect(f.suite.connect(f.bob).supply(f.poolId, usd("1000000000000"), f.bob.address))
      .to.emit(f.vault, "Deposit")
      .withArgs(f.bob.address, f.bob.address, usd("1000000000000"), usd("1000000000000") * VIRTUAL_SHARES);
    await expectSolvent(f);
  });
});
