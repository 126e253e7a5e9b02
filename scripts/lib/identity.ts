// Helpers for integrators and operators of the identity module (the investor registry).
import { id, type Signer, type TypedDataDomain } from "ethers";

import type { IIdentity } from "../../typechain-types/contracts/modules/identity/IIdentity.js";

/** The role of the KYC providers the institution registers (`IdentityStorage.KYC_PROVIDER_ROLE`). */
export const KYC_PROVIDER_ROLE = id("finsuite.role.kyc-provider");

/** Investor classes the suite names (1..15 are valid; the rest are the institution's own). */
export const InvestorClass = { Retail: 1, Professional: 2, Institutional: 3 } as const;

/** `IIdentity.IdentityStatus`. */
export const IdentityStatus = { None: 0, Active: 1, Suspended: 2, Revoked: 3 } as const;

/** `IIdentity.IdentityCode`: why a wallet is or is not verified. */
export const IdentityCode = {
  Verified: 0,
  NotRegistered: 1,
  WalletLost: 2,
  Suspended: 3,
  Revoked: 4,
  Expired: 5,
} as const;

export type IdentityData = IIdentity.IdentityDataStruct;
export type Attestation = IIdentity.AttestationStruct;

/** The EIP-712 types a provider signs (see `IIdentity.Attestation`). */
export const ATTESTATION_TYPES = {
  Attestation: [
    { name: "identityId", type: "bytes32" },
    { name: "wallet", type: "address" },
    { name: "data", type: "IdentityData" },
    { name: "provider", type: "address" },
    { name: "deadline", type: "uint40" },
    { name: "nonce", type: "bytes32" },
  ],
  IdentityData: [
    { name: "jurisdiction", type: "uint16" },
    { name: "investorClass", type: "uint8" },
    { name: "expiresAt", type: "uint40" },
    { name: "evidenceHash", type: "bytes32" },
  ],
};

/** The EIP-712 domain of a diamond's identity module. */
export function identityDomain(diamond: string, chainId: bigint): TypedDataDomain {
  return { name: "Finsuite Identity", version: "1", chainId, verifyingContract: diamond };
}

/** A provider's signature over `attestation` for `diamond` on `chainId`. */
export async function signAttestation(
  provider: Signer,
  diamond: string,
  chainId: bigint,
  attestation: Attestation,
): Promise<string> {
  return provider.signTypedData(identityDomain(diamond, chainId), ATTESTATION_TYPES, attestation);
}
