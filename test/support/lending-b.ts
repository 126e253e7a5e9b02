// What the lending borrower-side suites (collateral, borrow, liquidation, models, attacks)
// share: the contract's math replayed off-chain, timelocked model and collateral changes,
// extra pools and tokens, a state snapshot for "nothing changed" and the solvency check.
import { expect } from "chai";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionReceipt, LogDescription } from "ethers";
import { parseEther } from "ethers";

import { runTimelocked } from "../../scripts/lib/core.js";
import { annual, lendingCalls, YEAR, type CollateralParams, type PoolParams } from "../../scripts/lib/lending.js";
import {
  LendingPoolVault__factory,
  MockPriceFeed__factory,
  MockRateModel__factory,
  MockToken__factory,
  type MockPriceFeed,
  type MockRateModel,
} from "../../typechain-types/index.js";
import { lendingFixture, lendingSolvency, type LendingFixture } from "../lending/fixture.js";

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
export const MAX_UINT = 2n ** 256n - 1n;
/** `LendingStorage.MAX_RATE_PER_SECOND`: 1,000 % a year. */
export const MAX_RATE_PER_SECOND = 317_097_919_837n;
/** `LendingStorage.MODEL_GAS`: what one model call may use. */
export const MODEL_GAS = 100_000n;

/** `MockRateModel.Mode`. */
export const RATE_MODE = { Answer: 0, Revert: 1, Garbage: 2, BurnGas: 3 } as const;
/** `MockCreditModel.Mode`. */
export const CREDIT_MODE = { Collateral: 0, Fixed: 1, Revert: 2, Inverted: 3 } as const;
/** `GasBurningCreditModel.Mode`. */
export const HOSTILE_MODE = { Burn: 0, ReturnBomb: 1, WrongLength: 2, Heavy: 3 } as const;

// ------------------------------------------------------------------ the contract's math

export const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
export const min = (a: bigint, b: bigint) => (a < b ? a : b);

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

/** The fixture's kinked model (2 %, 10 % to an 80 % kink, 100 % above), as the contract computes it. */
export function kinkedRate(cash: bigint, borrows: bigint): bigint {
  const base = annual("2%") / YEAR;
  const below = annual("10%") / YEAR;
  const above = annual("100%") / YEAR;
  const kink = parseEther("0.8");
  const liquidity = cash + borrows;
  const utilization = liquidity === 0n ? 0n : (borrows * WAD) / liquidity;
  if (utilization <= kink) return base + (utilization * below) / kink;
  return base + below + ((utilization - kink) * above) / (WAD - kink);
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

// ------------------------------------------------------------------ chain helpers

/** What the helpers read of a token. */
export interface Token {
  getAddress(): Promise<string>;
  balanceOf(holder: string): Promise<bigint>;
}

/** Runs risk-raising lending calls through the diamond's timelock (zero delay in the fixture). */
export async function timelocked(f: LendingFixture, calls: string[]): Promise<ContractTransactionReceipt> {
  const { execute } = await runTimelocked(f.diamond.connect(f.upgrader), calls);
  return execute;
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

/** The lending fixture with the pool's rate at zero, so debts stay exactly what was borrowed. */
export async function frozenLendingFixture(ethers: HardhatEthers) {
  const f = await lendingFixture(ethers);
  const zeroRate = await installRateModel(f, f.poolId, 0n);
  return { ...f, zeroRate };
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
  return { poolId, vault: LendingPoolVault__factory.connect(vault, f.supplier) };
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

/**
 * Everything a borrower-side call can touch, as strings: the pool's books, each holder's
 * debt, collateral and wallet balance of each token, and the diamond's balance and books
 * of each token.
 */
export async function lendingState(
  f: LendingFixture,
  poolId: bigint,
  holders: string[],
  tokens: Record<string, Token>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const p = await f.suite.lendingPool(poolId);
  out.pool = [p.cash, p.borrows, p.reserves, p.totalAssets, p.totalShares, p.borrowIndex, p.badDebt].join(",");
  for (const [name, token] of Object.entries(tokens)) {
    const address = await token.getAddress();
    out[`diamond:${name}`] = (await token.balanceOf(f.diamondAddress)).toString();
    out[`books:${name}`] = (await f.suite.lendingBooks(address)).toString();
    for (const h of holders) {
      out[`${name}:${h}`] = (await token.balanceOf(h)).toString();
      out[`collateral:${name}:${h}`] = (await f.suite.lendingCollateralOf(poolId, h, address)).toString();
    }
  }
  for (const h of holders) out[`debt:${h}`] = (await f.suite.lendingDebtOf(poolId, h)).toString();
  return out;
}

/** Runs `assertion` (a revert expectation) and checks that `state` reads the same after it. */
export async function expectUnchanged(state: () => Promise<Record<string, string>>, assertion: () => Promise<unknown>) {
  const before = await state();
  await assertion();
  expect(await state()).to.deep.equal(before);
}

/** The fixture's tokens and any `extra`: the diamond holds exactly what the module accounts for. */
export async function expectSolvent(f: LendingFixture, extra: Record<string, Token | string> = {}) {
  for (const [name, [held, books]] of Object.entries(await lendingSolvency(f))) {
    expect(held, `diamond balance of ${name}`).to.equal(books);
  }
  for (const [name, token] of Object.entries(extra)) {
    const erc20: Token = typeof token === "string" ? MockToken__factory.connect(token, f.owner) : token;
    const address = await erc20.getAddress();
    expect(await erc20.balanceOf(f.diamondAddress), `diamond balance of ${name}`).to.equal(
      await f.suite.lendingBooks(address),
    );
  }
}
