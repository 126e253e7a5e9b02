// Payment module: pay with a reference (ERC-20, permit, native), batch payouts, rails with
// per-tx/per-day limits (changed mid-day), capped fees per rail accrued for the treasury,
// credits for refused payouts and their claims, reentrancy, pause and gas.
import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String, parseEther, Wallet, ZeroAddress, type ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { escrowTerms, PAYMENT_ADMIN_ROLE, signPermit } from "../scripts/lib/payment.js";
import { coreFixture, expectUnchanged } from "./helpers.js";
import {
  deployReceiver,
  feeOf,
  installPayment,
  MOBILE,
  NATIVE,
  paymentState,
  RECEIVER_MODE,
  SEPA,
  usd,
  type WatchedAsset,
} from "./support/payment.js";
import { moduleId } from "../scripts/lib/core.js";
import {
  IFinanceSuite__factory,
  MockBlocklistToken__factory,
  MockFeeOnTransferToken__factory,
  MockReentrantToken__factory,
  MockStablecoin__factory,
  PaymentEscrowFacet__factory,
  PaymentFacet__factory,
} from "../typechain-types/index.js";
import { GAS, itUnlessCoverage } from "./support/coverage.js";

const { ethers, networkHelpers } = await network.create();

// ------------------------------------------------------------------ constants

const PAYMENT_ID = moduleId("payment");
const CREDIT_ID = moduleId("credit");
const MAX_FEE_BPS = 500n;
const DAY = 86_400;

const REF = encodeBytes32String("INV-0001");
const REF2 = encodeBytes32String("INV-0002");

// Fixture configuration.
const USD_MAX_TX = usd(1_000);
const USD_MAX_DAY = usd(2_500);
const USD_FEE_BPS = 30n; // 0.30 %
const ETH_MAX_TX = parseEther("10");
const ETH_MAX_DAY = parseEther("25");
const ETH_FEE_BPS = 50n; // 0.50 %
const OTHER_MAX_TX = parseEther("1000");
const OTHER_MAX_DAY = parseEther("100000");
const OTHER_FEE_BPS = 30n;
/** The largest limit a rail can hold (uint96). */
const MAX_LIMIT = 2n ** 96n - 1n;

const paymentIface = PaymentFacet__factory.createInterface();
const REENTRANT_CALL_SELECTOR = paymentIface.getError("ReentrancyGuardReentrantCall")!.selector;

function randomAddresses(n: number): string[] {
  return Array.from({ length: n }, () => Wallet.createRandom().address);
}

// ------------------------------------------------------------------ fixture

async function deployPaymentFixture() {
  const core = await coreFixture(ethers);
  const signers = await ethers.getSigners();
  const [carol, admin, treasury, spender, dave, erin] = signers.slice(5);
  const { owner, alice, bob } = core;
  const diamondAddress = await core.diamond.getAddress();

  await installPayment(ethers, core.diamond.connect(core.upgrader));
  await (await core.diamond.connect(owner).grantRole(PAYMENT_ADMIN_ROLE, admin.address)).wait();

  const usdToken = await new MockStablecoin__factory(owner).deploy();
  const fot = await new MockFeeOnTransferToken__factory(owner).deploy();
  const re = await new MockReentrantToken__factory(owner).deploy();
  const bl = await new MockBlocklistToken__factory(owner).deploy();
  const [usdAddress, fotAddress, reAddress, blAddress] = await Promise.all([
    usdToken.getAddress(),
    fot.getAddress(),
    re.getAddress(),
    bl.getAddress(),
  ]);

  const suite = IFinanceSuite__factory.connect(diamondAddress, alice);
  const payment = PaymentFacet__factory.connect(diamondAddress, alice);
  // The escrow facet is here only to create credits (a payout the payee refuses).
  const escrow = PaymentEscrowFacet__factory.connect(diamondAddress, alice);
  const asAdmin = payment.connect(admin);
  await (await asAdmin.setPaymentRail(SEPA, usdAddress, USD_MAX_TX, USD_MAX_DAY)).wait();
  await (await asAdmin.setPaymentFee(SEPA, usdAddress, USD_FEE_BPS)).wait();
  await (await asAdmin.setPaymentRail(SEPA, NATIVE, ETH_MAX_TX, ETH_MAX_DAY)).wait();
  await (await asAdmin.setPaymentFee(SEPA, NATIVE, ETH_FEE_BPS)).wait();
  for (const token of [fotAddress, reAddress, blAddress]) {
    await (await asAdmin.setPaymentRail(SEPA, token, OTHER_MAX_TX, OTHER_MAX_DAY)).wait();
    await (await asAdmin.setPaymentFee(SEPA, token, OTHER_FEE_BPS)).wait();
  }

  // Alice is the funded, approved payer; bob holds tokens but approved nothing.
  await (await usdToken.mint(alice.address, usd(100_000))).wait();
  await (await usdToken.mint(bob.address, usd(100_000))).wait();
  await (await usdToken.connect(alice).approve(diamondAddress, usd(50_000))).wait();
  await (await fot.mint(alice.address, parseEther("100000"))).wait();
  await (await fot.connect(alice).approve(diamondAddress, parseEther("50000"))).wait();
  await (await re.mint(alice.address, parseEther("100000"))).wait();
  await (await re.connect(alice).approve(diamondAddress, parseEther("50000"))).wait();
  await (await bl.mint(alice.address, parseEther("100000"))).wait();
  await (await bl.connect(alice).approve(diamondAddress, parseEther("50000"))).wait();

  // Start every test early in a fresh UTC day, so daily limits never straddle midnight.
  const now = await networkHelpers.time.latest();
  await networkHelpers.time.increaseTo((Math.floor(now / DAY) + 1) * DAY + 60);

  return {
    ...core,
    carol,
    admin,
    treasury,
    spender,
    dave,
    erin,
    diamondAddress,
    payment,
    escrow,
    asAdmin,
    usd: usdToken,
    fot,
    re,
    bl,
    usdAddress,
    fotAddress,
    reAddress,
    blAddress,
    suite,
    assets: [
      { name: "usd", address: usdAddress, balanceOf: (h) => usdToken.balanceOf(h) },
      { name: "fot", address: fotAddress, balanceOf: (h) => fot.balanceOf(h) },
      { name: "re", address: reAddress, balanceOf: (h) => re.balanceOf(h) },
      { name: "bl", address: blAddress, balanceOf: (h) => bl.balanceOf(h) },
      { name: "eth", address: NATIVE, balanceOf: (h) => ethers.provider.getBalance(h) },
    ] satisfies WatchedAsset[],
  };
}

type Fixture = Awaited<ReturnType<typeof deployPaymentFixture>>;

// ------------------------------------------------------------------ helpers

/**
 * Every balance, accrued fee, escrowed total, credit and rail (limits, spentToday, fee, on
 * both channels) a payment can touch, per asset, to prove a failure changed nothing.
 */
async function snapshot(f: Fixture, extra: string[] = []): Promise<Record<string, string>> {
  const holders = [f.alice, f.bob, f.carol, f.dave, f.erin, f.treasury, f.spender]
    .map((s) => s.address)
    .concat([f.diamondAddress, ...extra]);
  return paymentState(f.suite, f.assets, holders, [SEPA, MOBILE]);
}

/** Runs `assertion` (a revert expectation) and checks that nothing observable changed. */
async function expectNothingChanged(f: Fixture, assertion: () => Promise<unknown>, extra: string[] = []) {
  await expectUnchanged(() => snapshot(f, extra), assertion);
}

/** A receiver that, when paid, re-enters `payNative` for 0.5 ETH to carol (with its fee). */
async function reenteringReceiver(f: Fixture, bubble: boolean) {
  const receiver = await deployReceiver(f.owner);
  const inner = parseEther("0.5");
  const innerValue = inner + feeOf(inner, ETH_FEE_BPS);
  const data = paymentIface.encodeFunctionData("payNative", [SEPA, f.carol.address, inner, REF2]);
  await (await receiver.setReentry(f.diamondAddress, data, innerValue, bubble)).wait();
  return { receiver, to: await receiver.getAddress() };
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction dropped");
  return receipt.gasUsed;
}

/** Native balance delta of `signer` for `tx`, net of the gas it paid. */
async function paidExcludingGas(signer: HardhatEthersSigner, send: () => Promise<ContractTransactionResponse>) {
  const before = await ethers.provider.getBalance(signer.address);
  const receipt = await (await send()).wait();
  if (receipt === null) throw new Error("transaction dropped");
  const after = await ethers.provider.getBalance(signer.address);
  return before - after - receipt.gasUsed * receipt.gasPrice;
}

/**
 * Credits `amount` of the blocklist token to bob the way it happens in production: alice
 * escrows it for bob and releases it while the token blocks bob. Bob is unblocked again
 * afterwards, so he can claim to any address.
 */
async function creditBob(f: Fixture, amount: bigint) {
  const deadline = BigInt(await networkHelpers.time.latest()) + BigInt(DAY);
  const args = [SEPA, f.blAddress, f.bob.address, amount, deadline, ZeroAddress, REF] as const;
  const [, terms] = await f.escrow.createEscrow.staticCall(...args);
  await (await f.escrow.createEscrow(...args)).wait();
  await (await f.bl.setBlocked(f.bob.address, true)).wait();
  const creditBefore = await f.suite.creditOf(f.blAddress, f.bob.address);
  await expect(f.escrow.releaseEscrow(escrowTerms(terms)))
    .to.emit(f.suite, "Credited")
    .withArgs(f.blAddress, f.bob.address, PAYMENT_ID, amount);
  await (await f.bl.setBlocked(f.bob.address, false)).wait();
  expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(creditBefore + amount);
}

// ------------------------------------------------------------------ tests

describe("Payment module", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployPaymentFixture);
  });

  describe("installation", function () {
    it("is installed as module `payment` and reports its configuration", async function () {
      expect(await f.diamond.isModuleInstalled(PAYMENT_ID)).to.equal(true);
      const info = await f.diamond.getModule(PAYMENT_ID);
      expect(info.version).to.deep.equal([1n, 0n, 0n]);
      expect(info.dependencies).to.deep.equal([CREDIT_ID]);
      expect(await f.diamond.isModuleInstalled(CREDIT_ID)).to.equal(true);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).feeBps).to.equal(USD_FEE_BPS);
      expect((await f.payment.paymentRail(SEPA, NATIVE)).feeBps).to.equal(ETH_FEE_BPS);
      expect(await f.payment.paymentTreasury()).to.equal(ZeroAddress);
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([USD_MAX_TX, USD_MAX_DAY, 0n, USD_FEE_BPS]);
      expect(await f.payment.paymentRail(SEPA, NATIVE)).to.deep.equal([ETH_MAX_TX, ETH_MAX_DAY, 0n, ETH_FEE_BPS]);
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(0n);
    });
  });

  // ---------------------------------------------------------------- pay (ERC-20)

  describe("pay (ERC-20)", function () {
    it("pays the payee exactly `amount`, charges the payer amount + fee and accrues the fee", async function () {
      const amount = usd("123.456789");
      const fee = feeOf(amount, USD_FEE_BPS);
      expect(fee).to.be.greaterThan(0n);
      const payerBefore = await f.usd.balanceOf(f.alice.address);
      const payeeBefore = await f.usd.balanceOf(f.bob.address);

      await expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, amount, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.bob.address, SEPA, f.usdAddress, amount, fee);

      expect((await f.usd.balanceOf(f.bob.address)) - payeeBefore).to.equal(amount);
      expect(payerBefore - (await f.usd.balanceOf(f.alice.address))).to.equal(amount + fee);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(fee);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(fee);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(amount);
    });

    it("accrues the fees of several payments; the diamond holds exactly the accrued fees", async function () {
      const amounts = [usd(100), usd("0.33"), usd("999.999999")];
      let fees = 0n;
      for (const amount of amounts) {
        await (await f.payment.pay(SEPA, f.usdAddress, f.carol.address, amount, REF)).wait();
        fees += feeOf(amount, USD_FEE_BPS);
      }
      expect(await f.usd.balanceOf(f.carol.address)).to.equal(amounts.reduce((a, b) => a + b));
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(fees);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(fees);
    });

    it("with a zero fee moves only `amount` and accrues nothing", async function () {
      await (await f.asAdmin.setPaymentFee(SEPA, f.usdAddress, 0)).wait();
      const amount = usd(10);
      const payerBefore = await f.usd.balanceOf(f.alice.address);
      await expect(f.payment.pay(SEPA, f.usdAddress, f.carol.address, amount, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.carol.address, SEPA, f.usdAddress, amount, 0n);
      expect(payerBefore - (await f.usd.balanceOf(f.alice.address))).to.equal(amount);
      expect(await f.usd.balanceOf(f.carol.address)).to.equal(amount);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(0n);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(0n);
    });

    it("rejects a zero payee with PaymentZeroPayee", async function () {
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, ZeroAddress, usd(1), REF)).to.be.revertedWithCustomError(
          f.payment,
          "PaymentZeroPayee",
        ),
      );
    });

    it("rejects a zero amount with PaymentZeroAmount", async function () {
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, 0, REF)).to.be.revertedWithCustomError(
          f.payment,
          "PaymentZeroAmount",
        ),
      );
    });

    it("rejects a rail that was never set with PaymentRailDisabled(channel, token)", async function () {
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, usd(1), REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(MOBILE, f.usdAddress),
      );
    });

    it("rejects a rail disabled with 0/0 with PaymentRailDisabled(channel, token)", async function () {
      await expect(f.asAdmin.setPaymentRail(SEPA, f.usdAddress, 0, 0))
        .to.emit(f.payment, "PaymentRailSet")
        .withArgs(SEPA, f.usdAddress, 0n, 0n);
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1), REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(SEPA, f.usdAddress),
      );
    });

    it("rejects token address zero with PaymentRailDisabled(channel, 0x0), even with a native rail", async function () {
      expect((await f.payment.paymentRail(SEPA, NATIVE)).maxPerTx).to.equal(ETH_MAX_TX);
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, NATIVE, f.bob.address, 1n, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(SEPA, ZeroAddress),
      );
    });

    it("accepts exactly maxPerTx and rejects more with PaymentRailTxLimit", async function () {
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, USD_MAX_TX, REF)).wait();
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, USD_MAX_TX + 1n, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailTxLimit")
          .withArgs(SEPA, f.usdAddress, USD_MAX_TX + 1n, USD_MAX_TX),
      );
    });

    it("enforces the daily limit across payments; spentToday includes the refused payment", async function () {
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1_000), REF)).wait();
      await (await f.payment.pay(SEPA, f.usdAddress, f.carol.address, usd(1_000), REF)).wait();
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(2_000));

      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.dave.address, usd(600), REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(SEPA, f.usdAddress, usd(2_600), USD_MAX_DAY),
      );

      // Exactly up to the limit is fine; one unit more is not.
      await (await f.payment.pay(SEPA, f.usdAddress, f.dave.address, usd(500), REF)).wait();
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(USD_MAX_DAY);
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.dave.address, 1n, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(SEPA, f.usdAddress, USD_MAX_DAY + 1n, USD_MAX_DAY),
      );
    });

    it("resets the daily usage after a day; paymentRail reports spentToday", async function () {
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1_000), REF)).wait();
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1_000), REF)).wait();
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(500), REF)).wait();
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([
        USD_MAX_TX,
        USD_MAX_DAY,
        USD_MAX_DAY,
        USD_FEE_BPS,
      ]);
      await expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, 1n, REF)).to.be.revertedWithCustomError(
        f.payment,
        "PaymentRailDailyLimit",
      );

      await networkHelpers.time.increase(DAY);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(0n);

      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1_000), REF)).wait();
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(1_000));
    });

    it("counts usage per (channel, token): another channel has its own limits", async function () {
      await (await f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, usd(50), usd(60))).wait();
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1_000), REF)).wait();
      await (await f.payment.pay(MOBILE, f.usdAddress, f.bob.address, usd(50), REF)).wait();
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(1_000));
      expect((await f.payment.paymentRail(MOBILE, f.usdAddress)).spentToday).to.equal(usd(50));
      // A payment equal to maxPerTx passes the per-tx check but not the daily one.
      await expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, usd(50), REF))
        .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
        .withArgs(MOBILE, f.usdAddress, usd(100), usd(60));
      await (await f.payment.pay(MOBILE, f.usdAddress, f.bob.address, usd(10), REF)).wait();
      expect((await f.payment.paymentRail(MOBILE, f.usdAddress)).spentToday).to.equal(usd(60));
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(1_000));
    });

    it("refuses a fee-on-transfer token with PaymentTokenShortfall(token, expected, received)", async function () {
      const amount = parseEther("100");
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.fotAddress, f.bob.address, amount, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentTokenShortfall")
          .withArgs(f.fotAddress, amount, amount - amount / 100n),
      );
    });

    it("without an allowance reverts with the token's ERC20InsufficientAllowance", async function () {
      const amount = usd(10);
      expect(await f.usd.allowance(f.bob.address, f.diamondAddress)).to.equal(0n);
      await expectNothingChanged(f, () =>
        expect(f.payment.connect(f.bob).pay(SEPA, f.usdAddress, f.carol.address, amount, REF))
          .to.be.revertedWithCustomError(f.usd, "ERC20InsufficientAllowance")
          .withArgs(f.diamondAddress, 0n, amount),
      );
    });

    it("with an allowance for the amount but not the fee reverts, all or nothing", async function () {
      const amount = usd(10);
      const fee = feeOf(amount, USD_FEE_BPS);
      await (await f.usd.connect(f.bob).approve(f.diamondAddress, amount)).wait();
      await expectNothingChanged(f, () =>
        expect(f.payment.connect(f.bob).pay(SEPA, f.usdAddress, f.carol.address, amount, REF))
          .to.be.revertedWithCustomError(f.usd, "ERC20InsufficientAllowance")
          .withArgs(f.diamondAddress, 0n, fee),
      );
      expect(await f.usd.allowance(f.bob.address, f.diamondAddress)).to.equal(amount);
    });

    it("with an insufficient balance reverts with the token's ERC20InsufficientBalance", async function () {
      const amount = usd(10);
      await (await f.usd.connect(f.carol).approve(f.diamondAddress, usd(100))).wait();
      await expectNothingChanged(f, () =>
        expect(f.payment.connect(f.carol).pay(SEPA, f.usdAddress, f.bob.address, amount, REF))
          .to.be.revertedWithCustomError(f.usd, "ERC20InsufficientBalance")
          .withArgs(f.carol.address, 0n, amount),
      );
    });
  });

  // ---------------------------------------------------------------- payWithPermit

  describe("payWithPermit", function () {
    it("pays with a real EIP-2612 signature for amount + fee and no prior approve", async function () {
      const amount = usd(250);
      const fee = feeOf(amount, USD_FEE_BPS);
      const deadline = BigInt((await networkHelpers.time.latest()) + 3600);
      expect(await f.usd.allowance(f.bob.address, f.diamondAddress)).to.equal(0n);
      const sig = await signPermit(f.usd, f.bob, f.diamondAddress, amount + fee, deadline);
      const payerBefore = await f.usd.balanceOf(f.bob.address);

      await expect(
        f.payment
          .connect(f.bob)
          .payWithPermit(SEPA, f.usdAddress, f.carol.address, amount, REF, deadline, sig.v, sig.r, sig.s),
      )
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.bob.address, f.carol.address, SEPA, f.usdAddress, amount, fee);

      expect(await f.usd.balanceOf(f.carol.address)).to.equal(amount);
      expect(payerBefore - (await f.usd.balanceOf(f.bob.address))).to.equal(amount + fee);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(fee);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(fee);
      expect(await f.usd.allowance(f.bob.address, f.diamondAddress)).to.equal(0n);
      expect(await f.usd.nonces(f.bob.address)).to.equal(1n);
    });

    it("still pays when someone front-runs the same permit", async function () {
      const amount = usd(250);
      const fee = feeOf(amount, USD_FEE_BPS);
      const deadline = BigInt((await networkHelpers.time.latest()) + 3600);
      const sig = await signPermit(f.usd, f.bob, f.diamondAddress, amount + fee, deadline);

      // The attacker submits the permit first: the nonce is spent, the allowance is set.
      await (
        await f.usd.connect(f.dave).permit(f.bob.address, f.diamondAddress, amount + fee, deadline, sig.v, sig.r, sig.s)
      ).wait();
      expect(await f.usd.allowance(f.bob.address, f.diamondAddress)).to.equal(amount + fee);

      await expect(
        f.payment
          .connect(f.bob)
          .payWithPermit(SEPA, f.usdAddress, f.carol.address, amount, REF, deadline, sig.v, sig.r, sig.s),
      )
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.bob.address, f.carol.address, SEPA, f.usdAddress, amount, fee);
      expect(await f.usd.balanceOf(f.carol.address)).to.equal(amount);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(fee);
      expect(await f.usd.allowance(f.bob.address, f.diamondAddress)).to.equal(0n);
    });

    it("with a permit for the amount only (not amount + fee) and no allowance, moves nothing", async function () {
      const amount = usd(250);
      const deadline = BigInt((await networkHelpers.time.latest()) + 3600);
      const sig = await signPermit(f.usd, f.bob, f.diamondAddress, amount, deadline);
      await expectNothingChanged(f, () =>
        expect(
          f.payment
            .connect(f.bob)
            .payWithPermit(SEPA, f.usdAddress, f.carol.address, amount, REF, deadline, sig.v, sig.r, sig.s),
        )
          .to.be.revertedWithCustomError(f.usd, "ERC20InsufficientAllowance")
          .withArgs(f.diamondAddress, 0n, amount),
      );
    });

    it("with a signature by someone else and no allowance, moves nothing", async function () {
      const amount = usd(250);
      const fee = feeOf(amount, USD_FEE_BPS);
      const deadline = BigInt((await networkHelpers.time.latest()) + 3600);
      const sig = await signPermit(f.usd, f.bob, f.diamondAddress, amount + fee, deadline, f.dave);
      await expectNothingChanged(f, () =>
        expect(
          f.payment
            .connect(f.bob)
            .payWithPermit(SEPA, f.usdAddress, f.carol.address, amount, REF, deadline, sig.v, sig.r, sig.s),
        )
          .to.be.revertedWithCustomError(f.usd, "ERC20InsufficientAllowance")
          .withArgs(f.diamondAddress, 0n, amount),
      );
      expect(await f.usd.nonces(f.bob.address)).to.equal(0n);
    });

    it("applies the rails like pay: a disabled rail reverts and the permit is not consumed", async function () {
      const amount = usd(250);
      const fee = feeOf(amount, USD_FEE_BPS);
      const deadline = BigInt((await networkHelpers.time.latest()) + 3600);
      const sig = await signPermit(f.usd, f.bob, f.diamondAddress, amount + fee, deadline);
      await expectNothingChanged(f, () =>
        expect(
          f.payment
            .connect(f.bob)
            .payWithPermit(MOBILE, f.usdAddress, f.carol.address, amount, REF, deadline, sig.v, sig.r, sig.s),
        )
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(MOBILE, f.usdAddress),
      );
      expect(await f.usd.nonces(f.bob.address)).to.equal(0n);
      expect(await f.usd.allowance(f.bob.address, f.diamondAddress)).to.equal(0n);
    });

    it("rejects a token without code on a disabled rail with PaymentRailDisabled, like pay", async function () {
      const deadline = BigInt((await networkHelpers.time.latest()) + 3600);
      const notAToken = Wallet.createRandom().address;
      await expect(f.payment.pay(MOBILE, notAToken, f.carol.address, 1n, REF))
        .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
        .withArgs(MOBILE, notAToken);
      await expectNothingChanged(f, () =>
        expect(
          f.payment.connect(f.bob).payWithPermit(MOBILE, notAToken, f.carol.address, 1n, REF, deadline, 27, REF, REF),
        )
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(MOBILE, notAToken),
      );
    });

    it("rejects token address zero with PaymentRailDisabled(channel, 0x0), like pay", async function () {
      const deadline = BigInt((await networkHelpers.time.latest()) + 3600);
      await expectNothingChanged(f, () =>
        expect(f.payment.connect(f.bob).payWithPermit(SEPA, NATIVE, f.carol.address, 1n, REF, deadline, 27, REF, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(SEPA, ZeroAddress),
      );
    });
  });

  describe("native currency sent to the ERC-20 entry points", function () {
    it("pay refuses msg.value with PaymentUnexpectedValue(value) and nothing changes", async function () {
      const data = paymentIface.encodeFunctionData("pay", [SEPA, f.usdAddress, f.bob.address, usd(1), REF]);
      await expectNothingChanged(f, () =>
        expect(f.alice.sendTransaction({ to: f.diamondAddress, data, value: 1n }))
          .to.be.revertedWithCustomError(f.payment, "PaymentUnexpectedValue")
          .withArgs(1n),
      );
    });

    it("pay refuses the payer as payee (PaymentPayeeIsPayer) and the diamond as payee (PaymentZeroPayee)", async function () {
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.alice.address, usd(1), REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentPayeeIsPayer")
          .withArgs(f.alice.address),
      );
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.diamondAddress, usd(1), REF)).to.be.revertedWithCustomError(
          f.payment,
          "PaymentZeroPayee",
        ),
      );
    });
  });

  // ---------------------------------------------------------------- payNative

  describe("payNative", function () {
    it("with msg.value = amount + fee pays the payee exactly and accrues the fee", async function () {
      const amount = parseEther("1.234567");
      const fee = feeOf(amount, ETH_FEE_BPS);
      const payeeBefore = await ethers.provider.getBalance(f.carol.address);

      const tx = f.payment.payNative(SEPA, f.carol.address, amount, REF, { value: amount + fee });
      await expect(tx)
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.carol.address, SEPA, NATIVE, amount, fee);

      expect((await ethers.provider.getBalance(f.carol.address)) - payeeBefore).to.equal(amount);
      expect(await f.payment.accruedPaymentFees(NATIVE)).to.equal(fee);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(fee);
      expect((await f.payment.paymentRail(SEPA, NATIVE)).spentToday).to.equal(amount);
    });

    it("charges the payer exactly amount + fee (net of gas)", async function () {
      const amount = parseEther("2");
      const fee = feeOf(amount, ETH_FEE_BPS);
      const paid = await paidExcludingGas(f.alice, () =>
        f.payment.payNative(SEPA, f.carol.address, amount, REF, { value: amount + fee }),
      );
      expect(paid).to.equal(amount + fee);
    });

    it("rejects a wrong msg.value with PaymentWrongValue(expected, sent)", async function () {
      const amount = parseEther("1");
      const fee = feeOf(amount, ETH_FEE_BPS);
      for (const sent of [0n, amount, amount + fee - 1n, amount + fee + 1n]) {
        await expectNothingChanged(f, () =>
          expect(f.payment.payNative(SEPA, f.carol.address, amount, REF, { value: sent }))
            .to.be.revertedWithCustomError(f.payment, "PaymentWrongValue")
            .withArgs(amount + fee, sent),
        );
      }
    });

    it("rejects a zero payee, a zero amount and a disabled rail", async function () {
      await expectNothingChanged(f, async () => {
        await expect(f.payment.payNative(SEPA, ZeroAddress, 1n, REF, { value: 1n })).to.be.revertedWithCustomError(
          f.payment,
          "PaymentZeroPayee",
        );
        await expect(f.payment.payNative(SEPA, f.carol.address, 0n, REF, { value: 0n })).to.be.revertedWithCustomError(
          f.payment,
          "PaymentZeroAmount",
        );
        await expect(f.payment.payNative(MOBILE, f.carol.address, 1n, REF, { value: 1n }))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(MOBILE, NATIVE);
      });
    });

    it("applies the per-tx and daily limits of the native rail", async function () {
      const feeFor = (a: bigint) => a + feeOf(a, ETH_FEE_BPS);
      await expect(f.payment.payNative(SEPA, f.carol.address, ETH_MAX_TX + 1n, REF, { value: feeFor(ETH_MAX_TX + 1n) }))
        .to.be.revertedWithCustomError(f.payment, "PaymentRailTxLimit")
        .withArgs(SEPA, NATIVE, ETH_MAX_TX + 1n, ETH_MAX_TX);
      await (await f.payment.payNative(SEPA, f.carol.address, ETH_MAX_TX, REF, { value: feeFor(ETH_MAX_TX) })).wait();
      await (await f.payment.payNative(SEPA, f.carol.address, ETH_MAX_TX, REF, { value: feeFor(ETH_MAX_TX) })).wait();
      await expectNothingChanged(f, () =>
        expect(f.payment.payNative(SEPA, f.carol.address, ETH_MAX_TX, REF, { value: feeFor(ETH_MAX_TX) }))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(SEPA, NATIVE, 3n * ETH_MAX_TX, ETH_MAX_DAY),
      );
    });

    it("a receiver that rejects the transfer → PaymentNativeTransferFailed(to, amount)", async function () {
      const receiver = await deployReceiver(f.owner);
      await (await receiver.setMode(RECEIVER_MODE.Reject)).wait();
      const to = await receiver.getAddress();
      const amount = parseEther("1");
      const fee = feeOf(amount, ETH_FEE_BPS);
      await expectNothingChanged(
        f,
        () =>
          expect(f.payment.payNative(SEPA, to, amount, REF, { value: amount + fee }))
            .to.be.revertedWithCustomError(f.payment, "PaymentNativeTransferFailed")
            .withArgs(to, amount),
        [to],
      );
    });

    it("the diamond itself as payee → PaymentZeroPayee", async function () {
      const amount = parseEther("1");
      const fee = feeOf(amount, ETH_FEE_BPS);
      await expectNothingChanged(f, () =>
        expect(
          f.payment.payNative(SEPA, f.diamondAddress, amount, REF, { value: amount + fee }),
        ).to.be.revertedWithCustomError(f.payment, "PaymentZeroPayee"),
      );
    });

    it("a receiver re-entering payNative makes the outer payment revert; nothing changes", async function () {
      // Bubbling the inner revert: the receiver refuses the transfer.
      const { receiver, to } = await reenteringReceiver(f, true);
      const amount = parseEther("1");
      const fee = feeOf(amount, ETH_FEE_BPS);
      await expectNothingChanged(
        f,
        () =>
          expect(f.payment.payNative(SEPA, to, amount, REF, { value: amount + fee }))
            .to.be.revertedWithCustomError(f.payment, "PaymentNativeTransferFailed")
            .withArgs(to, amount),
        [to],
      );
      expect(await receiver.reentryAttempts()).to.equal(0n);
    });

    it("a re-entry attempt that is caught fails with ReentrancyGuardReentrantCall; accounting stays exact", async function () {
      // Recording the outcome and accepting the transfer.
      const { receiver, to } = await reenteringReceiver(f, false);
      const carolBefore = await ethers.provider.getBalance(f.carol.address);
      const amount = parseEther("1");
      const fee = feeOf(amount, ETH_FEE_BPS);

      await (await f.payment.payNative(SEPA, to, amount, REF, { value: amount + fee })).wait();

      expect(await receiver.reentryAttempts()).to.equal(1n);
      expect(await receiver.lastReentrySucceeded()).to.equal(false);
      expect(await receiver.lastReentryError()).to.equal(REENTRANT_CALL_SELECTOR);
      expect(await ethers.provider.getBalance(to)).to.equal(amount);
      expect(await receiver.received()).to.equal(amount);
      expect(await ethers.provider.getBalance(f.carol.address)).to.equal(carolBefore);
      expect(await f.payment.accruedPaymentFees(NATIVE)).to.equal(fee);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(fee);
      expect((await f.payment.paymentRail(SEPA, NATIVE)).spentToday).to.equal(amount);
    });
  });

  // ---------------------------------------------------------------- payBatch

  describe("payBatch", function () {
    it("pays 10 new ERC-20 recipients exactly and accrues the fee on the total", async function () {
      const payees = randomAddresses(10);
      const amounts = payees.map((_, i) => usd(10 + i) + BigInt(i));
      const total = amounts.reduce((a, b) => a + b);
      const fee = feeOf(total, USD_FEE_BPS);
      const payerBefore = await f.usd.balanceOf(f.alice.address);

      await expect(f.payment.payBatch(SEPA, f.usdAddress, payees, amounts, REF))
        .to.emit(f.payment, "PaymentBatchSent")
        .withArgs(REF, f.alice.address, SEPA, f.usdAddress, 10n, total, fee);

      for (let i = 0; i < payees.length; i++) expect(await f.usd.balanceOf(payees[i])).to.equal(amounts[i]);
      expect(payerBefore - (await f.usd.balanceOf(f.alice.address))).to.equal(total + fee);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(fee);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(fee);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(total);
    });

    it("computes the fee on the batch total, not per entry", async function () {
      // 10 × 333 units: each entry alone would pay no fee (333 × 30 / 10 000 = 0).
      const payees = randomAddresses(10);
      const amounts = payees.map(() => 333n);
      expect(feeOf(333n, USD_FEE_BPS)).to.equal(0n);
      const fee = feeOf(3_330n, USD_FEE_BPS);
      expect(fee).to.equal(9n);
      await expect(f.payment.payBatch(SEPA, f.usdAddress, payees, amounts, REF))
        .to.emit(f.payment, "PaymentBatchSent")
        .withArgs(REF, f.alice.address, SEPA, f.usdAddress, 10n, 3_330n, fee);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(fee);
    });

    it("pays a native batch with msg.value = total + fee", async function () {
      const payees = randomAddresses(5);
      const amounts = payees.map((_, i) => parseEther("0.1") * BigInt(i + 1));
      const total = amounts.reduce((a, b) => a + b);
      const fee = feeOf(total, ETH_FEE_BPS);

      await expect(f.payment.payBatch(SEPA, NATIVE, payees, amounts, REF, { value: total + fee }))
        .to.emit(f.payment, "PaymentBatchSent")
        .withArgs(REF, f.alice.address, SEPA, NATIVE, 5n, total, fee);

      for (let i = 0; i < payees.length; i++) {
        expect(await ethers.provider.getBalance(payees[i])).to.equal(amounts[i]);
      }
      expect(await f.payment.accruedPaymentFees(NATIVE)).to.equal(fee);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(fee);
      expect((await f.payment.paymentRail(SEPA, NATIVE)).spentToday).to.equal(total);
    });

    it("rejects a length mismatch with PaymentBatchLengthMismatch(payees, amounts)", async function () {
      await expectNothingChanged(f, () =>
        expect(f.payment.payBatch(SEPA, f.usdAddress, [f.bob.address, f.carol.address, f.dave.address], [1n, 2n], REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentBatchLengthMismatch")
          .withArgs(3n, 2n),
      );
    });

    it("rejects an empty batch with PaymentBatchEmpty", async function () {
      await expectNothingChanged(f, () =>
        expect(f.payment.payBatch(SEPA, f.usdAddress, [], [], REF)).to.be.revertedWithCustomError(
          f.payment,
          "PaymentBatchEmpty",
        ),
      );
    });

    it("rejects a zero payee or a zero amount at index i with PaymentBatchEntryInvalid(i)", async function () {
      const payees = [f.bob.address, f.carol.address, f.dave.address, f.erin.address];
      const amounts = [usd(1), usd(2), usd(3), usd(4)];
      const zeroPayee = [...payees];
      zeroPayee[2] = ZeroAddress;
      const zeroAmount = [...amounts];
      zeroAmount[3] = 0n;
      await expectNothingChanged(f, async () => {
        await expect(f.payment.payBatch(SEPA, f.usdAddress, zeroPayee, amounts, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentBatchEntryInvalid")
          .withArgs(2n);
        await expect(f.payment.payBatch(SEPA, f.usdAddress, payees, zeroAmount, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentBatchEntryInvalid")
          .withArgs(3n);
        await expect(f.payment.payBatch(SEPA, NATIVE, zeroPayee, amounts, REF, { value: usd(10) }))
          .to.be.revertedWithCustomError(f.payment, "PaymentBatchEntryInvalid")
          .withArgs(2n);
      });
    });

    it("rejects the payer or the diamond as a batch payee at index i with PaymentBatchEntryInvalid(i)", async function () {
      const amounts = [usd(1), usd(2), usd(3)];
      await expectNothingChanged(f, async () => {
        await expect(
          f.payment.payBatch(SEPA, f.usdAddress, [f.bob.address, f.alice.address, f.carol.address], amounts, REF),
        )
          .to.be.revertedWithCustomError(f.payment, "PaymentBatchEntryInvalid")
          .withArgs(1n);
        await expect(
          f.payment.payBatch(SEPA, f.usdAddress, [f.bob.address, f.carol.address, f.diamondAddress], amounts, REF),
        )
          .to.be.revertedWithCustomError(f.payment, "PaymentBatchEntryInvalid")
          .withArgs(2n);
      });
    });

    it("a rejecting native receiver at index i → PaymentBatchEntryInvalid(i), all or nothing", async function () {
      const receiver = await deployReceiver(f.owner);
      await (await receiver.setMode(RECEIVER_MODE.Reject)).wait();
      const to = await receiver.getAddress();
      const payees = randomAddresses(6);
      payees[4] = to;
      const amounts = payees.map(() => parseEther("0.25"));
      const total = amounts.reduce((a, b) => a + b);
      const fee = feeOf(total, ETH_FEE_BPS);
      await expectNothingChanged(
        f,
        () =>
          expect(f.payment.payBatch(SEPA, NATIVE, payees, amounts, REF, { value: total + fee }))
            .to.be.revertedWithCustomError(f.payment, "PaymentBatchEntryInvalid")
            .withArgs(4n),
        payees,
      );
      for (const p of payees) expect(await ethers.provider.getBalance(p)).to.equal(0n);
    });

    it("a token batch with msg.value → PaymentUnexpectedValue(value)", async function () {
      await expectNothingChanged(f, () =>
        expect(f.payment.payBatch(SEPA, f.usdAddress, [f.bob.address], [usd(1)], REF, { value: 7n }))
          .to.be.revertedWithCustomError(f.payment, "PaymentUnexpectedValue")
          .withArgs(7n),
      );
    });

    it("a native batch with the wrong value → PaymentWrongValue(expected, sent)", async function () {
      const amounts = [parseEther("1"), parseEther("2")];
      const total = parseEther("3");
      const fee = feeOf(total, ETH_FEE_BPS);
      for (const sent of [0n, total, total + fee + 1n]) {
        await expectNothingChanged(f, () =>
          expect(f.payment.payBatch(SEPA, NATIVE, [f.bob.address, f.carol.address], amounts, REF, { value: sent }))
            .to.be.revertedWithCustomError(f.payment, "PaymentWrongValue")
            .withArgs(total + fee, sent),
        );
      }
    });

    it("applies the rail limits to the batch total", async function () {
      const payees = [f.bob.address, f.carol.address, f.dave.address];
      // Each entry is under maxPerTx, the total is not.
      await expectNothingChanged(f, () =>
        expect(f.payment.payBatch(SEPA, f.usdAddress, payees, [usd(400), usd(400), usd(400)], REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailTxLimit")
          .withArgs(SEPA, f.usdAddress, usd(1_200), USD_MAX_TX),
      );
      await (await f.payment.payBatch(SEPA, f.usdAddress, payees, [usd(400), usd(300), usd(300)], REF)).wait();
      await (await f.payment.payBatch(SEPA, f.usdAddress, payees, [usd(400), usd(300), usd(300)], REF)).wait();
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(2_000));
      await expectNothingChanged(f, () =>
        expect(f.payment.payBatch(SEPA, f.usdAddress, payees, [usd(200), usd(200), usd(200)], REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(SEPA, f.usdAddress, usd(2_600), USD_MAX_DAY),
      );
      await expectNothingChanged(f, () =>
        expect(f.payment.payBatch(MOBILE, f.usdAddress, payees, [1n, 1n, 1n], REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(MOBILE, f.usdAddress),
      );
    });

    it("refuses a fee-on-transfer token with PaymentTokenShortfall on the pull", async function () {
      const amounts = [parseEther("10"), parseEther("20")];
      const total = parseEther("30");
      const pulled = total + feeOf(total, OTHER_FEE_BPS);
      await expectNothingChanged(f, () =>
        expect(f.payment.payBatch(SEPA, f.fotAddress, [f.bob.address, f.carol.address], amounts, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentTokenShortfall")
          .withArgs(f.fotAddress, pulled, pulled - pulled / 100n),
      );
    });

    it("without an allowance for total + fee reverts, all or nothing", async function () {
      const amounts = [usd(10), usd(20)];
      const total = usd(30);
      await expectNothingChanged(f, () =>
        expect(f.payment.connect(f.bob).payBatch(SEPA, f.usdAddress, [f.carol.address, f.dave.address], amounts, REF))
          .to.be.revertedWithCustomError(f.usd, "ERC20InsufficientAllowance")
          .withArgs(f.diamondAddress, 0n, total + feeOf(total, USD_FEE_BPS)),
      );
    });
  });

  // ---------------------------------------------------------------- admin

  describe("admin", function () {
    it("only PAYMENT_ADMIN_ROLE may set rails, fees and the treasury (not even the owner)", async function () {
      for (const caller of [f.alice, f.owner, f.upgrader, f.guardian]) {
        const asCaller = f.payment.connect(caller);
        await expectNothingChanged(f, async () => {
          await expect(asCaller.setPaymentRail(SEPA, f.usdAddress, 1n, 1n))
            .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, PAYMENT_ADMIN_ROLE);
          await expect(asCaller.setPaymentFee(SEPA, f.usdAddress, 1))
            .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, PAYMENT_ADMIN_ROLE);
          await expect(asCaller.setPaymentTreasury(f.treasury.address))
            .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, PAYMENT_ADMIN_ROLE);
        });
      }
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([USD_MAX_TX, USD_MAX_DAY, 0n, USD_FEE_BPS]);
      expect(await f.payment.paymentTreasury()).to.equal(ZeroAddress);
    });

    it("a revoked admin loses access", async function () {
      await (await f.diamond.connect(f.owner).revokeRole(PAYMENT_ADMIN_ROLE, f.admin.address)).wait();
      await expect(f.asAdmin.setPaymentFee(SEPA, f.usdAddress, 1))
        .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
        .withArgs(f.admin.address, PAYMENT_ADMIN_ROLE);
    });

    it("setPaymentRail emits PaymentRailSet and updates the view", async function () {
      await expect(f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, usd(5), usd(5)))
        .to.emit(f.payment, "PaymentRailSet")
        .withArgs(MOBILE, f.usdAddress, usd(5), usd(5));
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([usd(5), usd(5), 0n, 0n]);
    });

    it("rejects a daily limit below the per-tx limit with PaymentRailLimitsInvalid", async function () {
      await expectNothingChanged(f, () =>
        expect(f.asAdmin.setPaymentRail(SEPA, f.usdAddress, 100n, 99n))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailLimitsInvalid")
          .withArgs(100n, 99n),
      );
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([USD_MAX_TX, USD_MAX_DAY, 0n, USD_FEE_BPS]);
    });

    it("setPaymentFee accepts up to 500 bps and rejects more with PaymentFeeTooHigh(fee, 500)", async function () {
      await expect(f.asAdmin.setPaymentFee(SEPA, f.usdAddress, MAX_FEE_BPS))
        .to.emit(f.payment, "PaymentFeeSet")
        .withArgs(SEPA, f.usdAddress, MAX_FEE_BPS);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).feeBps).to.equal(MAX_FEE_BPS);
      for (const fee of [MAX_FEE_BPS + 1n, 10_000n, 65_535n]) {
        await expectNothingChanged(f, () =>
          expect(f.asAdmin.setPaymentFee(SEPA, f.usdAddress, fee))
            .to.be.revertedWithCustomError(f.payment, "PaymentFeeTooHigh")
            .withArgs(fee, MAX_FEE_BPS),
        );
        // The cap is the same on a channel whose rail is not enabled.
        await expect(f.asAdmin.setPaymentFee(MOBILE, f.usdAddress, fee))
          .to.be.revertedWithCustomError(f.payment, "PaymentFeeTooHigh")
          .withArgs(fee, MAX_FEE_BPS);
      }
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).feeBps).to.equal(MAX_FEE_BPS);
      expect((await f.payment.paymentRail(MOBILE, f.usdAddress)).feeBps).to.equal(0n);
    });

    it("setPaymentTreasury emits PaymentTreasurySet and refuses zero with PaymentTreasuryNotSet", async function () {
      await expect(f.asAdmin.setPaymentTreasury(f.treasury.address))
        .to.emit(f.payment, "PaymentTreasurySet")
        .withArgs(f.treasury.address);
      expect(await f.payment.paymentTreasury()).to.equal(f.treasury.address);
      await expect(f.asAdmin.setPaymentTreasury(ZeroAddress)).to.be.revertedWithCustomError(
        f.payment,
        "PaymentTreasuryNotSet",
      );
      expect(await f.payment.paymentTreasury()).to.equal(f.treasury.address);
    });
  });

  // ---------------------------------------------------------------- fees per rail

  describe("fees per rail (channel, token)", function () {
    const MOBILE_USD_FEE_BPS = 120n;
    const MOBILE_ETH_FEE_BPS = 200n;

    it("charges and accrues each channel's own fee for the same token (pay and payBatch)", async function () {
      await (await f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, USD_MAX_TX, USD_MAX_DAY)).wait();
      await expect(f.asAdmin.setPaymentFee(MOBILE, f.usdAddress, MOBILE_USD_FEE_BPS))
        .to.emit(f.payment, "PaymentFeeSet")
        .withArgs(MOBILE, f.usdAddress, MOBILE_USD_FEE_BPS);
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([
        USD_MAX_TX,
        USD_MAX_DAY,
        0n,
        MOBILE_USD_FEE_BPS,
      ]);
      // Setting MOBILE's fee left SEPA's alone.
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([USD_MAX_TX, USD_MAX_DAY, 0n, USD_FEE_BPS]);

      const amount = usd("333.333333");
      const sepaFee = feeOf(amount, USD_FEE_BPS);
      const mobileFee = feeOf(amount, MOBILE_USD_FEE_BPS);
      expect(sepaFee).to.equal(999_999n);
      expect(mobileFee).to.equal(3_999_999n);

      let payerBefore = await f.usd.balanceOf(f.alice.address);
      await expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, amount, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.bob.address, SEPA, f.usdAddress, amount, sepaFee);
      expect(payerBefore - (await f.usd.balanceOf(f.alice.address))).to.equal(amount + sepaFee);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(sepaFee);

      payerBefore = await f.usd.balanceOf(f.alice.address);
      await expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, amount, REF2))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF2, f.alice.address, f.bob.address, MOBILE, f.usdAddress, amount, mobileFee);
      expect(payerBefore - (await f.usd.balanceOf(f.alice.address))).to.equal(amount + mobileFee);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(sepaFee + mobileFee);

      // A batch over MOBILE pays MOBILE's fee on its total.
      const amounts = [usd(100), usd("50.5")];
      const total = usd("150.5");
      const batchFee = feeOf(total, MOBILE_USD_FEE_BPS);
      payerBefore = await f.usd.balanceOf(f.alice.address);
      await expect(f.payment.payBatch(MOBILE, f.usdAddress, [f.carol.address, f.dave.address], amounts, REF))
        .to.emit(f.payment, "PaymentBatchSent")
        .withArgs(REF, f.alice.address, MOBILE, f.usdAddress, 2n, total, batchFee);
      expect(payerBefore - (await f.usd.balanceOf(f.alice.address))).to.equal(total + batchFee);

      const accrued = sepaFee + mobileFee + batchFee;
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(accrued);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(accrued);
      expect(await f.usd.balanceOf(f.bob.address)).to.equal(usd(100_000) + 2n * amount);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(amount);
      expect((await f.payment.paymentRail(MOBILE, f.usdAddress)).spentToday).to.equal(amount + total);
    });

    it("native: payNative over each channel needs that channel's amount + fee", async function () {
      await (await f.asAdmin.setPaymentRail(MOBILE, NATIVE, ETH_MAX_TX, ETH_MAX_DAY)).wait();
      await expect(f.asAdmin.setPaymentFee(MOBILE, NATIVE, MOBILE_ETH_FEE_BPS))
        .to.emit(f.payment, "PaymentFeeSet")
        .withArgs(MOBILE, NATIVE, MOBILE_ETH_FEE_BPS);
      const amount = parseEther("1.5");
      const sepaFee = feeOf(amount, ETH_FEE_BPS);
      const mobileFee = feeOf(amount, MOBILE_ETH_FEE_BPS);

      // SEPA's amount + fee is the wrong value on MOBILE.
      await expectNothingChanged(f, () =>
        expect(f.payment.payNative(MOBILE, f.carol.address, amount, REF, { value: amount + sepaFee }))
          .to.be.revertedWithCustomError(f.payment, "PaymentWrongValue")
          .withArgs(amount + mobileFee, amount + sepaFee),
      );
      const carolBefore = await ethers.provider.getBalance(f.carol.address);
      const paidMobile = await paidExcludingGas(f.alice, () =>
        f.payment.payNative(MOBILE, f.carol.address, amount, REF, { value: amount + mobileFee }),
      );
      const paidSepa = await paidExcludingGas(f.alice, () =>
        f.payment.payNative(SEPA, f.carol.address, amount, REF, { value: amount + sepaFee }),
      );
      expect(paidMobile).to.equal(amount + mobileFee);
      expect(paidSepa).to.equal(amount + sepaFee);
      expect((await ethers.provider.getBalance(f.carol.address)) - carolBefore).to.equal(2n * amount);
      expect(await f.payment.accruedPaymentFees(NATIVE)).to.equal(sepaFee + mobileFee);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(sepaFee + mobileFee);
    });

    it("a fee set on a rail that is not enabled is kept when it is enabled, its limits change or it is re-enabled", async function () {
      const feeBps = 75n;
      await expect(f.asAdmin.setPaymentFee(MOBILE, f.usdAddress, feeBps))
        .to.emit(f.payment, "PaymentFeeSet")
        .withArgs(MOBILE, f.usdAddress, feeBps);
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([0n, 0n, 0n, feeBps]);
      // The fee alone does not enable the rail.
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, usd(1), REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(MOBILE, f.usdAddress),
      );

      await expect(f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, usd(500), usd(800)))
        .to.emit(f.payment, "PaymentRailSet")
        .withArgs(MOBILE, f.usdAddress, usd(500), usd(800));
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([usd(500), usd(800), 0n, feeBps]);
      const amount = usd(100);
      await expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, amount, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.bob.address, MOBILE, f.usdAddress, amount, feeOf(amount, feeBps));

      // New limits the same day: the fee and today's spending stay.
      await (await f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, usd(600), usd(900))).wait();
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([usd(600), usd(900), amount, feeBps]);
      await expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, amount, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.bob.address, MOBILE, f.usdAddress, amount, feeOf(amount, feeBps));

      // Disabled and enabled again (on a later day): still the same fee.
      await (await f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, 0, 0)).wait();
      const disabled = await f.payment.paymentRail(MOBILE, f.usdAddress);
      expect([disabled.maxPerTx, disabled.maxPerDay, disabled.feeBps]).to.deep.equal([0n, 0n, feeBps]);
      await networkHelpers.time.increase(DAY);
      await (await f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, usd(500), usd(800))).wait();
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([usd(500), usd(800), 0n, feeBps]);
      await expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, amount, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.bob.address, MOBILE, f.usdAddress, amount, feeOf(amount, feeBps));
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(3n * feeOf(amount, feeBps));
    });

    it("changing a fee keeps the rail's limits and today's spending", async function () {
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(700), REF)).wait();
      await expect(f.asAdmin.setPaymentFee(SEPA, f.usdAddress, 10))
        .to.emit(f.payment, "PaymentFeeSet")
        .withArgs(SEPA, f.usdAddress, 10n);
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([USD_MAX_TX, USD_MAX_DAY, usd(700), 10n]);
      await expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1_000), REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.bob.address, SEPA, f.usdAddress, usd(1_000), usd(1));
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(801), REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(SEPA, f.usdAddress, usd(2_501), USD_MAX_DAY),
      );
    });
  });

  // ---------------------------------------------------------------- rail limits changed mid-day

  describe("changing a rail's limits mid-day", function () {
    async function spend(f: Fixture, ...amounts: bigint[]) {
      for (const amount of amounts) {
        await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, amount, REF)).wait();
      }
    }

    /** Sets SEPA's limits (evented) and checks the rail then reads them with `spentToday`. */
    async function setRail(f: Fixture, maxPerTx: bigint, maxPerDay: bigint, spentToday: bigint) {
      await expect(f.asAdmin.setPaymentRail(SEPA, f.usdAddress, maxPerTx, maxPerDay))
        .to.emit(f.payment, "PaymentRailSet")
        .withArgs(SEPA, f.usdAddress, maxPerTx, maxPerDay);
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([
        maxPerTx,
        maxPerDay,
        spentToday,
        USD_FEE_BPS,
      ]);
    }

    /** Paying `amount` on SEPA is refused, as today's spending would be `spent` > `maxPerDay`. */
    async function expectOverDailyLimit(f: Fixture, amount: bigint, spent: bigint, maxPerDay: bigint) {
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, amount, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(SEPA, f.usdAddress, spent, maxPerDay),
      );
    }

    it("raising the daily limit keeps today's spending and allows up to the new limit", async function () {
      await spend(f, usd(1_000), usd(1_000));
      const newMaxPerDay = usd(4_000);
      await setRail(f, USD_MAX_TX, newMaxPerDay, usd(2_000));

      // The old limit (2,500) no longer applies: 2,000 more fit today, not one unit beyond.
      await spend(f, usd(1_000), usd(1_000));
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(newMaxPerDay);
      await expectOverDailyLimit(f, 1n, newMaxPerDay + 1n, newMaxPerDay);
    });

    it("lowering the daily limit above today's spending keeps it; payments are checked against the new limit", async function () {
      await spend(f, usd(1_000), usd(500));
      const newMaxPerDay = usd(2_000);
      await setRail(f, USD_MAX_TX, newMaxPerDay, usd(1_500));
      // 600 would have fitted under the old limit (2,100 <= 2,500), not under the new one.
      await expectOverDailyLimit(f, usd(600), usd(2_100), newMaxPerDay);
      await spend(f, usd(500));
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(newMaxPerDay);
      await expectOverDailyLimit(f, 1n, newMaxPerDay + 1n, newMaxPerDay);
    });

    it("lowering the daily limit to today's spending leaves nothing for today; the next day has the new limit", async function () {
      await spend(f, usd(1_000), usd(800));
      const newMaxPerDay = usd(1_800);
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, USD_MAX_TX, newMaxPerDay)).wait();
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([
        USD_MAX_TX,
        newMaxPerDay,
        newMaxPerDay,
        USD_FEE_BPS,
      ]);
      await expectOverDailyLimit(f, 1n, newMaxPerDay + 1n, newMaxPerDay);

      await networkHelpers.time.increase(DAY);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(0n);
      await spend(f, usd(1_000), usd(800));
      await expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, 1n, REF))
        .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
        .withArgs(SEPA, f.usdAddress, newMaxPerDay + 1n, newMaxPerDay);
    });

    it("lowering the daily limit below today's spending remembers all of it; raising it back allows only the rest", async function () {
      await spend(f, usd(1_000), usd(1_000));
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, USD_MAX_TX, usd(1_500))).wait();
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([
        USD_MAX_TX,
        usd(1_500),
        usd(2_000),
        USD_FEE_BPS,
      ]);
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, 1n, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(SEPA, f.usdAddress, usd(2_000) + 1n, usd(1_500)),
      );
      // Back to 2,500 the same day: 500 are left, not 1,000.
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, USD_MAX_TX, USD_MAX_DAY)).wait();
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(2_000));
      await expectOverDailyLimit(f, usd(501), usd(2_501), USD_MAX_DAY);
      await spend(f, usd(500));
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(USD_MAX_DAY);
    });

    it("disabling and re-enabling a rail the same day keeps today's spending", async function () {
      await spend(f, usd(1_000), usd(1_000));
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, 0n, 0n)).wait();
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([0n, 0n, usd(2_000), USD_FEE_BPS]);
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, 1n, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDisabled")
          .withArgs(SEPA, f.usdAddress),
      );
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, USD_MAX_TX, USD_MAX_DAY)).wait();
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(usd(2_000));
      await expectOverDailyLimit(f, usd(501), usd(2_501), USD_MAX_DAY);
      // The next day starts from zero.
      await networkHelpers.time.increase(DAY);
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(0n);
      await spend(f, usd(1_000), usd(1_000), usd(500));
    });

    it("changing only the per-transaction limit keeps today's spending", async function () {
      await spend(f, usd(1_000), usd(1_000));
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, usd(300), USD_MAX_DAY)).wait();
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([
        usd(300),
        USD_MAX_DAY,
        usd(2_000),
        USD_FEE_BPS,
      ]);
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(400), REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailTxLimit")
          .withArgs(SEPA, f.usdAddress, usd(400), usd(300)),
      );
      await spend(f, usd(300));
      await expectOverDailyLimit(f, usd(300), usd(2_600), USD_MAX_DAY);
    });

    it("a limit change on a later day than the last payment starts that day at the new limit", async function () {
      await spend(f, usd(1_000), usd(1_000));
      await networkHelpers.time.increase(DAY);
      const newMaxPerDay = usd(1_500);
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, USD_MAX_TX, newMaxPerDay)).wait();
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([
        USD_MAX_TX,
        newMaxPerDay,
        0n,
        USD_FEE_BPS,
      ]);
      await spend(f, usd(1_000), usd(500));
      expect((await f.payment.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(newMaxPerDay);
      await expectOverDailyLimit(f, 1n, newMaxPerDay + 1n, newMaxPerDay);
    });

    it("limits of 2^96 - 1: one payment of the whole limit with a 5 % fee, then one unit more is refused", async function () {
      // Raised from today's spending on SEPA too: the spending is kept at the widest limits.
      await spend(f, usd(1_000));
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, MAX_LIMIT, MAX_LIMIT)).wait();
      expect(await f.payment.paymentRail(SEPA, f.usdAddress)).to.deep.equal([
        MAX_LIMIT,
        MAX_LIMIT,
        usd(1_000),
        USD_FEE_BPS,
      ]);

      await expect(f.asAdmin.setPaymentRail(MOBILE, f.usdAddress, MAX_LIMIT, MAX_LIMIT))
        .to.emit(f.payment, "PaymentRailSet")
        .withArgs(MOBILE, f.usdAddress, MAX_LIMIT, MAX_LIMIT);
      await (await f.asAdmin.setPaymentFee(MOBILE, f.usdAddress, MAX_FEE_BPS)).wait();
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([MAX_LIMIT, MAX_LIMIT, 0n, MAX_FEE_BPS]);

      const fee = feeOf(MAX_LIMIT, MAX_FEE_BPS);
      await (await f.usd.mint(f.dave.address, MAX_LIMIT + fee)).wait();
      await (await f.usd.connect(f.dave).approve(f.diamondAddress, MAX_LIMIT + fee)).wait();
      const asDave = f.payment.connect(f.dave);
      await expectNothingChanged(f, () =>
        expect(asDave.pay(MOBILE, f.usdAddress, f.erin.address, MAX_LIMIT + 1n, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailTxLimit")
          .withArgs(MOBILE, f.usdAddress, MAX_LIMIT + 1n, MAX_LIMIT),
      );
      await expect(asDave.pay(MOBILE, f.usdAddress, f.erin.address, MAX_LIMIT, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.dave.address, f.erin.address, MOBILE, f.usdAddress, MAX_LIMIT, fee);
      expect(await f.usd.balanceOf(f.erin.address)).to.equal(MAX_LIMIT);
      expect(await f.usd.balanceOf(f.dave.address)).to.equal(0n);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(fee + feeOf(usd(1_000), USD_FEE_BPS));
      expect(await f.payment.paymentRail(MOBILE, f.usdAddress)).to.deep.equal([
        MAX_LIMIT,
        MAX_LIMIT,
        MAX_LIMIT,
        MAX_FEE_BPS,
      ]);
      await expectNothingChanged(f, () =>
        expect(f.payment.pay(MOBILE, f.usdAddress, f.bob.address, 1n, REF))
          .to.be.revertedWithCustomError(f.payment, "PaymentRailDailyLimit")
          .withArgs(MOBILE, f.usdAddress, MAX_LIMIT + 1n, MAX_LIMIT),
      );
      await networkHelpers.time.increase(DAY);
      expect((await f.payment.paymentRail(MOBILE, f.usdAddress)).spentToday).to.equal(0n);
    });
  });

  // ---------------------------------------------------------------- withdrawPaymentFees

  describe("withdrawPaymentFees", function () {
    it("sends the accrued ERC-20 fees to the treasury and zeroes them (anyone may call)", async function () {
      const amount = usd(800);
      const fee = feeOf(amount, USD_FEE_BPS);
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, amount, REF)).wait();
      await (await f.asAdmin.setPaymentTreasury(f.treasury.address)).wait();

      await expect(f.payment.connect(f.dave).withdrawPaymentFees(f.usdAddress))
        .to.emit(f.payment, "PaymentFeesWithdrawn")
        .withArgs(f.usdAddress, f.treasury.address, fee);
      expect(await f.usd.balanceOf(f.treasury.address)).to.equal(fee);
      expect(await f.payment.accruedPaymentFees(f.usdAddress)).to.equal(0n);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(0n);

      await expect(f.payment.withdrawPaymentFees(f.usdAddress))
        .to.be.revertedWithCustomError(f.payment, "PaymentNoFeesAccrued")
        .withArgs(f.usdAddress);
    });

    it("sends the accrued native fees to the treasury and zeroes them", async function () {
      const amount = parseEther("4");
      const fee = feeOf(amount, ETH_FEE_BPS);
      await (await f.payment.payNative(SEPA, f.carol.address, amount, REF, { value: amount + fee })).wait();
      await (await f.asAdmin.setPaymentTreasury(f.treasury.address)).wait();
      const treasuryBefore = await ethers.provider.getBalance(f.treasury.address);

      await expect(f.payment.connect(f.dave).withdrawPaymentFees(NATIVE))
        .to.emit(f.payment, "PaymentFeesWithdrawn")
        .withArgs(NATIVE, f.treasury.address, fee);
      expect((await ethers.provider.getBalance(f.treasury.address)) - treasuryBefore).to.equal(fee);
      expect(await f.payment.accruedPaymentFees(NATIVE)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(0n);
    });

    it("without a treasury → PaymentTreasuryNotSet", async function () {
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(800), REF)).wait();
      await expectNothingChanged(f, () =>
        expect(f.payment.withdrawPaymentFees(f.usdAddress)).to.be.revertedWithCustomError(
          f.payment,
          "PaymentTreasuryNotSet",
        ),
      );
    });

    it("with nothing accrued → PaymentNoFeesAccrued(token)", async function () {
      await (await f.asAdmin.setPaymentTreasury(f.treasury.address)).wait();
      await expectNothingChanged(f, async () => {
        await expect(f.payment.withdrawPaymentFees(f.usdAddress))
          .to.be.revertedWithCustomError(f.payment, "PaymentNoFeesAccrued")
          .withArgs(f.usdAddress);
        await expect(f.payment.withdrawPaymentFees(NATIVE))
          .to.be.revertedWithCustomError(f.payment, "PaymentNoFeesAccrued")
          .withArgs(NATIVE);
      });
    });

    it("a treasury that refuses native currency → PaymentNativeTransferFailed, fees kept", async function () {
      const amount = parseEther("4");
      const fee = feeOf(amount, ETH_FEE_BPS);
      await (await f.payment.payNative(SEPA, f.carol.address, amount, REF, { value: amount + fee })).wait();
      const receiver = await deployReceiver(f.owner);
      await (await receiver.setMode(RECEIVER_MODE.Reject)).wait();
      const to = await receiver.getAddress();
      await (await f.asAdmin.setPaymentTreasury(to)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.payment.withdrawPaymentFees(NATIVE))
            .to.be.revertedWithCustomError(f.payment, "PaymentNativeTransferFailed")
            .withArgs(to, fee),
        [to],
      );
      expect(await f.payment.accruedPaymentFees(NATIVE)).to.equal(fee);
    });

    it("a treasury re-entering withdrawPaymentFees is refused; the fees are paid once", async function () {
      const amount = parseEther("4");
      const fee = feeOf(amount, ETH_FEE_BPS);
      await (await f.payment.payNative(SEPA, f.carol.address, amount, REF, { value: amount + fee })).wait();
      const receiver = await deployReceiver(f.owner);
      const to = await receiver.getAddress();
      await (
        await receiver.setReentry(
          f.diamondAddress,
          paymentIface.encodeFunctionData("withdrawPaymentFees", [NATIVE]),
          0n,
          false,
        )
      ).wait();
      await (await f.asAdmin.setPaymentTreasury(to)).wait();

      await (await f.payment.withdrawPaymentFees(NATIVE)).wait();
      expect(await receiver.reentryAttempts()).to.equal(1n);
      expect(await receiver.lastReentrySucceeded()).to.equal(false);
      expect(await receiver.lastReentryError()).to.equal(REENTRANT_CALL_SELECTOR);
      expect(await ethers.provider.getBalance(to)).to.equal(fee);
      expect(await f.payment.accruedPaymentFees(NATIVE)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(0n);
    });
  });

  // ---------------------------------------------------------------- credits (claimCredit)

  describe("credits of refused payouts, claimed with the credit module's claimCredit", function () {
    it("without a credit → CreditNone(token, caller), for an ERC-20 and the native currency", async function () {
      await expectNothingChanged(f, async () => {
        await expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address))
          .to.be.revertedWithCustomError(f.suite, "CreditNone")
          .withArgs(f.blAddress, f.bob.address);
        await expect(f.suite.connect(f.bob).claimCredit(NATIVE, f.bob.address))
          .to.be.revertedWithCustomError(f.suite, "CreditNone")
          .withArgs(NATIVE, f.bob.address);
      });
    });

    it("a credit is claimable only by its account, and only in its token", async function () {
      const amount = parseEther("12.5");
      await creditBob(f, amount);
      await expectNothingChanged(f, async () => {
        for (const caller of [f.alice, f.dave, f.admin]) {
          await expect(f.suite.connect(caller).claimCredit(f.blAddress, caller.address))
            .to.be.revertedWithCustomError(f.suite, "CreditNone")
            .withArgs(f.blAddress, caller.address);
        }
        for (const token of [f.usdAddress, NATIVE]) {
          await expect(f.suite.connect(f.bob).claimCredit(token, f.bob.address))
            .to.be.revertedWithCustomError(f.suite, "CreditNone")
            .withArgs(token, f.bob.address);
        }
      });
    });

    it("to the zero address or the diamond → CreditRecipientInvalid(to), with or without a credit", async function () {
      for (const to of [ZeroAddress, f.diamondAddress]) {
        await expectNothingChanged(f, () =>
          expect(f.suite.connect(f.dave).claimCredit(NATIVE, to))
            .to.be.revertedWithCustomError(f.suite, "CreditRecipientInvalid")
            .withArgs(to),
        );
      }
      const amount = parseEther("3");
      await creditBob(f, amount);
      for (const to of [ZeroAddress, f.diamondAddress]) {
        await expectNothingChanged(f, () =>
          expect(f.suite.connect(f.bob).claimCredit(f.blAddress, to))
            .to.be.revertedWithCustomError(f.suite, "CreditRecipientInvalid")
            .withArgs(to),
        );
      }
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(amount);
    });

    it("pays the caller's whole credit to `to`; only the credit and the two balances change", async function () {
      // Two refused payouts add up to one credit, next to accrued fees in the same token.
      await (await f.payment.pay(SEPA, f.blAddress, f.carol.address, parseEther("100"), REF)).wait();
      const first = parseEther("7");
      const second = parseEther("0.000000000000000123");
      await creditBob(f, first);
      await creditBob(f, second);
      const credit = first + second;
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(credit);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(credit);
      const fee = feeOf(parseEther("100"), OTHER_FEE_BPS);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(fee + credit);

      const before = await snapshot(f);
      const receipt = await (await f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address)).wait();
      if (receipt === null) throw new Error("transaction dropped");
      await expect(receipt.hash)
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(f.blAddress, f.bob.address, f.dave.address, credit);

      const diamond = f.diamondAddress;
      const bob = f.bob.address;
      const dave = f.dave.address;
      expect(await snapshot(f)).to.deep.equal({
        ...before,
        [`bl:${dave}`]: (BigInt(before[`bl:${dave}`]) + credit).toString(),
        [`bl:${diamond}`]: fee.toString(),
        [`credit:bl:${bob}`]: "0",
        "credits:bl": "0",
        // Bob paid the gas of his claim, nothing else.
        [`eth:${bob}`]: (BigInt(before[`eth:${bob}`]) - receipt.gasUsed * receipt.gasPrice).toString(),
      });
      expect(await f.payment.accruedPaymentFees(f.blAddress)).to.equal(fee);

      // The credit is gone: a second claim has nothing to pay.
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address))
          .to.be.revertedWithCustomError(f.suite, "CreditNone")
          .withArgs(f.blAddress, f.bob.address),
      );
    });

    it("the account may claim to itself once the token no longer blocks it", async function () {
      const amount = parseEther("2");
      await creditBob(f, amount);
      const bobBefore = await f.bl.balanceOf(f.bob.address);
      await expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(f.blAddress, f.bob.address, f.bob.address, amount);
      expect((await f.bl.balanceOf(f.bob.address)) - bobBefore).to.equal(amount);
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(0n);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(0n);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(0n);
    });

    it("withdrawPaymentFees sends only the accrued fees; the credits stay in the diamond, claimable", async function () {
      const amount = parseEther("100");
      const fee = feeOf(amount, OTHER_FEE_BPS);
      await (await f.payment.pay(SEPA, f.blAddress, f.carol.address, amount, REF)).wait();
      const credit = parseEther("40");
      await creditBob(f, credit);
      await (await f.asAdmin.setPaymentTreasury(f.treasury.address)).wait();

      await expect(f.payment.withdrawPaymentFees(f.blAddress))
        .to.emit(f.payment, "PaymentFeesWithdrawn")
        .withArgs(f.blAddress, f.treasury.address, fee);
      expect(await f.bl.balanceOf(f.treasury.address)).to.equal(fee);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(credit);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(credit);
      await expectNothingChanged(f, () =>
        expect(f.payment.withdrawPaymentFees(f.blAddress))
          .to.be.revertedWithCustomError(f.payment, "PaymentNoFeesAccrued")
          .withArgs(f.blAddress),
      );

      await (await f.suite.connect(f.bob).claimCredit(f.blAddress, f.erin.address)).wait();
      expect(await f.bl.balanceOf(f.erin.address)).to.equal(credit);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(0n);
    });
  });

  // ---------------------------------------------------------------- reentrancy

  describe("reentrancy through a malicious token", function () {
    it("a token re-entering pay during transferFrom gets ReentrancyGuardReentrantCall; accounting stays exact", async function () {
      // The token tries to make the diamond pay carol out of alice's allowance.
      await (
        await f.re.arm(
          f.diamondAddress,
          paymentIface.encodeFunctionData("pay", [SEPA, f.reAddress, f.carol.address, parseEther("1"), REF2]),
        )
      ).wait();
      const amount = parseEther("100");
      const fee = feeOf(amount, OTHER_FEE_BPS);
      const payerBefore = await f.re.balanceOf(f.alice.address);

      await expect(f.payment.pay(SEPA, f.reAddress, f.bob.address, amount, REF))
        .to.emit(f.payment, "PaymentSent")
        .withArgs(REF, f.alice.address, f.bob.address, SEPA, f.reAddress, amount, fee);

      // One attempt per transferFrom: payer → payee, then the fee pull.
      expect(await f.re.reentryAttempts()).to.equal(2n);
      expect(await f.re.lastReentrySucceeded()).to.equal(false);
      expect(await f.re.lastReentryError()).to.equal(REENTRANT_CALL_SELECTOR);
      expect(await f.re.balanceOf(f.carol.address)).to.equal(0n);
      expect(await f.re.balanceOf(f.bob.address)).to.equal(amount);
      expect(payerBefore - (await f.re.balanceOf(f.alice.address))).to.equal(amount + fee);
      expect(await f.payment.accruedPaymentFees(f.reAddress)).to.equal(fee);
      expect(await f.re.balanceOf(f.diamondAddress)).to.equal(fee);
      expect((await f.payment.paymentRail(SEPA, f.reAddress)).spentToday).to.equal(amount);
    });

    it("a token re-entering withdrawPaymentFees during a batch payout is refused", async function () {
      // Fees to steal: accrue some first, with the token disarmed.
      await (await f.payment.pay(SEPA, f.reAddress, f.bob.address, parseEther("100"), REF)).wait();
      await (await f.asAdmin.setPaymentTreasury(f.treasury.address)).wait();
      const accrued = await f.payment.accruedPaymentFees(f.reAddress);
      await (
        await f.re.arm(f.diamondAddress, paymentIface.encodeFunctionData("withdrawPaymentFees", [f.reAddress]))
      ).wait();

      const payees = [f.carol.address, f.dave.address];
      const amounts = [parseEther("10"), parseEther("20")];
      const total = parseEther("30");
      const fee = feeOf(total, OTHER_FEE_BPS);
      await (await f.payment.payBatch(SEPA, f.reAddress, payees, amounts, REF)).wait();

      // transferFrom (pull) + 2 transfers.
      expect(await f.re.reentryAttempts()).to.equal(3n);
      expect(await f.re.lastReentrySucceeded()).to.equal(false);
      expect(await f.re.lastReentryError()).to.equal(REENTRANT_CALL_SELECTOR);
      expect(await f.re.balanceOf(f.treasury.address)).to.equal(0n);
      expect(await f.payment.accruedPaymentFees(f.reAddress)).to.equal(accrued + fee);
      expect(await f.re.balanceOf(f.diamondAddress)).to.equal(accrued + fee);
      expect(await f.re.balanceOf(f.carol.address)).to.equal(amounts[0]);
      expect(await f.re.balanceOf(f.dave.address)).to.equal(amounts[1]);
    });
  });

  // ---------------------------------------------------------------- pause

  describe("pause", function () {
    it("a paused payment module refuses payments with DiamondModulePaused; unpausing restores them", async function () {
      await creditBob(f, parseEther("1"));
      // The module's views are paused too: compare the state before the pause and after it.
      const before = await snapshot(f);
      await (await f.diamond.connect(f.guardian).pauseModule(PAYMENT_ID)).wait();
      expect(await f.diamond.isModulePaused(PAYMENT_ID)).to.equal(true);
      await expect(f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1), REF))
        .to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused")
        .withArgs(PAYMENT_ID);
      await expect(f.payment.payNative(SEPA, f.bob.address, 1000n, REF, { value: 1005n }))
        .to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused")
        .withArgs(PAYMENT_ID);
      await expect(f.payment.payBatch(SEPA, f.usdAddress, [f.bob.address], [usd(1)], REF))
        .to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused")
        .withArgs(PAYMENT_ID);
      await expect(f.payment.accruedPaymentFees(f.usdAddress))
        .to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused")
        .withArgs(PAYMENT_ID);
      // Claims belong to the credit module: the guardian pauses it on its own.
      await (await f.diamond.connect(f.guardian).pauseModule(CREDIT_ID)).wait();
      await expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address))
        .to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused")
        .withArgs(CREDIT_ID);

      await (await f.diamond.connect(f.owner).unpauseModule(CREDIT_ID)).wait();
      await (await f.diamond.connect(f.owner).unpauseModule(PAYMENT_ID)).wait();
      expect(await snapshot(f)).to.deep.equal(before);
      await (await f.payment.pay(SEPA, f.usdAddress, f.bob.address, usd(1), REF)).wait();
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(feeOf(usd(1), USD_FEE_BPS));
      await expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(f.blAddress, f.bob.address, f.bob.address, parseEther("1"));
    });
  });

  // ---------------------------------------------------------------- gas

  describe("gas", function () {
    itUnlessCoverage(
      GAS,
      "pay vs a plain transferFrom, both to a payee that already holds tokens, fee 0",
      async function () {
        await (await f.asAdmin.setPaymentFee(SEPA, f.usdAddress, 0)).wait();
        const amount = usd(100);
        // Payees already hold tokens; the spender EOA has a finite allowance, like the diamond.
        await (await f.usd.mint(f.dave.address, usd(1))).wait();
        await (await f.usd.mint(f.erin.address, usd(1))).wait();
        await (await f.usd.connect(f.alice).approve(f.spender.address, usd(50_000))).wait();
        // Steady state for the rail: its word already written today.
        await (await f.payment.pay(SEPA, f.usdAddress, f.carol.address, usd(1), REF)).wait();

        const plain = await gasOf(f.usd.connect(f.spender).transferFrom(f.alice.address, f.dave.address, amount));
        const viaPay = await gasOf(f.payment.pay(SEPA, f.usdAddress, f.erin.address, amount, REF));
        console.log(`        plain transferFrom: ${plain} gas`);
        console.log(`        pay (fee 0):        ${viaPay} gas`);
        console.log(`        difference:         ${viaPay - plain} gas`);
        expect(await f.usd.balanceOf(f.erin.address)).to.equal(usd(1) + amount);
        expect(viaPay).to.be.greaterThan(plain);
        // Measured ~20.7k: calldata, dispatch (cold facet + selector SLOAD), cold token call,
        // the rail's word (limits, today's allowance, fee) read and written, 2 balanceOf, event,
        // guard. Budget with ~4 % headroom.
        expect(viaPay - plain).to.be.at.most(21_600n);
      },
    );

    it("pay with a fee, and the first payment on a rail today (the rail's word and the daily limit read)", async function () {
      const amount = usd(100);
      await (await f.usd.mint(f.dave.address, usd(1))).wait();
      await (await f.usd.mint(f.erin.address, usd(1))).wait();
      const first = await gasOf(f.payment.pay(SEPA, f.usdAddress, f.dave.address, amount, REF));
      const next = await gasOf(f.payment.pay(SEPA, f.usdAddress, f.erin.address, amount, REF));
      console.log(`        pay (fee 30 bps), first on the rail: ${first} gas`);
      console.log(`        pay (fee 30 bps), steady state:      ${next} gas`);
    });

    it("a batch payout of 10 new recipients vs 10 × a plain transfer to a new holder", async function () {
      await (await f.asAdmin.setPaymentFee(SEPA, f.usdAddress, 0)).wait();
      const amount = usd(10);
      const plainOne = await gasOf(f.usd.connect(f.alice).transfer(Wallet.createRandom().address, amount));

      const payees = randomAddresses(10);
      const amounts = payees.map(() => amount);
      const batch = await gasOf(f.payment.payBatch(SEPA, f.usdAddress, payees, amounts, REF));
      for (const p of payees) expect(await f.usd.balanceOf(p)).to.equal(amount);

      await (await f.asAdmin.setPaymentFee(SEPA, f.usdAddress, USD_FEE_BPS)).wait();
      const batchWithFee = await gasOf(f.payment.payBatch(SEPA, f.usdAddress, randomAddresses(10), amounts, REF));

      console.log(`        plain transfer to a new holder: ${plainOne} gas (× 10 = ${10n * plainOne})`);
      console.log(`        payBatch of 10 new recipients (fee 0):      ${batch} gas`);
      console.log(`        payBatch of 10 new recipients (fee 30 bps): ${batchWithFee} gas`);
      console.log(`        saving vs 10 transfers (fee 0): ${10n * plainOne - batch} gas`);
      expect(batch).to.be.at.most(10n * plainOne + 30_000n);
      expect(batchWithFee).to.be.at.most(10n * plainOne + 30_000n);
    });
  });
});
