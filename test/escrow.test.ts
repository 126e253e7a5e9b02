// Payment module, escrow: create (ERC-20 and native), release, refund, reclaim after the
// deadline, dispute and arbiter resolution with any split, one transition per escrow,
// payouts a recipient refuses (a rejecting native receiver, a token's blocklist) credited and
// claimed, re-entry, the diamond's solvency and gas budgets.
import { expect } from "chai";
import { network } from "hardhat";
import {
  encodeBytes32String,
  id as keccakUtf8,
  parseEther,
  ZeroAddress,
  type ContractTransactionReceipt,
  type TransactionReceipt,
} from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { escrowIdOf, escrowTerms, PAYMENT_ADMIN_ROLE, type EscrowTerms } from "../scripts/lib/payment.js";
import { coreFixture, expectUnchanged } from "./helpers.js";
import {
  expectSolvent as expectSuiteSolvent,
  installPayment,
  MOBILE,
  NATIVE,
  PAYMENT_ID,
  paymentState,
  deployReceiver,
  RECEIVER_MODE,
  SEPA,
  usd,
  type WatchedAsset,
} from "./support/payment.js";
import {
  ICredit__factory,
  IFinanceSuite__factory,
  MockBlocklistToken__factory,
  MockFeeOnTransferToken__factory,
  MockStablecoin__factory,
  PaymentEscrowFacet__factory,
  PaymentFacet__factory,
} from "../typechain-types/index.js";
import type { MockNativeReceiver } from "../typechain-types/index.js";
import { GAS, itUnlessCoverage } from "./support/coverage.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

// ------------------------------------------------------------------ constants

const DAY = 86_400n;
const WEEK = 7n * DAY;

const REF = encodeBytes32String("ORDER-0001");
const REF2 = encodeBytes32String("ORDER-0002");

const USD_MAX_TX = usd(1_000_000);
const USD_MAX_DAY = usd(100_000_000);
const ETH_MAX_TX = parseEther("100");
const ETH_MAX_DAY = parseEther("10000");
const FOT_MAX_TX = parseEther("1000000");
const FOT_MAX_DAY = parseEther("100000000");
const BL_MAX_TX = parseEther("1000000");
const BL_MAX_DAY = parseEther("100000000");

/** IPaymentEscrow.EscrowStatus */
const S = { None: 0n, Funded: 1n, Disputed: 2n, Released: 3n, Refunded: 4n, Reclaimed: 5n, Resolved: 6n } as const;

const escrowIface = PaymentEscrowFacet__factory.createInterface();
const paymentIface = PaymentFacet__factory.createInterface();
const creditIface = ICredit__factory.createInterface();
const REENTRANT_CALL_SELECTOR = escrowIface.getError("ReentrancyGuardReentrantCall")!.selector;

/** The terms as `withArgs` expects a struct. */
function termsArray(t: EscrowTerms) {
  return [t.payer, t.payee, t.arbiter, t.token, t.amount, t.deadline, t.nonce];
}

// ------------------------------------------------------------------ fixture

async function deployEscrowFixture() {
  const core = await coreFixture(ethers);
  const signers = await ethers.getSigners();
  const [carol, admin, dave] = signers.slice(5);
  const { owner, alice, bob } = core;
  const diamondAddress = await core.diamond.getAddress();

  await installPayment(ethers, core.diamond.connect(core.upgrader));
  await (await core.diamond.connect(owner).grantRole(PAYMENT_ADMIN_ROLE, admin.address)).wait();

  const usdToken = await new MockStablecoin__factory(owner).deploy();
  const fot = await new MockFeeOnTransferToken__factory(owner).deploy();
  const bl = await new MockBlocklistToken__factory(owner).deploy();
  const [usdAddress, fotAddress, blAddress] = await Promise.all([
    usdToken.getAddress(),
    fot.getAddress(),
    bl.getAddress(),
  ]);

  const suite = IFinanceSuite__factory.connect(diamondAddress, alice);
  const escrow = PaymentEscrowFacet__factory.connect(diamondAddress, alice);
  const asAdmin = suite.connect(admin);
  await (await asAdmin.setPaymentRail(SEPA, usdAddress, USD_MAX_TX, USD_MAX_DAY)).wait();
  await (await asAdmin.setPaymentRail(SEPA, NATIVE, ETH_MAX_TX, ETH_MAX_DAY)).wait();
  await (await asAdmin.setPaymentRail(SEPA, fotAddress, FOT_MAX_TX, FOT_MAX_DAY)).wait();
  await (await asAdmin.setPaymentRail(SEPA, blAddress, BL_MAX_TX, BL_MAX_DAY)).wait();

  // Alice is the funded, approved payer; bob (the usual payee) already holds tokens.
  await (await usdToken.mint(alice.address, usd(10_000_000))).wait();
  await (await usdToken.mint(bob.address, usd(1_000))).wait();
  await (await usdToken.connect(alice).approve(diamondAddress, usd(10_000_000))).wait();
  await (await fot.mint(alice.address, parseEther("1000000"))).wait();
  await (await fot.connect(alice).approve(diamondAddress, parseEther("1000000"))).wait();
  await (await bl.mint(alice.address, parseEther("1000000"))).wait();
  await (await bl.connect(alice).approve(diamondAddress, parseEther("1000000"))).wait();

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
    escrow,
    asAdmin,
    usd: usdToken,
    fot,
    bl,
    usdAddress,
    fotAddress,
    blAddress,
    assets: [
      { name: "usd", address: usdAddress, balanceOf: (h) => usdToken.balanceOf(h) },
      { name: "fot", address: fotAddress, balanceOf: (h) => fot.balanceOf(h) },
      { name: "bl", address: blAddress, balanceOf: (h) => bl.balanceOf(h) },
      { name: "eth", address: NATIVE, balanceOf: (h) => ethers.provider.getBalance(h) },
    ] satisfies WatchedAsset[],
  };
}

type Fixture = Awaited<ReturnType<typeof deployEscrowFixture>>;

// ------------------------------------------------------------------ helpers

interface CreateOptions {
  signer?: HardhatEthersSigner;
  channel?: string;
  token?: string;
  payee?: string;
  amount?: bigint;
  deadline?: bigint;
  /** Defaults to carol. */
  arbiter?: string;
  ref?: string;
  value?: bigint;
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** Resolves the arguments of a createEscrow call from `o` and the fixture's defaults. */
async function createArgs(f: Fixture, o: CreateOptions = {}) {
  const token = o.token ?? f.usdAddress;
  const amount = o.amount ?? (token === NATIVE ? parseEther("1") : usd(100));
  return {
    signer: o.signer ?? f.alice,
    channel: o.channel ?? SEPA,
    token,
    payee: o.payee ?? f.bob.address,
    amount,
    deadline: o.deadline ?? (await now()) + WEEK,
    arbiter: o.arbiter ?? f.carol.address,
    ref: o.ref ?? REF,
    value: o.value ?? (token === NATIVE ? amount : 0n),
  };
}

/** Sends createEscrow (reading id and terms with a static call first). */
async function create(f: Fixture, o: CreateOptions = {}) {
  const a = await createArgs(f, o);
  const e = f.escrow.connect(a.signer);
  const [id, t] = await e.createEscrow.staticCall(a.channel, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref, {
    value: a.value,
  });
  const tx = await e.createEscrow(a.channel, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref, {
    value: a.value,
  });
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("transaction dropped");
  return { id, terms: escrowTerms(t), tx, receipt, args: a };
}

/** Sends a transaction and returns its receipt. */
async function mined(tx: Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>) {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction dropped");
  return receipt;
}

function gasCost(receipt: ContractTransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

async function balanceOf(f: Fixture, token: string, holder: string): Promise<bigint> {
  const asset = f.assets.find((a) => a.address === token);
  if (asset === undefined) throw new Error(`unknown token ${token}`);
  return asset.balanceOf(holder);
}

/** Balances of payer, payee, arbiter, third party and diamond in `token`. */
async function parties(f: Fixture, token: string) {
  return {
    payer: await balanceOf(f, token, f.alice.address),
    payee: await balanceOf(f, token, f.bob.address),
    arbiter: await balanceOf(f, token, f.carol.address),
    dave: await balanceOf(f, token, f.dave.address),
    diamond: await balanceOf(f, token, f.diamondAddress),
    escrowed: await f.escrow.escrowedAmount(token),
  };
}

/** Every balance, credit, escrow total, fee, rail and status a transition or a claim can touch. */
async function snapshot(f: Fixture, ids: string[] = [], extra: string[] = []): Promise<Record<string, string>> {
  const holders = [f.alice, f.bob, f.carol, f.dave].map((s) => s.address).concat([f.diamondAddress, ...extra]);
  const out = await paymentState(f.suite, f.assets, holders);
  for (const id of ids) out[`status:${id}`] = (await f.escrow.escrowStatus(id)).toString();
  return out;
}

/** Runs `assertion` (a revert expectation) and checks that nothing observable changed. */
async function expectNothingChanged(
  f: Fixture,
  assertion: () => Promise<unknown>,
  ids: string[] = [],
  extra: string[] = [],
) {
  await expectUnchanged(() => snapshot(f, ids, extra), assertion);
}

/** `call` by each of `callers` reverts with PaymentEscrowUnauthorized(id, caller, allowed), changing nothing. */
async function expectUnauthorized(
  f: Fixture,
  id: string,
  callers: HardhatEthersSigner[],
  allowed: string,
  call: (escrow: Fixture["escrow"]) => Promise<unknown>,
) {
  for (const caller of callers) {
    await expectNothingChanged(
      f,
      () =>
        expect(call(f.escrow.connect(caller)))
          .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowUnauthorized")
          .withArgs(id, caller.address, allowed),
      [id],
    );
  }
}

const expectSolvent = (f: Fixture) => expectSuiteSolvent(f.suite, f.assets);

/**
 * Has `receiver` (a contract that acts only when it receives currency) call the diamond
 * with `data`, bubbling any revert: the owner sends it 1 wei, on receipt of which it calls.
 */
async function actAs(f: Fixture, receiver: MockNativeReceiver, data: string) {
  await (await receiver.setReentry(f.diamondAddress, data, 0n, true)).wait();
  return f.owner.sendTransaction({ to: await receiver.getAddress(), value: 1n });
}

function claimData(token: string, to: string): string {
  return creditIface.encodeFunctionData("claimCredit", [token, to]);
}

/** The terms of the one EscrowCreated in `receipt`. */
function createdTerms(f: Fixture, receipt: TransactionReceipt): EscrowTerms {
  const logs = receipt.logs
    .map((l) => f.escrow.interface.parseLog(l))
    .filter((l) => l !== null && l.name === "EscrowCreated");
  expect(logs).to.have.length(1);
  return escrowTerms(logs[0]!.args.terms);
}

// ------------------------------------------------------------------ tests

describe("Payment module: escrow", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployEscrowFixture);
  });

  // ---------------------------------------------------------------- create

  describe("createEscrow", function () {
    it("ERC-20: pulls the amount into the diamond, counts it as escrowed, status Funded, emits EscrowCreated", async function () {
      const amount = usd("250.123456");
      const before = await parties(f, f.usdAddress);
      const a = await createArgs(f, { amount });

      const [id, t] = await f.escrow.createEscrow.staticCall(
        a.channel,
        a.token,
        a.payee,
        a.amount,
        a.deadline,
        a.arbiter,
        a.ref,
      );
      const terms = escrowTerms(t);
      expect(terms).to.deep.equal({
        payer: f.alice.address,
        payee: f.bob.address,
        arbiter: f.carol.address,
        token: f.usdAddress,
        amount,
        deadline: a.deadline,
        nonce: 0n,
      });
      expect(id).to.equal(escrowIdOf(terms));
      expect(await f.escrow.escrowId(terms)).to.equal(id);

      await expect(f.escrow.createEscrow(a.channel, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref))
        .to.emit(f.escrow, "EscrowCreated")
        .withArgs(id, REF, SEPA, termsArray(terms));

      const after = await parties(f, f.usdAddress);
      expect(before.payer - after.payer).to.equal(amount);
      expect(after.payee).to.equal(before.payee);
      expect(after.arbiter).to.equal(before.arbiter);
      expect(after.diamond - before.diamond).to.equal(amount);
      expect(after.escrowed - before.escrowed).to.equal(amount);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Funded);
      expect((await f.suite.paymentRail(SEPA, f.usdAddress)).spentToday).to.equal(amount);
      await expectSolvent(f);
    });

    it("native: takes msg.value = amount, counts it as escrowed, status Funded, emits EscrowCreated", async function () {
      const amount = parseEther("2.5");
      const before = await parties(f, NATIVE);
      const { id, terms, tx, receipt } = await create(f, { token: NATIVE, amount, arbiter: ZeroAddress });

      await expect(tx).to.emit(f.escrow, "EscrowCreated").withArgs(id, REF, SEPA, termsArray(terms));
      expect(terms.token).to.equal(NATIVE);
      expect(terms.arbiter).to.equal(ZeroAddress);
      expect(id).to.equal(escrowIdOf(terms));
      expect(await f.escrow.escrowId(terms)).to.equal(id);

      const after = await parties(f, NATIVE);
      expect(before.payer - after.payer - gasCost(receipt)).to.equal(amount);
      expect(after.payee).to.equal(before.payee);
      expect(after.diamond - before.diamond).to.equal(amount);
      expect(after.escrowed - before.escrowed).to.equal(amount);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Funded);
      await expectSolvent(f);
    });

    it("the event's terms are the terms returned, and their hash is the id", async function () {
      const { id, terms, receipt } = await create(f, { ref: REF2 });
      const logs = receipt.logs
        .map((l) => f.escrow.interface.parseLog(l))
        .filter((l) => l !== null && l.name === "EscrowCreated");
      expect(logs).to.have.length(1);
      const ev = logs[0]!;
      expect(ev.args.id).to.equal(id);
      expect(ev.args.paymentRef).to.equal(REF2);
      expect(ev.args.channel).to.equal(SEPA);
      expect(escrowTerms(ev.args.terms)).to.deep.equal(terms);
      expect(escrowIdOf(escrowTerms(ev.args.terms))).to.equal(id);
    });

    it("two escrows with identical arguments get different ids (nonce)", async function () {
      const deadline = (await now()) + WEEK;
      const first = await create(f, { deadline });
      const second = await create(f, { deadline });
      expect(first.terms.nonce).to.equal(0n);
      expect(second.terms.nonce).to.equal(1n);
      expect(second.id).to.not.equal(first.id);
      expect({ ...second.terms, nonce: 0n }).to.deep.equal(first.terms);
      expect(await f.escrow.escrowStatus(first.id)).to.equal(S.Funded);
      expect(await f.escrow.escrowStatus(second.id)).to.equal(S.Funded);
      expect(await f.escrow.escrowedAmount(f.usdAddress)).to.equal(2n * first.terms.amount);
      // A native escrow shares the nonce sequence.
      const third = await create(f, { token: NATIVE, deadline });
      expect(third.terms.nonce).to.equal(2n);
      await expectSolvent(f);
    });

    it("an unknown id has status None", async function () {
      expect(await f.escrow.escrowStatus(keccakUtf8("nothing"))).to.equal(S.None);
    });

    it("rejects a zero payee and the diamond as payee with PaymentZeroPayee", async function () {
      for (const payee of [ZeroAddress, f.diamondAddress]) {
        const a = await createArgs(f, { payee });
        await expectNothingChanged(f, () =>
          expect(
            f.escrow.createEscrow(a.channel, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref),
          ).to.be.revertedWithCustomError(f.escrow, "PaymentZeroPayee"),
        );
        const n = await createArgs(f, { payee, token: NATIVE });
        await expectNothingChanged(f, () =>
          expect(
            f.escrow.createEscrow(n.channel, n.token, n.payee, n.amount, n.deadline, n.arbiter, n.ref, {
              value: n.value,
            }),
          ).to.be.revertedWithCustomError(f.escrow, "PaymentZeroPayee"),
        );
      }
    });

    it("rejects payee == payer with PaymentPayeeIsPayer(payee)", async function () {
      const a = await createArgs(f, { payee: f.alice.address });
      await expectNothingChanged(f, () =>
        expect(f.escrow.createEscrow(a.channel, a.token, a.payee, a.amount, a.deadline, ZeroAddress, a.ref))
          .to.be.revertedWithCustomError(f.escrow, "PaymentPayeeIsPayer")
          .withArgs(f.alice.address),
      );
    });

    it("rejects a zero amount with PaymentZeroAmount (ERC-20 and native)", async function () {
      const a = await createArgs(f, { amount: 0n });
      await expectNothingChanged(f, () =>
        expect(
          f.escrow.createEscrow(a.channel, a.token, a.payee, 0n, a.deadline, a.arbiter, a.ref),
        ).to.be.revertedWithCustomError(f.escrow, "PaymentZeroAmount"),
      );
      await expectNothingChanged(f, () =>
        expect(
          f.escrow.createEscrow(a.channel, NATIVE, a.payee, 0n, a.deadline, a.arbiter, a.ref, { value: 0n }),
        ).to.be.revertedWithCustomError(f.escrow, "PaymentZeroAmount"),
      );
    });

    it("rejects a deadline in the past or now with PaymentEscrowDeadlineInPast(deadline)", async function () {
      const a = await createArgs(f);
      const latest = await now();
      for (const deadline of [0n, latest - 1n, latest]) {
        await expectNothingChanged(f, () =>
          expect(f.escrow.createEscrow(a.channel, a.token, a.payee, a.amount, deadline, a.arbiter, a.ref))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowDeadlineInPast")
            .withArgs(deadline),
        );
      }
      // Exactly the timestamp of the block that would include the call: refused.
      const next = (await now()) + 100n;
      await time.setNextBlockTimestamp(next);
      await expectNothingChanged(f, () =>
        expect(f.escrow.createEscrow(a.channel, a.token, a.payee, a.amount, next, a.arbiter, a.ref))
          .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowDeadlineInPast")
          .withArgs(next),
      );
      // One second later is accepted.
      const later = (await now()) + 200n;
      await time.setNextBlockTimestamp(later);
      const { terms } = await create(f, { deadline: later + 1n });
      expect(terms.deadline).to.equal(later + 1n);
    });

    it("rejects an arbiter that is the payer or the payee with PaymentEscrowArbiterIsParty(arbiter)", async function () {
      for (const arbiter of [f.alice.address, f.bob.address]) {
        const a = await createArgs(f, { arbiter });
        await expectNothingChanged(f, () =>
          expect(f.escrow.createEscrow(a.channel, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowArbiterIsParty")
            .withArgs(arbiter),
        );
      }
    });

    it("native: rejects a msg.value other than amount with PaymentWrongValue(amount, sent)", async function () {
      const a = await createArgs(f, { token: NATIVE });
      for (const sent of [0n, a.amount - 1n, a.amount + 1n, 2n * a.amount]) {
        await expectNothingChanged(f, () =>
          expect(
            f.escrow.createEscrow(a.channel, NATIVE, a.payee, a.amount, a.deadline, a.arbiter, a.ref, {
              value: sent,
            }),
          )
            .to.be.revertedWithCustomError(f.escrow, "PaymentWrongValue")
            .withArgs(a.amount, sent),
        );
      }
    });

    it("ERC-20: rejects native value with PaymentUnexpectedValue(sent)", async function () {
      const a = await createArgs(f);
      await expectNothingChanged(f, () =>
        expect(
          f.escrow.createEscrow(a.channel, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref, { value: 1n }),
        )
          .to.be.revertedWithCustomError(f.escrow, "PaymentUnexpectedValue")
          .withArgs(1n),
      );
    });

    it("rejects a disabled rail with PaymentRailDisabled(channel, token)", async function () {
      const a = await createArgs(f, { channel: MOBILE });
      await expectNothingChanged(f, () =>
        expect(f.escrow.createEscrow(MOBILE, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref))
          .to.be.revertedWithCustomError(f.escrow, "PaymentRailDisabled")
          .withArgs(MOBILE, f.usdAddress),
      );
      await expectNothingChanged(f, () =>
        expect(
          f.escrow.createEscrow(MOBILE, NATIVE, a.payee, parseEther("1"), a.deadline, a.arbiter, a.ref, {
            value: parseEther("1"),
          }),
        )
          .to.be.revertedWithCustomError(f.escrow, "PaymentRailDisabled")
          .withArgs(MOBILE, NATIVE),
      );
      // A rail switched off with 0/0 refuses too.
      await (await f.asAdmin.setPaymentRail(SEPA, f.usdAddress, 0, 0)).wait();
      await expectNothingChanged(f, () =>
        expect(f.escrow.createEscrow(SEPA, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref))
          .to.be.revertedWithCustomError(f.escrow, "PaymentRailDisabled")
          .withArgs(SEPA, f.usdAddress),
      );
    });

    it("rejects a fee-on-transfer token with PaymentTokenShortfall(token, amount, received)", async function () {
      const amount = parseEther("100");
      const a = await createArgs(f, { token: f.fotAddress, amount });
      await expectNothingChanged(f, () =>
        expect(f.escrow.createEscrow(a.channel, f.fotAddress, a.payee, amount, a.deadline, a.arbiter, a.ref))
          .to.be.revertedWithCustomError(f.escrow, "PaymentTokenShortfall")
          .withArgs(f.fotAddress, amount, amount - amount / 100n),
      );
    });

    it("failed creations consume no nonce", async function () {
      const a = await createArgs(f);
      await expect(
        f.escrow.createEscrow(a.channel, a.token, a.payee, 0n, a.deadline, a.arbiter, a.ref),
      ).to.be.revertedWithCustomError(f.escrow, "PaymentZeroAmount");
      await expect(
        f.escrow.createEscrow(MOBILE, a.token, a.payee, a.amount, a.deadline, a.arbiter, a.ref),
      ).to.be.revertedWithCustomError(f.escrow, "PaymentRailDisabled");
      const { terms } = await create(f);
      expect(terms.nonce).to.equal(0n);
    });
  });

  // ---------------------------------------------------------------- release

  describe("releaseEscrow", function () {
    it("ERC-20: the payer releases; the payee receives the amount; Released; EscrowReleased(id)", async function () {
      const { id, terms } = await create(f, { amount: usd("77.7") });
      const before = await parties(f, f.usdAddress);
      await expect(f.escrow.releaseEscrow(terms)).to.emit(f.escrow, "EscrowReleased").withArgs(id);
      const after = await parties(f, f.usdAddress);
      expect(after.payee - before.payee).to.equal(terms.amount);
      expect(after.payer).to.equal(before.payer);
      expect(after.arbiter).to.equal(before.arbiter);
      expect(before.diamond - after.diamond).to.equal(terms.amount);
      expect(before.escrowed - after.escrowed).to.equal(terms.amount);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      await expectSolvent(f);
    });

    it("native: the payee receives exactly the amount", async function () {
      const { id, terms } = await create(f, { token: NATIVE, amount: parseEther("3") });
      const before = await parties(f, NATIVE);
      const receipt = await mined(f.escrow.releaseEscrow(terms));
      const after = await parties(f, NATIVE);
      expect(after.payee - before.payee).to.equal(terms.amount);
      expect(before.payer - after.payer).to.equal(gasCost(receipt));
      expect(before.diamond - after.diamond).to.equal(terms.amount);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      await expectSolvent(f);
    });

    it("releases one escrow and leaves the others open", async function () {
      const one = await create(f, { amount: usd(10) });
      const two = await create(f, { amount: usd(20) });
      await (await f.escrow.releaseEscrow(one.terms)).wait();
      expect(await f.escrow.escrowStatus(one.id)).to.equal(S.Released);
      expect(await f.escrow.escrowStatus(two.id)).to.equal(S.Funded);
      expect(await f.escrow.escrowedAmount(f.usdAddress)).to.equal(usd(20));
      await expectSolvent(f);
    });

    it("anyone but the payer → PaymentEscrowUnauthorized(id, caller, payer)", async function () {
      const { id, terms } = await create(f);
      await expectUnauthorized(f, id, [f.bob, f.carol, f.dave], f.alice.address, (e) => e.releaseEscrow(terms));
    });

    it("twice → PaymentEscrowWrongStatus(id, Released)", async function () {
      const { id, terms } = await create(f);
      await (await f.escrow.releaseEscrow(terms)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.escrow.releaseEscrow(terms))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowWrongStatus")
            .withArgs(id, S.Released),
        [id],
      );
      await expectSolvent(f);
    });

    it("unknown terms (any field changed) → PaymentEscrowUnknown(id of those terms)", async function () {
      // A second escrow so the diamond holds more than the first: a forged amount must not pay out.
      const { id, terms } = await create(f, { amount: usd(100) });
      await create(f, { amount: usd(500) });
      const forged: EscrowTerms[] = [
        { ...terms, amount: terms.amount + 1n },
        { ...terms, amount: usd(500) },
        { ...terms, payee: f.dave.address },
        { ...terms, arbiter: ZeroAddress },
        { ...terms, deadline: terms.deadline + 1n },
        { ...terms, nonce: 7n },
        { ...terms, token: NATIVE },
      ];
      for (const t of forged) {
        const forgedId = escrowIdOf(t);
        expect(forgedId).to.not.equal(id);
        expect(await f.escrow.escrowId(t)).to.equal(forgedId);
        await expectNothingChanged(
          f,
          () =>
            expect(f.escrow.releaseEscrow(t))
              .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowUnknown")
              .withArgs(forgedId),
          [id],
        );
      }
      // Every other transition refuses unknown terms the same way.
      const t = { ...terms, amount: terms.amount * 2n };
      const forgedId = escrowIdOf(t);
      await expect(f.escrow.connect(f.bob).refundEscrow(t))
        .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowUnknown")
        .withArgs(forgedId);
      await expect(f.escrow.disputeEscrow(t))
        .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowUnknown")
        .withArgs(forgedId);
      await expect(f.escrow.connect(f.carol).resolveEscrow(t, 0n))
        .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowUnknown")
        .withArgs(forgedId);
      await time.increaseTo(terms.deadline + 1n);
      await expect(f.escrow.reclaimEscrow(t))
        .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowUnknown")
        .withArgs(forgedId);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- refund

  describe("refundEscrow", function () {
    it("ERC-20, from Funded: the payee refunds; the payer gets it back; Refunded; EscrowRefunded(id)", async function () {
      const { id, terms } = await create(f, { amount: usd(42) });
      const before = await parties(f, f.usdAddress);
      await expect(f.escrow.connect(f.bob).refundEscrow(terms)).to.emit(f.escrow, "EscrowRefunded").withArgs(id);
      const after = await parties(f, f.usdAddress);
      expect(after.payer - before.payer).to.equal(terms.amount);
      expect(after.payee).to.equal(before.payee);
      expect(before.diamond - after.diamond).to.equal(terms.amount);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Refunded);
      await expectSolvent(f);
    });

    it("ERC-20, from Disputed: the payee refunds; Refunded", async function () {
      const { id, terms } = await create(f, { amount: usd(42) });
      await (await f.escrow.disputeEscrow(terms)).wait();
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Disputed);
      const before = await parties(f, f.usdAddress);
      await expect(f.escrow.connect(f.bob).refundEscrow(terms)).to.emit(f.escrow, "EscrowRefunded").withArgs(id);
      const after = await parties(f, f.usdAddress);
      expect(after.payer - before.payer).to.equal(terms.amount);
      expect(after.payee).to.equal(before.payee);
      expect(after.arbiter).to.equal(before.arbiter);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Refunded);
      await expectSolvent(f);
    });

    it("native, from Funded and from Disputed: the payer gets exactly the amount back", async function () {
      for (const disputed of [false, true]) {
        const { id, terms } = await create(f, { token: NATIVE, amount: parseEther("1.25") });
        if (disputed) await (await f.escrow.connect(f.bob).disputeEscrow(terms)).wait();
        const before = await parties(f, NATIVE);
        const receipt = await mined(f.escrow.connect(f.bob).refundEscrow(terms));
        const after = await parties(f, NATIVE);
        expect(after.payer - before.payer).to.equal(terms.amount);
        expect(before.payee - after.payee).to.equal(gasCost(receipt));
        expect(before.diamond - after.diamond).to.equal(terms.amount);
        expect(await f.escrow.escrowStatus(id)).to.equal(S.Refunded);
      }
      expect(await f.escrow.escrowedAmount(NATIVE)).to.equal(0n);
      await expectSolvent(f);
    });

    it("anyone but the payee → PaymentEscrowUnauthorized(id, caller, payee)", async function () {
      const { id, terms } = await create(f);
      await expectUnauthorized(f, id, [f.alice, f.carol, f.dave], f.bob.address, (e) => e.refundEscrow(terms));
    });
  });

  // ---------------------------------------------------------------- reclaim

  describe("reclaimEscrow", function () {
    it("before and at the deadline → PaymentEscrowNotExpired(id, deadline); after it the payer reclaims", async function () {
      const { id, terms } = await create(f, { amount: usd(300) });
      await expectNothingChanged(
        f,
        () =>
          expect(f.escrow.reclaimEscrow(terms))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowNotExpired")
            .withArgs(id, terms.deadline),
        [id],
      );
      await time.increaseTo(terms.deadline - 1n);
      await time.setNextBlockTimestamp(terms.deadline);
      await expectNothingChanged(
        f,
        () =>
          expect(f.escrow.reclaimEscrow(terms))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowNotExpired")
            .withArgs(id, terms.deadline),
        [id],
      );
      // Mined in a block whose timestamp is exactly the deadline: still refused.
      await time.setNextBlockTimestamp(terms.deadline);
      const atDeadline = f.escrow.reclaimEscrow(terms, { gasLimit: 300_000 });
      await expect(atDeadline)
        .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowNotExpired")
        .withArgs(id, terms.deadline);
      expect(await now()).to.equal(terms.deadline);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Funded);
      expect(await f.escrow.escrowedAmount(f.usdAddress)).to.equal(terms.amount);

      await time.increaseTo(terms.deadline + 1n);
      const before = await parties(f, f.usdAddress);
      await expect(f.escrow.reclaimEscrow(terms)).to.emit(f.escrow, "EscrowReclaimed").withArgs(id);
      const after = await parties(f, f.usdAddress);
      expect(after.payer - before.payer).to.equal(terms.amount);
      expect(after.payee).to.equal(before.payee);
      expect(before.diamond - after.diamond).to.equal(terms.amount);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Reclaimed);
      await expectSolvent(f);
    });

    it("native: after the deadline the payer gets exactly the amount back (net of gas)", async function () {
      const { id, terms } = await create(f, { token: NATIVE, amount: parseEther("4") });
      await time.increaseTo(terms.deadline + 1n);
      const before = await parties(f, NATIVE);
      const receipt = await mined(f.escrow.reclaimEscrow(terms));
      const after = await parties(f, NATIVE);
      expect(after.payer - before.payer + gasCost(receipt)).to.equal(terms.amount);
      expect(before.diamond - after.diamond).to.equal(terms.amount);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Reclaimed);
      await expectSolvent(f);
    });

    it("anyone but the payer, after the deadline → PaymentEscrowUnauthorized(id, caller, payer)", async function () {
      const { id, terms } = await create(f);
      await time.increaseTo(terms.deadline + 1n);
      await expectUnauthorized(f, id, [f.bob, f.carol, f.dave], f.alice.address, (e) => e.reclaimEscrow(terms));
    });
  });

  // ---------------------------------------------------------------- dispute

  describe("disputeEscrow", function () {
    it("the payer or the payee opens a dispute: Disputed, EscrowDisputed(id, by); no money moves", async function () {
      for (const by of [f.alice, f.bob]) {
        const { id, terms } = await create(f);
        const before = await parties(f, f.usdAddress);
        await expect(f.escrow.connect(by).disputeEscrow(terms))
          .to.emit(f.escrow, "EscrowDisputed")
          .withArgs(id, by.address);
        expect(await f.escrow.escrowStatus(id)).to.equal(S.Disputed);
        expect(await parties(f, f.usdAddress)).to.deep.equal(before);
      }
      await expectSolvent(f);
    });

    it("a third party or the arbiter → PaymentEscrowNotParty(id, caller)", async function () {
      const { id, terms } = await create(f);
      for (const caller of [f.carol, f.dave]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.escrow.connect(caller).disputeEscrow(terms))
              .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowNotParty")
              .withArgs(id, caller.address),
          [id],
        );
      }
    });

    it("an escrow without an arbiter → PaymentEscrowNoArbiter(id)", async function () {
      const { id, terms } = await create(f, { arbiter: ZeroAddress });
      for (const by of [f.alice, f.bob]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.escrow.connect(by).disputeEscrow(terms))
              .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowNoArbiter")
              .withArgs(id),
          [id],
        );
      }
    });

    it("twice → PaymentEscrowWrongStatus(id, Disputed), by either party", async function () {
      const { id, terms } = await create(f);
      await (await f.escrow.disputeEscrow(terms)).wait();
      for (const by of [f.alice, f.bob]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.escrow.connect(by).disputeEscrow(terms))
              .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowWrongStatus")
              .withArgs(id, S.Disputed),
          [id],
        );
      }
    });

    it("while disputed, release → PaymentEscrowWrongStatus(id, Disputed)", async function () {
      const { id, terms } = await create(f);
      await (await f.escrow.connect(f.bob).disputeEscrow(terms)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.escrow.releaseEscrow(terms))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowWrongStatus")
            .withArgs(id, S.Disputed),
        [id],
      );
    });

    it("while disputed, reclaim after the deadline → PaymentEscrowWrongStatus(id, Disputed)", async function () {
      const { id, terms } = await create(f);
      await (await f.escrow.disputeEscrow(terms)).wait();
      await time.increaseTo(terms.deadline + 1n);
      await expectNothingChanged(
        f,
        () =>
          expect(f.escrow.reclaimEscrow(terms))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowWrongStatus")
            .withArgs(id, S.Disputed),
        [id],
      );
      // The arbiter can still resolve it after the deadline.
      await (await f.escrow.connect(f.carol).resolveEscrow(terms, terms.amount)).wait();
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Resolved);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- resolve

  describe("resolveEscrow", function () {
    const splits: [string, (amount: bigint) => bigint][] = [
      ["nothing to the payee", () => 0n],
      ["everything to the payee", (amount) => amount],
      ["a part to each", (amount) => (amount * 37n) / 100n + 1n],
    ];

    for (const [label, split] of splits) {
      it(`ERC-20, ${label}: balances exact, Resolved, EscrowResolved(id, toPayee, toPayer)`, async function () {
        const { id, terms } = await create(f, { amount: usd("123.456789") });
        await (await f.escrow.connect(f.bob).disputeEscrow(terms)).wait();
        const toPayee = split(terms.amount);
        const toPayer = terms.amount - toPayee;
        const before = await parties(f, f.usdAddress);
        await expect(f.escrow.connect(f.carol).resolveEscrow(terms, toPayee))
          .to.emit(f.escrow, "EscrowResolved")
          .withArgs(id, toPayee, toPayer);
        const after = await parties(f, f.usdAddress);
        expect(after.payee - before.payee).to.equal(toPayee);
        expect(after.payer - before.payer).to.equal(toPayer);
        expect(after.arbiter).to.equal(before.arbiter);
        expect(after.dave).to.equal(before.dave);
        expect(before.diamond - after.diamond).to.equal(terms.amount);
        expect(after.escrowed).to.equal(0n);
        expect(await f.escrow.escrowStatus(id)).to.equal(S.Resolved);
        await expectSolvent(f);
      });

      it(`native, ${label}: balances exact, Resolved`, async function () {
        const { id, terms } = await create(f, { token: NATIVE, amount: parseEther("1.000000000000000007") });
        await (await f.escrow.disputeEscrow(terms)).wait();
        const toPayee = split(terms.amount);
        const toPayer = terms.amount - toPayee;
        const before = await parties(f, NATIVE);
        const receipt = await mined(f.escrow.connect(f.carol).resolveEscrow(terms, toPayee));
        const after = await parties(f, NATIVE);
        expect(after.payee - before.payee).to.equal(toPayee);
        expect(after.payer - before.payer).to.equal(toPayer);
        expect(before.arbiter - after.arbiter).to.equal(gasCost(receipt));
        expect(before.diamond - after.diamond).to.equal(terms.amount);
        expect(after.escrowed).to.equal(0n);
        expect(await f.escrow.escrowStatus(id)).to.equal(S.Resolved);
        await expectSolvent(f);
      });
    }

    it("anyone but the arbiter → PaymentEscrowUnauthorized(id, caller, arbiter)", async function () {
      const { id, terms } = await create(f);
      await (await f.escrow.disputeEscrow(terms)).wait();
      await expectUnauthorized(f, id, [f.alice, f.bob, f.dave], f.carol.address, (e) => e.resolveEscrow(terms, 0n));
    });

    it("a split larger than the amount → PaymentEscrowSplitTooLarge(id, toPayee, amount)", async function () {
      // Another open escrow, so the diamond could pay a too-large split if it were not refused.
      await create(f, { amount: usd(1_000) });
      const { id, terms } = await create(f, { amount: usd(10) });
      await (await f.escrow.disputeEscrow(terms)).wait();
      for (const toPayee of [terms.amount + 1n, usd(1_000)]) {
        await expectNothingChanged(
          f,
          () =>
            expect(f.escrow.connect(f.carol).resolveEscrow(terms, toPayee))
              .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowSplitTooLarge")
              .withArgs(id, toPayee, terms.amount),
          [id],
        );
      }
    });

    it("an escrow that is not disputed → PaymentEscrowWrongStatus(id, Funded)", async function () {
      const { id, terms } = await create(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.escrow.connect(f.carol).resolveEscrow(terms, 0n))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowWrongStatus")
            .withArgs(id, S.Funded),
        [id],
      );
    });
  });

  // ---------------------------------------------------------------- one transition each

  describe("terminal statuses", function () {
    const terminals: [string, bigint, (f: Fixture, terms: EscrowTerms) => Promise<void>][] = [
      ["Released", S.Released, async (f, t) => void (await mined(f.escrow.releaseEscrow(t)))],
      ["Refunded", S.Refunded, async (f, t) => void (await mined(f.escrow.connect(f.bob).refundEscrow(t)))],
      [
        "Reclaimed",
        S.Reclaimed,
        async (f, t) => {
          await time.increaseTo(t.deadline + 1n);
          await mined(f.escrow.reclaimEscrow(t));
        },
      ],
      [
        "Resolved",
        S.Resolved,
        async (f, t) => {
          await mined(f.escrow.disputeEscrow(t));
          await mined(f.escrow.connect(f.carol).resolveEscrow(t, t.amount / 2n));
        },
      ],
    ];

    for (const [label, status, close] of terminals) {
      for (const token of ["ERC-20", "native"] as const) {
        it(`${label} (${token}): every transition then reverts with PaymentEscrowWrongStatus(id, ${status})`, async function () {
          const { id, terms } = await create(f, token === "native" ? { token: NATIVE } : {});
          await close(f, terms);
          expect(await f.escrow.escrowStatus(id)).to.equal(status);
          expect(await f.escrow.escrowedAmount(terms.token)).to.equal(0n);
          // Past the deadline, so reclaim reaches its status check.
          if ((await now()) <= terms.deadline) await time.increaseTo(terms.deadline + 1n);

          const attempts: [string, () => Promise<unknown>][] = [
            ["release by payer", () => f.escrow.connect(f.alice).releaseEscrow(terms)],
            ["refund by payee", () => f.escrow.connect(f.bob).refundEscrow(terms)],
            ["reclaim by payer", () => f.escrow.connect(f.alice).reclaimEscrow(terms)],
            ["dispute by payer", () => f.escrow.connect(f.alice).disputeEscrow(terms)],
            ["dispute by payee", () => f.escrow.connect(f.bob).disputeEscrow(terms)],
            ["resolve by arbiter (0)", () => f.escrow.connect(f.carol).resolveEscrow(terms, 0n)],
            ["resolve by arbiter (all)", () => f.escrow.connect(f.carol).resolveEscrow(terms, terms.amount)],
          ];
          for (const [what, attempt] of attempts) {
            await expectNothingChanged(
              f,
              () =>
                expect(attempt(), what)
                  .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowWrongStatus")
                  .withArgs(id, status),
              [id],
            );
          }
          await expectSolvent(f);
        });
      }
    }
  });

  // ---------------------------------------------------------------- native receivers

  describe("native receivers", function () {
    /** Releases a 1-ETH escrow to `receiver` with `gasLimit`: it must be credited, not paid. */
    async function expectReleaseCredited(receiver: MockNativeReceiver, gasLimit: bigint) {
      const to = await receiver.getAddress();
      const { id, terms } = await create(f, { token: NATIVE, payee: to, amount: parseEther("1") });
      await expect(f.escrow.releaseEscrow(terms, { gasLimit }))
        .to.emit(f.suite, "Credited")
        .withArgs(NATIVE, to, PAYMENT_ID, terms.amount);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      expect(await f.suite.creditOf(NATIVE, to)).to.equal(terms.amount);
      await expectSolvent(f);
    }

    it("a payee that burns all the gas it gets is credited under a 3.5M gas limit (the 1/64 left suffices)", async function () {
      const receiver = await deployReceiver(f.owner);
      await (await receiver.setMode(RECEIVER_MODE.BurnAllGas)).wait();
      await expectReleaseCredited(receiver, 3_500_000n);
    });

    it("a payee that rejects with 600 KB of revert data is credited within a 1.2M gas limit (the data is not copied)", async function () {
      const receiver = await deployReceiver(f.owner);
      // Reverting with 600 KB costs the receiver ~0.75M gas of memory; a sender that copied
      // the data would pay as much again and run out of gas under this limit.
      await (await receiver.setRejectWithLongData(600_000n)).wait();
      await expectReleaseCredited(receiver, 1_200_000n);
    });

    it("a payee that rejects a native release is credited: Released, Credited; it claims to another address", async function () {
      const receiver = await deployReceiver(f.owner);
      await (await receiver.setMode(RECEIVER_MODE.Reject)).wait();
      const to = await receiver.getAddress();
      // Another open escrow: the credit must come out of this escrow, not the other one.
      const other = await create(f, { token: NATIVE, amount: parseEther("5") });
      const { id, terms } = await create(f, { token: NATIVE, payee: to, amount: parseEther("2") });
      const amount = terms.amount;
      const before = await parties(f, NATIVE);

      const tx = f.escrow.releaseEscrow(terms);
      await expect(tx)
        .to.emit(f.escrow, "EscrowReleased")
        .withArgs(id)
        .and.to.emit(f.suite, "Credited")
        .withArgs(NATIVE, to, PAYMENT_ID, amount);
      const receipt = await mined(tx);

      const after = await parties(f, NATIVE);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      expect(after.escrowed).to.equal(other.terms.amount);
      expect(before.escrowed - after.escrowed).to.equal(amount);
      expect(await f.suite.creditOf(NATIVE, to)).to.equal(amount);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(amount);
      expect(after.diamond).to.equal(before.diamond);
      expect(after.diamond).to.equal(other.terms.amount + amount);
      expect(before.payer - after.payer).to.equal(gasCost(receipt));
      expect(await ethers.provider.getBalance(to)).to.equal(0n);
      expect(await receiver.received()).to.equal(0n);
      await expectSolvent(f);

      // Claimed to itself while it still refuses the currency (its receive re-enters and
      // bubbles the refusal): CreditNativeTransferFailed(receiver, amount), nothing changes.
      await expectNothingChanged(
        f,
        () =>
          expect(actAs(f, receiver, claimData(NATIVE, to)))
            .to.be.revertedWithCustomError(f.suite, "CreditNativeTransferFailed")
            .withArgs(to, amount),
        [id, other.id],
        [to],
      );
      expect(await f.suite.creditOf(NATIVE, to)).to.equal(amount);

      // Claimed to dave: dave receives exactly the credit, which is gone.
      const daveBefore = await ethers.provider.getBalance(f.dave.address);
      await expect(actAs(f, receiver, claimData(NATIVE, f.dave.address)))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(NATIVE, to, f.dave.address, amount);
      expect((await ethers.provider.getBalance(f.dave.address)) - daveBefore).to.equal(amount);
      expect(await f.suite.creditOf(NATIVE, to)).to.equal(0n);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(other.terms.amount);
      expect(await ethers.provider.getBalance(to)).to.equal(1n); // the wei that made it claim
      await expectSolvent(f);
      await expect(actAs(f, receiver, claimData(NATIVE, f.dave.address)))
        .to.be.revertedWithCustomError(f.suite, "CreditNone")
        .withArgs(NATIVE, to);
    });

    it("a resolution paying a rejecting payee credits it and still pays the payer", async function () {
      const receiver = await deployReceiver(f.owner);
      await (await receiver.setMode(RECEIVER_MODE.Reject)).wait();
      const to = await receiver.getAddress();
      const { id, terms } = await create(f, { token: NATIVE, payee: to, amount: parseEther("2") });
      await (await f.escrow.disputeEscrow(terms)).wait();
      const toPayee = parseEther("0.75");
      const toPayer = terms.amount - toPayee;
      const before = await parties(f, NATIVE);

      const tx = f.escrow.connect(f.carol).resolveEscrow(terms, toPayee);
      await expect(tx)
        .to.emit(f.escrow, "EscrowResolved")
        .withArgs(id, toPayee, toPayer)
        .and.to.emit(f.suite, "Credited")
        .withArgs(NATIVE, to, PAYMENT_ID, toPayee);
      const receipt = await mined(tx);

      const after = await parties(f, NATIVE);
      expect(after.payer - before.payer).to.equal(toPayer);
      expect(before.arbiter - after.arbiter).to.equal(gasCost(receipt));
      expect(before.diamond - after.diamond).to.equal(toPayer);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Resolved);
      expect(await f.suite.creditOf(NATIVE, to)).to.equal(toPayee);
      expect(await f.suite.creditOf(NATIVE, f.alice.address)).to.equal(0n);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(toPayee);
      expect(after.diamond).to.equal(toPayee);
      expect(await ethers.provider.getBalance(to)).to.equal(0n);
      await expectSolvent(f);

      const daveBefore = await ethers.provider.getBalance(f.dave.address);
      await expect(actAs(f, receiver, claimData(NATIVE, f.dave.address)))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(NATIVE, to, f.dave.address, toPayee);
      expect((await ethers.provider.getBalance(f.dave.address)) - daveBefore).to.equal(toPayee);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(0n);
      await expectSolvent(f);
    });

    it("a payee whose re-entry into releaseEscrow is refused and bubbled is credited; released once", async function () {
      const receiver = await deployReceiver(f.owner);
      const to = await receiver.getAddress();
      const { id, terms } = await create(f, { token: NATIVE, payee: to, amount: parseEther("1") });
      await (
        await receiver.setReentry(f.diamondAddress, escrowIface.encodeFunctionData("releaseEscrow", [terms]), 0n, true)
      ).wait();

      await expect(f.escrow.releaseEscrow(terms))
        .to.emit(f.suite, "Credited")
        .withArgs(NATIVE, to, PAYMENT_ID, terms.amount);
      // The receiver's whole call reverted, its record of the attempt with it.
      expect(await receiver.reentryAttempts()).to.equal(0n);
      expect(await receiver.received()).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      expect(await f.escrow.escrowedAmount(NATIVE)).to.equal(0n);
      expect(await f.suite.creditOf(NATIVE, to)).to.equal(terms.amount);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(terms.amount);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(terms.amount);
      await expectSolvent(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.escrow.releaseEscrow(terms))
            .to.be.revertedWithCustomError(f.escrow, "PaymentEscrowWrongStatus")
            .withArgs(id, S.Released),
        [id],
        [to],
      );

      const daveBefore = await ethers.provider.getBalance(f.dave.address);
      await expect(actAs(f, receiver, claimData(NATIVE, f.dave.address)))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(NATIVE, to, f.dave.address, terms.amount);
      expect((await ethers.provider.getBalance(f.dave.address)) - daveBefore).to.equal(terms.amount);
      expect(await f.suite.creditOf(NATIVE, to)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(0n);
      await expectSolvent(f);
    });

    it("a payer contract that refuses its native refund and its reclaim is credited both; one claim pays both", async function () {
      const receiver = await deployReceiver(f.owner);
      const payer = await receiver.getAddress();
      const refunded = parseEther("1.5");
      const reclaimed = parseEther("0.25");
      const deadline = (await now()) + WEEK;
      // The receiver escrows `amount` sent to it: it is the payer of both escrows.
      const escrowBy = async (amount: bigint) => {
        const data = escrowIface.encodeFunctionData("createEscrow", [
          SEPA,
          NATIVE,
          f.bob.address,
          amount,
          deadline,
          f.carol.address,
          REF,
        ]);
        await (await receiver.setReentry(f.diamondAddress, data, amount, true)).wait();
        const receipt = await (await f.owner.sendTransaction({ to: payer, value: amount })).wait();
        if (receipt === null) throw new Error("transaction dropped");
        const terms = createdTerms(f, receipt);
        expect(terms.payer).to.equal(payer);
        return { id: escrowIdOf(terms), terms };
      };
      const r = await escrowBy(refunded);
      const c = await escrowBy(reclaimed);
      expect(await f.escrow.escrowedAmount(NATIVE)).to.equal(refunded + reclaimed);

      // Refund by the payee while the payer rejects the currency.
      await (await receiver.setMode(RECEIVER_MODE.Reject)).wait();
      await expect(f.escrow.connect(f.bob).refundEscrow(r.terms))
        .to.emit(f.escrow, "EscrowRefunded")
        .withArgs(r.id)
        .and.to.emit(f.suite, "Credited")
        .withArgs(NATIVE, payer, PAYMENT_ID, refunded);
      expect(await f.escrow.escrowStatus(r.id)).to.equal(S.Refunded);
      expect(await f.suite.creditOf(NATIVE, payer)).to.equal(refunded);
      await expectSolvent(f);

      // Reclaim by the payer itself after the deadline; its receive re-enters and bubbles.
      await time.increaseTo(deadline + 1n);
      await expect(actAs(f, receiver, escrowIface.encodeFunctionData("reclaimEscrow", [c.terms])))
        .to.emit(f.escrow, "EscrowReclaimed")
        .withArgs(c.id)
        .and.to.emit(f.suite, "Credited")
        .withArgs(NATIVE, payer, PAYMENT_ID, reclaimed);
      expect(await f.escrow.escrowStatus(c.id)).to.equal(S.Reclaimed);
      expect(await f.escrow.escrowedAmount(NATIVE)).to.equal(0n);
      expect(await f.suite.creditOf(NATIVE, payer)).to.equal(refunded + reclaimed);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(refunded + reclaimed);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(refunded + reclaimed);
      await expectSolvent(f);

      const daveBefore = await ethers.provider.getBalance(f.dave.address);
      await expect(actAs(f, receiver, claimData(NATIVE, f.dave.address)))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(NATIVE, payer, f.dave.address, refunded + reclaimed);
      expect((await ethers.provider.getBalance(f.dave.address)) - daveBefore).to.equal(refunded + reclaimed);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(0n);
      await expectSolvent(f);
    });

    for (const fn of ["releaseEscrow", "refundEscrow"] as const) {
      it(`a payee re-entering ${fn} gets ReentrancyGuardReentrantCall; paid once, accounting exact`, async function () {
        const receiver = await deployReceiver(f.owner);
        const to = await receiver.getAddress();
        // Two open escrows, so a successful re-entry would have money to take.
        const other = await create(f, { token: NATIVE, amount: parseEther("5") });
        const { id, terms } = await create(f, { token: NATIVE, payee: to, amount: parseEther("1") });
        await (
          await receiver.setReentry(
            f.diamondAddress,
            fn === "releaseEscrow"
              ? escrowIface.encodeFunctionData("releaseEscrow", [terms])
              : escrowIface.encodeFunctionData("refundEscrow", [terms]),
            0n,
            false,
          )
        ).wait();
        const payerBefore = await ethers.provider.getBalance(f.alice.address);

        const receipt = await mined(f.escrow.releaseEscrow(terms));

        expect(await receiver.reentryAttempts()).to.equal(1n);
        expect(await receiver.lastReentrySucceeded()).to.equal(false);
        expect(await receiver.lastReentryError()).to.equal(REENTRANT_CALL_SELECTOR);
        expect(await receiver.received()).to.equal(terms.amount);
        expect(await ethers.provider.getBalance(to)).to.equal(terms.amount);
        expect(payerBefore - (await ethers.provider.getBalance(f.alice.address))).to.equal(gasCost(receipt));
        expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
        expect(await f.escrow.escrowStatus(other.id)).to.equal(S.Funded);
        expect(await f.escrow.escrowedAmount(NATIVE)).to.equal(other.terms.amount);
        expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(other.terms.amount);
        await expectSolvent(f);
      });
    }

    it("a payee re-entering another facet (payNative) gets ReentrancyGuardReentrantCall too", async function () {
      const receiver = await deployReceiver(f.owner);
      const to = await receiver.getAddress();
      await (await f.owner.sendTransaction({ to, value: parseEther("1") })).wait();
      const { id, terms } = await create(f, { token: NATIVE, payee: to, amount: parseEther("1") });
      await (
        await receiver.setReentry(
          f.diamondAddress,
          paymentIface.encodeFunctionData("payNative", [SEPA, f.dave.address, parseEther("0.5"), REF2]),
          parseEther("0.5"),
          false,
        )
      ).wait();
      const daveBefore = await ethers.provider.getBalance(f.dave.address);
      await (await f.escrow.releaseEscrow(terms)).wait();
      expect(await receiver.lastReentrySucceeded()).to.equal(false);
      expect(await receiver.lastReentryError()).to.equal(REENTRANT_CALL_SELECTOR);
      expect(await ethers.provider.getBalance(f.dave.address)).to.equal(daveBefore);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- blocklisted recipients

  describe("ERC-20 payouts a blocklist refuses", function () {
    it("a payee blocked at release is credited; it claims to another, unblocked address", async function () {
      // Another open escrow of the token, for someone else.
      const other = await create(f, { token: f.blAddress, payee: f.dave.address, amount: parseEther("5") });
      const { id, terms } = await create(f, { token: f.blAddress, amount: parseEther("10") });
      await (await f.bl.setBlocked(f.bob.address, true)).wait();
      const before = await parties(f, f.blAddress);

      await expect(f.escrow.releaseEscrow(terms))
        .to.emit(f.escrow, "EscrowReleased")
        .withArgs(id)
        .and.to.emit(f.suite, "Credited")
        .withArgs(f.blAddress, f.bob.address, PAYMENT_ID, terms.amount);

      const after = await parties(f, f.blAddress);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      expect(after.payee).to.equal(before.payee);
      expect(after.payer).to.equal(before.payer);
      expect(after.diamond).to.equal(before.diamond);
      expect(before.escrowed - after.escrowed).to.equal(terms.amount);
      expect(after.escrowed).to.equal(other.terms.amount);
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(terms.amount);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(terms.amount);
      await expectSolvent(f);

      // Not to his own, blocked address: the token's error, nothing changes.
      await expectNothingChanged(
        f,
        () =>
          expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address))
            .to.be.revertedWithCustomError(f.bl, "MockBlocked")
            .withArgs(f.bob.address),
        [id, other.id],
      );

      const carolBefore = await f.bl.balanceOf(f.carol.address);
      await expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.carol.address))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(f.blAddress, f.bob.address, f.carol.address, terms.amount);
      expect((await f.bl.balanceOf(f.carol.address)) - carolBefore).to.equal(terms.amount);
      expect(await f.bl.balanceOf(f.bob.address)).to.equal(before.payee);
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(0n);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(0n);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(other.terms.amount);
      await expectSolvent(f);
    });

    it("resolve with a blocked payer: the payee is paid, the payer credited", async function () {
      const { id, terms } = await create(f, { token: f.blAddress, amount: parseEther("10") });
      await (await f.escrow.connect(f.bob).disputeEscrow(terms)).wait();
      await (await f.bl.setBlocked(f.alice.address, true)).wait();
      const toPayee = parseEther("3.5");
      const toPayer = terms.amount - toPayee;
      const before = await parties(f, f.blAddress);

      await expect(f.escrow.connect(f.carol).resolveEscrow(terms, toPayee))
        .to.emit(f.escrow, "EscrowResolved")
        .withArgs(id, toPayee, toPayer)
        .and.to.emit(f.suite, "Credited")
        .withArgs(f.blAddress, f.alice.address, PAYMENT_ID, toPayer);

      const after = await parties(f, f.blAddress);
      expect(after.payee - before.payee).to.equal(toPayee);
      expect(after.payer).to.equal(before.payer);
      expect(before.diamond - after.diamond).to.equal(toPayee);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Resolved);
      expect(await f.suite.creditOf(f.blAddress, f.alice.address)).to.equal(toPayer);
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(0n);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(toPayer);
      await expectSolvent(f);

      // Alice is still blocked: she takes her credit to dave.
      await expect(f.suite.connect(f.alice).claimCredit(f.blAddress, f.dave.address))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(f.blAddress, f.alice.address, f.dave.address, toPayer);
      expect(await f.bl.balanceOf(f.dave.address)).to.equal(toPayer);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(0n);
      await expectSolvent(f);
    });

    it("resolve with both parties blocked credits both; the diamond keeps the whole amount", async function () {
      const { id, terms } = await create(f, { token: f.blAddress, amount: parseEther("10") });
      await (await f.escrow.disputeEscrow(terms)).wait();
      await (await f.bl.setBlocked(f.alice.address, true)).wait();
      await (await f.bl.setBlocked(f.bob.address, true)).wait();
      const toPayee = parseEther("6");
      const toPayer = parseEther("4");

      await expect(f.escrow.connect(f.carol).resolveEscrow(terms, toPayee))
        .to.emit(f.suite, "Credited")
        .withArgs(f.blAddress, f.bob.address, PAYMENT_ID, toPayee)
        .and.to.emit(f.suite, "Credited")
        .withArgs(f.blAddress, f.alice.address, PAYMENT_ID, toPayer);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Resolved);
      expect(await f.escrow.escrowedAmount(f.blAddress)).to.equal(0n);
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(toPayee);
      expect(await f.suite.creditOf(f.blAddress, f.alice.address)).to.equal(toPayer);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(terms.amount);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(terms.amount);
      await expectSolvent(f);
    });

    it("a refund to a blocked payer is credited; Refunded", async function () {
      const { id, terms } = await create(f, { token: f.blAddress, amount: parseEther("8") });
      await (await f.bl.setBlocked(f.alice.address, true)).wait();
      const before = await parties(f, f.blAddress);
      await expect(f.escrow.connect(f.bob).refundEscrow(terms))
        .to.emit(f.escrow, "EscrowRefunded")
        .withArgs(id)
        .and.to.emit(f.suite, "Credited")
        .withArgs(f.blAddress, f.alice.address, PAYMENT_ID, terms.amount);
      const after = await parties(f, f.blAddress);
      expect(after.payer).to.equal(before.payer);
      expect(after.diamond).to.equal(before.diamond);
      expect(after.escrowed).to.equal(0n);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Refunded);
      expect(await f.suite.creditOf(f.blAddress, f.alice.address)).to.equal(terms.amount);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(terms.amount);
      await expectSolvent(f);
    });

    it("a reclaim to a blocked payer is credited; Reclaimed", async function () {
      const { id, terms } = await create(f, { token: f.blAddress, amount: parseEther("8") });
      await (await f.bl.setBlocked(f.alice.address, true)).wait();
      await time.increaseTo(terms.deadline + 1n);
      await expect(f.escrow.reclaimEscrow(terms))
        .to.emit(f.escrow, "EscrowReclaimed")
        .withArgs(id)
        .and.to.emit(f.suite, "Credited")
        .withArgs(f.blAddress, f.alice.address, PAYMENT_ID, terms.amount);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Reclaimed);
      expect(await f.escrow.escrowedAmount(f.blAddress)).to.equal(0n);
      expect(await f.suite.creditOf(f.blAddress, f.alice.address)).to.equal(terms.amount);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(terms.amount);
      await expectSolvent(f);
    });

    it("credits of one account add up across escrows; one claim pays them all", async function () {
      const one = await create(f, { token: f.blAddress, amount: parseEther("1") });
      const two = await create(f, { token: f.blAddress, amount: parseEther("2.000000000000000001") });
      await (await f.bl.setBlocked(f.bob.address, true)).wait();
      for (const e of [one, two]) {
        await expect(f.escrow.releaseEscrow(e.terms))
          .to.emit(f.suite, "Credited")
          .withArgs(f.blAddress, f.bob.address, PAYMENT_ID, e.terms.amount);
      }
      const total = one.terms.amount + two.terms.amount;
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(total);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(total);
      await expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(f.blAddress, f.bob.address, f.dave.address, total);
      expect(await f.bl.balanceOf(f.dave.address)).to.equal(total);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(0n);
      await expectSolvent(f);
    });

    it("a claim to a blocked `to` reverts with the token's MockBlocked(to); nothing changes", async function () {
      const { id, terms } = await create(f, { token: f.blAddress, amount: parseEther("4") });
      await (await f.bl.setBlocked(f.bob.address, true)).wait();
      await (await f.escrow.releaseEscrow(terms)).wait();
      await (await f.bl.setBlocked(f.dave.address, true)).wait();
      await expectNothingChanged(
        f,
        () =>
          expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address))
            .to.be.revertedWithCustomError(f.bl, "MockBlocked")
            .withArgs(f.dave.address),
        [id],
      );
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(terms.amount);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(terms.amount);
      await expectSolvent(f);
    });

    it("a token that blocks the diamond: the release credits the payee, claims revert until it is unblocked", async function () {
      const { id, terms } = await create(f, { token: f.blAddress, amount: parseEther("4") });
      await (await f.bl.setBlocked(f.diamondAddress, true)).wait();
      await expect(f.escrow.releaseEscrow(terms))
        .to.emit(f.suite, "Credited")
        .withArgs(f.blAddress, f.bob.address, PAYMENT_ID, terms.amount);
      expect(await f.escrow.escrowStatus(id)).to.equal(S.Released);
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(terms.amount);
      await expectSolvent(f);
      await expectNothingChanged(
        f,
        () =>
          expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address))
            .to.be.revertedWithCustomError(f.bl, "MockBlocked")
            .withArgs(f.diamondAddress),
        [id],
      );
      await (await f.bl.setBlocked(f.diamondAddress, false)).wait();
      const bobBefore = await f.bl.balanceOf(f.bob.address);
      await (await f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address)).wait();
      expect((await f.bl.balanceOf(f.bob.address)) - bobBefore).to.equal(terms.amount);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(0n);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- solvency

  describe("solvency", function () {
    it("the diamond holds exactly accrued fees + escrowed amounts through a mixed scenario", async function () {
      // Fees accrued by plain payments sit next to escrowed funds.
      await (await f.asAdmin.setPaymentFee(SEPA, f.usdAddress, 30)).wait();
      await (await f.asAdmin.setPaymentFee(SEPA, NATIVE, 50)).wait();
      await (await f.suite.pay(SEPA, f.usdAddress, f.dave.address, usd(1_000), REF)).wait();
      const ethFee = (parseEther("1") * 50n) / 10_000n;
      await (
        await f.suite.payNative(SEPA, f.dave.address, parseEther("1"), REF, { value: parseEther("1") + ethFee })
      ).wait();
      await expectSolvent(f);

      const a = await create(f, { amount: usd(100) });
      const b = await create(f, { amount: usd(200) });
      const c = await create(f, { amount: usd(300) });
      const d = await create(f, { token: NATIVE, amount: parseEther("2") });
      const e = await create(f, { token: NATIVE, amount: parseEther("3") });
      await expectSolvent(f);
      expect(await f.escrow.escrowedAmount(f.usdAddress)).to.equal(usd(600));
      expect(await f.escrow.escrowedAmount(NATIVE)).to.equal(parseEther("5"));
      // Escrows carry no fee.
      expect(await f.suite.accruedPaymentFees(f.usdAddress)).to.equal(usd(3));
      expect(await f.suite.accruedPaymentFees(NATIVE)).to.equal(ethFee);

      await (await f.escrow.releaseEscrow(a.terms)).wait();
      await expectSolvent(f);
      await (await f.escrow.connect(f.bob).disputeEscrow(b.terms)).wait();
      await (await f.escrow.connect(f.carol).resolveEscrow(b.terms, usd(50))).wait();
      await expectSolvent(f);
      await (await f.escrow.connect(f.bob).refundEscrow(d.terms)).wait();
      await expectSolvent(f);
      await time.increaseTo(c.terms.deadline + 1n);
      await (await f.escrow.reclaimEscrow(c.terms)).wait();
      await (await f.escrow.reclaimEscrow(e.terms)).wait();
      await expectSolvent(f);
      expect(await f.escrow.escrowedAmount(f.usdAddress)).to.equal(0n);
      expect(await f.escrow.escrowedAmount(NATIVE)).to.equal(0n);
      expect(await f.usd.balanceOf(f.diamondAddress)).to.equal(usd(3));
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(ethFee);
    });
  });

  // ---------------------------------------------------------------- gas

  describe("gas", function () {
    itUnlessCoverage(
      GAS,
      "createEscrow (ERC-20, with arbiter) <= 110,000 and releaseEscrow <= 60,000 while the module holds escrows",
      async function () {
        expect(await f.usd.balanceOf(f.bob.address)).to.be.greaterThan(0n); // payee already holds tokens
        // The first escrow of a token also writes the module's counters and the diamond's
        // token balance from zero (about +68,000 gas); the budgets apply from the second on,
        // which is the figure `npm run bench` enforces too.
        const first = await create(f, { amount: usd(100) });
        const steady = await create(f, { amount: usd(100) });
        expect(steady.terms.arbiter).to.equal(f.carol.address);
        const releaseGas = (await mined(f.escrow.releaseEscrow(steady.terms))).gasUsed;
        console.log(`        createEscrow (ERC-20, arbiter), first of the token: ${first.receipt.gasUsed} gas`);
        console.log(`        createEscrow (ERC-20, arbiter), steady state:       ${steady.receipt.gasUsed} gas`);
        console.log(`        releaseEscrow (ERC-20), steady state:               ${releaseGas} gas`);
        expect(steady.receipt.gasUsed, "createEscrow gas").to.be.at.most(110_000n);
        expect(releaseGas, "releaseEscrow gas").to.be.at.most(60_000n);
        await expectSolvent(f);
      },
    );
  });
});
