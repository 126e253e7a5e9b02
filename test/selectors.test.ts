import { expect } from "chai";
import { network } from "hardhat";

import { CORE_FACET_CONTRACTS, moduleId, selectorsOf } from "../scripts/lib/core.js";
import { IFinanceDiamond__factory } from "../typechain-types/index.js";
import { coreFixture } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

const sorted = (xs: readonly string[]) => [...xs].sort();

describe("core selectors", function () {
  const fixture = () => coreFixture(ethers);

  for (const [key, name] of Object.entries(CORE_FACET_CONTRACTS) as [keyof typeof CORE_FACET_CONTRACTS, string][]) {
    it(`registers exactly the functions of ${name}, owned by the core module`, async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const facetAbi = (await ethers.getContractFactory(name)).interface;
      const registered = await f.diamond.facetFunctionSelectors(f.facets[key]);
      expect(sorted(registered)).to.deep.equal(sorted(selectorsOf(facetAbi)));
      for (const selector of registered) {
        expect(await f.diamond.moduleOfSelector(selector)).to.equal(moduleId("core"));
      }
    });
  }

  it("serves every function of IFinanceDiamond and nothing else", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const loupe = (await f.diamond.facets()).flatMap((facet) => [...facet.functionSelectors]);
    expect(sorted(loupe)).to.deep.equal(sorted(selectorsOf(IFinanceDiamond__factory.createInterface())));
  });

  it("LibCore's facet lookup agrees with its selector lists, and knows nothing else", async function () {
    const harness = await ethers.deployContract("LibCoreHarness");
    const notCore = 2n ** 256n - 1n;
    let total = 0;
    for (let i = 0; i < 7; i++) {
      const selectors = await harness.selectorsOf(i);
      total += selectors.length;
      for (const selector of selectors) expect(await harness.facetIndexOf(selector), selector).to.equal(BigInt(i));
    }
    expect(total).to.equal(selectorsOf(IFinanceDiamond__factory.createInterface()).length);
    expect(await harness.selectorsOf(7)).to.deep.equal([]);
    for (const other of ["0x00000000", "0xffffffff", "0x12345678"]) {
      expect(await harness.facetIndexOf(other)).to.equal(notCore);
    }
  });
});
