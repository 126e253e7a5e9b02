// The asset module as the diamond serves it: IAsset and IAssetViews, the issuer and agent
// roles on every change, createAsset (the token clone, its events, every validation),
// setAssetRules, setAssetDocument and the getAsset view.
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, id, ZeroAddress, ZeroHash, type Interface } from "ethers";

import { interfaceIdOf } from "../../scripts/lib/artifacts.js";
import { moduleId, selectorsOf } from "../../scripts/lib/core.js";
import { ASSET_AGENT_ROLE, ASSET_ISSUER_ROLE, classMask, Restriction } from "../../scripts/lib/asset.js";
import { InvestorClass } from "../../scripts/lib/identity.js";
import {
  AssetDistributionFacet__factory,
  AssetFacet__factory,
  AssetInit__factory,
  AssetOfferingFacet__factory,
  AssetViewFacet__factory,
  IAsset__factory,
  IAssetDistribution__factory,
  IAssetOffering__factory,
  IAssetViews__factory,
} from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { assetFixture, BUILDING_RULES, FRANCE, GERMANY, kyc, units, USA, type AssetFixture } from "./fixture.js";
import {
  assetParams,
  assetState,
  createAsset,
  expectRefused,
  MAX_BALANCE,
  mint,
  THOUSAND,
  watched,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => assetFixture(ethers);

const ASSET_ID = moduleId("asset");
const sorted = (xs: readonly string[]) => [...xs].sort();
/** What createAsset may cost (receipt gas, the fixture's rules: two jurisdictions and two classes). */
const CREATE_ASSET_BUDGET = 400_000n;

/** An asset as getAsset returns it, as plain values. */
async function assetView(f: AssetFixture, assetId: bigint = f.assetId) {
  const a = await f.suite.getAsset(assetId);
  return {
    token: a.token,
    issuer: a.issuer,
    paused: a.paused,
    decimals: a.decimals,
    totalSupply: a.totalSupply,
    cap: a.cap,
    holderCount: a.holderCount,
    snapshotId: a.snapshotId,
    documentHash: a.documentHash,
    documentUri: a.documentUri,
    rules: {
      jurisdictions: a.rules.jurisdictions.map(Number),
      investorClasses: Number(a.rules.investorClasses),
      maxHolders: Number(a.rules.maxHolders),
      maxBalancePerIdentity: a.rules.maxBalancePerIdentity,
      lockupSeconds: Number(a.rules.lockupSeconds),
    },
  };
}

describe("asset: the module", function () {
  let f: AssetFixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
  });

  // ---------------------------------------------------------------- selectors and roles

  describe("the module", function () {
    const interfaces: [string, Interface, Interface][] = [
      ["IAsset", IAsset__factory.createInterface(), AssetFacet__factory.createInterface()],
      ["IAssetViews", IAssetViews__factory.createInterface(), AssetViewFacet__factory.createInterface()],
      ["IAssetOffering", IAssetOffering__factory.createInterface(), AssetOfferingFacet__factory.createInterface()],
      [
        "IAssetDistribution",
        IAssetDistribution__factory.createInterface(),
        AssetDistributionFacet__factory.createInterface(),
      ],
    ];

    it("serves every function of its four interfaces from module asset 0.1.0, each facet exactly its interface", async function () {
      const info = await f.diamond.getModule(ASSET_ID);
      expect(info.version).to.deep.equal([0n, 1n, 0n]);
      expect(info.dependencies).to.deep.equal([moduleId("upkeep"), moduleId("identity")]);
      expect(info.facets).to.have.length(4);
      // Each interface is one registered facet's whole selector list.
      const registered = info.facets.map((facet) => sorted(facet.functionSelectors));
      for (const [name, iface, facet] of interfaces) {
        expect(sorted(selectorsOf(facet)), name).to.deep.equal(sorted(selectorsOf(iface)));
        expect(registered, name).to.deep.include(sorted(selectorsOf(iface)));
        for (const selector of selectorsOf(iface)) {
          expect(await f.diamond.moduleOfSelector(selector), `${name} ${selector}`).to.equal(ASSET_ID);
        }
      }
    });

    it("AssetInit refuses a token implementation without code (AssetTokenImplementationInvalid)", async function () {
      const init = await new AssetInit__factory(f.owner).deploy();
      await expect(init.initAsset(f.owner.address))
        .to.be.revertedWithCustomError(init, "AssetTokenImplementationInvalid")
        .withArgs(f.owner.address);
    });

    it("declares its four interface ids for ERC-165", async function () {
      const info = await f.diamond.getModule(ASSET_ID);
      for (const [name, iface] of interfaces) {
        const interfaceId = interfaceIdOf(selectorsOf(iface));
        expect(info.interfaceIds, name).to.include(interfaceId);
        expect(await f.diamond.supportsInterface(interfaceId), name).to.equal(true);
      }
    });

    it("reverts createAsset by an account without the issuer role, creating nothing", async function () {
      for (const who of [f.outsider, f.agent, f.owner, f.investorA]) {
        await expectUnchanged(
          async () => ({ count: String(await f.suite.assetCount()) }),
          () =>
            expect(f.suite.connect(who).createAsset(f.params))
              .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
              .withArgs(who.address, ASSET_ISSUER_ROLE),
        );
      }
    });

    it("reverts every agent function by an account without the agent role, changing nothing", async function () {
      await mint(f, f.investorA, THOUSAND);
      await (await f.suite.connect(f.agent).setAssetFrozenTokens(f.assetId, f.investorA.address, units(10))).wait();
      const calls = (suite: AssetFixture["suite"]) => ({
        mintAsset: () => suite.mintAsset(f.assetId, f.investorB.address, units(1)),
        burnAsset: () => suite.burnAsset(f.assetId, f.investorA.address, units(1)),
        forcedAssetTransfer: () =>
          suite.forcedAssetTransfer(f.assetId, f.investorA.address, f.investorB.address, units(1)),
        setAssetWalletFrozen: () => suite.setAssetWalletFrozen(f.assetId, f.investorA.address, true),
        setAssetFrozenTokens: () => suite.setAssetFrozenTokens(f.assetId, f.investorA.address, 0n),
        setAssetPaused: () => suite.setAssetPaused(f.assetId, true),
      });
      // The issuer and the owner hold other roles, not this one.
      for (const who of [f.outsider, f.issuer, f.owner, f.investorA]) {
        for (const [name, call] of Object.entries(calls(f.suite.connect(who)))) {
          await expectUnchanged(
            () => assetState(f, watched(f)),
            () =>
              expect(call(), name)
                .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
                .withArgs(who.address, ASSET_AGENT_ROLE),
          );
        }
      }
    });

    it("an account granted the agent role acts, and stops once revoked", async function () {
      await (await f.diamond.connect(f.owner).grantRole(ASSET_AGENT_ROLE, f.outsider.address)).wait();
      await expect(f.suite.connect(f.outsider).mintAsset(f.assetId, f.investorA.address, units(5)))
        .to.emit(f.suite, "AssetMinted")
        .withArgs(f.assetId, f.investorA.address, units(5), f.outsider.address);
      await (await f.diamond.connect(f.owner).revokeRole(ASSET_AGENT_ROLE, f.outsider.address)).wait();
      await expectRefused(
        f,
        () => f.suite.connect(f.outsider).mintAsset(f.assetId, f.investorA.address, units(5)),
        "AccessControlUnauthorizedAccount",
        [f.outsider.address, ASSET_AGENT_ROLE],
      );
    });

    it("reverts setAssetRules and setAssetDocument by anyone but the asset's issuer with AssetNotIssuer", async function () {
      // A second issuer manages its own assets, not the first one's.
      await (await f.diamond.connect(f.owner).grantRole(ASSET_ISSUER_ROLE, f.outsider.address)).wait();
      const own = await createAsset(f, {}, f.outsider);
      await (await f.suite.connect(f.outsider).setAssetDocument(own.assetId, id("own doc"), "ipfs://own")).wait();
      for (const who of [f.outsider, f.agent, f.owner, f.investorA]) {
        const before = await assetView(f);
        await expect(f.suite.connect(who).setAssetRules(f.assetId, BUILDING_RULES))
          .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
          .withArgs(f.assetId, who.address);
        await expect(f.suite.connect(who).setAssetDocument(f.assetId, id("other"), "ipfs://other"))
          .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
          .withArgs(f.assetId, who.address);
        expect(await assetView(f)).to.deep.equal(before);
      }
      // Nor does the first issuer manage the second one's.
      await expect(f.suite.connect(f.issuer).setAssetRules(own.assetId, BUILDING_RULES))
        .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
        .withArgs(own.assetId, f.issuer.address);
    });

    it("reverts setAssetRules and setAssetDocument with AssetNotIssuer once the issuer's role is revoked", async function () {
      await (await f.diamond.connect(f.owner).revokeRole(ASSET_ISSUER_ROLE, f.issuer.address)).wait();
      const before = await assetView(f);
      await expect(f.suite.connect(f.issuer).setAssetRules(f.assetId, BUILDING_RULES))
        .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
        .withArgs(f.assetId, f.issuer.address);
      await expect(f.suite.connect(f.issuer).setAssetDocument(f.assetId, id("v2"), "ipfs://v2"))
        .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
        .withArgs(f.assetId, f.issuer.address);
      expect(await assetView(f)).to.deep.equal(before);
      // Granted again, it manages its asset again.
      await (await f.diamond.connect(f.owner).grantRole(ASSET_ISSUER_ROLE, f.issuer.address)).wait();
      await expect(f.suite.connect(f.issuer).setAssetDocument(f.assetId, id("v2"), "ipfs://v2")).to.emit(
        f.suite,
        "AssetDocumentSet",
      );
    });

    it("reverts with AssetUnknown for an asset id never created, in every function and view that takes one", async function () {
      const unknown = 99n;
      const a = f.investorA.address;
      const b = f.investorB.address;
      const issuer = f.suite.connect(f.issuer);
      const agent = f.suite.connect(f.agent);
      const calls: [string, () => Promise<unknown>][] = [
        ["setAssetRules", () => issuer.setAssetRules(unknown, BUILDING_RULES)],
        ["setAssetDocument", () => issuer.setAssetDocument(unknown, id("doc"), "")],
        ["mintAsset", () => agent.mintAsset(unknown, a, 1n)],
        ["burnAsset", () => agent.burnAsset(unknown, a, 1n)],
        ["forcedAssetTransfer", () => agent.forcedAssetTransfer(unknown, a, b, 1n)],
        ["setAssetWalletFrozen", () => agent.setAssetWalletFrozen(unknown, a, true)],
        ["setAssetFrozenTokens", () => agent.setAssetFrozenTokens(unknown, a, 1n)],
        ["setAssetPaused", () => agent.setAssetPaused(unknown, true)],
        ["assetTokenTransfer", () => f.suite.connect(f.investorA).assetTokenTransfer(unknown, a, a, b, 1n)],
        ["assetTokenForcedTransfer", () => agent.assetTokenForcedTransfer(unknown, f.agent.address, a, b, 1n)],
        ["assetTokenSetFrozen", () => agent.assetTokenSetFrozen(unknown, f.agent.address, a, 1n)],
        ["getAsset", () => f.suite.getAsset(unknown)],
        ["assetHolding", () => f.suite.assetHolding(unknown, a)],
        ["assetIdentityBalance", () => f.suite.assetIdentityBalance(unknown, f.idA)],
        ["assetTransferRestriction", () => f.suite.assetTransferRestriction(unknown, a, a, b, 1n)],
        ["assetCanReceive", () => f.suite.assetCanReceive(unknown, a)],
        ["assetCanSend", () => f.suite.assetCanSend(unknown, a)],
        ["assetBalanceAt", () => f.suite.assetBalanceAt(unknown, a, 0)],
      ];
      for (const [name, call] of calls) {
        await expect(call(), name).to.be.revertedWithCustomError(f.suite, "AssetUnknown").withArgs(unknown);
      }
      // Asset ids start at 1.
      await expect(f.suite.getAsset(0n)).to.be.revertedWithCustomError(f.suite, "AssetUnknown").withArgs(0n);
      // The plain balance views answer zero.
      expect(await f.suite.assetBalanceOf(unknown, a)).to.equal(0n);
      expect(await f.suite.assetTotalSupply(unknown)).to.equal(0n);
    });
  });

  // ---------------------------------------------------------------- createAsset

  describe("createAsset", function () {
    it("creates the asset and its token, a clone at its own address with the name, symbol and decimals", async function () {
      expect(await f.suite.assetCount()).to.equal(1n);
      const params = assetParams(f, { name: "Quai Branly 7", symbol: "QB7", decimals: 6, cap: 0n });
      const [assetId, tokenAddress] = await f.suite.connect(f.issuer).createAsset.staticCall(params);
      expect(assetId).to.equal(2n);
      await (await f.suite.connect(f.issuer).createAsset(params)).wait();
      expect(await f.suite.assetCount()).to.equal(2n);
      const token = f.token.attach(tokenAddress) as typeof f.token;
      expect(tokenAddress).to.not.equal(await f.token.getAddress());
      expect(tokenAddress).to.not.equal(f.diamondAddress);
      expect([await token.name(), await token.symbol(), await token.decimals()]).to.deep.equal([
        "Quai Branly 7",
        "QB7",
        6n,
      ]);
      expect(await token.diamond()).to.equal(f.diamondAddress);
      expect(await token.key()).to.equal(2n);
      expect([await token.totalSupply(), await token.balanceOf(f.investorA.address)]).to.deep.equal([0n, 0n]);

      // EIP-1167 with immutable arguments: the minimal proxy to the implementation both
      // tokens share, followed by abi.encode(diamond, 0, assetId, decimals, name, symbol).
      const code = await ethers.provider.getCode(tokenAddress);
      const first = await ethers.provider.getCode(await f.token.getAddress());
      expect(code.slice(0, 22)).to.equal("0x363d3d373d3d3d363d73");
      const implementation = getAddress("0x" + code.slice(22, 62));
      expect(getAddress("0x" + first.slice(22, 62))).to.equal(implementation);
      expect(code.slice(62, 92)).to.equal("5af43d82803e903d91602b57fd5bf3");
      expect((await ethers.provider.getCode(implementation)).length).to.be.greaterThan(2);
      const args = ethers.AbiCoder.defaultAbiCoder().decode(
        ["address", "address", "uint256", "uint8", "string", "string"],
        "0x" + code.slice(92),
      );
      expect([...args]).to.deep.equal([f.diamondAddress, ZeroAddress, 2n, 6n, "Quai Branly 7", "QB7"]);
    });

    it("emits AssetCreated, AssetDocumentSet and AssetRulesSet", async function () {
      const rules = {
        jurisdictions: [FRANCE, GERMANY, USA],
        investorClasses: classMask(InvestorClass.Institutional),
        maxHolders: 150,
        maxBalancePerIdentity: units(5_000),
        lockupSeconds: 86_400,
      };
      const params = assetParams(f, { cap: units(7_000), rules });
      const [, tokenAddress] = await f.suite.connect(f.issuer).createAsset.staticCall(params);
      await expect(f.suite.connect(f.issuer).createAsset(params))
        .to.emit(f.suite, "AssetCreated")
        .withArgs(2n, tokenAddress, f.issuer.address, units(7_000))
        .and.to.emit(f.suite, "AssetDocumentSet")
        .withArgs(2n, params.documentHash, params.documentUri)
        .and.to.emit(f.suite, "AssetRulesSet")
        .withArgs(2n, rules.jurisdictions, rules.investorClasses, 150, units(5_000), 86_400);
    });

    it("getAsset returns what was created: token, issuer, decimals, cap, document, rules, empty books", async function () {
      expect(await assetView(f)).to.deep.equal({
        token: await f.token.getAddress(),
        issuer: f.issuer.address,
        paused: false,
        decimals: 18n,
        totalSupply: 0n,
        cap: units(1_000_000),
        holderCount: 0n,
        snapshotId: 0n,
        documentHash: f.params.documentHash,
        documentUri: f.params.documentUri,
        rules: {
          jurisdictions: [FRANCE, GERMANY],
          investorClasses: classMask(InvestorClass.Professional, InvestorClass.Institutional),
          maxHolders: 0,
          maxBalancePerIdentity: 0n,
          lockupSeconds: 0,
        },
      });
      await mint(f, f.investorA, THOUSAND);
      const after = await assetView(f);
      expect([after.totalSupply, after.holderCount]).to.deep.equal([THOUSAND, 1n]);
    });

    it(`costs less than ${CREATE_ASSET_BUDGET} gas (receipt) with the building's rules`, async function () {
      const receipt = await (await f.suite.connect(f.issuer).createAsset(f.params)).wait();
      console.log(`      createAsset receipt gas: ${receipt!.gasUsed}`);
      expect(receipt!.gasUsed).to.be.lessThan(CREATE_ASSET_BUDGET);
    });

    it("accepts the limits: 18 decimals, 0 decimals, ten jurisdictions, 1 and 999, a cap of 2^112 − 1", async function () {
      const ten = [1, 250, 276, 380, 528, 56, 442, 40, 724, 999];
      const { assetId } = await createAsset(f, { decimals: 0, cap: MAX_BALANCE, rules: { jurisdictions: ten } });
      const v = await assetView(f, assetId);
      expect(v.decimals).to.equal(0n);
      expect(v.cap).to.equal(MAX_BALANCE);
      expect(v.rules.jurisdictions).to.deep.equal(ten);
      // Class bits 1..15, all allowed.
      const all = await createAsset(f, { decimals: 18, rules: { investorClasses: 0xfffe } });
      expect((await assetView(f, all.assetId)).rules.investorClasses).to.equal(0xfffe);
    });

    describe("validation: reverts and creates nothing", function () {
      async function expectInvalid(overrides: Parameters<typeof assetParams>[1], error: string, args: unknown[]) {
        await expectUnchanged(
          async () => ({ count: String(await f.suite.assetCount()) }),
          () =>
            expect(f.suite.connect(f.issuer).createAsset(assetParams(f, overrides)))
              .to.be.revertedWithCustomError(f.suite, error)
              .withArgs(...args),
        );
      }

      it('AssetParamsInvalid("name") for an empty name or symbol', async function () {
        await expectInvalid({ name: "" }, "AssetParamsInvalid", ["name"]);
        await expectInvalid({ symbol: "" }, "AssetParamsInvalid", ["name"]);
      });

      it('AssetParamsInvalid("decimals") above 18', async function () {
        await expectInvalid({ decimals: 19 }, "AssetParamsInvalid", ["decimals"]);
        await expectInvalid({ decimals: 255 }, "AssetParamsInvalid", ["decimals"]);
      });

      it('AssetParamsInvalid("documentHash") for a zero document hash', async function () {
        await expectInvalid({ documentHash: ZeroHash }, "AssetParamsInvalid", ["documentHash"]);
      });

      it('AssetParamsInvalid("jurisdictions") for eleven jurisdictions', async function () {
        const eleven = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        await expectInvalid({ rules: { jurisdictions: eleven } }, "AssetParamsInvalid", ["jurisdictions"]);
      });

      it('AssetParamsInvalid("investorClasses") when bit 0 (class 0, which no identity has) is set', async function () {
        await expectInvalid({ rules: { investorClasses: 1 } }, "AssetParamsInvalid", ["investorClasses"]);
        await expectInvalid({ rules: { investorClasses: 0xffff } }, "AssetParamsInvalid", ["investorClasses"]);
      });

      it("AssetJurisdictionInvalid for jurisdiction 0 or 1000", async function () {
        await expectInvalid({ rules: { jurisdictions: [FRANCE, 0] } }, "AssetJurisdictionInvalid", [0]);
        await expectInvalid({ rules: { jurisdictions: [1000, FRANCE] } }, "AssetJurisdictionInvalid", [1000]);
      });

      it("AssetAmountTooLarge for a cap above 2^112 − 1", async function () {
        await expectInvalid({ cap: MAX_BALANCE + 1n }, "AssetAmountTooLarge", [MAX_BALANCE + 1n, MAX_BALANCE]);
        await expectInvalid({ cap: 2n ** 128n - 1n }, "AssetAmountTooLarge", [2n ** 128n - 1n, MAX_BALANCE]);
      });
    });
  });

  // ---------------------------------------------------------------- setAssetRules

  describe("setAssetRules", function () {
    const NEW_RULES = {
      jurisdictions: [USA],
      investorClasses: classMask(InvestorClass.Retail),
      maxHolders: 3,
      maxBalancePerIdentity: 0n,
      lockupSeconds: 3_600,
    };

    it("replaces the rules, with AssetRulesSet, and the next transfers follow them", async function () {
      await expect(f.suite.connect(f.issuer).setAssetRules(f.assetId, NEW_RULES))
        .to.emit(f.suite, "AssetRulesSet")
        .withArgs(f.assetId, [USA], NEW_RULES.investorClasses, 3, 0n, 3_600);
      expect((await assetView(f)).rules).to.deep.equal({ ...NEW_RULES, maxBalancePerIdentity: 0n });
      // A French professional may no longer receive; an American retail investor may.
      const [, , , , , , , , , , , , , us] = await ethers.getSigners();
      await f.onboard("US", us, kyc(f.now, USA, InvestorClass.Retail));
      expect(await f.suite.assetCanReceive(f.assetId, f.investorA.address)).to.equal(false);
      expect(await f.suite.assetCanReceive(f.assetId, us.address)).to.equal(true);
      await mint(f, us, units(1));
    });

    it("holdings the new rules would refuse stay; they only limit what moves next", async function () {
      await mint(f, f.investorA, THOUSAND);
      await (await f.suite.connect(f.issuer).setAssetRules(f.assetId, NEW_RULES)).wait();
      expect(await f.suite.assetBalanceOf(f.assetId, f.investorA.address)).to.equal(THOUSAND);
      expect(await f.suite.assetTransferRestriction(f.assetId, f.investorA, f.investorA, f.investorC, 1n)).to.equal(
        Restriction.JurisdictionNotAllowed,
      );
    });

    it("an empty jurisdiction list and a zero class mask allow anyone verified", async function () {
      const [, , , , , , , , , , , , , us] = await ethers.getSigners();
      await f.onboard("US", us, kyc(f.now, USA, InvestorClass.Retail));
      expect(await f.suite.assetCanReceive(f.assetId, us.address)).to.equal(false);
      await (
        await f.suite
          .connect(f.issuer)
          .setAssetRules(f.assetId, { ...BUILDING_RULES, jurisdictions: [], investorClasses: 0 })
      ).wait();
      expect((await assetView(f)).rules.jurisdictions).to.deep.equal([]);
      expect(await f.suite.assetCanReceive(f.assetId, us.address)).to.equal(true);
    });

    it("reverts with AssetMaxBalanceRuleNotKept when the asset was created without a per-identity limit", async function () {
      const before = await assetView(f);
      await expect(f.suite.connect(f.issuer).setAssetRules(f.assetId, { ...BUILDING_RULES, maxBalancePerIdentity: 1n }))
        .to.be.revertedWithCustomError(f.suite, "AssetMaxBalanceRuleNotKept")
        .withArgs(f.assetId);
      expect(await assetView(f)).to.deep.equal(before);
    });

    it("changes, lifts and sets again the per-identity limit of an asset created with one", async function () {
      const { assetId } = await createAsset(f, { rules: { maxBalancePerIdentity: units(100) } });
      for (const limit of [units(50), 0n, units(200)]) {
        await expect(
          f.suite.connect(f.issuer).setAssetRules(assetId, { ...BUILDING_RULES, maxBalancePerIdentity: limit }),
        )
          .to.emit(f.suite, "AssetRulesSet")
          .withArgs(assetId, [FRANCE, GERMANY], BUILDING_RULES.investorClasses, 0, limit, 0);
        expect((await assetView(f, assetId)).rules.maxBalancePerIdentity).to.equal(limit);
      }
    });

    it("validates like createAsset: eleven jurisdictions, class bit 0, jurisdictions 0 and 1000", async function () {
      const cases: [Partial<typeof BUILDING_RULES>, string, unknown[]][] = [
        [{ jurisdictions: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, "AssetParamsInvalid", ["jurisdictions"]],
        [{ investorClasses: 1 }, "AssetParamsInvalid", ["investorClasses"]],
        [{ jurisdictions: [0] }, "AssetJurisdictionInvalid", [0]],
        [{ jurisdictions: [FRANCE, 1000] }, "AssetJurisdictionInvalid", [1000]],
      ];
      for (const [rules, error, args] of cases) {
        const before = await assetView(f);
        await expect(f.suite.connect(f.issuer).setAssetRules(f.assetId, { ...BUILDING_RULES, ...rules }))
          .to.be.revertedWithCustomError(f.suite, error)
          .withArgs(...args);
        expect(await assetView(f)).to.deep.equal(before);
      }
    });
  });

  // ---------------------------------------------------------------- setAssetDocument

  describe("setAssetDocument", function () {
    it("replaces the document's hash and URI, with AssetDocumentSet", async function () {
      await expect(f.suite.connect(f.issuer).setAssetDocument(f.assetId, id("memorandum v2"), "ipfs://v2"))
        .to.emit(f.suite, "AssetDocumentSet")
        .withArgs(f.assetId, id("memorandum v2"), "ipfs://v2");
      const v = await assetView(f);
      expect([v.documentHash, v.documentUri]).to.deep.equal([id("memorandum v2"), "ipfs://v2"]);
      // An empty URI is allowed; the hash is what counts.
      await (await f.suite.connect(f.issuer).setAssetDocument(f.assetId, id("memorandum v3"), "")).wait();
      expect((await assetView(f)).documentUri).to.equal("");
    });

    it('reverts with AssetParamsInvalid("documentHash") for a zero hash, changing nothing', async function () {
      const before = await assetView(f);
      await expect(f.suite.connect(f.issuer).setAssetDocument(f.assetId, ZeroHash, "ipfs://nothing"))
        .to.be.revertedWithCustomError(f.suite, "AssetParamsInvalid")
        .withArgs("documentHash");
      expect(await assetView(f)).to.deep.equal(before);
    });
  });
});
