// The credit-scoring service: a borrower's history with one institution read from its
// diamond's events, a transparent scorecard computed from it by a pure function, the credit
// line the policy grants for the score, and the signed `CreditAttestation` that
// `CreditLineModel` checks. Reading and signing touch the chain; everything between is pure
// (time is an input), so the same history and policy always give the same card.
// See docs/credit-scoring.md.
import { getAddress, Interface, isAddress, formatUnits, type Provider, type Signer } from "ethers";

import {
  ICreditLineModel__factory,
  IFinanceSuite__factory,
  LendingPoolVault__factory,
} from "../../typechain-types/index.js";
import type { TypedContractEvent, TypedDeferredTopicFilter, TypedEventLog } from "../../typechain-types/common.js";
import { signCreditAttestation, type CreditAttestation } from "./lending.js";

/** A problem with the policy, the history or the request: the message says what to change. */
export class ScoringError extends Error {}

const DAY = 86_400;
const BPS = 10_000;
const UINT16_MAX = 65_535;
const UINT64_MAX = 2n ** 64n - 1n;
const UINT128_MAX = 2n ** 128n - 1n;

// ------------------------------------------------------------------ the history

/** Where and when an event happened. `at` is its block's timestamp (unix seconds). */
export interface EventPosition {
  block: number;
  logIndex: number;
  tx: string;
  at: number;
}

/**
 * A payment the borrower made or received through the payment module. `kind` says which
 * function: `pay`/`payNative`/`payWithPermit` ("payment"), `payBatch` ("batch", sent only:
 * the batch event names no payees) or an invoice payment ("invoice"). Amounts are in `token`
 * units (zero address: the native currency); `fee` is what the payer paid on top.
 */
export interface PaymentRecord extends EventPosition {
  direction: "sent" | "received";
  kind: "payment" | "batch" | "invoice";
  /** The other party; null for a batch (many payees) and for invoices open to anyone. */
  counterparty: string | null;
  token: string;
  amount: bigint;
  fee: bigint;
  /** Transfers in the payment (a batch's count; 1 otherwise). */
  count: number;
  /** The payment reference, or the invoice id for an invoice payment. */
  ref: string;
}

/** An invoice billed to the borrower (its `payer`), and what became of it by the as-of time. */
export interface InvoiceRecord {
  id: bigint;
  payee: string;
  issuedAt: number;
  dueDate: number;
  /** The total, in invoice units (token units, or 10^-8 currency units). */
  amount: bigint;
  /** Settled so far, in invoice units. */
  paid: bigint;
  /** When the last part was paid (remaining reached zero), or null. */
  settledAt: number | null;
  /** When the payee cancelled it, or null. */
  cancelledAt: number | null;
}

/** An escrow the borrower is a party of. */
export interface EscrowRecord {
  id: string;
  role: "payer" | "payee";
  token: string;
  amount: bigint;
  createdAt: number;
  /** When a party opened a dispute, and who; null if none was opened. */
  disputedAt: number | null;
  disputedBy: string | null;
}

export interface BorrowRecord extends EventPosition {
  poolId: bigint;
  amount: bigint;
  /** The borrower's debt right after the borrow. */
  debtAfter: bigint;
}

export interface RepayRecord extends EventPosition {
  poolId: bigint;
  /** Who paid (anyone may repay anyone's debt). */
  payer: string;
  amount: bigint;
  debtAfter: bigint;
}

export interface LiquidationRecord extends EventPosition {
  poolId: bigint;
  liquidator: string;
  collateral: string;
  /** Debt the liquidator repaid, in the pool's asset. */
  repaid: bigint;
  /** Collateral taken, in collateral units. */
  seized: bigint;
  debtAfter: bigint;
}

export interface BadDebtRecord extends EventPosition {
  poolId: bigint;
  /** Debt written off, in the pool's asset. */
  amount: bigint;
}

export interface CollateralRecord extends EventPosition {
  poolId: bigint;
  token: string;
  /** Positive: posted; negative: withdrawn. */
  amount: bigint;
}

/** A supply to (positive) or withdrawal from (negative) a pool's ERC-4626 vault. */
export interface DepositRecord extends EventPosition {
  poolId: bigint;
  assets: bigint;
}

/**
 * Everything the scorecard looks at: one borrower's history with one diamond in a block
 * range, and its debts at the end of the range. Plain data (bigints for amounts).
 */
export interface BorrowerHistory {
  chainId: number;
  diamond: string;
  borrower: string;
  fromBlock: number;
  toBlock: number;
  /** Timestamp of `toBlock`: "now" for every time-dependent factor. */
  asOf: number;
  /** The pool the credit line is for. */
  pool: { id: bigint; asset: string; symbol: string; decimals: number };
  payments: PaymentRecord[];
  invoices: InvoiceRecord[];
  escrows: EscrowRecord[];
  borrows: BorrowRecord[];
  repayments: RepayRecord[];
  liquidations: LiquidationRecord[];
  badDebts: BadDebtRecord[];
  collateral: CollateralRecord[];
  deposits: DepositRecord[];
  /** `lendingDebtOf` at `toBlock`, for every pool that existed then. */
  debts: { poolId: bigint; debt: bigint }[];
}

// ------------------------------------------------------------------ the policy

/** The scorecard's factors, in the order they are shown. */
export const FACTOR_IDS = [
  "invoices",
  "repayments",
  "liquidations",
  "badDebt",
  "debtOutstanding",
  "activity",
  "history",
  "disputes",
] as const;
export type FactorId = (typeof FACTOR_IDS)[number];

/** A score band: scores at or above `minScore` (and below the previous band) get these terms. */
export interface ScoreBand {
  name: string;
  minScore: number;
  /** The credit line, in whole units of the pool's asset (0: no line, nothing is signed). */
  limit: bigint;
  /** Recorded in the attestation for reporting; the pool charges its single rate. */
  ratePremiumBps: number;
  /** How long the attestation is valid after the as-of time. */
  validityDays: number;
}

/**
 * How history becomes a score and a score a credit line. Every number is an integer.
 * `weights` are percentages of the points above `minScore` (they sum to 100); `bands` are
 * ordered from the best down, and the last one starts at `minScore`.
 */
export interface ScoringPolicy {
  /** Named in every card and attestation output, so a score can be reproduced. */
  name: string;
  minScore: number;
  maxScore: number;
  weights: Record<FactorId, number>;
  /** What a factor without evidence earns (e.g. no invoice ever came due), in bps of its points. */
  neutralBps: number;
  /** Payments (sent, received, invoice payments) plus pool deposits that earn all activity points. */
  activityTarget: number;
  /** Days since the first activity that earn all history points. */
  historyTargetDays: number;
  /** Liquidations that take all liquidation points; each takes an equal share. */
  liquidationsToZero: number;
  bands: ScoreBand[];
}

/**
 * The default policy. Scores run from 300 to 850 like familiar consumer credit scores, but
 * they are this institution's own measure of its own history with the borrower and are not
 * comparable to any credit bureau's. A borrower with no history scores 532 and is declined.
 */
export const DEFAULT_POLICY: ScoringPolicy = {
  name: "finsuite-default/1",
  minScore: 300,
  maxScore: 850,
  weights: {
    invoices: 24,
    repayments: 20,
    liquidations: 16,
    badDebt: 10,
    debtOutstanding: 10,
    activity: 10,
    history: 6,
    disputes: 4,
  },
  neutralBps: 5_000,
  activityTarget: 12,
  historyTargetDays: 365,
  liquidationsToZero: 2,
  bands: [
    { name: "excellent", minScore: 760, limit: 50_000n, ratePremiumBps: 100, validityDays: 30 },
    { name: "good", minScore: 690, limit: 20_000n, ratePremiumBps: 250, validityDays: 30 },
    { name: "fair", minScore: 620, limit: 5_000n, ratePremiumBps: 500, validityDays: 14 },
    { name: "entry", minScore: 560, limit: 1_000n, ratePremiumBps: 800, validityDays: 7 },
    { name: "declined", minScore: 300, limit: 0n, ratePremiumBps: 0, validityDays: 0 },
  ],
};

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0;

/** Every problem of `policy`, as short phrases (empty: the policy is usable). */
export function policyProblems(policy: ScoringPolicy): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  need(typeof policy.name === "string" && policy.name.trim() !== "", "name must be a non-empty string");
  need(isCount(policy.minScore), "minScore must be a non-negative integer");
  need(
    isCount(policy.maxScore) && policy.maxScore > policy.minScore && policy.maxScore <= UINT16_MAX,
    `maxScore must be an integer above minScore and at most ${UINT16_MAX} (a uint16)`,
  );
  const weights = policy.weights ?? ({} as Record<FactorId, number>);
  const unknown = Object.keys(weights).filter((k) => !(FACTOR_IDS as readonly string[]).includes(k));
  need(unknown.length === 0, `weights has unknown factors: ${unknown.join(", ")}`);
  const bad = FACTOR_IDS.filter((f) => !isCount(weights[f]));
  need(bad.length === 0, `weights of ${bad.join(", ")} must be non-negative integers`);
  if (bad.length === 0) {
    const sum = FACTOR_IDS.reduce((s, f) => s + weights[f], 0);
    need(sum === 100, `weights must sum to 100 (they sum to ${sum})`);
  }
  need(isCount(policy.neutralBps) && policy.neutralBps <= BPS, "neutralBps must be an integer from 0 to 10000");
  for (const key of ["activityTarget", "historyTargetDays", "liquidationsToZero"] as const) {
    need(isCount(policy[key]) && policy[key] > 0, `${key} must be a positive integer`);
  }
  const bands = Array.isArray(policy.bands) ? policy.bands : [];
  need(bands.length > 0, "bands must list at least one band");
  bands.forEach((b, i) => {
    const at = `bands[${i}] (${String(b.name)})`;
    need(typeof b.name === "string" && b.name.trim() !== "", `bands[${i}] needs a name`);
    need(isCount(b.minScore), `${at}: minScore must be a non-negative integer`);
    if (i > 0) need(b.minScore < bands[i - 1].minScore, `${at}: bands must go from the highest minScore down`);
    need(typeof b.limit === "bigint" && b.limit >= 0n, `${at}: limit must be a bigint of whole units, 0 or more`);
    need(isCount(b.ratePremiumBps) && b.ratePremiumBps <= UINT16_MAX, `${at}: ratePremiumBps must fit a uint16`);
    need(isCount(b.validityDays), `${at}: validityDays must be a non-negative integer`);
    if (typeof b.limit === "bigint" && b.limit > 0n) {
      need(b.validityDays > 0, `${at}: a band that grants credit needs validityDays above 0`);
    }
  });
  const names = bands.map((b) => b.name);
  need(new Set(names).size === names.length, "band names must be unique");
  if (bands.length > 0 && isCount(policy.minScore)) {
    const last = bands[bands.length - 1];
    need(last.minScore === policy.minScore, `the last band must start at minScore (${policy.minScore})`);
    need(bands[0].minScore <= policy.maxScore, "no band may start above maxScore");
  }
  return problems;
}

/** Throws a `ScoringError` naming every problem of `policy`. */
export function checkPolicy(policy: ScoringPolicy): void {
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new ScoringError(`Invalid scoring policy: ${problems.join("; ")}.`);
}

// ------------------------------------------------------------------ the scorecard

/** One line of the card. */
export interface Factor {
  id: FactorId;
  name: string;
  /** What was observed, in a few words ("1 of 2 on time"). */
  observed: string;
  /** Whether there was evidence; without it the factor earns the policy's neutral share. */
  evidence: boolean;
  /** The share of the factor's points earned, in bps (0–10000). */
  earnedBps: number;
  /** The factor's weight, in percent. */
  weight: number;
  points: number;
  maxPoints: number;
  /** One line: why these points. */
  explanation: string;
}

export interface Scorecard {
  policy: string;
  chainId: number;
  diamond: string;
  borrower: string;
  pool: BorrowerHistory["pool"];
  fromBlock: number;
  toBlock: number;
  asOf: number;
  /** minScore + Σ factor points. */
  score: number;
  minScore: number;
  maxScore: number;
  factors: Factor[];
}

/** What one factor concluded: a share of its points (null: no evidence) and the words for it. */
interface Finding {
  bps: number | null;
  observed: string;
  explanation: string;
}

const FACTOR_NAMES: Record<FactorId, string> = {
  invoices: "Invoices paid on time",
  repayments: "Debt repaid by the borrower",
  liquidations: "Liquidations",
  badDebt: "Debt written off",
  debtOutstanding: "Debt outstanding",
  activity: "Activity",
  history: "Length of history",
  disputes: "Escrow disputes",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const percent = (bps: number) => `${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 1)}%`;
const clampBps = (n: number) => Math.min(BPS, Math.max(0, n));

/** num / den in bps, rounded down, within 0–10000; `den` must be positive. */
export function ratioBps(num: bigint, den: bigint): number {
  if (den <= 0n) throw new ScoringError("ratioBps: the denominator must be positive");
  if (num <= 0n) return 0;
  return num >= den ? BPS : Number((num * BigInt(BPS)) / den);
}

const meanBps = (values: number[]) => Math.round(values.reduce((s, v) => s + v, 0) / values.length);

/** Splits `total` in proportion to `weights` (largest remainder; ties to the earlier entry), summing exactly to `total`. */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum === 0) return weights.map(() => 0);
  const base = weights.map((w) => Math.floor((total * w) / sum));
  const order = weights
    .map((w, i) => ({ i, remainder: (total * w) % sum }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  let left = total - base.reduce((s, b) => s + b, 0);
  for (const { i } of order) {
    if (left === 0) break;
    base[i] += 1;
    left -= 1;
  }
  return base;
}

type InvoiceOutcome = "onTime" | "late" | "unpaid" | "withdrawn" | "pending";

/**
 * An invoice at `asOf`: settled by its due date (on time) or after (late), due and not
 * settled (unpaid: the payment module refuses payment after the due date, so this is how
 * lateness shows), cancelled before its due date (withdrawn), or not yet due (pending).
 */
export function invoiceOutcome(invoice: InvoiceRecord, asOf: number): InvoiceOutcome {
  if (invoice.settledAt !== null) return invoice.settledAt <= invoice.dueDate ? "onTime" : "late";
  if (invoice.cancelledAt !== null && invoice.cancelledAt <= invoice.dueDate) return "withdrawn";
  return asOf > invoice.dueDate ? "unpaid" : "pending";
}

function invoicesFinding(h: BorrowerHistory): Finding {
  const counts = { onTime: 0, late: 0, unpaid: 0, withdrawn: 0, pending: 0 };
  for (const inv of h.invoices) counts[invoiceOutcome(inv, h.asOf)] += 1;
  const due = counts.onTime + counts.late + counts.unpaid;
  const notes = [
    counts.pending > 0 ? `${plural(counts.pending, "invoice")} not yet due` : "",
    counts.withdrawn > 0 ? `${counts.withdrawn} cancelled before due` : "",
  ].filter((s) => s !== "");
  const tail = notes.length > 0 ? ` (${notes.join(", ")})` : "";
  if (due === 0) {
    return { bps: null, observed: "none due", explanation: `No invoice billed to the borrower came due${tail}.` };
  }
  const bps = Math.floor((counts.onTime * BPS) / due);
  return {
    bps,
    observed: `${counts.onTime} of ${due} on time`,
    explanation:
      `${plural(due, "invoice")} came due: ${counts.onTime} paid in full by the due date, ` +
      `${counts.late} late, ${counts.unpaid} unpaid at the due date${tail}.`,
  };
}

/** Pools as sorted keys, so that every per-pool figure comes out in the same order. */
function byPool<T extends { poolId: bigint }>(items: T[], value: (item: T) => bigint): Map<bigint, bigint> {
  const out = new Map<bigint, bigint>();
  for (const item of items) out.set(item.poolId, (out.get(item.poolId) ?? 0n) + value(item));
  return out;
}

const sortedPools = (...maps: Map<bigint, bigint>[]) =>
  [...new Set(maps.flatMap((m) => [...m.keys()]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function repaymentsFinding(h: BorrowerHistory): Finding {
  const voluntary = byPool(h.repayments, (r) => r.amount);
  const forced = byPool(
    [...h.liquidations.map((l) => ({ poolId: l.poolId, amount: l.repaid })), ...h.badDebts],
    (x) => x.amount,
  );
  const shares = sortedPools(voluntary, forced).map((pool) => {
    const v = voluntary.get(pool) ?? 0n;
    return ratioBps(v, v + (forced.get(pool) ?? 0n));
  });
  if (shares.length === 0) {
    return {
      bps: null,
      observed: "nothing settled",
      explanation: "No debt was repaid, liquidated or written off yet.",
    };
  }
  const bps = meanBps(shares);
  const where = `${plural(shares.length, "pool")}, ${plural(h.repayments.length, "repayment")}`;
  return {
    bps,
    observed: `${percent(bps)} repaid`,
    explanation:
      bps === BPS
        ? `All the debt settled (${where}) was repaid, none by liquidation or write-off.`
        : `Of the debt settled (${where}), ${percent(bps)} was repaid and ${percent(BPS - bps)} taken by ` +
          `liquidation or write-off${shares.length > 1 ? " (mean over pools)" : ""}.`,
  };
}

function liquidationsFinding(h: BorrowerHistory, policy: ScoringPolicy): Finding {
  const n = h.liquidations.length;
  if (h.borrows.length === 0 && n === 0) {
    return {
      bps: null,
      observed: "never borrowed",
      explanation: "No borrowing in the range, so no record of liquidations.",
    };
  }
  const bps = clampBps(BPS - Math.floor((n * BPS) / policy.liquidationsToZero));
  return {
    bps,
    observed: n === 0 ? "none" : plural(n, "liquidation"),
    explanation:
      n === 0
        ? `No liquidation in ${plural(h.borrows.length, "borrow")}.`
        : `Liquidated ${plural(n, "time")}; ${plural(policy.liquidationsToZero, "liquidation")} take all the points.`,
  };
}

function badDebtFinding(h: BorrowerHistory): Finding {
  const n = h.badDebts.length;
  if (h.borrows.length === 0 && n === 0) {
    return {
      bps: null,
      observed: "never borrowed",
      explanation: "No borrowing in the range, so no record of write-offs.",
    };
  }
  return {
    bps: n === 0 ? BPS : 0,
    observed: n === 0 ? "none" : plural(n, "write-off"),
    explanation:
      n === 0
        ? "No debt of the borrower was ever written off."
        : `Debt left without collateral was written off ${plural(n, "time")}: no points.`,
  };
}

function debtOutstandingFinding(h: BorrowerHistory): Finding {
  const peak = new Map<bigint, bigint>();
  for (const b of h.borrows) if (b.debtAfter > (peak.get(b.poolId) ?? 0n)) peak.set(b.poolId, b.debtAfter);
  const current = new Map(h.debts.filter((d) => d.debt > 0n).map((d) => [d.poolId, d.debt]));
  const pools = sortedPools(peak, current);
  if (pools.length === 0) {
    return { bps: null, observed: "never borrowed", explanation: "No borrowing and no debt: nothing to measure." };
  }
  const owedShares = pools.map((pool) => {
    const now = current.get(pool) ?? 0n;
    const top = peak.get(pool) ?? 0n;
    return ratioBps(now, now > top ? now : top);
  });
  const owed = meanBps(owedShares);
  const debtors = owedShares.filter((s) => s > 0).length;
  return {
    bps: BPS - owed,
    observed: `${percent(owed)} of peak`,
    explanation:
      `Owes ${percent(owed)} of its peak debt now` +
      (pools.length > 1 ? ` (mean over ${pools.length} pools, in debt in ${debtors})` : "") +
      "; the less still owed, the more points.",
  };
}

function activityFinding(h: BorrowerHistory, policy: ScoringPolicy): Finding {
  const sent = h.payments.filter((p) => p.direction === "sent").length;
  const received = h.payments.length - sent;
  const deposits = h.deposits.filter((d) => d.assets > 0n).length;
  const n = sent + received + deposits;
  return {
    bps: Math.min(BPS, Math.floor((n * BPS) / policy.activityTarget)),
    observed: plural(n, "operation"),
    explanation:
      `${plural(sent, "payment")} sent, ${received} received, ${plural(deposits, "pool deposit")}; ` +
      `${policy.activityTarget} earn all the points.`,
  };
}

/** The borrower's earliest event of any kind, or null. */
function firstActivity(h: BorrowerHistory): number | null {
  const times = [
    ...h.payments.map((p) => p.at),
    ...h.invoices.map((i) => i.issuedAt),
    ...h.escrows.map((e) => e.createdAt),
    ...[h.borrows, h.repayments, h.liquidations, h.badDebts, h.collateral, h.deposits].flatMap((list) =>
      list.map((e) => e.at),
    ),
  ];
  return times.length === 0 ? null : Math.min(...times);
}

function historyFinding(h: BorrowerHistory, policy: ScoringPolicy): Finding {
  const first = firstActivity(h);
  const days = first === null ? 0 : Math.max(0, Math.floor((h.asOf - first) / DAY));
  return {
    bps: Math.min(BPS, Math.floor((days * BPS) / policy.historyTargetDays)),
    observed: first === null ? "no activity" : plural(days, "day"),
    explanation:
      first === null
        ? "No activity with this institution in the range."
        : `First activity ${plural(days, "day")} before the as-of time; ${policy.historyTargetDays} days earn all the points.`,
  };
}

function disputesFinding(h: BorrowerHistory): Finding {
  const n = h.escrows.length;
  if (n === 0) return { bps: null, observed: "no escrows", explanation: "The borrower was party to no escrow." };
  const disputed = h.escrows.filter((e) => e.disputedAt !== null).length;
  const byBorrower = h.escrows.filter((e) => e.disputedBy?.toLowerCase() === h.borrower.toLowerCase()).length;
  return {
    bps: BPS - Math.floor((disputed * BPS) / n),
    observed: `${disputed} of ${n} disputed`,
    explanation:
      disputed === 0
        ? `None of ${plural(n, "escrow")} was disputed.`
        : `${disputed} of ${plural(n, "escrow")} disputed (${byBorrower} opened by the borrower).`,
  };
}

function findings(h: BorrowerHistory, policy: ScoringPolicy): Record<FactorId, Finding> {
  return {
    invoices: invoicesFinding(h),
    repayments: repaymentsFinding(h),
    liquidations: liquidationsFinding(h, policy),
    badDebt: badDebtFinding(h),
    debtOutstanding: debtOutstandingFinding(h),
    activity: activityFinding(h, policy),
    history: historyFinding(h, policy),
    disputes: disputesFinding(h),
  };
}

/**
 * The scorecard of `history` under `policy`. Pure: no clock, no randomness, no chain; the
 * as-of time is `history.asOf`. Each factor earns a share of its maximum points (its
 * weight's share of maxScore − minScore); the score is minScore plus the points shown.
 */
export function scorecard(history: BorrowerHistory, policy: ScoringPolicy = DEFAULT_POLICY): Scorecard {
  checkPolicy(policy);
  const found = findings(history, policy);
  const maxPoints = allocate(
    policy.maxScore - policy.minScore,
    FACTOR_IDS.map((f) => policy.weights[f]),
  );
  const factors = FACTOR_IDS.map((id, i): Factor => {
    const f = found[id];
    const earnedBps = f.bps ?? policy.neutralBps;
    const points = Math.floor((maxPoints[i] * earnedBps + BPS / 2) / BPS);
    const explanation =
      f.bps === null ? `${f.explanation} Neutral: ${percent(earnedBps)} of the points.` : f.explanation;
    return {
      id,
      name: FACTOR_NAMES[id],
      observed: f.observed,
      evidence: f.bps !== null,
      earnedBps,
      weight: policy.weights[id],
      points,
      maxPoints: maxPoints[i],
      explanation,
    };
  });
  return {
    policy: policy.name,
    chainId: history.chainId,
    diamond: history.diamond,
    borrower: history.borrower,
    pool: history.pool,
    fromBlock: history.fromBlock,
    toBlock: history.toBlock,
    asOf: history.asOf,
    score: policy.minScore + factors.reduce((s, f) => s + f.points, 0),
    minScore: policy.minScore,
    maxScore: policy.maxScore,
    factors,
  };
}

// ------------------------------------------------------------------ the credit line

/** What the policy grants for a card's score. */
export interface CreditDecision {
  band: string;
  score: number;
  /** In the pool asset's smallest units (0: declined). */
  limit: bigint;
  ratePremiumBps: number;
  validitySeconds: number;
  /** asOf + validity, unix seconds. */
  expiry: bigint;
}

/** The band `card.score` falls in and the line it grants. Pure. */
export function creditLimitFor(card: Scorecard, policy: ScoringPolicy = DEFAULT_POLICY): CreditDecision {
  checkPolicy(policy);
  if (card.policy !== policy.name) {
    throw new ScoringError(`The card was scored under policy "${card.policy}", not "${policy.name}".`);
  }
  const band = policy.bands.find((b) => card.score >= b.minScore);
  if (band === undefined) throw new ScoringError(`Score ${card.score} is below every band.`);
  const limit = band.limit * 10n ** BigInt(card.pool.decimals);
  if (limit > UINT128_MAX) {
    throw new ScoringError(`Band "${band.name}": a limit of ${band.limit} whole units does not fit a uint128.`);
  }
  const validitySeconds = band.validityDays * DAY;
  const expiry = BigInt(card.asOf) + BigInt(validitySeconds);
  if (expiry > UINT64_MAX) throw new ScoringError(`Band "${band.name}": the expiry does not fit a uint64.`);
  return { band: band.name, score: card.score, limit, ratePremiumBps: band.ratePremiumBps, validitySeconds, expiry };
}

// ------------------------------------------------------------------ output

const shortDate = (t: number | bigint) => new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) =>
        c === r.length - 1 ? cell : c >= 2 && c <= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]),
      )
      .join("  "),
  );
}

/** The card and the decision as a readable report, one factor per line with its explanation. */
export function formatScorecard(card: Scorecard, decision: CreditDecision): string {
  const unit = card.pool.symbol !== "" ? card.pool.symbol : card.pool.asset;
  const rows = [
    ["factor", "observed", "weight", "points", "why"],
    ...card.factors.map((f) => [f.name, f.observed, `${f.weight}%`, `${f.points}/${f.maxPoints}`, f.explanation]),
  ];
  const total = card.factors.reduce((s, f) => s + f.maxPoints, 0);
  const earned = card.score - card.minScore;
  const line =
    decision.limit === 0n
      ? `Band "${decision.band}": no credit line.`
      : `Band "${decision.band}": credit line of ${formatUnits(decision.limit, card.pool.decimals)} ${unit}, ` +
        `rate premium ${decision.ratePremiumBps} bps, valid until ${shortDate(decision.expiry)}.`;
  return [
    `Credit scorecard of ${card.borrower} for pool ${card.pool.id} of ${card.diamond} (chain ${card.chainId})`,
    `History: blocks ${card.fromBlock}–${card.toBlock}, as of ${shortDate(card.asOf)}; policy ${card.policy}`,
    "",
    ...table(rows).map((r) => `  ${r}`),
    "",
    `Score ${card.score} (${card.minScore}–${card.maxScore}): ${card.minScore} + ${earned} of ${total} points.`,
    line,
  ].join("\n");
}

/** JSON text with bigints as decimal strings (what ethers takes for uint arguments). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

// ------------------------------------------------------------------ the attestation

export const ATTESTATION_SCHEMA = "finsuite.credit-attestation/1";

/**
 * A signed attestation and where it is valid. `attestation` and `signature` are exactly
 * the last two arguments of `borrowWithAttestation(poolId, amount, receiver, attestation, signature)`.
 */
export interface SignedCreditAttestation {
  schema: typeof ATTESTATION_SCHEMA;
  chainId: bigint;
  diamond: string;
  model: string;
  attestation: CreditAttestation;
  signature: string;
}

/**
 * The nonce the next attestation for `borrower` in `poolId` must carry on `model`: nonces
 * increase per borrower and pool, so it is the last accepted one plus one.
 */
export async function nextNonce(provider: Provider, model: string, poolId: bigint, borrower: string): Promise<bigint> {
  const line = await ICreditLineModel__factory.connect(model, provider).creditLine(poolId, borrower);
  return line.nonce + 1n;
}

export interface AttestationRequest {
  card: Scorecard;
  decision: CreditDecision;
  /** A registered issuer of `model` (an EOA; ERC-1271 issuers sign in their own way). */
  issuer: Signer;
  /** The `CreditLineModel` the pool uses (or the sink of its composite model). */
  model: string;
  /** The signing time (unix seconds), to refuse an attestation that would already be expired; default: the card's asOf. */
  now?: number;
}

/**
 * Builds the `CreditAttestation` for `decision` and signs it. Refuses (nothing is signed)
 * when the decision grants no credit, the line would already be expired, or the signer is
 * not a registered issuer of `model`. The nonce is the borrower's next one on `model`:
 * signing again before the first is used gives the same nonce, so only one of the two
 * can ever be used, and a newer one makes older unused ones useless.
 */
export async function attestationFor(req: AttestationRequest): Promise<SignedCreditAttestation> {
  const { card, decision, issuer } = req;
  if (decision.limit === 0n) {
    throw new ScoringError(
      `Score ${card.score} is in band "${decision.band}", which grants no credit: nothing signed.`,
    );
  }
  const now = req.now ?? card.asOf;
  if (decision.expiry <= BigInt(now)) {
    throw new ScoringError(
      `The line would expire at ${shortDate(decision.expiry)}, before ${shortDate(now)}: nothing signed.`,
    );
  }
  const provider = issuer.provider;
  if (provider === null) throw new ScoringError("The issuer's signer has no provider.");
  const chainId = (await provider.getNetwork()).chainId;
  if (chainId !== BigInt(card.chainId)) {
    throw new ScoringError(`The card is of chain ${card.chainId}, the issuer is connected to chain ${chainId}.`);
  }
  const issuerAddress = getAddress(await issuer.getAddress());
  const model = getAddress(req.model);
  if (!(await ICreditLineModel__factory.connect(model, provider).isIssuer(issuerAddress))) {
    throw new ScoringError(
      `${issuerAddress} is not a registered issuer of ${model} (the lending admin calls setIssuer).`,
    );
  }
  const attestation: CreditAttestation = {
    issuer: issuerAddress,
    borrower: getAddress(card.borrower),
    poolId: card.pool.id,
    limit: decision.limit,
    ratePremiumBps: decision.ratePremiumBps,
    score: card.score,
    expiry: decision.expiry,
    nonce: await nextNonce(provider, model, card.pool.id, getAddress(card.borrower)),
  };
  const signature = await signCreditAttestation(issuer, model, chainId, attestation);
  return { schema: ATTESTATION_SCHEMA, chainId, diamond: getAddress(card.diamond), model, attestation, signature };
}

const HEX = /^0x[0-9a-fA-F]*$/;
const DECIMAL = /^[0-9]+$/;

/** Reads the JSON `lending score --sign` writes back into a `SignedCreditAttestation`, checking every field. */
export function parseSignedAttestation(text: string): SignedCreditAttestation {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScoringError(`Not JSON: ${(e as Error).message}`);
  }
  const obj = (v: unknown, what: string): Record<string, unknown> => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ScoringError(`${what} must be an object`);
    return v as Record<string, unknown>;
  };
  const top = obj(raw, "the attestation file");
  if (top.schema !== ATTESTATION_SCHEMA) throw new ScoringError(`schema must be "${ATTESTATION_SCHEMA}"`);
  const a = obj(top.attestation, '"attestation"');
  const address = (v: unknown, what: string) => {
    if (typeof v !== "string" || !isAddress(v)) throw new ScoringError(`${what} must be an address`);
    return getAddress(v);
  };
  const uint = (v: unknown, what: string, max: bigint) => {
    const s = typeof v === "number" ? String(v) : v;
    if (typeof s !== "string" || !DECIMAL.test(s) || BigInt(s) > max) {
      throw new ScoringError(`${what} must be a decimal integer up to ${max}`);
    }
    return BigInt(s);
  };
  const UINT256_MAX = 2n ** 256n - 1n;
  if (typeof top.signature !== "string" || !HEX.test(top.signature)) throw new ScoringError("signature must be hex");
  return {
    schema: ATTESTATION_SCHEMA,
    chainId: uint(top.chainId, "chainId", UINT256_MAX),
    diamond: address(top.diamond, "diamond"),
    model: address(top.model, "model"),
    attestation: {
      issuer: address(a.issuer, "attestation.issuer"),
      borrower: address(a.borrower, "attestation.borrower"),
      poolId: uint(a.poolId, "attestation.poolId", UINT256_MAX),
      limit: uint(a.limit, "attestation.limit", UINT128_MAX),
      ratePremiumBps: Number(uint(a.ratePremiumBps, "attestation.ratePremiumBps", BigInt(UINT16_MAX))),
      score: Number(uint(a.score, "attestation.score", BigInt(UINT16_MAX))),
      expiry: uint(a.expiry, "attestation.expiry", UINT64_MAX),
      nonce: uint(a.nonce, "attestation.nonce", 2n ** 64n - 1n),
    },
    signature: top.signature,
  };
}

// ------------------------------------------------------------------ the reader

export interface HistoryQuery {
  diamond: string;
  borrower: string;
  poolId: bigint;
  fromBlock: number;
  toBlock: number;
  /** Blocks per `eth_getLogs` call (public RPCs limit the range). */
  blocksPerQuery?: number;
}

const erc20Metadata = new Interface([
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
]);

async function tokenMetadata(provider: Provider, token: string, blockTag: number) {
  const call = async (fn: "decimals" | "symbol") =>
    erc20Metadata.decodeFunctionResult(
      fn,
      await provider.call({ to: token, data: erc20Metadata.encodeFunctionData(fn), blockTag }),
    )[0] as unknown;
  const decimals = Number(await call("decimals"));
  let symbol = "";
  try {
    const s = await call("symbol");
    if (typeof s === "string") symbol = s;
  } catch {
    // symbol() is optional in ERC-20
  }
  return { decimals, symbol };
}

/** Runs `query` over [from, to] in slices of `step` blocks. */
async function inSlices<T>(from: number, to: number, step: number, query: (a: number, b: number) => Promise<T[]>) {
  const out: T[] = [];
  for (let a = from; a <= to; a += step) out.push(...(await query(a, Math.min(to, a + step - 1))));
  return out;
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Reads `query.borrower`'s history with the diamond at `query.diamond` from its logs in
 * [fromBlock, toBlock], and its debts at `toBlock`. Events before `fromBlock` are not seen:
 * start at the diamond's deployment block for the whole history. Payments the borrower
 * received inside a batch are not seen either (the batch event names no payees).
 */
export async function readBorrowerHistory(provider: Provider, query: HistoryQuery): Promise<BorrowerHistory> {
  const { fromBlock, toBlock } = query;
  const step = query.blocksPerQuery ?? 50_000;
  const diamond = getAddress(query.diamond);
  const borrower = getAddress(query.borrower);
  const suite = IFinanceSuite__factory.connect(diamond, provider);
  const logs = <E extends TypedContractEvent>(filter: TypedDeferredTopicFilter<E>): Promise<TypedEventLog<E>[]> =>
    inSlices(fromBlock, toBlock, step, (a, b) => suite.queryFilter(filter, a, b));
  const f = suite.filters;

  const poolCount = await suite.lendingPoolCount({ blockTag: toBlock });
  if (query.poolId < 1n || query.poolId > poolCount) {
    throw new ScoringError(`Pool ${query.poolId} does not exist at block ${toBlock} (pools 1 to ${poolCount}).`);
  }
  const poolIds = Array.from({ length: Number(poolCount) }, (_, i) => BigInt(i + 1));
  const pools = await Promise.all(poolIds.map((id) => suite.lendingPool(id, { blockTag: toBlock })));

  const [sent, received, batches, billed, issuedByBorrower, invoicePaid, cancelled, escrowsCreated, disputes] =
    await Promise.all([
      logs(f.PaymentSent(undefined, borrower)),
      logs(f.PaymentSent(undefined, undefined, borrower)),
      logs(f.PaymentBatchSent(undefined, borrower)),
      logs(f.InvoiceIssued(undefined, undefined, borrower)),
      logs(f.InvoiceIssued(undefined, borrower)),
      logs(f.InvoicePaid()),
      logs(f.InvoiceCancelled()),
      logs(f.EscrowCreated()),
      logs(f.EscrowDisputed()),
    ]);
  const [borrowed, repaid, liquidated, badDebts, posted, withdrawn] = await Promise.all([
    logs(f.LendingBorrowed(undefined, borrower)),
    logs(f.LendingRepaid(undefined, borrower)),
    logs(f.LendingLiquidated(undefined, borrower)),
    logs(f.LendingBadDebtRealized(undefined, borrower)),
    logs(f.LendingCollateralSupplied(undefined, borrower)),
    logs(f.LendingCollateralWithdrawn(undefined, borrower)),
  ]);

  const vaultDeposits = await Promise.all(
    pools.map(async (p, i) => {
      const vault = LendingPoolVault__factory.connect(p.vault, provider);
      const vlogs = <E extends TypedContractEvent>(filter: TypedDeferredTopicFilter<E>) =>
        inSlices(fromBlock, toBlock, step, (a, b) => vault.queryFilter(filter, a, b));
      const [ins, outs] = await Promise.all([
        vlogs(vault.filters.Deposit(undefined, borrower)),
        vlogs(vault.filters.Withdraw(undefined, undefined, borrower)),
      ]);
      return { poolId: poolIds[i], ins, outs };
    }),
  );
  const debts = await Promise.all(
    poolIds.map(async (poolId) => ({
      poolId,
      debt: await suite.lendingDebtOf(poolId, borrower, { blockTag: toBlock }),
    })),
  );

  // Block timestamps, fetched once per block.
  const blocks = new Set<number>([toBlock]);
  const allLogs: { blockNumber: number }[][] = [
    sent,
    received,
    batches,
    billed,
    issuedByBorrower,
    invoicePaid,
    cancelled,
    escrowsCreated,
    disputes,
    borrowed,
    repaid,
    liquidated,
    badDebts,
    posted,
    withdrawn,
    ...vaultDeposits.flatMap((v) => [v.ins, v.outs]),
  ];
  for (const list of allLogs) for (const log of list) blocks.add(log.blockNumber);
  const times = new Map<number, number>();
  for (const n of [...blocks].sort((a, b) => a - b)) {
    const block = await provider.getBlock(n);
    if (block === null) throw new ScoringError(`Block ${n} is not available from the provider.`);
    times.set(n, block.timestamp);
  }
  const pos = (log: { blockNumber: number; index: number; transactionHash: string }): EventPosition => ({
    block: log.blockNumber,
    logIndex: log.index,
    tx: log.transactionHash,
    at: times.get(log.blockNumber)!,
  });

  // Invoices billed to the borrower, with their payments and cancellations.
  const billedIds = new Set(billed.map((l) => l.args.id));
  const issuedIds = new Set(issuedByBorrower.map((l) => l.args.id));
  const invoices: InvoiceRecord[] = billed.map((l) => {
    const id = l.args.id;
    const paid = invoicePaid.filter((p) => p.args.id === id);
    const settled = paid.find((p) => p.args.remaining === 0n);
    const cancel = cancelled.find((c) => c.args.id === id);
    return {
      id,
      payee: l.args.payee,
      issuedAt: pos(l).at,
      dueDate: Number(l.args.invoice.dueDate),
      amount: l.args.invoice.amount,
      paid: paid.reduce((s, p) => s + p.args.settled, 0n),
      settledAt: settled === undefined ? null : pos(settled).at,
      cancelledAt: cancel === undefined ? null : pos(cancel).at,
    };
  });
  const billedPayee = new Map(billed.map((l) => [l.args.id, l.args.payee]));

  const payments: PaymentRecord[] = [
    ...sent.map((l) => ({
      ...pos(l),
      direction: "sent" as const,
      kind: "payment" as const,
      counterparty: l.args.payee,
      token: l.args.token,
      amount: l.args.amount,
      fee: l.args.fee,
      count: 1,
      ref: l.args.paymentRef,
    })),
    ...received.map((l) => ({
      ...pos(l),
      direction: "received" as const,
      kind: "payment" as const,
      counterparty: l.args.payer,
      token: l.args.token,
      amount: l.args.amount,
      fee: l.args.fee,
      count: 1,
      ref: l.args.paymentRef,
    })),
    ...batches.map((l) => ({
      ...pos(l),
      direction: "sent" as const,
      kind: "batch" as const,
      counterparty: null,
      token: l.args.token,
      amount: l.args.total,
      fee: l.args.fee,
      count: Number(l.args.count),
      ref: l.args.paymentRef,
    })),
    ...invoicePaid
      .filter((l) => sameAddress(l.args.payer, borrower) || issuedIds.has(l.args.id))
      .map((l) => {
        const bySelf = sameAddress(l.args.payer, borrower);
        return {
          ...pos(l),
          direction: bySelf ? ("sent" as const) : ("received" as const),
          kind: "invoice" as const,
          counterparty: bySelf ? (billedIds.has(l.args.id) ? billedPayee.get(l.args.id)! : null) : l.args.payer,
          token: l.args.token,
          amount: l.args.amountIn,
          fee: l.args.fee,
          count: 1,
          ref: l.args.id.toString(),
        };
      }),
  ].sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);

  const escrows: EscrowRecord[] = escrowsCreated
    .filter((l) => sameAddress(l.args.terms.payer, borrower) || sameAddress(l.args.terms.payee, borrower))
    .map((l) => {
      const dispute = disputes.find((d) => d.args.id === l.args.id);
      return {
        id: l.args.id,
        role: sameAddress(l.args.terms.payer, borrower) ? ("payer" as const) : ("payee" as const),
        token: l.args.terms.token,
        amount: l.args.terms.amount,
        createdAt: pos(l).at,
        disputedAt: dispute === undefined ? null : pos(dispute).at,
        disputedBy: dispute === undefined ? null : dispute.args.by,
      };
    });

  const scored = pools[Number(query.poolId) - 1];
  const meta = await tokenMetadata(provider, scored.asset, toBlock);

  return {
    chainId: Number((await provider.getNetwork()).chainId),
    diamond,
    borrower,
    fromBlock,
    toBlock,
    asOf: times.get(toBlock)!,
    pool: { id: query.poolId, asset: scored.asset, symbol: meta.symbol, decimals: meta.decimals },
    payments,
    invoices,
    escrows,
    borrows: borrowed.map((l) => ({ ...pos(l), poolId: l.args.poolId, amount: l.args.amount, debtAfter: l.args.debt })),
    repayments: repaid.map((l) => ({
      ...pos(l),
      poolId: l.args.poolId,
      payer: l.args.payer,
      amount: l.args.amount,
      debtAfter: l.args.debt,
    })),
    liquidations: liquidated.map((l) => ({
      ...pos(l),
      poolId: l.args.poolId,
      liquidator: l.args.liquidator,
      collateral: l.args.collateral,
      repaid: l.args.repaid,
      seized: l.args.seized,
      debtAfter: l.args.debtLeft,
    })),
    badDebts: badDebts.map((l) => ({ ...pos(l), poolId: l.args.poolId, amount: l.args.amount })),
    collateral: [
      ...posted.map((l) => ({ ...pos(l), poolId: l.args.poolId, token: l.args.token, amount: l.args.amount })),
      ...withdrawn.map((l) => ({ ...pos(l), poolId: l.args.poolId, token: l.args.token, amount: -l.args.amount })),
    ].sort((a, b) => a.block - b.block || a.logIndex - b.logIndex),
    deposits: vaultDeposits
      .flatMap((v) => [
        ...v.ins.map((l) => ({ ...pos(l), poolId: v.poolId, assets: l.args.assets })),
        ...v.outs.map((l) => ({ ...pos(l), poolId: v.poolId, assets: -l.args.assets })),
      ])
      .sort((a, b) => a.block - b.block || a.logIndex - b.logIndex),
    debts,
  };
}
