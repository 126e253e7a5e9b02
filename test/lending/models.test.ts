// Lending credit models: a model granting more than the collateral (a credit line), less (a
// stricter segment), one that reverts, inverts its limits, answers garbage or burns its gas,
// and swapping the model under an open position.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress } from "ethers";

import {
  GasBurningCreditModel__factory,
  MockCreditModel__factory,
  type MockCreditModel,
} from "../../typechain-types/index.js";
import { price8, usd, wad, type LendingFixture } from "./fixture.js";
import {
  CREDIT_MODE,
  expectNothingChanged,
  expectSolvent,
  HOSTILE_MODE,
  installCreditModel,
  lendingFixtures,
  MAX_UINT,
  MODEL_GAS,
} from "../support/lending.js";

const { ethers, networkHelpers } = await network.create();
const { frozen } = lendingFixtures(ethers);

describe("lending: credit models", function () {
  let f: LendingFixture;
  let weth: string;
  let model: MockCreditModel;
  let modelAddress: string;

  /** Past the 7 days a model swap protects positions, with the feeds refreshed. */
  const afterSwapGrace = async () => {
    await networkHelpers.time.increase(7 * 86_400);
    const now = await networkHelpers.time.latest();
    await (await f.wethFeed.set(price8(2_000), now)).wait();
    await (await f.wbtcFeed.set(price8(60_000), now)).wait();
  };

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(frozen);
    weth = await f.weth.getAddress();
    await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
    model = await new MockCreditModel__factory(f.owner).deploy();
    modelAddress = await model.getAddress();
    await installCreditModel(f, f.poolId, modelAddress);
  });

  const post = async (amount: bigint, who = f.borrower) =>
    (await f.suite.connect(who).supplyCollateral(f.poolId, weth, amount, who.address)).wait();
  const borrow = (amount: bigint, who = f.borrower) => f.suite.connect(who).borrow(f.poolId, amount, who.address);
  const setEth = async (price: bigint) => (await f.wethFeed.set(price, await networkHelpers.time.latest())).wait();
  const liquidate = (borrower: string, maxRepay = MAX_UINT) =>
    f.suite.connect(f.liquidator).liquidate(f.poolId, borrower, weth, maxRepay);

  it("a model granting more than the collateral allows under-collateralized borrowing up to its limit", async function () {
    await (await model.setMode(CREDIT_MODE.Fixed)).wait();
    await (await model.setLimits(f.borrower.address, usd(20_000), usd(25_000))).wait();
    await post(wad(10)); // the collateral alone would allow 15,000
    const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
    expect([position.borrowLimit, position.liquidationLimit, position.creditModel, position.modelFailed]).to.deep.equal(
      [usd(20_000), usd(25_000), modelAddress, false],
    );
    expect(position.collateralValue).to.equal(usd(20_000));
    await expectNothingChanged(f, () =>
      expect(borrow(usd(20_000) + 1n))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(f.poolId, f.borrower.address, usd(20_000) + 1n, usd(20_000)),
    );
    await (await borrow(usd(20_000))).wait();
    // The model's liquidation limit rules too: collateral figures (16,000) would allow a liquidation.
    await expect(liquidate(f.borrower.address))
      .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
      .withArgs(f.poolId, f.borrower.address, usd(20_000), usd(25_000));
    // A fixed line does not depend on collateral: the model lets all of it go.
    await (await f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
    expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(usd(20_000));
    await expectSolvent(f);
  });

  it("a credit line without collateral borrows, and once cut cannot be liquidated: there is nothing to seize", async function () {
    await (await model.setMode(CREDIT_MODE.Fixed)).wait();
    await (await model.setLimits(f.carol.address, usd(1_000), usd(1_200))).wait();
    await (await borrow(usd(1_000), f.carol)).wait();
    await (await model.setLimits(f.carol.address, 0n, 0n)).wait();
    // Unsecured debt is the model owner's risk: liquidation has nothing to take, nor writes it off.
    await expect(liquidate(f.carol.address))
      .to.be.revertedWithCustomError(f.suite, "LendingNothingToSeize")
      .withArgs(f.poolId, f.carol.address, weth);
    await expectSolvent(f);
  });

  it("a model granting less than the collateral is stricter, for borrowing and for liquidation", async function () {
    await (await model.setMode(CREDIT_MODE.Fixed)).wait();
    await (await model.setLimits(f.borrower.address, usd(5_000), usd(6_000))).wait();
    await post(wad(10));
    await expect(borrow(usd(5_000) + 1n))
      .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
      .withArgs(f.poolId, f.borrower.address, usd(5_000) + 1n, usd(5_000));
    await (await borrow(usd(5_000))).wait();
    // The segment tightens: liquidatable though the collateral (16,000 at 80 %) would cover
    // it, once the 7 days after the model was installed are over (see the swap tests).
    await (await model.setLimits(f.borrower.address, usd(4_000), usd(4_500))).wait();
    await afterSwapGrace();
    await expect(liquidate(f.borrower.address))
      .to.emit(f.suite, "LendingLiquidated")
      .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(2_500), wad("1.3125"), usd(2_500));
    await expectSolvent(f);
  });

  it("a reverting model blocks borrow and withdrawCollateral with LendingCreditModelFailed(poolId, model), not repay, top-up or liquidation", async function () {
    await post(wad(10));
    await post(wad(1), f.carol);
    await (await borrow(usd(10_000))).wait();
    await (await model.setMode(CREDIT_MODE.Revert)).wait();
    await expectNothingChanged(f, async () => {
      await expect(borrow(1n))
        .to.be.revertedWithCustomError(f.suite, "LendingCreditModelFailed")
        .withArgs(f.poolId, modelAddress);
      await expect(f.suite.connect(f.borrower).withdrawCollateral(f.poolId, weth, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingCreditModelFailed")
        .withArgs(f.poolId, modelAddress);
    });
    // Without debt nothing asks the model.
    await (await f.suite.connect(f.carol).withdrawCollateral(f.poolId, weth, wad(1), f.carol.address)).wait();
    await expect(f.suite.connect(f.borrower).repay(f.poolId, usd(1_000), f.borrower.address))
      .to.emit(f.suite, "LendingRepaid")
      .withArgs(f.poolId, f.borrower.address, f.borrower.address, usd(1_000), usd(9_000));
    await (await f.suite.connect(f.carol).supplyCollateral(f.poolId, weth, wad(1), f.borrower.address)).wait();
    const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
    expect([position.modelFailed, position.borrowLimit, position.liquidationLimit]).to.deep.equal([
      true,
      usd(16_500),
      usd(17_600),
    ]);
    // 11 WETH at 1,000 × 80 % = 8,800 < 9,000: liquidated on the collateral figures.
    await setEth(price8(1_000));
    await expect(liquidate(f.borrower.address))
      .to.emit(f.suite, "LendingLiquidated")
      .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(4_500), wad("4.725"), usd(4_500));
    await expectSolvent(f);
  });

  it("a model whose liquidation limit is below its borrow limit is treated as failed", async function () {
    await post(wad(10));
    await (await model.setMode(CREDIT_MODE.Inverted)).wait();
    await expect(borrow(1n))
      .to.be.revertedWithCustomError(f.suite, "LendingCreditModelFailed")
      .withArgs(f.poolId, modelAddress);
    const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
    expect([position.modelFailed, position.borrowLimit, position.liquidationLimit]).to.deep.equal([
      true,
      usd(15_000),
      usd(16_000),
    ]);
  });

  it("a model answering the wrong number of bytes is treated as failed", async function () {
    const hostile = await new GasBurningCreditModel__factory(f.owner).deploy();
    await (await hostile.set(HOSTILE_MODE.WrongLength, 0n, 0n, 0n)).wait();
    await installCreditModel(f, f.poolId, await hostile.getAddress());
    await post(wad(10));
    await expect(borrow(1n))
      .to.be.revertedWithCustomError(f.suite, "LendingCreditModelFailed")
      .withArgs(f.poolId, await hostile.getAddress());
  });

  describe("a model that burns gas", function () {
    /** Opens a position, lets WETH fall, and returns the gas a liquidation uses with `install` done first. */
    async function liquidationGas(install?: () => Promise<unknown>): Promise<bigint> {
      await post(wad(10));
      await (await borrow(usd(15_000))).wait();
      await setEth(price8(1_800));
      if (install) await install();
      const receipt = await (await liquidate(f.borrower.address)).wait();
      return receipt!.gasUsed;
    }

    async function hostileModel(mode: number) {
      const hostile = await new GasBurningCreditModel__factory(f.owner).deploy();
      await (await hostile.set(mode, 0n, 0n, 0n)).wait();
      await installCreditModel(f, f.poolId, await hostile.getAddress());
      return hostile.getAddress();
    }

    it("is cut off at 100,000 gas: borrowing reverts with LendingCreditModelFailed, a liquidation costs at most that much more", async function () {
      const snapshot = await networkHelpers.takeSnapshot();
      const honest = await liquidationGas();
      await snapshot.restore();
      const burning = await liquidationGas(() => hostileModel(HOSTILE_MODE.Burn));
      const extra = burning - honest;
      expect(extra).to.be.greaterThan(MODEL_GAS - 5_000n);
      expect(extra).to.be.lessThan(MODEL_GAS + 5_000n);
      // Borrowing fails cleanly, with the error, under an ordinary gas limit.
      const burner = await hostileModel(HOSTILE_MODE.Burn);
      await expect(
        f.suite.connect(f.borrower).borrow.staticCall(f.poolId, 1n, f.borrower.address, { gasLimit: 400_000 }),
      )
        .to.be.revertedWithCustomError(f.suite, "LendingCreditModelFailed")
        .withArgs(f.poolId, burner);
    });

    it("regression: a return-data bomb costs no more than the model's own gas (the diamond copies none of it)", async function () {
      const snapshot = await networkHelpers.takeSnapshot();
      const honest = await liquidationGas();
      await snapshot.restore();
      const bombed = await liquidationGas(() => hostileModel(HOSTILE_MODE.ReturnBomb));
      const extra = bombed - honest;
      // The model spends its 100,000 on memory; the diamond copies at most the 64 bytes it
      // expects (it used to copy the whole revert data, about 209,000 gas in all).
      expect(extra).to.be.greaterThan(MODEL_GAS - 5_000n);
      expect(extra).to.be.lessThan(MODEL_GAS + 5_000n);
    });
  });

  describe("swapping the model under an open position", function () {
    it("protects a position healthy under the old model for 7 days, then the new model decides", async function () {
      // Back to the built-in collateral model, then open 14,000 against 10 WETH (limit 16,000).
      await installCreditModel(f, f.poolId, ZeroAddress);
      await post(wad(10));
      await (await borrow(usd(14_000))).wait();
      await expect(liquidate(f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
        .withArgs(f.poolId, f.borrower.address, usd(14_000), usd(16_000));

      // The timelock installs a stricter model: borrowing follows it at once, but for 7 days
      // the previous model's liquidation limit still protects the position.
      await (await model.setMode(CREDIT_MODE.Fixed)).wait();
      await (await model.setLimits(f.borrower.address, usd(10_000), usd(12_000))).wait();
      await installCreditModel(f, f.poolId, modelAddress);
      const during = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect([during.creditModel, during.borrowLimit, during.liquidationLimit]).to.deep.equal([
        modelAddress,
        usd(10_000),
        usd(16_000),
      ]);
      await expect(borrow(1n))
        .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
        .withArgs(f.poolId, f.borrower.address, usd(14_000) + 1n, usd(10_000));
      await expect(liquidate(f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy")
        .withArgs(f.poolId, f.borrower.address, usd(14_000), usd(16_000));
      await afterSwapGrace();
      const after = await f.suite.lendingPosition(f.poolId, f.borrower.address);
      expect(after.liquidationLimit).to.equal(usd(12_000));
      await expect(liquidate(f.borrower.address))
        .to.emit(f.suite, "LendingLiquidated")
        .withArgs(f.poolId, f.borrower.address, f.liquidator.address, weth, usd(7_000), wad("3.675"), usd(7_000));

      // And a more generous one lets the borrower borrow more at once.
      await (await model.setLimits(f.borrower.address, usd(30_000), usd(35_000))).wait();
      await (await borrow(usd(20_000))).wait();
      expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(usd(27_000));
      await expectSolvent(f);
    });
  });
});
