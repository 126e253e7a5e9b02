// The identity module's recovery hooks (LibIdentity.registerRecoveryHook, run in the diamond
// by a module's install init): registration, its refusals, and a hook of a removed module.
import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String, Interface } from "ethers";

import { coreCalls, runTimelocked } from "../../scripts/lib/core.js";
import { IIdentity__factory, MockIdentityHookInit__factory } from "../../typechain-types/index.js";
import { assetFixture, units } from "../asset/fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => assetFixture(ethers);

const hookIface = new Interface(MockIdentityHookInit__factory.abi);
const identityIface = IIdentity__factory.createInterface();
const ASSET = encodeBytes32String("asset");

describe("identity: recovery hooks", function () {
  async function runHookInit(f: Awaited<ReturnType<typeof fixture>>, moduleId: string, hook: string) {
    const init = await ethers.deployContract("MockIdentityHookInit");
    const data = hookIface.encodeFunctionData("registerRecoveryHook", [moduleId, hook]);
    return runTimelocked(f.diamond.connect(f.upgrader), [coreCalls.diamondCut([], await init.getAddress(), data)]);
  }

  it("the asset module registered its hook at install, with IdentityRecoveryHookRegistered", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const hook = f.suite.interface.getFunction("assetRecoverWallet")!.selector;
    const events = await f.suite.queryFilter(f.suite.filters.IdentityRecoveryHookRegistered());
    expect(events.map((e) => [e.args.moduleId, e.args.hook])).to.deep.equal([[ASSET, hook]]);
    // Registering it again changes nothing and emits nothing.
    const { execute } = await runHookInit(f, ASSET, hook);
    expect(execute.logs.filter((log) => log.topics[0] === events[0].topics[0])).to.have.length(0);
  });

  it("refuses a hook the diamond does not serve with IdentityRecoveryHookNotRouted(hook)", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    await expect(runHookInit(f, ASSET, "0xdeadbeef"))
      .to.be.revertedWithCustomError(f.suite, "IdentityRecoveryHookNotRouted")
      .withArgs("0xdeadbeef");
  });

  it("refuses a ninth hook with IdentityRecoveryHooksFull(8)", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    // Seven more routed selectors (the asset's hook is the first of eight).
    const names = [
      "isVerified",
      "identityCodeOf",
      "identityOf",
      "getIdentity",
      "recoveredWalletOf",
      "isAttestationUsed",
      "identityDomainSeparator",
    ] as const;
    const routed = names.map((name) => identityIface.getFunction(name)!.selector);
    for (const hook of routed) await runHookInit(f, encodeBytes32String("identity"), hook);
    const ninth = identityIface.getFunction("attestationDigest")!.selector;
    await expect(runHookInit(f, encodeBytes32String("identity"), ninth))
      .to.be.revertedWithCustomError(f.suite, "IdentityRecoveryHooksFull")
      .withArgs(8);
  });

  it("skips the hook of a removed module: the recovery moves the identity's wallets only", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    await (await f.suite.connect(f.agent).mintAsset(f.assetId, f.investorA.address, units(10))).wait();
    await runTimelocked(f.diamond.connect(f.upgrader), [coreCalls.removeModule("asset")]);
    const replacement = ethers.Wallet.createRandom().address;
    await expect(f.suite.connect(f.provider).recoverIdentityWallet(f.idA, f.investorA.address, replacement))
      .to.emit(f.suite, "IdentityWalletRecovered")
      .withArgs(f.idA, f.investorA.address, replacement, f.provider.address);
    expect(await f.suite.recoveredWalletOf(f.investorA.address)).to.equal(replacement);
  });
});
