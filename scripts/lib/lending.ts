// Helpers for integrators and operators of the lending module.
import { id, parseUnits, type Signer } from "ethers";

import { ILendingAdmin__factory } from "../../typechain-types/index.js";
import type { ILendingTypes } from "../../typechain-types/contracts/modules/lending/ILendingAdmin.js";

/** The role that creates pools and sets limits (`LendingStorage.LENDING_ADMIN_ROLE`). */
export const LENDING_ADMIN_ROLE = id("finsuite.role.lending-admin");

/** No cap: the largest value a pool cap holds (uint96, 7.9e28 base units). */
export const NO_CAP = 2n ** 96n - 1n;

/** Seconds per year the rate models use (365 days). */
export const YEAR = 365n * 24n * 3600n;

/** An annual rate as a 1e18-scaled fraction: `annual("5%")` → 0.05e18. */
export function annual(percent: `${string}%`): bigint {
  return parseUnits(percent.slice(0, -1), 16);
}

export type PoolParams = ILendingTypes.PoolParamsStruct;
export type CollateralParams = ILendingTypes.CollateralParamsStruct;

const adminIface = ILendingAdmin__factory.createInterface();

/**
 * Calldata for the risk-raising lending changes, which only run inside an operation the
 * diamond's timelock executes: schedule them with `schedule([calldata], salt)` and execute
 * after the delay (see `runTimelocked` in core.ts).
 */
export const lendingCalls = {
  setCollateral(poolId: bigint, token: string, params: CollateralParams): string {
    return adminIface.encodeFunctionData("setLendingCollateral", [poolId, token, params]);
  },
  setRateModel(poolId: bigint, model: string): string {
    return adminIface.encodeFunctionData("setLendingRateModel", [poolId, model]);
  },
  setCreditModel(poolId: bigint, model: string): string {
    return adminIface.encodeFunctionData("setLendingCreditModel", [poolId, model]);
  },
};

/** `ILendingTypes.CreditAttestation` with concrete values. */
export interface CreditAttestation {
  issuer: string;
  borrower: string;
  poolId: bigint;
  limit: bigint;
  ratePremiumBps: number;
  score: number;
  expiry: bigint;
  nonce: bigint;
}

/** The EIP-712 type `CreditLineModel` verifies. */
export const CREDIT_ATTESTATION_TYPES = {
  CreditAttestation: [
    { name: "issuer", type: "address" },
    { name: "borrower", type: "address" },
    { name: "poolId", type: "uint256" },
    { name: "limit", type: "uint128" },
    { name: "ratePremiumBps", type: "uint16" },
    { name: "score", type: "uint16" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint64" },
  ],
};

/** The EIP-712 domain of a `CreditLineModel` deployed at `model` on `chainId`. */
export function creditLineDomain(model: string, chainId: bigint) {
  return { name: "Finsuite Credit Line", version: "1", chainId, verifyingContract: model };
}

/** Signs `attestation` as its issuer (an EOA; ERC-1271 issuers sign in their own way). */
export async function signCreditAttestation(
  issuer: Signer,
  model: string,
  chainId: bigint,
  attestation: CreditAttestation,
): Promise<string> {
  return issuer.signTypedData(creditLineDomain(model, chainId), CREDIT_ATTESTATION_TYPES, attestation);
}
