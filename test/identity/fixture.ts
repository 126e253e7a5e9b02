// The identity module's test fixture: a diamond with the module installed as the manifest
// declares it and one KYC provider, plus what its suites (and the asset module's) share:
// a default attested data set, onboarding, attestations and a snapshot of the registry.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { id, TypedDataEncoder, type Signer } from "ethers";

import {
  ATTESTATION_TYPES,
  identityDomain,
  KYC_PROVIDER_ROLE,
  signAttestation,
  type Attestation,
} from "../../scripts/lib/identity.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import suiteManifest from "../../scripts/manifest.js";
import { IFinanceSuite__factory } from "../../typechain-types/index.js";
import { coreFixture } from "../helpers.js";

export const DAY = 86_400;
export const YEAR = 365 * DAY;
/** ISO 3166-1 numeric code of France. */
export const FRANCE = 250;
/** `IdentityStorage.MAX_WALLETS`. */
export const MAX_WALLETS = 8;

/** `IIdentity.IdentityData` with the types the views return. */
export interface IdentityDataValue {
  jurisdiction: number;
  investorClass: number;
  expiresAt: bigint;
  evidenceHash: string;
}

/** An opaque identity id, as an institution would derive it from its own records. */
export const identityId = (label: string) => id(`investor:${label}`);

/** The salted hash of a KYC file kept off-chain. */
export const evidence = (label = "kyc-file-2025") => id(`evidence:${label}`);

export async function identityFixture(ethers: HardhatEthers) {
  const core = await coreFixture(ethers);
  const signers = await ethers.getSigners();
  const [provider, ...investors] = signers.slice(5, 11);
  await installFromManifest(ethers, core.diamond.connect(core.upgrader), suiteManifest, "identity");
  await (await core.diamond.connect(core.owner).grantRole(KYC_PROVIDER_ROLE, provider.address)).wait();
  const diamondAddress = await core.diamond.getAddress();
  const identity = IFinanceSuite__factory.connect(diamondAddress, provider);
  const { chainId } = await ethers.provider.getNetwork();
  /** The latest block's timestamp. */
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  return { ...core, identity, diamondAddress, chainId, provider, investors, now };
}

export type IdentityFixture = Awaited<ReturnType<typeof identityFixture>>;

/** France, professional, valid for a year from the latest block, with evidence. */
export async function identityData(
  f: IdentityFixture,
  overrides: Partial<IdentityDataValue> = {},
): Promise<IdentityDataValue> {
  return {
    jurisdiction: FRANCE,
    investorClass: 2,
    expiresAt: (await f.now()) + BigInt(YEAR),
    evidenceHash: evidence(),
    ...overrides,
  };
}

/** The fixture's provider registers `identityId` with `wallet` as its first wallet. */
export async function onboard(
  f: IdentityFixture,
  identityId: string,
  wallet: string | { address: string },
  data?: IdentityDataValue,
): Promise<IdentityDataValue> {
  const attested = data ?? (await identityData(f));
  const address = typeof wallet === "string" ? wallet : wallet.address;
  await (await f.identity.connect(f.provider).registerIdentity(identityId, address, attested)).wait();
  return attested;
}

/** An attestation of `wallet` into `identityId` by the fixture's provider, valid for a day. */
export async function attestation(
  f: IdentityFixture,
  identityId: string,
  wallet: string,
  overrides: Partial<Attestation> = {},
): Promise<Attestation> {
  return {
    identityId,
    wallet,
    data: await identityData(f),
    provider: f.provider.address,
    deadline: (await f.now()) + BigInt(DAY),
    nonce: id(`nonce:${identityId}:${wallet}`),
    ...overrides,
  };
}

/** `signer`'s signature of `a` for the fixture's diamond and chain (or others). */
export function sign(
  f: IdentityFixture,
  signer: Signer,
  a: Attestation,
  where: { diamond?: string; chainId?: bigint } = {},
): Promise<string> {
  return signAttestation(signer, where.diamond ?? f.diamondAddress, where.chainId ?? f.chainId, a);
}

/** The EIP-712 digest of `a` computed off-chain for the fixture's diamond. */
export const digestOf = (f: IdentityFixture, a: Attestation) =>
  TypedDataEncoder.hash(identityDomain(f.diamondAddress, f.chainId), ATTESTATION_TYPES, a);

const show = (x: unknown) => JSON.stringify(x, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** What the registry says about `ids`, `wallets` and attestation `nonces`, for before/after checks. */
export async function identityState(
  f: IdentityFixture,
  scope: { ids?: string[]; wallets?: (string | HardhatEthersSigner)[]; nonces?: [string, string][] },
): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const identityId of scope.ids ?? []) {
    state[identityId] = await f.identity.getIdentity(identityId).then(
      (v) => show([v.status, v.jurisdiction, v.investorClass, v.expiresAt, v.evidenceHash, v.provider, [...v.wallets]]),
      () => "unknown",
    );
  }
  for (const wallet of scope.wallets ?? []) {
    const address = typeof wallet === "string" ? wallet : wallet.address;
    state[address] = show([
      await f.identity.identityOf(address),
      await f.identity.identityCodeOf(address),
      await f.identity.isVerified(address),
      await f.identity.recoveredWalletOf(address),
    ]);
  }
  for (const [provider, nonce] of scope.nonces ?? []) {
    state[`${provider}/${nonce}`] = show(await f.identity.isAttestationUsed(provider, nonce));
  }
  return state;
}
