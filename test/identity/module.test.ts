// The identity module as the diamond serves it: exactly IIdentity's functions, its ERC-165
// id, and the provider role on every registry change.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, ZeroHash } from "ethers";

import { interfaceIdOf } from "../../scripts/lib/artifacts.js";
import { moduleId, selectorsOf } from "../../scripts/lib/core.js";
import { IdentityCode, IdentityStatus, KYC_PROVIDER_ROLE } from "../../scripts/lib/identity.js";
import { IdentityFacet__factory, IIdentity__factory } from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { identityData, identityFixture, identityId, identityState, onboard, type IdentityFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => identityFixture(ethers);

const IDENTITY_ID = moduleId("identity");
const sorted = (xs: readonly string[]) => [...xs].sort();

describe("identity: the module", function () {
  let f: IdentityFixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
  });

  it("registers exactly the functions of IIdentity, in one facet of module identity 0.1.0", async function () {
    const iface = IIdentity__factory.createInterface();
    const selectors = sorted(selectorsOf(iface));
    expect(sorted(selectorsOf(IdentityFacet__factory.createInterface()))).to.deep.equal(selectors);
    const info = await f.diamond.getModule(IDENTITY_ID);
    expect(info.version).to.deep.equal([0n, 1n, 0n]);
    expect(info.facets).to.have.length(1);
    expect(sorted(info.facets[0].functionSelectors)).to.deep.equal(selectors);
    for (const selector of selectors) {
      expect(await f.diamond.moduleOfSelector(selector), selector).to.equal(IDENTITY_ID);
    }
  });

  it("declares the IIdentity interface id for ERC-165", async function () {
    const interfaceId = interfaceIdOf(selectorsOf(IIdentity__factory.createInterface()));
    expect((await f.diamond.getModule(IDENTITY_ID)).interfaceIds).to.deep.equal([interfaceId]);
    expect(await f.diamond.supportsInterface(interfaceId)).to.equal(true);
  });

  it("answers an unknown wallet: not registered, not verified, no identity, not recovered", async function () {
    const [wallet] = f.investors;
    expect(await f.identity.isVerified(wallet.address)).to.equal(false);
    expect(await f.identity.identityCodeOf(wallet.address)).to.equal(IdentityCode.NotRegistered);
    expect(await f.identity.identityOf(wallet.address)).to.equal(ZeroHash);
    expect(await f.identity.recoveredWalletOf(wallet.address)).to.equal(ZeroAddress);
  });

  it("getIdentity reverts with IdentityUnknown for an id never registered", async function () {
    const unknown = identityId("nobody");
    await expect(f.identity.getIdentity(unknown))
      .to.be.revertedWithCustomError(f.identity, "IdentityUnknown")
      .withArgs(unknown);
  });

  it("reverts every registry change by an account without the provider role, changing nothing", async function () {
    const [first, second, fresh] = f.investors;
    const ID = identityId("alice");
    await onboard(f, ID, first);
    await (await f.identity.addIdentityWallet(ID, second.address)).wait();
    const data = await identityData(f);
    const NEW = identityId("new");
    const calls = (identity: IdentityFixture["identity"]) => ({
      registerIdentity: () => identity.registerIdentity(NEW, fresh.address, data),
      updateIdentity: () => identity.updateIdentity(ID, data),
      setIdentityStatus: () => identity.setIdentityStatus(ID, IdentityStatus.Suspended),
      addIdentityWallet: () => identity.addIdentityWallet(ID, fresh.address),
      removeIdentityWallet: () => identity.removeIdentityWallet(ID, second.address),
      recoverIdentityWallet: () => identity.recoverIdentityWallet(ID, first.address, fresh.address),
    });
    // The owner and the upgrader hold other roles, not this one.
    for (const outsider of [f.alice, f.owner, f.upgrader]) {
      for (const [name, call] of Object.entries(calls(f.identity.connect(outsider)))) {
        await expectUnchanged(
          () => identityState(f, { ids: [ID, NEW], wallets: [first, second, fresh] }),
          () =>
            expect(call(), name)
              .to.be.revertedWithCustomError(f.identity, "AccessControlUnauthorizedAccount")
              .withArgs(outsider.address, KYC_PROVIDER_ROLE),
        );
      }
    }
  });

  it("lets an account the owner grants the provider role change the registry, and stops it once revoked", async function () {
    const [first, second] = f.investors;
    const ID = identityId("alice");
    await (await f.diamond.connect(f.owner).grantRole(KYC_PROVIDER_ROLE, f.bob.address)).wait();
    const data = await onboard(f, ID, first);
    await expect(f.identity.connect(f.bob).addIdentityWallet(ID, second.address))
      .to.emit(f.identity, "IdentityWalletAdded")
      .withArgs(ID, second.address);
    await (await f.diamond.connect(f.owner).revokeRole(KYC_PROVIDER_ROLE, f.bob.address)).wait();
    await expect(f.identity.connect(f.bob).updateIdentity(ID, data))
      .to.be.revertedWithCustomError(f.identity, "AccessControlUnauthorizedAccount")
      .withArgs(f.bob.address, KYC_PROVIDER_ROLE);
  });
});
