// The lending module's test fixture: a diamond with the module installed as the manifest
// declares it, a USD stablecoin pool, WETH and WBTC collateral with USD feeds.
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { parseEther, parseUnits, ZeroAddress } from "ethers";

import { runTimelocked } from "../../scripts/lib/core.js";
import { LENDING_ADMIN_ROLE, annual, lendingCalls, type CollateralParams } from "../../scripts/lib/lending.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import suiteManifest from "../../scripts/manifest.js";
import {
  IFinanceSuite__factory,
  LendingPoolVault__factory,
  MockPriceFeed__factory,
  MockStablecoin__factory,
  MockToken__factory,
} from "../../typechain-types/index.js";
import { coreFixture } from "../helpers.js";

/** 6-decimal stablecoin units. */
export const usd = (n: string | number) => parseUnits(String(n), 6);
/** 18-decimal units. */
export const wad = (n: string | number) => parseEther(String(n));
/** 8-decimal feed prices. */
export const price8 = (n: string | number) => parseUnits(String(n), 8);

export const WETH_PRICE = price8(2_000);
export const WBTC_PRICE = price8(60_000);
export const DAY = 86_400;

export const WETH_PARAMS = {
  maxPriceAge: DAY,
  ltvBps: 7_500,
  liquidationThresholdBps: 8_000,
  liquidationBonusBps: 500,
  supplyCap: parseEther("10000"),
};
export const WBTC_PARAMS = {
  maxPriceAge: DAY,
  ltvBps: 7_000,
  liquidationThresholdBps: 7_500,
  liquidationBonusBps: 800,
  supplyCap: parseUnits("100", 8),
};

export async function lendingFixture(ethers: HardhatEthers) {
  const core = await coreFixture(ethers);
  const signers = await ethers.getSigners();
  const [admin, supplier, borrower, liquidator, carol] = signers.slice(5);
  const { owner, upgrader, guardian } = core;
  for (const id of ["upkeep", "lending"])
    await installFromManifest(ethers, core.diamond.connect(upgrader), suiteManifest, id);
  await (await core.diamond.connect(owner).grantRole(LENDING_ADMIN_ROLE, admin.address)).wait();
  const diamondAddress = await core.diamond.getAddress();
  const suite = IFinanceSuite__factory.connect(diamondAddress, admin);

  const usdc = await new MockStablecoin__factory(owner).deploy();
  const weth = await new MockToken__factory(owner).deploy("Wrapped Ether", "WETH", 18);
  const wbtc = await new MockToken__factory(owner).deploy("Wrapped Bitcoin", "WBTC", 8);
  const wethFeed = await new MockPriceFeed__factory(owner).deploy(8, WETH_PRICE);
  const wbtcFeed = await new MockPriceFeed__factory(owner).deploy(8, WBTC_PRICE);
  const rateModel = await ethers.deployContract("KinkedRateModel", [
    annual("2%"),
    annual("10%"),
    parseEther("0.8"),
    annual("100%"),
  ]);

  const params = {
    asset: await usdc.getAddress(),
    priceFeed: ZeroAddress,
    priceMaxAge: 0,
    rateModel: await rateModel.getAddress(),
    creditModel: ZeroAddress,
    reserveFactorBps: 1_000,
    supplyCap: usd(10_000_000),
    borrowCap: usd(8_000_000),
    dustThreshold: usd(10),
    name: "Finsuite USD pool",
    symbol: "fsUSD",
  };
  const [poolId] = await suite.createLendingPool.staticCall(params);
  await (await suite.createLendingPool(params)).wait();
  const vault = LendingPoolVault__factory.connect((await suite.lendingPool(poolId)).vault, supplier);

  const wethCollateral: CollateralParams = { feed: await wethFeed.getAddress(), ...WETH_PARAMS };
  const wbtcCollateral: CollateralParams = { feed: await wbtcFeed.getAddress(), ...WBTC_PARAMS };
  await runTimelocked(core.diamond.connect(upgrader), [
    lendingCalls.setCollateral(poolId, await weth.getAddress(), wethCollateral),
    lendingCalls.setCollateral(poolId, await wbtc.getAddress(), wbtcCollateral),
  ]);

  // Balances and allowances for everyone who moves tokens.
  for (const s of [supplier, borrower, liquidator, carol]) {
    await (await usdc.mint(s.address, usd(1_000_000))).wait();
    await (await weth.mint(s.address, wad(1_000))).wait();
    await (await wbtc.mint(s.address, parseUnits("10", 8))).wait();
    for (const t of [usdc, weth, wbtc]) {
      await (await t.connect(s).approve(diamondAddress, 2n ** 256n - 1n)).wait();
    }
    await (await usdc.connect(s).approve(await vault.getAddress(), 2n ** 256n - 1n)).wait();
  }

  return {
    ...core,
    admin,
    supplier,
    borrower,
    liquidator,
    carol,
    guardian,
    suite,
    diamondAddress,
    usdc,
    weth,
    wbtc,
    wethFeed,
    wbtcFeed,
    rateModel,
    poolId,
    params,
    vault,
    wethCollateral,
    wbtcCollateral,
  };
}

export type LendingFixture = Awaited<ReturnType<typeof lendingFixture>>;
