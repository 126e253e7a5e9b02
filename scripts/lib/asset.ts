// Helpers for integrators and operators of the asset module (permissioned ERC-20 fractions).
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { id } from "ethers";

import type { IAssetTypes } from "../../typechain-types/contracts/modules/asset/IAsset.js";

/** Creates assets and manages its own (`AssetStorage.ASSET_ISSUER_ROLE`). */
export const ASSET_ISSUER_ROLE = id("finsuite.role.asset-issuer");
/** Mints, burns, freezes, forces transfers, pauses (`AssetStorage.ASSET_AGENT_ROLE`). */
export const ASSET_AGENT_ROLE = id("finsuite.role.asset-agent");

/** `IAssetTypes.Restriction`: the ERC-1404 codes, in the order the check applies them. */
export const Restriction = {
  Success: 0,
  Paused: 1,
  InvalidReceiver: 2,
  SenderNotVerified: 3,
  SenderFrozen: 4,
  SpenderNotVerified: 5,
  SpenderFrozen: 6,
  ReceiverNotVerified: 7,
  ReceiverFrozen: 8,
  JurisdictionNotAllowed: 9,
  ClassNotAllowed: 10,
  InsufficientBalance: 11,
  BalanceFrozenOrLocked: 12,
  MaxHoldersReached: 13,
  MaxBalanceExceeded: 14,
  CapExceeded: 15,
} as const;

/** The name of a restriction code, e.g. for logs: `restrictionName(9)` → "JurisdictionNotAllowed". */
export function restrictionName(code: number | bigint): string {
  const entry = Object.entries(Restriction).find(([, v]) => BigInt(v) === BigInt(code));
  return entry ? entry[0] : `Unknown(${code})`;
}

export type AssetParams = IAssetTypes.AssetParamsStruct;
export type AssetRules = IAssetTypes.AssetRulesStruct;

/** The bitmask of allowed investor classes: `classMask(2, 3)` allows professional and institutional. */
export function classMask(...classes: number[]): number {
  return classes.reduce((mask, c) => {
    if (!Number.isInteger(c) || c < 1 || c > 15) throw new Error(`investor class ${c} is not in 1..15`);
    return mask | (1 << c);
  }, 0);
}

/**
 * An offering's allow-list: an OpenZeppelin StandardMerkleTree over `["address"]`, the
 * leaf encoding `subscribe` checks. Publish `tree.root` in the offering, and give each
 * wallet `allowListProof(tree, wallet)`.
 */
export function allowListTree(wallets: readonly string[]): StandardMerkleTree<[string]> {
  if (wallets.length === 0) throw new Error("an allow-list needs at least one wallet");
  return StandardMerkleTree.of(
    wallets.map((w) => [w]),
    ["address"],
  );
}

/** The proof `subscribe` needs for `wallet`; throws when the wallet is not on the list. */
export function allowListProof(tree: StandardMerkleTree<[string]>, wallet: string): string[] {
  for (const [i, [leaf]] of tree.entries()) {
    if (leaf.toLowerCase() === wallet.toLowerCase()) return tree.getProof(i);
  }
  throw new Error(`${wallet} is not on the allow-list`);
}
