import { expect } from "chai";
import { network } from "hardhat";
import { coreFixture } from "./helpers.js";
import { coreCalls, runTimelocked, selectorsOf } from "../scripts/lib/core.js";

const { ethers } = await network.create();

describe("smoke", function () {
  it("dispatch overhead", async function () {
    const f = await coreFixture(ethers);
    const counter = await ethers.deployContract("BenchCounterFacet");
    const addr = await counter.getAddress();
    const sels = selectorsOf(counter.interface);
    await runTimelocked(f.diamond.connect(f.upgrader), [
      coreCalls.installModule({ id: "bench", version: [1, 0, 0], facets: [{ facetAddress: addr, functionSelectors: sels }] }),
    ]);
    const code = await ethers.provider.getCode(await f.diamond.getAddress());
    console.log("runtime bytes", (code.length - 2) / 2);
    const viaDiamond = counter.attach(await f.diamond.getAddress()) as typeof counter;
    const r1 = await (await viaDiamond.increment()).wait();
    const r2 = await (await counter.increment()).wait();
    console.log("diamond", r1!.gasUsed, "direct", r2!.gasUsed, "overhead", r1!.gasUsed - r2!.gasUsed);
    expect(await viaDiamond.increment.staticCall()).to.equal(2n);
    await expect(f.diamond.connect(f.guardian).pause()).to.emit(f.diamond, "DiamondPaused");
    await expect(viaDiamond.increment()).to.be.revertedWithCustomError(f.diamond, "DiamondModulePaused");
    await expect(f.owner.sendTransaction({ to: await f.diamond.getAddress(), data: "0x12345678" })).to.be.revertedWithCustomError(f.diamond, "DiamondFunctionNotFound").withArgs("0x12345678");
    console.log((await f.diamond.getModules()).length, (await f.diamond.facets()).length);
  });
});
