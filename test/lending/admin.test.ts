// The lending module's administration: its selectors, pool creation, collateral parameters
// (lowering risk directly, raising it only through the timelock), limits, models, the pool
// pause and its rules, reserves, and the guardian's module pause.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, concat, getAddress, type Interface } from "ethers";

import { interfaceIdOf } from "../../scripts/lib/artifacts.js";
import { moduleId, selectorsOf } from "../../scripts/lib/core.js";
import { annual, LENDING_ADMIN_ROLE, lendingCalls, type CollateralParams } from "../../scripts/lib/lending.js";
import {
  ILending__factory,
  ILendingAdmin__factory,
  ILendingViews__factory,
  LendingAdminFacet__factory,
  LendingFacet__factory,
  LendingViewFacet__factory,
  MockCreditModel__factory,
  MockPriceFeed__factory,
  MockToken__factory,
} from "../../typechain-types/index.js";
import {
  borrowAgainstWeth,
  bpsOf,
  expectNothingChanged,
  expectSolvent,
  lendingState,
  nextBlockIn,
  NO_CODE,
  poolTotals,
  sampleArg,
  scheduled,
  timelocked,
} from "../support/lending.js";
import { DAY, lendingFixture, price8, usd, wad, type LendingFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => lendingFixture(ethers);

const LENDING_ID = moduleId("lending");
const sorted = (xs: readonly string[]) => [...xs].sort();

/** A collateral's parameters as the event and the view return them (a tuple). */
const tuple = (p: CollateralParams) => [
  p.feed,
  p.maxPriceAge,
  p.ltvBps,
  p.liquidationThresholdBps,
  p.liquidationBonusBps,
  p.supplyCap,
];

describe("lending: administration", function () {
  let f: LendingFixture;
  let weth: string;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    weth = await f.weth.getAddress();
  });

  // ---------------------------------------------------------------- the module

  describe("the module", function () {
    const interfaces: [string, Interface, Interface][] = [
      ["ILending", ILending__factory.createInterface(), LendingFacet__factory.createInterface()],
      ["ILendingAdmin", ILendingAdmin__factory.createInterface(), LendingAdminFacet__factory.createInterface()],
      ["ILendingViews", ILendingViews__factory.createInterface(), LendingViewFacet__factory.createInterface()],
    ];

    it("registers exactly the functions of ILending, ILendingAdmin and ILendingViews, one facet each", async function () {
      const info = await f.diamond.getModule(LENDING_ID);
      expect(info.version).to.deep.equal([0n, 1n, 0n]);
      expect(info.facets).to.have.length(3);
      const registered = info.facets.map((facet) => sorted(facet.functionSelectors));
      for (const [name, iface, facet] of interfaces) {
        // The facet contract exposes nothing but its interface...
        expect(sorted(selectorsOf(facet)), name).to.deep.equal(sorted(selectorsOf(iface)));
        // ...and one registered facet serves exactly it.
        expect(registered, name).to.deep.include(sorted(selectorsOf(iface)));
      }
      const all = interfaces.flatMap(([, iface]) => selectorsOf(iface));
      expect(sorted(registered.flat())).to.deep.equal(sorted(all));
      for (const selector of all) expect(await f.diamond.moduleOfSelector(selector), selector).to.equal(LENDING_ID);
    });

    it("declares the three interfaces for ERC-165", async function () {
      const info = await f.diamond.getModule(LENDING_ID);
      const ids = interfaces.map(([, iface]) => interfaceIdOf(selectorsOf(iface)));
      expect(sorted(info.interfaceIds)).to.deep.equal(sorted(ids));
      for (const id of ids) expect(await f.diamond.supportsInterface(id)).to.equal(true);
    });

    it("the guardian's module pause stops every lending function, views and the vault included; unpausing restores them", async function () {
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(1_000), f.supplier.address)).wait();
      const before = await lendingState(f);
      await (await f.diamond.connect(f.guardian).pauseModule(LENDING_ID)).wait();
      expect(await f.diamond.isModulePaused(LENDING_ID)).to.equal(true);
      let checked = 0;
      for (const [, iface] of interfaces) {
        const fragments: string[] = [];
        iface.forEachFunction((fn) => fragments.push(fn.format("sighash")));
        for (const signature of fragments) {
          const fn = iface.getFunction(signature)!;
          const data = iface.encodeFunctionData(
            fn,
            fn.inputs.map((p) => sampleArg(p, f.supplier.address)),
          );
          await expect(f.admin.sendTransaction({ to: f.diamondAddress, data }), signature)
            .to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused")
            .withArgs(LENDING_ID);
          checked++;
        }
      }
      expect(checked).to.equal(interfaces.reduce((n, [, iface]) => n + selectorsOf(iface).length, 0));
      // The vault's books are the diamond's: deposits, redemptions, share transfers and the
      // views all stop with the module (allowances, kept in the vault, do not).
      for (const call of [
        () => f.vault.deposit(usd(1), f.supplier.address),
        () => f.vault.redeem(10n ** 6n, f.supplier.address, f.supplier.address),
        () => f.vault.transfer(f.carol.address, 1n),
        () => f.vault.totalAssets(),
        () => f.vault.maxWithdraw(f.supplier.address),
        () => f.vault.balanceOf(f.supplier.address),
        () => f.vault.totalSupply(),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused").withArgs(LENDING_ID);
      }
      await (await f.vault.approve(f.carol.address, 1n)).wait();
      expect(await f.vault.allowance(f.supplier.address, f.carol.address)).to.equal(1n);
      await (await f.vault.approve(f.carol.address, 0n)).wait();

      await (await f.diamond.connect(f.owner).unpauseModule(LENDING_ID)).wait();
      expect(await lendingState(f)).to.deep.equal(before);
      await expect(f.vault.redeem(10n ** 6n, f.supplier.address, f.supplier.address)).to.emit(f.vault, "Withdraw");
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- createLendingPool

  describe("createLendingPool", function () {
    const second = async () => ({
      ...f.params,
      asset: weth,
      priceFeed: await f.wethFeed.getAddress(),
      priceMaxAge: 3_600,
      reserveFactorBps: 1_500,
      supplyCap: wad(1_000),
      borrowCap: wad(800),
      dustThreshold: wad("0.05"),
      name: "Second pool",
      symbol: "sp2",
    });

    it("creates the pool and a clone of the one vault implementation, with LendingPoolCreated and LendingPoolLimitsSet", async function () {
      const credit = await new MockCreditModel__factory(f.owner).deploy();
      const params = { ...(await second()), creditModel: await credit.getAddress() };
      const [poolId, vault] = await f.suite.createLendingPool.staticCall(params);
      expect(poolId).to.equal(2n);
      await expect(f.suite.createLendingPool(params))
        .to.emit(f.suite, "LendingPoolCreated")
        .withArgs(2n, weth, vault, params.rateModel, params.creditModel, params.priceFeed, 3_600)
        .and.to.emit(f.suite, "LendingPoolLimitsSet")
        .withArgs(2n, 1_500, wad(1_000), wad(800), wad("0.05"));
      expect(await f.suite.lendingPoolCount()).to.equal(2n);

      const pool = await f.suite.lendingPool(2n);
      expect([pool.asset, pool.vault, pool.rateModel, pool.creditModel, pool.priceFeed]).to.deep.equal([
        weth,
        vault,
        params.rateModel,
        params.creditModel,
        params.priceFeed,
      ]);
      expect([pool.cash, pool.borrows, pool.reserves, pool.totalAssets, pool.totalShares, pool.badDebt]).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
        0n,
        0n,
      ]);
      expect([pool.supplyCap, pool.borrowCap, pool.dustThreshold, pool.reserveFactorBps]).to.deep.equal([
        wad(1_000),
        wad(800),
        wad("0.05"),
        1_500n,
      ]);
      expect([pool.borrowIndex, pool.sharePrice, pool.supplyPaused, pool.borrowPaused]).to.deep.equal([
        10n ** 18n,
        10n ** 18n,
        false,
        false,
      ]);
      expect(pool.collaterals).to.deep.equal([]);

      // EIP-1167 with immutable arguments: the minimal proxy to the implementation both pools
      // share, followed by abi.encode(diamond, asset, poolId, share decimals, name, symbol).
      const code = await ethers.provider.getCode(vault);
      const implementation = getAddress("0x" + code.slice(22, 62));
      expect(code.slice(0, 22)).to.equal("0x363d3d373d3d3d363d73");
      expect(code.slice(62, 92)).to.equal("5af43d82803e903d91602b57fd5bf3");
      const args = AbiCoder.defaultAbiCoder().encode(
        ["address", "address", "uint256", "uint8", "string", "string"],
        [f.diamondAddress, weth, 2n, 18 + 6, "Second pool", "sp2"],
      );
      expect(code).to.equal(concat([code.slice(0, 92), args]));
      const firstCode = await ethers.provider.getCode(await f.vault.getAddress());
      expect(getAddress("0x" + firstCode.slice(22, 62))).to.equal(implementation);
      const reference = await ethers.deployContract("LendingPoolVault");
      expect(await ethers.provider.getCode(implementation)).to.equal(
        await ethers.provider.getCode(await reference.getAddress()),
      );
    });

    it("refuses a caller without LENDING_ADMIN_ROLE, the guardian included", async function () {
      const params = await second();
      for (const caller of [f.carol, f.guardian]) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.connect(caller).createLendingPool(params))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, LENDING_ADMIN_ROLE);
        });
      }
    });

    it("refuses an asset without code or with more than 36 decimals (LendingAssetInvalid)", async function () {
      const wide = await new MockToken__factory(f.owner).deploy("Wide", "W37", 37);
      for (const asset of [NO_CODE, await wide.getAddress()]) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.createLendingPool({ ...(await second()), asset }))
            .to.be.revertedWithCustomError(f.suite, "LendingAssetInvalid")
            .withArgs(asset);
        });
      }
      // 36 decimals is the most: its vault has 42.
      const widest = await new MockToken__factory(f.owner).deploy("Widest", "W36", 36);
      const [poolId, vault] = await f.suite.createLendingPool.staticCall({
        ...(await second()),
        asset: await widest.getAddress(),
      });
      await (await f.suite.createLendingPool({ ...(await second()), asset: await widest.getAddress() })).wait();
      expect(await f.vault.attach(vault).getFunction("decimals")()).to.equal(42n);
      expect(poolId).to.equal(2n);
    });

    it("refuses a rate model that is zero or has no code, and a credit model without code (LendingModelInvalid)", async function () {
      const cases = [
        { rateModel: ethers.ZeroAddress, bad: ethers.ZeroAddress },
        { rateModel: NO_CODE, bad: NO_CODE },
        { creditModel: NO_CODE, bad: NO_CODE },
      ];
      for (const { bad, ...change } of cases) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.createLendingPool({ ...(await second()), ...change }))
            .to.be.revertedWithCustomError(f.suite, "LendingModelInvalid")
            .withArgs(bad);
        });
      }
    });

    it("refuses a reserve factor above 50 % (LendingReserveFactorTooHigh); 50 % itself is accepted", async function () {
      await expectNothingChanged(f, async () => {
        await expect(f.suite.createLendingPool({ ...(await second()), reserveFactorBps: 5_001 }))
          .to.be.revertedWithCustomError(f.suite, "LendingReserveFactorTooHigh")
          .withArgs(5_001, 5_000);
      });
      await expect(f.suite.createLendingPool({ ...(await second()), reserveFactorBps: 5_000 }))
        .to.emit(f.suite, "LendingPoolLimitsSet")
        .withArgs(2n, 5_000, wad(1_000), wad(800), wad("0.05"));
    });

    it("refuses a price feed without code (LendingFeedInvalid) or with more than 36 decimals (FeedDecimalsInvalid)", async function () {
      await expectNothingChanged(f, async () => {
        await expect(f.suite.createLendingPool({ ...(await second()), priceFeed: NO_CODE }))
          .to.be.revertedWithCustomError(f.suite, "LendingFeedInvalid")
          .withArgs(NO_CODE);
      });
      const wide = await new MockPriceFeed__factory(f.owner).deploy(37, 1n);
      await expectNothingChanged(f, async () => {
        await expect(f.suite.createLendingPool({ ...(await second()), priceFeed: await wide.getAddress() }))
          .to.be.revertedWithCustomError(f.suite, "FeedDecimalsInvalid")
          .withArgs(await wide.getAddress(), 37);
      });
    });
  });

  // ---------------------------------------------------------------- setLendingCollateral

  describe("setLendingCollateral", function () {
    it("lets the admin lower an LTV or a cap directly, with LendingCollateralSet", async function () {
      const lower = { ...f.wethCollateral, ltvBps: 6_000 };
      await expect(f.suite.setLendingCollateral(f.poolId, weth, lower))
        .to.emit(f.suite, "LendingCollateralSet")
        .withArgs(f.poolId, weth, tuple(lower));
      expect(await f.suite.lendingCollateral(f.poolId, weth)).to.deep.equal(tuple(lower));
      const smaller = { ...lower, supplyCap: wad(5) };
      await expect(f.suite.setLendingCollateral(f.poolId, weth, smaller))
        .to.emit(f.suite, "LendingCollateralSet")
        .withArgs(f.poolId, weth, tuple(smaller));
      const both = { ...smaller, ltvBps: 0, supplyCap: 0n };
      await (await f.suite.setLendingCollateral(f.poolId, weth, both)).wait();
      expect(await f.suite.lendingCollateral(f.poolId, weth)).to.deep.equal(tuple(both));
      // A cap of 0 refuses new collateral.
      await expect(f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, 1n, f.borrower.address))
        .to.be.revertedWithCustomError(f.suite, "LendingCollateralCapExceeded")
        .withArgs(f.poolId, weth, 1n, 0n);
    });

    it("refuses the admin anything that raises risk without the timelock (LendingChangeNeedsTimelock)", async function () {
      const otherFeed = await new MockPriceFeed__factory(f.owner).deploy(8, price8(2_000));
      const newToken = await new MockToken__factory(f.owner).deploy("New", "NEW", 18);
      const base = f.wethCollateral;
      const changes: [string, string, CollateralParams][] = [
        ["a new collateral", await newToken.getAddress(), base],
        ["a higher LTV", weth, { ...base, ltvBps: 7_501 }],
        ["a lower threshold", weth, { ...base, liquidationThresholdBps: 7_900 }],
        ["a higher threshold", weth, { ...base, liquidationThresholdBps: 8_100 }],
        ["a lower bonus", weth, { ...base, liquidationBonusBps: 400 }],
        ["a higher bonus", weth, { ...base, liquidationBonusBps: 600 }],
        ["another feed", weth, { ...base, feed: await otherFeed.getAddress() }],
        ["a longer max price age", weth, { ...base, maxPriceAge: DAY + 1 }],
        ["a shorter max price age", weth, { ...base, maxPriceAge: DAY - 1 }],
        ["a higher cap", weth, { ...base, supplyCap: BigInt(base.supplyCap) + 1n }],
        ["a lower LTV with a higher cap", weth, { ...base, ltvBps: 7_000, supplyCap: BigInt(base.supplyCap) + 1n }],
      ];
      for (const [what, token, params] of changes) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.setLendingCollateral(f.poolId, token, params), what)
            .to.be.revertedWithCustomError(f.suite, "LendingChangeNeedsTimelock")
            .withArgs(f.poolId);
        });
      }
      // Every one of them goes through the timelock.
      for (const [what, token, params] of changes) {
        const execute = await scheduled(f, [lendingCalls.setCollateral(f.poolId, token, params)]);
        await expect(execute(), what).to.emit(f.suite, "LendingCollateralSet").withArgs(f.poolId, token, tuple(params));
        expect(await f.suite.lendingCollateral(f.poolId, token), what).to.deep.equal(tuple(params));
      }
      expect((await f.suite.lendingPool(f.poolId)).collaterals).to.deep.equal([
        weth,
        await f.wbtc.getAddress(),
        await newToken.getAddress(),
      ]);
    });

    it("refuses a caller without the role, and an unknown pool", async function () {
      for (const caller of [f.carol, f.guardian]) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.connect(caller).setLendingCollateral(f.poolId, weth, f.wethCollateral))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, LENDING_ADMIN_ROLE);
        });
      }
      await expect(f.suite.setLendingCollateral(7n, weth, f.wethCollateral))
        .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
        .withArgs(7n);
      const execute = await scheduled(f, [lendingCalls.setCollateral(7n, weth, f.wethCollateral)]);
      await expect(execute()).to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown").withArgs(7n);
    });

    it("refuses parameters where a liquidation could leave the pool worse off (LendingCollateralParamsInvalid)", async function () {
      const invalid: [number, number, number][] = [
        [8_000, 8_000, 500], // LTV at the threshold
        [8_500, 8_000, 500], // LTV above it
        [5_000, 10_001, 0], // threshold above 100 %
        [5_000, 10_000, 0], // threshold × (1 + bonus) = 100 %
        [5_000, 9_600, 500], // 9,600 × 1.05 > 100 %
        [5_000, 9_524, 500], // 9,524 × 1.05 = 100.002 %
      ];
      for (const [ltvBps, liquidationThresholdBps, liquidationBonusBps] of invalid) {
        const params = { ...f.wethCollateral, ltvBps, liquidationThresholdBps, liquidationBonusBps };
        // Checked before the timelock rule: the admin hears why directly...
        await expectNothingChanged(f, async () => {
          await expect(f.suite.setLendingCollateral(f.poolId, weth, params))
            .to.be.revertedWithCustomError(f.suite, "LendingCollateralParamsInvalid")
            .withArgs(ltvBps, liquidationThresholdBps, liquidationBonusBps);
        });
        // ...and the timelock cannot force them either.
        const execute = await scheduled(f, [lendingCalls.setCollateral(f.poolId, weth, params)]);
        await expect(execute())
          .to.be.revertedWithCustomError(f.suite, "LendingCollateralParamsInvalid")
          .withArgs(ltvBps, liquidationThresholdBps, liquidationBonusBps);
      }
      // Just under the bound is accepted: 9,523 × 1.05 = 99.99 %.
      const edge = { ...f.wethCollateral, ltvBps: 5_000, liquidationThresholdBps: 9_523, liquidationBonusBps: 500 };
      await expect((await scheduled(f, [lendingCalls.setCollateral(f.poolId, weth, edge)]))())
        .to.emit(f.suite, "LendingCollateralSet")
        .withArgs(f.poolId, weth, tuple(edge));
    });

    it("refuses the loan asset, a token without code or with more than 36 decimals (LendingAssetInvalid)", async function () {
      const usdc = await f.usdc.getAddress();
      const wide = await (await new MockToken__factory(f.owner).deploy("Wide", "W37", 37)).getAddress();
      for (const token of [usdc, NO_CODE]) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.setLendingCollateral(f.poolId, token, f.wethCollateral))
            .to.be.revertedWithCustomError(f.suite, "LendingAssetInvalid")
            .withArgs(token);
        });
      }
      for (const token of [usdc, NO_CODE, wide]) {
        const execute = await scheduled(f, [lendingCalls.setCollateral(f.poolId, token, f.wethCollateral)]);
        await expectNothingChanged(f, async () => {
          await expect(execute()).to.be.revertedWithCustomError(f.suite, "LendingAssetInvalid").withArgs(token);
        });
      }
    });

    it("refuses a feed without code (LendingFeedInvalid) or with more than 36 decimals (FeedDecimalsInvalid)", async function () {
      const token = await (await new MockToken__factory(f.owner).deploy("New", "NEW", 18)).getAddress();
      const wide = await (await new MockPriceFeed__factory(f.owner).deploy(37, 1n)).getAddress();
      let execute = await scheduled(f, [
        lendingCalls.setCollateral(f.poolId, token, { ...f.wethCollateral, feed: NO_CODE }),
      ]);
      await expect(execute()).to.be.revertedWithCustomError(f.suite, "LendingFeedInvalid").withArgs(NO_CODE);
      execute = await scheduled(f, [lendingCalls.setCollateral(f.poolId, token, { ...f.wethCollateral, feed: wide })]);
      await expect(execute()).to.be.revertedWithCustomError(f.suite, "FeedDecimalsInvalid").withArgs(wide, 37);
      // Zero is a feed without code too.
      execute = await scheduled(f, [
        lendingCalls.setCollateral(f.poolId, token, { ...f.wethCollateral, feed: ethers.ZeroAddress }),
      ]);
      await expect(execute()).to.be.revertedWithCustomError(f.suite, "LendingFeedInvalid").withArgs(ethers.ZeroAddress);
      await expect(f.suite.lendingCollateral(f.poolId, token))
        .to.be.revertedWithCustomError(f.suite, "LendingNotCollateral")
        .withArgs(f.poolId, token);
    });

    it("accepts eight collaterals and refuses a ninth (LendingTooManyCollaterals)", async function () {
      const tokens: string[] = [];
      for (let i = 0; i < 7; i++) {
        tokens.push(await (await new MockToken__factory(f.owner).deploy(`T${i}`, `T${i}`, 18)).getAddress());
      }
      await timelocked(
        f,
        tokens.slice(0, 6).map((t) => lendingCalls.setCollateral(f.poolId, t, f.wethCollateral)),
      );
      const listed = (await f.suite.lendingPool(f.poolId)).collaterals;
      expect(listed).to.deep.equal([weth, await f.wbtc.getAddress(), ...tokens.slice(0, 6)]);
      const execute = await scheduled(f, [lendingCalls.setCollateral(f.poolId, tokens[6], f.wethCollateral)]);
      await expectNothingChanged(f, async () => {
        await expect(execute())
          .to.be.revertedWithCustomError(f.suite, "LendingTooManyCollaterals")
          .withArgs(f.poolId, 8);
      });
      // Changing one of the eight is still possible.
      const lower = { ...f.wethCollateral, ltvBps: 1_000 };
      await expect(f.suite.setLendingCollateral(f.poolId, tokens[5], lower))
        .to.emit(f.suite, "LendingCollateralSet")
        .withArgs(f.poolId, tokens[5], tuple(lower));
    });
  });

  // ---------------------------------------------------------------- setLendingPoolLimits

  describe("setLendingPoolLimits", function () {
    it("sets the reserve factor, caps and dust threshold, with LendingPoolLimitsSet", async function () {
      await expect(f.suite.setLendingPoolLimits(f.poolId, 5_000, usd(1), 0n, usd(2)))
        .to.emit(f.suite, "LendingPoolLimitsSet")
        .withArgs(f.poolId, 5_000, usd(1), 0n, usd(2));
      const pool = await f.suite.lendingPool(f.poolId);
      expect([pool.reserveFactorBps, pool.supplyCap, pool.borrowCap, pool.dustThreshold]).to.deep.equal([
        5_000n,
        usd(1),
        0n,
        usd(2),
      ]);
    });

    it("refuses a caller without the role, an unknown pool and a reserve factor above 50 %", async function () {
      const { supplyCap, borrowCap, dustThreshold } = f.params;
      for (const caller of [f.carol, f.guardian]) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.connect(caller).setLendingPoolLimits(f.poolId, 100, supplyCap, borrowCap, dustThreshold))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, LENDING_ADMIN_ROLE);
        });
      }
      await expectNothingChanged(f, async () => {
        await expect(f.suite.setLendingPoolLimits(3n, 100, supplyCap, borrowCap, dustThreshold))
          .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
          .withArgs(3n);
        await expect(f.suite.setLendingPoolLimits(f.poolId, 5_001, supplyCap, borrowCap, dustThreshold))
          .to.be.revertedWithCustomError(f.suite, "LendingReserveFactorTooHigh")
          .withArgs(5_001, 5_000);
      });
    });

    it("accrues interest at the old reserve factor before changing it", async function () {
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
      await borrowAgainstWeth(f, usd(50_000));
      await networkHelpers.time.increase(365 * DAY);
      const { supplyCap, borrowCap, dustThreshold } = f.params;

      const accrued = async (tx: Promise<unknown>) => {
        const receipt = await (await (tx as ReturnType<typeof f.suite.setLendingPoolLimits>)).wait();
        const log = receipt!.logs
          .map((l) => f.suite.interface.parseLog(l))
          .find((e) => e?.name === "LendingInterestAccrued")!;
        return { interest: log.args.interest as bigint, toReserves: log.args.toReserves as bigint };
      };
      // Nothing accrued since the borrow: the views show the year's interest as pending.
      await nextBlockIn(networkHelpers, 10);
      const pending = await f.suite.lendingPool(f.poolId, { blockTag: "pending" });
      const first = await accrued(f.suite.setLendingPoolLimits(f.poolId, 5_000, supplyCap, borrowCap, dustThreshold));
      expect(first.interest).to.equal(pending.borrows - usd(50_000));
      expect(first.toReserves).to.equal(bpsOf(first.interest, 1_000));
      expect(first.toReserves).to.equal(pending.reserves);
      expect((await f.suite.lendingPool(f.poolId)).reserves).to.equal(first.toReserves);

      await networkHelpers.time.increase(30 * DAY);
      const second = await accrued(f.suite.setLendingPoolLimits(f.poolId, 0, supplyCap, borrowCap, dustThreshold));
      expect(second.interest).to.be.greaterThan(0n);
      expect(second.toReserves).to.equal(bpsOf(second.interest, 5_000));
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- models

  describe("setLendingRateModel and setLendingCreditModel", function () {
    it("refuse the admin directly (LendingChangeNeedsTimelock) and anyone else (AccessControlUnauthorizedAccount)", async function () {
      const model = await f.rateModel.getAddress();
      await expectNothingChanged(f, async () => {
        await expect(f.suite.setLendingRateModel(f.poolId, model))
          .to.be.revertedWithCustomError(f.suite, "LendingChangeNeedsTimelock")
          .withArgs(f.poolId);
        await expect(f.suite.setLendingCreditModel(f.poolId, ethers.ZeroAddress))
          .to.be.revertedWithCustomError(f.suite, "LendingChangeNeedsTimelock")
          .withArgs(f.poolId);
        for (const caller of [f.carol, f.guardian, f.upgrader]) {
          await expect(f.suite.connect(caller).setLendingRateModel(f.poolId, model))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, LENDING_ADMIN_ROLE);
          await expect(f.suite.connect(caller).setLendingCreditModel(f.poolId, ethers.ZeroAddress))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, LENDING_ADMIN_ROLE);
        }
      });
    });

    it("the timelock replaces the rate model after accruing at the old rate, with LendingRateModelSet", async function () {
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
      await borrowAgainstWeth(f, usd(90_000));
      await networkHelpers.time.increase(90 * DAY);
      const steep = await ethers.deployContract("KinkedRateModel", [
        annual("5%"),
        annual("20%"),
        wad("0.5"),
        annual("300%"),
      ]);
      const execute = await scheduled(f, [lendingCalls.setRateModel(f.poolId, await steep.getAddress())]);
      // Nothing accrued since the borrow: what the views show as pending is the old model's.
      await nextBlockIn(networkHelpers, 10);
      const pending = await f.suite.lendingPool(f.poolId, { blockTag: "pending" });
      const interest = pending.borrows - usd(90_000);
      expect(pending.reserves).to.equal(bpsOf(interest, 1_000));
      await expect(execute())
        .to.emit(f.suite, "LendingInterestAccrued")
        .withArgs(f.poolId, interest, pending.reserves, pending.borrowIndex)
        .and.to.emit(f.suite, "LendingRateModelSet")
        .withArgs(f.poolId, await steep.getAddress());
      const after = await f.suite.lendingPool(f.poolId);
      expect(after.rateModel).to.equal(await steep.getAddress());
      expect(after.borrowRatePerSecond).to.equal(await steep.borrowRatePerSecond(after.cash, after.borrows));
      expect(after.borrowRatePerSecond).to.not.equal(await f.rateModel.borrowRatePerSecond(after.cash, after.borrows));
      await expectSolvent(f);
    });

    it("the timelock refuses a rate model that is zero or has no code, and an unknown pool", async function () {
      for (const bad of [ethers.ZeroAddress, NO_CODE]) {
        const execute = await scheduled(f, [lendingCalls.setRateModel(f.poolId, bad)]);
        await expect(execute()).to.be.revertedWithCustomError(f.suite, "LendingModelInvalid").withArgs(bad);
      }
      const execute = await scheduled(f, [lendingCalls.setRateModel(5n, await f.rateModel.getAddress())]);
      await expect(execute()).to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown").withArgs(5n);
    });

    it("the timelock sets a credit model, or zero for the built-in one, and refuses one without code", async function () {
      const credit = await (await new MockCreditModel__factory(f.owner).deploy()).getAddress();
      const graceUntil = (t: bigint) => t + 7n * 86_400n;
      const first = await (await scheduled(f, [lendingCalls.setCreditModel(f.poolId, credit)]))();
      const firstAt = BigInt((await ethers.provider.getBlock(first.blockNumber!))!.timestamp);
      await expect(first)
        .to.emit(f.suite, "LendingCreditModelSet")
        .withArgs(f.poolId, credit, ethers.ZeroAddress, graceUntil(firstAt));
      expect((await f.suite.lendingPool(f.poolId)).creditModel).to.equal(credit);
      const second = await (await scheduled(f, [lendingCalls.setCreditModel(f.poolId, ethers.ZeroAddress)]))();
      const secondAt = BigInt((await ethers.provider.getBlock(second.blockNumber!))!.timestamp);
      await expect(second)
        .to.emit(f.suite, "LendingCreditModelSet")
        .withArgs(f.poolId, ethers.ZeroAddress, credit, graceUntil(secondAt));
      expect((await f.suite.lendingPool(f.poolId)).creditModel).to.equal(ethers.ZeroAddress);
      const execute = await scheduled(f, [lendingCalls.setCreditModel(f.poolId, NO_CODE)]);
      await expect(execute()).to.be.revertedWithCustomError(f.suite, "LendingModelInvalid").withArgs(NO_CODE);
    });
  });

  // ---------------------------------------------------------------- pool pause

  describe("setLendingPoolPaused", function () {
    it("the admin or the guardian pauses and resumes, with LendingPoolPaused naming who", async function () {
      await expect(f.suite.setLendingPoolPaused(f.poolId, true, false))
        .to.emit(f.suite, "LendingPoolPaused")
        .withArgs(f.poolId, true, false, f.admin.address);
      let pool = await f.suite.lendingPool(f.poolId);
      expect([pool.supplyPaused, pool.borrowPaused]).to.deep.equal([true, false]);
      await expect(f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, false, true))
        .to.emit(f.suite, "LendingPoolPaused")
        .withArgs(f.poolId, false, true, f.guardian.address);
      pool = await f.suite.lendingPool(f.poolId);
      expect([pool.supplyPaused, pool.borrowPaused]).to.deep.equal([false, true]);
      await expect(f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, false, false))
        .to.emit(f.suite, "LendingPoolPaused")
        .withArgs(f.poolId, false, false, f.guardian.address);
    });

    it("refuses anyone else, and an unknown pool", async function () {
      for (const caller of [f.carol, f.upgrader]) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.connect(caller).setLendingPoolPaused(f.poolId, true, true))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, LENDING_ADMIN_ROLE);
        });
      }
      await expect(f.suite.connect(f.guardian).setLendingPoolPaused(4n, true, true))
        .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
        .withArgs(4n);
    });

    it("a paused pool refuses supply and borrowing; repay, collateral, withdrawals and liquidations go on", async function () {
      const s = f.suite;
      await (await s.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
      await (await s.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(10), f.borrower.address)).wait();
      await (await s.connect(f.borrower).borrow(f.poolId, usd(12_000), f.borrower.address)).wait();
      await (await s.connect(f.guardian).setLendingPoolPaused(f.poolId, true, true)).wait();

      await expectNothingChanged(f, async () => {
        await expect(s.connect(f.carol).supply(f.poolId, usd(1), f.carol.address))
          .to.be.revertedWithCustomError(s, "LendingSupplyPaused")
          .withArgs(f.poolId);
        await expect(f.vault.connect(f.carol).deposit(usd(1), f.carol.address))
          .to.be.revertedWithCustomError(s, "LendingSupplyPaused")
          .withArgs(f.poolId);
        await expect(s.connect(f.borrower).borrow(f.poolId, usd(1), f.borrower.address))
          .to.be.revertedWithCustomError(s, "LendingBorrowPaused")
          .withArgs(f.poolId);
      });
      expect(await s.lendingMaxBorrow(f.poolId, f.borrower.address)).to.equal(0n);

      await expect(s.connect(f.borrower).repay(f.poolId, usd(1_000), f.borrower.address)).to.emit(s, "LendingRepaid");
      await expect(s.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(1), f.borrower.address))
        .to.emit(s, "LendingCollateralSupplied")
        .withArgs(f.poolId, f.borrower.address, weth, f.borrower.address, wad(1));
      await expect(s.connect(f.borrower).withdrawCollateral(f.poolId, weth, wad("0.5"), f.borrower.address))
        .to.emit(s, "LendingCollateralWithdrawn")
        .withArgs(f.poolId, f.borrower.address, weth, f.borrower.address, wad("0.5"));
      await expect(s.connect(f.supplier).withdraw(f.poolId, usd(10_000), f.supplier.address)).to.emit(
        f.vault,
        "Withdraw",
      );
      // 10.5 WETH at 1,200 with an 80 % threshold covers 10,080 < ~11,000 of debt.
      await (await f.wethFeed.set(price8(1_200), await networkHelpers.time.latest())).wait();
      await expect(s.connect(f.liquidator).liquidate(f.poolId, f.borrower.address, weth, usd(100_000))).to.emit(
        s,
        "LendingLiquidated",
      );
      await expectSolvent(f);

      await (await s.setLendingPoolPaused(f.poolId, false, false)).wait();
      await expect(s.connect(f.carol).supply(f.poolId, usd(1), f.carol.address)).to.emit(f.vault, "Deposit");
      await (await f.wethFeed.set(price8(2_000), await networkHelpers.time.latest())).wait();
      await expect(s.connect(f.borrower).borrow(f.poolId, usd(1), f.borrower.address)).to.emit(s, "LendingBorrowed");
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- reserves

  describe("withdrawLendingReserves", function () {
    beforeEach(async function () {
      await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
      await borrowAgainstWeth(f, usd(50_000));
      await networkHelpers.time.increase(365 * DAY);
    });

    afterEach(async function () {
      await expectSolvent(f);
    });

    it("sends reserves to the receiver, with LendingReservesWithdrawn; suppliers' assets do not move", async function () {
      await nextBlockIn(networkHelpers, 10);
      const pending = await f.suite.lendingPool(f.poolId, { blockTag: "pending" });
      const reserves = pending.reserves;
      expect(reserves).to.be.greaterThan(usd(100));
      await expect(f.suite.withdrawLendingReserves(f.poolId, reserves, f.bob.address))
        .to.emit(f.suite, "LendingReservesWithdrawn")
        .withArgs(f.poolId, f.bob.address, reserves)
        .and.to.emit(f.usdc, "Transfer")
        .withArgs(f.diamondAddress, f.bob.address, reserves);
      const after = await f.suite.lendingPool(f.poolId);
      expect(after.reserves).to.equal(0n);
      expect(after.cash).to.equal(pending.cash - reserves);
      expect(after.totalAssets).to.equal(pending.totalAssets);
      expect(after.sharePrice).to.equal(pending.sharePrice);
      expect(await f.usdc.balanceOf(f.bob.address)).to.equal(reserves);
      await expectSolvent(f);
    });

    it("refuses more than the reserves (LendingNoReserves), a zero amount and an invalid receiver", async function () {
      await nextBlockIn(networkHelpers, 10);
      const { reserves } = await f.suite.lendingPool(f.poolId, { blockTag: "pending" });
      await expectNothingChanged(f, async () => {
        await expect(f.suite.withdrawLendingReserves(f.poolId, reserves + 1n, f.bob.address))
          .to.be.revertedWithCustomError(f.suite, "LendingNoReserves")
          .withArgs(f.poolId, reserves + 1n, reserves);
        await expect(f.suite.withdrawLendingReserves(f.poolId, 0n, f.bob.address)).to.be.revertedWithCustomError(
          f.suite,
          "LendingZeroAmount",
        );
        for (const to of [ethers.ZeroAddress, f.diamondAddress]) {
          await expect(f.suite.withdrawLendingReserves(f.poolId, 1n, to))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(to);
        }
        await expect(f.suite.withdrawLendingReserves(2n, 1n, f.bob.address))
          .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
          .withArgs(2n);
      });
      // A pool that never lent has none.
      const { poolId } = await (async () => {
        const params = { ...f.params, name: "Empty", symbol: "E" };
        const [id] = await f.suite.createLendingPool.staticCall(params);
        await (await f.suite.createLendingPool(params)).wait();
        return { poolId: id };
      })();
      await expect(f.suite.withdrawLendingReserves(poolId, 1n, f.bob.address))
        .to.be.revertedWithCustomError(f.suite, "LendingNoReserves")
        .withArgs(poolId, 1n, 0n);
    });

    it("refuses a caller without LENDING_ADMIN_ROLE, the guardian included", async function () {
      for (const caller of [f.carol, f.guardian]) {
        await expectNothingChanged(f, async () => {
          await expect(f.suite.connect(caller).withdrawLendingReserves(f.poolId, 1n, caller.address))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, LENDING_ADMIN_ROLE);
        });
      }
    });

    it("refuses reserves the pool has lent out (LendingInsufficientCash)", async function () {
      // Borrow the rest of the cash: reserves are on the books but not in the diamond.
      const { cash } = await poolTotals(f);
      await (await f.wethFeed.set(price8(2_000), await networkHelpers.time.latest())).wait();
      await (await f.suite.connect(f.borrower).borrow(f.poolId, cash, f.borrower.address)).wait();
      expect((await f.suite.lendingPool(f.poolId)).cash).to.equal(0n);
      const { reserves } = await f.suite.lendingPool(f.poolId);
      expect(reserves).to.be.greaterThan(0n);
      await expectNothingChanged(f, async () => {
        await expect(f.suite.withdrawLendingReserves(f.poolId, reserves, f.bob.address))
          .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCash")
          .withArgs(f.poolId, reserves, 0n);
      });
      // A repayment brings cash back, and the reserves can leave.
      await (await f.suite.connect(f.borrower).repay(f.poolId, usd(10_000), f.borrower.address)).wait();
      await expect(f.suite.withdrawLendingReserves(f.poolId, reserves, f.bob.address)).to.emit(
        f.suite,
        "LendingReservesWithdrawn",
      );
      await expectSolvent(f);
    });
  });
});
