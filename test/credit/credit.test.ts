// The credit module through a real diamond: the one book of payouts their recipients
// refused, and the one claim function for them. Credits are produced the way they are in
// production, by the payment module (an escrow released to a recipient that refuses it).
import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String, parseEther, ZeroAddress, type Interface, type TransactionResponse } from "ethers";

import { coreCalls, moduleId, runTimelocked, selectorsOf } from "../../scripts/lib/core.js";
import { escrowTerms, PAYMENT_ADMIN_ROLE } from "../../scripts/lib/payment.js";
import { coreFixture, expectUnchanged } from "../helpers.js";
import {
  deployReceiver,
  expectSolvent,
  installPayment,
  NATIVE,
  PAYMENT_ID,
  paymentState,
  RECEIVER_MODE,
  SEPA,
  type WatchedAsset,
} from "../support/payment.js";
import {
  CreditFacet__factory,
  ICredit__factory,
  IFinanceSuite__factory,
  MockBlocklistToken__factory,
  PaymentFacet__factory,
  type MockNativeReceiver,
} from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

const CREDIT_ID = moduleId("credit");
const REF = encodeBytes32String("order-1");
const DAY = 86_400n;
const creditIface = ICredit__factory.createInterface();
const REENTRANT_CALL_SELECTOR =
  CreditFacet__factory.createInterface().getError("ReentrancyGuardReentrantCall")!.selector;

async function deployCreditFixture() {
  const core = await coreFixture(ethers);
  const [carol, admin, dave] = (await ethers.getSigners()).slice(5);
  const { owner, alice } = core;
  const diamondAddress = await core.diamond.getAddress();
  await installPayment(ethers, core.diamond.connect(core.upgrader));
  await (await core.diamond.connect(owner).grantRole(PAYMENT_ADMIN_ROLE, admin.address)).wait();

  const bl = await new MockBlocklistToken__factory(owner).deploy();
  const blAddress = await bl.getAddress();
  const suite = IFinanceSuite__factory.connect(diamondAddress, alice);
  for (const token of [blAddress, NATIVE]) {
    await (await suite.connect(admin).setPaymentRail(SEPA, token, parseEther("1000"), parseEther("100000"))).wait();
  }
  await (await bl.mint(alice.address, parseEther("10000"))).wait();
  await (await bl.connect(alice).approve(diamondAddress, parseEther("10000"))).wait();

  const assets: WatchedAsset[] = [
    { name: "bl", address: blAddress, balanceOf: (h) => bl.balanceOf(h) },
    { name: "eth", address: NATIVE, balanceOf: (h) => ethers.provider.getBalance(h) },
  ];
  return { ...core, carol, admin, dave, diamondAddress, suite, bl, blAddress, assets };
}

type Fixture = Awaited<ReturnType<typeof deployCreditFixture>>;

/** Balances, credits and totals of every watched holder (plus `extra`), to prove a revert changed nothing. */
async function snapshot(f: Fixture, extra: string[] = []) {
  const holders = [f.alice, f.bob, f.carol, f.dave].map((s) => s.address).concat([f.diamondAddress, ...extra]);
  return paymentState(f.suite, f.assets, holders);
}

async function expectNothingChanged(f: Fixture, assertion: () => Promise<unknown>, extra: string[] = []) {
  await expectUnchanged(() => snapshot(f, extra), assertion);
}

/** Alice escrows `amount` of `token` for `payee` and releases it; returns the release. */
async function escrowAndRelease(f: Fixture, token: string, payee: string, amount: bigint) {
  const deadline = BigInt(await networkHelpers.time.latest()) + DAY;
  const args = [SEPA, token, payee, amount, deadline, ZeroAddress, REF] as const;
  const value = token === NATIVE ? amount : 0n;
  const [, terms] = await f.suite.createEscrow.staticCall(...args, { value });
  await (await f.suite.createEscrow(...args, { value })).wait();
  return f.suite.releaseEscrow(escrowTerms(terms));
}

/** Credits `amount` of the blocklist token to `account`: its release is refused while the token blocks it. */
async function creditToken(f: Fixture, account: string, amount: bigint) {
  await (await f.bl.setBlocked(account, true)).wait();
  await expect(escrowAndRelease(f, f.blAddress, account, amount))
    .to.emit(f.suite, "Credited")
    .withArgs(f.blAddress, account, PAYMENT_ID, amount);
  await (await f.bl.setBlocked(account, false)).wait();
}

/** A receiver that refuses native currency, credited `amount` of it. */
async function creditedReceiver(f: Fixture, amount: bigint) {
  const receiver = await deployReceiver(f.owner);
  await (await receiver.setMode(RECEIVER_MODE.Reject)).wait();
  const address = await receiver.getAddress();
  await expect(escrowAndRelease(f, NATIVE, address, amount))
    .to.emit(f.suite, "Credited")
    .withArgs(NATIVE, address, PAYMENT_ID, amount);
  return { receiver, address };
}

/**
 * Has `receiver` (a contract that acts only when it receives currency) call the diamond
 * with `data`, bubbling any revert: the owner sends it 1 wei, on receipt of which it calls.
 */
async function actAs(f: Fixture, receiver: MockNativeReceiver, data: string): Promise<TransactionResponse> {
  await (await receiver.setReentry(f.diamondAddress, data, 0n, true)).wait();
  return f.owner.sendTransaction({ to: await receiver.getAddress(), value: 1n });
}

const claimData = (token: string, to: string) => creditIface.encodeFunctionData("claimCredit", [token, to]);

describe("Credit module", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployCreditFixture);
  });

  describe("installation", function () {
    it("serves exactly ICredit's functions from CreditFacet, owned by `credit`; payment depends on it", async function () {
      const selectors = selectorsOf(creditIface);
      expect(selectors).to.have.length(3);
      const facet = await f.diamond.facetAddress(selectors[0]);
      expect([...(await f.diamond.facetFunctionSelectors(facet))].sort()).to.deep.equal([...selectors].sort());
      for (const selector of selectors) expect(await f.diamond.moduleOfSelector(selector)).to.equal(CREDIT_ID);
      expect((await f.diamond.getModule(PAYMENT_ID)).dependencies).to.deep.equal([CREDIT_ID]);
      // Payment keeps no claim function of its own any more.
      const payment: Interface = PaymentFacet__factory.createInterface();
      for (const name of ["claimPaymentCredit", "paymentCredit", "totalPaymentCredits"]) {
        expect(payment.getFunction(name)).to.equal(null);
      }
    });

    it("the credit module cannot be removed while payment, which credits into it, is installed", async function () {
      await expect(runTimelocked(f.diamond.connect(f.upgrader), [coreCalls.removeModule("credit")]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleRequired")
        .withArgs(CREDIT_ID, PAYMENT_ID);
      expect(await f.diamond.isModuleInstalled(CREDIT_ID)).to.equal(true);
    });
  });

  describe("claimCredit", function () {
    it("claims an ERC-20 credit to another address: CreditClaimed, exactly the credit moves", async function () {
      const amount = parseEther("12.5");
      await creditToken(f, f.bob.address, amount);
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(amount);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(amount);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(amount);
      await expectSolvent(f.suite, f.assets);

      const before = await snapshot(f);
      const tx = f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address);
      await expect(tx).to.emit(f.suite, "CreditClaimed").withArgs(f.blAddress, f.bob.address, f.dave.address, amount);
      const receipt = (await (await tx).wait())!;
      const bob = f.bob.address;
      const dave = f.dave.address;
      expect(await snapshot(f)).to.deep.equal({
        ...before,
        [`bl:${dave}`]: (BigInt(before[`bl:${dave}`]) + amount).toString(),
        [`bl:${f.diamondAddress}`]: "0",
        [`credit:bl:${bob}`]: "0",
        "credits:bl": "0",
        [`eth:${bob}`]: (BigInt(before[`eth:${bob}`]) - receipt.gasUsed * receipt.gasPrice).toString(),
      });
      await expectSolvent(f.suite, f.assets);
    });

    it("claims a native credit (a receiver refused the release) to another address", async function () {
      const amount = parseEther("2");
      const { receiver, address } = await creditedReceiver(f, amount);
      expect(await f.suite.creditOf(NATIVE, address)).to.equal(amount);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(amount);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(amount);

      const daveBefore = await ethers.provider.getBalance(f.dave.address);
      await expect(actAs(f, receiver, claimData(NATIVE, f.dave.address)))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(NATIVE, address, f.dave.address, amount);
      expect((await ethers.provider.getBalance(f.dave.address)) - daveBefore).to.equal(amount);
      expect(await f.suite.creditOf(NATIVE, address)).to.equal(0n);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(0n);
      expect(await ethers.provider.getBalance(address)).to.equal(1n); // the wei that made it claim
      await expectSolvent(f.suite, f.assets);
    });

    it("without a credit → CreditNone(token, caller), in an ERC-20 and the native currency, and after a claim", async function () {
      await creditToken(f, f.bob.address, parseEther("1"));
      await expectNothingChanged(f, async () => {
        for (const caller of [f.alice, f.carol]) {
          await expect(f.suite.connect(caller).claimCredit(f.blAddress, caller.address))
            .to.be.revertedWithCustomError(f.suite, "CreditNone")
            .withArgs(f.blAddress, caller.address);
        }
        // Bob's credit is in the blocklist token only.
        await expect(f.suite.connect(f.bob).claimCredit(NATIVE, f.bob.address))
          .to.be.revertedWithCustomError(f.suite, "CreditNone")
          .withArgs(NATIVE, f.bob.address);
      });
      await (await f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address)).wait();
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address))
          .to.be.revertedWithCustomError(f.suite, "CreditNone")
          .withArgs(f.blAddress, f.bob.address),
      );
    });

    it("to the zero address or the diamond → CreditRecipientInvalid(to), with or without a credit", async function () {
      for (const to of [ZeroAddress, f.diamondAddress]) {
        await expectNothingChanged(f, () =>
          expect(f.suite.connect(f.carol).claimCredit(NATIVE, to))
            .to.be.revertedWithCustomError(f.suite, "CreditRecipientInvalid")
            .withArgs(to),
        );
      }
      const amount = parseEther("3");
      await creditToken(f, f.bob.address, amount);
      for (const to of [ZeroAddress, f.diamondAddress]) {
        await expectNothingChanged(f, () =>
          expect(f.suite.connect(f.bob).claimCredit(f.blAddress, to))
            .to.be.revertedWithCustomError(f.suite, "CreditRecipientInvalid")
            .withArgs(to),
        );
      }
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(amount);
    });

    it("native currency refused by `to` → CreditNativeTransferFailed(to, amount); the credit stays claimable", async function () {
      const amount = parseEther("1.5");
      const { receiver, address } = await creditedReceiver(f, amount);
      const refuser = await deployReceiver(f.owner);
      await (await refuser.setMode(RECEIVER_MODE.Reject)).wait();
      const refuserAddress = await refuser.getAddress();
      await expectNothingChanged(
        f,
        () =>
          expect(actAs(f, receiver, claimData(NATIVE, refuserAddress)))
            .to.be.revertedWithCustomError(f.suite, "CreditNativeTransferFailed")
            .withArgs(refuserAddress, amount),
        [address, refuserAddress],
      );
      expect(await f.suite.creditOf(NATIVE, address)).to.equal(amount);
      await expect(actAs(f, receiver, claimData(NATIVE, f.carol.address)))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(NATIVE, address, f.carol.address, amount);
    });

    it("an ERC-20 the token refuses to `to` reverts with the token's error; the credit stays claimable", async function () {
      const amount = parseEther("4");
      await creditToken(f, f.bob.address, amount);
      await (await f.bl.setBlocked(f.dave.address, true)).wait();
      await expectNothingChanged(f, () =>
        expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address))
          .to.be.revertedWithCustomError(f.bl, "MockBlocked")
          .withArgs(f.dave.address),
      );
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(amount);
    });
  });

  describe("reentrancy during a claim", function () {
    it("a holder re-entering its own claim from its receive gets nothing twice: the claim fails whole", async function () {
      const amount = parseEther("1");
      const { receiver, address } = await creditedReceiver(f, amount);
      // actAs makes the receiver claim to itself and, on receipt, claim again (bubbling):
      // the inner claim meets the diamond-wide guard, so the transfer and the claim revert.
      await expectNothingChanged(
        f,
        () =>
          expect(actAs(f, receiver, claimData(NATIVE, address)))
            .to.be.revertedWithCustomError(f.suite, "CreditNativeTransferFailed")
            .withArgs(address, amount),
        [address],
      );
      expect(await f.suite.creditOf(NATIVE, address)).to.equal(amount);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(amount);
    });

    it("a recipient re-entering claimCredit or a payment during a claim is refused by the guard; the credit is paid once", async function () {
      const amount = parseEther("1");
      const { receiver, address } = await creditedReceiver(f, amount);
      const second = await creditedReceiver(f, amount); // a second credit the re-entry could target
      for (const data of [
        claimData(NATIVE, second.address),
        f.suite.interface.encodeFunctionData("payNative", [SEPA, f.carol.address, 1n, REF]),
      ]) {
        const to = await deployReceiver(f.owner);
        await (await to.setReentry(f.diamondAddress, data, 0n, false)).wait();
        const toAddress = await to.getAddress();
        await expect(actAs(f, receiver, claimData(NATIVE, toAddress)))
          .to.emit(f.suite, "CreditClaimed")
          .withArgs(NATIVE, address, toAddress, amount);
        expect(await to.reentryAttempts()).to.equal(1n);
        expect(await to.lastReentrySucceeded()).to.equal(false);
        expect(await to.lastReentryError()).to.equal(REENTRANT_CALL_SELECTOR);
        expect(await to.received()).to.equal(amount);
        expect(await f.suite.creditOf(NATIVE, address)).to.equal(0n);
        expect(await f.suite.creditOf(NATIVE, second.address)).to.equal(amount);
        expect(await f.suite.totalCredits(NATIVE)).to.equal(amount);
        await expectSolvent(f.suite, f.assets);
        // Credit the first receiver again for the next re-entry.
        await expect(escrowAndRelease(f, NATIVE, address, amount))
          .to.emit(f.suite, "Credited")
          .withArgs(NATIVE, address, PAYMENT_ID, amount);
      }
    });
  });

  describe("totals", function () {
    it("credits add up per account and per token; totalCredits follows every credit and claim", async function () {
      const [one, two] = [parseEther("7"), parseEther("0.000000000000000123")];
      await creditToken(f, f.bob.address, one);
      await creditToken(f, f.bob.address, two);
      await creditToken(f, f.carol.address, one);
      const native = await creditedReceiver(f, parseEther("0.5"));
      expect(await f.suite.creditOf(f.blAddress, f.bob.address)).to.equal(one + two);
      expect(await f.suite.creditOf(f.blAddress, f.carol.address)).to.equal(one);
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(2n * one + two);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(parseEther("0.5"));
      expect(await f.suite.creditOf(NATIVE, f.bob.address)).to.equal(0n);
      await expectSolvent(f.suite, f.assets);

      await (await f.suite.connect(f.bob).claimCredit(f.blAddress, f.dave.address)).wait();
      expect(await f.suite.totalCredits(f.blAddress)).to.equal(one);
      expect(await f.suite.totalCredits(NATIVE)).to.equal(parseEther("0.5"));
      expect(await f.bl.balanceOf(f.dave.address)).to.equal(one + two);
      await (await f.suite.connect(f.carol).claimCredit(f.blAddress, f.carol.address)).wait();
      await (await actAs(f, native.receiver, claimData(NATIVE, f.dave.address))).wait();
      for (const token of [f.blAddress, NATIVE]) expect(await f.suite.totalCredits(token)).to.equal(0n);
      expect(await f.bl.balanceOf(f.diamondAddress)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.diamondAddress)).to.equal(0n);
      await expectSolvent(f.suite, f.assets);
    });
  });

  describe("pause", function () {
    it("claims follow the credit module's pause, not payment's", async function () {
      const amount = parseEther("1");
      await creditToken(f, f.bob.address, amount);
      await (await f.diamond.connect(f.guardian).pauseModule(CREDIT_ID)).wait();
      const calls = [
        () => f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address),
        () => f.suite.creditOf(f.blAddress, f.bob.address),
        () => f.suite.totalCredits(f.blAddress),
      ];
      for (const call of calls) {
        await expect(call()).to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused").withArgs(CREDIT_ID);
      }
      await (await f.diamond.connect(f.owner).unpauseModule(CREDIT_ID)).wait();
      // A paused payment module stops new payouts, not the claim of what was credited.
      await (await f.diamond.connect(f.guardian).pauseModule(PAYMENT_ID)).wait();
      await expect(f.suite.connect(f.bob).claimCredit(f.blAddress, f.bob.address))
        .to.emit(f.suite, "CreditClaimed")
        .withArgs(f.blAddress, f.bob.address, f.bob.address, amount);
    });
  });
});
