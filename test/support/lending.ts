// What the lending module's mocha suites share: the contract's constants and math replayed
// off-chain, the fixture variants and extra pools, timelocked changes, a snapshot of
// everything a lending call can touch, and the solvency check.
import { expect } from "chai";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import {
  getAddress,
  id,
  parseEther,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type LogDescription,
  type ParamType,
} from "ethers";

import { runTimelocked } from "../../scripts/lib/core.js";
import { annual, lendingCalls, YEAR, type CollateralParams, type PoolParams } from "../../scripts/lib/lending.js";
import {
  LendingPoolVault__factory,
  MockFeeOnTransferToken__factory,
  MockPriceFeed__factory,
  MockRateModel__factory,
  MockToken__factory,
  type MockPriceFeed,
  type MockRateModel,
} from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { lendingFixture, price8, usd, wad, type LendingFixture } from "../lending/fixture.js";

// ------------------------------------------------------------------ the contract's constants

/** `LendingStorage.WAD`. */
export const WAD = 10n ** 18n;
/** Basis points in one. */
export const BPS = 10_000n;
export const MAX_UINT = 2n ** 256n - 1n;
/** `LendingStorage.MAX_RATE_PER_SECOND`: 1,000 % a year. */
export const MAX_RATE_PER_SECOND = 317_097_919_837n;
/** `LendingStorage.MODEL_GAS`: what one model call may use. */
export const MODEL_GAS = 100_000n;
/** `LibShares.VIRTUAL_SHARES`, and the one virtual asset that goes with them. */
export const VIRTUAL_SHARES = 10n ** 6n;
export const VIRTUAL_ASSETS = 1n;

/** `MockRateModel.Mode`. */
export const RATE_MODE = { Answer: 0, Revert: 1, Garbage: 2, BurnGas: 3 } as const;
/** `MockCreditModel.Mode`. */
export const CREDIT_MODE = { Collateral: 0, Fixed: 1, Revert: 2, Inverted: 3 } as const;
/** `GasBurningCreditModel.Mode`. */
export const HOSTILE_MODE = { Burn: 0, ReturnBomb: 1, WrongLength: 2, Heavy: 3 } as const;

/** An address without code (an EOA as far as the module can tell). */
export const NO_CODE = "0x000000000000000000000000000000000000dEaD";

// ------------------------------------------------------------------ the contract's math

export const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** `LibShares.toShares`: assets × (S + 1e6) / (A + 1), rounded down or up. */
export function toShares(assets: bigint, totalAssets: bigint, totalShares: bigint, up = false): bigint {
  const [num, den] = [assets * (totalShares + VIRTUAL_SHARES), totalAssets + VIRTUAL_ASSETS];
  return up ? ceilDiv(num, den) : num / den;
}

/** `LibShares.toAssets`: shares × (A + 1) / (S + 1e6), rounded down or up. */
export function toAssets(shares: bigint, totalAssets: bigint, totalShares: bigint, up = false): bigint {
  const [num, den] = [shares * (totalAssets + VIRTUAL_ASSETS), totalShares + VIRTUAL_SHARES];
  return up ? ceilDiv(num, den) : num / den;
}

/** `LibLending.debtOf`: scaled debt at an index, rounded up. */
export const debtOf = (scaled: bigint, index: bigint) => ceilDiv(scaled * index, WAD);

/** How a collateral is valued: its token and feed decimals, and the pool's loan asset. */
export interface Valuation {
  tokenDecimals: bigint;
  feedDecimals: bigint;
  /** Loan-asset decimals (6 for the fixture's USD coin). */
  assetDecimals?: bigint;
  /** The loan asset's own feed price and decimals; none: the collateral feeds quote in it. */
  loanPrice?: bigint;
  loanPriceDecimals?: bigint;
}

/** The fixture's WETH (18 decimals) on its 8-decimal feed, valued in the USD pool. */
export const ETH: Valuation = { tokenDecimals: 18n, feedDecimals: 8n };
/** The fixture's WBTC (8 decimals) on its 8-decimal feed, valued in the USD pool. */
export const BTC: Valuation = { tokenDecimals: 8n, feedDecimals: 8n };

/** `LibLending.valueOf`: `amount` of collateral at `price` in loan-asset units, rounded down twice. */
export function valueOf(amount: bigint, price: bigint, v: Valuation): bigint {
  const quote = (amount * price * WAD) / 10n ** (v.tokenDecimals + v.feedDecimals);
  const loanPrice = v.loanPrice ?? 1n;
  const loanDecimals = v.loanPriceDecimals ?? 0n;
  return (quote * 10n ** loanDecimals * 10n ** (v.assetDecimals ?? 6n)) / (loanPrice * WAD);
}

/** A value times basis points, rounded down (each collateral's limit is rounded on its own). */
export const bpsOf = (value: bigint, bps: bigint | number) => (value * BigInt(bps)) / BPS;

/** `LibLending.liquidation`: collateral for `repaid` plus the bonus at one unit's value, rounded down. */
export const seizeFor = (repaid: bigint, bonusBps: bigint | number, unit: bigint, unitValue: bigint) =>
  (repaid * (BPS + BigInt(bonusBps)) * unit) / (unitValue * BPS);

/** When the collateral runs out: what all of `balance` repays, rounded up. */
export const repayForAll = (balance: bigint, bonusBps: bigint | number, unit: bigint, unitValue: bigint) =>
  ceilDiv(balance * unitValue * BPS, unit * (BPS + BigInt(bonusBps)));

/** A `KinkedRateModel`'s immutables: rates per second, the kink as a 1e18 utilization. */
export interface Kink {
  base: bigint;
  belowKink: bigint;
  kink: bigint;
  aboveKink: bigint;
}

/** The fixture's model: 2 %, 10 % to an 80 % kink, 100 % above, as the constructor stores them. */
export const FIXTURE_KINK: Kink = {
  base: annual("2%") / YEAR,
  belowKink: annual("10%") / YEAR,
  kink: parseEther("0.8"),
  aboveKink: annual("100%") / YEAR,
};

/** `KinkedRateModel.borrowRatePerSecond` for model `m` (the fixture's by default). */
export function kinkedRate(cash: bigint, borrows: bigint, m: Kink = FIXTURE_KINK): bigint {
  const liquidity = cash + borrows;
  const utilization = liquidity === 0n ? 0n : (borrows * WAD) / liquidity;
  if (utilization <= m.kink) return m.base + (utilization * m.belowKink) / m.kink;
  return m.base + m.belowKink + ((utilization - m.kink) * m.aboveKink) / (WAD - m.kink);
}

/** One accrual as `LibLending.pending` computes it. */
export interface Accrued {
  index: bigint;
  interest: bigint;
  toReserves: bigint;
  rate: bigint;
}

/**
 * A pool's interest state replayed off-chain: cash, scaled debt, index, reserves, the last
 * good rate and the time of the last accrual. `rateOf` answers like the pool's model, or
 * null when the model fails (the pool then keeps its last rate).
 */
export class PoolReplay {
  constructor(
    public cash: bigint,
    public totalScaled: bigint,
    public index: bigint,
    public reserves: bigint,
    public rate: bigint,
    public lastAccrual: bigint,
    public reserveFactorBps: bigint,
    public rateOf: (cash: bigint, borrows: bigint) => bigint | null = kinkedRate,
  ) {}

  get borrows(): bigint {
    return debtOf(this.totalScaled, this.index);
  }

  /** `LibLending.accrue` at time `at`; null when nothing accrues (no time or no debt). */
  accrue(at: bigint | number): Accrued | null {
    const elapsed = BigInt(at) - this.lastAccrual;
    this.lastAccrual = BigInt(at);
    if (elapsed === 0n || this.totalScaled === 0n) return null;
    const before = this.borrows;
    const answer = this.rateOf(this.cash, before);
    const rate = answer === null ? this.rate : answer > MAX_RATE_PER_SECOND ? MAX_RATE_PER_SECOND : answer;
    const index = this.index + (this.index * rate * elapsed) / WAD;
    const interest = debtOf(this.totalScaled, index) - before;
    const toReserves = (interest * this.reserveFactorBps) / BPS;
    this.index = index;
    this.reserves += toReserves;
    this.rate = rate;
    return { index, interest, toReserves, rate };
  }

  /** Scaled debt a borrow of `amount` adds (rounded up). */
  borrow(amount: bigint): bigint {
    const added = ceilDiv(amount * WAD, this.index);
    this.totalScaled += added;
    this.cash -= amount;
    return added;
  }

  /** Scaled debt a partial repayment clears (rounded down); `scaled` is the borrower's. */
  repay(amount: bigint, scaled: bigint): { repaid: bigint; cleared: bigint } {
    const debt = debtOf(scaled, this.index);
    const [repaid, cleared] = amount >= debt ? [debt, scaled] : [amount, (amount * WAD) / this.index];
    this.totalScaled -= cleared;
    this.cash += repaid;
    return { repaid, cleared };
  }
}

// ------------------------------------------------------------------ fixtures, pools, the timelock

/** The lending fixture with the pool's rate at zero, so debts stay exactly what was borrowed. */
export async function frozenLendingFixture(ethers: HardhatEthers) {
  const f = await lendingFixture(ethers);
  const zeroRate = await installRateModel(f, f.poolId, 0n);
  return { ...f, zeroRate };
}

/**
 * The fixture (`live`: the kinked model) and the frozen one, bound to a file's connection.
 * `loadFixture` knows a fixture by its function, so a file binds them once.
 */
export function lendingFixtures(ethers: HardhatEthers) {
  return { live: () => lendingFixture(ethers), frozen: () => frozenLendingFixture(ethers) };
}

/** Runs risk-raising lending calls through the diamond's timelock (zero delay in the fixture). */
export async function timelocked(f: LendingFixture, calls: string[]): Promise<ContractTransactionReceipt> {
  const { execute } = await runTimelocked(f.diamond.connect(f.upgrader), calls);
  return execute;
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
  const salt = id(`lending-test:${++saltCounter}`);
  const diamond = f.diamond.connect(f.upgrader);
  await (await diamond.schedule(calls, salt)).wait();
  return () => diamond.execute(calls, salt);
}

/** Deploys a `MockRateModel` answering `rate` and installs it through the timelock. */
export async function installRateModel(f: LendingFixture, poolId: bigint, rate = 0n): Promise<MockRateModel> {
  const model = await new MockRateModel__factory(f.owner).deploy();
  await (await model.set(RATE_MODE.Answer, rate)).wait();
  await timelocked(f, [lendingCalls.setRateModel(poolId, await model.getAddress())]);
  return model;
}

/** Installs `model` (zero: the built-in collateral model) as the pool's credit model. */
export async function installCreditModel(f: LendingFixture, poolId: bigint, model: string) {
  return timelocked(f, [lendingCalls.setCreditModel(poolId, model)]);
}

/** A new collateral token with its own feed, added to `poolId` through the timelock. */
export async function addCollateral(
  f: LendingFixture,
  poolId: bigint,
  opts: {
    token?: string;
    decimals?: number;
    feedDecimals?: number;
    price: bigint;
    params: Omit<CollateralParams, "feed">;
  },
): Promise<{ token: string; feed: MockPriceFeed }> {
  const feed = await new MockPriceFeed__factory(f.owner).deploy(opts.feedDecimals ?? 8, opts.price);
  const token =
    opts.token ??
    (await (await new MockToken__factory(f.owner).deploy("Extra", "XTR", opts.decimals ?? 18)).getAddress());
  await timelocked(f, [lendingCalls.setCollateral(poolId, token, { feed: await feed.getAddress(), ...opts.params })]);
  return { token, feed };
}

/** Creates another pool (the fixture's parameters, with `overrides`) as the lending admin. */
export async function createPool(f: LendingFixture, overrides: Partial<PoolParams> = {}) {
  const params = { ...f.params, ...overrides };
  const [poolId, vault] = await f.suite.createLendingPool.staticCall(params);
  await (await f.suite.createLendingPool(params)).wait();
  return { poolId, vault: LendingPoolVault__factory.connect(vault, f.supplier), params };
}

/**
 * A second pool lending WETH (priced by the WETH feed) against USDC (a 1.00 USD feed), so
 * books and views cover two loan assets and a loan-asset price feed.
 */
export async function createWethPool(f: LendingFixture) {
  const usdcFeed = await new MockPriceFeed__factory(f.owner).deploy(8, price8(1));
  const { poolId, vault, params } = await createPool(f, {
    asset: await f.weth.getAddress(),
    priceFeed: await f.wethFeed.getAddress(),
    priceMaxAge: 86_400,
    reserveFactorBps: 2_000,
    supplyCap: wad(50_000),
    borrowCap: wad(40_000),
    dustThreshold: wad("0.01"),
    name: "Finsuite ETH pool",
    symbol: "fsETH",
  });
  const usdcCollateral: CollateralParams = {
    feed: await usdcFeed.getAddress(),
    maxPriceAge: 86_400,
    ltvBps: 8_000,
    liquidationThresholdBps: 8_500,
    liquidationBonusBps: 400,
    supplyCap: usd(5_000_000),
  };
  await timelocked(f, [lendingCalls.setCollateral(poolId, await f.usdc.getAddress(), usdcCollateral)]);
  for (const s of [f.supplier, f.borrower, f.carol]) {
    await (await f.weth.connect(s).approve(await vault.getAddress(), MAX_UINT)).wait();
  }
  return { poolId, vault, params, usdcFeed, usdcCollateral };
}

/**
 * A pool lending a token that burns 1 % of every transfer; the supplier holds 1,000,000 of
 * it and approved the diamond and the pool's vault. `watched` names it for the state and
 * solvency checks.
 */
export async function createFeeOnTransferPool(f: LendingFixture) {
  const fot = await new MockFeeOnTransferToken__factory(f.owner).deploy();
  const { poolId, vault } = await createPool(f, {
    asset: await fot.getAddress(),
    supplyCap: wad(10_000_000),
    name: "FOT",
    symbol: "fFOT",
  });
  await (await fot.mint(f.supplier.address, wad(1_000_000))).wait();
  await (await fot.connect(f.supplier).approve(f.diamondAddress, MAX_UINT)).wait();
  await (await fot.connect(f.supplier).approve(await vault.getAddress(), MAX_UINT)).wait();
  return { fot, poolId, vault, watched: { fot } };
}

// ------------------------------------------------------------------ chain helpers

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

/** The first event named `name` the suite emitted in `receipt`. */
export function eventOf(f: LendingFixture, receipt: ContractTransactionReceipt | null, name: string): LogDescription {
  for (const log of receipt?.logs ?? []) {
    const parsed = f.suite.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`no ${name} event`);
}

/** Every event named `name` the suite emitted in `receipt`. */
export function eventsOf(f: LendingFixture, receipt: ContractTransactionReceipt | null, name: string) {
  return (receipt?.logs ?? []).map((l) => f.suite.interface.parseLog(l)).filter((e) => e?.name === name);
}

/** The timestamp of the block a receipt is in. */
export async function blockTime(ethers: HardhatEthers, receipt: ContractTransactionReceipt | null): Promise<bigint> {
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
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
  await (await f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address)).wait();
  const pool = await f.suite.lendingPool(f.poolId);
  expect(pool.borrows).to.equal(0n);
  expect(pool.reserves).to.be.greaterThan(0n);
  expect(pool.sharePrice).to.be.greaterThan(usd(1));
}

/**
 * Makes one raw share worth more than one asset unit, so that supplying 1 unit mints no
 * share: the pool's rate model answers the 1,000 %/year cap, 1 unit is supplied and
 * borrowed, and interest compounds yearly for eight years (×11 a year) while nobody else
 * supplies. Returns the rate model.
 */
export async function inflateSharePrice(f: LendingFixture, networkHelpers: Clock) {
  const model = await installRateModel(f, f.poolId, MAX_RATE_PER_SECOND);
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

// ------------------------------------------------------------------ state and solvency

/** What the checks read of a token. */
export interface Token {
  getAddress(): Promise<string>;
  balanceOf(holder: string): Promise<bigint>;
}

/** Tokens a test watches besides the fixture's three, by name: a contract or its address. */
export type Tokens = Record<string, Token | string>;

/** The fixture's USDC, WETH and WBTC, then `extra`, each with its address. */
async function watchedTokens(f: LendingFixture, extra: Tokens) {
  const all: Record<string, Token | string> = { usdc: f.usdc, weth: f.weth, wbtc: f.wbtc, ...extra };
  return Promise.all(
    Object.entries(all).map(async ([name, t]) => {
      const token: Token = typeof t === "string" ? MockToken__factory.connect(t, f.owner) : t;
      return { name, token, address: getAddress(await token.getAddress()) };
    }),
  );
}

const json = (x: unknown) => JSON.stringify(x, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/**
 * Everything a lending call can touch, as strings: every pool's view (cash, borrows,
 * reserves, index, bad debt, shares, rates, caps, pause, collaterals), each vault's supply;
 * per pool, every holder's shares, debt and collateral of each listed collateral and each
 * watched token; per watched token (the fixture's three and `extra`), the books and the
 * balance of every holder, the diamond and every vault. The holders are the fixture's
 * signers: admin, supplier, borrower, liquidator, carol, alice and bob.
 */
export async function lendingState(f: LendingFixture, extra: Tokens = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const tokens = await watchedTokens(f, extra);
  const people = [f.admin, f.supplier, f.borrower, f.liquidator, f.carol, f.alice, f.bob].map((s) => s.address);
  const count = await f.suite.lendingPoolCount();
  out.poolCount = count.toString();
  const vaults: string[] = [];
  for (let poolId = 1n; poolId <= count; poolId++) {
    const pool = await f.suite.lendingPool(poolId);
    out[`pool:${poolId}`] = json([...pool]);
    vaults.push(pool.vault);
    const vault = LendingPoolVault__factory.connect(pool.vault, f.owner);
    out[`shares:${poolId}`] = (await vault.totalSupply()).toString();
    const collaterals = new Set([...pool.collaterals.map((c) => getAddress(c)), ...tokens.map((t) => t.address)]);
    for (const h of people) {
      out[`shares:${poolId}:${h}`] = (await vault.balanceOf(h)).toString();
      out[`debt:${poolId}:${h}`] = (await f.suite.lendingDebtOf(poolId, h)).toString();
      for (const c of collaterals) {
        out[`collateral:${poolId}:${h}:${c}`] = (await f.suite.lendingCollateralOf(poolId, h, c)).toString();
      }
    }
  }
  for (const { name, token, address } of tokens) {
    out[`books:${name}`] = (await f.suite.lendingBooks(address)).toString();
    for (const h of [...people, f.diamondAddress, ...vaults]) {
      out[`${name}:${h}`] = (await token.balanceOf(h)).toString();
    }
  }
  return out;
}

/** Runs `assertion` (a revert expectation) and checks that nothing `lendingState` reads changed. */
export async function expectNothingChanged(
  f: LendingFixture,
  assertion: () => Promise<unknown>,
  extra: Tokens = {},
): Promise<void> {
  await expectUnchanged(() => lendingState(f, extra), assertion);
}

export interface SolvencyOptions {
  /** Tokens to check besides the fixture's three. */
  tokens?: Tokens;
  /**
   * What a test sent the diamond outside the books, by token name: the diamond must then
   * hold exactly that much more. Only for tests that donate; no token is tolerated otherwise.
   */
  donated?: Record<string, bigint>;
}

/**
 * For each of the fixture's tokens and `tokens`, the diamond holds exactly what the module
 * accounts for (plus what `donated` names), and each pool's vault has exactly the shares
 * the pool books.
 */
export async function expectSolvent(f: LendingFixture, { tokens = {}, donated = {} }: SolvencyOptions = {}) {
  const watched = await watchedTokens(f, tokens);
  for (const name of Object.keys(donated)) {
    if (!watched.some((t) => t.name === name)) throw new Error(`donated ${name} is not a watched token`);
  }
  for (const { name, token, address } of watched) {
    expect(await token.balanceOf(f.diamondAddress), `diamond balance of ${name}`).to.equal(
      (await f.suite.lendingBooks(address)) + (donated[name] ?? 0n),
    );
  }
  const count = await f.suite.lendingPoolCount();
  for (let poolId = 1n; poolId <= count; poolId++) {
    const pool = await f.suite.lendingPool(poolId);
    const vault = LendingPoolVault__factory.connect(pool.vault, f.owner);
    expect(await vault.totalSupply(), `shares of pool ${poolId}`).to.equal(pool.totalShares);
  }
}
