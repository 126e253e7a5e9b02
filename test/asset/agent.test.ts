// The agent's powers: mint, burn (frozen tokens last), forced transfers (the sender's state
// does not count, the receiver's does), wallet freezes, frozen amounts and the pause, with
// their events and the holder count.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { Restriction } from "../../scripts/lib/asset.js";
import { IdentityStatus, InvestorClass } from "../../scripts/lib/identity.js";
import { assetFixture, DAY, FRANCE, kyc, units, USA, type AssetFixture } from "./fixture.js";
import {
  createAsset,
  expectRefused,
  expectRestricted,
  freezeWallet,
  latest,
  MAX_BALANCE,
  MAX_FROZEN,
  mint,
  THOUSAND,
  tokenLogs,
  transferLogs,
  watched,
  writeLock,
  type Who,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => assetFixture(ethers);

describe("asset: agent powers", function () {
  let f: AssetFixture;
  let A: HardhatEthersSigner;
  let B: HardhatEthersSigner;
  let C: HardhatEthersSigner;
  let D: HardhatEthersSigner;
  let extra: HardhatEthersSigner[];

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    [A, B, C, D] = [f.investorA, f.investorB, f.investorC, f.investorD];
    extra = (await ethers.getSigners()).slice(13);
  });

  const agent = () => f.suite.connect(f.agent);
  const holding = (who: Who, assetId = f.assetId) =>
    f.suite.assetHolding(assetId, typeof who === "string" ? who : who.address);
  const holderCount = async (assetId = f.assetId) => (await f.suite.getAsset(assetId)).holderCount;
  const supply = async (assetId = f.assetId) => (await f.suite.getAsset(assetId)).totalSupply;

  // ---------------------------------------------------------------- mintAsset

  describe("mintAsset", function () {
    it("mints to an eligible wallet with AssetMinted and one token Transfer from zero", async function () {
      const tx = agent().mintAsset(f.assetId, A.address, THOUSAND);
      await expect(tx)
        .to.emit(f.suite, "AssetMinted")
        .withArgs(f.assetId, A.address, THOUSAND, f.agent.address)
        .and.to.emit(f.token, "Transfer")
        .withArgs(ZeroAddress, A.address, THOUSAND);
      const logs = transferLogs(f.token, await (await tx).wait());
      expect(logs).to.have.length(1);
      expect(await f.token.balanceOf(A.address)).to.equal(THOUSAND);
      expect(await f.token.totalSupply()).to.equal(THOUSAND);
      expect(await supply()).to.equal(THOUSAND);
    });

    it("reverts with AssetZeroAmount for zero", async function () {
      await expectRefused(f, () => agent().mintAsset(f.assetId, A.address, 0n), "AssetZeroAmount", []);
    });

    it("reverts with AssetAmountTooLarge when the supply would pass 2^112 − 1 (an asset without a cap)", async function () {
      const { assetId } = await createAsset(f, { cap: 0n });
      await mint(f, A, MAX_BALANCE - 1n, assetId);
      await mint(f, B, 1n, assetId);
      expect(await supply(assetId)).to.equal(MAX_BALANCE);
      await expectRefused(
        f,
        () => agent().mintAsset(assetId, C.address, 1n),
        "AssetAmountTooLarge",
        [MAX_BALANCE + 1n, MAX_BALANCE],
        { assetIds: [assetId] },
      );
    });

    it("refuses an ineligible receiver with AssetTransferRestricted (every receiver rule applies)", async function () {
      await expectRestricted(f, () => agent().mintAsset(f.assetId, D.address, 1n), Restriction.ReceiverNotVerified, D);
    });
  });

  // ---------------------------------------------------------------- burnAsset

  describe("burnAsset", function () {
    beforeEach(async function () {
      await mint(f, A, THOUSAND);
    });

    it("burns with AssetBurned and one token Transfer to zero, lowering the supply", async function () {
      const tx = agent().burnAsset(f.assetId, A.address, units(400));
      await expect(tx)
        .to.emit(f.suite, "AssetBurned")
        .withArgs(f.assetId, A.address, units(400), f.agent.address)
        .and.to.emit(f.token, "Transfer")
        .withArgs(A.address, ZeroAddress, units(400));
      expect(transferLogs(f.token, await (await tx).wait())).to.have.length(1);
      expect(await f.token.balanceOf(A.address)).to.equal(units(600));
      expect(await supply()).to.equal(units(600));
      expect(await holderCount()).to.equal(1n);
    });

    it("burns frozen tokens last: the frozen amount drops to what is left, with AssetTokensFrozen and Frozen", async function () {
      await (await agent().setAssetFrozenTokens(f.assetId, A.address, units(300))).wait();
      // The free 700 go first: the frozen amount stays.
      const first = agent().burnAsset(f.assetId, A.address, units(700));
      await expect(first).to.not.emit(f.suite, "AssetTokensFrozen");
      await expect(first).to.not.emit(f.token, "Frozen");
      expect((await holding(A)).frozen).to.equal(units(300));
      // Then frozen tokens: 200 are left, all frozen.
      await expect(agent().burnAsset(f.assetId, A.address, units(100)))
        .to.emit(f.suite, "AssetTokensFrozen")
        .withArgs(f.assetId, A.address, units(200))
        .and.to.emit(f.token, "Frozen")
        .withArgs(A.address, units(200));
      const h = await holding(A);
      expect([h.balance, h.frozen, h.available]).to.deep.equal([units(200), units(200), 0n]);
      expect(await f.token.getFrozenTokens(A.address)).to.equal(units(200));
    });

    it("burns the whole balance of a frozen, unverified wallet; the holder leaves", async function () {
      await freezeWallet(f, A);
      await (await f.suite.connect(f.provider).setIdentityStatus(f.idA, IdentityStatus.Suspended)).wait();
      await expect(agent().burnAsset(f.assetId, A.address, THOUSAND))
        .to.emit(f.suite, "AssetHolderCountChanged")
        .withArgs(f.assetId, 0);
      expect(await supply()).to.equal(0n);
    });

    it("reverts with AssetTransferRestricted(InsufficientBalance) beyond the balance, and AssetZeroAmount for zero", async function () {
      await expectRestricted(
        f,
        () => agent().burnAsset(f.assetId, A.address, THOUSAND + 1n),
        Restriction.InsufficientBalance,
        A,
      );
      await expectRefused(f, () => agent().burnAsset(f.assetId, A.address, 0n), "AssetZeroAmount", []);
    });
  });

  // ---------------------------------------------------------------- forcedAssetTransfer

  describe("forcedAssetTransfer", function () {
    beforeEach(async function () {
      await mint(f, A, THOUSAND);
    });

    it("moves tokens with AssetForcedTransfer, one token Transfer and the token's ForcedTransfer", async function () {
      const tx = agent().forcedAssetTransfer(f.assetId, A.address, B.address, units(250));
      await expect(tx)
        .to.emit(f.suite, "AssetForcedTransfer")
        .withArgs(f.assetId, A.address, B.address, units(250), f.agent.address)
        .and.to.emit(f.token, "ForcedTransfer")
        .withArgs(A.address, B.address, units(250));
      const receipt = await (await tx).wait();
      const logs = transferLogs(f.token, receipt);
      expect(logs).to.have.length(1);
      expect([...logs[0].args]).to.deep.equal([A.address, B.address, units(250)]);
      expect(tokenLogs(f.token, receipt, "ForcedTransfer")).to.have.length(1);
      expect([await f.token.balanceOf(A.address), await f.token.balanceOf(B.address)]).to.deep.equal([
        units(750),
        units(250),
      ]);
      expect(await supply()).to.equal(THOUSAND);
    });

    for (const [label, change] of [
      [
        "suspended",
        (f: AssetFixture) => f.suite.connect(f.provider).setIdentityStatus(f.idA, IdentityStatus.Suspended),
      ],
      [
        "removed from its identity",
        (f: AssetFixture) => f.suite.connect(f.provider).removeIdentityWallet(f.idA, f.investorA.address),
      ],
      [
        "frozen",
        (f: AssetFixture) => f.suite.connect(f.agent).setAssetWalletFrozen(f.assetId, f.investorA.address, true),
      ],
    ] as const) {
      it(`takes the tokens of a sender ${label}`, async function () {
        await (await change(f)).wait();
        expect(await f.token.canSend(A.address)).to.equal(false);
        await expect(agent().forcedAssetTransfer(f.assetId, A.address, B.address, THOUSAND)).to.changeTokenBalances(
          ethers,
          f.token,
          [A, B],
          [-THOUSAND, THOUSAND],
        );
      });
    }

    it("moves frozen and locked tokens; the frozen amount drops to what is left", async function () {
      await writeLock(ethers, f, A, units(100), (await latest(ethers)) + DAY);
      await (await agent().setAssetFrozenTokens(f.assetId, A.address, units(900))).wait();
      // 900 frozen and 100 locked: nothing the holder could move itself.
      expect((await holding(A)).available).to.equal(0n);
      // 500 of 1,000 leave: 500 are left, at most 500 frozen.
      await expect(agent().forcedAssetTransfer(f.assetId, A.address, B.address, units(500)))
        .to.emit(f.suite, "AssetTokensFrozen")
        .withArgs(f.assetId, A.address, units(500))
        .and.to.emit(f.token, "Frozen")
        .withArgs(A.address, units(500));
      let h = await holding(A);
      expect([h.balance, h.frozen]).to.deep.equal([units(500), units(500)]);
      // The rest: nothing is left, nothing frozen; the receiver's frozen amount is untouched.
      await expect(agent().forcedAssetTransfer(f.assetId, A.address, B.address, units(500)))
        .to.emit(f.suite, "AssetTokensFrozen")
        .withArgs(f.assetId, A.address, 0n);
      h = await holding(A);
      expect([h.balance, h.frozen]).to.deep.equal([0n, 0n]);
      expect((await holding(B)).frozen).to.equal(0n);
      expect(await f.token.balanceOf(B.address)).to.equal(THOUSAND);
    });

    it("keeps the frozen amount when the free tokens cover the transfer", async function () {
      await (await agent().setAssetFrozenTokens(f.assetId, A.address, units(300))).wait();
      await expect(agent().forcedAssetTransfer(f.assetId, A.address, B.address, units(700))).to.not.emit(
        f.suite,
        "AssetTokensFrozen",
      );
      expect((await holding(A)).frozen).to.equal(units(300));
    });

    it("refuses a receiver that may not hold the asset, whatever the rule", async function () {
      const [us, retail] = extra;
      await f.onboard("US", us, kyc(f.now, USA, InvestorClass.Professional));
      await f.onboard("retail", retail, kyc(f.now, FRANCE, InvestorClass.Retail));
      await freezeWallet(f, C);
      const receivers: [Who, number][] = [
        [ZeroAddress, Restriction.InvalidReceiver],
        [D, Restriction.ReceiverNotVerified],
        [C, Restriction.ReceiverFrozen],
        [us, Restriction.JurisdictionNotAllowed],
        [retail, Restriction.ClassNotAllowed],
      ];
      for (const [to, code] of receivers) {
        const address = typeof to === "string" ? to : to.address;
        await expectRestricted(f, () => agent().forcedAssetTransfer(f.assetId, A.address, address, 1n), code, to, {
          wallets: watched(f, [us, retail]),
        });
      }
    });

    it("the receiver's holder and per-identity limits apply", async function () {
      const { assetId } = await createAsset(f, { rules: { maxHolders: 2, maxBalancePerIdentity: units(10) } });
      await mint(f, A, units(10), assetId);
      await mint(f, B, units(5), assetId);
      const opts = { assetId, wallets: watched(f, [extra[0]]) };
      await expectRestricted(
        f,
        () => agent().forcedAssetTransfer(assetId, A.address, C.address, units(1)),
        Restriction.MaxHoldersReached,
        C,
        opts,
      );
      await expectRestricted(
        f,
        () => agent().forcedAssetTransfer(assetId, B.address, A.address, units(1)),
        Restriction.MaxBalanceExceeded,
        A,
        opts,
      );
      // Between the wallets of one identity, neither limit counts.
      const A2 = extra[0];
      await f.onboard("A", A2);
      await (await agent().forcedAssetTransfer(assetId, A.address, A2.address, units(5))).wait();
      expect(await f.suite.assetIdentityBalance(assetId, f.idA)).to.equal(units(10));
      expect(await holderCount(assetId)).to.equal(2n);
    });

    it("reverts with AssetSelfTransfer for the same wallet, which could otherwise unfreeze tokens, changing nothing", async function () {
      await (await agent().setAssetFrozenTokens(f.assetId, A.address, units(300))).wait();
      await expectRefused(
        f,
        () => agent().forcedAssetTransfer(f.assetId, A.address, A.address, units(900)),
        "AssetSelfTransfer",
        [f.assetId, A.address],
      );
      // Before the amount is looked at.
      await expectRefused(
        f,
        () => agent().forcedAssetTransfer(f.assetId, A.address, A.address, 0n),
        "AssetSelfTransfer",
        [f.assetId, A.address],
      );
      expect((await holding(A)).frozen).to.equal(units(300));
    });

    it("reverts with AssetZeroAmount for zero and AssetTransferRestricted(InsufficientBalance) beyond the balance", async function () {
      await expectRefused(
        f,
        () => agent().forcedAssetTransfer(f.assetId, A.address, B.address, 0n),
        "AssetZeroAmount",
        [],
      );
      await expectRestricted(
        f,
        () => agent().forcedAssetTransfer(f.assetId, A.address, B.address, THOUSAND + 1n),
        Restriction.InsufficientBalance,
        A,
      );
    });
  });

  // ---------------------------------------------------------------- freezes

  describe("setAssetWalletFrozen", function () {
    it("freezes and unfreezes a wallet for one asset, with AssetWalletFrozen", async function () {
      await mint(f, A, THOUSAND);
      const other = await createAsset(f);
      await mint(f, A, THOUSAND, other.assetId);
      await expect(agent().setAssetWalletFrozen(f.assetId, A.address, true))
        .to.emit(f.suite, "AssetWalletFrozen")
        .withArgs(f.assetId, A.address, true, f.agent.address);
      expect((await holding(A)).walletFrozen).to.equal(true);
      expect(await f.token.canSend(A.address)).to.equal(false);
      // The other asset is not concerned.
      expect((await holding(A, other.assetId)).walletFrozen).to.equal(false);
      expect(await other.token.canSend(A.address)).to.equal(true);
      // The balance and its frozen amount are untouched.
      const h = await holding(A);
      expect([h.balance, h.frozen]).to.deep.equal([THOUSAND, 0n]);
      await expect(agent().setAssetWalletFrozen(f.assetId, A.address, false))
        .to.emit(f.suite, "AssetWalletFrozen")
        .withArgs(f.assetId, A.address, false, f.agent.address);
      expect(await f.token.canSend(A.address)).to.equal(true);
    });

    it("freezes a wallet that holds nothing yet: it cannot receive", async function () {
      await (await agent().setAssetWalletFrozen(f.assetId, B.address, true)).wait();
      await expectRestricted(f, () => agent().mintAsset(f.assetId, B.address, 1n), Restriction.ReceiverFrozen, B);
    });

    it("reverts with AssetWalletFreezeUnchanged when the wallet already is in that state", async function () {
      await expectRefused(
        f,
        () => agent().setAssetWalletFrozen(f.assetId, A.address, false),
        "AssetWalletFreezeUnchanged",
        [f.assetId, A.address, false],
      );
      await freezeWallet(f, A);
      await expectRefused(
        f,
        () => agent().setAssetWalletFrozen(f.assetId, A.address, true),
        "AssetWalletFreezeUnchanged",
        [f.assetId, A.address, true],
      );
    });
  });

  describe("setAssetFrozenTokens", function () {
    beforeEach(async function () {
      await mint(f, A, THOUSAND);
    });

    it("sets (overwrites) the frozen amount, with AssetTokensFrozen and the token's Frozen", async function () {
      for (const amount of [units(300), units(100), 0n]) {
        await expect(agent().setAssetFrozenTokens(f.assetId, A.address, amount))
          .to.emit(f.suite, "AssetTokensFrozen")
          .withArgs(f.assetId, A.address, amount)
          .and.to.emit(f.token, "Frozen")
          .withArgs(A.address, amount);
        expect(await f.token.getFrozenTokens(A.address)).to.equal(amount);
        expect((await holding(A)).available).to.equal(THOUSAND - amount);
      }
    });

    it("may exceed the balance, up to 2^104 − 1; then nothing is available", async function () {
      await (await agent().setAssetFrozenTokens(f.assetId, A.address, units(5_000))).wait();
      let h = await holding(A);
      expect([h.balance, h.frozen, h.available]).to.deep.equal([THOUSAND, units(5_000), 0n]);
      await (await agent().setAssetFrozenTokens(f.assetId, B.address, MAX_FROZEN)).wait();
      h = await holding(B);
      expect([h.balance, h.frozen]).to.deep.equal([0n, MAX_FROZEN]);
    });

    it("reverts with AssetAmountTooLarge above 2^104 − 1", async function () {
      await expectRefused(
        f,
        () => agent().setAssetFrozenTokens(f.assetId, A.address, MAX_FROZEN + 1n),
        "AssetAmountTooLarge",
        [MAX_FROZEN + 1n, MAX_FROZEN],
      );
    });
  });

  // ---------------------------------------------------------------- pause

  describe("setAssetPaused", function () {
    it("pauses and resumes with AssetPaused; getAsset shows it", async function () {
      await expect(agent().setAssetPaused(f.assetId, true))
        .to.emit(f.suite, "AssetPaused")
        .withArgs(f.assetId, true, f.agent.address);
      expect((await f.suite.getAsset(f.assetId)).paused).to.equal(true);
      await expect(agent().setAssetPaused(f.assetId, false))
        .to.emit(f.suite, "AssetPaused")
        .withArgs(f.assetId, false, f.agent.address);
      expect((await f.suite.getAsset(f.assetId)).paused).to.equal(false);
    });

    it("pauses one asset only", async function () {
      const other = await createAsset(f);
      await mint(f, A, THOUSAND, other.assetId);
      await (await agent().setAssetPaused(f.assetId, true)).wait();
      await expect(other.token.connect(A).transfer(B.address, 1n)).to.changeTokenBalance(ethers, other.token, B, 1n);
    });

    it("reverts with AssetAlreadyPaused and AssetNotPaused when nothing would change", async function () {
      await expectRefused(f, () => agent().setAssetPaused(f.assetId, false), "AssetNotPaused", [f.assetId]);
      await (await agent().setAssetPaused(f.assetId, true)).wait();
      await expectRefused(f, () => agent().setAssetPaused(f.assetId, true), "AssetAlreadyPaused", [f.assetId]);
      expect((await f.suite.getAsset(f.assetId)).paused).to.equal(true);
    });
  });

  // ---------------------------------------------------------------- holders

  describe("the holder count", function () {
    it("moves with AssetHolderCountChanged when an identity starts or stops holding, not for a second wallet", async function () {
      await expect(agent().mintAsset(f.assetId, A.address, THOUSAND))
        .to.emit(f.suite, "AssetHolderCountChanged")
        .withArgs(f.assetId, 1);
      await expect(agent().mintAsset(f.assetId, A.address, 1n)).to.not.emit(f.suite, "AssetHolderCountChanged");
      await expect(agent().mintAsset(f.assetId, B.address, 1n))
        .to.emit(f.suite, "AssetHolderCountChanged")
        .withArgs(f.assetId, 2);
      // A second wallet of identity A: same holder.
      const A2 = extra[0];
      await f.onboard("A", A2);
      await expect(f.token.connect(A).transfer(A2.address, units(10))).to.not.emit(f.suite, "AssetHolderCountChanged");
      // B sends everything to A: B leaves.
      await expect(f.token.connect(B).transfer(A.address, 1n))
        .to.emit(f.suite, "AssetHolderCountChanged")
        .withArgs(f.assetId, 1);
      // A sends everything to A2: the identity still holds.
      await expect(f.token.connect(A).transfer(A2.address, THOUSAND - units(10) + 2n)).to.not.emit(
        f.suite,
        "AssetHolderCountChanged",
      );
      expect(await holderCount()).to.equal(1n);
      // Burning the last wallet's balance: nobody holds.
      await expect(agent().burnAsset(f.assetId, A2.address, THOUSAND + 2n))
        .to.emit(f.suite, "AssetHolderCountChanged")
        .withArgs(f.assetId, 0);
      expect([await holderCount(), await supply()]).to.deep.equal([0n, 0n]);
    });
  });
});
