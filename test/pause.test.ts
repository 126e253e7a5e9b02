// Emergency pause: diamond-wide (guardian pauses, admin unpauses) and per module.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroHash } from "ethers";

import { coreFixture } from "./helpers.js";
import {
  coreCalls,
  FacetCutAction,
  moduleId,
  runTimelocked,
  selectorsOf,
  ROLES,
  type ModuleSpecInput,
} from "../scripts/lib/core.js";
import {
  MockFacetV1__factory,
  MockFacetV2__factory,
  MockOtherFacet__factory,
  TenSelectorFacet__factory,
} from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

const MOCK = "mock";
const OTHER = "other";
const LATE = "late";
const MOCK_ID = moduleId(MOCK);
const OTHER_ID = moduleId(OTHER);
const LATE_ID = moduleId(LATE);
const CORE_ID = moduleId("core");
const UNMANAGED_ID = moduleId("unmanaged");
const GHOST_ID = moduleId("ghost");
/** `PauseStateUnchanged` names the diamond-wide pause as id zero. */
const DIAMOND_ID = ZeroHash;

const V1_SELECTORS = selectorsOf(MockFacetV1__factory.abi);
const V2_SELECTORS = selectorsOf(MockFacetV2__factory.abi);
const OTHER_SELECTORS = selectorsOf(MockOtherFacet__factory.abi);
const TEN_SELECTORS = selectorsOf(TenSelectorFacet__factory.abi);

async function deployPauseFixture() {
  const core = await coreFixture(ethers);
  const [v1, v2, other, ten] = await Promise.all([
    ethers.deployContract("MockFacetV1"),
    ethers.deployContract("MockFacetV2"),
    ethers.deployContract("MockOtherFacet"),
    ethers.deployContract("TenSelectorFacet"),
  ]);
  const diamondAddress = await core.diamond.getAddress();
  const addresses = {
    v1: await v1.getAddress(),
    v2: await v2.getAddress(),
    other: await other.getAddress(),
    ten: await ten.getAddress(),
  };
  const asUpgrader = core.diamond.connect(core.upgrader);
  await runTimelocked(asUpgrader, [
    coreCalls.installModule({
      id: MOCK,
      version: [1, 0, 0],
      facets: [{ facetAddress: addresses.v1, functionSelectors: V1_SELECTORS }],
    }),
    coreCalls.installModule({
      id: OTHER,
      version: [1, 0, 0],
      facets: [{ facetAddress: addresses.other, functionSelectors: OTHER_SELECTORS }],
    }),
  ]);
  return {
    ...core,
    ...addresses,
    diamondAddress,
    asUpgrader,
    asGuardian: core.diamond.connect(core.guardian),
    asOwner: core.diamond.connect(core.owner),
    mockV1: MockFacetV1__factory.connect(diamondAddress, core.alice),
    mockV2: MockFacetV2__factory.connect(diamondAddress, core.alice),
    otherModule: MockOtherFacet__factory.connect(diamondAddress, core.alice),
    tenModule: TenSelectorFacet__factory.connect(diamondAddress, core.alice),
  };
}

type Fixture = Awaited<ReturnType<typeof deployPauseFixture>>;

function lateSpec(f: Fixture): ModuleSpecInput {
  return { id: LATE, version: [1, 0, 0], facets: [{ facetAddress: f.ten, functionSelectors: TEN_SELECTORS }] };
}

function mockV2Spec(f: Fixture): ModuleSpecInput {
  return { id: MOCK, version: [2, 0, 0], facets: [{ facetAddress: f.v2, functionSelectors: V2_SELECTORS }] };
}

describe("Pause", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployPauseFixture);
  });

  async function expectModulePaused(call: Promise<unknown>, id: string): Promise<void> {
    await expect(call).to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused").withArgs(id);
  }

  describe("diamond-wide pause", function () {
    it("lets the guardian pause, emitting DiamondPaused", async function () {
      await expect(f.asGuardian.pause()).to.emit(f.diamond, "DiamondPaused").withArgs(f.guardian.address);
      expect(await f.diamond.paused()).to.equal(true);
    });

    it("makes every non-core module's functions revert with DiamondModulePaused naming the module", async function () {
      await (await f.asGuardian.pause()).wait();

      await expectModulePaused(f.mockV1.mockValue(), MOCK_ID);
      await expectModulePaused(f.mockV1.setMockValue(1), MOCK_ID);
      await expectModulePaused(f.otherModule.otherPing(), OTHER_ID);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(true);
      expect(await f.diamond.isModulePaused(OTHER_ID)).to.equal(true);
      expect((await f.diamond.getModule(MOCK_ID)).paused).to.equal(true);
      expect((await f.diamond.getModule(OTHER_ID)).paused).to.equal(true);
    });

    it("leaves core functions working: loupe, registry views, roles and timelock", async function () {
      await (await f.asGuardian.pause()).wait();

      expect((await f.diamond.facets()).length).to.be.greaterThan(0);
      expect(await f.diamond.facetAddress(V1_SELECTORS[0])).to.equal(f.v1);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(true);
      expect(await f.diamond.moduleOfSelector(V1_SELECTORS[0])).to.equal(MOCK_ID);
      expect(await f.diamond.owner()).to.equal(f.owner.address);
      expect(await f.diamond.hasRole(ROLES.GUARDIAN, f.guardian.address)).to.equal(true);
      expect(await f.diamond.isModulePaused(CORE_ID)).to.equal(false);
      expect((await f.diamond.getModule(CORE_ID)).paused).to.equal(false);
      await expect(f.asOwner.grantRole(ROLES.GUARDIAN, f.alice.address))
        .to.emit(f.diamond, "RoleGranted")
        .withArgs(ROLES.GUARDIAN, f.alice.address, f.owner.address);
      // The timelock still runs operations while paused.
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(OTHER)]);
      expect(await f.diamond.isModuleInstalled(OTHER_ID)).to.equal(false);
    });

    it("lets the admin unpause, emitting DiamondUnpaused and restoring the modules", async function () {
      await (await f.asGuardian.pause()).wait();

      await expect(f.asOwner.unpause()).to.emit(f.diamond, "DiamondUnpaused").withArgs(f.owner.address);
      expect(await f.diamond.paused()).to.equal(false);
      expect(await f.mockV1.mockPing()).to.equal(1n);
      expect(await f.otherModule.otherPing()).to.equal(3n);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(false);
      expect((await f.diamond.getModule(MOCK_ID)).paused).to.equal(false);
    });

    it("reverts when the guardian tries to unpause", async function () {
      await (await f.asGuardian.pause()).wait();

      await expect(f.asGuardian.unpause())
        .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
        .withArgs(f.guardian.address, ROLES.DEFAULT_ADMIN);
      expect(await f.diamond.paused()).to.equal(true);
    });

    it("reverts when an account without the guardian role pauses", async function () {
      for (const signer of [f.alice, f.owner, f.upgrader]) {
        await expect(f.diamond.connect(signer).pause())
          .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, ROLES.GUARDIAN);
      }
      expect(await f.diamond.paused()).to.equal(false);
      expect(await f.mockV1.mockPing()).to.equal(1n);
    });

    it("reverts when pausing twice", async function () {
      await (await f.asGuardian.pause()).wait();
      await expect(f.asGuardian.pause())
        .to.be.revertedWithCustomError(f.diamond, "PauseStateUnchanged")
        .withArgs(DIAMOND_ID, true);
      expect(await f.diamond.paused()).to.equal(true);
    });

    it("reverts when unpausing a diamond that is not paused", async function () {
      await expect(f.asOwner.unpause())
        .to.be.revertedWithCustomError(f.diamond, "PauseStateUnchanged")
        .withArgs(DIAMOND_ID, false);
      expect(await f.diamond.paused()).to.equal(false);
    });
  });

  describe("per-module pause", function () {
    it("pauses one module only, emitting ModulePaused", async function () {
      await expect(f.asGuardian.pauseModule(MOCK_ID))
        .to.emit(f.diamond, "ModulePaused")
        .withArgs(MOCK_ID, f.guardian.address);

      await expectModulePaused(f.mockV1.mockPing(), MOCK_ID);
      expect(await f.otherModule.otherPing()).to.equal(3n);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(true);
      expect(await f.diamond.isModulePaused(OTHER_ID)).to.equal(false);
      expect((await f.diamond.getModule(MOCK_ID)).paused).to.equal(true);
      expect((await f.diamond.getModule(OTHER_ID)).paused).to.equal(false);
      expect(await f.diamond.paused()).to.equal(false);
    });

    it("lets the admin unpause the module, emitting ModuleUnpaused", async function () {
      await (await f.asGuardian.pauseModule(MOCK_ID)).wait();

      await expect(f.asOwner.unpauseModule(MOCK_ID))
        .to.emit(f.diamond, "ModuleUnpaused")
        .withArgs(MOCK_ID, f.owner.address);
      expect(await f.mockV1.mockPing()).to.equal(1n);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(false);
      expect((await f.diamond.getModule(MOCK_ID)).paused).to.equal(false);
    });

    it("reverts when the guardian tries to unpause a module", async function () {
      await (await f.asGuardian.pauseModule(MOCK_ID)).wait();

      await expect(f.asGuardian.unpauseModule(MOCK_ID))
        .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
        .withArgs(f.guardian.address, ROLES.DEFAULT_ADMIN);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(true);
    });

    it("reverts when an account without the guardian role pauses a module", async function () {
      await expect(f.diamond.connect(f.alice).pauseModule(MOCK_ID))
        .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, ROLES.GUARDIAN);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(false);
    });

    it("reverts when pausing the core module", async function () {
      await expect(f.asGuardian.pauseModule(CORE_ID))
        .to.be.revertedWithCustomError(f.diamond, "PauseModuleNotPausable")
        .withArgs(CORE_ID);
      await expect(f.asOwner.unpauseModule(CORE_ID))
        .to.be.revertedWithCustomError(f.diamond, "PauseModuleNotPausable")
        .withArgs(CORE_ID);
      expect(await f.diamond.isModulePaused(CORE_ID)).to.equal(false);
    });

    it("reverts when pausing a module that is not installed", async function () {
      await expect(f.asGuardian.pauseModule(GHOST_ID))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(GHOST_ID);
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(OTHER)]);
      await expect(f.asGuardian.pauseModule(OTHER_ID))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(OTHER_ID);
    });

    it("reverts when pausing a module twice", async function () {
      await (await f.asGuardian.pauseModule(MOCK_ID)).wait();
      await expect(f.asGuardian.pauseModule(MOCK_ID))
        .to.be.revertedWithCustomError(f.diamond, "PauseStateUnchanged")
        .withArgs(MOCK_ID, true);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(true);
    });

    it("reverts when unpausing a module that is not paused", async function () {
      await expect(f.asOwner.unpauseModule(MOCK_ID))
        .to.be.revertedWithCustomError(f.diamond, "PauseStateUnchanged")
        .withArgs(MOCK_ID, false);
      expect(await f.mockV1.mockPing()).to.equal(1n);
    });
  });

  describe("interplay", function () {
    it("keeps an individually paused module paused after a global unpause", async function () {
      await (await f.asGuardian.pauseModule(MOCK_ID)).wait();
      await (await f.asGuardian.pause()).wait();
      await (await f.asOwner.unpause()).wait();

      await expectModulePaused(f.mockV1.mockPing(), MOCK_ID);
      expect(await f.otherModule.otherPing()).to.equal(3n);
      expect(await f.diamond.isModulePaused(MOCK_ID)).to.equal(true);
      expect((await f.diamond.getModule(MOCK_ID)).paused).to.equal(true);
    });

    it("pauses a module installed while the diamond is paused, until the diamond is unpaused", async function () {
      await (await f.asGuardian.pause()).wait();
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(lateSpec(f))]);

      await expectModulePaused(f.tenModule.ten0(), LATE_ID);
      await expectModulePaused(f.tenModule.ten9(), LATE_ID);
      expect(await f.diamond.isModulePaused(LATE_ID)).to.equal(true);
      expect((await f.diamond.getModule(LATE_ID)).paused).to.equal(true);

      await (await f.asOwner.unpause()).wait();
      expect(await f.tenModule.ten9()).to.equal(9n);
    });

    it("keeps a paused module paused across an upgrade, new selectors included", async function () {
      await (await f.asGuardian.pauseModule(MOCK_ID)).wait();
      await runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f))]);

      await expectModulePaused(f.mockV2.mockValue(), MOCK_ID);
      await expectModulePaused(f.mockV2.mockPong(), MOCK_ID);
      expect((await f.diamond.getModule(MOCK_ID)).paused).to.equal(true);

      await (await f.asOwner.unpauseModule(MOCK_ID)).wait();
      expect(await f.mockV2.mockPong()).to.equal(2n);
      expect(await f.mockV2.mockValue()).to.equal(1000n);
    });

    it("keeps new selectors of a module upgraded during a diamond-wide pause paused", async function () {
      await (await f.asGuardian.pause()).wait();
      await runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f))]);

      await expectModulePaused(f.mockV2.mockPong(), MOCK_ID);
      await (await f.asOwner.unpause()).wait();
      expect(await f.mockV2.mockPong()).to.equal(2n);
    });

    it("does not carry a module's pause over to its reinstallation", async function () {
      await (await f.asGuardian.pauseModule(OTHER_ID)).wait();
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(OTHER)]);
      await runTimelocked(f.asUpgrader, [
        coreCalls.installModule({
          id: OTHER,
          version: [1, 0, 1],
          facets: [{ facetAddress: f.other, functionSelectors: OTHER_SELECTORS }],
        }),
      ]);

      expect(await f.diamond.isModulePaused(OTHER_ID)).to.equal(false);
      expect(await f.otherModule.otherPing()).to.equal(3n);
    });

    it("pauses selectors added by a raw diamondCut as the `unmanaged` module", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.diamondCut([{ facetAddress: f.ten, action: FacetCutAction.Add, functionSelectors: TEN_SELECTORS }]),
      ]);
      expect(await f.diamond.moduleOfSelector(TEN_SELECTORS[0])).to.equal(UNMANAGED_ID);
      expect(await f.tenModule.ten1()).to.equal(1n);

      await (await f.asGuardian.pause()).wait();
      await expectModulePaused(f.tenModule.ten1(), UNMANAGED_ID);
      expect(await f.diamond.isModulePaused(UNMANAGED_ID)).to.equal(true);
      await (await f.asOwner.unpause()).wait();

      await expect(f.asGuardian.pauseModule(UNMANAGED_ID))
        .to.emit(f.diamond, "ModulePaused")
        .withArgs(UNMANAGED_ID, f.guardian.address);
      await expectModulePaused(f.tenModule.ten1(), UNMANAGED_ID);
      expect(await f.mockV1.mockPing()).to.equal(1n);
    });

    it("pauses selectors added by a raw diamondCut while `unmanaged` is paused", async function () {
      await (await f.asGuardian.pauseModule(UNMANAGED_ID)).wait();
      await runTimelocked(f.asUpgrader, [
        coreCalls.diamondCut([{ facetAddress: f.ten, action: FacetCutAction.Add, functionSelectors: TEN_SELECTORS }]),
      ]);

      await expectModulePaused(f.tenModule.ten2(), UNMANAGED_ID);
      await (await f.asOwner.unpauseModule(UNMANAGED_ID)).wait();
      expect(await f.tenModule.ten2()).to.equal(2n);
    });
  });
});
