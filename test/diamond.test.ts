// EIP-2535 surface of the diamond: construction, ERC-165, raw diamondCut through the
// timelock, the fallback, the dispatch gas budget and the loupe views.
import { expect } from "chai";
import { network } from "hardhat";
import { Interface, ZeroAddress, ZeroHash, type ContractTransactionReceipt, type Log } from "ethers";

import { coreFixture } from "./helpers.js";
import { interfaceIdOf } from "../scripts/lib/artifacts.js";
import {
  CORE_FACET_CONTRACTS,
  coreCalls,
  deployCoreFacets,
  deployDiamond,
  FacetCutAction,
  moduleId,
  ROLES,
  runTimelocked,
  selectorsOf,
  type CoreFacetAddresses,
} from "../scripts/lib/core.js";
import {
  AccessControlFacet__factory,
  BenchCounterFacet__factory,
  DiamondCutFacet__factory,
  DiamondLoupeFacet__factory,
  IFinanceDiamond__factory,
  IModuleRegistry__factory,
  IPause__factory,
  ITimelock__factory,
  MockFacetV1__factory,
  MockFacetV2__factory,
  MockInit__factory,
  MockOtherFacet__factory,
  ModuleRegistryFacet__factory,
  OwnershipFacet__factory,
  PauseFacet__factory,
  TimelockFacet__factory,
  type IFinanceDiamond,
} from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

const DIAMOND_IFACE = IFinanceDiamond__factory.createInterface();
const V1_IFACE = MockFacetV1__factory.createInterface();
const V2_IFACE = MockFacetV2__factory.createInterface();
const INIT_IFACE = MockInit__factory.createInterface();
const OTHER_IFACE = MockOtherFacet__factory.createInterface();

const CORE = moduleId("core");
const UNMANAGED = moduleId("unmanaged");
const OTHER = moduleId("other");
const MOCK = moduleId("mock");

/** Selector of a function of `iface`, by name. */
function sel(iface: Interface, name: string): string {
  const fn = iface.getFunction(name);
  if (fn === null) throw new Error(`no function ${name}`);
  return fn.selector;
}

const MOCK_VALUE = sel(V1_IFACE, "mockValue");
const SET_MOCK_VALUE = sel(V1_IFACE, "setMockValue");
const MOCK_PING = sel(V1_IFACE, "mockPing");
const MOCK_PONG = sel(V2_IFACE, "mockPong");
const OTHER_PING = sel(OTHER_IFACE, "otherPing");
const DIAMOND_CUT = sel(DIAMOND_IFACE, "diamondCut");

/** The `core` module's selectors per facet, exactly as `LibCore.facets` lists them. */
const CORE_SELECTORS: Record<keyof CoreFacetAddresses, string[]> = {
  diamondCut: ["diamondCut"],
  diamondLoupe: ["facets", "facetFunctionSelectors", "facetAddresses", "facetAddress", "supportsInterface"],
  ownership: ["owner", "transferOwnership", "pendingOwner", "acceptOwnership"],
  accessControl: ["hasRole", "getRoleAdmin", "grantRole", "revokeRole", "renounceRole"],
  pause: ["pause", "unpause", "pauseModule", "unpauseModule", "paused", "isModulePaused"],
  timelock: [
    "schedule",
    "execute",
    "cancel",
    "setTimelockDelay",
    "timelockDelay",
    "hashOperation",
    "getOperationState",
    "getOperationReadyAt",
  ],
  moduleRegistry: [
    "installModule",
    "upgradeModule",
    "removeModule",
    "getModules",
    "getModule",
    "moduleIds",
    "moduleOfSelector",
    "isModuleInstalled",
    "moduleVersion",
    "moduleInitRun",
  ],
};
const CORE_KEYS = Object.keys(CORE_FACET_CONTRACTS) as (keyof CoreFacetAddresses)[];
const CORE_FACET_ABIS: Record<keyof CoreFacetAddresses, Interface> = {
  diamondCut: DiamondCutFacet__factory.createInterface(),
  diamondLoupe: DiamondLoupeFacet__factory.createInterface(),
  ownership: OwnershipFacet__factory.createInterface(),
  accessControl: AccessControlFacet__factory.createInterface(),
  pause: PauseFacet__factory.createInterface(),
  timelock: TimelockFacet__factory.createInterface(),
  moduleRegistry: ModuleRegistryFacet__factory.createInterface(),
};

function coreSelectors(key: keyof CoreFacetAddresses): string[] {
  return CORE_SELECTORS[key].map((name) => sel(DIAMOND_IFACE, name));
}

/** ERC-165 id of an interface: XOR of the selectors it declares itself. */
const interfaceIdOfAbi = (iface: Interface) => interfaceIdOf(selectorsOf(iface));

interface FacetView {
  facet: string;
  selectors: string[];
}

interface DiamondState {
  facets: FacetView[];
  modules: { id: string; version: bigint[]; facets: FacetView[]; interfaceIds: string[] }[];
  owners: Record<string, string>;
}

function toFacetViews(list: readonly { facetAddress: string; functionSelectors: string[] }[]): FacetView[] {
  return list.map((f) => ({ facet: f.facetAddress, selectors: [...f.functionSelectors] }));
}

/** Loupe + registry snapshot, for "nothing changed" checks. */
async function snapshot(diamond: IFinanceDiamond, probe: string[] = []): Promise<DiamondState> {
  const facets = toFacetViews(await diamond.facets());
  const modules = (await diamond.getModules()).map((m) => ({
    id: m.id,
    version: [m.version.major, m.version.minor, m.version.patch],
    facets: toFacetViews(m.facets),
    interfaceIds: [...m.interfaceIds],
  }));
  const owners: Record<string, string> = {};
  for (const s of probe) {
    owners[s] = `${await diamond.facetAddress(s)}@${await diamond.moduleOfSelector(s)}`;
  }
  return { facets, modules, owners };
}

const PROBES = [MOCK_VALUE, SET_MOCK_VALUE, MOCK_PING, MOCK_PONG, OTHER_PING, DIAMOND_CUT];

/** The loupe's four views agree with each other and with the registry. */
async function expectLoupeConsistent(diamond: IFinanceDiamond): Promise<void> {
  const facets = toFacetViews(await diamond.facets());
  const addresses = [...(await diamond.facetAddresses())];
  expect(addresses).to.deep.equal(facets.map((f) => f.facet));
  expect(new Set(addresses).size).to.equal(addresses.length, "facet listed twice");

  const loupePairs = new Map<string, string>();
  for (const f of facets) {
    expect(f.selectors.length).to.be.greaterThan(0);
    expect([...(await diamond.facetFunctionSelectors(f.facet))]).to.deep.equal(f.selectors);
    for (const s of f.selectors) {
      expect(loupePairs.has(s), `selector ${s} listed twice`).to.equal(false);
      loupePairs.set(s, f.facet);
      expect(await diamond.facetAddress(s)).to.equal(f.facet);
    }
  }

  const registryPairs = new Map<string, string>();
  for (const m of await diamond.getModules()) {
    for (const f of m.facets) {
      for (const s of f.functionSelectors) {
        expect(registryPairs.has(s), `selector ${s} in two modules`).to.equal(false);
        registryPairs.set(s, f.facetAddress);
        expect(await diamond.moduleOfSelector(s)).to.equal(m.id);
      }
    }
  }
  expect(registryPairs).to.deep.equal(loupePairs);
}

function parseLogs(diamond: IFinanceDiamond, logs: readonly Log[]) {
  const target = diamond.target as string;
  return logs
    .filter((l) => l.address.toLowerCase() === target.toLowerCase())
    .map((l) => DIAMOND_IFACE.parseLog({ topics: [...l.topics], data: l.data }))
    .filter((l) => l !== null);
}

// ------------------------------------------------------------------ fixtures

async function baseFixture() {
  return coreFixture(ethers);
}

/** Core diamond plus deployed mocks: V1 selectors added by a raw cut, MockOtherFacet installed as module "other". */
async function cutFixture() {
  const base = await coreFixture(ethers);
  const v1 = await ethers.deployContract("MockFacetV1");
  const v2 = await ethers.deployContract("MockFacetV2");
  const init = await ethers.deployContract("MockInit");
  const other = await ethers.deployContract("MockOtherFacet");
  const [v1Addr, v2Addr, initAddr, otherAddr] = await Promise.all([
    v1.getAddress(),
    v2.getAddress(),
    init.getAddress(),
    other.getAddress(),
  ]);
  const upgraderDiamond = base.diamond.connect(base.upgrader);
  await runTimelocked(upgraderDiamond, [
    coreCalls.diamondCut([
      { facetAddress: v1Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_VALUE, SET_MOCK_VALUE, MOCK_PING] },
    ]),
    coreCalls.installModule({
      id: "other",
      version: [1, 0, 0],
      facets: [{ facetAddress: otherAddr, functionSelectors: [OTHER_PING] }],
    }),
  ]);
  return { ...base, upgraderDiamond, v1Addr, v2Addr, initAddr, otherAddr };
}

/** A bare core diamond plus deployed (not yet cut) mocks. */
async function mocksFixture() {
  const base = await coreFixture(ethers);
  const v1 = await ethers.deployContract("MockFacetV1");
  const v2 = await ethers.deployContract("MockFacetV2");
  const init = await ethers.deployContract("MockInit");
  const other = await ethers.deployContract("MockOtherFacet");
  return {
    ...base,
    upgraderDiamond: base.diamond.connect(base.upgrader),
    v1Addr: await v1.getAddress(),
    v2Addr: await v2.getAddress(),
    initAddr: await init.getAddress(),
    otherAddr: await other.getAddress(),
  };
}

interface DeployResult {
  diamond: IFinanceDiamond;
  facets: CoreFacetAddresses;
  receipt: ContractTransactionReceipt;
}

async function deployWith(config: {
  owner: string;
  upgrader: string;
  guardian: string;
  timelockDelay: bigint;
}): Promise<DeployResult> {
  const facets = await deployCoreFacets(ethers);
  return { ...(await deployDiamond(ethers, facets, config)), facets };
}

/** Deployed by signer 0, but run by alice (owner), bob (upgrader), signer 2 (guardian), delay 1 hour. */
async function configuredFixture() {
  const [, , guardian, alice, bob] = await ethers.getSigners();
  const result = await deployWith({
    owner: alice.address,
    upgrader: bob.address,
    guardian: guardian.address,
    timelockDelay: 3600n,
  });
  return { ...result, alice, bob, guardian };
}

/** Only an owner: zero upgrader and guardian. */
async function ownerOnlyFixture() {
  const [owner] = await ethers.getSigners();
  const result = await deployWith({
    owner: owner.address,
    upgrader: ZeroAddress,
    guardian: ZeroAddress,
    timelockDelay: 0n,
  });
  return { ...result, owner };
}

// ------------------------------------------------------------------ tests

describe("Diamond (EIP-2535)", function () {
  describe("construction", function () {
    it("registers the core module with exactly LibCore's selectors on the seven core facets", async function () {
      const { diamond, facets } = await networkHelpers.loadFixture(baseFixture);

      const expected = CORE_KEYS.map((k) => ({ facet: facets[k], selectors: coreSelectors(k) }));
      expect(toFacetViews(await diamond.facets())).to.deep.equal(expected);
      expect([...(await diamond.facetAddresses())]).to.deep.equal(CORE_KEYS.map((k) => facets[k]));

      for (const k of CORE_KEYS) {
        // LibCore's list is exactly each facet's ABI: nothing missing, nothing extra.
        expect(new Set(coreSelectors(k))).to.deep.equal(new Set(selectorsOf(CORE_FACET_ABIS[k])));
        expect([...(await diamond.facetFunctionSelectors(facets[k]))]).to.deep.equal(coreSelectors(k));
        for (const s of coreSelectors(k)) {
          expect(await diamond.facetAddress(s)).to.equal(facets[k]);
          expect(await diamond.moduleOfSelector(s)).to.equal(CORE);
        }
      }
      await expectLoupeConsistent(diamond);
    });

    it("reports the core module at version 1.0.0 and the built-in modules as installed", async function () {
      const { diamond, facets } = await networkHelpers.loadFixture(baseFixture);

      const core = await diamond.getModule(CORE);
      expect(core.id).to.equal(CORE);
      expect([core.version.major, core.version.minor, core.version.patch]).to.deep.equal([1n, 0n, 0n]);
      expect(core.status).to.equal(1n); // Installed
      expect(core.paused).to.equal(false);
      expect(toFacetViews(core.facets)).to.deep.equal(
        CORE_KEYS.map((k) => ({ facet: facets[k], selectors: coreSelectors(k) })),
      );
      expect([...(await diamond.moduleIds())]).to.deep.equal([CORE, UNMANAGED]);
      expect(await diamond.isModuleInstalled(CORE)).to.equal(true);
      expect(await diamond.isModuleInstalled(UNMANAGED)).to.equal(true);
      const unmanaged = await diamond.getModule(UNMANAGED);
      expect(unmanaged.facets.length).to.equal(0);
    });

    it("sets owner, roles and timelock delay from the config, not from the deployer", async function () {
      const { diamond, alice, bob, guardian } = await networkHelpers.loadFixture(configuredFixture);
      const [deployer] = await ethers.getSigners();

      expect(await diamond.owner()).to.equal(alice.address);
      expect(await diamond.pendingOwner()).to.equal(ZeroAddress);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, alice.address)).to.equal(true);
      expect(await diamond.hasRole(ROLES.DEFAULT_ADMIN, deployer.address)).to.equal(false);
      expect(await diamond.hasRole(ROLES.UPGRADER, bob.address)).to.equal(true);
      expect(await diamond.hasRole(ROLES.GUARDIAN, guardian.address)).to.equal(true);
      expect(await diamond.hasRole(ROLES.UPGRADER, deployer.address)).to.equal(false);
      expect(await diamond.timelockDelay()).to.equal(3600n);
    });

    it("emits DiamondCut for the core facets and ModuleInstalled for core at deployment", async function () {
      const { diamond, facets, receipt, alice, bob, guardian } = await networkHelpers.loadFixture(configuredFixture);
      const logs = parseLogs(diamond, receipt.logs);
      const names = logs.map((l) => l.name);

      const cuts = logs.filter((l) => l.name === "DiamondCut");
      expect(cuts.length).to.equal(1);
      const [cutList, init, calldata] = cuts[0].args;
      const decoded = (cutList as { facetAddress: string; action: bigint; functionSelectors: string[] }[]).map((c) => ({
        facet: c.facetAddress,
        action: c.action,
        selectors: [...c.functionSelectors],
      }));
      expect(decoded).to.deep.equal(
        CORE_KEYS.map((k) => ({ facet: facets[k], action: BigInt(FacetCutAction.Add), selectors: coreSelectors(k) })),
      );
      expect(init).to.equal(ZeroAddress);
      expect(calldata).to.equal("0x");

      const installed = logs.filter((l) => l.name === "ModuleInstalled");
      expect(installed.length).to.equal(1);
      expect(installed[0].args[0]).to.equal(CORE);
      expect([...installed[0].args[1]]).to.deep.equal([1n, 0n, 0n]);
      expect(installed[0].args[2]).to.equal(ZeroAddress);
      expect(names.indexOf("DiamondCut")).to.be.lessThan(names.indexOf("ModuleInstalled"));

      const transferred = logs.filter((l) => l.name === "OwnershipTransferred");
      expect(transferred.map((l) => [l.args[0], l.args[1]])).to.deep.equal([[ZeroAddress, alice.address]]);
      const granted = logs.filter((l) => l.name === "RoleGranted").map((l) => [l.args[0], l.args[1]]);
      expect(granted).to.deep.equal([
        [ROLES.DEFAULT_ADMIN, alice.address],
        [ROLES.UPGRADER, bob.address],
        [ROLES.GUARDIAN, guardian.address],
      ]);
      const delay = logs.filter((l) => l.name === "TimelockDelayChanged").map((l) => [l.args[0], l.args[1]]);
      expect(delay).to.deep.equal([[0n, 3600n]]);
    });

    it("grants no upgrader or guardian role when the config leaves them zero", async function () {
      const { diamond, receipt, owner } = await networkHelpers.loadFixture(ownerOnlyFixture);

      expect(await diamond.owner()).to.equal(owner.address);
      expect(await diamond.hasRole(ROLES.UPGRADER, ZeroAddress)).to.equal(false);
      expect(await diamond.hasRole(ROLES.GUARDIAN, ZeroAddress)).to.equal(false);
      expect(await diamond.hasRole(ROLES.UPGRADER, owner.address)).to.equal(false);
      expect(await diamond.hasRole(ROLES.GUARDIAN, owner.address)).to.equal(false);
      const granted = parseLogs(diamond, receipt.logs)
        .filter((l) => l.name === "RoleGranted")
        .map((l) => [l.args[0], l.args[1]]);
      expect(granted).to.deep.equal([[ROLES.DEFAULT_ADMIN, owner.address]]);
      // Nobody can schedule until the owner grants the role.
      await expect(diamond.schedule([coreCalls.setTimelockDelay(0)], ZeroHash))
        .to.be.revertedWithCustomError(diamond, "AccessControlUnauthorizedAccount")
        .withArgs(owner.address, ROLES.UPGRADER);
    });
  });

  describe("ERC-165 supportsInterface", function () {
    const KNOWN = {
      IERC165: "0x01ffc9a7",
      IDiamondCut: "0x1f931c1c",
      IDiamondLoupe: "0x48e2b093",
      ERC173: "0x7f5828d0",
      IAccessControl: "0x7965db0b",
    };

    it("supports the standard interfaces of the core module", async function () {
      const { diamond } = await networkHelpers.loadFixture(baseFixture);
      for (const [name, id] of Object.entries(KNOWN)) {
        expect(await diamond.supportsInterface(id), name).to.equal(true);
      }
    });

    it("supports IPause, ITimelock and IModuleRegistry (ids from their own selectors)", async function () {
      const { diamond } = await networkHelpers.loadFixture(baseFixture);
      const ids = {
        IPause: interfaceIdOfAbi(IPause__factory.createInterface()),
        ITimelock: interfaceIdOfAbi(ITimelock__factory.createInterface()),
        IModuleRegistry: interfaceIdOfAbi(IModuleRegistry__factory.createInterface()),
      };
      for (const [name, id] of Object.entries(ids)) {
        expect(await diamond.supportsInterface(id), `${name} ${id}`).to.equal(true);
      }
    });

    it("rejects 0xffffffff and an unknown id", async function () {
      const { diamond } = await networkHelpers.loadFixture(baseFixture);
      expect(await diamond.supportsInterface("0xffffffff")).to.equal(false);
      expect(await diamond.supportsInterface("0x12345678")).to.equal(false);
      expect(await diamond.supportsInterface("0x00000000")).to.equal(false);
      // The full IFinanceDiamond union is not itself a declared interface.
      expect(await diamond.supportsInterface(interfaceIdOfAbi(DIAMOND_IFACE))).to.equal(false);
    });

    it("turns a module's declared interface ids on at install and off at removal", async function () {
      const { diamond, upgraderDiamond, v1Addr } = await networkHelpers.loadFixture(mocksFixture);
      const moduleIface = "0xabcdef01";
      expect(await diamond.supportsInterface(moduleIface)).to.equal(false);

      await runTimelocked(upgraderDiamond, [
        coreCalls.installModule({
          id: "mock",
          version: [1, 0, 0],
          facets: [{ facetAddress: v1Addr, functionSelectors: [MOCK_VALUE] }],
          // Also declares IERC165, which core declares too: removal must not drop core's claim.
          interfaceIds: [moduleIface, KNOWN.IERC165],
        }),
      ]);
      expect(await diamond.supportsInterface(moduleIface)).to.equal(true);
      expect([...(await diamond.getModule(MOCK)).interfaceIds]).to.deep.equal([moduleIface, KNOWN.IERC165]);

      await runTimelocked(upgraderDiamond, [coreCalls.removeModule("mock")]);
      expect(await diamond.supportsInterface(moduleIface)).to.equal(false);
      expect(await diamond.supportsInterface(KNOWN.IERC165)).to.equal(true);
    });
  });

  describe("diamondCut through the timelock", function () {
    it("adds selectors owned by `unmanaged`, runs the init and emits DiamondCut with cuts, init and calldata", async function () {
      const { diamond, upgraderDiamond, v1Addr, initAddr } = await networkHelpers.loadFixture(mocksFixture);
      const cuts = [
        {
          facetAddress: v1Addr,
          action: FacetCutAction.Add,
          functionSelectors: [MOCK_VALUE, SET_MOCK_VALUE, MOCK_PING],
        },
      ];
      const initData = INIT_IFACE.encodeFunctionData("init", [42n]);

      const result = await runTimelocked(upgraderDiamond, [coreCalls.diamondCut(cuts, initAddr, initData)]);
      await expect(result.execute)
        .to.emit(diamond, "DiamondCut")
        .withArgs([[v1Addr, FacetCutAction.Add, [MOCK_VALUE, SET_MOCK_VALUE, MOCK_PING]]], initAddr, initData);

      const mock = MockFacetV1__factory.connect(await diamond.getAddress(), ethers.provider);
      expect(await mock.mockValue()).to.equal(42n);
      expect(await mock.mockPing()).to.equal(1n);
      for (const s of [MOCK_VALUE, SET_MOCK_VALUE, MOCK_PING]) {
        expect(await diamond.facetAddress(s)).to.equal(v1Addr);
        expect(await diamond.moduleOfSelector(s)).to.equal(UNMANAGED);
      }
      expect([...(await diamond.facetFunctionSelectors(v1Addr))]).to.deep.equal([
        MOCK_VALUE,
        SET_MOCK_VALUE,
        MOCK_PING,
      ]);
      const unmanaged = await diamond.getModule(UNMANAGED);
      expect(toFacetViews(unmanaged.facets)).to.deep.equal([
        { facet: v1Addr, selectors: [MOCK_VALUE, SET_MOCK_VALUE, MOCK_PING] },
      ]);
      await expectLoupeConsistent(diamond);
    });

    it("replaces unmanaged selectors with a new facet, keeping their storage and owner", async function () {
      const { diamond, upgraderDiamond, alice, v1Addr, v2Addr } = await networkHelpers.loadFixture(cutFixture);
      const mock = MockFacetV1__factory.connect(await diamond.getAddress(), alice);
      await (await mock.setMockValue(5n)).wait();
      expect(await mock.mockValue()).to.equal(5n);

      const cuts = [
        { facetAddress: v2Addr, action: FacetCutAction.Replace, functionSelectors: [MOCK_VALUE, SET_MOCK_VALUE] },
      ];
      const result = await runTimelocked(upgraderDiamond, [coreCalls.diamondCut(cuts)]);
      await expect(result.execute)
        .to.emit(diamond, "DiamondCut")
        .withArgs([[v2Addr, FacetCutAction.Replace, [MOCK_VALUE, SET_MOCK_VALUE]]], ZeroAddress, "0x");

      expect(await mock.mockValue()).to.equal(1005n); // V2 code over the same storage
      expect(await diamond.facetAddress(MOCK_VALUE)).to.equal(v2Addr);
      expect(await diamond.facetAddress(SET_MOCK_VALUE)).to.equal(v2Addr);
      expect(await diamond.facetAddress(MOCK_PING)).to.equal(v1Addr);
      expect(await diamond.moduleOfSelector(MOCK_VALUE)).to.equal(UNMANAGED);
      expect([...(await diamond.facetFunctionSelectors(v1Addr))]).to.deep.equal([MOCK_PING]);
      expect([...(await diamond.facetFunctionSelectors(v2Addr))]).to.deep.equal([MOCK_VALUE, SET_MOCK_VALUE]);
      await expectLoupeConsistent(diamond);
    });

    it("removes unmanaged selectors so they no longer dispatch", async function () {
      const { diamond, upgraderDiamond, v1Addr } = await networkHelpers.loadFixture(cutFixture);
      const cuts = [{ facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [MOCK_PING] }];
      const result = await runTimelocked(upgraderDiamond, [coreCalls.diamondCut(cuts)]);
      await expect(result.execute)
        .to.emit(diamond, "DiamondCut")
        .withArgs([[ZeroAddress, FacetCutAction.Remove, [MOCK_PING]]], ZeroAddress, "0x");

      expect(await diamond.facetAddress(MOCK_PING)).to.equal(ZeroAddress);
      expect(await diamond.moduleOfSelector(MOCK_PING)).to.equal(ZeroHash);
      expect([...(await diamond.facetFunctionSelectors(v1Addr))]).to.deep.equal([MOCK_VALUE, SET_MOCK_VALUE]);
      const mock = MockFacetV1__factory.connect(await diamond.getAddress(), ethers.provider);
      await expect(mock.mockPing())
        .to.be.revertedWithCustomError(diamond, "DiamondFunctionNotFound")
        .withArgs(MOCK_PING);
      await expectLoupeConsistent(diamond);
    });

    it("keeps the remaining selectors removable after a swap-and-pop removal", async function () {
      const { diamond, upgraderDiamond, v1Addr } = await networkHelpers.loadFixture(cutFixture);
      // Removing the first selector moves the last one (mockPing) into its place.
      await runTimelocked(upgraderDiamond, [
        coreCalls.diamondCut([
          { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [MOCK_VALUE] },
        ]),
      ]);
      expect([...(await diamond.facetFunctionSelectors(v1Addr))]).to.deep.equal([MOCK_PING, SET_MOCK_VALUE]);
      await runTimelocked(upgraderDiamond, [
        coreCalls.diamondCut([
          { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [MOCK_PING] },
        ]),
      ]);
      expect([...(await diamond.facetFunctionSelectors(v1Addr))]).to.deep.equal([SET_MOCK_VALUE]);
      expect(await diamond.facetAddress(MOCK_PING)).to.equal(ZeroAddress);
      expect(await diamond.facetAddress(SET_MOCK_VALUE)).to.equal(v1Addr);
      await expectLoupeConsistent(diamond);
    });

    it("applies Add, Replace and Remove of one cut together", async function () {
      const { diamond, upgraderDiamond, v1Addr, v2Addr } = await networkHelpers.loadFixture(cutFixture);
      await runTimelocked(upgraderDiamond, [
        coreCalls.diamondCut([
          { facetAddress: v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG] },
          { facetAddress: v2Addr, action: FacetCutAction.Replace, functionSelectors: [MOCK_VALUE] },
          { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [MOCK_PING] },
        ]),
      ]);
      expect(toFacetViews((await diamond.getModule(UNMANAGED)).facets)).to.deep.equal([
        { facet: v2Addr, selectors: [MOCK_VALUE, MOCK_PONG] },
        { facet: v1Addr, selectors: [SET_MOCK_VALUE] },
      ]);
      await expectLoupeConsistent(diamond);
    });

    describe("failures leave selectors and registry unchanged", function () {
      /** Runs `calldata` through the timelock; asserts it reverts with `error(args)` and changes nothing. */
      async function expectCutReverts(
        f: Awaited<ReturnType<typeof cutFixture>>,
        calldata: string,
        errorSource: { interface: Interface },
        error: string,
        args: unknown[],
      ): Promise<void> {
        const before = await snapshot(f.diamond, PROBES);
        await expect(runTimelocked(f.upgraderDiamond, [calldata]))
          .to.be.revertedWithCustomError(errorSource, error)
          .withArgs(...args);
        expect(await snapshot(f.diamond, PROBES)).to.deep.equal(before);
      }

      it("reverts with DiamondNoSelectors when a cut lists no selectors", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        for (const action of [FacetCutAction.Add, FacetCutAction.Replace]) {
          await expectCutReverts(
            f,
            coreCalls.diamondCut([{ facetAddress: f.v2Addr, action, functionSelectors: [] }]),
            f.diamond,
            "DiamondNoSelectors",
            [f.v2Addr],
          );
        }
        await expectCutReverts(
          f,
          coreCalls.diamondCut([{ facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [] }]),
          f.diamond,
          "DiamondNoSelectors",
          [ZeroAddress],
        );
      });

      it("reverts with DiamondFacetIsZero when Add or Replace names the zero facet", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: ZeroAddress, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG, OTHER_PING] },
          ]),
          f.diamond,
          "DiamondFacetIsZero",
          [MOCK_PONG],
        );
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: ZeroAddress, action: FacetCutAction.Replace, functionSelectors: [MOCK_VALUE] },
          ]),
          f.diamond,
          "DiamondFacetIsZero",
          [MOCK_VALUE],
        );
      });

      it("reverts with DiamondFacetHasNoCode when the facet has no code", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        for (const action of [FacetCutAction.Add, FacetCutAction.Replace]) {
          const selectors = action === FacetCutAction.Add ? [MOCK_PONG] : [MOCK_VALUE];
          await expectCutReverts(
            f,
            coreCalls.diamondCut([{ facetAddress: f.alice.address, action, functionSelectors: selectors }]),
            f.diamond,
            "DiamondFacetHasNoCode",
            [f.alice.address],
          );
        }
      });

      it("reverts with DiamondRemoveFacetNotZero when Remove names a facet", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v1Addr, action: FacetCutAction.Remove, functionSelectors: [MOCK_PING] },
          ]),
          f.diamond,
          "DiamondRemoveFacetNotZero",
          [f.v1Addr],
        );
      });

      it("reverts with DiamondSelectorTaken when Add names a selector already present", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        // Owned by `unmanaged` (an earlier raw cut).
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG, MOCK_VALUE] },
          ]),
          f.diamond,
          "DiamondSelectorTaken",
          [MOCK_VALUE, UNMANAGED, UNMANAGED],
        );
        // Owned by an installed module.
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [OTHER_PING] },
          ]),
          f.diamond,
          "DiamondSelectorTaken",
          [OTHER_PING, OTHER, UNMANAGED],
        );
        // Listed twice in the same cut.
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG, MOCK_PONG] },
          ]),
          f.diamond,
          "DiamondSelectorTaken",
          [MOCK_PONG, UNMANAGED, UNMANAGED],
        );
      });

      it("reverts with DiamondSelectorUnchanged when Replace names the current facet", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v1Addr, action: FacetCutAction.Replace, functionSelectors: [MOCK_VALUE] },
          ]),
          f.diamond,
          "DiamondSelectorUnchanged",
          [MOCK_VALUE, f.v1Addr],
        );
      });

      it("reverts with DiamondSelectorNotFound when Replace or Remove names an absent selector", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v2Addr, action: FacetCutAction.Replace, functionSelectors: [MOCK_PONG] },
          ]),
          f.diamond,
          "DiamondSelectorNotFound",
          [MOCK_PONG],
        );
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [MOCK_PING, MOCK_PONG] },
          ]),
          f.diamond,
          "DiamondSelectorNotFound",
          [MOCK_PONG],
        );
      });

      it("reverts with DiamondImmutableFunction on Add, Replace or Remove of a core selector", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        const cases = [
          { facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [DIAMOND_CUT] },
          { facetAddress: f.v2Addr, action: FacetCutAction.Replace, functionSelectors: [DIAMOND_CUT] },
          { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [DIAMOND_CUT] },
        ];
        for (const cut of cases) {
          await expectCutReverts(f, coreCalls.diamondCut([cut]), f.diamond, "DiamondImmutableFunction", [DIAMOND_CUT]);
        }
        expect(await f.diamond.facetAddress(DIAMOND_CUT)).to.equal(f.facets.diamondCut);
      });

      it("reverts with DiamondSelectorTaken on raw Replace or Remove of a module's selector", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v2Addr, action: FacetCutAction.Replace, functionSelectors: [OTHER_PING] },
          ]),
          f.diamond,
          "DiamondSelectorTaken",
          [OTHER_PING, OTHER, UNMANAGED],
        );
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [OTHER_PING] },
          ]),
          f.diamond,
          "DiamondSelectorTaken",
          [OTHER_PING, OTHER, UNMANAGED],
        );
        expect(await f.diamond.facetAddress(OTHER_PING)).to.equal(f.otherAddr);
      });

      it("reverts with DiamondInitHasNoCode when the init address has no code", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        const data = INIT_IFACE.encodeFunctionData("init", [1n]);
        await expectCutReverts(
          f,
          coreCalls.diamondCut(
            [{ facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG] }],
            f.alice.address,
            data,
          ),
          f.diamond,
          "DiamondInitHasNoCode",
          [f.alice.address],
        );
      });

      it("reverts with DiamondInitDataWithoutInit when calldata is given without init", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut(
            [{ facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG] }],
            ZeroAddress,
            INIT_IFACE.encodeFunctionData("init", [1n]),
          ),
          f.diamond,
          "DiamondInitDataWithoutInit",
          [],
        );
      });

      it("bubbles up the init's custom error", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut(
            [{ facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG] }],
            f.initAddr,
            INIT_IFACE.encodeFunctionData("rejectWithReason", [77n]),
          ),
          { interface: INIT_IFACE },
          "MockInitRejected",
          [77n],
        );
      });

      it("reverts with DiamondInitFailed when the init reverts without a reason", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        const data = INIT_IFACE.encodeFunctionData("rejectSilently");
        await expectCutReverts(
          f,
          coreCalls.diamondCut(
            [{ facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG] }],
            f.initAddr,
            data,
          ),
          f.diamond,
          "DiamondInitFailed",
          [f.initAddr, data],
        );
      });

      it("rolls back earlier entries of the cut when a later entry fails", async function () {
        const f = await networkHelpers.loadFixture(cutFixture);
        await expectCutReverts(
          f,
          coreCalls.diamondCut([
            { facetAddress: f.v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG] },
            { facetAddress: f.v2Addr, action: FacetCutAction.Replace, functionSelectors: [MOCK_VALUE] },
            { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [MOCK_PING, DIAMOND_CUT] },
          ]),
          f.diamond,
          "DiamondImmutableFunction",
          [DIAMOND_CUT],
        );
      });
    });
  });

  describe("fallback", function () {
    it("reverts with DiamondFunctionNotFound for an unknown selector", async function () {
      const { diamond, alice } = await networkHelpers.loadFixture(baseFixture);
      await expect(alice.sendTransaction({ to: await diamond.getAddress(), data: "0xdeadbeef" }))
        .to.be.revertedWithCustomError(diamond, "DiamondFunctionNotFound")
        .withArgs("0xdeadbeef");
      await expect(alice.sendTransaction({ to: await diamond.getAddress(), data: "0xdeadbeef0000" }))
        .to.be.revertedWithCustomError(diamond, "DiamondFunctionNotFound")
        .withArgs("0xdeadbeef");
    });

    it("rejects a plain native-currency transfer with DiamondFunctionNotFound(0x00000000)", async function () {
      const { diamond, alice } = await networkHelpers.loadFixture(baseFixture);
      const address = await diamond.getAddress();
      await expect(alice.sendTransaction({ to: address, value: 1n }))
        .to.be.revertedWithCustomError(diamond, "DiamondFunctionNotFound")
        .withArgs("0x00000000");
      await expect(alice.sendTransaction({ to: address, value: 0n }))
        .to.be.revertedWithCustomError(diamond, "DiamondFunctionNotFound")
        .withArgs("0x00000000");
      expect(await ethers.provider.getBalance(address)).to.equal(0n);
    });

    it("reverts with TimelockOnlyThroughTimelock when diamondCut is called directly", async function () {
      const { diamond, owner, upgrader, v2Addr } = await networkHelpers.loadFixture(cutFixture);
      const cuts = [{ facetAddress: v2Addr, action: FacetCutAction.Add, functionSelectors: [MOCK_PONG] }];
      const before = await snapshot(diamond, PROBES);
      for (const caller of [owner, upgrader]) {
        await expect(diamond.connect(caller).diamondCut(cuts, ZeroAddress, "0x"))
          .to.be.revertedWithCustomError(diamond, "TimelockOnlyThroughTimelock")
          .withArgs(caller.address);
      }
      expect(await snapshot(diamond, PROBES)).to.deep.equal(before);
    });

    it("passes facet return data through unchanged", async function () {
      const { diamond, v1Addr } = await networkHelpers.loadFixture(cutFixture);
      const address = await diamond.getAddress();
      const ping = V1_IFACE.encodeFunctionData("mockPing");
      expect(await ethers.provider.call({ to: address, data: ping })).to.equal(
        await ethers.provider.call({ to: v1Addr, data: ping }),
      );
      // A large, dynamic return value decodes intact.
      const raw = await ethers.provider.call({ to: address, data: DIAMOND_IFACE.encodeFunctionData("facets") });
      const [decoded] = DIAMOND_IFACE.decodeFunctionResult("facets", raw);
      expect(toFacetViews(decoded as { facetAddress: string; functionSelectors: string[] }[])).to.deep.equal(
        toFacetViews(await diamond.facets()),
      );
      expect((decoded as unknown[]).length).to.equal(9); // 7 core facets + v1 + other
    });

    it("passes facet revert data through unchanged", async function () {
      const { diamond, upgraderDiamond, initAddr } = await networkHelpers.loadFixture(cutFixture);
      const reject = sel(INIT_IFACE, "rejectWithReason");
      const silent = sel(INIT_IFACE, "rejectSilently");
      await runTimelocked(upgraderDiamond, [
        coreCalls.diamondCut([
          { facetAddress: initAddr, action: FacetCutAction.Add, functionSelectors: [reject, silent] },
        ]),
      ]);
      const viaDiamond = MockInit__factory.connect(await diamond.getAddress(), ethers.provider);

      await expect(viaDiamond.rejectWithReason(123n))
        .to.be.revertedWithCustomError(viaDiamond, "MockInitRejected")
        .withArgs(123n);
      await expect(viaDiamond.rejectSilently()).to.be.revertedWithoutReason(ethers);

      // Byte-for-byte the same revert data as the facet called directly.
      const data = INIT_IFACE.encodeFunctionData("rejectWithReason", [123n]);
      const revertData = async (to: string): Promise<string> => {
        try {
          await ethers.provider.call({ to, data });
        } catch (e) {
          const d = (e as { data?: unknown }).data;
          if (typeof d === "string") return d;
        }
        throw new Error("expected a revert with data");
      };
      expect(await revertData(await diamond.getAddress())).to.equal(await revertData(initAddr));
      expect(await revertData(initAddr)).to.equal(INIT_IFACE.encodeErrorResult("MockInitRejected", [123n]));
    });
  });

  describe("dispatch gas budget", function () {
    async function benchFixture() {
      const base = await coreFixture(ethers);
      const viaModule = await ethers.deployContract("BenchCounterFacet");
      const standalone = await ethers.deployContract("BenchCounterFacet");
      const benchAddr = await viaModule.getAddress();
      await runTimelocked(base.diamond.connect(base.upgrader), [
        coreCalls.installModule({
          id: "bench",
          version: [1, 0, 0],
          facets: [{ facetAddress: benchAddr, functionSelectors: selectorsOf(BenchCounterFacet__factory.abi) }],
        }),
      ]);
      return { ...base, standaloneAddr: await standalone.getAddress() };
    }

    it("costs at most 4800 gas over calling the facet directly", async function () {
      const { diamond, alice, standaloneAddr } = await networkHelpers.loadFixture(benchFixture);
      const viaDiamond = BenchCounterFacet__factory.connect(await diamond.getAddress(), alice);
      const direct = BenchCounterFacet__factory.connect(standaloneAddr, alice);

      const diamondReceipt = await (await viaDiamond.increment()).wait();
      const directReceipt = await (await direct.increment()).wait();
      if (diamondReceipt === null || directReceipt === null) throw new Error("dropped");
      expect(diamondReceipt.status).to.equal(1);
      expect(directReceipt.status).to.equal(1);
      const overhead = diamondReceipt.gasUsed - directReceipt.gasUsed;
      console.log(
        `      dispatch overhead: ${overhead} gas (diamond ${diamondReceipt.gasUsed}, direct ${directReceipt.gasUsed})`,
      );
      expect(overhead).to.be.greaterThan(0n);
      expect(overhead).to.be.at.most(4800n);
    });
  });

  describe("loupe views", function () {
    it("return zero / empty for unknown selectors and facets", async function () {
      const { diamond, alice } = await networkHelpers.loadFixture(baseFixture);
      expect(await diamond.facetAddress("0xdeadbeef")).to.equal(ZeroAddress);
      expect(await diamond.moduleOfSelector("0xdeadbeef")).to.equal(ZeroHash);
      expect([...(await diamond.facetFunctionSelectors(alice.address))]).to.deep.equal([]);
      expect([...(await diamond.facetFunctionSelectors(ZeroAddress))]).to.deep.equal([]);
    });

    it("agree with each other and with the registry after install, upgrade and remove", async function () {
      const { diamond, upgraderDiamond, facets, v1Addr, v2Addr, otherAddr } =
        await networkHelpers.loadFixture(mocksFixture);
      const coreFacetAddrs = CORE_KEYS.map((k) => facets[k]);
      await expectLoupeConsistent(diamond);

      // install: one module over two facets
      await runTimelocked(upgraderDiamond, [
        coreCalls.installModule({
          id: "mock",
          version: [1, 0, 0],
          facets: [
            { facetAddress: v1Addr, functionSelectors: selectorsOf(V1_IFACE) },
            { facetAddress: otherAddr, functionSelectors: [OTHER_PING] },
          ],
        }),
      ]);
      await expectLoupeConsistent(diamond);
      expect([...(await diamond.facetAddresses())]).to.deep.equal([...coreFacetAddrs, v1Addr, otherAddr]);
      expect([...(await diamond.facetFunctionSelectors(v1Addr))]).to.deep.equal(selectorsOf(V1_IFACE));
      expect(toFacetViews((await diamond.getModule(MOCK)).facets)).to.deep.equal([
        { facet: v1Addr, selectors: selectorsOf(V1_IFACE) },
        { facet: otherAddr, selectors: [OTHER_PING] },
      ]);

      // upgrade: v1 -> v2 (mockValue/setMockValue replaced, mockPing dropped, mockPong added)
      await runTimelocked(upgraderDiamond, [
        coreCalls.upgradeModule({
          id: "mock",
          version: [1, 1, 0],
          facets: [
            { facetAddress: v2Addr, functionSelectors: selectorsOf(V2_IFACE) },
            { facetAddress: otherAddr, functionSelectors: [OTHER_PING] },
          ],
        }),
      ]);
      await expectLoupeConsistent(diamond);
      expect(await diamond.facetAddress(MOCK_PING)).to.equal(ZeroAddress);
      expect(await diamond.facetAddress(MOCK_PONG)).to.equal(v2Addr);
      expect(await diamond.facetAddress(MOCK_VALUE)).to.equal(v2Addr);
      expect([...(await diamond.facetFunctionSelectors(v1Addr))]).to.deep.equal([]);
      expect(new Set(await diamond.facetFunctionSelectors(v2Addr))).to.deep.equal(new Set(selectorsOf(V2_IFACE)));
      const addrs = [...(await diamond.facetAddresses())];
      expect(addrs).to.not.include(v1Addr);
      expect(new Set(addrs)).to.deep.equal(new Set([...coreFacetAddrs, v2Addr, otherAddr]));

      // remove
      await runTimelocked(upgraderDiamond, [coreCalls.removeModule("mock")]);
      await expectLoupeConsistent(diamond);
      expect([...(await diamond.facetAddresses())]).to.deep.equal(coreFacetAddrs);
      for (const s of [...selectorsOf(V2_IFACE), OTHER_PING]) {
        expect(await diamond.facetAddress(s)).to.equal(ZeroAddress);
        expect(await diamond.moduleOfSelector(s)).to.equal(ZeroHash);
      }
      expect([...(await diamond.moduleIds())]).to.deep.equal([CORE, UNMANAGED]);
    });

    it("agree with the registry when raw cuts and modules are mixed", async function () {
      const { diamond, upgraderDiamond, v2Addr } = await networkHelpers.loadFixture(cutFixture);
      await expectLoupeConsistent(diamond);
      await runTimelocked(upgraderDiamond, [
        coreCalls.diamondCut([
          { facetAddress: v2Addr, action: FacetCutAction.Replace, functionSelectors: [MOCK_VALUE] },
          { facetAddress: ZeroAddress, action: FacetCutAction.Remove, functionSelectors: [SET_MOCK_VALUE] },
        ]),
        coreCalls.removeModule("other"),
      ]);
      await expectLoupeConsistent(diamond);
      expect([...(await diamond.moduleIds())]).to.deep.equal([CORE, UNMANAGED]);
    });
  });
});
