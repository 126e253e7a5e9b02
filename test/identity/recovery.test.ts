// recoverIdentityWallet: a lost wallet's place goes to a replacement (new, or already of the
// same identity) and the lost wallet is blocked for good. Recovery hooks come with the
// asset module, the first to register one.
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { IdentityCode, IdentityStatus } from "../../scripts/lib/identity.js";
import { expectUnchanged } from "../helpers.js";
import {
  attestation,
  identityData,
  identityFixture,
  identityId,
  identityState,
  onboard,
  sign,
  type IdentityFixture,
} from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => identityFixture(ethers);

const ALICE = identityId("alice");
const BOB = identityId("bob");

describe("identity: recoverIdentityWallet", function () {
  let f: IdentityFixture;
  let lost: HardhatEthersSigner;
  let kept: HardhatEthersSigner;
  let fresh: HardhatEthersSigner;
  let bobs: HardhatEthersSigner;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    [lost, kept, fresh, bobs] = f.investors;
    await onboard(f, ALICE, lost);
    await (await f.identity.addIdentityWallet(ALICE, kept.address)).wait();
    await onboard(f, BOB, bobs);
  });

  const state = () => identityState(f, { ids: [ALICE, BOB], wallets: [lost, kept, fresh, bobs] });

  /** Expects `call` to revert with `error(args)` and the registry to be as it was. */
  async function expectRefused(call: () => Promise<unknown>, error: string, args: unknown[]): Promise<void> {
    await expectUnchanged(state, () =>
      expect(call())
        .to.be.revertedWithCustomError(f.identity, error)
        .withArgs(...args),
    );
  }

  const recover = (from: string, to: string) => f.identity.recoverIdentityWallet(ALICE, from, to);

  it("moves the lost wallet's place to a new wallet and blocks the lost one, with IdentityWalletRecovered", async function () {
    await expect(recover(lost.address, fresh.address))
      .to.emit(f.identity, "IdentityWalletRecovered")
      .withArgs(ALICE, lost.address, fresh.address, f.provider.address)
      .and.to.emit(f.identity, "IdentityWalletAdded")
      .withArgs(ALICE, fresh.address);
    // The lost wallet: blocked, still on record as the identity's.
    expect(await f.identity.identityCodeOf(lost.address)).to.equal(IdentityCode.WalletLost);
    expect(await f.identity.isVerified(lost.address)).to.equal(false);
    expect(await f.identity.identityOf(lost.address)).to.equal(ALICE);
    expect(await f.identity.recoveredWalletOf(lost.address)).to.equal(fresh.address);
    // The replacement: verified, of the identity.
    expect(await f.identity.isVerified(fresh.address)).to.equal(true);
    expect(await f.identity.identityOf(fresh.address)).to.equal(ALICE);
    expect(await f.identity.recoveredWalletOf(fresh.address)).to.equal(ZeroAddress);
    // The last wallet took the lost one's place; the replacement came last.
    expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([kept.address, fresh.address]);
  });

  it("recovers to a wallet already of the same identity without linking it again", async function () {
    const tx = recover(lost.address, kept.address);
    await expect(tx)
      .to.emit(f.identity, "IdentityWalletRecovered")
      .withArgs(ALICE, lost.address, kept.address, f.provider.address);
    await expect(tx).to.not.emit(f.identity, "IdentityWalletAdded");
    expect((await f.identity.getIdentity(ALICE)).wallets).to.deep.equal([kept.address]);
    expect(await f.identity.recoveredWalletOf(lost.address)).to.equal(kept.address);
    expect(await f.identity.identityCodeOf(lost.address)).to.equal(IdentityCode.WalletLost);
    expect(await f.identity.isVerified(kept.address)).to.equal(true);
  });

  it("recovers an identity at eight wallets: the lost wallet's place is freed first", async function () {
    for (const w of Array.from({ length: 6 }, () => Wallet.createRandom().address)) {
      await (await f.identity.addIdentityWallet(ALICE, w)).wait();
    }
    await (await recover(lost.address, fresh.address)).wait();
    const { wallets } = await f.identity.getIdentity(ALICE);
    expect(wallets).to.have.length(8);
    expect(wallets).to.include(fresh.address).and.not.include(lost.address);
  });

  it("the lost wallet no longer follows the identity: later changes reach the replacement only", async function () {
    await (await recover(lost.address, fresh.address)).wait();
    await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
    await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Active)).wait();
    await (await f.identity.updateIdentity(ALICE, await identityData(f, { investorClass: 3 }))).wait();
    expect(await f.identity.identityCodeOf(lost.address)).to.equal(IdentityCode.WalletLost);
    expect(await f.identity.isVerified(fresh.address)).to.equal(true);
  });

  it("reverts with IdentityRecoveryTargetInvalid for the zero address or the lost wallet itself", async function () {
    await expectRefused(() => recover(lost.address, ZeroAddress), "IdentityRecoveryTargetInvalid", [ZeroAddress]);
    await expectRefused(() => recover(lost.address, lost.address), "IdentityRecoveryTargetInvalid", [lost.address]);
  });

  it("reverts with IdentityRecoveryTargetInvalid for a lost wallet or a wallet of another identity", async function () {
    await (await recover(lost.address, fresh.address)).wait();
    await expectRefused(() => recover(kept.address, lost.address), "IdentityRecoveryTargetInvalid", [lost.address]);
    await expectRefused(() => recover(kept.address, bobs.address), "IdentityRecoveryTargetInvalid", [bobs.address]);
  });

  it("reverts with IdentityWalletNotOf for a lost wallet not of the identity (another's, unknown, or already recovered)", async function () {
    await expectRefused(() => recover(bobs.address, fresh.address), "IdentityWalletNotOf", [bobs.address, ALICE]);
    const unknown = Wallet.createRandom().address;
    await expectRefused(() => recover(unknown, fresh.address), "IdentityWalletNotOf", [unknown, ALICE]);
    await (await recover(lost.address, fresh.address)).wait();
    const other = Wallet.createRandom().address;
    await expectRefused(() => recover(lost.address, other), "IdentityWalletNotOf", [lost.address, ALICE]);
  });

  it("reverts with IdentityUnknown for an id never registered", async function () {
    const unknown = identityId("nobody");
    await expectRefused(
      () => f.identity.recoverIdentityWallet(unknown, lost.address, fresh.address),
      "IdentityUnknown",
      [unknown],
    );
  });

  describe("a lost wallet can never be registered again", function () {
    beforeEach(async function () {
      await (await recover(lost.address, fresh.address)).wait();
    });

    it("addIdentityWallet reverts with IdentityWalletLost, to its identity or another", async function () {
      for (const id of [ALICE, BOB]) {
        await expectRefused(() => f.identity.addIdentityWallet(id, lost.address), "IdentityWalletLost", [lost.address]);
      }
    });

    it("registerIdentity reverts with IdentityWalletLost", async function () {
      const data = await identityData(f);
      const CAROL = identityId("carol");
      await expectUnchanged(
        () => identityState(f, { ids: [CAROL], wallets: [lost] }),
        () =>
          expect(f.identity.registerIdentity(CAROL, lost.address, data))
            .to.be.revertedWithCustomError(f.identity, "IdentityWalletLost")
            .withArgs(lost.address),
      );
    });

    it("removeIdentityWallet reverts with IdentityWalletNotOf: the lost wallet stays blocked", async function () {
      await expectRefused(() => f.identity.removeIdentityWallet(ALICE, lost.address), "IdentityWalletNotOf", [
        lost.address,
        ALICE,
      ]);
    });

    it("registerWithAttestation reverts with IdentityWalletLost for a new or another identity", async function () {
      for (const id of [identityId("carol"), BOB]) {
        const a = await attestation(f, id, lost.address);
        await expectUnchanged(
          () =>
            identityState(f, {
              ids: [id, ALICE, BOB],
              wallets: [lost, fresh, bobs],
              nonces: [[f.provider.address, String(a.nonce)]],
            }),
          async () =>
            expect(f.identity.connect(lost).registerWithAttestation(a, await sign(f, f.provider, a)))
              .to.be.revertedWithCustomError(f.identity, "IdentityWalletLost")
              .withArgs(lost.address),
        );
      }
    });

    // Regression: a lost wallet keeps its identity's number, so it once matched its former
    // identity here and could overwrite that identity's data with an attestation.
    it("registerWithAttestation reverts with IdentityWalletLost for its former identity", async function () {
      const a = await attestation(f, ALICE, lost.address, { data: await identityData(f, { investorClass: 3 }) });
      await expectUnchanged(
        () =>
          identityState(f, {
            ids: [ALICE],
            wallets: [lost, fresh],
            nonces: [[f.provider.address, String(a.nonce)]],
          }),
        async () =>
          expect(f.identity.connect(lost).registerWithAttestation(a, await sign(f, f.provider, a)))
            .to.be.revertedWithCustomError(f.identity, "IdentityWalletLost")
            .withArgs(lost.address),
      );
    });
  });
});
