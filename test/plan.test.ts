// The deployment planner, fed synthetic inputs: fake compiled contracts, a fake registry
// view of the chain, and fake storage layouts. No chain and no compilation.
import { expect } from "chai";
import { getAddress, id, Interface } from "ethers";

import { abiSurface, breakingVersion, describeAbiDiff, diffAbi } from "../scripts/lib/abidiff.js";

import type { ContractInfo } from "../scripts/lib/artifacts.js";
import type { SemVerTuple } from "../scripts/lib/core.js";
import type { Manifest } from "../scripts/lib/manifest.js";
import {
  contractsNeeded,
  describeAction,
  formatVersion,
  layoutProbes,
  plan,
  type ChainModule,
  type ChainState,
  type DeployedContract,
  type Plan,
  type PlanAction,
  type PlanInput,
  type RecordedAbi,
} from "../scripts/lib/plan.js";
import type { LayoutSnapshot, StorageMember } from "../scripts/lib/storage.js";

// ------------------------------------------------------------------ fake contracts

/** A compiled contract serving `functions` (selector → signature); `build` names its bytecode. */
function contractInfo(name: string, functions: Record<string, string>, build = "v1"): ContractInfo {
  return {
    name,
    abi: [],
    bytecode: "0x",
    codeHash: id(`${name}-${build}`),
    selectors: Object.keys(functions),
    signatures: { ...functions },
  };
}

const CORE_FACETS = [
  "CutFacet",
  "LoupeFacet",
  "OwnershipFacet",
  "AccessFacet",
  "PauseFacet",
  "TimelockFacet",
  "RegistryFacet",
];
const CORE = CORE_FACETS.map((name, i) => contractInfo(name, { [`0xc000000${i + 1}`]: `core${i + 1}()` }));
const CUT_SELECTOR = "0xc0000001";

const SEL = {
  pay: "0x11111111",
  refund: "0x11111112",
  legacyPay: "0x11111113",
  payBatch: "0x11111114",
  paymentView: "0x11111115",
  borrow: "0x22222221",
  repay: "0x22222222",
  setRate: "0x22222223",
  initLending: "0x2222222f",
  insure: "0x33333331",
  mint: "0x44444441",
  settle: "0x44444442",
  legacy: "0x55555551",
  rawCut: "0x66666661",
} as const;

const PAYMENT = contractInfo("PaymentFacet", { [SEL.pay]: "pay(uint256)", [SEL.refund]: "refund(uint256)" });
const LENDING = contractInfo("LendingFacet", { [SEL.borrow]: "borrow(uint256)", [SEL.repay]: "repay(uint256)" });
const LENDING_ADMIN = contractInfo("LendingAdminFacet", { [SEL.setRate]: "setRate(uint256)" });
const LENDING_INIT = contractInfo("LendingInit", { [SEL.initLending]: "initLending(address)" });
/** A contract a module uses at its own address (a token implementation it clones). */
const VAULT_IMPL = contractInfo("PoolVault", {});
const INSURANCE = contractInfo("InsuranceFacet", { [SEL.insure]: "insure(uint256)" });
const TOKEN = contractInfo("TokenFacet", { [SEL.mint]: "mint(address,uint256)" });

function contractsOf(...infos: ContractInfo[]): Record<string, ContractInfo> {
  return Object.fromEntries(infos.map((info) => [info.name, info]));
}

const ALL_CONTRACTS = contractsOf(...CORE, PAYMENT, LENDING, LENDING_ADMIN, LENDING_INIT, VAULT_IMPL, INSURANCE, TOKEN);

/**
 * payment ← lending ← insurance (each depends on the one before), and tokenized alone.
 * lending has an init; payment and lending own storage namespaces.
 */
function makeManifest(): Manifest {
  return {
    modules: {
      payment: { version: [1, 0, 0], facets: ["PaymentFacet"], storage: { "finsuite.payment": "PaymentLayout" } },
      lending: {
        version: [1, 0, 0],
        facets: ["LendingFacet", "LendingAdminFacet"],
        dependencies: ["payment"],
        init: { contract: "LendingInit", function: "initLending" },
        storage: { "finsuite.lending": "LendingLayout" },
      },
      insurance: { version: [1, 0, 0], facets: ["InsuranceFacet"], dependencies: ["lending"] },
      tokenized: { version: [1, 0, 0], facets: ["TokenFacet"] },
    },
    sets: { full: ["payment", "lending", "insurance", "tokenized"] },
    networks: {},
    defaults: { timelockDelay: 0, tokens: {}, oracles: {} },
    coreStorage: { "finsuite.diamond": "CoreLayouts" },
  };
}

// ------------------------------------------------------------------ fake chain

const DIAMOND = getAddress("0x00000000000000000000000000000000d1a40d00");

/** Where a contract build lives on chain: derived from its code hash, checksummed (mixed case). */
const addressOf = (info: ContractInfo) => getAddress("0x" + info.codeHash.slice(26));

interface ModuleOnChain {
  id: string;
  version: SemVerTuple;
  /** The builds deployed for the module's facets; each serves all of its selectors. */
  facets: ContractInfo[];
  dependencies?: string[];
}

/** A diamond whose core runs `core` and which has `modules` installed (as `getModules` reports). */
function chainWith(modules: ModuleOnChain[], core: ContractInfo[] = CORE): ChainState {
  const codeHashes: Record<string, string> = {};
  const toChain = (m: ModuleOnChain): ChainModule => ({
    id: m.id,
    version: m.version,
    dependencies: [...(m.dependencies ?? [])],
    facets: m.facets.map((info) => {
      codeHashes[addressOf(info).toLowerCase()] = info.codeHash;
      return { address: addressOf(info), selectors: [...info.selectors] };
    }),
  });
  const builtIn: ModuleOnChain[] = [
    { id: "core", version: [1, 0, 0], facets: core },
    { id: "unmanaged", version: [0, 0, 0], facets: [] },
  ];
  return { chainId: 31337, diamond: { address: DIAMOND, modules: [...builtIn, ...modules].map(toChain) }, codeHashes };
}

const NO_DIAMOND: ChainState = { chainId: 31337, diamond: null, codeHashes: {} };

/** The network's record of `infos`, deployed at their builds' addresses. */
function deployedOf(...infos: ContractInfo[]): Record<string, DeployedContract> {
  return Object.fromEntries(infos.map((info) => [info.name, { address: addressOf(info), codeHash: info.codeHash }]));
}

function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    manifest: makeManifest(),
    modules: [],
    contracts: ALL_CONTRACTS,
    coreFacets: CORE_FACETS,
    chain: NO_DIAMOND,
    deployed: {},
    recordedLayouts: {},
    currentLayouts: {},
    recordedAbis: {},
    ...overrides,
  };
}

/** Every module of the manifest installed at 1.0.0 from the current builds. */
const FULL_CHAIN: ModuleOnChain[] = [
  { id: "payment", version: [1, 0, 0], facets: [PAYMENT] },
  { id: "lending", version: [1, 0, 0], facets: [LENDING, LENDING_ADMIN], dependencies: ["payment"] },
  { id: "insurance", version: [1, 0, 0], facets: [INSURANCE], dependencies: ["lending"] },
  { id: "tokenized", version: [1, 0, 0], facets: [TOKEN] },
];
const FULL_DEPLOYED = deployedOf(...CORE, PAYMENT, LENDING, LENDING_ADMIN, LENDING_INIT, INSURANCE, TOKEN);

// ------------------------------------------------------------------ plan helpers

const lines = (p: Plan) => p.actions.map(describeAction);
const deployedNames = (p: Plan) => p.actions.flatMap((a) => (a.kind === "deploy" ? [a.contract] : []));
const moduleOps = (p: Plan) =>
  p.actions.flatMap((a) =>
    a.kind === "install" || a.kind === "upgrade" || a.kind === "remove" ? [`${a.kind} ${a.module}`] : [],
  );
function upgradeOf(p: Plan): Extract<PlanAction, { kind: "upgrade" }> {
  const upgrade = p.actions.find((a) => a.kind === "upgrade");
  if (upgrade?.kind !== "upgrade") throw new Error(`no upgrade action in:\n${lines(p).join("\n")}`);
  return upgrade;
}
const indexOfAction = (p: Plan, kind: PlanAction["kind"], module: string) =>
  p.actions.findIndex((a) => a.kind === kind && "module" in a && a.module === module);

/** Asserts that exactly one problem mentions every fragment. */
function expectProblem(p: Plan, ...fragments: string[]) {
  const matching = p.problems.filter((line) => fragments.every((f) => line.includes(f)));
  expect(matching, `a problem mentioning ${fragments.join(", ")} among:\n${p.problems.join("\n")}`).to.have.lengthOf(1);
}

function member(label: string, slot: number, type: string, offset = 0): StorageMember {
  return { label, slot, offset, type };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

// ------------------------------------------------------------------ tests

describe("deployment planner", function () {
  describe("fresh deployment (no diamond yet)", function () {
    it("deploys the seven core facets, then the diamond, then installs modules dependencies-first", function () {
      const p = plan(planInput({ modules: ["insurance", "tokenized", "lending", "payment"] }));

      expect(p.problems).to.deep.equal([]);
      expect(p.actions.slice(0, 7)).to.deep.equal(
        CORE_FACETS.map((contract) => ({ kind: "deploy", contract, reason: "not deployed on this network" })),
      );
      expect(p.actions[7]).to.deep.equal({ kind: "deployDiamond" });
      expect(moduleOps(p)).to.deep.equal([
        "install payment",
        "install lending",
        "install insurance",
        "install tokenized",
      ]);
      const firstInstall = p.actions.findIndex((a) => a.kind === "install");
      expect(p.actions.slice(firstInstall).every((a) => a.kind === "install")).to.equal(true);
      expect(deployedNames(p)).to.have.members([
        ...CORE_FACETS,
        "PaymentFacet",
        "LendingFacet",
        "LendingAdminFacet",
        "LendingInit",
        "InsuranceFacet",
        "TokenFacet",
      ]);
    });

    it("installs each module with all its facets' selectors, its version and its init", function () {
      const p = plan(planInput({ modules: ["payment", "lending"] }));

      const installs = p.actions.filter((a) => a.kind === "install");
      expect(installs).to.deep.equal([
        { kind: "install", module: "payment", version: [1, 0, 0], selectors: [SEL.pay, SEL.refund], init: undefined },
        {
          kind: "install",
          module: "lending",
          version: [1, 0, 0],
          selectors: [SEL.borrow, SEL.repay, SEL.setRate],
          init: { contract: "LendingInit", function: "initLending" },
        },
      ]);
    });

    it("deploys a module's init contract before the module is installed", function () {
      const p = plan(planInput({ modules: ["payment", "lending"] }));

      const initDeploy = p.actions.findIndex((a) => a.kind === "deploy" && a.contract === "LendingInit");
      expect(initDeploy).to.be.greaterThan(-1);
      expect(initDeploy).to.be.lessThan(indexOfAction(p, "install", "lending"));
    });

    it("reuses contracts already deployed on the network with the compiled code", function () {
      const p = plan(planInput({ modules: ["payment"], deployed: deployedOf(...CORE, PAYMENT) }));

      expect(p.problems).to.deep.equal([]);
      expect(lines(p)).to.deep.equal(["deploy the diamond", "install module payment 1.0.0 (2 selectors)"]);
    });

    it('redeploys a recorded contract whose code changed, with reason "bytecode changed"', function () {
      const staleLoupe = contractInfo("LoupeFacet", { [`0xc0000002`]: "core2()" }, "v0");
      const stalePayment = contractInfo("PaymentFacet", { [SEL.pay]: "pay(uint256)" }, "v0");
      const deployed = deployedOf(...CORE.filter((c) => c.name !== "LoupeFacet"), staleLoupe, stalePayment);

      const p = plan(planInput({ modules: ["payment"], deployed }));

      expect(p.problems).to.deep.equal([]);
      expect(p.actions.filter((a) => a.kind === "deploy")).to.deep.equal([
        { kind: "deploy", contract: "LoupeFacet", reason: "bytecode changed" },
        { kind: "deploy", contract: "PaymentFacet", reason: "bytecode changed" },
      ]);
    });

    it("deploys a module's shared contracts before the module is installed, and reuses them when unchanged", function () {
      const manifest = makeManifest();
      manifest.modules.lending.contracts = ["PoolVault"];

      const fresh = plan(planInput({ manifest, modules: ["payment", "lending"] }));
      const vaultDeploy = fresh.actions.findIndex((a) => a.kind === "deploy" && a.contract === "PoolVault");
      expect(vaultDeploy).to.be.greaterThan(-1);
      expect(vaultDeploy).to.be.lessThan(indexOfAction(fresh, "install", "lending"));

      const reused = plan(
        planInput({
          manifest,
          modules: ["payment", "lending"],
          deployed: { ...FULL_DEPLOYED, ...deployedOf(VAULT_IMPL) },
        }),
      );
      expect(deployedNames(reused)).to.not.include("PoolVault");

      const changed = contractInfo("PoolVault", {}, "v0");
      const stale = plan(
        planInput({
          manifest,
          modules: ["payment", "lending"],
          deployed: { ...FULL_DEPLOYED, ...deployedOf(changed) },
        }),
      );
      expect(stale.actions).to.deep.include({ kind: "deploy", contract: "PoolVault", reason: "bytecode changed" });
    });

    it("deploys a contract once even when several modules need it", function () {
      const manifest = makeManifest();
      manifest.modules.tokenized.init = { contract: "LendingInit", function: "initLending" };

      const p = plan(planInput({ manifest, modules: ["payment", "lending", "tokenized"] }));

      expect(deployedNames(p).filter((n) => n === "LendingInit")).to.have.lengthOf(1);
    });
  });

  describe("existing diamond", function () {
    it("plans nothing when every module is on chain at the manifest version with the compiled code", function () {
      const p = plan(
        planInput({
          modules: ["payment", "lending", "insurance", "tokenized"],
          chain: chainWith(FULL_CHAIN),
          deployed: FULL_DEPLOYED,
        }),
      );

      expect(p).to.deep.equal({ actions: [], problems: [], notes: [], abiDiffs: [] });
    });

    it("never redeploys the core facets or the diamond", function () {
      const p = plan(planInput({ modules: ["payment"], chain: chainWith([]), deployed: {} }));

      expect(deployedNames(p)).to.deep.equal(["PaymentFacet"]);
      expect(p.actions.some((a) => a.kind === "deployDiamond")).to.equal(false);
    });

    it("notes, without refusing, that the compiled core differs from the diamond's immutable core", function () {
      const oldCore = CORE.map((c) => contractInfo(c.name, Object.fromEntries(c.selectors.map((s) => [s, ""])), "v0"));

      const p = plan(planInput({ chain: chainWith([], oldCore), deployed: FULL_DEPLOYED }));

      expect(p.problems).to.deep.equal([]);
      expect(p.actions).to.deep.equal([]);
      expect(p.notes).to.have.lengthOf(1);
      expect(p.notes[0]).to.include("core");
    });
  });

  describe("upgrades", function () {
    // payment 1.0.0 on chain: PaymentFacet v1 (pay, refund, legacyPay) + PaymentViewFacet.
    // payment 2.0.0 compiled: PaymentFacet v2 (pay, refund, payBatch) + the same PaymentViewFacet.
    // Dropping legacyPay needs the major version; paymentV1Compatible lacks it already.
    const paymentV1 = contractInfo("PaymentFacet", {
      [SEL.pay]: "pay(uint256)",
      [SEL.refund]: "refund(uint256)",
      [SEL.legacyPay]: "legacyPay(uint256)",
    });
    const paymentV2 = contractInfo(
      "PaymentFacet",
      { [SEL.pay]: "pay(uint256)", [SEL.refund]: "refund(uint256)", [SEL.payBatch]: "payBatch(uint256[])" },
      "v2",
    );
    const paymentV1Compatible = contractInfo("PaymentFacet", {
      [SEL.pay]: "pay(uint256)",
      [SEL.refund]: "refund(uint256)",
    });
    const paymentView = contractInfo("PaymentViewFacet", { [SEL.paymentView]: "paymentOf(address)" });
    const paymentUpgrade = contractInfo("PaymentUpgrade", { "0x1111111f": "migrate()" });

    function upgradeInput(
      version: SemVerTuple,
      chainVersion: SemVerTuple = [1, 0, 0],
      chainPayment: ContractInfo = paymentV1,
    ): PlanInput {
      const manifest = makeManifest();
      manifest.modules.payment = {
        version,
        facets: ["PaymentFacet", "PaymentViewFacet"],
        upgradeInit: { contract: "PaymentUpgrade", function: "migrate" },
      };
      return planInput({
        manifest,
        modules: ["payment"],
        contracts: { ...ALL_CONTRACTS, ...contractsOf(paymentV2, paymentView, paymentUpgrade) },
        chain: chainWith([{ id: "payment", version: chainVersion, facets: [chainPayment, paymentView] }]),
        deployed: deployedOf(...CORE, chainPayment, paymentView),
      });
    }

    it("upgrades a module whose version was raised, listing added, replaced and removed selectors", function () {
      const p = plan(upgradeInput([2, 0, 0]));

      expect(p.problems).to.deep.equal([]);
      const upgrades = p.actions.filter((a) => a.kind === "upgrade");
      expect(upgrades).to.deep.equal([
        {
          kind: "upgrade",
          module: "payment",
          from: [1, 0, 0],
          to: [2, 0, 0],
          added: [SEL.payBatch],
          replaced: [SEL.pay, SEL.refund],
          removed: [SEL.legacyPay],
          init: { contract: "PaymentUpgrade", function: "migrate" },
        },
      ]);
    });

    it("does not replace kept selectors whose facet code is unchanged, nor redeploy that facet", function () {
      const p = plan(upgradeInput([2, 0, 0]));

      expect(upgradeOf(p).replaced).to.not.include(SEL.paymentView);
      expect(deployedNames(p)).to.not.include("PaymentViewFacet");
    });

    it("deploys the changed facet and the upgrade init before the upgrade", function () {
      const p = plan(upgradeInput([2, 0, 0]));

      expect(lines(p)).to.deep.equal([
        "deploy PaymentFacet (bytecode changed)",
        "deploy PaymentUpgrade (not deployed on this network)",
        "upgrade module payment 1.0.0 -> 2.0.0 (+1 ~2 -1 selectors, init PaymentUpgrade.migrate)",
      ]);
    });

    it("replaces every selector of a facet whose on-chain code is unknown", function () {
      const input = upgradeInput([2, 0, 0]);
      input.chain.codeHashes = {};

      const p = plan(input);

      expect(upgradeOf(p).replaced).to.deep.equal([SEL.pay, SEL.refund, SEL.paymentView]);
    });

    it("refuses a changed module whose version was not raised, naming the module and both versions", function () {
      const p = plan(upgradeInput([1, 0, 0], [1, 0, 0], paymentV1Compatible));

      expect(p.problems).to.have.lengthOf(1);
      expectProblem(p, 'Module "payment"', "version was not raised", "1.0.0 on chain", "1.0.0 in the manifest");
      expect(p.actions.some((a) => a.kind === "upgrade")).to.equal(false);
    });

    it("refuses when the chain has a newer version than the manifest", function () {
      const p = plan(upgradeInput([1, 1, 0], [2, 0, 0]));

      expect(p.problems).to.have.lengthOf(1);
      expectProblem(p, 'Module "payment"', "newer on chain", "2.0.0 on chain", "1.1.0 in the manifest");
    });

    it("compares versions numerically, component by component", function () {
      // 1.10.0 is newer than 1.9.0 although "1.10.0" < "1.9.0" as text.
      expect(plan(upgradeInput([1, 10, 0], [1, 9, 0], paymentV1Compatible)).problems).to.deep.equal([]);
      expectProblem(plan(upgradeInput([1, 9, 0], [1, 10, 0], paymentV1Compatible)), "newer on chain");
    });

    it("applies an upgrade that frees a selector before the install that takes it (or refuses)", function () {
      // tokenized 1.0.0 on chain serves settle(); 1.1.0 drops it and payment (new) takes it.
      // The registry refuses to add a selector another module still owns, so the upgrade
      // must run before the install (or the plan must refuse); "payment" sorts first.
      const tokenV1 = contractInfo("TokenFacet", { [SEL.mint]: "mint(address,uint256)", [SEL.settle]: "settle()" });
      const paymentWithSettle = contractInfo(
        "PaymentFacet",
        { [SEL.pay]: "pay(uint256)", [SEL.refund]: "refund(uint256)", [SEL.settle]: "settle()" },
        "v2",
      );
      const manifest = makeManifest();
      manifest.modules.tokenized.version = [1, 1, 0];

      const p = plan(
        planInput({
          manifest,
          modules: ["payment", "tokenized"],
          contracts: { ...ALL_CONTRACTS, ...contractsOf(paymentWithSettle) },
          chain: chainWith([{ id: "tokenized", version: [1, 0, 0], facets: [tokenV1] }]),
          deployed: deployedOf(...CORE, tokenV1),
        }),
      );

      const upgrade = indexOfAction(p, "upgrade", "tokenized");
      const install = indexOfAction(p, "install", "payment");
      expect(
        p.problems.length > 0 || (upgrade !== -1 && upgrade < install),
        `settle() is still owned by tokenized when payment is installed:\n${lines(p).join("\n")}`,
      ).to.equal(true);
    });
  });

  describe("removals", function () {
    it("removes a manifest module that is on chain but not requested", function () {
      const p = plan(
        planInput({
          modules: ["payment", "lending", "insurance"],
          chain: chainWith(FULL_CHAIN),
          deployed: FULL_DEPLOYED,
        }),
      );

      expect(p.problems).to.deep.equal([]);
      expect(p.actions).to.deep.equal([{ kind: "remove", module: "tokenized", version: [1, 0, 0] }]);
    });

    it("removes dependents first, and removes before it installs", function () {
      const p = plan(
        planInput({ modules: ["tokenized"], chain: chainWith(FULL_CHAIN.slice(0, 3)), deployed: FULL_DEPLOYED }),
      );

      expect(p.problems).to.deep.equal([]);
      expect(moduleOps(p)).to.deep.equal(["remove insurance", "remove lending", "remove payment", "install tokenized"]);
    });

    it("removes before it upgrades", function () {
      const tokenV0 = contractInfo("TokenFacet", { [SEL.mint]: "mint(address,uint256)" }, "v0");
      const manifest = makeManifest();
      manifest.modules.tokenized.version = [1, 0, 1];
      const chain = chainWith([
        { id: "payment", version: [1, 0, 0], facets: [PAYMENT] },
        { id: "tokenized", version: [1, 0, 0], facets: [tokenV0] },
      ]);

      const p = plan(planInput({ manifest, modules: ["tokenized"], chain, deployed: FULL_DEPLOYED }));

      expect(p.problems).to.deep.equal([]);
      expect(moduleOps(p)).to.deep.equal(["remove payment", "upgrade tokenized"]);
    });

    it("orders removals by the dependencies the diamond records, which the registry enforces", function () {
      // insurance 1.0.0 on chain depends on tokenized; the manifest's insurance does not.
      // The registry refuses to remove tokenized while insurance depends on it.
      const chain = chainWith([
        { id: "insurance", version: [1, 0, 0], facets: [INSURANCE], dependencies: ["tokenized"] },
        { id: "tokenized", version: [1, 0, 0], facets: [TOKEN] },
      ]);

      const p = plan(planInput({ chain, deployed: FULL_DEPLOYED }));

      expect(p.problems).to.deep.equal([]);
      expect(moduleOps(p)).to.deep.equal(["remove insurance", "remove tokenized"]);
    });

    it("refuses to remove a module that a staying module depends on, naming both", function () {
      const chain = chainWith([
        { id: "payment", version: [1, 0, 0], facets: [PAYMENT] },
        { id: "legacy", version: [0, 1, 0], facets: [], dependencies: ["payment"] },
      ]);

      const p = plan(planInput({ chain, deployed: FULL_DEPLOYED }));

      expectProblem(p, 'Module "payment" cannot be removed', '"legacy" depends on it');
    });

    it("refuses to remove a dependency of a requested module", function () {
      const p = plan(
        planInput({ modules: ["lending"], chain: chainWith(FULL_CHAIN.slice(0, 2)), deployed: FULL_DEPLOYED }),
      );

      expectProblem(p, 'Module "payment" cannot be removed', '"lending" depends on it');
      expectProblem(p, 'Module "lending" depends on "payment"');
    });
  });

  describe("modules on chain that the manifest does not know", function () {
    const legacy = contractInfo("LegacyFacet", { [SEL.legacy]: "legacy()" });
    const rawFacet = contractInfo("RawFacet", { [SEL.rawCut]: "raw()" });
    const chainWithStrangers = () => {
      const chain = chainWith([{ id: "legacy", version: [3, 0, 0], facets: [legacy] }]);
      const unmanaged = chain.diamond!.modules.find((m) => m.id === "unmanaged")!;
      unmanaged.facets = [{ address: addressOf(rawFacet), selectors: [SEL.rawCut] }];
      return chain;
    };

    it("leaves them alone, with a note (none for the built-in unmanaged module)", function () {
      const p = plan(planInput({ chain: chainWithStrangers(), deployed: FULL_DEPLOYED }));

      expect(p.problems).to.deep.equal([]);
      expect(p.actions).to.deep.equal([]);
      expect(p.notes).to.have.lengthOf(1);
      expect(p.notes[0]).to.include('"legacy"').and.to.include("left alone");
    });

    it("counts their selectors for clash detection", function () {
      const clashing = contractInfo("TokenFacet", {
        [SEL.mint]: "mint(address,uint256)",
        [SEL.legacy]: "legacy()",
        [SEL.rawCut]: "raw()",
      });

      const p = plan(
        planInput({
          modules: ["tokenized"],
          contracts: { ...ALL_CONTRACTS, ...contractsOf(clashing) },
          chain: chainWithStrangers(),
          deployed: FULL_DEPLOYED,
        }),
      );

      expect(p.problems).to.have.lengthOf(2);
      expectProblem(p, SEL.legacy, "legacy", "tokenized (TokenFacet)");
      expectProblem(p, SEL.rawCut, "unmanaged", "tokenized (TokenFacet)");
    });
  });

  describe("selector clashes", function () {
    it("refuses two requested modules sharing a selector, naming it, its signature and both owners", function () {
      const clashing = contractInfo("TokenFacet", { [SEL.mint]: "mint(address,uint256)", [SEL.pay]: "pay(uint256)" });

      const p = plan(
        planInput({ modules: ["payment", "tokenized"], contracts: { ...ALL_CONTRACTS, ...contractsOf(clashing) } }),
      );

      expect(p.problems).to.have.lengthOf(1);
      expectProblem(p, SEL.pay, "pay(uint256)", "payment (PaymentFacet)", "tokenized (TokenFacet)");
    });

    it("refuses two facets of one module sharing a selector", function () {
      const clashing = contractInfo("LendingAdminFacet", {
        [SEL.setRate]: "setRate(uint256)",
        [SEL.borrow]: "borrow(uint256)",
      });

      const p = plan(
        planInput({ modules: ["payment", "lending"], contracts: { ...ALL_CONTRACTS, ...contractsOf(clashing) } }),
      );

      expectProblem(p, SEL.borrow, "lending (LendingFacet)", "lending (LendingAdminFacet)");
    });

    it("refuses a module facet that reuses a core selector", function () {
      const clashing = contractInfo("TokenFacet", { [SEL.mint]: "mint(address,uint256)", [CUT_SELECTOR]: "core1()" });

      const p = plan(planInput({ modules: ["tokenized"], contracts: { ...ALL_CONTRACTS, ...contractsOf(clashing) } }));

      expect(p.problems).to.have.lengthOf(1);
      expectProblem(p, CUT_SELECTOR, "core (CutFacet)", "tokenized (TokenFacet)");
    });

    it("refuses a module facet that reuses a selector of the diamond's own (older) core", function () {
      // The deployed core serves oldCut(), which the compiled core no longer has. The core is
      // immutable, so the diamond keeps serving it and installing tokenized would revert.
      const oldCut = contractInfo("CutFacet", { [CUT_SELECTOR]: "core1()", "0xc00000ff": "oldCut()" }, "v0");
      const clashing = contractInfo("TokenFacet", { [SEL.mint]: "mint(address,uint256)", "0xc00000ff": "oldCut()" });

      const p = plan(
        planInput({
          modules: ["tokenized"],
          contracts: { ...ALL_CONTRACTS, ...contractsOf(clashing) },
          chain: chainWith([], [oldCut, ...CORE.slice(1)]),
          deployed: FULL_DEPLOYED,
        }),
      );

      expectProblem(p, "0xc00000ff", "core", "tokenized (TokenFacet)");
    });

    it("does not count selectors of modules the plan removes", function () {
      const clashing = contractInfo("TokenFacet", { [SEL.mint]: "mint(address,uint256)", [SEL.pay]: "pay(uint256)" });
      const chain = chainWith([{ id: "payment", version: [1, 0, 0], facets: [PAYMENT] }]);

      const p = plan(
        planInput({
          modules: ["tokenized"],
          contracts: { ...ALL_CONTRACTS, ...contractsOf(clashing) },
          chain,
          deployed: FULL_DEPLOYED,
        }),
      );

      expect(p.problems).to.deep.equal([]);
      expect(moduleOps(p)).to.deep.equal(["remove payment", "install tokenized"]);
    });
  });

  describe("requested modules", function () {
    it("refuses a requested module whose dependency is not requested", function () {
      const p = plan(planInput({ modules: ["lending"] }));

      expect(p.problems).to.have.lengthOf(1);
      expectProblem(p, 'Module "lending" depends on "payment"');
    });

    it("refuses a requested module that is not in the manifest", function () {
      const p = plan(planInput({ modules: ["payment", "nope"] }));

      expect(p.problems).to.have.lengthOf(1);
      expectProblem(p, 'Module "nope" is not in the manifest');
    });

    it("treats a module requested twice as requested once", function () {
      // A set or a command line may repeat a module; it still owns its own namespace.
      const p = plan(planInput({ modules: ["payment", "lending", "payment"] }));

      expect(p.problems).to.deep.equal([]);
      expect(moduleOps(p)).to.deep.equal(["install payment", "install lending"]);
    });

    it("throws when a contract it needs was not compiled", function () {
      const { PaymentFacet: _omitted, ...withoutPayment } = ALL_CONTRACTS;
      expect(() => plan(planInput({ modules: ["payment"], contracts: withoutPayment }))).to.throw(/"PaymentFacet"/);
    });
  });

  describe("storage layouts", function () {
    const recorded: LayoutSnapshot = {
      "finsuite.payment": [
        member("total", 0, "uint256(32)"),
        member("treasury", 1, "address(20)"),
        member("fee", 1, "uint16(2)", 20),
        member("paused", 2, "bool(1)"),
      ],
    };

    const layoutPlan = (current: LayoutSnapshot, previous: LayoutSnapshot = recorded) =>
      plan(planInput({ modules: ["payment"], recordedLayouts: previous, currentLayouts: current }));

    it("accepts members appended after the recorded ones", function () {
      const current = {
        "finsuite.payment": [...recorded["finsuite.payment"], member("limit", 3, "uint256(32)")],
      };
      expect(layoutPlan(current).problems).to.deep.equal([]);
    });

    it("accepts a namespace without a recorded layout", function () {
      expect(layoutPlan(recorded, {}).problems).to.deep.equal([]);
    });

    it("reports each removed, renamed, moved or retyped member", function () {
      const current = {
        "finsuite.payment": [
          member("total", 0, "uint128(16)"), // retyped
          member("owner", 1, "address(20)"), // renamed
          member("fee", 2, "uint16(2)"), // moved
          // paused: removed
        ],
      };

      const p = layoutPlan(current);

      expect(p.problems).to.have.lengthOf(4);
      expectProblem(p, "finsuite.payment", '"total"', "uint256(32)", "uint128(16)");
      expectProblem(p, "finsuite.payment", '"treasury"', '"owner"');
      expectProblem(p, "finsuite.payment", '"fee"', "1+20", "2+0");
      expectProblem(p, "finsuite.payment", '"paused"', "removed");
    });

    it("checks the core's namespaces too", function () {
      const previous = { "finsuite.diamond": [member("owner", 0, "address(20)")] };

      const p = plan(planInput({ recordedLayouts: previous, currentLayouts: { "finsuite.diamond": [] } }));

      expectProblem(p, "finsuite.diamond", '"owner"', "removed");
    });

    it("refuses a namespace claimed by two modules, or by a module and the core", function () {
      const manifest = makeManifest();
      manifest.modules.tokenized.storage = { "finsuite.payment": "TokenLayout", "finsuite.diamond": "TokenLayout" };

      const p = plan(planInput({ manifest, modules: ["payment", "tokenized"] }));

      expect(p.problems).to.have.lengthOf(2);
      expectProblem(p, '"finsuite.payment"', "payment", "tokenized");
      expectProblem(p, '"finsuite.diamond"', "core", "tokenized");
    });
  });

  describe("describeAction", function () {
    const cases: [PlanAction, string][] = [
      [
        { kind: "deploy", contract: "PaymentFacet", reason: "not deployed on this network" },
        "deploy PaymentFacet (not deployed on this network)",
      ],
      [
        { kind: "deploy", contract: "PaymentFacet", reason: "bytecode changed" },
        "deploy PaymentFacet (bytecode changed)",
      ],
      [{ kind: "deployDiamond" }, "deploy the diamond"],
      [{ kind: "remove", module: "payment", version: [1, 2, 3] }, "remove module payment 1.2.3"],
      [
        { kind: "install", module: "payment", version: [1, 0, 0], selectors: [SEL.pay, SEL.refund] },
        "install module payment 1.0.0 (2 selectors)",
      ],
      [
        {
          kind: "install",
          module: "lending",
          version: [2, 0, 1],
          selectors: [SEL.borrow, SEL.repay, SEL.setRate],
          init: { contract: "LendingInit", function: "initLending" },
        },
        "install module lending 2.0.1 (3 selectors, init LendingInit.initLending)",
      ],
      [
        {
          kind: "upgrade",
          module: "payment",
          from: [1, 0, 0],
          to: [1, 1, 0],
          added: [SEL.payBatch],
          replaced: [SEL.pay, SEL.refund],
          removed: [],
        },
        "upgrade module payment 1.0.0 -> 1.1.0 (+1 ~2 -0 selectors)",
      ],
      [
        {
          kind: "upgrade",
          module: "payment",
          from: [1, 0, 0],
          to: [2, 0, 0],
          added: [],
          replaced: [],
          removed: [SEL.refund],
          init: { contract: "PaymentUpgrade", function: "migrate" },
        },
        "upgrade module payment 1.0.0 -> 2.0.0 (+0 ~0 -1 selectors, init PaymentUpgrade.migrate)",
      ],
    ];
    for (const [action, line] of cases) {
      it(`describes ${action.kind}: "${line}"`, function () {
        expect(describeAction(action)).to.equal(line);
      });
    }

    it("formats versions as dotted triples", function () {
      expect(formatVersion([0, 12, 65535])).to.equal("0.12.65535");
    });
  });

  describe("purity", function () {
    it("does not mutate its input", function () {
      const manifest = makeManifest();
      manifest.modules.payment.version = [1, 1, 0];
      const stalePayment = contractInfo("PaymentFacet", { [SEL.pay]: "pay(uint256)" }, "v0");
      const input = planInput({
        manifest,
        modules: ["tokenized", "payment", "nope"],
        chain: chainWith([
          { id: "payment", version: [1, 0, 0], facets: [stalePayment] },
          { id: "lending", version: [1, 0, 0], facets: [LENDING, LENDING_ADMIN], dependencies: ["payment"] },
          { id: "insurance", version: [1, 0, 0], facets: [INSURANCE], dependencies: ["lending"] },
          { id: "legacy", version: [1, 0, 0], facets: [] },
        ]),
        deployed: deployedOf(...CORE, stalePayment),
        recordedLayouts: { "finsuite.payment": [member("total", 0, "uint256(32)")] },
        currentLayouts: { "finsuite.payment": [member("sum", 0, "uint256(32)")] },
      });
      const before = JSON.stringify(input);
      deepFreeze(input);

      const p = plan(input);

      expect(JSON.stringify(input)).to.equal(before);
      expect(moduleOps(p)).to.deep.equal([
        "remove insurance",
        "remove lending",
        "upgrade payment",
        "install tokenized",
      ]);
      expect(p.problems).to.have.lengthOf(2); // the unknown module, the renamed member
    });
  });
});

describe("planner helpers", function () {
  it("contractsNeeded lists core facets, module facets, interfaces and inits once each", function () {
    const manifest = makeManifest();
    manifest.modules.payment.interfaces = ["IPayment"];
    manifest.modules.payment.upgradeInit = { contract: "PaymentUpgrade", function: "migrate" };
    manifest.modules.lending.contracts = ["PoolVault"];

    const names = contractsNeeded(manifest, ["payment", "lending", "unknown"], CORE_FACETS);

    expect(names).to.have.members([
      ...CORE_FACETS,
      "PaymentFacet",
      "IPayment",
      "PaymentUpgrade",
      "LendingFacet",
      "LendingAdminFacet",
      "PoolVault",
      "LendingInit",
    ]);
  });

  it("layoutProbes maps the core's and the listed modules' namespaces to their probes", function () {
    expect(layoutProbes(makeManifest(), ["lending", "insurance"])).to.deep.equal({
      "finsuite.diamond": "CoreLayouts",
      "finsuite.lending": "LendingLayout",
    });
  });
});

// ------------------------------------------------------------------ ABI diffs

/** A compiled contract from human-readable fragments, with real selectors. */
function abiContract(name: string, fragments: string[], build = "v1"): ContractInfo {
  const iface = new Interface(fragments);
  const signatures: Record<string, string> = {};
  iface.forEachFunction((fn) => (signatures[fn.selector] = fn.format("sighash")));
  return {
    name,
    abi: fragments,
    bytecode: "0x",
    codeHash: id(`${name}-${build}`),
    selectors: Object.keys(signatures),
    signatures,
  };
}

/** What a record keeps of a module's ABI: ethers' minimal fragments. */
const recordedAbi = (fragments: string[], complete = true): RecordedAbi => ({
  fragments: new Interface(fragments).fragments.map((f) => f.format("minimal")),
  complete,
});

const sel = (signature: string) => id(signature).slice(0, 10);

describe("ABI diffs in the plan", function () {
  const PAY_V1 = [
    "function pay(uint256 amount) returns (bool)",
    "function refund(uint256 id)",
    "function legacyPay(uint256 amount)",
    "function quote(uint256 amount) view returns (uint256)",
    "event Paid(address indexed payer, uint256 amount)",
    "event Refunded(uint256 id)",
    "error PaymentTooLarge(uint256 amount)",
    "error PaymentExpired()",
  ];
  /** Every kind of change: refund and quote changed, legacyPay removed, payBatch added; same for events and errors. */
  const PAY_BREAKING = [
    "function pay(uint256 amount) returns (bool)",
    "function refund(uint256 id, address to)",
    "function quote(uint256 amount) view returns (uint256, uint256)",
    "function payBatch(uint256[] amounts)",
    "event Paid(address indexed payer, uint256 indexed amount)",
    "event Refunded(uint256 id, address to)",
    "event Batched(uint256 count)",
    "error PaymentTooLarge(uint256 amount, uint256 limit)",
    "error PaymentRejected(uint8 code)",
  ];
  /** Compatible with PAY_V1: a function, an event and an error added, an error changed. */
  const PAY_COMPATIBLE = [
    ...PAY_V1.filter((f) => !f.startsWith("error PaymentTooLarge")),
    "function payBatch(uint256[] amounts)",
    "event Batched(uint256 count)",
    "error PaymentTooLarge(uint256 amount, uint256 limit)",
  ];

  function abiInput(
    compiled: string[],
    version: SemVerTuple,
    chainVersion: SemVerTuple = [1, 0, 0],
    recorded: RecordedAbi | null = recordedAbi(PAY_V1),
  ): PlanInput {
    const onChain = abiContract("PaymentFacet", PAY_V1);
    const manifest = makeManifest();
    manifest.modules.payment.version = version;
    return planInput({
      manifest,
      modules: ["payment"],
      contracts: { ...ALL_CONTRACTS, ...contractsOf(abiContract("PaymentFacet", compiled, "next")) },
      chain: chainWith([{ id: "payment", version: chainVersion, facets: [onChain] }]),
      deployed: deployedOf(...CORE, onChain),
      recordedAbis: recorded === null ? {} : { payment: recorded },
    });
  }
  const diffLines = (p: Plan) => p.abiDiffs.flatMap((d) => describeAbiDiff(d.diff));

  it("lists functions, events and errors added, removed and changed between the record and the artifacts", function () {
    const p = plan(abiInput(PAY_BREAKING, [2, 0, 0]));

    expect(p.problems).to.deep.equal([]);
    expect(p.abiDiffs.map((d) => [d.module, d.from, d.to])).to.deep.equal([["payment", [1, 0, 0], [2, 0, 0]]]);
    expect(diffLines(p)).to.deep.equal([
      `+ function payBatch(uint256[]) [${sel("payBatch(uint256[])")}]`,
      `- function legacyPay(uint256) [${sel("legacyPay(uint256)")}]`,
      `~ function quote(uint256) view returns (uint256) [${sel("quote(uint256)")}]` +
        ` -> quote(uint256) view returns (uint256,uint256) [${sel("quote(uint256)")}]`,
      `~ function refund(uint256) [${sel("refund(uint256)")}] -> refund(uint256,address) [${sel("refund(uint256,address)")}]`,
      "+ event Batched(uint256)",
      "~ event Paid(address indexed,uint256) -> Paid(address indexed,uint256 indexed)",
      "~ event Refunded(uint256) -> Refunded(uint256,address)",
      "+ error PaymentRejected(uint8)",
      "- error PaymentExpired()",
      "~ error PaymentTooLarge(uint256) -> PaymentTooLarge(uint256,uint256)",
    ]);
  });

  it("refuses removing or changing functions without a major version, naming selectors and the version to use", function () {
    const p = plan(abiInput(PAY_BREAKING, [1, 1, 0]));

    expect(p.problems).to.deep.equal([
      'Module "payment" removes or changes functions without a major version bump ' +
        "(1.0.0 on chain, 1.1.0 in the manifest): " +
        `removed legacyPay(uint256) [${sel("legacyPay(uint256)")}]; ` +
        `changed quote(uint256) view returns (uint256) [${sel("quote(uint256)")}] -> ` +
        `quote(uint256) view returns (uint256,uint256) [${sel("quote(uint256)")}]; ` +
        `changed refund(uint256) [${sel("refund(uint256)")}] -> refund(uint256,address) [${sel("refund(uint256,address)")}]. ` +
        "Bump payment to 2.0.0, or keep these functions.",
    ]);
    expect(moduleOps(p)).to.deep.equal([]);
    expect(diffLines(p)).to.have.lengthOf(10); // the diff is still shown
  });

  it("refuses a breaking change at an unchanged version with the same message", function () {
    const p = plan(abiInput(PAY_BREAKING, [1, 0, 0]));

    expect(p.problems).to.have.lengthOf(1);
    expectProblem(p, "without a major version bump", "1.0.0 on chain, 1.0.0 in the manifest", "Bump payment to 2.0.0");
  });

  it("accepts added functions, events and errors and changed events and errors in a minor version", function () {
    const p = plan(abiInput(PAY_COMPATIBLE, [1, 1, 0]));

    expect(p.problems).to.deep.equal([]);
    expect(moduleOps(p)).to.deep.equal(["upgrade payment"]);
    expect(diffLines(p)).to.deep.equal([
      `+ function payBatch(uint256[]) [${sel("payBatch(uint256[])")}]`,
      "+ event Batched(uint256)",
      "~ error PaymentTooLarge(uint256) -> PaymentTooLarge(uint256,uint256)",
    ]);
  });

  it("before 1.0.0 takes the minor as the breaking position, like a semver caret", function () {
    expect(breakingVersion([1, 4, 2])).to.deep.equal([2, 0, 0]);
    expect(breakingVersion([0, 3, 1])).to.deep.equal([0, 4, 0]);
    expect(breakingVersion([0, 0, 3])).to.deep.equal([0, 0, 4]);

    expectProblem(
      plan(abiInput(PAY_BREAKING, [0, 3, 2], [0, 3, 1])),
      "(0.3.1 on chain, 0.3.2",
      "Bump payment to 0.4.0",
    );
    expect(plan(abiInput(PAY_BREAKING, [0, 4, 0], [0, 3, 1])).problems).to.deep.equal([]);
  });

  it("names removed selectors by themselves when the record has no ABI for the module, and skips events and errors", function () {
    const p = plan(abiInput(PAY_BREAKING, [1, 1, 0], [1, 0, 0], null));

    expect(diffLines(p)).to.deep.equal([
      `+ function payBatch(uint256[]) [${sel("payBatch(uint256[])")}]`,
      `+ function refund(uint256,address) [${sel("refund(uint256,address)")}]`,
      `- function ${sel("refund(uint256)")} (signature not recorded)`,
      `- function ${sel("legacyPay(uint256)")} (signature not recorded)`,
      "events: not compared (not recorded for the version on chain)",
      "errors: not compared (not recorded for the version on chain)",
    ]);
    expectProblem(
      p,
      `removed ${sel("refund(uint256)")} (signature not recorded); removed ${sel("legacyPay(uint256)")} (signature not recorded).`,
      "Bump payment to 2.0.0",
    );
  });

  it("compares only functions when the record knows only those (an older record's combined ABI)", function () {
    const p = plan(abiInput(PAY_COMPATIBLE, [1, 1, 0], [1, 0, 0], recordedAbi(PAY_V1, false)));

    expect(p.problems).to.deep.equal([]);
    expect(diffLines(p)).to.deep.equal([
      `+ function payBatch(uint256[]) [${sel("payBatch(uint256[])")}]`,
      "events: not compared (not recorded for the version on chain)",
      "errors: not compared (not recorded for the version on chain)",
    ]);
  });

  it("shows an unchanged ABI for a code-only upgrade, and no diff for modules left as they are", function () {
    const upgraded = plan(abiInput(PAY_V1, [1, 0, 1]));
    expect(upgraded.abiDiffs).to.have.lengthOf(1);
    expect(diffLines(upgraded)).to.deep.equal([]);

    const onChain = abiContract("PaymentFacet", PAY_V1);
    const same = plan(
      planInput({
        modules: ["payment"],
        contracts: { ...ALL_CONTRACTS, ...contractsOf(onChain) },
        chain: chainWith([{ id: "payment", version: [1, 0, 0], facets: [onChain] }]),
        deployed: deployedOf(...CORE, onChain),
        recordedAbis: { payment: recordedAbi(PAY_V1) },
      }),
    );
    expect(same.abiDiffs).to.deep.equal([]);
  });

  it("pairs overloads by name only when one of a name is left on each side", function () {
    const surface = (fragments: string[]) => abiSurface(fragments, selectorsOfAbi(fragments));
    const diff = diffAbi(
      surface(["function pay(uint256)", "function pay(uint256,address)"]),
      surface(["function pay(uint256,bytes)", "function pay(uint256,address,bytes)"]),
    );

    expect(diff.functions.changed).to.deep.equal([]);
    expect(diff.functions.removed.map((e) => e.text)).to.deep.equal(["pay(uint256)", "pay(uint256,address)"]);
    expect(diff.functions.added.map((e) => e.text)).to.deep.equal(["pay(uint256,address,bytes)", "pay(uint256,bytes)"]);
  });
});

function selectorsOfAbi(fragments: string[]): string[] {
  const out: string[] = [];
  new Interface(fragments).forEachFunction((fn) => out.push(fn.selector));
  return out;
}
