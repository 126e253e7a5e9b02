// The one compliance check, code by code: every Restriction through the token's transfer
// (and transferFrom, mintAsset, forcedAssetTransfer where it applies), the revert
// AssetTransferRestricted(assetId, code, account) matching what detectTransferRestriction,
// assetTransferRestriction and canTransfer answer beforehand, and the books unchanged.
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroAddress, type ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { Restriction } from "../../scripts/lib/asset.js";
import { IdentityStatus, InvestorClass } from "../../scripts/lib/identity.js";
import { assetFixture, DAY, FRANCE, GERMANY, kyc, units, USA, type AssetFixture } from "./fixture.js";
import {
  addr,
  assetState,
  createAsset,
  expectRestricted,
  expectRestriction,
  freezeWallet,
  latest,
  MAX_UINT,
  MESSAGES,
  mint,
  THOUSAND,
  transferLogs,
  watched,
  writeLock,
  type Who,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => assetFixture(ethers);

describe("asset: compliance", function () {
  let f: AssetFixture;
  let A: HardhatEthersSigner;
  let B: HardhatEthersSigner;
  let C: HardhatEthersSigner;
  let D: HardhatEthersSigner;
  /** Signers 13..19: further investors onboarded by the tests. */
  let extra: HardhatEthersSigner[];

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    [A, B, C, D] = [f.investorA, f.investorB, f.investorC, f.investorD];
    extra = (await ethers.getSigners()).slice(13);
    await mint(f, A, THOUSAND);
    // B and C may spend A's tokens (verified spenders), D too (an unverified one).
    await (await f.token.connect(A).approve(B.address, MAX_UINT)).wait();
    await (await f.token.connect(A).approve(C.address, MAX_UINT)).wait();
    await (await f.token.connect(A).approve(D.address, MAX_UINT)).wait();
  });

  const transfer = (from: HardhatEthersSigner, to: Who, amount: bigint, token = f.token) =>
    token.connect(from).transfer(addr(to), amount);
  const transferFrom = (spender: HardhatEthersSigner, from: Who, to: Who, amount: bigint, token = f.token) =>
    token.connect(spender).transferFrom(addr(from), addr(to), amount);
  const mintTo = (to: Who, amount: bigint, assetId = f.assetId) =>
    f.suite.connect(f.agent).mintAsset(assetId, addr(to), amount);
  const force = (from: Who, to: Who, amount: bigint, assetId = f.assetId) =>
    f.suite.connect(f.agent).forcedAssetTransfer(assetId, addr(from), addr(to), amount);
  const refused = (call: () => Promise<unknown>, code: number, account: Who, assetId = f.assetId, more: Who[] = []) =>
    expectRestricted(f, call, code, account, { assetId, wallets: watched(f, more) });

  it("answers Success, canTransfer true and 'No restriction' for a compliant transfer, which moves the tokens", async function () {
    await expectRestriction(f, { from: A, to: B, amount: units(100) }, Restriction.Success);
    await expect(transfer(A, B, units(100))).to.changeTokenBalances(ethers, f.token, [A, B], [-units(100), units(100)]);
    await expectRestriction(f, { from: A, to: B, amount: units(100), spender: C }, Restriction.Success);
    await expect(transferFrom(C, A, B, units(100)))
      .to.emit(f.token, "Transfer")
      .withArgs(A.address, B.address, units(100));
  });

  it("gives 'Unknown restriction code' for a code past the last one", async function () {
    for (const code of [16, 99, 255]) {
      expect(await f.token.messageForTransferRestriction(code)).to.equal("Unknown restriction code");
    }
    expect(await f.token.messageForTransferRestriction(Restriction.CapExceeded)).to.equal(
      MESSAGES[Restriction.CapExceeded],
    );
  });

  it("reports the first rule a transfer breaks, in the order of the codes", async function () {
    const us = extra[0];
    await f.onboard("US", us, kyc(f.now, USA, InvestorClass.Professional));
    await (await f.suite.connect(f.agent).setAssetPaused(f.assetId, true)).wait();
    await freezeWallet(f, A);
    const views = (code: number) => expectRestriction(f, { from: A, to: us, amount: units(2_000) }, code);
    await views(Restriction.Paused);
    await (await f.suite.connect(f.agent).setAssetPaused(f.assetId, false)).wait();
    await views(Restriction.SenderFrozen);
    await freezeWallet(f, A, false);
    await views(Restriction.JurisdictionNotAllowed);
    await refused(() => transfer(A, us, units(2_000)), Restriction.JurisdictionNotAllowed, us, f.assetId, [us]);
    await expectRestriction(f, { from: A, to: B, amount: units(2_000) }, Restriction.InsufficientBalance);
  });

  // ---------------------------------------------------------------- Paused

  describe("Paused", function () {
    beforeEach(async function () {
      await expect(f.suite.connect(f.agent).setAssetPaused(f.assetId, true))
        .to.emit(f.suite, "AssetPaused")
        .withArgs(f.assetId, true, f.agent.address);
    });

    it("refuses a holder's transfer and transferFrom with Paused (account zero)", async function () {
      await expectRestriction(f, { from: A, to: B, amount: units(1) }, Restriction.Paused);
      await expectRestriction(f, { from: A, to: B, amount: units(1), spender: C }, Restriction.Paused);
      await refused(() => transfer(A, B, units(1)), Restriction.Paused, ZeroAddress);
      await refused(() => transferFrom(C, A, B, units(1)), Restriction.Paused, ZeroAddress);
      expect(await f.suite.assetCanSend(f.assetId, A.address)).to.equal(false);
      expect(await f.token.canSend(A.address)).to.equal(false);
      // Paused stops sending, not the receiver's eligibility.
      expect(await f.token.canReceive(B.address)).to.equal(true);
    });

    it("still lets the agent mint, force a transfer and burn", async function () {
      await expect(mintTo(B, units(5)))
        .to.emit(f.suite, "AssetMinted")
        .withArgs(f.assetId, B.address, units(5), f.agent.address);
      await expect(force(A, B, units(5)))
        .to.emit(f.suite, "AssetForcedTransfer")
        .withArgs(f.assetId, A.address, B.address, units(5), f.agent.address);
      await expect(f.suite.connect(f.agent).burnAsset(f.assetId, B.address, units(1))).to.emit(f.suite, "AssetBurned");
      expect(await f.token.balanceOf(B.address)).to.equal(units(9));
    });

    it("transfers work again once resumed", async function () {
      await (await f.suite.connect(f.agent).setAssetPaused(f.assetId, false)).wait();
      await expectRestriction(f, { from: A, to: B, amount: units(1) }, Restriction.Success);
      await expect(transfer(A, B, units(1))).to.changeTokenBalance(ethers, f.token, B, units(1));
    });
  });

  // ---------------------------------------------------------------- InvalidReceiver

  describe("InvalidReceiver", function () {
    it("answers InvalidReceiver for the zero address; mint and forced transfer revert with it", async function () {
      await expectRestriction(f, { from: A, to: ZeroAddress, amount: units(1) }, Restriction.InvalidReceiver);
      await refused(() => mintTo(ZeroAddress, units(1)), Restriction.InvalidReceiver, ZeroAddress);
      await refused(() => force(A, ZeroAddress, units(1)), Restriction.InvalidReceiver, ZeroAddress);
      expect(await f.token.canReceive(ZeroAddress)).to.equal(false);
    });

    it("the token itself refuses a transfer or transferFrom to the zero address with ERC20InvalidReceiver, before the diamond", async function () {
      // DiamondToken checks the zero receiver as any OpenZeppelin ERC-20 does; the diamond's
      // book call never runs, so the ERC-20 error comes instead of AssetTransferRestricted.
      const before = await assetState(f, watched(f));
      await expect(transfer(A, ZeroAddress, units(1)))
        .to.be.revertedWithCustomError(f.token, "ERC20InvalidReceiver")
        .withArgs(ZeroAddress);
      await expect(transferFrom(C, A, ZeroAddress, units(1)))
        .to.be.revertedWithCustomError(f.token, "ERC20InvalidReceiver")
        .withArgs(ZeroAddress);
      expect(await assetState(f, watched(f))).to.deep.equal(before);
      expect(await f.token.allowance(A.address, C.address)).to.equal(MAX_UINT);
    });
  });

  // ---------------------------------------------------------------- the sender

  describe("SenderNotVerified", function () {
    const cases: [string, (f: AssetFixture) => Promise<ContractTransactionResponse>][] = [
      ["suspended", (f) => f.suite.connect(f.provider).setIdentityStatus(f.idA, IdentityStatus.Suspended)],
      ["revoked", (f) => f.suite.connect(f.provider).setIdentityStatus(f.idA, IdentityStatus.Revoked)],
      [
        "removed from its identity",
        (f) => f.suite.connect(f.provider).removeIdentityWallet(f.idA, f.investorA.address),
      ],
    ];
    for (const [label, change] of cases) {
      it(`refuses the transfer and transferFrom of a sender ${label}; a forced transfer still takes its tokens`, async function () {
        await (await change(f)).wait();
        await expectRestriction(f, { from: A, to: B, amount: units(1) }, Restriction.SenderNotVerified);
        await expectRestriction(f, { from: A, to: B, amount: units(1), spender: C }, Restriction.SenderNotVerified);
        await refused(() => transfer(A, B, units(1)), Restriction.SenderNotVerified, A);
        await refused(() => transferFrom(C, A, B, units(1)), Restriction.SenderNotVerified, A);
        expect(await f.token.canSend(A.address)).to.equal(false);
        await expect(force(A, B, units(1))).to.changeTokenBalances(ethers, f.token, [A, B], [-units(1), units(1)]);
      });
    }

    it("refuses a sender whose KYC expires at the block's timestamp, and passes one second before", async function () {
      const E = extra[0];
      const expiresAt = (await latest(ethers)) + 1_000;
      await f.onboard("E", E, { ...kyc(f.now, GERMANY, InvestorClass.Professional), expiresAt });
      await mint(f, E, units(10));
      await networkHelpers.time.setNextBlockTimestamp(expiresAt - 1);
      await expect(transfer(E, B, units(1))).to.changeTokenBalance(ethers, f.token, B, units(1));
      await networkHelpers.time.setNextBlockTimestamp(expiresAt);
      // Mined (a fixed gas limit skips the estimate) in a block whose timestamp is the expiry.
      await refused(
        () => f.token.connect(E).transfer(B.address, units(1), { gasLimit: 300_000 }),
        Restriction.SenderNotVerified,
        E,
        f.assetId,
        [E],
      );
      expect(await latest(ethers)).to.equal(expiresAt);
      await expectRestriction(f, { from: E, to: B, amount: units(1) }, Restriction.SenderNotVerified);
    });

    it("refuses an unregistered wallet sending nothing it holds, even zero", async function () {
      await expectRestriction(f, { from: D, to: B, amount: 0n }, Restriction.SenderNotVerified);
      await refused(() => transfer(D, B, 0n), Restriction.SenderNotVerified, D);
    });
  });

  describe("SenderFrozen", function () {
    it("refuses the transfer and transferFrom of a frozen wallet; unfrozen, it sends again", async function () {
      await freezeWallet(f, A);
      await expectRestriction(f, { from: A, to: B, amount: units(1) }, Restriction.SenderFrozen);
      await expectRestriction(f, { from: A, to: B, amount: units(1), spender: C }, Restriction.SenderFrozen);
      await refused(() => transfer(A, B, units(1)), Restriction.SenderFrozen, A);
      await refused(() => transferFrom(C, A, B, units(1)), Restriction.SenderFrozen, A);
      // Not even to itself.
      await refused(() => transfer(A, A, units(1)), Restriction.SenderFrozen, A);
      expect(await f.token.canSend(A.address)).to.equal(false);
      expect(await f.token.canReceive(A.address)).to.equal(false);
      // The agent may still move the tokens of a frozen wallet.
      await expect(force(A, B, units(1))).to.changeTokenBalance(ethers, f.token, B, units(1));
      await freezeWallet(f, A, false);
      await expect(transfer(A, B, units(1))).to.changeTokenBalance(ethers, f.token, B, units(1));
    });
  });

  // ---------------------------------------------------------------- the spender

  describe("SpenderNotVerified and SpenderFrozen", function () {
    it("refuses a transferFrom by an unverified spender, keeping its allowance", async function () {
      await expectRestriction(f, { from: A, to: B, amount: units(1), spender: D }, Restriction.SpenderNotVerified);
      await refused(() => transferFrom(D, A, B, units(1)), Restriction.SpenderNotVerified, D);
      expect(await f.token.allowance(A.address, D.address)).to.equal(MAX_UINT);
      // A suspended spender is as unverified.
      await (await f.suite.connect(f.provider).setIdentityStatus(f.idC, IdentityStatus.Suspended)).wait();
      await expectRestriction(f, { from: A, to: B, amount: units(1), spender: C }, Restriction.SpenderNotVerified);
      await refused(() => transferFrom(C, A, B, units(1)), Restriction.SpenderNotVerified, C);
    });

    it("refuses a transferFrom by a frozen spender", async function () {
      await freezeWallet(f, C);
      await expectRestriction(f, { from: A, to: B, amount: units(1), spender: C }, Restriction.SpenderFrozen);
      await refused(() => transferFrom(C, A, B, units(1)), Restriction.SpenderFrozen, C);
    });

    it("an allowance survives a freeze of the spender or of the owner: refused while frozen, spent once unfrozen", async function () {
      await (await f.token.connect(A).approve(C.address, units(10))).wait();
      for (const frozen of [C, A]) {
        await freezeWallet(f, frozen);
        const code = frozen === C ? Restriction.SpenderFrozen : Restriction.SenderFrozen;
        await refused(() => transferFrom(C, A, B, units(4)), code, frozen);
        expect(await f.token.allowance(A.address, C.address)).to.equal(units(10));
        await freezeWallet(f, frozen, false);
      }
      await expect(transferFrom(C, A, B, units(4))).to.changeTokenBalance(ethers, f.token, B, units(4));
      expect(await f.token.allowance(A.address, C.address)).to.equal(units(6));
    });

    it("a transferFrom by the owner itself is judged as its transfer: no spender rule applies", async function () {
      await (await f.token.connect(A).approve(A.address, MAX_UINT)).wait();
      await expectRestriction(f, { from: A, to: B, amount: units(1), spender: A }, Restriction.Success);
      await expect(transferFrom(A, A, B, units(1))).to.changeTokenBalance(ethers, f.token, B, units(1));
    });
  });

  // ---------------------------------------------------------------- the receiver

  describe("ReceiverNotVerified", function () {
    /** Every path refuses `to` with ReceiverNotVerified; the views answer the same. */
    async function refusedEverywhere(to: Who) {
      await expectRestriction(f, { from: A, to, amount: units(1) }, Restriction.ReceiverNotVerified);
      await expectRestriction(f, { from: A, to, amount: units(1), spender: B }, Restriction.ReceiverNotVerified);
      await refused(() => transfer(A, to, units(1)), Restriction.ReceiverNotVerified, to, f.assetId, [to]);
      await refused(() => transferFrom(B, A, to, units(1)), Restriction.ReceiverNotVerified, to, f.assetId, [to]);
      await refused(() => mintTo(to, units(1)), Restriction.ReceiverNotVerified, to, f.assetId, [to]);
      await refused(() => force(A, to, units(1)), Restriction.ReceiverNotVerified, to, f.assetId, [to]);
      expect(await f.token.canReceive(addr(to))).to.equal(false);
      expect(await f.suite.assetCanReceive(f.assetId, addr(to))).to.equal(false);
    }

    it("refuses an unregistered receiver", async function () {
      await refusedEverywhere(D);
      await refusedEverywhere(Wallet.createRandom().address);
    });

    it("refuses a receiver whose identity is suspended, and accepts it once re-activated", async function () {
      await (await f.suite.connect(f.provider).setIdentityStatus(f.idC, IdentityStatus.Suspended)).wait();
      await refusedEverywhere(C);
      await (await f.suite.connect(f.provider).setIdentityStatus(f.idC, IdentityStatus.Active)).wait();
      await expect(transfer(A, C, units(1))).to.changeTokenBalance(ethers, f.token, C, units(1));
    });

    it("refuses a receiver whose identity is revoked", async function () {
      await (await f.suite.connect(f.provider).setIdentityStatus(f.idC, IdentityStatus.Revoked)).wait();
      await refusedEverywhere(C);
    });

    it("refuses a lost wallet (recovered to another)", async function () {
      await (await f.suite.connect(f.provider).recoverIdentityWallet(f.idC, C.address, extra[0].address)).wait();
      await refusedEverywhere(C);
      // Its replacement receives.
      await expect(transfer(A, extra[0], units(1))).to.changeTokenBalance(ethers, f.token, extra[0], units(1));
    });

    it("refuses a wallet removed from its identity", async function () {
      await (await f.suite.connect(f.provider).removeIdentityWallet(f.idC, C.address)).wait();
      await refusedEverywhere(C);
    });

    it("refuses a receiver whose KYC expires at the block's timestamp; one second before, it receives", async function () {
      const E = extra[0];
      const expiresAt = (await latest(ethers)) + 1_000;
      await f.onboard("E", E, { ...kyc(f.now, FRANCE, InvestorClass.Professional), expiresAt });
      await networkHelpers.time.setNextBlockTimestamp(expiresAt - 1);
      await expect(transfer(A, E, units(1))).to.changeTokenBalance(ethers, f.token, E, units(1));
      await networkHelpers.time.setNextBlockTimestamp(expiresAt);
      // Mined (a fixed gas limit skips the estimate) in a block whose timestamp is the expiry.
      await refused(
        () => f.token.connect(A).transfer(E.address, units(1), { gasLimit: 300_000 }),
        Restriction.ReceiverNotVerified,
        E,
        f.assetId,
        [E],
      );
      expect(await latest(ethers)).to.equal(expiresAt);
      await refusedEverywhere(E);
    });
  });

  describe("ReceiverFrozen", function () {
    it("refuses a frozen receiver in every path; unfrozen, it receives", async function () {
      await freezeWallet(f, B);
      await expectRestriction(f, { from: A, to: B, amount: units(1) }, Restriction.ReceiverFrozen);
      await expectRestriction(f, { from: A, to: B, amount: units(1), spender: C }, Restriction.ReceiverFrozen);
      await refused(() => transfer(A, B, units(1)), Restriction.ReceiverFrozen, B);
      await refused(() => transferFrom(C, A, B, units(1)), Restriction.ReceiverFrozen, B);
      await refused(() => mintTo(B, units(1)), Restriction.ReceiverFrozen, B);
      await refused(() => force(A, B, units(1)), Restriction.ReceiverFrozen, B);
      expect(await f.token.canReceive(B.address)).to.equal(false);
      await freezeWallet(f, B, false);
      await expect(transfer(A, B, units(1))).to.changeTokenBalance(ethers, f.token, B, units(1));
    });
  });

  describe("JurisdictionNotAllowed", function () {
    it("refuses a receiver of a jurisdiction the asset does not allow (an American investor) in every path", async function () {
      const us = extra[0];
      await f.onboard("US", us, kyc(f.now, USA, InvestorClass.Professional));
      expect(await f.suite.isVerified(us.address)).to.equal(true);
      await expectRestriction(f, { from: A, to: us, amount: units(1) }, Restriction.JurisdictionNotAllowed);
      await expectRestriction(f, { from: A, to: us, amount: units(1), spender: C }, Restriction.JurisdictionNotAllowed);
      await refused(() => transfer(A, us, units(1)), Restriction.JurisdictionNotAllowed, us, f.assetId, [us]);
      await refused(() => transferFrom(C, A, us, units(1)), Restriction.JurisdictionNotAllowed, us, f.assetId, [us]);
      await refused(() => mintTo(us, units(1)), Restriction.JurisdictionNotAllowed, us, f.assetId, [us]);
      await refused(() => force(A, us, units(1)), Restriction.JurisdictionNotAllowed, us, f.assetId, [us]);
      expect(await f.token.canReceive(us.address)).to.equal(false);
      // Germany (the second allowed) and France pass.
      await expect(transfer(A, B, units(1))).to.changeTokenBalance(ethers, f.token, B, units(1));
      await expect(transfer(A, C, units(1))).to.changeTokenBalance(ethers, f.token, C, units(1));
    });

    it("checks all ten jurisdictions of a full list", async function () {
      const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, USA];
      const { assetId, token } = await createAsset(f, { rules: { jurisdictions: ten } });
      const us = extra[0];
      await f.onboard("US", us, kyc(f.now, USA, InvestorClass.Professional));
      await mint(f, us, units(1), assetId);
      expect(await token.canReceive(A.address)).to.equal(false);
      await refused(() => mintTo(A, units(1), assetId), Restriction.JurisdictionNotAllowed, A, assetId);
    });
  });

  describe("ClassNotAllowed", function () {
    it("refuses a receiver of a class the asset does not allow (a retail investor) in every path", async function () {
      const retail = extra[0];
      await f.onboard("retail", retail, kyc(f.now, FRANCE, InvestorClass.Retail));
      await expectRestriction(f, { from: A, to: retail, amount: units(1) }, Restriction.ClassNotAllowed);
      await expectRestriction(f, { from: A, to: retail, amount: units(1), spender: C }, Restriction.ClassNotAllowed);
      await refused(() => transfer(A, retail, units(1)), Restriction.ClassNotAllowed, retail, f.assetId, [retail]);
      await refused(() => transferFrom(C, A, retail, units(1)), Restriction.ClassNotAllowed, retail, f.assetId, [
        retail,
      ]);
      await refused(() => mintTo(retail, units(1)), Restriction.ClassNotAllowed, retail, f.assetId, [retail]);
      await refused(() => force(A, retail, units(1)), Restriction.ClassNotAllowed, retail, f.assetId, [retail]);
      expect(await f.token.canReceive(retail.address)).to.equal(false);
    });
  });

  // ---------------------------------------------------------------- the amount

  describe("InsufficientBalance", function () {
    it("refuses moving more than the sender holds, in transfer, transferFrom and a forced transfer", async function () {
      const more = THOUSAND + 1n;
      await expectRestriction(f, { from: A, to: B, amount: more }, Restriction.InsufficientBalance);
      await expectRestriction(f, { from: A, to: B, amount: more, spender: C }, Restriction.InsufficientBalance);
      await refused(() => transfer(A, B, more), Restriction.InsufficientBalance, A);
      await refused(() => transferFrom(C, A, B, more), Restriction.InsufficientBalance, A);
      await refused(() => force(A, B, more), Restriction.InsufficientBalance, A);
      // Nor to itself.
      await refused(() => transfer(A, A, more), Restriction.InsufficientBalance, A);
      // Exactly the balance passes.
      await expect(transfer(A, B, THOUSAND)).to.changeTokenBalance(ethers, f.token, B, THOUSAND);
    });
  });

  describe("BalanceFrozenOrLocked", function () {
    it("refuses moving more than the part of the balance that is not frozen", async function () {
      await expect(f.suite.connect(f.agent).setAssetFrozenTokens(f.assetId, A.address, units(600)))
        .to.emit(f.suite, "AssetTokensFrozen")
        .withArgs(f.assetId, A.address, units(600));
      expect((await f.suite.assetHolding(f.assetId, A.address)).available).to.equal(units(400));
      const over = units(400) + 1n;
      await expectRestriction(f, { from: A, to: B, amount: over }, Restriction.BalanceFrozenOrLocked);
      await expectRestriction(f, { from: A, to: B, amount: over, spender: C }, Restriction.BalanceFrozenOrLocked);
      await refused(() => transfer(A, B, over), Restriction.BalanceFrozenOrLocked, A);
      await refused(() => transferFrom(C, A, B, over), Restriction.BalanceFrozenOrLocked, A);
      // The wallet itself is not frozen: it sends and receives.
      expect(await f.token.canSend(A.address)).to.equal(true);
      await expect(transfer(A, B, units(400))).to.changeTokenBalance(ethers, f.token, B, units(400));
      await expectRestriction(f, { from: A, to: B, amount: 1n }, Restriction.BalanceFrozenOrLocked);
      // A frozen amount above the balance leaves nothing free.
      await (await f.suite.connect(f.agent).setAssetFrozenTokens(f.assetId, A.address, units(2_000))).wait();
      await mint(f, A, units(500));
      expect((await f.suite.assetHolding(f.assetId, A.address)).available).to.equal(0n);
      await refused(() => transfer(A, B, 1n), Restriction.BalanceFrozenOrLocked, A);
    });

    it("refuses moving locked tokens until the lock ends", async function () {
      const until = (await latest(ethers)) + DAY;
      await writeLock(ethers, f, A, units(300), until);
      const h = await f.suite.assetHolding(f.assetId, A.address);
      expect([h.locked, h.lockedUntil, h.available]).to.deep.equal([units(300), BigInt(until), units(700)]);
      await expectRestriction(f, { from: A, to: B, amount: units(700) + 1n }, Restriction.BalanceFrozenOrLocked);
      await refused(() => transfer(A, B, units(700) + 1n), Restriction.BalanceFrozenOrLocked, A);
      // Frozen and locked add up.
      await (await f.suite.connect(f.agent).setAssetFrozenTokens(f.assetId, A.address, units(100))).wait();
      await refused(() => transfer(A, B, units(600) + 1n), Restriction.BalanceFrozenOrLocked, A);
      await expect(transfer(A, B, units(600))).to.changeTokenBalance(ethers, f.token, B, units(600));
      // At the lock's end it no longer counts.
      await networkHelpers.time.setNextBlockTimestamp(until);
      await expect(transfer(A, B, units(300))).to.changeTokenBalance(ethers, f.token, B, units(300));
    });
  });

  // ---------------------------------------------------------------- holders and per-identity balances

  describe("MaxHoldersReached", function () {
    let assetId: bigint;
    let token: AssetFixture["token"];
    let A2: HardhatEthersSigner;

    beforeEach(async function () {
      ({ assetId, token } = await createAsset(f, { rules: { maxHolders: 2 } }));
      A2 = extra[0];
      await f.onboard("A", A2); // a second wallet of identity A
      await mint(f, A, units(100), assetId);
      await mint(f, B, units(100), assetId);
    });

    it("counts holders per identity: a second wallet of a holder's identity receives at the limit", async function () {
      expect((await f.suite.getAsset(assetId)).holderCount).to.equal(2n);
      await expect(mintTo(A2, units(10), assetId)).to.not.emit(f.suite, "AssetHolderCountChanged");
      await expect(transfer(A, A2, units(10), token)).to.changeTokenBalance(ethers, token, A2, units(10));
      expect((await f.suite.getAsset(assetId)).holderCount).to.equal(2n);
    });

    it("a zero-amount transfer to a third identity passes at the limit: it makes no holder", async function () {
      await expect(transfer(A, C, 0n, token))
        .to.emit(token, "Transfer")
        .withArgs(A.address, C.address, 0n);
      expect((await f.suite.getAsset(assetId)).holderCount).to.equal(2n);
    });

    it("refuses a third identity in every path", async function () {
      await expectRestriction(f, { from: A, to: C, amount: units(1), assetId, token }, Restriction.MaxHoldersReached);
      await refused(() => transfer(A, C, units(1), token), Restriction.MaxHoldersReached, C, assetId);
      await (await token.connect(A).approve(A2.address, MAX_UINT)).wait();
      await expectRestriction(
        f,
        { from: A, to: C, amount: units(1), spender: A2, assetId, token },
        Restriction.MaxHoldersReached,
      );
      await refused(() => transferFrom(A2, A, C, units(1), token), Restriction.MaxHoldersReached, C, assetId);
      await refused(() => mintTo(C, units(1), assetId), Restriction.MaxHoldersReached, C, assetId);
      await refused(() => force(A, C, units(1), assetId), Restriction.MaxHoldersReached, C, assetId);
    });

    it("passes at the limit a transfer that makes the sender's identity leave as the receiver's joins", async function () {
      await expectRestriction(f, { from: B, to: C, amount: units(100), assetId, token }, Restriction.Success);
      const tx = transfer(B, C, units(100), token);
      await expect(tx).to.changeTokenBalances(ethers, token, [B, C], [-units(100), units(100)]);
      await expect(tx).to.not.emit(f.suite, "AssetHolderCountChanged");
      expect((await f.suite.getAsset(assetId)).holderCount).to.equal(2n);
      // Not when the sender's identity keeps another wallet holding: A and A2 both hold.
      await mint(f, A2, units(10), assetId);
      await refused(() => transfer(A, D, units(100), token), Restriction.ReceiverNotVerified, D, assetId);
      await f.onboard("D", D, kyc(f.now, GERMANY, InvestorClass.Professional));
      await expectRestriction(f, { from: A, to: D, amount: units(100), assetId, token }, Restriction.MaxHoldersReached);
      await refused(() => transfer(A, D, units(100), token), Restriction.MaxHoldersReached, D, assetId);
      // Nor when it sends only part.
      await expectRestriction(f, { from: C, to: D, amount: units(99), assetId, token }, Restriction.MaxHoldersReached);
      await expect(transfer(C, D, units(100), token)).to.changeTokenBalance(ethers, token, D, units(100));
    });
  });

  describe("MaxBalanceExceeded", function () {
    let assetId: bigint;
    let token: AssetFixture["token"];
    let A2: HardhatEthersSigner;

    beforeEach(async function () {
      ({ assetId, token } = await createAsset(f, { rules: { maxBalancePerIdentity: units(100) } }));
      A2 = extra[0];
      await f.onboard("A", A2);
      await mint(f, A, units(60), assetId);
      await mint(f, A2, units(40), assetId);
      await mint(f, B, units(50), assetId);
    });

    it("adds up the wallets of one identity against the limit, in every path", async function () {
      expect(await f.suite.assetIdentityBalance(assetId, f.idA)).to.equal(units(100));
      await expectRestriction(f, { from: B, to: A2, amount: 1n, assetId, token }, Restriction.MaxBalanceExceeded);
      await refused(() => transfer(B, A2, 1n, token), Restriction.MaxBalanceExceeded, A2, assetId, [A2]);
      await (await token.connect(B).approve(C.address, MAX_UINT)).wait();
      await expectRestriction(
        f,
        { from: B, to: A, amount: 1n, spender: C, assetId, token },
        Restriction.MaxBalanceExceeded,
      );
      await refused(() => transferFrom(C, B, A, 1n, token), Restriction.MaxBalanceExceeded, A, assetId, [A2]);
      await refused(() => mintTo(A2, 1n, assetId), Restriction.MaxBalanceExceeded, A2, assetId, [A2]);
      await refused(() => force(B, A, 1n, assetId), Restriction.MaxBalanceExceeded, A, assetId, [A2]);
    });

    it("lets the identity's wallets move between themselves at the limit, and receive again below it", async function () {
      await expect(transfer(A, A2, units(60), token)).to.changeTokenBalance(ethers, token, A2, units(60));
      expect(await f.suite.assetIdentityBalance(assetId, f.idA)).to.equal(units(100));
      await (await transfer(A2, B, units(10), token)).wait();
      expect(await f.suite.assetIdentityBalance(assetId, f.idA)).to.equal(units(90));
      await expectRestriction(f, { from: B, to: A, amount: units(10), assetId, token }, Restriction.Success);
      await expectRestriction(
        f,
        { from: B, to: A, amount: units(10) + 1n, assetId, token },
        Restriction.MaxBalanceExceeded,
      );
      await expect(transfer(B, A, units(10), token)).to.changeTokenBalance(ethers, token, A, units(10));
    });
  });

  describe("CapExceeded", function () {
    it("refuses a mint past the cap (account zero); a burn makes room again", async function () {
      const { assetId } = await createAsset(f, { cap: units(100) });
      await mint(f, A, units(100), assetId);
      await refused(() => mintTo(B, 1n, assetId), Restriction.CapExceeded, ZeroAddress, assetId);
      expect(await f.token.messageForTransferRestriction(Restriction.CapExceeded)).to.equal(
        "The amount would exceed the asset's cap",
      );
      await (await f.suite.connect(f.agent).burnAsset(assetId, A.address, 1n)).wait();
      await expect(mintTo(B, 1n, assetId)).to.emit(f.suite, "AssetMinted");
    });

    it("the fixture's cap: minting up to it passes, one more unit is refused", async function () {
      const cap = (await f.suite.getAsset(f.assetId)).cap;
      await mint(f, B, cap - THOUSAND);
      await refused(() => mintTo(B, 1n), Restriction.CapExceeded, ZeroAddress);
      // A transfer is never refused for the cap.
      await expectRestriction(f, { from: A, to: C, amount: THOUSAND }, Restriction.Success);
    });
  });

  // ---------------------------------------------------------------- special movements

  describe("the custodian, self-transfers, zero amounts, canSend and canReceive", function () {
    it("the diamond receives nothing but what its modules pull: a transfer, a mint or a forced transfer to it is refused", async function () {
      expect(await f.suite.identityOf(f.diamondAddress)).to.equal(ethers.ZeroHash);
      expect(await f.token.canReceive(f.diamondAddress)).to.equal(false);
      // Tokens sent to the diamond would be accounted by no module: refused.
      await refused(() => transfer(A, f.diamondAddress, THOUSAND), Restriction.ReceiverNotVerified, f.diamondAddress);
      await refused(() => mintTo(f.diamondAddress, units(1)), Restriction.ReceiverNotVerified, f.diamondAddress);
      await refused(() => force(A, f.diamondAddress, units(1)), Restriction.ReceiverNotVerified, f.diamondAddress);
      // An approval to the diamond does not make a holder's transferFrom by someone else a pull.
      await (await f.token.connect(A).approve(B.address, THOUSAND)).wait();
      await refused(
        () => f.token.connect(B).transferFrom(A.address, f.diamondAddress, THOUSAND),
        Restriction.ReceiverNotVerified,
        f.diamondAddress,
      );
    });

    it("a self-transfer passes, changes no balance and emits one Transfer", async function () {
      const before = await assetState(f, watched(f));
      const receipt = await (await transfer(A, A, units(100))).wait();
      const logs = transferLogs(f.token, receipt);
      expect(logs).to.have.length(1);
      expect([...logs[0].args]).to.deep.equal([A.address, A.address, units(100)]);
      expect(await assetState(f, watched(f))).to.deep.equal(before);
    });

    it("a zero-amount transfer passes and makes no holder; to an ineligible receiver it is refused", async function () {
      const tx = transfer(A, B, 0n);
      await expect(tx).to.emit(f.token, "Transfer").withArgs(A.address, B.address, 0n);
      await expect(tx).to.not.emit(f.suite, "AssetHolderCountChanged");
      expect((await f.suite.getAsset(f.assetId)).holderCount).to.equal(1n);
      await refused(() => transfer(A, D, 0n), Restriction.ReceiverNotVerified, D);
      // A mint needs an amount.
      await expect(mintTo(B, 0n)).to.be.revertedWithCustomError(f.suite, "AssetZeroAmount");
    });

    it("canSend and canReceive, on the token and the diamond, follow verification, freezes, rules and the pause", async function () {
      const retail = extra[0];
      await f.onboard("retail", retail, kyc(f.now, FRANCE, InvestorClass.Retail));
      const expectations: [string, Who, boolean, boolean][] = [
        ["a verified investor", A, true, true],
        ["an unregistered wallet", D, false, false],
        ["a retail investor (verified, class refused)", retail, true, false],
        // The custodian sends (releases from custody) and receives only what its modules pull.
        ["the diamond", f.diamondAddress, true, false],
        ["the zero address", ZeroAddress, false, false],
      ];
      const check = async (rows: typeof expectations) => {
        for (const [label, who, send, receive] of rows) {
          expect(await f.suite.assetCanSend(f.assetId, addr(who)), `assetCanSend ${label}`).to.equal(send);
          expect(await f.token.canSend(addr(who)), `canSend ${label}`).to.equal(send);
          expect(await f.suite.assetCanReceive(f.assetId, addr(who)), `assetCanReceive ${label}`).to.equal(receive);
          expect(await f.token.canReceive(addr(who)), `canReceive ${label}`).to.equal(receive);
        }
      };
      await check(expectations);
      await freezeWallet(f, A);
      await check([["a frozen wallet", A, false, false]]);
      await freezeWallet(f, A, false);
      await (await f.suite.connect(f.agent).setAssetPaused(f.assetId, true)).wait();
      // Paused: holders do not send; releases from custody still run; receiving is unchanged.
      await check([
        ["a verified investor, paused", A, false, true],
        ["the diamond, paused", f.diamondAddress, true, false],
      ]);
    });
  });
});
