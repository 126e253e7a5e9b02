// What the supplier, vault, admin and view suites of the lending module share: the share
// math the vault must follow, a snapshot of everything a lending call can touch, the
// solvency check, timelocked operations whose failure a test asserts, and a second pool.
import { expect } from "chai";
import { id, type ContractTransactionResponse, type ParamType } from "ethers";

import { runTimelocked } from "../../scripts/lib/core.js";
import { lendingCalls, type CollateralParams } from "../../scripts/lib/lending.js";
import {
  MockFeeOnTransferToken__factory,
  MockPriceFeed__factory,
  MockRateModel__factory,
  type LendingPoolVault__factory,
} from "../../typechain-types/index.js";
import { lendingSolvency, price8, usd, wad, type LendingFixture } from "../lending/fixture.js";
import { expectUnchanged } from "./payment.js";

export const VIRTUAL_SHARES = 10n ** 6n;
export const VIRTUAL_ASSETS = 1n;
export const BPS = 10_000n;
export const WAD = 10n ** 18n;
/** `LendingStorage.MAX_RATE_PER_SECOND`: 1,000 % a year. */
export const MAX_RATE_PER_SECOND = 317_097_919_837n;

const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** `LibShares.toShares`: assets × (S + 1e6) / (A + 1), rounded down or up. */
export function toShares(assets: bigint, totalAssets: bigint, totalShares: bigint, up = false): bigint {
  const [num, den] = [assets * (totalShares + VIRTUAL_SHARES), totalAssets + VIRTUAL_ASSETS];
  return up ? divUp(num, den) : num / den;
}

/** `LibShares.toAssets`: shares × (A + 1) / (S + 1e6), rounded down or up. */
export function toAssets(shares: bigint, totalAssets: bigint, totalShares: bigint, up = false): bigint {
  const [num, den] = [shares * (totalAssets + VIRTUAL_ASSETS), totalShares + VIRTUAL_SHARES];
  return up ? divUp(num, den) : num / den;
}

/** A vault at its own address (any pool's), typed. */
export type PoolVault = ReturnType<typeof LendingPoolVault__factory.connect>;

/** A token a test watches besides the fixture's three. */
export interface Watched {
  name: string;
  token: { getAddress(): Promise<string>; balanceOf(holder: string): Promise<bigint> };
}

const json = (x: unknown) => JSON.stringify(x, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/**
 * Everything a lending call can touch, as strings: every pool's view (cash, borrows,
 * reserves, shares, rates, caps, pause, collaterals), each vault's supply and every
 * holder's shares, every watched token's balance of every holder (the diamond and the
 * vaults included), each holder's debt and collateral, and the books of each token.
 */
export async function lendingState(f: LendingFixture, extra: Watched[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const tokens: Watched[] = [
    { name: "usdc", token: f.usdc },
    { name: "weth", token: f.weth },
    { name: "wbtc", token: f.wbtc },
    ...extra,
  ];
  const people = [f.admin, f.supplier, f.borrower, f.liquidator, f.carol, f.alice, f.bob].map((s) => s.address);
  const count = await f.suite.lendingPoolCount();
  out.poolCount = count.toString();
  const vaults: string[] = [];
  for (let poolId = 1n; poolId <= count; poolId++) {
    const pool = await f.suite.lendingPool(poolId);
    out[`pool:${poolId}`] = json([...pool]);
    vaults.push(pool.vault);
    const vault = f.vault.attach(pool.vault) as PoolVault;
    out[`shares:${poolId}`] = (await vault.totalSupply()).toString();
    for (const h of people) {
      out[`shares:${poolId}:${h}`] = (await vault.balanceOf(h)).toString();
      out[`debt:${poolId}:${h}`] = (await f.suite.lendingDebtOf(poolId, h)).toString();
      for (const c of pool.collaterals) {
        out[`collateral:${poolId}:${h}:${c}`] = (await f.suite.lendingCollateralOf(poolId, h, c)).toString();
      }
    }
  }
  for (const { name, token } of tokens) {
    const address = await token.getAddress();
    out[`books:${name}`] = (await f.suite.lendingBooks(address)).toString();
    for (const h of [...people, f.diamondAddress, ...vaults]) {
      out[`${name}:${h}`] = (await token.balanceOf(h)).toString();
    }
  }
  return out;
}

/** Runs `assertion` (a revert expectation) and checks that nothing a lending call touches changed. */
export async function expectNothingChanged(
  f: LendingFixture,
  assertion: () => Promise<unknown>,
  extra: Watched[] = [],
): Promise<void> {
  await expectUnchanged(() => lendingState(f, extra), assertion);
}

/**
 * The diamond holds exactly what the module accounts for, per token (`donated` more where
 * a test gave it tokens outside the books), and each pool's vault has exactly the shares
 * the pool books.
 */
export async function expectSolvent(
  f: LendingFixture,
  extra: Watched[] = [],
  donated: Record<string, bigint> = {},
): Promise<void> {
  for (const [name, [held, books]] of Object.entries(await lendingSolvency(f))) {
    expect(held, `diamond balance of ${name}`).to.equal(books + (donated[name] ?? 0n));
  }
  for (const { name, token } of extra) {
    const books = await f.suite.lendingBooks(await token.getAddress());
    expect(await token.balanceOf(f.diamondAddress), `diamond balance of ${name}`).to.equal(
      books + (donated[name] ?? 0n),
    );
  }
  const count = await f.suite.lendingPoolCount();
  for (let poolId = 1n; poolId <= count; poolId++) {
    const pool = await f.suite.lendingPool(poolId);
    expect(await (f.vault.attach(pool.vault) as PoolVault).totalSupply(), `shares of pool ${poolId}`).to.equal(
      pool.totalShares,
    );
  }
}

let saltCounter = 0;

/**
 * Schedules `calls` on the timelock (delay 0) and returns the execution, unsent, so a test
 * can assert what it reverts with or emits.
 */
export async function scheduled(
  f: LendingFixture,
  calls: string[],
): Promise<() => Promise<ContractTransactionResponse>> {
  const salt = id(`lending-a:${++saltCounter}`);
  const diamond = f.diamond.connect(f.upgrader);
  await (await diamond.schedule(calls, salt)).wait();
  return () => diamond.execute(calls, salt);
}

/** Runs `calls` through the timelock; the execution must succeed. */
export async function timelocked(f: LendingFixture, calls: string[]) {
  return runTimelocked(f.diamond.connect(f.upgrader), calls);
}

/** A value of each ABI type, to call any function of the module with well-formed calldata. */
export function sampleArg(p: ParamType, address: string): unknown {
  if (p.isTuple()) return p.components.map((c) => sampleArg(c, address));
  if (p.isArray()) return [];
  if (p.type === "address") return address;
  if (p.type === "bool") return false;
  if (p.type === "string") return "x";
  if (p.type.startsWith("bytes")) return p.type === "bytes" ? "0x" : "0x" + "00".repeat(Number(p.type.slice(5)));
  return 1n;
}

/** What a pool's vault reads, accrued up to the latest block (or the pending one). */
export async function poolTotals(f: LendingFixture, poolId: bigint = f.poolId, blockTag?: "pending") {
  const [totalAssets, totalShares, depositRoom, cash] = await f.suite.lendingVaultTotals(poolId, { blockTag });
  return { totalAssets, totalShares, depositRoom, cash };
}

/** The part of Hardhat's network helpers these helpers use. */
export interface Clock {
  time: {
    latest(): Promise<number>;
    increase(seconds: number): Promise<number>;
    setNextBlockTimestamp(timestamp: number): Promise<void>;
  };
}

/** Sets the timestamp of the next block `seconds` after the latest one and returns it. */
export async function nextBlockIn(networkHelpers: Clock, seconds: number): Promise<number> {
  const t = (await networkHelpers.time.latest()) + seconds;
  await networkHelpers.time.setNextBlockTimestamp(t);
  return t;
}

/**
 * The fixture's borrower posts 100 WETH (worth 200,000: a limit of 150,000) and borrows
 * `amount` of the pool's cash, which the pool must already hold.
 */
export async function borrowAgainstWeth(f: LendingFixture, amount: bigint) {
  const s = f.suite.connect(f.borrower);
  await (await s.supplyCollateral(f.poolId, await f.weth.getAddress(), wad(100), f.borrower.address)).wait();
  await (await s.borrow(f.poolId, amount, f.borrower.address)).wait();
}

/**
 * Gives the pool a share price above 1 with no borrows left, so nothing accrues and every
 * figure stays put between blocks: 100,000 supplied, 50,000 borrowed for a year, repaid.
 */
export async function settledWithInterest(f: LendingFixture, networkHelpers: Clock) {
  await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
  await borrowAgainstWeth(f, usd(50_000));
  await networkHelpers.time.increase(365 * 86_400 + 12_345);
  await (await f.suite.connect(f.borrower).repay(f.poolId, 2n ** 256n - 1n, f.borrower.address)).wait();
  const pool = await f.suite.lendingPool(f.poolId);
  expect(pool.borrows).to.equal(0n);
  expect(pool.reserves).to.be.greaterThan(0n);
  expect(pool.sharePrice).to.be.greaterThan(usd(1));
}

/**
 * A second pool lending WETH (priced by the WETH feed) against USDC (a 1.00 USD feed), so
 * books and views cover two loan assets and a loan-asset price feed.
 */
export async function createWethPool(f: LendingFixture) {
  const usdcFeed = await new MockPriceFeed__factory(f.owner).deploy(8, price8(1));
  const params = {
    ...f.params,
    asset: await f.weth.getAddress(),
    priceFeed: await f.wethFeed.getAddress(),
    priceMaxAge: 86_400,
    reserveFactorBps: 2_000,
    supplyCap: wad(50_000),
    borrowCap: wad(40_000),
    dustThreshold: wad("0.01"),
    name: "Finsuite ETH pool",
    symbol: "fsETH",
  };
  const [poolId, vaultAddress] = await f.suite.createLendingPool.staticCall(params);
  await (await f.suite.createLendingPool(params)).wait();
  const usdcCollateral: CollateralParams = {
    feed: await usdcFeed.getAddress(),
    maxPriceAge: 86_400,
    ltvBps: 8_000,
    liquidationThresholdBps: 8_500,
    liquidationBonusBps: 400,
    supplyCap: usd(5_000_000),
  };
  await timelocked(f, [lendingCalls.setCollateral(poolId, await f.usdc.getAddress(), usdcCollateral)]);
  const vault = f.vault.attach(vaultAddress) as PoolVault;
  for (const s of [f.supplier, f.borrower, f.carol]) {
    await (await f.weth.connect(s).approve(vaultAddress, 2n ** 256n - 1n)).wait();
  }
  return { poolId, vault, params, usdcFeed, usdcCollateral };
}

/**
 * Makes one raw share worth more than one asset unit, so that supplying 1 unit mints no
 * share: the pool's rate model answers the 1,000 %/year cap, 1 unit is supplied and
 * borrowed, and interest compounds yearly for eight years (×11 a year) while nobody else
 * supplies. Returns the rate model.
 */
export async function inflateSharePrice(f: LendingFixture, networkHelpers: Clock) {
  const model = await new MockRateModel__factory(f.owner).deploy();
  await (await model.set(0, MAX_RATE_PER_SECOND)).wait();
  await timelocked(f, [lendingCalls.setRateModel(f.poolId, await model.getAddress())]);
  await (await f.suite.connect(f.supplier).supply(f.poolId, 1n, f.supplier.address)).wait();
  await borrowAgainstWeth(f, 1n);
  const { reserveFactorBps, supplyCap, borrowCap, dustThreshold } = f.params;
  for (let year = 0; year < 8; year++) {
    await networkHelpers.time.increase(365 * 86_400);
    // Any admin call that accrues will do; this one changes nothing else.
    await (await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, supplyCap, borrowCap, dustThreshold)).wait();
  }
  const { totalAssets, totalShares } = await poolTotals(f);
  expect(toShares(1n, totalAssets, totalShares)).to.equal(0n);
  return model;
}

/**
 * A pool lending a token that burns 1 % of every transfer; the supplier holds 1,000,000 of
 * it and approved the diamond and the pool's vault.
 */
export async function createFeeOnTransferPool(f: LendingFixture) {
  const fot = await new MockFeeOnTransferToken__factory(f.owner).deploy();
  const params = {
    ...f.params,
    asset: await fot.getAddress(),
    supplyCap: wad(10_000_000),
    name: "FOT",
    symbol: "fFOT",
  };
  const [poolId, vaultAddress] = await f.suite.createLendingPool.staticCall(params);
  await (await f.suite.createLendingPool(params)).wait();
  await (await fot.mint(f.supplier.address, wad(1_000_000))).wait();
  await (await fot.connect(f.supplier).approve(f.diamondAddress, 2n ** 256n - 1n)).wait();
  await (await fot.connect(f.supplier).approve(vaultAddress, 2n ** 256n - 1n)).wait();
  return { fot, poolId, vault: f.vault.attach(vaultAddress) as PoolVault, watched: [{ name: "fot", token: fot }] };
}

/** An address without code (an EOA as far as the module can tell). */
export const NO_CODE = "0x000000000000000000000000000000000000dEaD";
