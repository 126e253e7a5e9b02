// Self-service onboarding: a provider signs an EIP-712 attestation off-chain, the investor's
// wallet submits it. Creates the identity or updates it and adds the wallet; single-use,
// bound to the provider's role, the wallet, the deadline, the chain and the diamond.
import { expect } from "chai";
import { network } from "hardhat";
import { id, TypedDataEncoder, ZeroHash } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { identityDomain, IdentityCode, IdentityStatus, KYC_PROVIDER_ROLE } from "../../scripts/lib/identity.js";
import { expectUnchanged } from "../helpers.js";
import {
  attestation,
  digestOf,
  evidence,
  FRANCE,
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

describe("identity: registerWithAttestation", function () {
  let f: IdentityFixture;
  let investor: HardhatEthersSigner;
  let second: HardhatEthersSigner;
  let stranger: HardhatEthersSigner;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    [investor, second, stranger] = f.investors;
  });

  /** Expects `call` to revert with `error(args)` and the registry (and the nonce) to be as it was. */
  async function expectRefused(
    call: () => Promise<unknown>,
    error: string,
    args: unknown[],
    nonce: [string, string] = [f.provider.address, id("none")],
  ): Promise<void> {
    await expectUnchanged(
      () => identityState(f, { ids: [ALICE, BOB], wallets: [investor, second, stranger], nonces: [nonce] }),
      () =>
        expect(call())
          .to.be.revertedWithCustomError(f.identity, error)
          .withArgs(...args),
    );
  }

  // ---------------------------------------------------------------- the digest

  it("attestationDigest is the EIP-712 hash of the attestation under the Finsuite Identity domain", async function () {
    const a = await attestation(f, ALICE, investor.address);
    const domain = identityDomain(f.diamondAddress, f.chainId);
    expect(await f.identity.identityDomainSeparator()).to.equal(TypedDataEncoder.hashDomain(domain));
    expect(await f.identity.attestationDigest(a)).to.equal(digestOf(f, a));
    // Every field is covered.
    const changed = await f.identity.attestationDigest({ ...a, data: { ...a.data, investorClass: 3 } });
    expect(changed).to.not.equal(digestOf(f, a));
  });

  // ---------------------------------------------------------------- success

  it("creates the identity when it is new, with the wallet, crediting the signing provider", async function () {
    const a = await attestation(f, ALICE, investor.address);
    const signature = await sign(f, f.provider, a);
    await expect(f.identity.connect(investor).registerWithAttestation(a, signature))
      .to.emit(f.identity, "IdentityRegistered")
      .withArgs(ALICE, f.provider.address)
      .and.to.emit(f.identity, "IdentityDataSet")
      .withArgs(ALICE, f.provider.address, FRANCE, 2, a.data.expiresAt, a.data.evidenceHash)
      .and.to.emit(f.identity, "IdentityWalletAdded")
      .withArgs(ALICE, investor.address);
    const v = await f.identity.getIdentity(ALICE);
    expect([v.status, v.provider, v.wallets]).to.deep.equal([
      BigInt(IdentityStatus.Active),
      f.provider.address,
      [investor.address],
    ]);
    expect(await f.identity.identityOf(investor.address)).to.equal(ALICE);
    expect(await f.identity.isVerified(investor.address)).to.equal(true);
    expect(await f.identity.isAttestationUsed(f.provider.address, a.nonce)).to.equal(true);
  });

  it("adds the wallet and updates the data when the identity exists", async function () {
    await onboard(f, ALICE, investor);
    const a = await attestation(f, ALICE, second.address, {
      data: await identityData(f, { jurisdiction: 442, investorClass: 3, evidenceHash: evidence("renewal") }),
    });
    const tx = f.identity.connect(second).registerWithAttestation(a, await sign(f, f.provider, a));
    await expect(tx)
      .to.emit(f.identity, "IdentityDataSet")
      .withArgs(ALICE, f.provider.address, 442, 3, a.data.expiresAt, a.data.evidenceHash)
      .and.to.emit(f.identity, "IdentityWalletAdded")
      .withArgs(ALICE, second.address);
    await expect(tx).to.not.emit(f.identity, "IdentityRegistered");
    const v = await f.identity.getIdentity(ALICE);
    expect([v.jurisdiction, v.investorClass, v.evidenceHash, v.wallets]).to.deep.equal([
      442n,
      3n,
      a.data.evidenceHash,
      [investor.address, second.address],
    ]);
    expect(await f.identity.identityOf(second.address)).to.equal(ALICE);
    expect(await f.identity.isVerified(second.address)).to.equal(true);
  });

  it("renews the data of a wallet already of the identity without linking it twice", async function () {
    await onboard(f, ALICE, investor);
    const a = await attestation(f, ALICE, investor.address, {
      data: await identityData(f, { evidenceHash: evidence("renewal") }),
    });
    const tx = f.identity.connect(investor).registerWithAttestation(a, await sign(f, f.provider, a));
    await expect(tx).to.emit(f.identity, "IdentityDataSet");
    await expect(tx).to.not.emit(f.identity, "IdentityWalletAdded");
    const v = await f.identity.getIdentity(ALICE);
    expect([v.evidenceHash, v.wallets]).to.deep.equal([a.data.evidenceHash, [investor.address]]);
  });

  it("renews a suspended identity's data and adds the wallet, without re-activating it", async function () {
    await onboard(f, ALICE, investor);
    await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Suspended)).wait();
    const a = await attestation(f, ALICE, second.address);
    await (await f.identity.connect(second).registerWithAttestation(a, await sign(f, f.provider, a))).wait();
    expect(await f.identity.identityCodeOf(second.address)).to.equal(IdentityCode.Suspended);
  });

  it("accepts a deadline one second after the block's timestamp", async function () {
    const a = await attestation(f, ALICE, investor.address, { deadline: (await f.now()) + 10n });
    const signature = await sign(f, f.provider, a);
    await networkHelpers.time.setNextBlockTimestamp(BigInt(a.deadline) - 1n);
    await expect(f.identity.connect(investor).registerWithAttestation(a, signature)).to.emit(
      f.identity,
      "IdentityRegistered",
    );
  });

  // ---------------------------------------------------------------- refusals

  it("reverts with IdentityAttestationWrongSender when another account submits it", async function () {
    const a = await attestation(f, ALICE, investor.address);
    const signature = await sign(f, f.provider, a);
    for (const sender of [second, f.provider]) {
      await expectRefused(
        () => f.identity.connect(sender).registerWithAttestation(a, signature),
        "IdentityAttestationWrongSender",
        [investor.address, sender.address],
        [f.provider.address, String(a.nonce)],
      );
    }
  });

  it("reverts with IdentityAttestationExpired when the deadline is the block's timestamp (or past)", async function () {
    const deadline = (await f.now()) + 100n;
    const a = await attestation(f, ALICE, investor.address, { deadline });
    const signature = await sign(f, f.provider, a);
    const nonce: [string, string] = [f.provider.address, String(a.nonce)];
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    // Mined (a fixed gas limit skips the estimate) in a block whose timestamp is the deadline.
    await expectRefused(
      () => f.identity.connect(investor).registerWithAttestation(a, signature, { gasLimit: 500_000 }),
      "IdentityAttestationExpired",
      [deadline],
      nonce,
    );
    expect(await f.now()).to.equal(deadline);
    await expectRefused(
      () => f.identity.connect(investor).registerWithAttestation(a, signature),
      "IdentityAttestationExpired",
      [deadline],
      nonce,
    );
  });

  it("reverts with IdentityAttestationProviderInvalid for a signer without the provider role", async function () {
    const a = await attestation(f, ALICE, investor.address, { provider: stranger.address });
    await expectRefused(
      async () => f.identity.connect(investor).registerWithAttestation(a, await sign(f, stranger, a)),
      "IdentityAttestationProviderInvalid",
      [stranger.address],
      [stranger.address, String(a.nonce)],
    );
  });

  it("reverts with IdentityAttestationProviderInvalid once the provider's role is revoked, even for what it signed before", async function () {
    const a = await attestation(f, ALICE, investor.address);
    const signature = await sign(f, f.provider, a);
    await (await f.diamond.connect(f.owner).revokeRole(KYC_PROVIDER_ROLE, f.provider.address)).wait();
    await expectRefused(
      () => f.identity.connect(investor).registerWithAttestation(a, signature),
      "IdentityAttestationProviderInvalid",
      [f.provider.address],
      [f.provider.address, String(a.nonce)],
    );
  });

  it("reverts with IdentityAttestationSignatureInvalid when someone else signed it", async function () {
    const a = await attestation(f, ALICE, investor.address);
    // A stranger, and another provider signing in the fixture provider's name.
    await (await f.diamond.connect(f.owner).grantRole(KYC_PROVIDER_ROLE, f.bob.address)).wait();
    for (const signer of [stranger, f.bob, investor]) {
      await expectRefused(
        async () => f.identity.connect(investor).registerWithAttestation(a, await sign(f, signer, a)),
        "IdentityAttestationSignatureInvalid",
        [f.provider.address],
        [f.provider.address, String(a.nonce)],
      );
    }
  });

  it("reverts with IdentityAttestationSignatureInvalid for tampered fields", async function () {
    const a = await attestation(f, ALICE, investor.address);
    const signature = await sign(f, f.provider, a);
    const tampered = [
      { ...a, identityId: BOB },
      { ...a, data: { ...a.data, jurisdiction: 840 } },
      { ...a, data: { ...a.data, investorClass: 3 } },
      { ...a, data: { ...a.data, expiresAt: BigInt(a.data.expiresAt) + 1n } },
      { ...a, data: { ...a.data, evidenceHash: evidence("forged") } },
      { ...a, deadline: BigInt(a.deadline) + 1n },
      { ...a, nonce: id("other nonce") },
    ];
    for (const t of tampered) {
      await expectRefused(
        () => f.identity.connect(investor).registerWithAttestation(t, signature),
        "IdentityAttestationSignatureInvalid",
        [f.provider.address],
        [f.provider.address, String(t.nonce)],
      );
    }
    // A malformed signature is refused the same way.
    await expectRefused(
      () => f.identity.connect(investor).registerWithAttestation(a, "0x1234"),
      "IdentityAttestationSignatureInvalid",
      [f.provider.address],
      [f.provider.address, String(a.nonce)],
    );
  });

  it("reverts with IdentityAttestationSignatureInvalid for a signature made for another diamond or chain", async function () {
    const other = await identityFixture(ethers);
    expect(other.diamondAddress).to.not.equal(f.diamondAddress);
    const a = await attestation(f, ALICE, investor.address);
    const nonce: [string, string] = [f.provider.address, String(a.nonce)];
    for (const where of [{ diamond: other.diamondAddress }, { chainId: 1n }, { chainId: f.chainId + 1n }]) {
      await expectRefused(
        async () => f.identity.connect(investor).registerWithAttestation(a, await sign(f, f.provider, a, where)),
        "IdentityAttestationSignatureInvalid",
        [f.provider.address],
        nonce,
      );
    }
    // The other diamond accepts its own, and refuses ours.
    const ours = await sign(f, f.provider, a);
    await expect(other.identity.connect(investor).registerWithAttestation(a, ours))
      .to.be.revertedWithCustomError(other.identity, "IdentityAttestationSignatureInvalid")
      .withArgs(f.provider.address);
    const theirs = await sign(f, f.provider, a, { diamond: other.diamondAddress });
    await expect(other.identity.connect(investor).registerWithAttestation(a, theirs)).to.emit(
      other.identity,
      "IdentityRegistered",
    );
    expect(await other.identity.isVerified(investor.address)).to.equal(true);
    expect(await f.identity.isVerified(investor.address)).to.equal(false);
  });

  it("reverts with IdentityAttestationUsed on replay, also for another wallet under the same nonce", async function () {
    const a = await attestation(f, ALICE, investor.address);
    const signature = await sign(f, f.provider, a);
    expect(await f.identity.isAttestationUsed(f.provider.address, a.nonce)).to.equal(false);
    await (await f.identity.connect(investor).registerWithAttestation(a, signature)).wait();
    expect(await f.identity.isAttestationUsed(f.provider.address, a.nonce)).to.equal(true);
    const nonce: [string, string] = [f.provider.address, String(a.nonce)];

    await expectRefused(
      () => f.identity.connect(investor).registerWithAttestation(a, signature),
      "IdentityAttestationUsed",
      [f.provider.address, a.nonce],
      nonce,
    );
    const b = { ...a, wallet: second.address };
    await expectRefused(
      async () => f.identity.connect(second).registerWithAttestation(b, await sign(f, f.provider, b)),
      "IdentityAttestationUsed",
      [f.provider.address, a.nonce],
      nonce,
    );
    // Nonces are per provider: another provider may use the same one.
    await (await f.diamond.connect(f.owner).grantRole(KYC_PROVIDER_ROLE, f.bob.address)).wait();
    const c = { ...b, provider: f.bob.address };
    await expect(f.identity.connect(second).registerWithAttestation(c, await sign(f, f.bob, c)))
      .to.emit(f.identity, "IdentityWalletAdded")
      .withArgs(ALICE, second.address);
    expect(await f.identity.isAttestationUsed(f.bob.address, a.nonce)).to.equal(true);
  });

  it("reverts with IdentityNotActive(id, Revoked) for a revoked identity", async function () {
    await onboard(f, ALICE, investor);
    await (await f.identity.setIdentityStatus(ALICE, IdentityStatus.Revoked)).wait();
    const a = await attestation(f, ALICE, second.address);
    await expectRefused(
      async () => f.identity.connect(second).registerWithAttestation(a, await sign(f, f.provider, a)),
      "IdentityNotActive",
      [ALICE, IdentityStatus.Revoked],
      [f.provider.address, String(a.nonce)],
    );
  });

  it("reverts with IdentityWalletTaken(wallet, owning id) for a wallet of another identity", async function () {
    await onboard(f, BOB, second);
    for (const target of [ALICE, identityId("new")]) {
      const a = await attestation(f, target, second.address);
      await expectRefused(
        async () => f.identity.connect(second).registerWithAttestation(a, await sign(f, f.provider, a)),
        "IdentityWalletTaken",
        [second.address, BOB],
        [f.provider.address, String(a.nonce)],
      );
    }
  });

  it("validates the id and the attested data as registerIdentity does", async function () {
    const a = await attestation(f, ALICE, investor.address, {
      data: await identityData(f, { jurisdiction: 0 }),
    });
    await expectRefused(
      async () => f.identity.connect(investor).registerWithAttestation(a, await sign(f, f.provider, a)),
      "IdentityJurisdictionInvalid",
      [0],
      [f.provider.address, String(a.nonce)],
    );
    const zero = await attestation(f, ZeroHash, investor.address);
    await expectUnchanged(
      () =>
        identityState(f, { ids: [ZeroHash], wallets: [investor], nonces: [[f.provider.address, String(zero.nonce)]] }),
      async () =>
        expect(
          f.identity.connect(investor).registerWithAttestation(zero, await sign(f, f.provider, zero)),
        ).to.be.revertedWithCustomError(f.identity, "IdentityIdInvalid"),
    );
  });
});
