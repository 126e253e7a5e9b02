// registerIdentity (the provider onboards an investor) and what the registry then answers
// about a wallet: isVerified and identityCodeOf for every code, the expiry boundary included.
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroAddress, ZeroHash } from "ethers";

import { IdentityCode, IdentityStatus } from "../../scripts/lib/identity.js";
import { expectUnchanged } from "../helpers.js";
import {
  evidence,
  FRANCE,
  identityData,
  identityFixture,
  identityId,
  identityState,
  onboard,
  type IdentityDataValue,
  type IdentityFixture,
} from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => identityFixture(ethers);

const ALICE = identityId("alice");
const BOB = identityId("bob");

describe("identity: registerIdentity and verification", function () {
  let f: IdentityFixture;
  let wallet: string;
  let other: string;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    [wallet, other] = f.investors.map((s) => s.address);
  });

  /** Expects `call` to revert with `error(args)` and the registry to be as it was. */
  async function expectRefused(call: () => Promise<unknown>, error: string, args: unknown[]): Promise<void> {
    await expectUnchanged(
      () => identityState(f, { ids: [ALICE, BOB], wallets: [wallet, other] }),
      () =>
        expect(call())
          .to.be.revertedWithCustomError(f.identity, error)
          .withArgs(...args),
    );
  }

  // ---------------------------------------------------------------- registerIdentity

  describe("registerIdentity", function () {
    it("creates an active identity with its first wallet, with IdentityRegistered, IdentityDataSet and IdentityWalletAdded", async function () {
      const data = await identityData(f);
      await expect(f.identity.registerIdentity(ALICE, wallet, data))
        .to.emit(f.identity, "IdentityRegistered")
        .withArgs(ALICE, f.provider.address)
        .and.to.emit(f.identity, "IdentityDataSet")
        .withArgs(ALICE, f.provider.address, FRANCE, 2, data.expiresAt, data.evidenceHash)
        .and.to.emit(f.identity, "IdentityWalletAdded")
        .withArgs(ALICE, wallet);

      const v = await f.identity.getIdentity(ALICE);
      expect([v.status, v.jurisdiction, v.investorClass, v.expiresAt, v.evidenceHash, v.provider]).to.deep.equal([
        BigInt(IdentityStatus.Active),
        BigInt(FRANCE),
        2n,
        data.expiresAt,
        data.evidenceHash,
        f.provider.address,
      ]);
      expect(v.wallets).to.deep.equal([wallet]);
      expect(await f.identity.identityOf(wallet)).to.equal(ALICE);
      expect(await f.identity.isVerified(wallet)).to.equal(true);
      expect(await f.identity.identityCodeOf(wallet)).to.equal(IdentityCode.Verified);
      expect(await f.identity.recoveredWalletOf(wallet)).to.equal(ZeroAddress);
      // Nothing leaks to other wallets.
      expect(await f.identity.identityCodeOf(other)).to.equal(IdentityCode.NotRegistered);
    });

    it("keeps identities apart: a second identity has its own data and wallet", async function () {
      await onboard(f, ALICE, wallet);
      const data = await identityData(f, { jurisdiction: 276, investorClass: 3, evidenceHash: evidence("bob") });
      await onboard(f, BOB, other, data);
      expect(await f.identity.identityOf(other)).to.equal(BOB);
      expect(await f.identity.identityOf(wallet)).to.equal(ALICE);
      const v = await f.identity.getIdentity(BOB);
      expect([v.jurisdiction, v.investorClass, v.evidenceHash]).to.deep.equal([276n, 3n, data.evidenceHash]);
      expect((await f.identity.getIdentity(ALICE)).jurisdiction).to.equal(BigInt(FRANCE));
    });

    it("accepts the bounds: jurisdiction 1 and 999, class 1 and 15", async function () {
      const ids = [identityId("a"), identityId("b")];
      await onboard(f, ids[0], wallet, await identityData(f, { jurisdiction: 1, investorClass: 1 }));
      await onboard(f, ids[1], other, await identityData(f, { jurisdiction: 999, investorClass: 15 }));
      expect((await f.identity.getIdentity(ids[0])).jurisdiction).to.equal(1n);
      expect((await f.identity.getIdentity(ids[1])).investorClass).to.equal(15n);
      expect(await f.identity.isVerified(other)).to.equal(true);
    });

    it("reverts with IdentityIdInvalid for the zero id", async function () {
      const data = await identityData(f);
      await expectUnchanged(
        () => identityState(f, { ids: [ZeroHash], wallets: [wallet] }),
        () =>
          expect(f.identity.registerIdentity(ZeroHash, wallet, data)).to.be.revertedWithCustomError(
            f.identity,
            "IdentityIdInvalid",
          ),
      );
    });

    it("reverts with IdentityExists for an id already registered", async function () {
      await onboard(f, ALICE, wallet);
      const data = await identityData(f);
      await expectRefused(() => f.identity.registerIdentity(ALICE, other, data), "IdentityExists", [ALICE]);
    });

    for (const jurisdiction of [0, 1000]) {
      it(`reverts with IdentityJurisdictionInvalid for jurisdiction ${jurisdiction}`, async function () {
        const data = await identityData(f, { jurisdiction });
        await expectRefused(() => f.identity.registerIdentity(ALICE, wallet, data), "IdentityJurisdictionInvalid", [
          jurisdiction,
        ]);
      });
    }

    for (const investorClass of [0, 16]) {
      it(`reverts with IdentityClassInvalid for class ${investorClass}`, async function () {
        const data = await identityData(f, { investorClass });
        await expectRefused(() => f.identity.registerIdentity(ALICE, wallet, data), "IdentityClassInvalid", [
          investorClass,
        ]);
      });
    }

    it("reverts with IdentityExpiryInvalid for an expiry in the past or zero", async function () {
      for (const expiresAt of [0n, (await f.now()) - 1n, await f.now()]) {
        const data = await identityData(f, { expiresAt });
        await expectRefused(() => f.identity.registerIdentity(ALICE, wallet, data), "IdentityExpiryInvalid", [
          expiresAt,
        ]);
      }
    });

    it("reverts with IdentityExpiryInvalid for an expiry equal to the block's timestamp; one second later is valid", async function () {
      const t = (await f.now()) + 100n;
      const data = await identityData(f, { expiresAt: t });
      await networkHelpers.time.setNextBlockTimestamp(t);
      // Mined (a fixed gas limit skips the estimate) in a block whose timestamp is the expiry.
      await expectRefused(
        () => f.identity.registerIdentity(ALICE, wallet, data, { gasLimit: 500_000 }),
        "IdentityExpiryInvalid",
        [t],
      );
      expect(await f.now()).to.equal(t);

      const next = await identityData(f, { expiresAt: t + 2n });
      await networkHelpers.time.setNextBlockTimestamp(t + 1n);
      await expect(f.identity.registerIdentity(ALICE, wallet, next)).to.emit(f.identity, "IdentityRegistered");
      expect(await f.identity.isVerified(wallet)).to.equal(true);
    });

    it("reverts with IdentityEvidenceMissing without an evidence hash", async function () {
      const data = await identityData(f, { evidenceHash: ZeroHash });
      await expectUnchanged(
        () => identityState(f, { ids: [ALICE], wallets: [wallet] }),
        () =>
          expect(f.identity.registerIdentity(ALICE, wallet, data)).to.be.revertedWithCustomError(
            f.identity,
            "IdentityEvidenceMissing",
          ),
      );
    });

    it("reverts with IdentityWalletInvalid for the zero wallet", async function () {
      const data = await identityData(f);
      await expectRefused(() => f.identity.registerIdentity(ALICE, ZeroAddress, data), "IdentityWalletInvalid", [
        ZeroAddress,
      ]);
    });

    it("reverts with IdentityWalletTaken(wallet, owning id) for a wallet of another identity", async function () {
      await onboard(f, BOB, other);
      const data = await identityData(f);
      await expectRefused(() => f.identity.registerIdentity(ALICE, other, data), "IdentityWalletTaken", [other, BOB]);
    });

    it("checks in order: a taken wallet with bad data reports the data first, and an existing id before both", async function () {
      await onboard(f, BOB, other);
      const bad = await identityData(f, { jurisdiction: 0 });
      await expectRefused(() => f.identity.registerIdentity(ALICE, other, bad), "IdentityJurisdictionInvalid", [0]);
      await expectRefused(() => f.identity.registerIdentity(BOB, wallet, bad), "IdentityExists", [BOB]);
    });
  });

  // ---------------------------------------------------------------- verification codes

  describe("isVerified and identityCodeOf", function () {
    let data: IdentityDataValue;

    beforeEach(async function () {
      data = await onboard(f, ALICE, wallet);
    });

    it("NotRegistered for a wallet that was never registered (or the zero address)", async function () {
      for (const account of [other, ZeroAddress, Wallet.createRandom().address]) {
        expect(await f.identity.identityCodeOf(account)).to.equal(IdentityCode.NotRegistered);
        expect(await f.identity.isVerified(account)).to.equal(false);
      }
    });

    it("Suspended while the identity is suspended", async function () {
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      expect(await f.identity.identityCodeOf(wallet)).to.equal(IdentityCode.Suspended);
      expect(await f.identity.isVerified(wallet)).to.equal(false);
    });

    it("Revoked once the identity is revoked", async function () {
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Revoked)).wait();
      expect(await f.identity.identityCodeOf(wallet)).to.equal(IdentityCode.Revoked);
      expect(await f.identity.isVerified(wallet)).to.equal(false);
    });

    it("Verified up to expiresAt - 1, Expired from the block whose timestamp is expiresAt", async function () {
      await networkHelpers.time.increaseTo(data.expiresAt - 1n);
      const before = await ethers.provider.getBlockNumber();
      expect(await f.now()).to.equal(data.expiresAt - 1n);
      expect(await f.identity.isVerified(wallet, { blockTag: before })).to.equal(true);
      expect(await f.identity.identityCodeOf(wallet, { blockTag: before })).to.equal(IdentityCode.Verified);

      await networkHelpers.time.increaseTo(data.expiresAt); // mines a block at expiresAt
      const at = await ethers.provider.getBlockNumber();
      expect(await f.now()).to.equal(data.expiresAt);
      expect(await f.identity.isVerified(wallet, { blockTag: at })).to.equal(false);
      expect(await f.identity.identityCodeOf(wallet, { blockTag: at })).to.equal(IdentityCode.Expired);
      // The identity itself is still active: only time made the wallet unverified.
      expect((await f.identity.getIdentity(ALICE)).status).to.equal(BigInt(IdentityStatus.Active));
      expect(await f.identity.identityOf(wallet)).to.equal(ALICE);
    });

    it("WalletLost for a wallet recovered to another one", async function () {
      await (await f.identity.recoverIdentityWallet(ALICE, wallet, other)).wait();
      expect(await f.identity.identityCodeOf(wallet)).to.equal(IdentityCode.WalletLost);
      expect(await f.identity.isVerified(wallet)).to.equal(false);
    });

    it("reports the first reason in the declared order: lost before suspended, suspended and revoked before expired", async function () {
      const second = f.investors[2].address;
      await (await f.identity.addIdentityWallet(ALICE, second)).wait();
      await (await f.identity.recoverIdentityWallet(ALICE, wallet, other)).wait();
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      await networkHelpers.time.increaseTo(data.expiresAt + 1n);
      expect(await f.identity.identityCodeOf(wallet)).to.equal(IdentityCode.WalletLost);
      expect(await f.identity.identityCodeOf(second)).to.equal(IdentityCode.Suspended);
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Revoked)).wait();
      expect(await f.identity.identityCodeOf(second)).to.equal(IdentityCode.Revoked);
    });
  });
});
