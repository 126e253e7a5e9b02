// Lending attacks: re-entry through token hooks (collateral and loan asset), caps overrun by
// accrual, the Euler class (every path that lowers collateral or raises debt re-checks
// health; a liquidation never touches the liquidator's own position), and starving a credit
// model of gas to force the collateral fallback.
import { expect } from "chai";
import { network } from "hardhat";

import { lendingCalls, NO_CAP } from "../../scripts/lib/lending.js";
import {
  GasBurningCreditModel__factory,
  LendingFacet__factory,
  MockReentrantToken__factory,
  type MockReentrantToken,
} from "../../typechain-types/index.js";
import { price8, usd, wad, WBTC_PARAMS, WETH_PARAMS, type LendingFixture } from "./fixture.js";
import {
  addCollateral,
  bpsOf,
  BTC,
  ceilDiv,
  createPool,
  debtOf,
  ETH,
  expectNothingChanged,
  expectSolvent,
  frozenLendingFixture,
  HOSTILE_MODE,
  installCreditModel,
  installRateModel,
  lendingFixtures,
  MAX_UINT,
  timelocked,
  valueOf,
  WAD,
} from "../support/lending.js";
import { GAS, itUnlessCoverage } from "../support/coverage.js";

const { ethers, networkHelpers } = await network.create();
const { frozen, live } = lendingFixtures(ethers);

const lendingIface = LendingFacet__factory.createInterface();
const GUARD_SELECTOR = lendingIface.getError("ReentrancyGuardReentrantCall")!.selector;

/**
 * The frozen lending fixture plus a re-entering token (MockReentrantToken, 18 decimals):
 * a collateral of the USD pool at 1 USD, and the loan asset of a pool of its own (against
 * WETH, at a zero rate). Everyone holds and has approved it; both pools have liquidity.
 */
async function reentrantFixture() {
  const f = await frozenLendingFixture(ethers);
  const re = await new MockReentrantToken__factory(f.owner).deploy();
  const reAddress = await re.getAddress();
  const { feed: reFeed } = await addCollateral(f, f.poolId, {
    token: reAddress,
    price: price8(1),
    params: { ...WETH_PARAMS, supplyCap: wad(1e9) },
  });
  const rePool = await createPool(f, {
    asset: reAddress,
    supplyCap: NO_CAP,
    borrowCap: NO_CAP,
    dustThreshold: wad(10),
    name: "Re-entrant pool",
    symbol: "fsRE",
  });
  await timelocked(f, [lendingCalls.setCollateral(rePool.poolId, await f.weth.getAddress(), f.wethCollateral)]);
  await installRateModel(f, rePool.poolId, 0n);
  for (const s of [f.supplier, f.borrower, f.liquidator, f.carol]) {
    await (await re.mint(s.address, wad(1_000_000))).wait();
    await (await re.connect(s).approve(f.diamondAddress, MAX_UINT)).wait();
    await (await re.connect(s).approve(await rePool.vault.getAddress(), MAX_UINT)).wait();
  }
  await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
  await (await f.suite.connect(f.supplier).supply(rePool.poolId, wad(100_000), f.supplier.address)).wait();
  return { ...f, re, reAddress, reFeed, rePool };
}

describe("lending: attacks", function () {
  describe("re-entry through token hooks", function () {
    let f: Awaited<ReturnType<typeof reentrantFixture>>;
    let re: MockReentrantToken;
    let weth: string;
    let rePoolId: bigint;
    beforeEach(async function () {
      f = await networkHelpers.loadFixture(reentrantFixture);
      re = f.re;
      weth = await f.weth.getAddress();
      rePoolId = f.rePool.poolId;
    });

    /** Arms the token to call the diamond with `data` on every transfer, runs `action`, disarms. */
    async function reenterDuring(data: string, action: () => Promise<unknown>) {
      const attempts = await re.reentryAttempts();
      await (await re.arm(f.diamondAddress, data)).wait();
      await action();
      await (await re.disarm()).wait();
      expect(await re.reentryAttempts()).to.be.greaterThan(attempts);
      expect(await re.lastReentrySucceeded()).to.equal(false);
      expect(await re.lastReentryError()).to.equal(GUARD_SELECTOR);
    }

    const encode = lendingIface.encodeFunctionData.bind(lendingIface);

    it("supplyCollateral pulling the token: re-entering borrow gets ReentrancyGuardReentrantCall", async function () {
      await reenterDuring(encode("borrow", [f.poolId, usd(1), f.borrower.address]), async () => {
        await (
          await f.suite.connect(f.borrower).supplyCollateral(f.poolId, f.reAddress, wad(100), f.borrower.address)
        ).wait();
      });
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, f.reAddress)).to.equal(wad(100));
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
      await expectSolvent(f, { tokens: { re: f.reAddress } });
    });

    it("withdrawCollateral sending the token: re-entering withdrawCollateral gets ReentrancyGuardReentrantCall", async function () {
      await (
        await f.suite.connect(f.borrower).supplyCollateral(f.poolId, f.reAddress, wad(100), f.borrower.address)
      ).wait();
      await reenterDuring(
        encode("withdrawCollateral", [f.poolId, f.reAddress, wad(100), f.borrower.address]),
        async () => {
          await (
            await f.suite.connect(f.borrower).withdrawCollateral(f.poolId, f.reAddress, wad(100), f.borrower.address)
          ).wait();
        },
      );
      expect(await f.suite.lendingCollateralOf(f.poolId, f.borrower.address, f.reAddress)).to.equal(0n);
      await expectSolvent(f, { tokens: { re: f.reAddress } });
    });

    it("liquidate seizing the token: re-entering liquidate gets ReentrancyGuardReentrantCall", async function () {
      await (
        await f.suite.connect(f.borrower).supplyCollateral(f.poolId, f.reAddress, wad(20_000), f.borrower.address)
      ).wait();
      await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(15_000), f.borrower.address)).wait();
      await (await f.reFeed.set(price8(0.9), await networkHelpers.time.latest())).wait();
      const liquidate = (maxRepay: bigint) =>
        f.suite.connect(f.liquidator).liquidate(f.poolId, f.borrower.address, f.reAddress, maxRepay);
      await reenterDuring(encode("liquidate", [f.poolId, f.borrower.address, f.reAddress, MAX_UINT]), async () => {
        await (await liquidate(usd(1_000))).wait();
      });
      // One liquidation happened, of 1,000.
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(usd(14_000));
      await expectSolvent(f, { tokens: { re: f.reAddress } });
    });

    it("as the loan asset: borrow, repay, supply and liquidate moving it cannot be re-entered", async function () {
      await (await f.suite.connect(f.borrower).supplyCollateral(rePoolId, weth, wad(10), f.borrower.address)).wait();
      await reenterDuring(encode("withdraw", [rePoolId, wad(1), f.supplier.address]), async () => {
        await (await f.suite.connect(f.borrower).borrow(rePoolId, wad(15_000), f.borrower.address)).wait();
      });
      await reenterDuring(encode("borrow", [rePoolId, wad(1), f.borrower.address]), async () => {
        await (await f.suite.connect(f.borrower).repay(rePoolId, wad(1_000), f.borrower.address)).wait();
      });
      await reenterDuring(encode("redeem", [rePoolId, 1n, f.supplier.address]), async () => {
        await (await f.suite.connect(f.carol).supply(rePoolId, wad(1_000), f.carol.address)).wait();
      });
      await (await f.wethFeed.set(price8(1_500), await networkHelpers.time.latest())).wait();
      await reenterDuring(encode("liquidate", [rePoolId, f.borrower.address, weth, MAX_UINT]), async () => {
        await (await f.suite.connect(f.liquidator).liquidate(rePoolId, f.borrower.address, weth, wad(100))).wait();
      });
      expect(await f.suite.lendingDebtOf(rePoolId, f.borrower.address)).to.equal(wad(14_000) - wad(100));
      await expectSolvent(f, { tokens: { re: f.reAddress } });
    });

    it("a vault deposit pulls its asset after the diamond's guarded booking: a re-entry there is not stopped by the guard but by the module's own checks", async function () {
      // The token re-enters borrow from its own address, which has no collateral: the call
      // reaches the limit check instead of the guard. Books still balance after the deposit.
      await (await re.arm(f.diamondAddress, encode("borrow", [rePoolId, 1n, f.carol.address]))).wait();
      await (await f.rePool.vault.connect(f.carol).deposit(wad(10), f.carol.address)).wait();
      await (await re.disarm()).wait();
      expect(await re.lastReentrySucceeded()).to.equal(false);
      expect(await re.lastReentryError()).to.equal(lendingIface.getError("LendingBorrowLimitExceeded")!.selector);
      await expectSolvent(f, { tokens: { re: f.reAddress } });
    });
  });

  describe("caps overrun by accrued interest", function () {
    it("interest may carry assets and borrows past their caps; then no new supply or borrow is accepted until they are back under", async function () {
      const f: LendingFixture = await networkHelpers.loadFixture(live);
      const weth = await f.weth.getAddress();
      const [supplyCap, borrowCap] = [usd(100_000), usd(60_000)];
      await (await f.suite.setLendingPoolLimits(f.poolId, 1_000, supplyCap, borrowCap, usd(10))).wait();
      await (await f.suite.connect(f.supplier).supply(f.poolId, supplyCap, f.supplier.address)).wait();
      await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(150), f.borrower.address)).wait();
      await (await f.suite.connect(f.carol).supplyCollateral(f.poolId, weth, wad(150), f.carol.address)).wait();
      await (await f.suite.connect(f.borrower).borrow(f.poolId, borrowCap, f.borrower.address)).wait();
      await networkHelpers.time.increase(30 * 86_400);
      await installRateModel(f, f.poolId, 0n); // accrues, then holds the index
      await (await f.wethFeed.set(price8(2_000), await networkHelpers.time.latest())).wait();

      const pool = await f.suite.lendingPool(f.poolId);
      expect(pool.totalAssets).to.be.greaterThan(supplyCap);
      expect(pool.borrows).to.be.greaterThan(borrowCap);
      expect(await f.vault.maxDeposit(f.supplier.address)).to.equal(0n);
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.carol).supply(f.poolId, 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingSupplyCapExceeded")
          .withArgs(f.poolId, pool.totalAssets + 1n, supplyCap);
        const borrowsAfter = debtOf(borrowCap + ceilDiv(WAD, pool.borrowIndex), pool.borrowIndex);
        await expect(f.suite.connect(f.carol).borrow(f.poolId, 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowCapExceeded")
          .withArgs(f.poolId, borrowsAfter, borrowCap);
      });
      // Repaying and withdrawing bring them back under: borrowing and supplying resume.
      await (await f.suite.connect(f.borrower).repay(f.poolId, usd(10_000), f.borrower.address)).wait();
      await (await f.suite.connect(f.carol).borrow(f.poolId, usd(1_000), f.carol.address)).wait();
      await (await f.suite.connect(f.supplier).withdraw(f.poolId, usd(20_000), f.supplier.address)).wait();
      await (await f.suite.connect(f.carol).supply(f.poolId, usd(1_000), f.carol.address)).wait();
      await expectSolvent(f);
    });
  });

  describe("every path that lowers collateral or raises debt re-checks health (Euler class)", function () {
    let f: LendingFixture;
    let weth: string;
    let wbtc: string;
    beforeEach(async function () {
      f = await networkHelpers.loadFixture(frozen);
      [weth, wbtc] = [await f.weth.getAddress(), await f.wbtc.getAddress()];
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
    });

    it("at the limit, borrowing one unit and withdrawing one unit of either collateral are all refused", async function () {
      const [eth, btc] = [wad(3) + 12_345n, 3_333_333n];
      for (const [token, amount] of [
        [weth, eth],
        [wbtc, btc],
      ] as const) {
        await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, token, amount, f.borrower.address)).wait();
      }
      const ethLimit = (a: bigint) => bpsOf(valueOf(a, price8(2_000), ETH), WETH_PARAMS.ltvBps);
      const btcLimit = (a: bigint) => bpsOf(valueOf(a, price8(60_000), BTC), WBTC_PARAMS.ltvBps);
      const limit = ethLimit(eth) + btcLimit(btc);
      await (await f.suite.connect(f.borrower).borrow(f.poolId, limit, f.borrower.address)).wait();
      const exceeded = (debt: bigint, newLimit: bigint) => [f.poolId, f.borrower.address, debt, newLimit] as const;
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.borrower).borrow(f.poolId, 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
          .withArgs(...exceeded(limit + 1n, limit));
        // A wei of WETH is worth less than a unit of USD: the limit may not move. Take enough to move it.
        const ethStep = 10n ** 9n;
        await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, ethStep, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
          .withArgs(...exceeded(limit, ethLimit(eth - ethStep) + btcLimit(btc)));
        await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, wbtc, 1n, f.borrower.address))
          .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
          .withArgs(...exceeded(limit, ethLimit(eth) + btcLimit(btc - 1n)));
      });
    });

    it("a liquidation never touches the liquidator's own position, even an unhealthy one", async function () {
      for (const who of [f.borrower, f.liquidator]) {
        await (await f.suite.connect(who).supplyCollateral(f.poolId, weth, wad(10), who.address)).wait();
        await (await f.suite.connect(who).borrow(f.poolId, usd(15_000), who.address)).wait();
      }
      await (await f.wethFeed.set(price8(1_800), await networkHelpers.time.latest())).wait();
      const own = await f.suite.lendingPosition(f.poolId, f.liquidator.address);
      expect(own.debt).to.be.greaterThan(own.liquidationLimit);
      await (await f.suite.connect(f.liquidator).liquidate(f.poolId, f.borrower.address, weth, MAX_UINT)).wait();
      const after = await f.suite.lendingPosition(f.poolId, f.liquidator.address);
      expect([after.debt, after.collateralAmounts]).to.deep.equal([own.debt, own.collateralAmounts]);
      // It stays liquidatable by anyone, the first borrower included.
      await expect(f.suite.connect(f.borrower).liquidate(f.poolId, f.liquidator.address, weth, MAX_UINT)).to.emit(
        f.suite,
        "LendingLiquidated",
      );
      await expectSolvent(f);
    });
  });

  describe("starving a credit model of gas", function () {
    itUnlessCoverage(
      GAS,
      "cannot force the collateral fallback to liquidate a position the model calls healthy",
      async function () {
        const f: LendingFixture = await networkHelpers.loadFixture(frozen);
        const weth = await f.weth.getAddress();
        await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
        // A model that needs tens of thousands of gas to grant a 20,000 line (25,000 to liquidate).
        const model = await new GasBurningCreditModel__factory(f.owner).deploy();
        await (await model.set(HOSTILE_MODE.Heavy, 300n, usd(20_000), usd(25_000))).wait();
        await installCreditModel(f, f.poolId, await model.getAddress());
        await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
        await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(15_000), f.borrower.address)).wait();
        // On collateral alone (10 WETH at 1,000 × 80 % = 8,000) the position would be liquidatable.
        await (await f.wethFeed.set(price8(1_000), await networkHelpers.time.latest())).wait();
        const liquidate = (gasLimit?: number) =>
          f.suite
            .connect(f.liquidator)
            .liquidate.staticCall(f.poolId, f.borrower.address, weth, MAX_UINT, gasLimit ? { gasLimit } : {});
        await expect(liquidate())
          .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
          .withArgs(f.poolId, f.borrower.address, usd(15_000), usd(25_000));

        // Every gas limit from far too little to plenty: never a liquidation.
        let healthy = 0;
        for (let gas = 40_000; gas <= 400_000; gas += 2_500) {
          const outcome = await liquidate(gas).then(
            () => "liquidated",
            (e: { data?: string }) =>
              e.data?.startsWith(f.suite.interface.getError("LendingPositionHealthy")!.selector) ? "healthy" : "failed",
          );
          expect(outcome, `gas limit ${gas}`).not.to.equal("liquidated");
          if (outcome === "healthy") healthy++;
        }
        expect(healthy).to.be.greaterThan(0);
      },
    );
  });
});
