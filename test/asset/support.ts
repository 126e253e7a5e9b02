// What the asset module's core suites share on top of `assetFixture`: more assets, minting,
// a snapshot of the books for before/after checks, the restriction views asserted together
// with the revert, Transfer log counts, and a lock written into storage (locks come from
// offerings, which are not in this slice).
import { expect } from "chai";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import {
  AbiCoder,
  keccak256,
  toBeHex,
  zeroPadValue,
  type ContractTransactionReceipt,
  type LogDescription,
} from "ethers";
import { artifacts } from "hardhat";

import { loadLayouts } from "../../scripts/lib/artifacts.js";
import { erc7201Slot } from "../../scripts/lib/storage.js";
import { Restriction, type AssetRules } from "../../scripts/lib/asset.js";
import { AssetToken__factory, type AssetToken } from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { BUILDING_RULES, units, type AssetFixture } from "./fixture.js";

/** `AssetStorage.MAX_BALANCE`: balances, supplies and caps are kept in 112 bits. */
export const MAX_BALANCE = 2n ** 112n - 1n;
/** `AssetStorage.MAX_FROZEN`: frozen amounts are kept in 104 bits. */
export const MAX_FROZEN = 2n ** 104n - 1n;
export const MAX_UINT = 2n ** 256n - 1n;
/** What the suites usually mint to a holder. */
export const THOUSAND = units(1_000);

/** The ERC-1404 message of every restriction code (`assetRestrictionMessage`). */
export const MESSAGES: Record<number, string> = {
  [Restriction.Success]: "No restriction",
  [Restriction.Paused]: "Transfers of this asset are paused",
  [Restriction.InvalidReceiver]: "The receiver is the zero address",
  [Restriction.SenderNotVerified]: "The sender is not a verified investor",
  [Restriction.SenderFrozen]: "The sender's wallet is frozen",
  [Restriction.SpenderNotVerified]: "The spender is not a verified investor",
  [Restriction.SpenderFrozen]: "The spender's wallet is frozen",
  [Restriction.ReceiverNotVerified]: "The receiver is not a verified investor",
  [Restriction.ReceiverFrozen]: "The receiver's wallet is frozen",
  [Restriction.JurisdictionNotAllowed]: "The receiver's jurisdiction is not allowed",
  [Restriction.ClassNotAllowed]: "The receiver's investor class is not allowed",
  [Restriction.InsufficientBalance]: "The sender's balance is too low",
  [Restriction.BalanceFrozenOrLocked]: "The amount exceeds the sender's free balance",
  [Restriction.MaxHoldersReached]: "The asset has reached its maximum number of holders",
  [Restriction.MaxBalanceExceeded]: "The receiver would exceed the maximum per investor",
  [Restriction.CapExceeded]: "The amount would exceed the asset's cap",
};

export type Who = string | { address: string };
export const addr = (w: Who) => (typeof w === "string" ? w : w.address);

/** The fixture's asset parameters with `overrides` (rules merged into the building's). */
export function assetParams(
  f: AssetFixture,
  overrides: Partial<Omit<AssetFixture["params"], "rules">> & { rules?: Partial<AssetRules> } = {},
) {
  const { rules, ...rest } = overrides;
  return { ...f.params, ...rest, rules: { ...BUILDING_RULES, ...rules } };
}

/** The issuer creates another asset; returns its id and token. */
export async function createAsset(f: AssetFixture, overrides: Parameters<typeof assetParams>[1] = {}, by = f.issuer) {
  const params = assetParams(f, overrides);
  const [assetId, tokenAddress] = await f.suite.connect(by).createAsset.staticCall(params);
  await (await f.suite.connect(by).createAsset(params)).wait();
  return { assetId, token: AssetToken__factory.connect(tokenAddress, f.investorA), params };
}

/** The agent mints `amount` of `assetId` to `to`. */
export async function mint(f: AssetFixture, to: Who, amount: bigint, assetId: bigint = f.assetId) {
  await (await f.suite.connect(f.agent).mintAsset(assetId, addr(to), amount)).wait();
}

/** The agent freezes or unfreezes `wallet` for `assetId`. */
export async function freezeWallet(f: AssetFixture, wallet: Who, frozen = true, assetId: bigint = f.assetId) {
  await (await f.suite.connect(f.agent).setAssetWalletFrozen(assetId, addr(wallet), frozen)).wait();
}

const show = (x: unknown) => JSON.stringify(x, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/**
 * Every book of `assetIds` that a movement could change: supply, holder count, pause,
 * each wallet's holding (balance, frozen, wallet freeze, lock, available), its token
 * balance and its identity. For before/after checks (no verification views: they move with
 * the clock).
 */
export async function assetState(
  f: AssetFixture,
  wallets: Who[],
  assetIds: bigint[] = [f.assetId],
): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const assetId of assetIds) {
    const a = await f.suite.getAsset(assetId);
    const token = AssetToken__factory.connect(a.token, f.owner);
    state[`${assetId}`] = show([a.totalSupply, a.holderCount, a.paused, await token.totalSupply()]);
    for (const wallet of wallets) {
      const w = addr(wallet);
      const h = await f.suite.assetHolding(assetId, w);
      const identity = await f.suite.identityOf(w);
      state[`${assetId}/${w}`] = show([
        h.balance,
        h.frozen,
        h.walletFrozen,
        h.locked,
        h.lockedUntil,
        h.available,
        await token.balanceOf(w),
        identity,
      ]);
    }
  }
  return state;
}

/** The wallets whose books the suites watch: investors, the outsider, the diamond. */
export const watched = (f: AssetFixture, extra: Who[] = []): Who[] => [
  f.investorA,
  f.investorB,
  f.investorC,
  f.investorD,
  f.outsider,
  f.diamondAddress,
  ...extra,
];

/** Expects `call` to revert with `AssetTransferRestricted(assetId, code, account)` and the books to be as they were. */
export async function expectRestricted(
  f: AssetFixture,
  call: () => Promise<unknown>,
  code: number,
  account: Who,
  opts: { assetId?: bigint; wallets?: Who[]; assetIds?: bigint[] } = {},
): Promise<void> {
  const assetId = opts.assetId ?? f.assetId;
  await expectUnchanged(
    () => assetState(f, opts.wallets ?? watched(f), opts.assetIds ?? [assetId]),
    () =>
      expect(call())
        .to.be.revertedWithCustomError(f.suite, "AssetTransferRestricted")
        .withArgs(assetId, code, addr(account)),
  );
}

/** Expects `call` to revert with the suite's custom error `name(args)` and the books to be as they were. */
export async function expectRefused(
  f: AssetFixture,
  call: () => Promise<unknown>,
  name: string,
  args: unknown[],
  opts: { wallets?: Who[]; assetIds?: bigint[] } = {},
): Promise<void> {
  await expectUnchanged(
    () => assetState(f, opts.wallets ?? watched(f), opts.assetIds ?? [f.assetId]),
    () =>
      expect(call())
        .to.be.revertedWithCustomError(f.suite, name)
        .withArgs(...args),
  );
}

/**
 * Expects every view of a transfer of `amount` from `from` to `to` (by `spender`, `from` by
 * default) to give `code`: the diamond's `assetTransferRestriction`, and for a plain transfer
 * the token's ERC-1404 `detectTransferRestriction`, ERC-7943 `canTransfer` and the message.
 */
export async function expectRestriction(
  f: AssetFixture,
  move: { from: Who; to: Who; amount: bigint; spender?: Who; assetId?: bigint; token?: AssetToken },
  code: number,
): Promise<void> {
  const assetId = move.assetId ?? f.assetId;
  const token = move.token ?? f.token;
  const [from, to, spender] = [addr(move.from), addr(move.to), addr(move.spender ?? move.from)];
  expect(
    await f.suite.assetTransferRestriction(assetId, spender, from, to, move.amount),
    "assetTransferRestriction",
  ).to.equal(code);
  if (spender === from) {
    expect(await token.detectTransferRestriction(from, to, move.amount), "detectTransferRestriction").to.equal(code);
    expect(await token.canTransfer(from, to, move.amount), "canTransfer").to.equal(code === Restriction.Success);
  }
  expect(await token.messageForTransferRestriction(code)).to.equal(MESSAGES[code]);
  expect(await f.suite.assetRestrictionMessage(code)).to.equal(MESSAGES[code]);
}

/** The `Transfer` logs `token` emitted in `receipt`. */
export function transferLogs(token: AssetToken, receipt: ContractTransactionReceipt | null): LogDescription[] {
  return tokenLogs(token, receipt, "Transfer");
}

/** The `name` logs `token` emitted in `receipt`. */
export function tokenLogs(
  token: AssetToken,
  receipt: ContractTransactionReceipt | null,
  name: string,
): LogDescription[] {
  const target = token.target.toString().toLowerCase();
  const out: LogDescription[] = [];
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== target) continue;
    const parsed = token.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed);
  }
  return out;
}

/** The latest block's timestamp. */
export async function latest(ethers: HardhatEthers): Promise<number> {
  return Number((await ethers.provider.getBlock("latest"))!.timestamp);
}

// ---------------------------------------------------------------- locks

/** `AssetStorage.HAS_LOCK`, the holding flag that says a lock may apply. */
const HAS_LOCK = 2n;
/** The root of the `finsuite.asset` namespace (ERC-7201). */
const ASSET_LAYOUT_SLOT = BigInt(erc7201Slot("finsuite.asset"));

const mappingSlot = (key: string | bigint, slot: bigint, keyType: "address" | "uint256") =>
  BigInt(keccak256(AbiCoder.defaultAbiCoder().encode([keyType, "uint256"], [key, slot])));

/**
 * Locks `amount` of `wallet`'s `assetId` until `until`, as an offering's delivery would
 * (`LibAsset.lock`), by writing the lock and the holding's flag into the diamond's storage.
 * The slots come from the compiled layout of `finsuite.asset`, so a reordered struct moves them.
 */
export async function writeLock(
  ethers: HardhatEthers,
  f: AssetFixture,
  wallet: Who,
  amount: bigint,
  until: number,
  assetId: bigint = f.assetId,
): Promise<void> {
  const layout = (await loadLayouts(artifacts, { "finsuite.asset": "AssetStorageLayout" }))["finsuite.asset"];
  const assets = layout.find((m) => m.label === "assets")!;
  const member = (name: string) => {
    const match = new RegExp(`[{,]${name}:mapping\\(address\\(20\\) => struct\\{[^}]*\\}\\)@(\\d+)\\+0`).exec(
      assets.type,
    );
    if (match === null) throw new Error(`no ${name} in the asset layout`);
    return BigInt(match[1]);
  };
  // Lock: amount (uint128) in the low half, until (uint40) above it; the holding's flags in its top byte.
  expect(assets.type).to.match(
    /locks:mapping\(address\(20\) => struct\{amount:uint128\(16\)@0\+0,until:uint40\(5\)@0\+16\}\)/,
  );
  expect(assets.type).to.match(/flags:uint8\(1\)@0\+31\}\)@\d+\+0,locks/);
  const base = mappingSlot(assetId, ASSET_LAYOUT_SLOT + BigInt(assets.slot), "uint256");
  const lockSlot = mappingSlot(addr(wallet), base + member("locks"), "address");
  const holdingSlot = mappingSlot(addr(wallet), base + member("holdings"), "address");
  const word = (v: bigint) => zeroPadValue(toBeHex(v), 32);
  await ethers.provider.send("hardhat_setStorageAt", [
    f.diamondAddress,
    toBeHex(lockSlot),
    word(amount | (BigInt(until) << 128n)),
  ]);
  const holding = BigInt(await ethers.provider.getStorage(f.diamondAddress, holdingSlot));
  await ethers.provider.send("hardhat_setStorageAt", [
    f.diamondAddress,
    toBeHex(holdingSlot),
    word(holding | (HAS_LOCK << 248n)),
  ]);
}
