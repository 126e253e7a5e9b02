// Module registry: install, upgrade and remove modules atomically through the timelock,
// and the registry views that describe them.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, ZeroHash, toBeHex, type ContractTransactionResponse } from "ethers";

import { coreFixture } from "./helpers.js";
import {
  coreCalls,
  FacetCutAction,
  moduleId,
  runTimelocked,
  selectorsOf,
  type ModuleSpecInput,
  type SemVerTuple,
} from "../scripts/lib/core.js";
import {
  IFinanceDiamond__factory,
  MockFacetV1__factory,
  MockFacetV2__factory,
  MockInit__factory,
  MockOtherFacet__factory,
  TenSelectorFacet__factory,
} from "../typechain-types/index.js";
import type { IFinanceDiamond } from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

// ------------------------------------------------------------------ constants

const MOCK = "mock";
const OTHER = "other";
const MOCK_ID = moduleId(MOCK);
const OTHER_ID = moduleId(OTHER);
const GHOST_ID = moduleId("ghost");
const CORE_ID = moduleId("core");
const UNMANAGED_ID = moduleId("unmanaged");

const STATUS_INSTALLED = 1n;
const STATUS_REMOVED = 2n;

/** An arbitrary ERC-165 interface id the mock module declares. */
const MOCK_INTERFACE = "0x12345678";

const v1Iface = MockFacetV1__factory.createInterface();
const v2Iface = MockFacetV2__factory.createInterface();
const otherIface = MockOtherFacet__factory.createInterface();
const initIface = MockInit__factory.createInterface();
const coreIface = IFinanceDiamond__factory.createInterface();

const V1_SELECTORS = selectorsOf(MockFacetV1__factory.abi);
const V2_SELECTORS = selectorsOf(MockFacetV2__factory.abi);
const OTHER_SELECTORS = selectorsOf(MockOtherFacet__factory.abi);
const TEN_SELECTORS = selectorsOf(TenSelectorFacet__factory.abi);

const SEL = {
  mockValue: v1Iface.getFunction("mockValue").selector,
  setMockValue: v1Iface.getFunction("setMockValue").selector,
  mockPing: v1Iface.getFunction("mockPing").selector,
  mockPong: v2Iface.getFunction("mockPong").selector,
  otherPing: otherIface.getFunction("otherPing").selector,
  owner: coreIface.getFunction("owner").selector,
};

/** `MockStorage` namespace (erc7201:finsuite.mock): `value` at +0, `initCount` at +1. */
const MOCK_STORAGE_SLOT = 0xdd2080ea5ba2d2f4260ef07f92e1319c6d5fa903b1ccee1ba93dd0b4e89adf00n;

// ------------------------------------------------------------------ helpers

function semver(v: SemVerTuple) {
  return { major: v[0], minor: v[1], patch: v[2] };
}

function semverOut(v: SemVerTuple): bigint[] {
  return v.map(BigInt);
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/** Recursively turns ethers `Result`s into plain arrays, for deep equality. */
function plain(value: unknown): unknown {
  return Array.isArray(value) ? Array.from(value, plain) : value;
}

/** Everything the registry and the loupe report, to prove a failed operation changed nothing. */
async function registryState(diamond: IFinanceDiamond) {
  return {
    ids: plain(await diamond.moduleIds()),
    modules: plain(await diamond.getModules()),
    facets: plain(await diamond.facets()),
    mockInterface: await diamond.supportsInterface(MOCK_INTERFACE),
  };
}

let saltCounter = 0n;

/** Schedules `calls` (delay 0) and returns the execute transaction, for event assertions. */
async function scheduleAndExecute(diamond: IFinanceDiamond, calls: string[]): Promise<ContractTransactionResponse> {
  const salt = toBeHex(0xfeed0000n + ++saltCounter, 32);
  await (await diamond.schedule(calls, salt)).wait();
  return diamond.execute(calls, salt);
}

async function deployRegistryFixture() {
  const core = await coreFixture(ethers);
  const [v1, v2, other, init, ten] = await Promise.all([
    ethers.deployContract("MockFacetV1"),
    ethers.deployContract("MockFacetV2"),
    ethers.deployContract("MockOtherFacet"),
    ethers.deployContract("MockInit"),
    ethers.deployContract("TenSelectorFacet"),
  ]);
  const diamondAddress = await core.diamond.getAddress();
  return {
    ...core,
    asUpgrader: core.diamond.connect(core.upgrader),
    diamondAddress,
    v1: await v1.getAddress(),
    v2: await v2.getAddress(),
    other: await other.getAddress(),
    initAddress: await init.getAddress(),
    init,
    ten: await ten.getAddress(),
    mockV1: MockFacetV1__factory.connect(diamondAddress, core.alice),
    mockV2: MockFacetV2__factory.connect(diamondAddress, core.alice),
    otherModule: MockOtherFacet__factory.connect(diamondAddress, core.alice),
  };
}

type Fixture = Awaited<ReturnType<typeof deployRegistryFixture>>;

/** Module "mock" served by `facet` with `selectors` at `version`. */
function mockSpec(
  version: SemVerTuple,
  facet: string,
  selectors: string[],
  overrides: Partial<ModuleSpecInput>,
): ModuleSpecInput {
  return {
    id: MOCK,
    version,
    facets: [{ facetAddress: facet, functionSelectors: selectors }],
    interfaceIds: [MOCK_INTERFACE],
    dependencies: [],
    ...overrides,
  };
}

const mockV1Spec = (f: Fixture, overrides: Partial<ModuleSpecInput> = {}) =>
  mockSpec([1, 0, 0], f.v1, V1_SELECTORS, overrides);
const mockV2Spec = (f: Fixture, overrides: Partial<ModuleSpecInput> = {}) =>
  mockSpec([2, 0, 0], f.v2, V2_SELECTORS, overrides);

function otherSpec(f: Fixture, overrides: Partial<ModuleSpecInput> = {}): ModuleSpecInput {
  return {
    id: OTHER,
    version: [1, 0, 0],
    facets: [{ facetAddress: f.other, functionSelectors: OTHER_SELECTORS }],
    ...overrides,
  };
}

function initCall(value: bigint | number): string {
  return initIface.encodeFunctionData("init", [value]);
}

async function mockStorage(f: Fixture): Promise<{ value: bigint; initCount: bigint }> {
  const value = BigInt(await ethers.provider.getStorage(f.diamondAddress, MOCK_STORAGE_SLOT));
  const initCount = BigInt(await ethers.provider.getStorage(f.diamondAddress, MOCK_STORAGE_SLOT + 1n));
  return { value, initCount };
}

async function expectNotInstalled(f: Fixture, id: string, selectors: string[]): Promise<void> {
  expect(await f.diamond.isModuleInstalled(id)).to.equal(false);
  expect(plain(await f.diamond.moduleIds())).to.not.include(id);
  for (const sel of selectors) {
    expect(await f.diamond.facetAddress(sel)).to.equal(ZeroAddress);
    expect(await f.diamond.moduleOfSelector(sel)).to.equal(ZeroHash);
  }
}

// ------------------------------------------------------------------ tests

describe("ModuleRegistry", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployRegistryFixture);
  });

  describe("installModule", function () {
    it("records the module: id, version, status, facets, interface ids and dependencies", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.installModule(otherSpec(f)),
        coreCalls.installModule(mockV1Spec(f, { dependencies: [OTHER] })),
      ]);

      const info = await f.diamond.getModule(MOCK_ID);
      expect(info.id).to.equal(MOCK_ID);
      expect(plain(info.version)).to.deep.equal(semverOut([1, 0, 0]));
      expect(info.status).to.equal(STATUS_INSTALLED);
      expect(info.paused).to.equal(false);
      expect(plain(info.facets)).to.deep.equal([[f.v1, V1_SELECTORS]]);
      expect(plain(info.interfaceIds)).to.deep.equal([MOCK_INTERFACE]);
      expect(plain(info.dependencies)).to.deep.equal([OTHER_ID]);

      expect(plain(await f.diamond.moduleIds())).to.deep.equal([CORE_ID, UNMANAGED_ID, OTHER_ID, MOCK_ID]);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(true);
      expect(plain(await f.diamond.moduleVersion(MOCK_ID))).to.deep.equal(semverOut([1, 0, 0]));
      for (const sel of V1_SELECTORS) {
        expect(await f.diamond.moduleOfSelector(sel)).to.equal(MOCK_ID);
        expect(await f.diamond.facetAddress(sel)).to.equal(f.v1);
      }
      expect(await f.diamond.moduleOfSelector(SEL.otherPing)).to.equal(OTHER_ID);
      expect(sorted(await f.diamond.facetFunctionSelectors(f.v1))).to.deep.equal(sorted(V1_SELECTORS));
      expect(await f.diamond.supportsInterface(MOCK_INTERFACE)).to.equal(true);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 0, 0]))).to.equal(false);
    });

    it("makes the module's functions callable through the diamond", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f))]);

      expect(await f.mockV1.mockPing()).to.equal(1n);
      await expect(f.mockV1.setMockValue(42)).to.emit(f.mockV1, "MockValueSet").withArgs(42n);
      expect(await f.mockV1.mockValue()).to.equal(42n);
    });

    it("runs the init with its argument and marks it run for that version", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f), f.initAddress, initCall(77))]);

      expect(await f.mockV1.mockValue()).to.equal(77n);
      expect(await mockStorage(f)).to.deep.equal({ value: 77n, initCount: 1n });
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 0, 0]))).to.equal(true);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 0, 1]))).to.equal(false);
    });

    it("emits DiamondCut with one Add per facet, then ModuleInstalled", async function () {
      const data = initCall(5);
      const tx = scheduleAndExecute(f.asUpgrader, [
        coreCalls.installModule(
          mockV1Spec(f, {
            facets: [
              { facetAddress: f.v1, functionSelectors: V1_SELECTORS },
              { facetAddress: f.other, functionSelectors: OTHER_SELECTORS },
            ],
          }),
          f.initAddress,
          data,
        ),
      ]);
      await expect(tx)
        .to.emit(f.diamond, "DiamondCut")
        .withArgs(
          [
            [f.v1, FacetCutAction.Add, V1_SELECTORS],
            [f.other, FacetCutAction.Add, OTHER_SELECTORS],
          ],
          f.initAddress,
          data,
        );
      await expect(tx)
        .to.emit(f.diamond, "ModuleInstalled")
        .withArgs(MOCK_ID, semverOut([1, 0, 0]), f.initAddress);
    });

    it("reverts with the init's own error and records nothing when the init reverts with a reason", async function () {
      const before = await registryState(f.diamond);
      const data = initIface.encodeFunctionData("rejectWithReason", [7]);

      await expect(runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f), f.initAddress, data)]))
        .to.be.revertedWithCustomError(f.init, "MockInitRejected")
        .withArgs(7n);

      expect(await registryState(f.diamond)).to.deep.equal(before);
      await expectNotInstalled(f, MOCK_ID, V1_SELECTORS);
      await expect(f.diamond.getModule(MOCK_ID))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(MOCK_ID);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 0, 0]))).to.equal(false);
      expect(await f.diamond.supportsInterface(MOCK_INTERFACE)).to.equal(false);
    });

    it("reverts with DiamondInitFailed and records nothing when the init reverts silently", async function () {
      const before = await registryState(f.diamond);
      const data = initIface.encodeFunctionData("rejectSilently");

      await expect(runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f), f.initAddress, data)]))
        .to.be.revertedWithCustomError(f.diamond, "DiamondInitFailed")
        .withArgs(f.initAddress, data);

      expect(await registryState(f.diamond)).to.deep.equal(before);
      await expectNotInstalled(f, MOCK_ID, V1_SELECTORS);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 0, 0]))).to.equal(false);
    });
  });

  describe("installModule validation", function () {
    /** Runs `install` as a timelocked operation and checks the revert left the registry untouched. */
    async function expectInstallReverts(calls: string[], error: string, ...args: unknown[]): Promise<void> {
      const before = await registryState(f.diamond);
      await expect(runTimelocked(f.asUpgrader, calls))
        .to.be.revertedWithCustomError(f.diamond, error)
        .withArgs(...args);
      expect(await registryState(f.diamond)).to.deep.equal(before);
    }

    for (const reserved of ["", "core", "unmanaged"]) {
      it(`reverts when the id is the reserved ${JSON.stringify(reserved)}`, async function () {
        await expectInstallReverts(
          [coreCalls.installModule(mockV1Spec(f, { id: reserved }))],
          "RegistryReservedModuleId",
          moduleId(reserved),
        );
      });
    }

    it("reverts when the module is already installed", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f))]);
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f, { version: [1, 1, 0] }))],
        "RegistryModuleAlreadyInstalled",
        MOCK_ID,
      );
      expect(plain(await f.diamond.moduleVersion(MOCK_ID))).to.deep.equal(semverOut([1, 0, 0]));
    });

    it("reverts when the spec lists no facets", async function () {
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f, { facets: [] }))],
        "RegistryModuleHasNoFacets",
        MOCK_ID,
      );
    });

    it("reverts when a facet lists no selectors", async function () {
      await expectInstallReverts(
        [
          coreCalls.installModule(
            mockV1Spec(f, {
              facets: [
                { facetAddress: f.v1, functionSelectors: V1_SELECTORS },
                { facetAddress: f.other, functionSelectors: [] },
              ],
            }),
          ),
        ],
        "DiamondNoSelectors",
        f.other,
      );
      await expectNotInstalled(f, MOCK_ID, V1_SELECTORS);
    });

    it("reverts when a facet address is zero", async function () {
      await expectInstallReverts(
        [
          coreCalls.installModule(
            mockV1Spec(f, { facets: [{ facetAddress: ZeroAddress, functionSelectors: V1_SELECTORS }] }),
          ),
        ],
        "DiamondFacetIsZero",
        V1_SELECTORS[0],
      );
    });

    it("reverts when a facet has no code", async function () {
      await expectInstallReverts(
        [
          coreCalls.installModule(
            mockV1Spec(f, { facets: [{ facetAddress: f.bob.address, functionSelectors: V1_SELECTORS }] }),
          ),
        ],
        "DiamondFacetHasNoCode",
        f.bob.address,
      );
    });

    it("reverts naming both modules when a selector belongs to another module", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(otherSpec(f))]);
      await expectInstallReverts(
        [
          coreCalls.installModule(
            mockV1Spec(f, {
              facets: [
                { facetAddress: f.v1, functionSelectors: V1_SELECTORS },
                { facetAddress: f.other, functionSelectors: [SEL.otherPing] },
              ],
            }),
          ),
        ],
        "DiamondSelectorTaken",
        SEL.otherPing,
        OTHER_ID,
        MOCK_ID,
      );
      await expectNotInstalled(f, MOCK_ID, V1_SELECTORS);
      expect(await f.diamond.moduleOfSelector(SEL.otherPing)).to.equal(OTHER_ID);
    });

    it("reverts naming `unmanaged` when a selector was added by a raw diamondCut", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.diamondCut([
          { facetAddress: f.other, action: FacetCutAction.Add, functionSelectors: [SEL.otherPing] },
        ]),
      ]);
      await expectInstallReverts(
        [coreCalls.installModule(otherSpec(f))],
        "DiamondSelectorTaken",
        SEL.otherPing,
        UNMANAGED_ID,
        OTHER_ID,
      );
    });

    it("reverts when a selector is one of the diamond's core functions", async function () {
      await expectInstallReverts(
        [
          coreCalls.installModule(
            mockV1Spec(f, { facets: [{ facetAddress: f.v1, functionSelectors: [...V1_SELECTORS, SEL.owner] }] }),
          ),
        ],
        "DiamondImmutableFunction",
        SEL.owner,
      );
      expect(await f.diamond.moduleOfSelector(SEL.owner)).to.equal(CORE_ID);
    });

    it("reverts when a dependency is not installed", async function () {
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f, { dependencies: ["ghost"] }))],
        "RegistryDependencyMissing",
        MOCK_ID,
        GHOST_ID,
      );
    });

    it("reverts when a dependency was removed", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(otherSpec(f)), coreCalls.removeModule(OTHER)]);
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f, { dependencies: [OTHER] }))],
        "RegistryDependencyMissing",
        MOCK_ID,
        OTHER_ID,
      );
    });

    it("reverts when the module depends on itself", async function () {
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f, { dependencies: [MOCK] }))],
        "RegistryDependencyMissing",
        MOCK_ID,
        MOCK_ID,
      );
    });

    it("reverts when an interface id is 0xffffffff", async function () {
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f, { interfaceIds: [MOCK_INTERFACE, "0xffffffff"] }))],
        "RegistryInvalidInterfaceId",
        "0xffffffff",
      );
    });

    it("reverts when the init address has no code", async function () {
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f), f.bob.address, initCall(1))],
        "DiamondInitHasNoCode",
        f.bob.address,
      );
    });

    it("reverts when init data is given without an init address", async function () {
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f), ZeroAddress, initCall(1))],
        "DiamondInitDataWithoutInit",
      );
    });

    it("reverts when the init of that version already ran (reinstall of v1 with its init)", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.installModule(mockV1Spec(f), f.initAddress, initCall(1)),
        coreCalls.removeModule(MOCK),
      ]);
      await expectInstallReverts(
        [coreCalls.installModule(mockV1Spec(f), f.initAddress, initCall(2))],
        "RegistryInitAlreadyRun",
        MOCK_ID,
        semverOut([1, 0, 0]),
      );
      expect((await mockStorage(f)).initCount).to.equal(1n);
    });
  });

  describe("upgradeModule", function () {
    beforeEach(async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f))]);
    });

    it("repoints kept selectors, removes dropped ones and adds new ones", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f))]);

      expect(await f.diamond.facetAddress(SEL.mockValue)).to.equal(f.v2);
      expect(await f.diamond.facetAddress(SEL.setMockValue)).to.equal(f.v2);
      expect(await f.diamond.facetAddress(SEL.mockPong)).to.equal(f.v2);
      expect(await f.diamond.facetAddress(SEL.mockPing)).to.equal(ZeroAddress);
      expect(await f.diamond.moduleOfSelector(SEL.mockPong)).to.equal(MOCK_ID);
      expect(await f.diamond.moduleOfSelector(SEL.mockPing)).to.equal(ZeroHash);
      expect(await f.diamond.facetFunctionSelectors(f.v1)).to.deep.equal([]);

      const info = await f.diamond.getModule(MOCK_ID);
      expect(plain(info.version)).to.deep.equal(semverOut([2, 0, 0]));
      expect(info.status).to.equal(STATUS_INSTALLED);
      expect(info.facets.length).to.equal(1);
      expect(info.facets[0].facetAddress).to.equal(f.v2);
      expect(sorted(info.facets[0].functionSelectors)).to.deep.equal(sorted(V2_SELECTORS));
      expect(plain(await f.diamond.moduleVersion(MOCK_ID))).to.deep.equal(semverOut([2, 0, 0]));

      expect(await f.mockV2.mockPong()).to.equal(2n);
      await expect(f.mockV1.mockPing())
        .to.be.revertedWithCustomError(f.diamond, "DiamondFunctionNotFound")
        .withArgs(SEL.mockPing);
    });

    it("keeps the module's storage across the upgrade", async function () {
      await (await f.mockV1.setMockValue(5)).wait();
      await runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f))]);

      expect(await f.mockV2.mockValue()).to.equal(1005n);
    });

    it("emits DiamondCut with Add, Replace and Remove entries, then ModuleUpgraded", async function () {
      const tx = scheduleAndExecute(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f))]);
      await expect(tx)
        .to.emit(f.diamond, "DiamondCut")
        .withArgs(
          [
            [f.v2, FacetCutAction.Add, [SEL.mockPong]],
            [f.v2, FacetCutAction.Replace, V2_SELECTORS.filter((s) => s !== SEL.mockPong)],
            [ZeroAddress, FacetCutAction.Remove, [SEL.mockPing]],
          ],
          ZeroAddress,
          "0x",
        );
      await expect(tx)
        .to.emit(f.diamond, "ModuleUpgraded")
        .withArgs(MOCK_ID, semverOut([1, 0, 0]), semverOut([2, 0, 0]), ZeroAddress);
    });

    it("runs the init of the new version", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f), f.initAddress, initCall(3))]);

      expect(await f.mockV2.mockValue()).to.equal(1003n);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([2, 0, 0]))).to.equal(true);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 0, 0]))).to.equal(false);
    });

    it("reverts when the module is not installed", async function () {
      const before = await registryState(f.diamond);
      await expect(runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(otherSpec(f))]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(OTHER_ID);
      expect(await registryState(f.diamond)).to.deep.equal(before);
    });

    it("reverts when the id is reserved", async function () {
      await expect(runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f, { id: "core" }))]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryReservedModuleId")
        .withArgs(CORE_ID);
    });

    it("reverts when the version is the installed one", async function () {
      const before = await registryState(f.diamond);
      await expect(runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f, { version: [1, 0, 0] }))]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryVersionNotNewer")
        .withArgs(MOCK_ID, semverOut([1, 0, 0]), semverOut([1, 0, 0]));
      expect(await registryState(f.diamond)).to.deep.equal(before);
    });

    it("reverts when the version is lower than the installed one", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV1Spec(f, { version: [1, 2, 0] }))]);
      const before = await registryState(f.diamond);
      await expect(runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f, { version: [1, 1, 9] }))]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryVersionNotNewer")
        .withArgs(MOCK_ID, semverOut([1, 2, 0]), semverOut([1, 1, 9]));
      expect(await registryState(f.diamond)).to.deep.equal(before);
    });

    it("reverts naming both modules when a new selector belongs to another module", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(otherSpec(f))]);
      const before = await registryState(f.diamond);
      await expect(
        runTimelocked(f.asUpgrader, [
          coreCalls.upgradeModule(
            mockV2Spec(f, {
              facets: [
                { facetAddress: f.v2, functionSelectors: V2_SELECTORS },
                { facetAddress: f.other, functionSelectors: [SEL.otherPing] },
              ],
            }),
          ),
        ]),
      )
        .to.be.revertedWithCustomError(f.diamond, "DiamondSelectorTaken")
        .withArgs(SEL.otherPing, OTHER_ID, MOCK_ID);
      expect(await registryState(f.diamond)).to.deep.equal(before);
      expect(await f.diamond.facetAddress(SEL.mockPing)).to.equal(f.v1);
    });

    it("reverts when the new spec lists a selector twice, even under two facets", async function () {
      const before = await registryState(f.diamond);
      await expect(
        runTimelocked(f.asUpgrader, [
          coreCalls.upgradeModule(
            mockV2Spec(f, {
              facets: [
                { facetAddress: f.v2, functionSelectors: V2_SELECTORS },
                { facetAddress: f.other, functionSelectors: [SEL.mockValue] },
              ],
            }),
          ),
        ]),
      )
        .to.be.revertedWithCustomError(f.diamond, "DiamondSelectorTaken")
        .withArgs(SEL.mockValue, MOCK_ID, MOCK_ID);
      expect(await registryState(f.diamond)).to.deep.equal(before);
    });

    it("accepts two upgrades of the same module in one operation", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.upgradeModule(mockV2Spec(f)),
        coreCalls.upgradeModule(mockV1Spec(f, { version: [3, 0, 0] })),
      ]);
      expect(plain(await f.diamond.moduleVersion(MOCK_ID))).to.deep.equal(semverOut([3, 0, 0]));
      expect(await f.diamond.facetAddress(SEL.mockPing)).to.equal(f.v1);
      expect(await f.diamond.facetAddress(SEL.mockPong)).to.equal(ZeroAddress);
    });

    it("reverts when the init of the new version already ran", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.upgradeModule(mockV2Spec(f), f.initAddress, initCall(1)),
        coreCalls.removeModule(MOCK),
        coreCalls.installModule(mockV1Spec(f)),
      ]);
      const before = await registryState(f.diamond);
      await expect(runTimelocked(f.asUpgrader, [coreCalls.upgradeModule(mockV2Spec(f), f.initAddress, initCall(2))]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryInitAlreadyRun")
        .withArgs(MOCK_ID, semverOut([2, 0, 0]));
      expect(await registryState(f.diamond)).to.deep.equal(before);
    });
  });

  describe("removeModule", function () {
    beforeEach(async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f))]);
    });

    it("removes the selectors, marks the module Removed and drops its interface ids", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]);

      await expectNotInstalled(f, MOCK_ID, V1_SELECTORS);
      expect(await f.diamond.facetFunctionSelectors(f.v1)).to.deep.equal([]);
      expect(plain(await f.diamond.facetAddresses())).to.not.include(f.v1);
      expect(await f.diamond.supportsInterface(MOCK_INTERFACE)).to.equal(false);

      const info = await f.diamond.getModule(MOCK_ID);
      expect(info.status).to.equal(STATUS_REMOVED);
      expect(info.paused).to.equal(false);
      expect(plain(info.version)).to.deep.equal(semverOut([1, 0, 0]));
      expect(plain(info.facets)).to.deep.equal([]);
      expect(plain(info.interfaceIds)).to.deep.equal([]);
      expect(plain(info.dependencies)).to.deep.equal([]);

      await expect(f.mockV1.mockValue())
        .to.be.revertedWithCustomError(f.diamond, "DiamondFunctionNotFound")
        .withArgs(SEL.mockValue);
    });

    it("emits DiamondCut with one Remove entry and ModuleRemoved", async function () {
      const tx = scheduleAndExecute(f.asUpgrader, [coreCalls.removeModule(MOCK)]);
      await expect(tx)
        .to.emit(f.diamond, "DiamondCut")
        .withArgs([[ZeroAddress, FacetCutAction.Remove, V1_SELECTORS]], ZeroAddress, "0x");
      await expect(tx)
        .to.emit(f.diamond, "ModuleRemoved")
        .withArgs(MOCK_ID, semverOut([1, 0, 0]));
    });

    it("keeps an interface id that another installed module also declares", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.installModule(otherSpec(f, { interfaceIds: [MOCK_INTERFACE] })),
        coreCalls.removeModule(MOCK),
      ]);
      expect(await f.diamond.supportsInterface(MOCK_INTERFACE)).to.equal(true);
    });

    it("reverts when the module was never installed", async function () {
      const before = await registryState(f.diamond);
      await expect(runTimelocked(f.asUpgrader, [coreCalls.removeModule("ghost")]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(GHOST_ID);
      expect(await registryState(f.diamond)).to.deep.equal(before);
    });

    it("reverts when the module was already removed", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]);
      const before = await registryState(f.diamond);
      await expect(runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(MOCK_ID);
      expect(await registryState(f.diamond)).to.deep.equal(before);
    });

    for (const reserved of ["", "core", "unmanaged"]) {
      it(`reverts when the id is the reserved ${JSON.stringify(reserved)}`, async function () {
        const before = await registryState(f.diamond);
        await expect(runTimelocked(f.asUpgrader, [coreCalls.removeModule(reserved)]))
          .to.be.revertedWithCustomError(f.diamond, "RegistryReservedModuleId")
          .withArgs(moduleId(reserved));
        expect(await registryState(f.diamond)).to.deep.equal(before);
      });
    }

    it("reverts while another installed module depends on it, and succeeds once the dependent is gone", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(otherSpec(f, { dependencies: [MOCK] }))]);
      const before = await registryState(f.diamond);

      await expect(runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleRequired")
        .withArgs(MOCK_ID, OTHER_ID);
      expect(await registryState(f.diamond)).to.deep.equal(before);

      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(OTHER)]);
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]);
      await expectNotInstalled(f, MOCK_ID, V1_SELECTORS);
      await expectNotInstalled(f, OTHER_ID, OTHER_SELECTORS);
    });

    it("can be reinstalled without init after removal", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]);
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f))]);

      const info = await f.diamond.getModule(MOCK_ID);
      expect(info.status).to.equal(STATUS_INSTALLED);
      expect(plain(info.facets)).to.deep.equal([[f.v1, V1_SELECTORS]]);
      expect(await f.diamond.supportsInterface(MOCK_INTERFACE)).to.equal(true);
      expect(plain(await f.diamond.moduleIds())).to.deep.equal([CORE_ID, UNMANAGED_ID, MOCK_ID]);
      expect(await f.mockV1.mockPing()).to.equal(1n);
    });

    it("can be reinstalled with init at a new version after a removal whose version's init ran", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]);
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f), f.initAddress, initCall(1))]);
      await runTimelocked(f.asUpgrader, [coreCalls.removeModule(MOCK)]);
      await runTimelocked(f.asUpgrader, [
        coreCalls.installModule(mockV1Spec(f, { version: [1, 1, 0] }), f.initAddress, initCall(9)),
      ]);

      expect(plain(await f.diamond.moduleVersion(MOCK_ID))).to.deep.equal(semverOut([1, 1, 0]));
      expect(await f.mockV1.mockValue()).to.equal(9n);
      expect((await mockStorage(f)).initCount).to.equal(2n);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 0, 0]))).to.equal(true);
      expect(await f.diamond.moduleInitRun(MOCK_ID, semver([1, 1, 0]))).to.equal(true);
    });
  });

  describe("operations with several calls", function () {
    it("installs several modules in one operation", async function () {
      await runTimelocked(f.asUpgrader, [
        coreCalls.installModule(mockV1Spec(f)),
        coreCalls.installModule(otherSpec(f)),
      ]);
      expect(plain(await f.diamond.moduleIds())).to.deep.equal([CORE_ID, UNMANAGED_ID, MOCK_ID, OTHER_ID]);
    });

    it("reverts as a whole when a later install clashes: neither module is installed", async function () {
      const before = await registryState(f.diamond);
      await expect(
        runTimelocked(f.asUpgrader, [
          coreCalls.installModule(otherSpec(f)),
          coreCalls.installModule(
            mockV1Spec(f, {
              facets: [
                { facetAddress: f.v1, functionSelectors: V1_SELECTORS },
                { facetAddress: f.other, functionSelectors: OTHER_SELECTORS },
              ],
            }),
          ),
        ]),
      )
        .to.be.revertedWithCustomError(f.diamond, "DiamondSelectorTaken")
        .withArgs(SEL.otherPing, OTHER_ID, MOCK_ID);

      expect(await registryState(f.diamond)).to.deep.equal(before);
      await expectNotInstalled(f, OTHER_ID, OTHER_SELECTORS);
      await expectNotInstalled(f, MOCK_ID, V1_SELECTORS);
    });
  });

  describe("views", function () {
    it("getModule reverts for a module that was never installed", async function () {
      await expect(f.diamond.getModule(GHOST_ID))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(GHOST_ID);
    });

    it("moduleOfSelector returns zero for an unknown selector and `core` for a core function", async function () {
      expect(await f.diamond.moduleOfSelector("0xdeadbeef")).to.equal(ZeroHash);
      expect(await f.diamond.moduleOfSelector(SEL.owner)).to.equal(CORE_ID);
    });

    it("moduleVersion reverts for a removed module", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f)), coreCalls.removeModule(MOCK)]);
      await expect(f.diamond.moduleVersion(MOCK_ID))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(MOCK_ID);
    });

    it("supportsInterface is false for 0xffffffff, as ERC-165 requires", async function () {
      expect(await f.diamond.supportsInterface("0xffffffff")).to.equal(false);
      expect(await f.diamond.supportsInterface("0x01ffc9a7")).to.equal(true);
    });

    it("getModules lists the built-in modules first, then installed ones", async function () {
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockV1Spec(f))]);
      const modules = await f.diamond.getModules();
      expect(modules.map((m) => m.id)).to.deep.equal([CORE_ID, UNMANAGED_ID, MOCK_ID]);
      expect(modules.map((m) => m.status)).to.deep.equal([STATUS_INSTALLED, STATUS_INSTALLED, STATUS_INSTALLED]);
    });
  });

  describe("gas", function () {
    it("reports the execute gas of installing a 10-selector module", async function () {
      const { execute } = await runTimelocked(f.asUpgrader, [
        coreCalls.installModule({
          id: "ten",
          version: [1, 0, 0],
          facets: [{ facetAddress: f.ten, functionSelectors: TEN_SELECTORS }],
        }),
      ]);
      console.log(`      execute gasUsed, installModule with 10 selectors: ${execute.gasUsed}`);
      expect(TEN_SELECTORS.length).to.equal(10);
    });
  });
});
