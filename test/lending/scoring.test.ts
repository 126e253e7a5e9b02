// The credit-scoring service: the pure scorecard (each factor, bands, determinism, policy
// validation), the history read from a real diamond's events, the signed attestation that
// borrowWithAttestation accepts, and the `lending score` task's refusals.
import { expect } from "chai";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import hre, { network } from "hardhat";
import { encodeBytes32String, getAddress, Wallet, ZeroAddress, ZeroHash, type Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { runTimelocked } from "../../scripts/lib/core.js";
import { lendingCalls } from "../../scripts/lib/lending.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import { PAYMENT_ADMIN_ROLE } from "../../scripts/lib/payment.js";
import { DEPLOYMENT_SCHEMA, RecordStore } from "../../scripts/lib/records.js";
import { UserError } from "../../scripts/lib/deployments.js";
import {
  allocate,
  attestationFor,
  creditLimitFor,
  DEFAULT_POLICY,
  FACTOR_IDS,
  invoiceOutcome,
  parseSignedAttestation,
  policyProblems,
  readBorrowerHistory,
  scorecard,
  ScoringError,
  toJson,
  type BorrowerHistory,
  type FactorId,
  type InvoiceRecord,
  type Scorecard,
  type ScoringPolicy,
} from "../../scripts/lib/scoring.js";
import scoreTask, { parseScoreArgs, score, type ScoreArgs } from "../../scripts/tasks/actions/score.js";
import suiteManifest from "../../scripts/manifest.js";
import { CreditLineModel__factory } from "../../typechain-types/index.js";
import type { ILendingTypes } from "../../typechain-types/contracts/modules/lending/LendingFacet.js";
import { expectRejection } from "../helpers.js";
import { DAY, lendingFixture, price8, usd, wad } from "./fixture.js";

const { ethers, networkHelpers, networkName } = await network.create();

// ------------------------------------------------------------------ pure histories

const BORROWER = "0x00000000000000000000000000000000000000b0";
const OTHER = "0x00000000000000000000000000000000000000c0";
const T0 = 1_700_000_000;
const AS_OF = T0 + 100 * DAY;

function history(overrides: Partial<BorrowerHistory> = {}): BorrowerHistory {
  return {
    chainId: 31337,
    diamond: "0x00000000000000000000000000000000000000d0",
    borrower: BORROWER,
    fromBlock: 1,
    toBlock: 1_000,
    asOf: AS_OF,
    pool: { id: 1n, asset: "0x00000000000000000000000000000000000000a0", symbol: "USDC", decimals: 6 },
    payments: [],
    invoices: [],
    escrows: [],
    borrows: [],
    repayments: [],
    liquidations: [],
    badDebts: [],
    collateral: [],
    deposits: [],
    debts: [{ poolId: 1n, debt: 0n }],
    ...overrides,
  };
}

let block = 0;
const at = (day: number) => ({ block: ++block, logIndex: 0, tx: ZeroHash, at: T0 + day * DAY });
const payment = (day: number, direction: "sent" | "received" = "sent") => ({
  ...at(day),
  direction,
  kind: "payment" as const,
  counterparty: OTHER,
  token: ZeroAddress,
  amount: 100n,
  fee: 0n,
  count: 1,
  ref: ZeroHash,
});
const invoice = (dueDay: number, settledDay: number | null, cancelledDay: number | null = null): InvoiceRecord => ({
  id: BigInt(++block),
  payee: OTHER,
  issuedAt: T0,
  dueDate: T0 + dueDay * DAY,
  amount: 100n,
  paid: settledDay === null ? 0n : 100n,
  settledAt: settledDay === null ? null : T0 + settledDay * DAY,
  cancelledAt: cancelledDay === null ? null : T0 + cancelledDay * DAY,
});
const borrow = (day: number, amount: bigint, debtAfter = amount, poolId = 1n) => ({
  ...at(day),
  poolId,
  amount,
  debtAfter,
});
const repay = (day: number, amount: bigint, poolId = 1n) => ({
  ...at(day),
  poolId,
  payer: BORROWER,
  amount,
  debtAfter: 0n,
});
const liquidation = (day: number, repaid: bigint, poolId = 1n) => ({
  ...at(day),
  poolId,
  liquidator: OTHER,
  collateral: OTHER,
  repaid,
  seized: 1n,
  debtAfter: 0n,
});
const escrow = (disputedBy: string | null) => ({
  id: ZeroHash,
  role: "payer" as const,
  token: ZeroAddress,
  amount: 1n,
  createdAt: T0,
  disputedAt: disputedBy === null ? null : T0 + DAY,
  disputedBy,
});

const factor = (card: Scorecard, id: FactorId) => card.factors.find((f) => f.id === id)!;

/** The history of a model borrower: everything on time, repaid, a year old, busy. */
function spotless(): BorrowerHistory {
  return history({
    payments: Array.from({ length: 12 }, (_, i) => payment(i + 1)),
    invoices: [invoice(10, 9), invoice(20, 20)],
    escrows: [escrow(null)],
    borrows: [borrow(0, 1_000n)],
    repayments: [repay(5, 1_000n)],
    asOf: T0 + 400 * DAY,
  });
}

describe("credit scoring: the scorecard (pure)", function () {
  it("scores an empty history 532 with neutral factors, which the default policy declines", function () {
    const card = scorecard(history());
    expect(card.score).to.equal(532);
    expect(card.factors.map((f) => f.id)).to.deep.equal([...FACTOR_IDS]);
    expect(card.factors.filter((f) => f.evidence).map((f) => f.id)).to.deep.equal(["activity", "history"]);
    for (const f of card.factors) {
      expect(f.earnedBps, f.id).to.equal(f.evidence ? 0 : DEFAULT_POLICY.neutralBps);
      expect(f.explanation, f.id).to.not.include("\n");
    }
    expect(creditLimitFor(card).limit).to.equal(0n);
    expect(creditLimitFor(card).band).to.equal("declined");
  });

  it("scores a spotless year-long history 850, the top of the range", function () {
    const card = scorecard(spotless());
    expect(card.factors.map((f) => [f.id, f.points, f.maxPoints])).to.deep.equal([
      ["invoices", 132, 132],
      ["repayments", 110, 110],
      ["liquidations", 88, 88],
      ["badDebt", 55, 55],
      ["debtOutstanding", 55, 55],
      ["activity", 55, 55],
      ["history", 33, 33],
      ["disputes", 22, 22],
    ]);
    expect(card.score).to.equal(850);
    expect(card.score).to.equal(card.minScore + card.factors.reduce((s, f) => s + f.points, 0));
  });

  it("invoices: on time, late, unpaid at the due date, withdrawn and pending", function () {
    const asOf = T0 + 30 * DAY;
    const onTime = invoice(10, 10);
    const late = invoice(10, 11);
    const unpaid = invoice(10, null);
    const unpaidThenCancelled = invoice(10, null, 12);
    const withdrawn = invoice(10, null, 9);
    const pending = invoice(40, null);
    expect(
      [onTime, late, unpaid, unpaidThenCancelled, withdrawn, pending].map((i) => invoiceOutcome(i, asOf)),
    ).to.deep.equal(["onTime", "late", "unpaid", "unpaid", "withdrawn", "pending"]);
    const card = scorecard(
      history({ asOf, invoices: [onTime, late, unpaid, unpaidThenCancelled, withdrawn, pending] }),
    );
    const f = factor(card, "invoices");
    expect(f.observed).to.equal("1 of 4 on time");
    expect(f.earnedBps).to.equal(2_500);
    expect(f.points).to.equal(33);
    expect(f.explanation).to.equal(
      "4 invoices came due: 1 paid in full by the due date, 1 late, 2 unpaid at the due date " +
        "(1 invoice not yet due, 1 cancelled before due).",
    );
    // Only pending and withdrawn invoices: no evidence.
    expect(factor(scorecard(history({ asOf, invoices: [withdrawn, pending] })), "invoices").evidence).to.equal(false);
  });

  it("repayments: the share of settled debt the borrower repaid, averaged over pools", function () {
    const card = scorecard(
      history({
        borrows: [borrow(0, 1_000n), borrow(0, 500n, 500n, 2n)],
        repayments: [repay(1, 750n)],
        liquidations: [liquidation(2, 250n), liquidation(3, 500n, 2n)],
      }),
    );
    // Pool 1: 750 of 1,000 repaid (75 %); pool 2: 0 of 500 (0 %).
    const f = factor(card, "repayments");
    expect(f.earnedBps).to.equal(3_750);
    expect(f.observed).to.equal("37.5% repaid");
    expect(f.explanation).to.include("2 pools").and.include("mean over pools");
    // Borrowed, nothing settled yet: no evidence either way.
    expect(factor(scorecard(history({ borrows: [borrow(0, 1n)] })), "repayments").evidence).to.equal(false);
  });

  it("liquidations: each takes an equal share of the points, and never borrowing is neutral", function () {
    const borrows = [borrow(0, 1_000n)];
    const none = factor(scorecard(history({ borrows })), "liquidations");
    const one = factor(scorecard(history({ borrows, liquidations: [liquidation(1, 100n)] })), "liquidations");
    const three = factor(
      scorecard(history({ borrows, liquidations: [liquidation(1, 1n), liquidation(2, 1n), liquidation(3, 1n)] })),
      "liquidations",
    );
    expect([none.earnedBps, one.earnedBps, three.earnedBps]).to.deep.equal([10_000, 5_000, 0]);
    expect([none.points, one.points, three.points]).to.deep.equal([88, 44, 0]);
    expect(one.explanation).to.equal("Liquidated 1 time; 2 liquidations take all the points.");
    expect(factor(scorecard(history()), "liquidations").evidence).to.equal(false);
  });

  it("bad debt: any write-off takes all of its points", function () {
    const borrows = [borrow(0, 1_000n)];
    expect(factor(scorecard(history({ borrows })), "badDebt").points).to.equal(55);
    const written = factor(
      scorecard(history({ borrows, badDebts: [{ ...at(3), poolId: 1n, amount: 10n }] })),
      "badDebt",
    );
    expect(written.points).to.equal(0);
    expect(written.observed).to.equal("1 write-off");
  });

  it("debt outstanding: what is owed now against the peak debt", function () {
    const borrows = [borrow(0, 600n), borrow(1, 400n, 1_000n)];
    const owing = (debt: bigint) =>
      factor(scorecard(history({ borrows, debts: [{ poolId: 1n, debt }] })), "debtOutstanding");
    expect(owing(0n).earnedBps).to.equal(10_000);
    expect(owing(250n).earnedBps).to.equal(7_500);
    expect(owing(250n).observed).to.equal("25% of peak");
    // Interest past the peak: owes all of it, no points.
    expect(owing(1_100n).earnedBps).to.equal(0);
    // Debt from before the range counts even without a borrow in it.
    expect(factor(scorecard(history({ debts: [{ poolId: 1n, debt: 5n }] })), "debtOutstanding").earnedBps).to.equal(0);
  });

  it("activity and length of history saturate at their targets", function () {
    const deposits = [{ ...at(1), poolId: 1n, assets: 10n }];
    const some = scorecard(history({ payments: [payment(1), payment(2, "received")], deposits }));
    expect(factor(some, "activity").earnedBps).to.equal(2_500); // 3 of 12
    expect(factor(some, "activity").explanation).to.equal(
      "1 payment sent, 1 received, 1 pool deposit; 12 earn all the points.",
    );
    const many = scorecard(history({ payments: Array.from({ length: 40 }, (_, i) => payment(i)) }));
    expect(factor(many, "activity").earnedBps).to.equal(10_000);
    // First activity on day 1, as of day 100: 99 days of 365.
    expect(factor(some, "history").earnedBps).to.equal(Math.floor((99 * 10_000) / 365));
    expect(factor(some, "history").observed).to.equal("99 days");
    expect(factor(scorecard(history({ asOf: T0 + 900 * DAY, deposits })), "history").earnedBps).to.equal(10_000);
  });

  it("escrow disputes: the share of the borrower's escrows that were disputed", function () {
    const f = factor(
      scorecard(history({ escrows: [escrow(BORROWER), escrow(OTHER), escrow(null), escrow(null)] })),
      "disputes",
    );
    expect(f.earnedBps).to.equal(5_000);
    expect(f.explanation).to.equal("2 of 4 escrows disputed (1 opened by the borrower).");
  });

  it("a liquidation lowers the score of an otherwise identical history", function () {
    const good = spotless();
    const liquidated = { ...good, liquidations: [liquidation(6, 300n)], repayments: [repay(5, 700n)] };
    expect(scorecard(liquidated).score).to.be.lessThan(scorecard(good).score);
  });

  it("is deterministic: same card for the same input, in any event order, and the input is not changed", function () {
    const h = spotless();
    h.invoices.push(invoice(50, null));
    h.liquidations.push(liquidation(7, 10n));
    const before = toJson(h);
    const card = scorecard(h);
    expect(toJson(scorecard(h))).to.equal(toJson(card));
    expect(toJson(h)).to.equal(before);
    const reversed: BorrowerHistory = {
      ...h,
      payments: [...h.payments].reverse(),
      invoices: [...h.invoices].reverse(),
      borrows: [...h.borrows].reverse(),
      liquidations: [...h.liquidations].reverse(),
    };
    expect(scorecard(reversed)).to.deep.equal(card);
    expect(creditLimitFor(scorecard(reversed))).to.deep.equal(creditLimitFor(card));
  });

  it("splits maxScore − minScore exactly among the weights, whatever they are", function () {
    expect(allocate(550, [24, 20, 16, 10, 10, 10, 6, 4])).to.deep.equal([132, 110, 88, 55, 55, 55, 33, 22]);
    const odd = allocate(550, [13, 13, 13, 13, 13, 13, 11, 11]);
    expect(odd.reduce((s, p) => s + p, 0)).to.equal(550);
    expect(odd).to.deep.equal([72, 72, 72, 72, 71, 71, 60, 60]);
    const policy = { ...DEFAULT_POLICY, weights: { ...DEFAULT_POLICY.weights, invoices: 25, repayments: 19 } };
    expect(scorecard(spotless(), policy).score).to.equal(850);
  });
});

describe("credit scoring: bands and policy", function () {
  const cardWith = (score: number, decimals = 6): Scorecard => ({
    ...scorecard(history()),
    score,
    pool: { id: 1n, asset: ZeroAddress, symbol: "", decimals },
  });

  it("maps each band's lowest score to its limit, premium and validity", function () {
    const expected: [number, string, bigint, number, number][] = [
      [850, "excellent", 50_000n, 100, 30],
      [760, "excellent", 50_000n, 100, 30],
      [759, "good", 20_000n, 250, 30],
      [690, "good", 20_000n, 250, 30],
      [689, "fair", 5_000n, 500, 14],
      [620, "fair", 5_000n, 500, 14],
      [619, "entry", 1_000n, 800, 7],
      [560, "entry", 1_000n, 800, 7],
      [559, "declined", 0n, 0, 0],
      [300, "declined", 0n, 0, 0],
    ];
    for (const [s, band, whole, premium, days] of expected) {
      const d = creditLimitFor(cardWith(s));
      expect([d.band, d.limit, d.ratePremiumBps, d.validitySeconds, d.expiry], String(s)).to.deep.equal([
        band,
        whole * 10n ** 6n,
        premium,
        days * DAY,
        BigInt(AS_OF + days * DAY),
      ]);
    }
    expect(creditLimitFor(cardWith(800, 18)).limit).to.equal(50_000n * 10n ** 18n);
  });

  it("refuses a card scored under another policy, and a limit that does not fit a uint128", function () {
    const other = { ...DEFAULT_POLICY, name: "other/1" };
    expect(() => creditLimitFor(cardWith(800), other)).to.throw(
      ScoringError,
      /scored under policy "finsuite-default\/1"/,
    );
    expect(() => creditLimitFor(cardWith(800, 36))).to.throw(ScoringError, /does not fit a uint128/);
  });

  it("accepts the default policy and names every problem of a bad one", function () {
    expect(policyProblems(DEFAULT_POLICY)).to.deep.equal([]);
    const bad = (change: Partial<ScoringPolicy>) => policyProblems({ ...DEFAULT_POLICY, ...change });
    const w = DEFAULT_POLICY.weights;
    const bands = DEFAULT_POLICY.bands;
    expect(bad({ weights: { ...w, invoices: 23 } })).to.deep.equal(["weights must sum to 100 (they sum to 99)"]);
    expect(bad({ weights: { ...w, invoices: -1, badDebt: 35 } })[0]).to.equal(
      "weights of invoices must be non-negative integers",
    );
    expect(bad({ weights: { ...w, income: 0 } as Record<FactorId, number> })).to.deep.equal([
      "weights has unknown factors: income",
    ]);
    expect(bad({ maxScore: 70_000 })[0]).to.match(/maxScore must be an integer above minScore and at most 65535/);
    expect(bad({ neutralBps: 10_001 })).to.deep.equal(["neutralBps must be an integer from 0 to 10000"]);
    expect(bad({ activityTarget: 0 })).to.deep.equal(["activityTarget must be a positive integer"]);
    expect(bad({ name: " " })).to.deep.equal(["name must be a non-empty string"]);
    expect(bad({ bands: [] })).to.deep.equal(["bands must list at least one band"]);
    expect(bad({ bands: [bands[1], bands[0], bands[4]] })).to.deep.equal([
      "bands[1] (excellent): bands must go from the highest minScore down",
    ]);
    expect(bad({ bands: bands.slice(0, 4) })).to.deep.equal(["the last band must start at minScore (300)"]);
    expect(bad({ bands: [{ ...bands[0], validityDays: 0 }, ...bands.slice(1)] })).to.deep.equal([
      "bands[0] (excellent): a band that grants credit needs validityDays above 0",
    ]);
    expect(bad({ bands: [{ ...bands[0], limit: 5 as unknown as bigint }, ...bands.slice(1)] })).to.deep.equal([
      "bands[0] (excellent): limit must be a bigint of whole units, 0 or more",
    ]);
    expect(bad({ bands: [{ ...bands[0], name: "good" }, ...bands.slice(1)] })).to.deep.equal([
      "band names must be unique",
    ]);
    expect(() =>
      scorecard(history(), { ...DEFAULT_POLICY, weights: { ...w, invoices: 23 }, activityTarget: 0 }),
    ).to.throw(
      ScoringError,
      "Invalid scoring policy: weights must sum to 100 (they sum to 99); activityTarget must be a positive integer.",
    );
  });
});

describe("credit scoring: the attestation file and the task's options", function () {
  const args = (overrides: Partial<ScoreArgs> = {}): ScoreArgs => ({
    name: "full",
    records: "deployments",
    pool: "1",
    borrower: BORROWER,
    model: OTHER,
    from: "",
    to: "",
    json: false,
    sign: false,
    out: "",
    issuerKey: "",
    policy: "",
    ...overrides,
  });

  it("reads back the JSON it writes, and refuses a tampered shape", function () {
    const signed = {
      schema: "finsuite.credit-attestation/1" as const,
      chainId: 31337n,
      diamond: getAddress(OTHER),
      model: getAddress(OTHER),
      attestation: {
        issuer: getAddress(OTHER),
        borrower: getAddress(BORROWER),
        poolId: 1n,
        limit: 20_000_000_000n,
        ratePremiumBps: 250,
        score: 712,
        expiry: 1_800_000_000n,
        nonce: 1n,
      },
      signature: "0x1234",
    };
    const text = toJson(signed);
    expect(JSON.parse(text).attestation.limit).to.equal("20000000000");
    expect(parseSignedAttestation(text)).to.deep.equal(signed);
    const tamper = (f: (o: Record<string, Record<string, unknown>>) => void) => {
      const o = JSON.parse(text);
      f(o);
      return () => parseSignedAttestation(JSON.stringify(o));
    };
    expect(tamper((o) => (o.attestation.limit = String(2n ** 128n)))).to.throw(ScoringError, /attestation.limit/);
    expect(tamper((o) => (o.attestation.borrower = "0x12"))).to.throw(ScoringError, /attestation.borrower/);
    expect(tamper((o) => (o.attestation.score = -1))).to.throw(ScoringError, /attestation.score/);
    expect(() => parseSignedAttestation("{")).to.throw(ScoringError, /Not JSON/);
  });

  it("refuses malformed options before touching the chain", function () {
    const refusals: [Partial<ScoreArgs>, RegExp][] = [
      [{ name: "" }, /^Missing --name/],
      [{ pool: "" }, /^Missing --pool/],
      [{ pool: "0" }, /^--pool must be a pool id/],
      [{ pool: "one" }, /^--pool must be a pool id \(1, 2, …\), not "one"/],
      [{ borrower: "" }, /^Missing --borrower/],
      [{ borrower: "0x1234" }, /^--borrower "0x1234" is not an address/],
      [{ borrower: ZeroAddress }, /^--borrower may not be the zero address/],
      [{ model: "alice.eth" }, /^--model "alice.eth" is not an address/],
      [{ from: "-1" }, /^--from must be a block number/],
      [{ to: "latest" }, /^--to must be a block number/],
      [{ from: "10", to: "9" }, /^--from 10 is after --to 9/],
      [{ out: "a.json" }, /^--out writes the signed attestation: add --sign/],
    ];
    for (const [change, message] of refusals) {
      expect(() => parseScoreArgs(args(change)), JSON.stringify(change)).to.throw(UserError, message);
    }
    const ok = parseScoreArgs(args({ borrower: BORROWER.toUpperCase().replace("0X", "0x"), from: "5", sign: true }));
    expect([ok.poolId, ok.borrower, ok.from, ok.to]).to.deep.equal([1n, getAddress(BORROWER), 5, null]);
  });

  it("the task action prints one line and exits 1 on bad input", async function () {
    const records = await mkdtemp(path.join(os.tmpdir(), "finsuite-score-"));
    const run = async (a: ScoreArgs) => {
      const errors: string[] = [];
      const logs: string[] = [];
      const [error, log] = [console.error, console.log];
      console.error = (...parts: unknown[]) => errors.push(parts.join(" "));
      console.log = (...parts: unknown[]) => logs.push(parts.join(" "));
      const exitCode = process.exitCode;
      try {
        await scoreTask(a, hre);
        return { errors, logs, exitCode: process.exitCode };
      } finally {
        [console.error, console.log] = [error, log];
        process.exitCode = exitCode;
      }
    };
    const badAddress = await run(args({ records, borrower: "0xnope", sign: true }));
    expect(badAddress).to.deep.equal({
      errors: ['Error: --borrower "0xnope" is not an address.'],
      logs: [],
      exitCode: 1,
    });
    const unknown = await run(args({ records, name: "nowhere", sign: true }));
    expect(unknown.exitCode).to.equal(1);
    expect(unknown.logs).to.deep.equal([]);
    expect(unknown.errors).to.have.length(1);
    expect(unknown.errors[0]).to.match(/^Error: No deployment "nowhere" on network "default" in .*finsuite-score-/);
    const policy = await run(args({ records, policy: "test/lending/no-such-policy.ts" }));
    expect(policy.errors[0]).to.match(/^Error: Cannot load the policy .*no-such-policy.ts/);
  });
});

// ------------------------------------------------------------------ on a real diamond

const SEPA = encodeBytes32String("SEPA-EUR");

async function scoringFixture() {
  const f = await lendingFixture(ethers);
  const [issuer, stranger] = (await ethers.getSigners()).slice(10);
  // Payment and its dependency, the credit module, as the `payments` set installs them.
  for (const id of suiteManifest.sets.payments) {
    await installFromManifest(ethers, f.diamond.connect(f.upgrader), suiteManifest, id);
  }
  await (await f.diamond.connect(f.owner).grantRole(PAYMENT_ADMIN_ROLE, f.admin.address)).wait();
  const usdc = await f.usdc.getAddress();
  await (await f.suite.connect(f.admin).setPaymentRail(SEPA, usdc, usd(10_000), usd(100_000))).wait();
  const model = await new CreditLineModel__factory(f.owner).deploy(f.diamondAddress, usd(1_000_000), 3 * DAY, 1_000);
  const modelAddress = await model.getAddress();
  await (await model.connect(f.admin).setIssuer(issuer.address, true)).wait();
  await runTimelocked(f.diamond.connect(f.upgrader), [lendingCalls.setCreditModel(f.poolId, modelAddress)]);
  await (await f.suite.connect(f.supplier).supply(f.poolId, usd(500_000), f.supplier.address)).wait();
  const startBlock = await ethers.provider.getBlockNumber();

  const freshPrices = async (weth: string | number) =>
    (await f.wethFeed.set(price8(weth), await networkHelpers.time.latest())).wait();
  const invoiceFor = async (payer: HardhatEthersSigner, amount: bigint, dueInDays: number) => {
    const due = BigInt((await networkHelpers.time.latest()) + dueInDays * DAY);
    const issue = f.suite.connect(f.supplier);
    const id = await issue.issueInvoice.staticCall(payer.address, usdc, ZeroHash, amount, due, ZeroHash, false);
    await (await issue.issueInvoice(payer.address, usdc, ZeroHash, amount, due, ZeroHash, false)).wait();
    return id;
  };

  // Borrower and carol build the same payment record: three payments to the supplier, one
  // back from it, an invoice paid on time and one left unpaid past its due date.
  for (const who of [f.borrower, f.carol]) {
    for (let i = 0; i < 3; i++) {
      await (
        await f.suite.connect(who).pay(SEPA, usdc, f.supplier.address, usd(100), encodeBytes32String(`rent-${i}`))
      ).wait();
      await networkHelpers.time.increase(5 * DAY);
    }
    await (await f.suite.connect(f.supplier).pay(SEPA, usdc, who.address, usd(50), ZeroHash)).wait();
    const paid = await invoiceFor(who, usd(250), 10);
    await (await f.suite.connect(who).payInvoice(paid, SEPA, usdc, usd(250))).wait();
    await invoiceFor(who, usd(400), 3);
  }

  // Borrower borrows against collateral and repays in full; carol borrows near her limit
  // and is liquidated when WETH falls.
  const weth = await f.weth.getAddress();
  await freshPrices(2_000);
  for (const who of [f.borrower, f.carol]) {
    await (await f.suite.connect(who).supplyCollateral(f.poolId, weth, wad(5), who.address)).wait();
  }
  await (await f.suite.connect(f.borrower).borrow(f.poolId, usd(5_000), f.borrower.address)).wait();
  await (await f.suite.connect(f.carol).borrow(f.poolId, usd(7_000), f.carol.address)).wait();
  await networkHelpers.time.increase(10 * DAY);
  await (await f.suite.connect(f.borrower).repay(f.poolId, 2n ** 256n - 1n, f.borrower.address)).wait();
  await freshPrices(1_500);
  await (await f.suite.connect(f.liquidator).liquidate(f.poolId, f.carol.address, weth, usd(1_000))).wait();
  await networkHelpers.time.increase(5 * DAY);
  await freshPrices(1_500);

  const { chainId } = await ethers.provider.getNetwork();
  return { ...f, issuer, stranger, model, modelAddress, startBlock, chainId, wethAddress: weth };
}

type ScoringFixture = Awaited<ReturnType<typeof scoringFixture>>;

async function cardOf(f: ScoringFixture, who: string, fromBlock = 0) {
  const h = await readBorrowerHistory(ethers.provider, {
    diamond: f.diamondAddress,
    borrower: who,
    poolId: f.poolId,
    fromBlock,
    toBlock: await ethers.provider.getBlockNumber(),
  });
  return { history: h, card: scorecard(h) };
}

describe("credit scoring: on a diamond with payment and lending", function () {
  it("reads the borrower's history from the diamond's events", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const { history: h } = await cardOf(f, f.borrower.address);
    expect(h.borrower).to.equal(f.borrower.address);
    expect(h.pool).to.deep.equal({ id: f.poolId, asset: await f.usdc.getAddress(), symbol: "mUSD", decimals: 6 });
    expect(h.payments.map((p) => [p.direction, p.kind, p.amount])).to.deep.equal([
      ["sent", "payment", usd(100)],
      ["sent", "payment", usd(100)],
      ["sent", "payment", usd(100)],
      ["received", "payment", usd(50)],
      ["sent", "invoice", usd(250)],
    ]);
    expect(h.payments.every((p) => p.at > 0 && p.at <= h.asOf)).to.equal(true);
    expect(h.invoices.map((i) => [i.amount, i.paid, i.settledAt !== null, invoiceOutcome(i, h.asOf)])).to.deep.equal([
      [usd(250), usd(250), true, "onTime"],
      [usd(400), 0n, false, "unpaid"],
    ]);
    expect(h.borrows.map((b) => b.amount)).to.deep.equal([usd(5_000)]);
    expect(h.repayments).to.have.length(1);
    expect(h.repayments[0].amount).to.be.greaterThan(usd(5_000)); // with interest
    expect(h.repayments[0].debtAfter).to.equal(0n);
    expect(h.collateral.map((c) => [c.token, c.amount])).to.deep.equal([[f.wethAddress, wad(5)]]);
    expect(h.liquidations).to.deep.equal([]);
    expect(h.debts).to.deep.equal([{ poolId: f.poolId, debt: 0n }]);
    const supplier = await cardOf(f, f.supplier.address);
    expect(supplier.history.deposits.map((d) => d.assets)).to.deep.equal([usd(500_000)]);
    // The range bounds what is seen: nothing after the block the payments ended in.
    const early = await readBorrowerHistory(ethers.provider, {
      diamond: f.diamondAddress,
      borrower: f.borrower.address,
      poolId: f.poolId,
      fromBlock: 0,
      toBlock: f.startBlock,
    });
    expect([early.payments.length, early.borrows.length]).to.deep.equal([0, 0]);
  });

  it("scores it, signs the attestation, and borrowWithAttestation accepts it from its JSON", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const { card } = await cardOf(f, f.borrower.address);
    const points = Object.fromEntries(card.factors.map((x) => [x.id, x.points]));
    expect(points).to.deep.equal({
      invoices: 66, // 1 of 2 on time
      repayments: 110,
      liquidations: 88,
      badDebt: 55,
      debtOutstanding: 55,
      activity: 23, // 5 of 12
      history: 4, // 45 days of 365
      disputes: 11, // no escrows: neutral
    });
    expect(card.score).to.equal(712);
    // Same chain, same range: the same card.
    expect(toJson((await cardOf(f, f.borrower.address)).card)).to.equal(toJson(card));

    const decision = creditLimitFor(card);
    expect([decision.band, decision.limit]).to.deep.equal(["good", usd(20_000)]);
    const signed = await attestationFor({ card, decision, issuer: f.issuer, model: f.modelAddress });
    expect(signed.attestation).to.deep.include({ issuer: f.issuer.address, score: 712, limit: usd(20_000), nonce: 1n });
    // The file's shape, as integrators read it: uints as decimal strings, which ethers takes.
    const fromFile = JSON.parse(toJson(signed)) as {
      attestation: ILendingTypes.CreditAttestationStruct;
      signature: string;
    };
    expect(fromFile.attestation.limit).to.equal("20000000000");
    // 15,000 is beyond the collateral's limit (5 WETH at 1,500 × 75 % = 5,625): the line lends it.
    await expect(
      f.suite
        .connect(f.borrower)
        .borrowWithAttestation(f.poolId, usd(15_000), f.borrower.address, fromFile.attestation, fromFile.signature),
    )
      .to.emit(f.model, "CreditLineGranted")
      .withArgs(f.poolId, f.borrower.address, f.issuer.address, usd(20_000), 250, 712, decision.expiry, 1n);
    // The next attestation takes the borrower's next nonce.
    const again = await attestationFor({ card, decision, issuer: f.issuer, model: f.modelAddress });
    expect(again.attestation.nonce).to.equal(2n);
  });

  it("a liquidated borrower with the same payment record scores lower, and gets nothing signed", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const borrower = (await cardOf(f, f.borrower.address)).card;
    const { card, history: h } = await cardOf(f, f.carol.address);
    expect(h.liquidations).to.have.length(1);
    expect(factor(card, "invoices").points).to.equal(factor(borrower, "invoices").points);
    expect(factor(card, "repayments").points).to.equal(0);
    expect(factor(card, "liquidations").points).to.equal(44);
    expect(card.score).to.be.lessThan(borrower.score);
    const decision = creditLimitFor(card);
    expect(decision.band).to.equal("declined");
    await expectRejection(
      attestationFor({ card, decision, issuer: f.issuer, model: f.modelAddress }),
      ScoringError,
      /^Score \d+ is in band "declined", which grants no credit: nothing signed\.$/,
    );
  });

  it("refuses to sign as an unregistered issuer or an expired line", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const { card } = await cardOf(f, f.borrower.address);
    const decision = creditLimitFor(card);
    await expectRejection(
      attestationFor({ card, decision, issuer: f.stranger, model: f.modelAddress }),
      ScoringError,
      new RegExp(`^${f.stranger.address} is not a registered issuer of ${f.modelAddress}`),
    );
    await expectRejection(
      attestationFor({ card, decision, issuer: f.issuer, model: f.modelAddress, now: Number(decision.expiry) }),
      ScoringError,
      /^The line would expire at .* nothing signed\.$/,
    );
  });
});

describe("credit scoring: the `lending score` task on a diamond", function () {
  async function taskContext(f: ScoringFixture) {
    const root = await mkdtemp(path.join(os.tmpdir(), "finsuite-score-"));
    const store = new RecordStore(root, networkName);
    const { chainId } = await ethers.provider.getNetwork();
    // A record as `modules deploy` writes it, for the fixture's diamond.
    await store.writeDeployment({
      schema: DEPLOYMENT_SCHEMA,
      name: "bank",
      network: networkName,
      chainId: Number(chainId),
      address: f.diamondAddress,
      owner: f.owner.address,
      timelock: { delay: 0 },
      blockNumber: 0,
      set: "full",
      modules: ["payment", "lending"],
      installed: [],
      abi: "bank.abi.json",
      storageLayouts: {},
      pendingOperation: null,
      history: [],
    });
    const printed: string[] = [];
    let issuerAsked = 0;
    const ctx = {
      ethers,
      networkName,
      store,
      policy: DEFAULT_POLICY,
      issuer: async (): Promise<Signer> => {
        issuerAsked += 1;
        return f.issuer;
      },
      print: (text: string) => printed.push(text),
    };
    const args = (overrides: Partial<ScoreArgs> = {}): ScoreArgs => ({
      name: "bank",
      records: root,
      pool: String(f.poolId),
      borrower: f.borrower.address,
      model: f.modelAddress,
      from: "",
      to: "",
      json: false,
      sign: false,
      out: "",
      issuerKey: "",
      policy: "",
      ...overrides,
    });
    return { root, ctx, args, printed, issuerAsked: () => issuerAsked };
  }

  it("prints the scorecard table with every factor's explanation", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const t = await taskContext(f);
    const result = await score(t.args(), t.ctx);
    expect(result.signed).to.equal(null);
    expect(t.issuerAsked()).to.equal(0);
    const text = t.printed.join("\n");
    expect(text).to.include(`Credit scorecard of ${f.borrower.address} for pool 1 of ${f.diamondAddress}`);
    for (const x of result.card.factors) expect(text).to.include(x.explanation);
    expect(text).to.include("Invoices paid on time");
    expect(text).to.include("Score 712 (300–850): 300 + 412 of 550 points.");
    expect(text).to.match(/Band "good": credit line of 20000\.0 mUSD, rate premium 250 bps, valid until/);
  });

  it("with --sign --out writes the attestation that borrowWithAttestation takes", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const t = await taskContext(f);
    const out = path.join(t.root, "attestation.json");
    const result = await score(t.args({ sign: true, json: true, out }), t.ctx);
    const printed = JSON.parse(t.printed.join("\n")) as {
      scorecard: { score: number };
      attestation: unknown;
      warnings: string[];
    };
    expect(printed.scorecard.score).to.equal(712);
    expect(printed.warnings).to.deep.equal([]);
    const signed = parseSignedAttestation(await readFile(out, "utf8"));
    expect(signed).to.deep.equal(result.signed);
    expect(signed).to.deep.include({ diamond: f.diamondAddress, model: f.modelAddress, chainId: f.chainId });
    await expect(
      f.suite
        .connect(f.borrower)
        .borrowWithAttestation(f.poolId, usd(12_000), f.borrower.address, signed.attestation, signed.signature),
    ).to.emit(f.suite, "LendingBorrowed");
  });

  it("refuses an unknown deployment, a missing pool and a model that is not this diamond's credit-line model; nothing is signed", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const t = await taskContext(f);
    const elsewhere = await new CreditLineModel__factory(f.owner).deploy(Wallet.createRandom().address, 1n, 0, 0);
    const refusals: [Partial<ScoreArgs>, RegExp][] = [
      [{ name: "other" }, /^No deployment "other" on network "default" in /],
      [{ pool: "2" }, /^Pool 2 does not exist in deployment "bank" at block \d+ \(it has 1\)\.$/],
      [{ model: f.borrower.address }, /^No contract at --model/],
      [
        { model: await f.usdc.getAddress() },
        /is not a credit-line model \(it does not answer diamond\(\) and attestationSink\(\)\)\.$/,
      ],
      [
        { model: await elsewhere.getAddress() },
        new RegExp(`serves the diamond 0x[0-9a-fA-F]{40}, not ${f.diamondAddress}\\.$`),
      ],
      [{ to: "999999" }, /^--to 999999 is after the latest block/],
    ];
    for (const [change, message] of refusals) {
      await expectRejection(score(t.args({ ...change, sign: true }), t.ctx), UserError, message);
    }
    expect(t.issuerAsked()).to.equal(0);
    expect(t.printed).to.deep.equal([]);
    expect((await f.model.creditLine(f.poolId, f.borrower.address)).nonce).to.equal(0n);
  });

  it("warns when the pool does not take the model's attestations yet", async function () {
    const f = await networkHelpers.loadFixture(scoringFixture);
    const t = await taskContext(f);
    await runTimelocked(f.diamond.connect(f.upgrader), [lendingCalls.setCreditModel(f.poolId, ZeroAddress)]);
    const result = await score(t.args(), t.ctx);
    expect(result.warnings).to.have.length(1);
    expect(result.warnings[0]).to.match(/^Pool 1 takes no attestations for 0x[0-9a-fA-F]{40} now/);
    expect(t.printed.join("\n")).to.include(`Warning: ${result.warnings[0]}`);
  });
});
