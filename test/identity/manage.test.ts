// What a provider does with an existing identity: renew or change its data, suspend,
// re-activate or revoke it, link and unlink wallets (up to eight).
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroAddress, ZeroHash } from "ethers";

import { IdentityCode, IdentityStatus, KYC_PROVIDER_ROLE } from "../../scripts/lib/identity.js";
import { expectUnchanged } from "../helpers.js";
import {
  DAY,
  evidence,
  identityData,
  identityFixture,
  identityId,
  identityState,
  MAX_WALLETS,
  onboard,
  type IdentityDataValue,
  type IdentityFixture,
} from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => identityFixture(ethers);

const ALICE = identityId("alice");
const BOB = identityId("bob");
const UNKNOWN = identityId("nobody");

/** Addresses no one signs with: wallets the provider links. */
const addresses = (n: number) => Array.from({ length: n }, () => Wallet.createRandom().address);

describe("identity: managing identities", function () {
  let f: IdentityFixture;
  let wallets: string[];
  let data: IdentityDataValue;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    wallets = f.investors.map((s) => s.address);
    data = await onboard(f, ALICE, wallets[0]);
    await (await f.identity.addIdentityWallet(ALICE, wallets[1])).wait();
    await onboard(f, BOB, wallets[2]);
  });

  /** Expects `call` to revert with `error(args)` and the registry to be as it was. */
  async function expectRefused(call: () => Promise<unknown>, error: string, args: unknown[]): Promise<void> {
    await expectUnchanged(
      () => identityState(f, { ids: [ALICE, BOB, UNKNOWN], wallets }),
      () =>
        expect(call())
          .to.be.revertedWithCustomError(f.identity, error)
          .withArgs(...args),
    );
  }

  const codes = (accounts: string[]) => Promise.all(accounts.map((w) => f.identity.identityCodeOf(w)));

  // ---------------------------------------------------------------- updateIdentity

  describe("updateIdentity", function () {
    it("replaces the data and copies it to every wallet of the identity, with IdentityDataSet", async function () {
      await (await f.diamond.connect(f.owner).grantRole(KYC_PROVIDER_ROLE, f.bob.address)).wait();
      const renewed = await identityData(f, {
        jurisdiction: 276,
        investorClass: 3,
        expiresAt: (await f.now()) + BigInt(10 * DAY),
        evidenceHash: evidence("renewal"),
      });
      await expect(f.identity.connect(f.bob).updateIdentity(ALICE, renewed))
        .to.emit(f.identity, "IdentityDataSet")
        .withArgs(ALICE, f.bob.address, 276, 3, renewed.expiresAt, renewed.evidenceHash);
      const v = await f.identity.getIdentity(ALICE);
      expect([v.status, v.jurisdiction, v.investorClass, v.expiresAt, v.evidenceHash, v.provider]).to.deep.equal([
        BigInt(IdentityStatus.Active),
        276n,
        3n,
        renewed.expiresAt,
        renewed.evidenceHash,
        f.bob.address,
      ]);
      expect(v.wallets).to.deep.equal([wallets[0], wallets[1]]);

      // The new expiry is what every wallet's word now holds; the other identity keeps its own.
      await networkHelpers.time.increaseTo(renewed.expiresAt);
      expect(await codes(wallets.slice(0, 3))).to.deep.equal([
        BigInt(IdentityCode.Expired),
        BigInt(IdentityCode.Expired),
        BigInt(IdentityCode.Verified),
      ]);
    });

    it("renews an expired identity: its wallets are verified again", async function () {
      await networkHelpers.time.increaseTo(data.expiresAt);
      expect(await f.identity.isVerified(wallets[0])).to.equal(false);
      const renewed = await identityData(f, { evidenceHash: evidence("renewal") });
      await (await f.identity.updateIdentity(ALICE, renewed)).wait();
      expect(await f.identity.isVerified(wallets[0])).to.equal(true);
      expect(await f.identity.isVerified(wallets[1])).to.equal(true);
    });

    it("updates a suspended identity without re-activating it", async function () {
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      await (await f.identity.updateIdentity(ALICE, await identityData(f, { investorClass: 1 }))).wait();
      const v = await f.identity.getIdentity(ALICE);
      expect([v.status, v.investorClass]).to.deep.equal([BigInt(IdentityStatus.Suspended), 1n]);
      expect(await f.identity.identityCodeOf(wallets[1])).to.equal(IdentityCode.Suspended);
    });

    it("reverts with IdentityUnknown for an id never registered", async function () {
      await expectRefused(() => f.identity.updateIdentity(UNKNOWN, data), "IdentityUnknown", [UNKNOWN]);
    });

    it("reverts with IdentityNotActive(id, Revoked) for a revoked identity", async function () {
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Revoked)).wait();
      const renewed = await identityData(f);
      await expectRefused(() => f.identity.updateIdentity(ALICE, renewed), "IdentityNotActive", [
        ALICE,
        IdentityStatus.Revoked,
      ]);
    });

    it("validates the data as registerIdentity does", async function () {
      const now = await f.now();
      const cases: [Partial<IdentityDataValue>, string, unknown[]][] = [
        [{ jurisdiction: 0 }, "IdentityJurisdictionInvalid", [0]],
        [{ jurisdiction: 1000 }, "IdentityJurisdictionInvalid", [1000]],
        [{ investorClass: 0 }, "IdentityClassInvalid", [0]],
        [{ investorClass: 16 }, "IdentityClassInvalid", [16]],
        [{ expiresAt: now }, "IdentityExpiryInvalid", [now]],
      ];
      for (const [overrides, error, args] of cases) {
        const bad = await identityData(f, overrides);
        await expectRefused(() => f.identity.updateIdentity(ALICE, bad), error, args);
      }
      const noEvidence = await identityData(f, { evidenceHash: ZeroHash });
      await expectUnchanged(
        () => identityState(f, { ids: [ALICE], wallets }),
        () =>
          expect(f.identity.updateIdentity(ALICE, noEvidence)).to.be.revertedWithCustomError(
            f.identity,
            "IdentityEvidenceMissing",
          ),
      );
    });
  });

  // ---------------------------------------------------------------- setIdentityStatus

  describe("setIdentityStatus", function () {
    it("suspends: no wallet of the identity is verified; re-activating verifies them again", async function () {
      await expect(f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended))
        .to.emit(f.identity, "IdentityStatusSet")
        .withArgs(ALICE, IdentityStatus.Suspended, f.provider.address);
      expect((await f.identity.getIdentity(ALICE)).status).to.equal(BigInt(IdentityStatus.Suspended));
      expect(await codes(wallets.slice(0, 3))).to.deep.equal([
        BigInt(IdentityCode.Suspended),
        BigInt(IdentityCode.Suspended),
        BigInt(IdentityCode.Verified),
      ]);

      await expect(f.identity.setIdentityStatus(ALICE, IdentityStatus.Active))
        .to.emit(f.identity, "IdentityStatusSet")
        .withArgs(ALICE, IdentityStatus.Active, f.provider.address);
      expect(await f.identity.isVerified(wallets[0])).to.equal(true);
      expect(await f.identity.isVerified(wallets[1])).to.equal(true);
    });

    it("a wallet linked to a suspended identity is suspended too", async function () {
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      await (await f.identity.addIdentityWallet(ALICE, wallets[3])).wait();
      expect(await f.identity.identityCodeOf(wallets[3])).to.equal(IdentityCode.Suspended);
    });

    it("revokes from active or suspended, on every wallet", async function () {
      await (await f.identity.setIdentityStatus(BOB, IdentityStatus.Suspended)).wait();
      for (const id of [ALICE, BOB]) {
        await expect(f.identity.setIdentityStatus(id, IdentityStatus.Revoked))
          .to.emit(f.identity, "IdentityStatusSet")
          .withArgs(id, IdentityStatus.Revoked, f.provider.address);
      }
      expect(await codes(wallets.slice(0, 3))).to.deep.equal(Array(3).fill(BigInt(IdentityCode.Revoked)));
    });

    it("reverts with IdentityStatusInvalid for any change of a revoked identity (final)", async function () {
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Revoked)).wait();
      for (const status of [IdentityStatus.Active, IdentityStatus.Suspended, IdentityStatus.Revoked]) {
        await expectRefused(() => f.identity.setIdentityStatus(ALICE, status), "IdentityStatusInvalid", [
          ALICE,
          IdentityStatus.Revoked,
          status,
        ]);
      }
    });

    it("reverts with IdentityStatusInvalid for None and for the current status", async function () {
      await expectRefused(() => f.identity.setIdentityStatus(ALICE, IdentityStatus.None), "IdentityStatusInvalid", [
        ALICE,
        IdentityStatus.Active,
        IdentityStatus.None,
      ]);
      await expectRefused(() => f.identity.setIdentityStatus(ALICE, IdentityStatus.Active), "IdentityStatusInvalid", [
        ALICE,
        IdentityStatus.Active,
        IdentityStatus.Active,
      ]);
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      await expectRefused(
        () => f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended),
        "IdentityStatusInvalid",
        [ALICE, IdentityStatus.Suspended, IdentityStatus.Suspended],
      );
    });

    it("reverts with IdentityUnknown for an id never registered", async function () {
      await expectRefused(() => f.identity.setIdentityStatus(UNKNOWN, IdentityStatus.Suspended), "IdentityUnknown", [
        UNKNOWN,
      ]);
    });
  });

  // ---------------------------------------------------------------- wallets

  describe("addIdentityWallet", function () {
    it("links a wallet with the identity's data, with IdentityWalletAdded", async function () {
      await expect(f.identity.addIdentityWallet(ALICE, wallets[3]))
        .to.emit(f.identity, "IdentityWalletAdded")
        .withArgs(ALICE, wallets[3]);
      expect(await f.identity.identityOf(wallets[3])).to.equal(ALICE);
      expect(await f.identity.isVerified(wallets[3])).to.equal(true);
      expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([wallets[0], wallets[1], wallets[3]]);
    });

    it(`links up to ${MAX_WALLETS} wallets; the next reverts with IdentityTooManyWallets(id, ${MAX_WALLETS})`, async function () {
      const extra = addresses(MAX_WALLETS - 2);
      for (const w of extra) await (await f.identity.addIdentityWallet(ALICE, w)).wait();
      const all = [wallets[0], wallets[1], ...extra];
      expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal(all);
      for (const w of all) expect(await f.identity.isVerified(w)).to.equal(true);

      await expectRefused(() => f.identity.addIdentityWallet(ALICE, wallets[3]), "IdentityTooManyWallets", [
        ALICE,
        MAX_WALLETS,
      ]);
      // Unlinking one frees a place.
      await (await f.identity.removeIdentityWallet(ALICE, extra[0])).wait();
      await expect(f.identity.addIdentityWallet(ALICE, wallets[3]))
        .to.emit(f.identity, "IdentityWalletAdded")
        .withArgs(ALICE, wallets[3]);
    });

    it("copies every later change to all eight wallets", async function () {
      const all = [wallets[0], wallets[1], ...addresses(MAX_WALLETS - 2)];
      for (const w of all.slice(2)) await (await f.identity.addIdentityWallet(ALICE, w)).wait();
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      expect(await codes(all)).to.deep.equal(Array(MAX_WALLETS).fill(BigInt(IdentityCode.Suspended)));
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Active)).wait();
      const soon = await identityData(f, { expiresAt: (await f.now()) + 60n });
      await (await f.identity.updateIdentity(ALICE, soon)).wait();
      await networkHelpers.time.increaseTo(soon.expiresAt);
      expect(await codes(all)).to.deep.equal(Array(MAX_WALLETS).fill(BigInt(IdentityCode.Expired)));
    });

    it("reverts with IdentityWalletTaken for a wallet of this or another identity", async function () {
      await expectRefused(() => f.identity.addIdentityWallet(ALICE, wallets[1]), "IdentityWalletTaken", [
        wallets[1],
        ALICE,
      ]);
      await expectRefused(() => f.identity.addIdentityWallet(ALICE, wallets[2]), "IdentityWalletTaken", [
        wallets[2],
        BOB,
      ]);
    });

    it("reverts with IdentityWalletInvalid for the zero wallet and IdentityUnknown for an unknown id", async function () {
      await expectRefused(() => f.identity.addIdentityWallet(ALICE, ZeroAddress), "IdentityWalletInvalid", [
        ZeroAddress,
      ]);
      await expectRefused(() => f.identity.addIdentityWallet(UNKNOWN, wallets[3]), "IdentityUnknown", [UNKNOWN]);
    });
  });

  describe("removeIdentityWallet", function () {
    it("unlinks a wallet, with IdentityWalletRemoved: it is no longer registered but remembers its identity", async function () {
      await expect(f.identity.removeIdentityWallet(ALICE, wallets[1]))
        .to.emit(f.identity, "IdentityWalletRemoved")
        .withArgs(ALICE, wallets[1]);
      expect(await f.identity.identityOf(wallets[1])).to.equal(ALICE);
      expect(await f.identity.identityCodeOf(wallets[1])).to.equal(IdentityCode.NotRegistered);
      expect(await f.identity.isVerified(wallets[1])).to.equal(false);
      expect(await f.identity.recoveredWalletOf(wallets[1])).to.equal(ZeroAddress);
      expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([wallets[0]]);
      expect(await f.identity.isVerified(wallets[0])).to.equal(true);
    });

    it("keeps the other wallets in linking order, whichever is removed (first, middle, last)", async function () {
      const [c, d] = addresses(2);
      await (await f.identity.addIdentityWallet(ALICE, c)).wait();
      await (await f.identity.addIdentityWallet(ALICE, d)).wait();
      await (await f.identity.removeIdentityWallet(ALICE, wallets[1])).wait();
      expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([wallets[0], c, d]);
      await (await f.identity.removeIdentityWallet(ALICE, d)).wait();
      expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([wallets[0], c]);
      await (await f.identity.removeIdentityWallet(ALICE, wallets[0])).wait();
      expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([c]);
      await (await f.identity.addIdentityWallet(ALICE, d)).wait();
      expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([c, d]);
      // Every remaining wallet still follows the identity's changes.
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      for (const w of [c, d]) expect(await f.identity.identityCodeOf(w)).to.equal(IdentityCode.Suspended);
    });

    it("reverts with IdentityRegistryFull when the registry holds 2^24 - 1 identities", async function () {
      // identityCount is the first field of the layout (a uint24 at the namespace's slot).
      const slot = "0x064b3107da51fa055eba02db3437a16608fc460f789f8d79fff9e53f208e1600";
      const word = BigInt(await ethers.provider.getStorage(await f.identity.getAddress(), slot));
      const full = (word & ~0xffffffn) | 0xffffffn;
      await networkHelpers.setStorageAt(await f.identity.getAddress(), slot, full);
      const data = await identityData(f);
      await expectRefused(
        () => f.identity.registerIdentity(identityId("one too many"), addresses(1)[0], data),
        "IdentityRegistryFull",
        [0xffffff],
      );
    });

    it("leaves an identity without wallets when its last one is removed; the identity remains", async function () {
      await (await f.identity.removeIdentityWallet(BOB, wallets[2])).wait();
      const v = await f.identity.getIdentity(BOB);
      expect([v.status, v.wallets.length]).to.deep.equal([BigInt(IdentityStatus.Active), 0]);
      await expect(f.identity.addIdentityWallet(BOB, wallets[2]))
        .to.emit(f.identity, "IdentityWalletAdded")
        .withArgs(BOB, wallets[2]);
    });

    it("lets a removed wallet be linked again to its own identity only (modules keep per-identity books)", async function () {
      await (await f.identity.removeIdentityWallet(ALICE, wallets[1])).wait();
      await expectRefused(() => f.identity.addIdentityWallet(BOB, wallets[1]), "IdentityWalletTaken", [
        wallets[1],
        ALICE,
      ]);
      const data = await identityData(f);
      await expectRefused(
        () => f.identity.registerIdentity(identityId("carol"), wallets[1], data),
        "IdentityWalletTaken",
        [wallets[1], ALICE],
      );
      await expect(f.identity.addIdentityWallet(ALICE, wallets[1]))
        .to.emit(f.identity, "IdentityWalletAdded")
        .withArgs(ALICE, wallets[1]);
      expect(await f.identity.identityOf(wallets[1])).to.equal(ALICE);
      expect(await f.identity.isVerified(wallets[1])).to.equal(true);
    });

    it("a removed wallet keeps no trace of the identity's later changes until it is linked again", async function () {
      await (await f.identity.removeIdentityWallet(ALICE, wallets[1])).wait();
      await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
      expect(await f.identity.identityCodeOf(wallets[1])).to.equal(IdentityCode.NotRegistered);
      expect(await f.identity.identityCodeOf(wallets[0])).to.equal(IdentityCode.Suspended);
      await (await f.identity.addIdentityWallet(ALICE, wallets[1])).wait();
      expect(await f.identity.identityCodeOf(wallets[1])).to.equal(IdentityCode.Suspended);
    });

    it("reverts with IdentityWalletNotOf for a wallet not of the identity (unknown or another's)", async function () {
      await expectRefused(() => f.identity.removeIdentityWallet(ALICE, wallets[3]), "IdentityWalletNotOf", [
        wallets[3],
        ALICE,
      ]);
      await expectRefused(() => f.identity.removeIdentityWallet(ALICE, wallets[2]), "IdentityWalletNotOf", [
        wallets[2],
        ALICE,
      ]);
      await (await f.identity.removeIdentityWallet(ALICE, wallets[1])).wait();
      await expectRefused(() => f.identity.removeIdentityWallet(ALICE, wallets[1]), "IdentityWalletNotOf", [
        wallets[1],
        ALICE,
      ]);
    });

    it("reverts with IdentityUnknown for an id never registered", async function () {
      await expectRefused(() => f.identity.removeIdentityWallet(UNKNOWN, wallets[0]), "IdentityUnknown", [UNKNOWN]);
    });
  });
});
