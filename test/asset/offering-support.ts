// What the offering suites share: the asset fixture with a treasury and spare wallets, the
// interface's enums, offering parameters, helpers that open, end and settle an offering
// (with its subscribers read from its events, as the keeper does), a snapshot of everything
// an offering call can touch, and the books check.
import { expect } from "chai";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  AbiCoder,
  id,
  keccak256,
  toBeHex,
  Wallet,
  ZeroHash,
  zeroPadValue,
  type ContractTransactionReceipt,
  type LogDescription,
} from "ethers";

import { offeringSubscribers } from "../../scripts/lib/asset-upkeep.js";
import { InvestorClass } from "../../scripts/lib/identity.js";
import type { IAssetOffering } from "../../typechain-types/contracts/modules/asset/IAssetOffering.js";
import { assetFixture, DAY, FRANCE, kyc, units, usd } from "./fixture.js";

/** `IAssetOffering.OfferingState`. */
export const OfferingState = { None: 0n, Open: 1n, Succeeded: 2n, Failed: 3n, Cancelled: 4n } as const;
/** `IAssetOffering.SubscriptionStatus`. */
export const SubscriptionStatus = { None: 0n, Open: 1n, Delivered: 2n, Refunded: 3n, RefundDue: 4n } as const;
/** Wallets one `settleOffering` call may list (`AssetStorage.MAX_SETTLE_BATCH`). */
export const MAX_SETTLE_BATCH = 50n;
/** Wallets the keeper's check proposes per perform (`LibOffering.UPKEEP_SETTLE_BATCH`). */
export const UPKEEP_SETTLE_BATCH = 25n;
/** The largest identity total of one offering (`LibOffering.MAX_SUBSCRIPTION`, 2^88 − 1). */
export const MAX_SUBSCRIPTION = 2n ** 88n - 1n;
/** `AssetStorage.LAYOUT_SLOT`. */
const ASSET_LAYOUT_SLOT = 0x53934a218307fb1222a7c1b03fde036aa3cff584c490b4394090d2462e225c00n;
/** 50 USDC per whole token. */
export const PRICE = usd(50);

export type OfferingParams = IAssetOffering.OfferingParamsStruct;

/** What the suites read of a payment token. */
export interface PaymentToken {
  getAddress(): Promise<string>;
  balanceOf(account: string): Promise<bigint>;
}

/** The network helpers' clock, as the suites pass it in. */
export interface Clock {
  latest(): Promise<number>;
  increaseTo(timestamp: number | bigint): Promise<void>;
}

export async function offeringFixture(ethers: HardhatEthers) {
  const f = await assetFixture(ethers);
  const signers = await ethers.getSigners();
  // 13..: signers the asset fixture leaves free.
  const [treasury, spare, investorE] = signers.slice(13);
  const usdcAddress = await f.usdc.getAddress();
  return { ...f, treasury, spare, investorE, usdcAddress };
}

export type OfferingFixture = Awaited<ReturnType<typeof offeringFixture>>;

/** An offering of the fixture's asset for USDC: 100..1,000 tokens at 50 USDC, a week from tomorrow. */
export async function offeringParams(
  f: OfferingFixture,
  clock: Clock,
  overrides: Partial<OfferingParams> = {},
): Promise<OfferingParams> {
  const start = BigInt(await clock.latest()) + BigInt(DAY);
  return {
    assetId: f.assetId,
    paymentToken: f.usdcAddress,
    price: PRICE,
    softCap: units(100),
    hardCap: units(1_000),
    start,
    end: start + 7n * BigInt(DAY),
    minPerIdentity: 0n,
    maxPerIdentity: 0n,
    allowListRoot: ZeroHash,
    treasury: f.treasury.address,
    ...overrides,
  };
}

/** Creates an offering as the issuer; returns its id and parameters. */
export async function createOffering(
  f: OfferingFixture,
  clock: Clock,
  overrides: Partial<OfferingParams> = {},
): Promise<{ offeringId: bigint; params: OfferingParams }> {
  const params = await offeringParams(f, clock, overrides);
  const offeringId = await f.suite.connect(f.issuer).createOffering.staticCall(params);
  await (await f.suite.connect(f.issuer).createOffering(params)).wait();
  return { offeringId, params };
}

/** Creates an offering and moves time to its start. */
export async function openOffering(
  f: OfferingFixture,
  clock: Clock,
  overrides: Partial<OfferingParams> = {},
): Promise<{ offeringId: bigint; params: OfferingParams }> {
  const created = await createOffering(f, clock, overrides);
  await clock.increaseTo(BigInt(created.params.start));
  return created;
}

/** Moves time to the offering's end (settlement may run from then on). */
export async function endOffering(clock: Clock, params: OfferingParams): Promise<void> {
  const end = BigInt(params.end);
  if (BigInt(await clock.latest()) < end) await clock.increaseTo(end);
}

/** Subscribes `wallet` and waits for it; returns what it paid. */
export async function subscribe(
  f: OfferingFixture,
  offeringId: bigint,
  wallet: HardhatEthersSigner | Wallet,
  amount: bigint,
  proof: string[] = [],
): Promise<bigint> {
  const paid = await f.suite.connect(wallet).subscribe.staticCall(offeringId, amount, proof);
  await (await f.suite.connect(wallet).subscribe(offeringId, amount, proof)).wait();
  return paid;
}

/** The offering's subscribing wallets, the first of each identity, from its `OfferingSubscribed` events. */
export async function subscribersOf(f: OfferingFixture, offeringId: bigint): Promise<string[]> {
  return offeringSubscribers(f.suite, offeringId);
}

/** Settles every subscription of the offering in one call (at most 50). */
export async function settleAll(f: OfferingFixture, offeringId: bigint) {
  return f.suite.settleOffering(offeringId, await subscribersOf(f, offeringId));
}

/** `ceil(amount × price / 10^18)`, the cost of `amount` asset units. */
export function costOf(amount: bigint, price: bigint = PRICE): bigint {
  return (amount * price + 10n ** 18n - 1n) / 10n ** 18n;
}

/** The books the module keeps of `token` equal what the diamond holds of it. */
export async function expectBooks(f: OfferingFixture, token: PaymentToken = f.usdc) {
  const address = await token.getAddress();
  expect(await f.suite.assetBooks(address)).to.equal(await token.balanceOf(f.diamondAddress));
}

/** Every state an offering call may change, as strings (for `expectUnchanged`). */
export async function offeringSnapshot(
  f: OfferingFixture,
  offeringId: bigint,
  wallets: readonly string[],
  token: PaymentToken = f.usdc,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {
    offeringCount: String(await f.suite.offeringCount()),
    books: String(await f.suite.assetBooks(await token.getAddress())),
    diamondBalance: String(await token.balanceOf(f.diamondAddress)),
    supply: String(await f.token.totalSupply()),
  };
  if (offeringId <= (await f.suite.offeringCount()) && offeringId !== 0n) {
    out.offering = (await f.suite.getOffering(offeringId)).toString();
    for (const w of wallets) out[`sub ${w}`] = (await f.suite.getSubscription(offeringId, w)).toString();
  }
  for (const w of wallets) {
    out[`pay ${w}`] = String(await token.balanceOf(w));
    out[`asset ${w}`] = (await f.suite.assetHolding(f.assetId, w)).toString();
  }
  return out;
}

/** The decoded events named `name` that the diamond emitted in `receipt`. */
export function eventsOf(f: OfferingFixture, receipt: ContractTransactionReceipt, name: string): LogDescription[] {
  const out: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== f.diamondAddress.toLowerCase()) continue;
    const parsed = f.suite.interface.parseLog(log);
    if (parsed !== null && parsed.name === name) out.push(parsed);
  }
  return out;
}

/**
 * `count` fresh wallets, each the one wallet of its own verified identity (France,
 * professional), holding ETH and USDC and having approved the diamond.
 */
export async function manyInvestors(ethers: HardhatEthers, f: OfferingFixture, count: number): Promise<Wallet[]> {
  const now = await ethers.provider.getBlock("latest").then((b) => b!.timestamp);
  const wallets: Wallet[] = [];
  for (let i = 0; i < count; i++) {
    const w = new Wallet(id(`offering investor ${i}`), ethers.provider);
    await ethers.provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]);
    const data = kyc(now, FRANCE, InvestorClass.Professional);
    await (await f.suite.connect(f.provider).registerIdentity(id(`bulk identity ${i}`), w.address, data)).wait();
    await (await f.usdc.mint(w.address, usd(1_000_000))).wait();
    await (await f.usdc.connect(w).approve(f.diamondAddress, 2n ** 256n - 1n)).wait();
    wallets.push(w);
  }
  return wallets;
}

/**
 * Sets the asset's snapshot id to 1 in storage, as `LibAsset.snapshot` (a distribution's
 * record time) would, so that every later mint to a new wallet writes a checkpoint. The
 * distribution module that takes snapshots is not part of these suites.
 */
export async function simulateSnapshot(ethers: HardhatEthers, f: OfferingFixture): Promise<void> {
  // `assets` is the third field of the layout; `token` (160 bits) then `snapshotId` (32) open word 0.
  const slot = keccak256(
    AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [f.assetId, ASSET_LAYOUT_SLOT + 2n]),
  );
  const word = BigInt(await ethers.provider.getStorage(f.diamondAddress, slot));
  const next = (word & ~(0xffffffffn << 160n)) | (1n << 160n);
  await ethers.provider.send("hardhat_setStorageAt", [f.diamondAddress, slot, zeroPadValue(toBeHex(next), 32)]);
  expect((await f.suite.getAsset(f.assetId)).snapshotId).to.equal(1n);
}
