// Helpers shared by the insurance test files: policies and risks in one call, a snapshot of
// every book a refused call must leave alone, the accounting identity, and pools over other
// assets (a blocklist, a re-entrant or a fee-charging token).
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";

import { flightDelayProduct, insuranceFixture, usd, DAY } from "./fixture.js";
import { InsurancePoolVault__factory, type InsurancePoolVault } from "../../typechain-types/index.js";

export type InsuranceFixture = Awaited<ReturnType<typeof insuranceFixture>>;

/** Any ERC-20 the tests use as a pool asset. */
export interface TestToken {
  getAddress(): Promise<string>;
  balanceOf(account: string): Promise<bigint>;
}

export const MAX_UINT = 2n ** 256n - 1n;

/** Serializes a view result (nested Results, bigints) for deep comparison. */
export function serialize(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Waits for `tx` and returns its receipt. */
export async function mined(tx: Promise<ContractTransactionResponse>) {
  return (await (await tx).wait())!;
}

/** The events named `name` that the diamond logged in `receipt`, as their args. */
export function eventsOf(f: InsuranceFixture, receipt: { logs: readonly unknown[] }, name: string) {
  return (receipt.logs as Parameters<typeof f.suite.interface.parseLog>[0][])
    .map((log) => {
      try {
        return f.suite.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .filter((e) => e?.name === name)
    .map((e) => e!.args);
}

/** A flight risk from `start` (default: two days from the fixture's now) lasting `length`. */
export async function flightRisk(
  f: InsuranceFixture,
  opts: { start?: number; length?: number; key?: string; productId?: bigint; feed?: string } = {},
) {
  const start = opts.start ?? f.now + 2 * DAY;
  const end = start + (opts.length ?? DAY);
  const riskId = await f.openRisk(opts.productId ?? f.flightProductId, opts.key ?? `LH${start}`, start, end, opts.feed);
  return { riskId, start, end };
}

/** Buys a policy and returns its id (from the event). */
export async function buy(
  f: InsuranceFixture,
  riskId: bigint,
  holder: HardhatEthersSigner,
  beneficiary: string,
  sumInsured: bigint,
  coverStart: number,
  coverEnd: number,
): Promise<bigint> {
  const receipt = await mined(f.suite.connect(holder).buyPolicy(riskId, beneficiary, sumInsured, coverStart, coverEnd));
  return eventsOf(f, receipt, "InsurancePolicyBought")[0]!.policyId as bigint;
}

/**
 * The books a refused call must leave as they were: the pool(s), the given risks, policies
 * and claims, the counts, the pending queue, and the balances of the diamond and `accounts`.
 */
export function insuranceState(
  f: InsuranceFixture,
  opts: {
    poolIds?: bigint[];
    riskIds?: bigint[];
    policyIds?: bigint[];
    claimIds?: bigint[];
    accounts?: string[];
    token?: TestToken;
  } = {},
): () => Promise<Record<string, string>> {
  return async () => {
    const token = opts.token ?? f.usdc;
    const diamond = await f.suite.getAddress();
    const state: Record<string, string> = {
      counts: serialize(await f.suite.insuranceCounts()),
      pending: serialize(await f.suite.insurancePendingRisks()),
      diamondBalance: (await token.balanceOf(diamond)).toString(),
      credits: (await f.suite.totalCredits(await token.getAddress())).toString(),
    };
    for (const id of opts.poolIds ?? [f.poolId]) state[`pool ${id}`] = serialize(await f.suite.insurancePool(id));
    for (const id of opts.riskIds ?? []) state[`risk ${id}`] = serialize(await f.suite.insuranceRisk(id));
    for (const id of opts.policyIds ?? []) state[`policy ${id}`] = serialize(await f.suite.insurancePolicy(id));
    for (const id of opts.claimIds ?? []) state[`claim ${id}`] = serialize(await f.suite.insuranceClaim(id));
    for (const a of opts.accounts ?? []) state[`balance ${a}`] = (await token.balanceOf(a)).toString();
    return state;
  };
}

/**
 * The accounting identity: the diamond holds exactly every pool's capital + owed + fees in
 * the token plus what the credit book holds for refused payouts.
 */
export async function expectBooksBalanced(
  f: InsuranceFixture,
  token: TestToken = f.usdc,
  poolIds: bigint[] = [f.poolId],
): Promise<void> {
  let books = 0n;
  for (const id of poolIds) {
    const p = await f.suite.insurancePool(id);
    expect(p.capital).to.be.gte(p.locked, `pool ${id}: capital covers locked`);
    books += p.capital + p.owed + p.fees;
  }
  const credits = await f.suite.totalCredits(await token.getAddress());
  expect(await token.balanceOf(await f.suite.getAddress())).to.equal(books + credits, "diamond balance = books");
}

/** A token that can be minted to anyone and approved. */
interface MintableToken extends TestToken {
  mint(to: string, amount: bigint): Promise<ContractTransactionResponse>;
  connect(signer: HardhatEthersSigner): {
    approve(spender: string, amount: bigint): Promise<ContractTransactionResponse>;
  };
}

/**
 * A second pool over `token`, funded with `capital` by providerA through its vault, with a
 * flight-delay product; the fixture's holder, passenger and outsider get tokens and approve
 * the diamond.
 */
export async function poolOver(
  f: InsuranceFixture,
  token: MintableToken,
  capital: bigint = usd(100_000),
): Promise<{ poolId: bigint; vault: InsurancePoolVault; productId: bigint }> {
  const asset = await token.getAddress();
  const diamond = await f.suite.getAddress();
  const [poolId, vaultAddress] = await f.suite.connect(f.insurer).createInsurancePool.staticCall({
    asset,
    collateralBps: 10_000,
    depositCap: usd(10_000_000),
    name: "Second pool",
    symbol: "c2",
  });
  await mined(
    f.suite.connect(f.insurer).createInsurancePool({
      asset,
      collateralBps: 10_000,
      depositCap: usd(10_000_000),
      name: "Second pool",
      symbol: "c2",
    }),
  );
  const vault = InsurancePoolVault__factory.connect(vaultAddress, f.owner);
  for (const who of [f.providerA, f.holder, f.passenger, f.outsider]) {
    await mined(token.mint(who.address, usd(1_000_000)));
    await mined(token.connect(who).approve(diamond, MAX_UINT));
  }
  if (capital > 0n) {
    await mined(token.connect(f.providerA).approve(vaultAddress, MAX_UINT));
    await mined(vault.connect(f.providerA).deposit(capital, f.providerA.address));
  }
  const productId = await f.suite.connect(f.insurer).createInsuranceProduct.staticCall(flightDelayProduct(poolId));
  await mined(f.suite.connect(f.insurer).createInsuranceProduct(flightDelayProduct(poolId)));
  return { poolId, vault, productId };
}
