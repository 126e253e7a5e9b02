// Ownership (ERC-173, two-step), roles (IAccessControl) and the reentrancy guard that
// facets of one diamond share.
import { expect } from "chai";
import { network } from "hardhat";
import { id as keccakUtf8, ZeroAddress, ZeroHash } from "ethers";

import { coreFixture, type CoreFixture } from "./helpers.js";
import { coreCalls, moduleId, ROLES, runTimelocked, selectorsOf } from "../scripts/lib/core.js";
import {
  MockGuardedFacet__factory,
  MockGuardedOtherFacet__factory,
  type IFinanceDiamond,
} from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

const MODULE_ROLE = keccakUtf8("some.module.role");

async function baseFixture() {
  return coreFixture(ethers);
}

/** The fixture's five signers and the zero address, for role snapshots. */
function accountsOf(f: CoreFixture): string[] {
  return [f.owner, f.upgrader, f.guardian, f.alice, f.bob].map((s) => s.address).concat(ZeroAddress);
}

interface AccessState {
  owner: string;
  pendingOwner: string;
  roles: Record<string, boolean>;
}

/** Owner, pending owner and every (role, account) pair among the fixture's signers. */
async function accessState(diamond: IFinanceDiamond, accounts: string[]): Promise<AccessState> {
  const roles: Record<string, boolean> = {};
  for (const [name, role] of Object.entries({ ...ROLES, MODULE: MODULE_ROLE })) {
    for (const account of accounts) {
      roles[`${name}:${account}`] = await diamond.hasRole(role, account);
    }
  }
  return { owner: await diamond.owner(), pendingOwner: await diamond.pendingOwner(), roles };
}

describe("Access", function () {
  describe("OwnershipFacet", function () {
    it("reports the owner and no pending owner after deployment", async function () {
      const { diamond, owner } = await networkHelpers.loadFixture(baseFixture);
      expect(await diamond.owner()).to.equal(owner.address);
      expect(await diamond.pendingOwner()).to.equal(ZeroAddress);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, owner.address)).to.equal(true);
    });

    it("starts a transfer without moving ownership or the admin role", async function () {
      const { diamond, owner, alice } = await networkHelpers.loadFixture(baseFixture);
      await expect(diamond.connect(owner).transferOwnership(alice.address))
        .to.emit(diamond, "OwnershipTransferStarted")
        .withArgs(owner.address, alice.address);
      expect(await diamond.pendingOwner()).to.equal(alice.address);
      expect(await diamond.owner()).to.equal(owner.address);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, owner.address)).to.equal(true);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, alice.address)).to.equal(false);
    });

    it("completes the transfer on accept and moves DEFAULT_ADMIN_ROLE to the new owner", async function () {
      const { diamond, owner, alice, bob } = await networkHelpers.loadFixture(baseFixture);
      await (await diamond.connect(owner).transferOwnership(alice.address)).wait();

      const accept = diamond.connect(alice).acceptOwnership();
      await expect(accept).to.emit(diamond, "OwnershipTransferred").withArgs(owner.address, alice.address);
      await expect(accept).to.emit(diamond, "RoleRevoked").withArgs(ROLES.DEFAULT_ADMIN, owner.address, alice.address);
      await expect(accept).to.emit(diamond, "RoleGranted").withArgs(ROLES.DEFAULT_ADMIN, alice.address, alice.address);

      expect(await diamond.owner()).to.equal(alice.address);
      expect(await diamond.pendingOwner()).to.equal(ZeroAddress);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, owner.address)).to.equal(false);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, alice.address)).to.equal(true);

      // The new owner administers roles; the old one no longer does.
      await expect(diamond.connect(alice).grantRole(ROLES.GUARDIAN, bob.address))
        .to.emit(diamond, "RoleGranted")
        .withArgs(ROLES.GUARDIAN, bob.address, alice.address);
      await expect(diamond.connect(owner).grantRole(ROLES.GUARDIAN, owner.address))
        .to.be.revertedWithCustomError(diamond, "AccessControlUnauthorizedAccount")
        .withArgs(owner.address, ROLES.DEFAULT_ADMIN);
      await expect(diamond.connect(owner).transferOwnership(owner.address))
        .to.be.revertedWithCustomError(diamond, "OwnershipUnauthorizedAccount")
        .withArgs(owner.address);
    });

    it("reverts with OwnershipUnauthorizedAccount when a non-owner starts a transfer", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, alice, bob } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      await expect(diamond.connect(alice).transferOwnership(bob.address))
        .to.be.revertedWithCustomError(diamond, "OwnershipUnauthorizedAccount")
        .withArgs(alice.address);
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
    });

    it("reverts with OwnershipUnauthorizedAccount when someone other than the pending owner accepts", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, owner, alice, bob } = f;
      const accounts = accountsOf(f);
      await (await diamond.connect(owner).transferOwnership(alice.address)).wait();
      const before = await accessState(diamond, accounts);

      for (const caller of [bob, owner]) {
        await expect(diamond.connect(caller).acceptOwnership())
          .to.be.revertedWithCustomError(diamond, "OwnershipUnauthorizedAccount")
          .withArgs(caller.address);
      }
      await expect(diamond.connect(alice).transferOwnership(bob.address))
        .to.be.revertedWithCustomError(diamond, "OwnershipUnauthorizedAccount")
        .withArgs(alice.address);
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
      expect(before.pendingOwner).to.equal(alice.address);
    });

    it("reverts with OwnershipUnauthorizedAccount when accepting with no transfer pending", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, alice } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      await expect(diamond.connect(alice).acceptOwnership())
        .to.be.revertedWithCustomError(diamond, "OwnershipUnauthorizedAccount")
        .withArgs(alice.address);
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
    });

    it("cancels a pending transfer with transferOwnership(0)", async function () {
      const { diamond, owner, alice } = await networkHelpers.loadFixture(baseFixture);
      await (await diamond.connect(owner).transferOwnership(alice.address)).wait();
      await expect(diamond.connect(owner).transferOwnership(ZeroAddress))
        .to.emit(diamond, "OwnershipTransferStarted")
        .withArgs(owner.address, ZeroAddress);
      expect(await diamond.pendingOwner()).to.equal(ZeroAddress);

      await expect(diamond.connect(alice).acceptOwnership())
        .to.be.revertedWithCustomError(diamond, "OwnershipUnauthorizedAccount")
        .withArgs(alice.address);
      expect(await diamond.owner()).to.equal(owner.address);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, owner.address)).to.equal(true);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, alice.address)).to.equal(false);
    });

    it("lets a new transfer replace the pending one", async function () {
      const { diamond, owner, alice, bob } = await networkHelpers.loadFixture(baseFixture);
      await (await diamond.connect(owner).transferOwnership(alice.address)).wait();
      await (await diamond.connect(owner).transferOwnership(bob.address)).wait();
      await expect(diamond.connect(alice).acceptOwnership())
        .to.be.revertedWithCustomError(diamond, "OwnershipUnauthorizedAccount")
        .withArgs(alice.address);
      await expect(diamond.connect(bob).acceptOwnership())
        .to.emit(diamond, "OwnershipTransferred")
        .withArgs(owner.address, bob.address);
      expect(await diamond.owner()).to.equal(bob.address);
    });
  });

  describe("AccessControlFacet", function () {
    it("grants a role by the admin, emitting RoleGranted with the caller as sender", async function () {
      const { diamond, owner, alice } = await networkHelpers.loadFixture(baseFixture);
      await expect(diamond.connect(owner).grantRole(ROLES.UPGRADER, alice.address))
        .to.emit(diamond, "RoleGranted")
        .withArgs(ROLES.UPGRADER, alice.address, owner.address);
      expect(await diamond.hasRole(ROLES.UPGRADER, alice.address)).to.equal(true);
    });

    it("revokes a role by the admin, emitting RoleRevoked with the caller as sender", async function () {
      const { diamond, owner, upgrader } = await networkHelpers.loadFixture(baseFixture);
      await expect(diamond.connect(owner).revokeRole(ROLES.UPGRADER, upgrader.address))
        .to.emit(diamond, "RoleRevoked")
        .withArgs(ROLES.UPGRADER, upgrader.address, owner.address);
      expect(await diamond.hasRole(ROLES.UPGRADER, upgrader.address)).to.equal(false);
      await expect(diamond.connect(upgrader).schedule([coreCalls.setTimelockDelay(0)], ZeroHash))
        .to.be.revertedWithCustomError(diamond, "AccessControlUnauthorizedAccount")
        .withArgs(upgrader.address, ROLES.UPGRADER);
    });

    it("reverts with AccessControlUnauthorizedAccount when a non-admin grants or revokes", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, upgrader, guardian, alice, bob } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      // Holding some role (upgrader, guardian) does not make an account an admin.
      for (const caller of [alice, upgrader, guardian]) {
        await expect(diamond.connect(caller).grantRole(ROLES.GUARDIAN, bob.address))
          .to.be.revertedWithCustomError(diamond, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ROLES.DEFAULT_ADMIN);
        await expect(diamond.connect(caller).revokeRole(ROLES.GUARDIAN, guardian.address))
          .to.be.revertedWithCustomError(diamond, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ROLES.DEFAULT_ADMIN);
      }
      // A role holder cannot hand out its own role either.
      await expect(diamond.connect(upgrader).grantRole(ROLES.UPGRADER, alice.address))
        .to.be.revertedWithCustomError(diamond, "AccessControlUnauthorizedAccount")
        .withArgs(upgrader.address, ROLES.DEFAULT_ADMIN);
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
    });

    it("reverts with AccessAdminRoleIsOwnership when granting, revoking or renouncing DEFAULT_ADMIN_ROLE", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, owner, alice } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      await expect(diamond.connect(owner).grantRole(ROLES.DEFAULT_ADMIN, alice.address)).to.be.revertedWithCustomError(
        diamond,
        "AccessAdminRoleIsOwnership",
      );
      await expect(diamond.connect(owner).revokeRole(ROLES.DEFAULT_ADMIN, owner.address)).to.be.revertedWithCustomError(
        diamond,
        "AccessAdminRoleIsOwnership",
      );
      await expect(
        diamond.connect(owner).renounceRole(ROLES.DEFAULT_ADMIN, owner.address),
      ).to.be.revertedWithCustomError(diamond, "AccessAdminRoleIsOwnership");
      // Checked before authorization: a non-admin gets the same answer.
      await expect(diamond.connect(alice).grantRole(ROLES.DEFAULT_ADMIN, alice.address)).to.be.revertedWithCustomError(
        diamond,
        "AccessAdminRoleIsOwnership",
      );
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, owner.address)).to.equal(true);
    });

    it("reverts with AccessZeroAccount when granting to the zero address", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, owner } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      for (const role of [ROLES.UPGRADER, ROLES.GUARDIAN, MODULE_ROLE]) {
        await expect(diamond.connect(owner).grantRole(role, ZeroAddress)).to.be.revertedWithCustomError(
          diamond,
          "AccessZeroAccount",
        );
      }
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
    });

    it("emits nothing and changes nothing when granting a role already held", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, owner, upgrader } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      const tx = diamond.connect(owner).grantRole(ROLES.UPGRADER, upgrader.address);
      await expect(tx).to.not.emit(diamond, "RoleGranted");
      await expect(tx).to.not.emit(diamond, "RoleRevoked");
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
      expect(await diamond.hasRole(ROLES.UPGRADER, upgrader.address)).to.equal(true);
    });

    it("emits nothing and changes nothing when revoking a role not held", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, owner, alice } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      await expect(diamond.connect(owner).revokeRole(ROLES.UPGRADER, alice.address)).to.not.emit(
        diamond,
        "RoleRevoked",
      );
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
    });

    it("reverts with AccessControlBadConfirmation when renouncing with a wrong confirmation", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { diamond, upgrader, alice } = f;
      const accounts = accountsOf(f);
      const before = await accessState(diamond, accounts);
      for (const confirmation of [alice.address, ZeroAddress]) {
        await expect(
          diamond.connect(upgrader).renounceRole(ROLES.UPGRADER, confirmation),
        ).to.be.revertedWithCustomError(diamond, "AccessControlBadConfirmation");
      }
      // Nor can a caller renounce a role on someone else's behalf.
      await expect(diamond.connect(alice).renounceRole(ROLES.UPGRADER, upgrader.address)).to.be.revertedWithCustomError(
        diamond,
        "AccessControlBadConfirmation",
      );
      expect(await accessState(diamond, accounts)).to.deep.equal(before);
    });

    it("lets an account renounce its own role, emitting RoleRevoked", async function () {
      const { diamond, guardian } = await networkHelpers.loadFixture(baseFixture);
      await expect(diamond.connect(guardian).renounceRole(ROLES.GUARDIAN, guardian.address))
        .to.emit(diamond, "RoleRevoked")
        .withArgs(ROLES.GUARDIAN, guardian.address, guardian.address);
      expect(await diamond.hasRole(ROLES.GUARDIAN, guardian.address)).to.equal(false);
      await expect(diamond.connect(guardian).pause())
        .to.be.revertedWithCustomError(diamond, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ROLES.GUARDIAN);
    });

    it("returns DEFAULT_ADMIN_ROLE as the admin of every role", async function () {
      const { diamond } = await networkHelpers.loadFixture(baseFixture);
      for (const role of [ROLES.DEFAULT_ADMIN, ROLES.UPGRADER, ROLES.GUARDIAN, MODULE_ROLE, keccakUtf8("anything")]) {
        expect(await diamond.getRoleAdmin(role)).to.equal(ZeroHash);
      }
    });

    it("grants, checks and revokes a module-defined role", async function () {
      const { diamond, owner, alice, bob } = await networkHelpers.loadFixture(baseFixture);
      expect(await diamond.hasRole(MODULE_ROLE, alice.address)).to.equal(false);
      await expect(diamond.connect(owner).grantRole(MODULE_ROLE, alice.address))
        .to.emit(diamond, "RoleGranted")
        .withArgs(MODULE_ROLE, alice.address, owner.address);
      expect(await diamond.hasRole(MODULE_ROLE, alice.address)).to.equal(true);
      expect(await diamond.hasRole(MODULE_ROLE, bob.address)).to.equal(false);
      await expect(diamond.connect(owner).revokeRole(MODULE_ROLE, alice.address))
        .to.emit(diamond, "RoleRevoked")
        .withArgs(MODULE_ROLE, alice.address, owner.address);
      expect(await diamond.hasRole(MODULE_ROLE, alice.address)).to.equal(false);
    });
  });

  describe("shared reentrancy guard", function () {
    async function guardedFixture() {
      const base = await coreFixture(ethers);
      const guarded = await ethers.deployContract("MockGuardedFacet");
      const other = await ethers.deployContract("MockGuardedOtherFacet");
      const guardedAddr = await guarded.getAddress();
      const otherAddr = await other.getAddress();
      await runTimelocked(base.diamond.connect(base.upgrader), [
        coreCalls.installModule({
          id: "guarded",
          version: [1, 0, 0],
          facets: [
            { facetAddress: guardedAddr, functionSelectors: selectorsOf(MockGuardedFacet__factory.abi) },
            { facetAddress: otherAddr, functionSelectors: selectorsOf(MockGuardedOtherFacet__factory.abi) },
          ],
        }),
      ]);
      const diamondAddr = await base.diamond.getAddress();
      return {
        ...base,
        diamondAddr,
        otherAddr,
        guardedVia: MockGuardedFacet__factory.connect(diamondAddr, base.alice),
        otherVia: MockGuardedOtherFacet__factory.connect(diamondAddr, base.alice),
      };
    }

    const GUARDED_OTHER = MockGuardedOtherFacet__factory.createInterface().encodeFunctionData("guardedOther");

    it("installs both guarded facets as one module", async function () {
      const { diamond, otherAddr } = await networkHelpers.loadFixture(guardedFixture);
      const info = await diamond.getModule(moduleId("guarded"));
      expect(info.facets.length).to.equal(2);
      expect(info.facets[1].facetAddress).to.equal(otherAddr);
    });

    it("returns 7 from guardedOther called alone", async function () {
      const { otherVia } = await networkHelpers.loadFixture(guardedFixture);
      expect(await otherVia.guardedOther.staticCall()).to.equal(7n);
    });

    it("reverts with ReentrancyGuardReentrantCall when one guarded facet re-enters another through the diamond", async function () {
      const { guardedVia, diamondAddr } = await networkHelpers.loadFixture(guardedFixture);
      await expect(guardedVia.guardedCall(diamondAddr, GUARDED_OTHER)).to.be.revertedWithCustomError(
        guardedVia,
        "ReentrancyGuardReentrantCall",
      );
    });

    it("lets guardedCall reach unguarded diamond functions and guarded code of another contract", async function () {
      const { diamond, guardedVia, diamondAddr, owner } = await networkHelpers.loadFixture(guardedFixture);
      // Control 1: the same re-entry into an unguarded function succeeds.
      const ownerCall = diamond.interface.encodeFunctionData("owner");
      const ret = await guardedVia.guardedCall.staticCall(diamondAddr, ownerCall);
      expect(diamond.interface.decodeFunctionResult("owner", ret)[0]).to.equal(owner.address);

      // Control 2: a guarded function of a standalone contract has its own guard slot.
      const standalone = await ethers.deployContract("MockGuardedOtherFacet");
      const ret7 = await guardedVia.guardedCall.staticCall(await standalone.getAddress(), GUARDED_OTHER);
      expect(BigInt(ret7)).to.equal(7n);
    });
  });
});
