// Payment module, invoices: issue (ERC-20, native and currency invoices), pay in the
// invoice's token, pay cross-currency at a price feed's rate, pay in instalments, cancel,
// price-feed admin, exact custom errors with nothing changed on failure, and the diamond's
// solvency.
import { expect } from "chai";
import { artifacts, network } from "hardhat";
import {
  encodeBytes32String,
  id as keccakUtf8,
  MaxUint256,
  parseEther,
  parseUnits,
  ZeroAddress,
  ZeroHash,
} from "ethers";

import { loadLayouts } from "../scripts/lib/artifacts.js";
import { coreFixture, expectUnchanged } from "./helpers.js";
import {
  expectSolvent as expectSuiteSolvent,
  feeOf,
  installPayment,
  MOBILE,
  NATIVE,
  paymentState,
  SEPA,
  usd,
  type WatchedAsset,
} from "./support/payment.js";
import { PAYMENT_ADMIN_ROLE } from "../scripts/lib/payment.js";
import {
  IFinanceSuite__factory,
  MockFeeOnTransferToken__factory,
  MockPriceFeed__factory,
  MockStablecoin__factory,
  PaymentEscrowFacet__factory,
  PaymentInvoiceFacet__factory,
} from "../typechain-types/index.js";
import type { MockPriceFeed } from "../typechain-types/index.js";
import { GAS, itUnlessCoverage } from "./support/coverage.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

// ------------------------------------------------------------------ constants

const DAY = 86_400n;
const WEEK = 7n * DAY;

const REF = encodeBytes32String("INV-0001");
const USD = encodeBytes32String("USD");
const EUR = encodeBytes32String("EUR");

/** Currency invoices count in 8-decimal units. */
const cur = (n: string | number) => parseUnits(String(n), 8);

const USD_FEE_BPS = 30n;
const ETH_FEE_BPS = 50n;
const PRICE_8 = 99_800_000n; // 0.998 USD per token, 8 decimals
const PRICE_18 = 998_000_000_000_000_000n; // 0.998, 18 decimals
const MAX_AGE = 3_600n;
/** Five words, four of them written for a token invoice (the currency word stays zero): 127,998. */
const ISSUE_GAS_BUDGET = 128_500n;

/** IPaymentInvoice.InvoiceStatus */
const S = { None: 0n, Open: 1n, Paid: 2n, Cancelled: 3n } as const;

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** amount [1e-8 currency] * 10^tokenDecimals * 10^feedDecimals / (price * 10^8), rounded up. */
function expectedAmountIn(amount: bigint, tokenDecimals: bigint, feedDecimals: bigint, price: bigint): bigint {
  return ceilDiv(amount * 10n ** tokenDecimals * 10n ** feedDecimals, price * 10n ** 8n);
}

// ------------------------------------------------------------------ fixture

async function deployInvoiceFixture() {
  const core = await coreFixture(ethers);
  const signers = await ethers.getSigners();
  const [carol, admin, dave] = signers.slice(5);
  const { owner, alice, bob } = core;
  const diamondAddress = await core.diamond.getAddress();

  await installPayment(ethers, core.diamond.connect(core.upgrader));
  await (await core.diamond.connect(owner).grantRole(PAYMENT_ADMIN_ROLE, admin.address)).wait();

  const usdToken = await new MockStablecoin__factory(owner).deploy();
  const fot = await new MockFeeOnTransferToken__factory(owner).deploy();
  const [usdAddress, fotAddress] = await Promise.all([usdToken.getAddress(), fot.getAddress()]);

  const suite = IFinanceSuite__factory.connect(diamondAddress, alice);
  const invoice = PaymentInvoiceFacet__factory.connect(diamondAddress, alice);
  const escrow = PaymentEscrowFacet__factory.connect(diamondAddress, alice);
  const asAdmin = suite.connect(admin);
  await (await asAdmin.setPaymentRail(SEPA, usdAddress, usd(1_000_000), usd(100_000_000))).wait();
  await (await asAdmin.setPaymentRail(SEPA, NATIVE, parseEther("100"), parseEther("10000"))).wait();
  await (await asAdmin.setPaymentRail(SEPA, fotAddress, parseEther("1000000"), parseEther("100000000"))).wait();
  await (await asAdmin.setPaymentFee(SEPA, usdAddress, Number(USD_FEE_BPS))).wait();
  await (await asAdmin.setPaymentFee(SEPA, NATIVE, Number(ETH_FEE_BPS))).wait();

  // Alice and carol are funded, approved payers; bob is the usual payee.
  for (const s of [alice, carol]) {
    await (await usdToken.mint(s.address, usd(10_000_000))).wait();
    await (await usdToken.connect(s).approve(diamondAddress, usd(10_000_000))).wait();
  }
  await (await usdToken.mint(bob.address, usd(1_000))).wait();

  // Start early in a fresh UTC day, so daily limits never straddle midnight.
  const now = BigInt(await time.latest());
  await time.increaseTo((now / DAY + 1n) * DAY + 60n);

  return {
    ...core,
    carol,
    admin,
    dave,
    diamondAddress,
    suite,
    invoice,
    escrow,
    asAdmin,
    usd: usdToken,
    fot,
    usdAddress,
    fotAddress,
    assets: [
      { name: "usd", address: usdAddress, balanceOf: (h) => usdToken.balanceOf(h) },
      { name: "fot", address: fotAddress, balanceOf: (h) => fot.balanceOf(h) },
      { name: "eth", address: NATIVE, balanceOf: (h) => ethers.provider.getBalance(h) },
    ] satisfies WatchedAsset[],
  };
}

type Fixture = Awaited<ReturnType<typeof deployInvoiceFixture>>;

// ------------------------------------------------------------------ helpers

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

interface IssueOptions {
  payee?: Fixture["bob"];
  payer?: string;
  token?: string;
  currency?: string;
  amount?: bigint;
  dueDate?: bigint;
  ref?: string;
  instalments?: boolean;
}

/** Issues an invoice (bob to alice for 100 mUSD by default) and returns its id and args. */
async function issue(f: Fixture, o: IssueOptions = {}) {
  const payee = o.payee ?? f.bob;
  const token = o.token ?? (o.currency !== undefined ? NATIVE : f.usdAddress);
  const currency = o.currency ?? ZeroHash;
  const amount = o.amount ?? (currency !== ZeroHash ? cur(100) : token === NATIVE ? parseEther("1") : usd(100));
  const args = {
    payee: payee.address,
    payer: o.payer ?? f.alice.address,
    token,
    currency,
    amount,
    dueDate: o.dueDate ?? (await now()) + WEEK,
    ref: o.ref ?? REF,
    instalments: o.instalments ?? false,
  };
  const i = f.invoice.connect(payee);
  const params = [args.payer, token, currency, amount, args.dueDate, args.ref, args.instalments] as const;
  const id = await i.issueInvoice.staticCall(...params);
  await (await i.issueInvoice(...params)).wait();
  return { id, ...args };
}

async function deployFeed(f: Fixture, decimals: number, answer: bigint): Promise<MockPriceFeed> {
  const feed = await new MockPriceFeed__factory(f.owner).deploy(decimals, answer);
  await feed.waitForDeployment();
  return feed;
}

/** Deploys an 8-decimal feed at 0.998 and registers it for (USD, mUSD). */
async function usdFeed(f: Fixture, decimals = 8, answer = PRICE_8): Promise<MockPriceFeed> {
  const feed = await deployFeed(f, decimals, answer);
  await (await f.asAdmin.setPaymentPriceFeed(USD, f.usdAddress, await feed.getAddress())).wait();
  return feed;
}

/** Every balance, fee, rail and credit a payment can touch, and the invoices' status and paid. */
async function snapshot(f: Fixture, ids: bigint[] = []): Promise<Record<string, string>> {
  const holders = [f.alice, f.bob, f.carol, f.dave].map((s) => s.address).concat([f.diamondAddress]);
  const out = await paymentState(f.suite, f.assets, holders);
  for (const id of ids) {
    const inv = await f.invoice.getInvoice(id);
    out[`status:${id}`] = inv.status.toString();
    out[`paid:${id}`] = inv.paid.toString();
  }
  return out;
}

/** Runs `assertion` (a revert expectation) and checks that nothing observable changed. */
async function expectNothingChanged(f: Fixture, assertion: () => Promise<unknown>, ids: bigint[] = []) {
  await expectUnchanged(() => snapshot(f, ids), assertion);
}

const expectSolvent = (f: Fixture) => expectSuiteSolvent(f.suite, f.assets);

// ------------------------------------------------------------------ tests

describe("Payment module: invoices", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployInvoiceFixture);
  });

  // ---------------------------------------------------------------- issue

  describe("issueInvoice", function () {
    it("issues an ERC-20 invoice with id 1, emits InvoiceIssued and getInvoice returns it", async function () {
      const dueDate = (await now()) + WEEK;
      const amount = usd(100);
      const i = f.invoice.connect(f.bob);
      expect(
        await i.issueInvoice.staticCall(f.alice.address, f.usdAddress, ZeroHash, amount, dueDate, REF, false),
      ).to.equal(1n);
      await expect(i.issueInvoice(f.alice.address, f.usdAddress, ZeroHash, amount, dueDate, REF, false))
        .to.emit(f.invoice, "InvoiceIssued")
        .withArgs(
          1n,
          f.bob.address,
          f.alice.address,
          [f.bob.address, dueDate, S.Open, false, f.alice.address, f.usdAddress, ZeroHash, amount, 0n],
          REF,
        );
      const inv = await f.invoice.getInvoice(1n);
      expect(inv.payee).to.equal(f.bob.address);
      expect(inv.dueDate).to.equal(dueDate);
      expect(inv.status).to.equal(S.Open);
      expect(inv.instalments).to.equal(false);
      expect(inv.payer).to.equal(f.alice.address);
      expect(inv.token).to.equal(f.usdAddress);
      expect(inv.currency).to.equal(ZeroHash);
      expect(inv.amount).to.equal(amount);
      expect(inv.paid).to.equal(0n);
    });

    it("packs an invoice into five storage words; the payment reference is only in InvoiceIssued", async function () {
      const layout = await loadLayouts(artifacts, { "finsuite.payment": "PaymentStorageLayout" });
      const invoices = layout["finsuite.payment"].find((m) => m.label === "invoices");
      const word = (n: number, fields: string) => fields.replaceAll("@", `@${n}+`);
      expect(invoices?.type).to.equal(
        "mapping(uint256(32) => struct{" +
          [
            word(0, "payee:address(20)@0,dueDate:uint64(8)@20"),
            word(0, "status:enum IPaymentInvoice.InvoiceStatus(1)@28,instalments:bool(1)@29"),
            word(1, "payer:address(20)@0"),
            word(2, "token:address(20)@0"),
            word(3, "currency:bytes32(32)@0"),
            word(4, "amount:uint128(16)@0,paid:uint128(16)@16"),
          ].join(",") +
          "})",
      );
      const inv = await issue(f, { instalments: true, ref: encodeBytes32String("INV-0042") });
      expect([...(await f.invoice.getInvoice(inv.id))]).to.deep.equal([
        inv.payee,
        inv.dueDate,
        S.Open,
        true,
        inv.payer,
        inv.token,
        ZeroHash,
        inv.amount,
        0n,
      ]);
    });

    itUnlessCoverage(
      GAS,
      `issues a token invoice for at most ${ISSUE_GAS_BUDGET} gas (not the first invoice)`,
      async function () {
        await issue(f);
        const dueDate = (await now()) + WEEK;
        const tx = await f.invoice
          .connect(f.bob)
          .issueInvoice(f.alice.address, f.usdAddress, ZeroHash, usd(100), dueDate, REF, false);
        expect((await tx.wait())!.gasUsed).to.be.at.most(ISSUE_GAS_BUDGET);
      },
    );

    it("counts ids from 1 across native, ERC-20 and currency invoices", async function () {
      const a = await issue(f, { token: NATIVE });
      const b = await issue(f);
      const c = await issue(f, { currency: USD });
      expect([a.id, b.id, c.id]).to.deep.equal([1n, 2n, 3n]);
      const native = await f.invoice.getInvoice(a.id);
      expect(native.token).to.equal(NATIVE);
      expect(native.currency).to.equal(ZeroHash);
      expect(native.amount).to.equal(parseEther("1"));
    });

    it("issues a currency invoice (100 USD in 8-decimal units) and emits InvoiceIssued", async function () {
      const dueDate = (await now()) + WEEK;
      const amount = cur(100);
      expect(amount).to.equal(100_0000_0000n);
      await expect(f.invoice.connect(f.bob).issueInvoice(ZeroAddress, NATIVE, USD, amount, dueDate, REF, true))
        .to.emit(f.invoice, "InvoiceIssued")
        .withArgs(
          1n,
          f.bob.address,
          ZeroAddress,
          [f.bob.address, dueDate, S.Open, true, ZeroAddress, ZeroAddress, USD, amount, 0n],
          REF,
        );
      const inv = await f.invoice.getInvoice(1n);
      expect(inv.currency).to.equal(USD);
      expect(inv.token).to.equal(ZeroAddress);
      expect(inv.amount).to.equal(amount);
      expect(inv.status).to.equal(S.Open);
    });

    it("reverts with PaymentZeroAmount for a zero amount", async function () {
      const dueDate = (await now()) + WEEK;
      await expectNothingChanged(f, () =>
        expect(
          f.invoice.connect(f.bob).issueInvoice(f.alice.address, f.usdAddress, ZeroHash, 0n, dueDate, REF, false),
        ).to.be.revertedWithCustomError(f.suite, "PaymentZeroAmount"),
      );
      await expect(f.invoice.getInvoice(1n)).to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceUnknown");
    });

    it("reverts with PaymentInvoiceDueDateInPast for a due date now or in the past", async function () {
      for (const dueDate of [await now(), (await now()) - 1n, 1n]) {
        await expectNothingChanged(f, () =>
          expect(
            f.invoice.connect(f.bob).issueInvoice(f.alice.address, f.usdAddress, ZeroHash, usd(1), dueDate, REF, false),
          )
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceDueDateInPast")
            .withArgs(dueDate),
        );
      }
    });

    it("reverts with PaymentInvoiceBadDenomination when both token and currency are set", async function () {
      const dueDate = (await now()) + WEEK;
      await expectNothingChanged(f, () =>
        expect(f.invoice.connect(f.bob).issueInvoice(f.alice.address, f.usdAddress, USD, cur(1), dueDate, REF, false))
          .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceBadDenomination")
          .withArgs(f.usdAddress, USD),
      );
    });

    it("reverts with PaymentPayeeIsPayer when the payer is the caller", async function () {
      const dueDate = (await now()) + WEEK;
      await expectNothingChanged(f, () =>
        expect(
          f.invoice.connect(f.bob).issueInvoice(f.bob.address, f.usdAddress, ZeroHash, usd(1), dueDate, REF, false),
        )
          .to.be.revertedWithCustomError(f.suite, "PaymentPayeeIsPayer")
          .withArgs(f.bob.address),
      );
    });

    it("getInvoice of an unknown id reverts with PaymentInvoiceUnknown", async function () {
      await expect(f.invoice.getInvoice(0n))
        .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceUnknown")
        .withArgs(0n);
      await issue(f);
      await expect(f.invoice.getInvoice(2n))
        .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceUnknown")
        .withArgs(2n);
    });
  });

  // ---------------------------------------------------------------- pay (token invoice)

  describe("payInvoice", function () {
    it("ERC-20: payee receives exactly amount, payer pays amount + fee, status Paid, emits InvoicePaid", async function () {
      const inv = await issue(f);
      const fee = feeOf(inv.amount, USD_FEE_BPS);
      expect(fee).to.be.greaterThan(0n);
      const payer0 = await f.usd.balanceOf(f.alice.address);
      const payee0 = await f.usd.balanceOf(f.bob.address);
      const accrued0 = await f.suite.accruedPaymentFees(f.usdAddress);
      await expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
        .to.emit(f.invoice, "InvoicePaid")
        .withArgs(inv.id, f.alice.address, f.usdAddress, inv.amount, fee, inv.amount, 0n);
      expect(payer0 - (await f.usd.balanceOf(f.alice.address))).to.equal(inv.amount + fee);
      expect((await f.usd.balanceOf(f.bob.address)) - payee0).to.equal(inv.amount);
      expect((await f.suite.accruedPaymentFees(f.usdAddress)) - accrued0).to.equal(fee);
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Paid);
      expect((await f.suite.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(inv.amount);
      await expectSolvent(f);
    });

    it("reverts with PaymentInvoiceNotOpen(id, Paid) when paid twice", async function () {
      const inv = await issue(f);
      await (await f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotOpen")
            .withArgs(inv.id, S.Paid),
        [inv.id],
      );
      await expectSolvent(f);
    });

    it("reverts with PaymentInvoiceNotOpen(id, Cancelled) on a cancelled invoice", async function () {
      const inv = await issue(f);
      await (await f.invoice.connect(f.bob).cancelInvoice(inv.id)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotOpen")
            .withArgs(inv.id, S.Cancelled),
        [inv.id],
      );
    });

    it("is payable at the due date and reverts with PaymentInvoiceExpired after it", async function () {
      const inv = await issue(f);
      const onTime = await issue(f, { dueDate: inv.dueDate + 10n });
      await time.increaseTo(inv.dueDate + 1n);
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceExpired")
            .withArgs(inv.id, inv.dueDate),
        [inv.id, onTime.id],
      );
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Open);
      await time.setNextBlockTimestamp(onTime.dueDate);
      await (await f.invoice.payInvoice(onTime.id, SEPA, f.usdAddress, onTime.amount)).wait();
      expect((await f.invoice.getInvoice(onTime.id)).status).to.equal(S.Paid);
      await expectSolvent(f);
    });

    it("reverts with PaymentInvoiceWrongToken for another token", async function () {
      const inv = await issue(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.fotAddress, inv.amount))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongToken")
            .withArgs(inv.id, f.usdAddress, f.fotAddress),
        [inv.id],
      );
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, NATIVE, inv.amount, { value: usd(100) }))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongToken")
            .withArgs(inv.id, f.usdAddress, NATIVE),
        [inv.id],
      );
    });

    it("reverts with PaymentInvoiceWrongKind for a currency invoice", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongKind")
            .withArgs(inv.id, USD),
        [inv.id],
      );
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, NATIVE, inv.amount))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongKind")
            .withArgs(inv.id, USD),
        [inv.id],
      );
    });

    it("reverts with PaymentInvoiceWrongPayer when someone else pays a payer-specific invoice", async function () {
      const inv = await issue(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.connect(f.carol).payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongPayer")
            .withArgs(inv.id, f.alice.address, f.carol.address),
        [inv.id],
      );
    });

    it("an open invoice (payer 0) is payable by anyone, but not by its payee", async function () {
      const inv = await issue(f, { payer: ZeroAddress });
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.connect(f.bob).payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.suite, "PaymentPayeeIsPayer")
            .withArgs(f.bob.address),
        [inv.id],
      );
      const fee = feeOf(inv.amount, USD_FEE_BPS);
      const carol0 = await f.usd.balanceOf(f.carol.address);
      const bob0 = await f.usd.balanceOf(f.bob.address);
      await expect(f.invoice.connect(f.carol).payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
        .to.emit(f.invoice, "InvoicePaid")
        .withArgs(inv.id, f.carol.address, f.usdAddress, inv.amount, fee, inv.amount, 0n);
      expect(carol0 - (await f.usd.balanceOf(f.carol.address))).to.equal(inv.amount + fee);
      expect((await f.usd.balanceOf(f.bob.address)) - bob0).to.equal(inv.amount);
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Paid);
      await expectSolvent(f);
    });

    it("native: msg.value = amount + fee, payee receives amount, fee stays in the diamond", async function () {
      const inv = await issue(f, { token: NATIVE });
      const fee = feeOf(inv.amount, ETH_FEE_BPS);
      expect(fee).to.be.greaterThan(0n);
      const tx = f.invoice.payInvoice(inv.id, SEPA, NATIVE, inv.amount, { value: inv.amount + fee });
      await expect(tx)
        .to.emit(f.invoice, "InvoicePaid")
        .withArgs(inv.id, f.alice.address, NATIVE, inv.amount, fee, inv.amount, 0n);
      await expect(tx).to.changeEtherBalances(
        ethers,
        [f.alice, f.bob, f.diamondAddress],
        [-(inv.amount + fee), inv.amount, fee],
      );
      expect(await f.suite.accruedPaymentFees(NATIVE)).to.equal(fee);
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Paid);
      await expectSolvent(f);
    });

    it("native: reverts with PaymentWrongValue unless msg.value is exactly amount + fee", async function () {
      const inv = await issue(f, { token: NATIVE });
      const fee = feeOf(inv.amount, ETH_FEE_BPS);
      for (const value of [0n, inv.amount, inv.amount + fee - 1n, inv.amount + fee + 1n]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoice(inv.id, SEPA, NATIVE, inv.amount, { value }))
              .to.be.revertedWithCustomError(f.suite, "PaymentWrongValue")
              .withArgs(inv.amount + fee, value),
          [inv.id],
        );
      }
    });

    it("ERC-20: reverts with PaymentUnexpectedValue when native currency is sent", async function () {
      const inv = await issue(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount, { value: 1n }))
            .to.be.revertedWithCustomError(f.suite, "PaymentUnexpectedValue")
            .withArgs(1n),
        [inv.id],
      );
    });

    it("reverts with PaymentRailDisabled on a disabled rail", async function () {
      const inv = await issue(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, MOBILE, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.suite, "PaymentRailDisabled")
            .withArgs(MOBILE, f.usdAddress),
        [inv.id],
      );
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, 0n, 0n)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, inv.amount))
            .to.be.revertedWithCustomError(f.suite, "PaymentRailDisabled")
            .withArgs(SEPA, f.usdAddress),
        [inv.id],
      );
    });

    it("reverts with PaymentInvoiceUnknown for an unknown id", async function () {
      await expectNothingChanged(f, () =>
        expect(f.invoice.payInvoice(7n, SEPA, f.usdAddress, usd(100)))
          .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceUnknown")
          .withArgs(7n),
      );
    });
  });

  // ---------------------------------------------------------------- pay cross-currency

  describe("payInvoiceCrossCurrency", function () {
    it("pays a 100 USD invoice in mUSD at 0.998: amountIn rounded up, quote agrees, fee on top", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      const amountIn = ceilDiv(100_0000_0000n * 10n ** 6n * 10n ** 8n, PRICE_8 * 10n ** 8n);
      expect(amountIn).to.equal(expectedAmountIn(inv.amount, 6n, 8n, PRICE_8));
      expect(amountIn).to.equal(100_200_401n);
      const [quoted] = await f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount);
      expect(quoted).to.equal(amountIn);
      const fee = feeOf(amountIn, USD_FEE_BPS);
      const payer0 = await f.usd.balanceOf(f.alice.address);
      const payee0 = await f.usd.balanceOf(f.bob.address);
      await expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, amountIn + fee, MAX_AGE))
        .to.emit(f.invoice, "InvoicePaid")
        .withArgs(inv.id, f.alice.address, f.usdAddress, amountIn, fee, inv.amount, 0n);
      expect((await f.usd.balanceOf(f.bob.address)) - payee0).to.equal(amountIn);
      expect(payer0 - (await f.usd.balanceOf(f.alice.address))).to.equal(amountIn + fee);
      expect(await f.suite.accruedPaymentFees(f.usdAddress)).to.equal(fee);
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Paid);
      await expectSolvent(f);
    });

    it("quoteInvoice returns the feed's updatedAt and applies no age limit", async function () {
      const feed = await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      const [, updatedAt] = await f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount);
      expect(updatedAt).to.equal(await feed.updatedAt());
      // A price a year old is still quoted: the caller judges updatedAt, the payment its maxPriceAge.
      const old = (await now()) - 365n * DAY;
      await (await feed.set(PRICE_8, old)).wait();
      const [amountIn, oldUpdatedAt] = await f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount);
      expect([amountIn, oldUpdatedAt]).to.deep.equal([expectedAmountIn(inv.amount, 6n, 8n, PRICE_8), old]);
    });

    it("quoteInvoice reverts with FeedPriceStale(feed, updatedAt, maxUint256) for an update dated in the future", async function () {
      const feed = await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      const future = (await now()) + 3_600n;
      await (await feed.set(PRICE_8, future)).wait();
      await expect(f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount))
        .to.be.revertedWithCustomError(f.invoice, "FeedPriceStale")
        .withArgs(await feed.getAddress(), future, MaxUint256);
    });

    it("reverts with PaymentSlippage(required, max) when maxAmountIn is below amountIn + fee", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      const amountIn = expectedAmountIn(inv.amount, 6n, 8n, PRICE_8);
      const required = amountIn + feeOf(amountIn, USD_FEE_BPS);
      for (const max of [required - 1n, amountIn, 0n]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, max, MAX_AGE))
              .to.be.revertedWithCustomError(f.invoice, "PaymentSlippage")
              .withArgs(required, max),
          [inv.id],
        );
      }
    });

    it("reverts with FeedPriceStale(feed, updatedAt, maxPriceAge) when the price is older than maxPriceAge or claims to come from the future", async function () {
      const feed = await usdFeed(f);
      const feedAddress = await feed.getAddress();
      const inv = await issue(f, { currency: USD });
      for (const updatedAt of [(await now()) - 2n * MAX_AGE, (await now()) + 3_600n]) {
        await (await feed.set(PRICE_8, updatedAt)).wait();
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, usd(1_000), MAX_AGE))
              .to.be.revertedWithCustomError(f.invoice, "FeedPriceStale")
              .withArgs(feedAddress, updatedAt, MAX_AGE),
          [inv.id],
        );
      }
    });

    it("reverts with PaymentRailDisabled(channel, 0x0) for the native currency, which has no cross-currency path", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, ZeroAddress, inv.amount, usd(1_000), MAX_AGE))
            .to.be.revertedWithCustomError(f.invoice, "PaymentRailDisabled")
            .withArgs(SEPA, ZeroAddress),
        [inv.id],
      );
    });

    it("reverts with FeedPriceInvalid(feed, answer) for a zero or negative answer (pay and quote)", async function () {
      const feed = await usdFeed(f);
      const feedAddress = await feed.getAddress();
      const inv = await issue(f, { currency: USD });
      for (const answer of [0n, -1n, -PRICE_8]) {
        await (await feed.set(answer, await now())).wait();
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, usd(1_000), MAX_AGE))
              .to.be.revertedWithCustomError(f.invoice, "FeedPriceInvalid")
              .withArgs(feedAddress, answer),
          [inv.id],
        );
        await expect(f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount))
          .to.be.revertedWithCustomError(f.invoice, "FeedPriceInvalid")
          .withArgs(feedAddress, answer);
      }
    });

    it("reverts with PaymentPriceFeedMissing without a feed for (currency, token)", async function () {
      await usdFeed(f);
      const eurInv = await issue(f, { currency: EUR });
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoiceCrossCurrency(eurInv.id, SEPA, f.usdAddress, eurInv.amount, usd(1_000), MAX_AGE))
            .to.be.revertedWithCustomError(f.invoice, "PaymentPriceFeedMissing")
            .withArgs(EUR, f.usdAddress),
        [eurInv.id],
      );
      const usdInv = await issue(f, { currency: USD });
      await expectNothingChanged(
        f,
        () =>
          expect(
            f.invoice.payInvoiceCrossCurrency(
              usdInv.id,
              SEPA,
              f.fotAddress,
              usdInv.amount,
              parseEther("1000"),
              MAX_AGE,
            ),
          )
            .to.be.revertedWithCustomError(f.invoice, "PaymentPriceFeedMissing")
            .withArgs(USD, f.fotAddress),
        [usdInv.id],
      );
      await expect(f.invoice.quoteInvoice(eurInv.id, f.usdAddress, eurInv.amount))
        .to.be.revertedWithCustomError(f.invoice, "PaymentPriceFeedMissing")
        .withArgs(EUR, f.usdAddress);
    });

    it("reverts with PaymentInvoiceWrongKind(id, 0) for a token invoice (pay and quote)", async function () {
      await usdFeed(f);
      const inv = await issue(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, usd(1_000), MAX_AGE))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongKind")
            .withArgs(inv.id, ZeroHash),
        [inv.id],
      );
      await expect(f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount))
        .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongKind")
        .withArgs(inv.id, ZeroHash);
    });

    it("checks payer and status like payInvoice", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      await expectNothingChanged(
        f,
        () =>
          expect(
            f.invoice
              .connect(f.carol)
              .payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, usd(1_000), MAX_AGE),
          )
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceWrongPayer")
            .withArgs(inv.id, f.alice.address, f.carol.address),
        [inv.id],
      );
      await (
        await f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, usd(1_000), MAX_AGE)
      ).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, usd(1_000), MAX_AGE))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotOpen")
            .withArgs(inv.id, S.Paid),
        [inv.id],
      );
      await expectSolvent(f);
    });

    it("an 18-decimal feed gives the same amountIn for the same price", async function () {
      await usdFeed(f, 18, PRICE_18);
      const inv = await issue(f, { currency: USD });
      const amountIn = expectedAmountIn(inv.amount, 6n, 8n, PRICE_8);
      expect(expectedAmountIn(inv.amount, 6n, 18n, PRICE_18)).to.equal(amountIn);
      const [quoted] = await f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount);
      expect(quoted).to.equal(amountIn);
      const fee = feeOf(amountIn, USD_FEE_BPS);
      const payee0 = await f.usd.balanceOf(f.bob.address);
      await expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, inv.amount, amountIn + fee, MAX_AGE))
        .to.emit(f.invoice, "InvoicePaid")
        .withArgs(inv.id, f.alice.address, f.usdAddress, amountIn, fee, inv.amount, 0n);
      expect((await f.usd.balanceOf(f.bob.address)) - payee0).to.equal(amountIn);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- instalments

  describe("the README's integrator example", function () {
    it("issues a USD invoice in parts, quotes and pays 500 USD of it in mUSD, and reads InvoicePaid", async function () {
      await usdFeed(f);
      const merchant = f.bob;
      const customer = f.carol;
      const suite = f.suite.connect(customer);
      const usdToken = f.usdAddress;

      // As in README.md (The payment module): the merchant invoices 1,250.00 USD in parts.
      const dueDate = (await now()) + 30n * DAY;
      const issued = await (
        await suite
          .connect(merchant)
          .issueInvoice(
            customer,
            ZeroAddress,
            encodeBytes32String("USD"),
            1_250_00000000n,
            dueDate,
            keccakUtf8("INV-0042"),
            true,
          )
      ).wait();
      const invoiceId = suite.interface.parseLog(issued!.logs[0])!.args.id as bigint;

      const part = 500_00000000n;
      const [amountIn] = await suite.quoteInvoice(invoiceId, usdToken, part);
      const { feeBps } = await suite.paymentRail(SEPA, usdToken);
      const maxAmountIn = ((amountIn + (amountIn * feeBps) / 10_000n) * 10_050n) / 10_000n;
      await (await f.usd.connect(customer).approve(f.diamondAddress, maxAmountIn)).wait();
      const paid = await (
        await suite.payInvoiceCrossCurrency(invoiceId, SEPA, usdToken, part, maxAmountIn, 3_600)
      ).wait();

      const events = await suite.queryFilter(suite.filters.InvoicePaid(invoiceId), paid!.blockNumber);
      expect(events).to.have.length(1);
      const fee = (amountIn * feeBps) / 10_000n;
      const e = events[0].args;
      expect([e.id, e.payer, e.token, e.amountIn, e.fee, e.settled, e.remaining]).to.deep.equal([
        invoiceId,
        customer.address,
        usdToken,
        amountIn,
        fee,
        part,
        750_00000000n,
      ]);
    });
  });

  describe("instalments", function () {
    it("ERC-20 in three parts: each InvoicePaid says what it settled and what remains; Paid at the last", async function () {
      const inv = await issue(f, { instalments: true });
      const payer0 = await f.usd.balanceOf(f.alice.address);
      const payee0 = await f.usd.balanceOf(f.bob.address);
      let remaining = inv.amount;
      let fees = 0n;
      for (const part of [usd(30), usd(50), usd(20)]) {
        remaining -= part;
        const fee = feeOf(part, USD_FEE_BPS);
        fees += fee;
        await expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, part))
          .to.emit(f.invoice, "InvoicePaid")
          .withArgs(inv.id, f.alice.address, f.usdAddress, part, fee, part, remaining);
        const stored = await f.invoice.getInvoice(inv.id);
        expect(stored.paid).to.equal(inv.amount - remaining);
        expect(stored.status).to.equal(remaining === 0n ? S.Paid : S.Open);
        await expectSolvent(f);
      }
      expect(fees).to.be.greaterThan(0n);
      expect(payer0 - (await f.usd.balanceOf(f.alice.address))).to.equal(inv.amount + fees);
      expect((await f.usd.balanceOf(f.bob.address)) - payee0).to.equal(inv.amount);
      expect(await f.suite.accruedPaymentFees(f.usdAddress)).to.equal(fees);
      expect((await f.suite.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(inv.amount);
    });

    it("reverts with PaymentInvoiceNotOpen(id, Paid) once the last part is paid", async function () {
      const inv = await issue(f, { instalments: true });
      await (await f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(60))).wait();
      await (await f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(40))).wait();
      for (const amount of [1n, usd(40)]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, amount))
              .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotOpen")
              .withArgs(inv.id, S.Paid),
          [inv.id],
        );
      }
      await expectSolvent(f);
    });

    it("native in two parts: msg.value is each part plus its fee", async function () {
      const inv = await issue(f, { token: NATIVE, instalments: true });
      const first = parseEther("0.25");
      const second = inv.amount - first;
      for (const [part, remaining] of [
        [first, second],
        [second, 0n],
      ]) {
        const fee = feeOf(part, ETH_FEE_BPS);
        const tx = f.invoice.payInvoice(inv.id, SEPA, NATIVE, part, { value: part + fee });
        await expect(tx)
          .to.emit(f.invoice, "InvoicePaid")
          .withArgs(inv.id, f.alice.address, NATIVE, part, fee, part, remaining);
        await expect(tx).to.changeEtherBalances(ethers, [f.alice, f.bob, f.diamondAddress], [-(part + fee), part, fee]);
      }
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Paid);
      await expectSolvent(f);
    });

    it("native: reverts with PaymentWrongValue unless msg.value is the part plus its fee", async function () {
      const inv = await issue(f, { token: NATIVE, instalments: true });
      const part = parseEther("0.4");
      const fee = feeOf(part, ETH_FEE_BPS);
      for (const value of [inv.amount + feeOf(inv.amount, ETH_FEE_BPS), part, part + fee + 1n]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoice(inv.id, SEPA, NATIVE, part, { value }))
              .to.be.revertedWithCustomError(f.suite, "PaymentWrongValue")
              .withArgs(part + fee, value),
          [inv.id],
        );
      }
    });

    it("reverts with PaymentInvoiceAmountInvalid(id, amount, remaining) for zero or more than remains", async function () {
      const inv = await issue(f, { instalments: true });
      for (const amount of [0n, inv.amount + 1n]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, amount))
              .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceAmountInvalid")
              .withArgs(inv.id, amount, inv.amount),
          [inv.id],
        );
      }
      await (await f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(70))).wait();
      const remaining = inv.amount - usd(70);
      for (const amount of [0n, remaining + 1n, inv.amount]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, amount))
              .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceAmountInvalid")
              .withArgs(inv.id, amount, remaining),
          [inv.id],
        );
      }
      await expectSolvent(f);
    });

    it("reverts with PaymentInvoiceAmountInvalid for anything but the whole amount without instalments", async function () {
      for (const token of [f.usdAddress, NATIVE]) {
        const inv = await issue(f, { token });
        const fee = feeOf(inv.amount, token === NATIVE ? ETH_FEE_BPS : USD_FEE_BPS);
        for (const amount of [1n, inv.amount - 1n, inv.amount + 1n, 0n]) {
          const value = token === NATIVE ? amount + fee : 0n;
          await expectNothingChanged(
            f,
            () =>
              expect(f.invoice.payInvoice(inv.id, SEPA, token, amount, { value }))
                .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceAmountInvalid")
                .withArgs(inv.id, amount, inv.amount),
            [inv.id],
          );
        }
      }
    });

    it("counts each part against the rail: an invoice above maxPerTx is payable in parts only", async function () {
      // The fixture's SEPA rail takes at most 1,000,000 mUSD per payment.
      const whole = await issue(f, { amount: usd(1_500_000) });
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(whole.id, SEPA, f.usdAddress, whole.amount))
            .to.be.revertedWithCustomError(f.suite, "PaymentRailTxLimit")
            .withArgs(SEPA, f.usdAddress, whole.amount, usd(1_000_000)),
        [whole.id],
      );
      const parts = await issue(f, { amount: usd(1_500_000), instalments: true });
      await (await f.invoice.payInvoice(parts.id, SEPA, f.usdAddress, usd(1_000_000))).wait();
      await (await f.invoice.payInvoice(parts.id, SEPA, f.usdAddress, usd(500_000))).wait();
      expect((await f.invoice.getInvoice(parts.id)).status).to.equal(S.Paid);
      expect((await f.suite.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(1_500_000));
      await expectSolvent(f);
    });

    it("the payee cancels a partly paid invoice: the part paid stays paid, paying again reverts with PaymentInvoiceNotOpen", async function () {
      const inv = await issue(f, { instalments: true });
      const payee0 = await f.usd.balanceOf(f.bob.address);
      await (await f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(25))).wait();
      await expect(f.invoice.connect(f.bob).cancelInvoice(inv.id))
        .to.emit(f.invoice, "InvoiceCancelled")
        .withArgs(inv.id);
      const stored = await f.invoice.getInvoice(inv.id);
      expect(stored.status).to.equal(S.Cancelled);
      expect(stored.paid).to.equal(usd(25));
      expect((await f.usd.balanceOf(f.bob.address)) - payee0).to.equal(usd(25));
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(75)))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotOpen")
            .withArgs(inv.id, S.Cancelled),
        [inv.id],
      );
      await expectSolvent(f);
    });

    it("expiry applies to every part: after the due date the rest reverts with PaymentInvoiceExpired", async function () {
      const inv = await issue(f, { instalments: true });
      await (await f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(40))).wait();
      await time.setNextBlockTimestamp(inv.dueDate);
      await (await f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(10))).wait();
      await time.increaseTo(inv.dueDate + 1n);
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.payInvoice(inv.id, SEPA, f.usdAddress, usd(50)))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceExpired")
            .withArgs(inv.id, inv.dueDate),
        [inv.id],
      );
      const stored = await f.invoice.getInvoice(inv.id);
      expect([stored.status, stored.paid]).to.deep.equal([S.Open, usd(50)]);
      await (await f.invoice.connect(f.bob).cancelInvoice(inv.id)).wait();
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Cancelled);
      await expectSolvent(f);
    });

    it("cross-currency in two parts, each converted at the price of its time and bounded by its own maxAmountIn", async function () {
      const feed = await usdFeed(f);
      const inv = await issue(f, { currency: USD, instalments: true });
      const payee0 = await f.usd.balanceOf(f.bob.address);
      const payer0 = await f.usd.balanceOf(f.alice.address);

      // Settles `part` at the feed's `price`: one unit under the bound is refused, the exact bound pays.
      async function payPart(part: bigint, price: bigint, remainingAfter: bigint) {
        const amountIn = expectedAmountIn(part, 6n, 8n, price);
        const fee = feeOf(amountIn, USD_FEE_BPS);
        expect((await f.invoice.quoteInvoice(inv.id, f.usdAddress, part))[0]).to.equal(amountIn);
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, part, amountIn + fee - 1n, MAX_AGE))
              .to.be.revertedWithCustomError(f.invoice, "PaymentSlippage")
              .withArgs(amountIn + fee, amountIn + fee - 1n),
          [inv.id],
        );
        await expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, part, amountIn + fee, MAX_AGE))
          .to.emit(f.invoice, "InvoicePaid")
          .withArgs(inv.id, f.alice.address, f.usdAddress, amountIn, fee, part, remainingAfter);
        return [amountIn, fee];
      }

      const first = cur(40);
      const [in1, fee1] = await payPart(first, PRICE_8, inv.amount - first);
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Open);

      // The price moves: the rest costs more mUSD.
      const price2 = 95_000_000n; // 0.95
      await (await feed.set(price2, await now())).wait();
      const [in2, fee2] = await payPart(inv.amount - first, price2, 0n);
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Paid);
      expect((await f.usd.balanceOf(f.bob.address)) - payee0).to.equal(in1 + in2);
      expect(payer0 - (await f.usd.balanceOf(f.alice.address))).to.equal(in1 + fee1 + in2 + fee2);
      await expectSolvent(f);
    });

    it("cross-currency: each part is rounded up, so the payee never gets less than the value settled", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD, amount: 3n, instalments: true });
      // 1e-8 USD at 0.998 is 0.01002 micro-mUSD: a whole micro-mUSD per part, 3 in all,
      // where the whole invoice at once would cost 1.
      expect(expectedAmountIn(inv.amount, 6n, 8n, PRICE_8)).to.equal(1n);
      const payee0 = await f.usd.balanceOf(f.bob.address);
      for (const remaining of [2n, 1n, 0n]) {
        await expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, 1n, 1n, MAX_AGE))
          .to.emit(f.invoice, "InvoicePaid")
          .withArgs(inv.id, f.alice.address, f.usdAddress, 1n, 0n, 1n, remaining);
      }
      expect((await f.usd.balanceOf(f.bob.address)) - payee0).to.equal(3n);
      await expectSolvent(f);
    });

    it("cross-currency: reverts with PaymentInvoiceAmountInvalid for zero, more than remains, or a part without instalments", async function () {
      await usdFeed(f);
      const parts = await issue(f, { currency: USD, instalments: true });
      await (
        await f.invoice.payInvoiceCrossCurrency(parts.id, SEPA, f.usdAddress, cur(30), usd(1_000), MAX_AGE)
      ).wait();
      const whole = await issue(f, { currency: USD });
      for (const [inv, amount, remaining] of [
        [parts, 0n, cur(70)],
        [parts, cur(70) + 1n, cur(70)],
        [whole, 0n, cur(100)],
        [whole, cur(30), cur(100)],
        [whole, cur(100) + 1n, cur(100)],
      ] as const) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.payInvoiceCrossCurrency(inv.id, SEPA, f.usdAddress, amount, usd(1_000), MAX_AGE))
              .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceAmountInvalid")
              .withArgs(inv.id, amount, remaining),
          [inv.id],
        );
      }
      await expectSolvent(f);
    });

    it("quoteInvoice converts any amount a payment could settle and refuses the others like the payment", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD, instalments: true });
      for (const amount of [1n, cur(12.5), inv.amount]) {
        expect((await f.invoice.quoteInvoice(inv.id, f.usdAddress, amount))[0]).to.equal(
          expectedAmountIn(amount, 6n, 8n, PRICE_8),
        );
      }
      for (const amount of [0n, inv.amount + 1n, inv.amount * 3n]) {
        await expect(f.invoice.quoteInvoice(inv.id, f.usdAddress, amount))
          .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceAmountInvalid")
          .withArgs(inv.id, amount, inv.amount);
      }
      // Without instalments only the whole invoice can be quoted.
      const whole = await issue(f, { currency: USD });
      await expect(f.invoice.quoteInvoice(whole.id, f.usdAddress, cur(1)))
        .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceAmountInvalid")
        .withArgs(whole.id, cur(1), whole.amount);
      expect((await f.invoice.quoteInvoice(whole.id, f.usdAddress, whole.amount))[0]).to.equal(
        expectedAmountIn(whole.amount, 6n, 8n, PRICE_8),
      );
    });
  });

  // ---------------------------------------------------------------- cancel

  describe("cancelInvoice", function () {
    it("the payee cancels an open invoice and InvoiceCancelled is emitted", async function () {
      const inv = await issue(f);
      await expect(f.invoice.connect(f.bob).cancelInvoice(inv.id))
        .to.emit(f.invoice, "InvoiceCancelled")
        .withArgs(inv.id);
      expect((await f.invoice.getInvoice(inv.id)).status).to.equal(S.Cancelled);
    });

    it("reverts with PaymentInvoiceNotPayee for anyone but the payee", async function () {
      const inv = await issue(f);
      for (const s of [f.alice, f.carol, f.owner, f.admin]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.invoice.connect(s).cancelInvoice(inv.id))
              .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotPayee")
              .withArgs(inv.id, s.address),
          [inv.id],
        );
      }
    });

    it("reverts with PaymentInvoiceNotOpen for a paid or cancelled invoice, PaymentInvoiceUnknown for none", async function () {
      const paid = await issue(f);
      await (await f.invoice.payInvoice(paid.id, SEPA, f.usdAddress, paid.amount)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.connect(f.bob).cancelInvoice(paid.id))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotOpen")
            .withArgs(paid.id, S.Paid),
        [paid.id],
      );
      const cancelled = await issue(f);
      await (await f.invoice.connect(f.bob).cancelInvoice(cancelled.id)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.invoice.connect(f.bob).cancelInvoice(cancelled.id))
            .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceNotOpen")
            .withArgs(cancelled.id, S.Cancelled),
        [cancelled.id],
      );
      await expect(f.invoice.connect(f.bob).cancelInvoice(9n))
        .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceUnknown")
        .withArgs(9n);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- price feeds

  describe("setPaymentPriceFeed", function () {
    it("PAYMENT_ADMIN_ROLE sets a feed and PaymentPriceFeedSet is emitted", async function () {
      const feed = await deployFeed(f, 8, PRICE_8);
      const feedAddress = await feed.getAddress();
      await expect(f.asAdmin.setPaymentPriceFeed(USD, f.usdAddress, feedAddress))
        .to.emit(f.invoice, "PaymentPriceFeedSet")
        .withArgs(USD, f.usdAddress, feedAddress);
      const inv = await issue(f, { currency: USD });
      const [quoted] = await f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount);
      expect(quoted).to.equal(expectedAmountIn(inv.amount, 6n, 8n, PRICE_8));
    });

    it("setting feed 0 removes it: PaymentPriceFeedMissing afterwards", async function () {
      await usdFeed(f);
      const inv = await issue(f, { currency: USD });
      await expect(f.asAdmin.setPaymentPriceFeed(USD, f.usdAddress, ZeroAddress))
        .to.emit(f.invoice, "PaymentPriceFeedSet")
        .withArgs(USD, f.usdAddress, ZeroAddress);
      await expect(f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount))
        .to.be.revertedWithCustomError(f.invoice, "PaymentPriceFeedMissing")
        .withArgs(USD, f.usdAddress);
    });

    it("reverts with AccessControlUnauthorizedAccount for anyone without PAYMENT_ADMIN_ROLE", async function () {
      const feed = await deployFeed(f, 8, PRICE_8);
      const feedAddress = await feed.getAddress();
      for (const s of [f.alice, f.carol, f.bob]) {
        await expect(f.invoice.connect(s).setPaymentPriceFeed(USD, f.usdAddress, feedAddress))
          .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, PAYMENT_ADMIN_ROLE);
      }
      const inv = await issue(f, { currency: USD });
      await expect(f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount))
        .to.be.revertedWithCustomError(f.invoice, "PaymentPriceFeedMissing")
        .withArgs(USD, f.usdAddress);
    });

    it("reverts with FeedDecimalsInvalid(feed, decimals) for a feed with more than 36 decimals; 36 is accepted", async function () {
      for (const decimals of [37, 255]) {
        const feed = await deployFeed(f, decimals, 1n);
        const feedAddress = await feed.getAddress();
        await expect(f.asAdmin.setPaymentPriceFeed(USD, f.usdAddress, feedAddress))
          .to.be.revertedWithCustomError(f.invoice, "FeedDecimalsInvalid")
          .withArgs(feedAddress, decimals);
      }
      const inv = await issue(f, { currency: USD });
      await expect(f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount))
        .to.be.revertedWithCustomError(f.invoice, "PaymentPriceFeedMissing")
        .withArgs(USD, f.usdAddress);
      // 0.998 with 36 decimals quotes the same as with 8.
      await usdFeed(f, 36, PRICE_8 * 10n ** 28n);
      const [quoted] = await f.invoice.quoteInvoice(inv.id, f.usdAddress, inv.amount);
      expect(quoted).to.equal(expectedAmountIn(inv.amount, 6n, 8n, PRICE_8));
    });

    it("reverts with PaymentInvoiceBadDenomination for currency 0 or token 0", async function () {
      const feed = await deployFeed(f, 8, PRICE_8);
      const feedAddress = await feed.getAddress();
      await expect(f.asAdmin.setPaymentPriceFeed(ZeroHash, f.usdAddress, feedAddress))
        .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceBadDenomination")
        .withArgs(f.usdAddress, ZeroHash);
      await expect(f.asAdmin.setPaymentPriceFeed(USD, ZeroAddress, feedAddress))
        .to.be.revertedWithCustomError(f.invoice, "PaymentInvoiceBadDenomination")
        .withArgs(ZeroAddress, USD);
    });
  });
});
