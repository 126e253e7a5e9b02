// Helpers for integrators and operators of the insurance module (products, risk pools,
// policies, triggers and payouts).
import { AbiCoder, id, parseUnits } from "ethers";

import type { IInsuranceTypes } from "../../typechain-types/contracts/modules/insurance/IInsuranceAdmin.js";

/** Opens pools, defines products and risks, withdraws fees (`InsuranceStorage.INSURER_ROLE`). */
export const INSURER_ROLE = id("finsuite.role.insurer");
/** Reports the readings that trigger parametric risks (`InsuranceStorage.ORACLE_ROLE`). */
export const INSURANCE_ORACLE_ROLE = id("finsuite.role.insurance-oracle");
/** Confirms or declines claims of assessed products (`InsuranceStorage.ASSESSOR_ROLE`). */
export const CLAIM_ASSESSOR_ROLE = id("finsuite.role.claim-assessor");

/** Policies one upkeep perform pays (`InsuranceStorage.MAX_UPKEEP_BATCH`). */
export const MAX_UPKEEP_BATCH = 100;

export const ProductKind = { Parametric: 0, Assessed: 1 } as const;
export const Direction = { AtLeast: 0, AtMost: 1 } as const;
export const RiskState = { None: 0, Open: 1, Triggered: 2, Settled: 3, Closed: 4 } as const;
export const PolicyStatus = { None: 0, Active: 1, Cancelled: 2, Paid: 3, Expired: 4 } as const;
export const ClaimState = { None: 0, Pending: 1, Confirmed: 2, Declined: 3 } as const;

/** The upkeep actions of `insuranceCheckUpkeep`'s performData. */
export const InsuranceUpkeepAction = { Pay: 1, Trigger: 2 } as const;

export type InsurancePoolParams = IInsuranceTypes.InsurancePoolParamsStruct;
export type ProductParams = IInsuranceTypes.ProductParamsStruct;
export type Tier = IInsuranceTypes.TierStruct;

/** Policy ids are `riskId << 32 | n` for the risk's n-th policy. */
export function policyIdOf(riskId: bigint | number, n: bigint | number): bigint {
  return (BigInt(riskId) << 32n) | BigInt(n);
}

/** The risk and the number within it of a policy id. */
export function splitPolicyId(policyId: bigint): { riskId: bigint; n: bigint } {
  return { riskId: policyId >> 32n, n: policyId & 0xffffffffn };
}

/** The premium rule: ceil(sumInsured × premiumBps / 10,000); the fee is feeBps of it, rounded down. */
export function premiumOf(sumInsured: bigint, premiumBps: number, feeBps: number): { premium: bigint; fee: bigint } {
  const premium = (sumInsured * BigInt(premiumBps) + 9_999n) / 10_000n;
  return { premium, fee: (premium * BigInt(feeBps)) / 10_000n };
}

/** `checkData` for the insurance upkeep: the risks whose feeds the keeper should watch. */
export function watchRisks(riskIds: readonly (bigint | number)[]): string {
  return AbiCoder.defaultAbiCoder().encode(["uint256[]"], [riskIds]);
}

/** Decodes the insurance module's performData. */
export function decodeInsurancePerform(data: string): { action: number; riskId: bigint } {
  const [action, riskId] = AbiCoder.defaultAbiCoder().decode(["uint8", "uint256"], data);
  return { action: Number(action), riskId: BigInt(riskId) };
}

const HOUR = 3600;
const DAY = 86_400;
const usd = (n: number) => parseUnits(String(n), 6);

/**
 * An example parametric product for a 6-decimal stablecoin pool (the docs', tests' and
 * benchmark's): flight delay in minutes; 2 h pays 50 %, 3 h pays 100 %.
 */
export function flightDelayProduct(poolId: bigint | number, overrides: Partial<ProductParams> = {}): ProductParams {
  return {
    poolId,
    kind: ProductKind.Parametric,
    direction: Direction.AtLeast,
    premiumBps: 500,
    feeBps: 1_000,
    minSumInsured: usd(10),
    maxSumInsured: usd(1_000),
    minCover: HOUR,
    maxCover: 2 * DAY,
    purchaseCutoff: HOUR,
    maxAggregatePerRisk: usd(100_000),
    maxReadingAge: DAY,
    claimWindow: 3 * DAY,
    tiers: [
      { threshold: 120, payoutBps: 5_000 },
      { threshold: 180, payoutBps: 10_000 },
    ],
    ...overrides,
  };
}

/** An example assessed product for a 6-decimal stablecoin pool: travel, claims reviewed by an assessor: claims reviewed by an assessor. */
export function travelProduct(poolId: bigint | number, overrides: Partial<ProductParams> = {}): ProductParams {
  return {
    poolId,
    kind: ProductKind.Assessed,
    direction: Direction.AtLeast,
    premiumBps: 300,
    feeBps: 500,
    minSumInsured: usd(100),
    maxSumInsured: usd(5_000),
    minCover: DAY,
    maxCover: 30 * DAY,
    purchaseCutoff: DAY,
    maxAggregatePerRisk: usd(500_000),
    maxReadingAge: 0,
    claimWindow: 14 * DAY,
    tiers: [],
    ...overrides,
  };
}
