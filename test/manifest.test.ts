// Manifest validation and helpers, and the storage-layout rules the planner relies on.
import { expect } from "chai";

import type { SemVerTuple } from "../scripts/lib/core.js";
import {
  dependencyOrder,
  modulesOfSet,
  networkParams,
  validateManifest,
  type Manifest,
  type ModuleDefinition,
} from "../scripts/lib/manifest.js";
import { erc7201Slot, layoutProblems, type StorageMember } from "../scripts/lib/storage.js";

const OWNER = "0x1111111111111111111111111111111111111111";
const GUARDIAN = "0x2222222222222222222222222222222222222222";
const USDC = "0x3333333333333333333333333333333333333333";
const DAI = "0x4444444444444444444444444444444444444444";
const USDC_TESTNET = "0x5555555555555555555555555555555555555555";
const ETH_USD = "0x6666666666666666666666666666666666666666";

/** A valid manifest: payment ← lending ← insurance, and tokenized alone. */
function makeManifest(): Manifest {
  return {
    modules: {
      payment: { version: [1, 0, 0], facets: ["PaymentFacet"] },
      lending: { version: [1, 2, 3], facets: ["LendingFacet", "LendingAdminFacet"], dependencies: ["payment"] },
      insurance: { version: [0, 1, 0], facets: ["InsuranceFacet"], dependencies: ["lending"] },
      tokenized: { version: [2, 0, 0], facets: ["TokenFacet"] },
    },
    sets: { full: ["payment", "lending", "insurance", "tokenized"], lite: ["payment"] },
    networks: {
      sepolia: { owner: OWNER, timelockDelay: 3600, tokens: { USDC: USDC_TESTNET, DAI } },
    },
    defaults: { timelockDelay: 86_400, guardian: GUARDIAN, tokens: { USDC }, oracles: { "ETH/USD": ETH_USD } },
    coreStorage: { "finsuite.diamond": "CoreLayouts" },
  };
}

/** The manifest with `module` added (or replaced) as `id`. */
function withModule(id: string, module: ModuleDefinition): Manifest {
  const manifest = makeManifest();
  manifest.modules[id] = module;
  return manifest;
}

const facetModule = (overrides: Partial<ModuleDefinition> = {}): ModuleDefinition => ({
  version: [1, 0, 0],
  facets: ["XFacet"],
  ...overrides,
});

describe("manifest", function () {
  describe("validateManifest", function () {
    it("accepts a valid manifest", function () {
      expect(validateManifest(makeManifest())).to.deep.equal([]);
    });

    it("accepts ids of 1 to 31 characters of a-z, 0-9 and '-' starting with a letter", function () {
      for (const id of ["x", "pay-2", "a".repeat(31)]) {
        expect(validateManifest(withModule(id, facetModule())), id).to.deep.equal([]);
      }
    });

    it("rejects a badly formed module id", function () {
      for (const id of ["Payment", "2pay", "-pay", "pay_ment", "pay ment", "a".repeat(32), ""]) {
        expect(validateManifest(withModule(id, facetModule())), JSON.stringify(id)).to.deep.equal([
          `module "${id}": id must be 1-31 characters of a-z, 0-9 and '-', starting with a letter`,
        ]);
      }
    });

    it("rejects the reserved ids core and unmanaged", function () {
      for (const id of ["core", "unmanaged"]) {
        expect(validateManifest(withModule(id, facetModule())), id).to.deep.equal([
          `module "${id}": the id is reserved`,
        ]);
      }
    });

    it("rejects a version that is not three whole numbers from 0 to 65535", function () {
      const bad = [
        [1, 0],
        [1, 0, 0, 0],
        [1, -1, 0],
        [1, 0.5, 0],
        [65536, 0, 0],
        [1, Number.NaN, 0],
      ];
      for (const version of bad) {
        const manifest = withModule("x", facetModule({ version: version as unknown as SemVerTuple }));
        expect(validateManifest(manifest), JSON.stringify(version)).to.deep.equal([
          `module "x": version must be [major, minor, patch], each 0..65535`,
        ]);
      }
      expect(validateManifest(withModule("x", facetModule({ version: [65535, 0, 65535] })))).to.deep.equal([]);
    });

    it("rejects a module without facets", function () {
      expect(validateManifest(withModule("x", facetModule({ facets: [] })))).to.deep.equal([
        `module "x": lists no facets`,
      ]);
    });

    it("rejects a module listing a facet twice", function () {
      expect(validateManifest(withModule("x", facetModule({ facets: ["XFacet", "YFacet", "XFacet"] })))).to.deep.equal([
        `module "x": lists a facet twice`,
      ]);
    });

    it("rejects a module listing a shared contract twice, or a facet as a shared contract", function () {
      expect(validateManifest(withModule("x", facetModule({ contracts: ["Vault", "Vault"] })))).to.deep.equal([
        `module "x": lists a contract twice`,
      ]);
      const facet = facetModule().facets[0];
      expect(validateManifest(withModule("x", facetModule({ contracts: [facet] })))).to.deep.equal([
        `module "x": "${facet}" is listed as both a facet and a contract`,
      ]);
      expect(validateManifest(withModule("x", facetModule({ contracts: ["Vault"] })))).to.deep.equal([]);
    });

    it("rejects a module depending on itself", function () {
      expect(validateManifest(withModule("x", facetModule({ dependencies: ["x"] })))).to.deep.equal([
        `module "x": depends on itself`,
      ]);
    });

    it("rejects a dependency on an unknown module", function () {
      expect(validateManifest(withModule("x", facetModule({ dependencies: ["payment", "ghost"] })))).to.deep.equal([
        `module "x": depends on unknown module "ghost"`,
      ]);
    });

    it("rejects a set naming an unknown module", function () {
      const manifest = makeManifest();
      manifest.sets.broken = ["payment", "ghost"];
      expect(validateManifest(manifest)).to.deep.equal([`set "broken": unknown module "ghost"`]);
    });

    it("reports a dependency cycle with its path", function () {
      const manifest = makeManifest();
      manifest.modules.payment.dependencies = ["insurance"];
      expect(validateManifest(manifest)).to.deep.equal([
        "dependency cycle: payment -> insurance -> lending -> payment",
      ]);
    });

    it("rejects an owner, upgrader or guardian that is not an address, in defaults or a network", function () {
      const manifest = makeManifest();
      manifest.defaults.owner = "0x1234";
      manifest.networks.sepolia.upgrader = "alice";
      // Mixed case with a wrong EIP-55 checksum.
      manifest.networks.sepolia.guardian = "0xAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

      expect(validateManifest(manifest)).to.have.members([
        `network "defaults": owner is not an address`,
        `network "sepolia": upgrader is not an address`,
        `network "sepolia": guardian is not an address`,
      ]);
    });

    it("rejects a timelock delay that is not whole seconds from 0 to 30 days", function () {
      for (const delay of [-1, 1.5, 30 * 24 * 3600 + 1, Number.NaN]) {
        const manifest = makeManifest();
        manifest.networks.sepolia.timelockDelay = delay;
        expect(validateManifest(manifest), String(delay)).to.deep.equal([
          `network "sepolia": timelockDelay must be whole seconds from 0 to 2592000 (30 days)`,
        ]);
      }
      const manifest = makeManifest();
      manifest.defaults.timelockDelay = -5;
      expect(validateManifest(manifest)).to.deep.equal([
        `network "defaults": timelockDelay must be whole seconds from 0 to 2592000 (30 days)`,
      ]);
    });

    it("accepts timelock delays of 0 and exactly 30 days", function () {
      for (const delay of [0, 30 * 24 * 3600]) {
        const manifest = makeManifest();
        manifest.defaults.timelockDelay = delay;
        expect(validateManifest(manifest), String(delay)).to.deep.equal([]);
      }
    });

    it("accepts a transaction policy, and rejects each bad setting with what it must be", function () {
      const manifest = makeManifest();
      manifest.defaults.tx = { maxFeeGwei: 50, priorityFeeGwei: 1.5, replaceAfterSeconds: 180, confirmations: 3 };
      expect(validateManifest(manifest)).to.deep.equal([]);
      const cases: [Record<string, unknown>, string][] = [
        [{ maxFeeGwei: 0 }, "maxFeeGwei must be a number of gwei above 0"],
        [{ maxFeeGwei: Number.NaN }, "maxFeeGwei must be a number of gwei above 0"],
        [{ priorityFeeGwei: -1 }, "priorityFeeGwei must be a number of gwei, 0 or more"],
        [{ maxFeeGwei: 2, priorityFeeGwei: 3 }, "priorityFeeGwei (3) must not exceed maxFeeGwei (2)"],
        [{ replaceAfterSeconds: 0 }, "replaceAfterSeconds must be a number of seconds above 0"],
        [{ confirmations: 0 }, "confirmations must be a whole number of blocks from 1 to 100"],
        [{ confirmations: 1.5 }, "confirmations must be a whole number of blocks from 1 to 100"],
        [{ confirmations: 101 }, "confirmations must be a whole number of blocks from 1 to 100"],
        [{ maxFee: 10 }, "maxFee is not a known setting"],
      ];
      for (const [tx, problem] of cases) {
        const bad = makeManifest();
        bad.networks.sepolia.tx = tx;
        expect(validateManifest(bad), JSON.stringify(tx)).to.deep.equal([`network "sepolia": tx.${problem}`]);
      }
    });

    it("reports every problem, one line each", function () {
      const manifest = makeManifest();
      manifest.modules.Bad = { version: [1, 0, 0], facets: [], dependencies: ["Bad"] };
      manifest.defaults.timelockDelay = -1;
      expect(validateManifest(manifest)).to.deep.equal([
        `module "Bad": id must be 1-31 characters of a-z, 0-9 and '-', starting with a letter`,
        `module "Bad": lists no facets`,
        `module "Bad": depends on itself`,
        `network "defaults": timelockDelay must be whole seconds from 0 to 2592000 (30 days)`,
      ]);
    });
  });

  describe("networkParams", function () {
    it("merges a network's overrides over the defaults, overrides winning", function () {
      expect(networkParams(makeManifest(), "sepolia")).to.deep.equal({
        owner: OWNER,
        guardian: GUARDIAN,
        timelockDelay: 3600,
        tokens: { USDC: USDC_TESTNET, DAI },
        oracles: { "ETH/USD": ETH_USD },
      });
    });

    it("merges a network's transaction policy over the defaults' setting by setting", function () {
      const manifest = makeManifest();
      manifest.defaults.tx = { replaceAfterSeconds: 120, confirmations: 2 };
      manifest.networks.sepolia.tx = { confirmations: 5, maxFeeGwei: 40 };
      expect(networkParams(manifest, "sepolia").tx).to.deep.equal({
        replaceAfterSeconds: 120,
        confirmations: 5,
        maxFeeGwei: 40,
      });
      expect(networkParams(manifest, "hardhat").tx).to.deep.equal({ replaceAfterSeconds: 120, confirmations: 2 });
    });

    it("returns the defaults for a network without overrides", function () {
      expect(networkParams(makeManifest(), "hardhat")).to.deep.equal(makeManifest().defaults);
    });

    it("does not share its token and oracle maps with the manifest", function () {
      const manifest = makeManifest();
      const params = networkParams(manifest, "hardhat");
      params.tokens.WETH = DAI;
      params.oracles["BTC/USD"] = DAI;
      expect(manifest.defaults.tokens).to.deep.equal({ USDC });
      expect(manifest.defaults.oracles).to.deep.equal({ "ETH/USD": ETH_USD });
    });
  });

  describe("modulesOfSet", function () {
    it("returns the set's modules", function () {
      expect(modulesOfSet(makeManifest(), "lite")).to.deep.equal(["payment"]);
    });

    it("returns a copy that the caller may change", function () {
      const manifest = makeManifest();
      modulesOfSet(manifest, "lite").push("tokenized");
      expect(manifest.sets.lite).to.deep.equal(["payment"]);
    });

    it("throws for an unknown set, listing the known sets", function () {
      expect(() => modulesOfSet(makeManifest(), "nope")).to.throw('Unknown module set "nope". Known sets: full, lite.');
    });
  });

  describe("dependencyOrder", function () {
    it("puts every module after its dependencies", function () {
      expect(dependencyOrder(makeManifest(), ["insurance", "tokenized", "lending", "payment"])).to.deep.equal([
        "payment",
        "lending",
        "insurance",
        "tokenized",
      ]);
    });

    it("gives the same order whatever the input order", function () {
      const manifest = makeManifest();
      const expected = dependencyOrder(manifest, ["payment", "lending", "insurance", "tokenized"]);
      expect(dependencyOrder(manifest, ["tokenized", "insurance", "payment", "lending"])).to.deep.equal(expected);
    });

    it("orders only the listed modules, ignoring dependencies outside the list", function () {
      expect(dependencyOrder(makeManifest(), ["insurance", "payment"])).to.deep.equal(["insurance", "payment"]);
    });

    it("lists each module once and does not mutate its input", function () {
      const ids = Object.freeze(["lending", "payment", "lending"]);
      expect(dependencyOrder(makeManifest(), ids)).to.deep.equal(["payment", "lending"]);
    });

    it("terminates on a dependency cycle", function () {
      const manifest = makeManifest();
      manifest.modules.payment.dependencies = ["insurance"];
      expect(dependencyOrder(manifest, ["payment", "lending", "insurance"])).to.have.members([
        "payment",
        "lending",
        "insurance",
      ]);
    });
  });
});

describe("storage layout rules", function () {
  const member = (label: string, slot: number, type: string, offset = 0): StorageMember => ({
    label,
    slot,
    offset,
    type,
  });
  const previous = [
    member("owner", 0, "address(20)"),
    member("paused", 0, "bool(1)", 20),
    member("balances", 1, "mapping(address(20) => uint256(32))"),
  ];

  describe("layoutProblems", function () {
    it("accepts an identical layout", function () {
      expect(layoutProblems("ns", previous, [...previous])).to.deep.equal([]);
    });

    it("accepts members appended after the recorded ones", function () {
      expect(layoutProblems("ns", previous, [...previous, member("fee", 2, "uint16(2)")])).to.deep.equal([]);
    });

    it("accepts an empty recorded layout", function () {
      expect(layoutProblems("ns", [], previous)).to.deep.equal([]);
    });

    it("reports a removed member", function () {
      expect(layoutProblems("ns", previous, previous.slice(0, 2))).to.deep.equal([
        'ns: member 2 "balances" was removed',
      ]);
    });

    it("reports a renamed member", function () {
      const next = [previous[0], member("frozen", 0, "bool(1)", 20), previous[2]];
      expect(layoutProblems("ns", previous, next)).to.deep.equal(['ns: member 1 "paused" is now "frozen"']);
    });

    it("reports a moved member", function () {
      const next = [previous[0], member("paused", 1, "bool(1)"), member("balances", 2, previous[2].type)];
      expect(layoutProblems("ns", previous, next)).to.deep.equal([
        'ns: member 1 "paused" moved from slot 0+20 to 1+0',
        'ns: member 2 "balances" moved from slot 1+0 to 2+0',
      ]);
    });

    it("reports a retyped member", function () {
      const next = [previous[0], previous[1], member("balances", 1, "mapping(address(20) => uint128(16))")];
      expect(layoutProblems("ns", previous, next)).to.deep.equal([
        'ns: member 2 "balances" changed type from mapping(address(20) => uint256(32)) to mapping(address(20) => uint128(16))',
      ]);
    });

    it("reports a member inserted before recorded ones", function () {
      const next = [member("admin", 0, "address(20)"), ...previous.map((m) => ({ ...m, slot: m.slot + 1 }))];
      expect(layoutProblems("ns", previous, next)).to.not.deep.equal([]);
    });
  });

  describe("erc7201Slot", function () {
    it("computes the slot of finsuite.diamond", function () {
      expect(erc7201Slot("finsuite.diamond")).to.equal(
        "0x05155156a226df6078928add4eb10cd52cea332863c1015fb81fe0aba1c9ed00",
      );
    });

    it("returns 32 bytes with the last byte cleared", function () {
      for (const ns of ["a", "finsuite.payment", "example.main"]) {
        expect(erc7201Slot(ns)).to.match(/^0x[0-9a-f]{62}00$/);
      }
    });

    it("matches the EIP-7201 example namespace", function () {
      // EIP-7201: "example.main" → 0x183a6125c38840424c4a85fa12bab2ab606c4b6d0e7cc73c0c06ba5300eab500
      expect(erc7201Slot("example.main")).to.equal(
        "0x183a6125c38840424c4a85fa12bab2ab606c4b6d0e7cc73c0c06ba5300eab500",
      );
    });
  });
});
