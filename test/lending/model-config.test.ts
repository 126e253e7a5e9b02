// Refusals of the models' and the module init's own configuration: each bad parameter is
// refused with its error at construction or configuration, before anything depends on it.
import { expect } from "chai";
import { network } from "hardhat";
import { parseEther, ZeroAddress } from "ethers";

import { runTimelocked } from "../../scripts/lib/core.js";
import { annual, lendingCalls, signCreditAttestation, type CreditAttestation } from "../../scripts/lib/lending.js";
import {
  CollateralMultipleCreditModel__factory,
  CompositeCreditModel__factory,
  CreditLineModel__factory,
  KinkedRateModel__factory,
  LendingInit__factory,
} from "../../typechain-types/index.js";
import { DAY, lendingFixture, usd } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => lendingFixture(ethers);

describe("lending: model and init configuration", function () {
  it("KinkedRateModel refuses a kink of 0 or at/above 100 % (KinkedRateModelParamsInvalid)", async function () {
    const [deployer] = await ethers.getSigners();
    const factory = new KinkedRateModel__factory(deployer);
    for (const kink of [0n, parseEther("1"), parseEther("1.5")]) {
      await expect(factory.deploy(annual("2%"), annual("10%"), kink, annual("100%")))
        .to.be.revertedWithCustomError(factory, "KinkedRateModelParamsInvalid")
        .withArgs(kink);
    }
  });

  it("CollateralMultipleCreditModel refuses a multiple of 0 or above 100x (CollateralMultipleInvalid)", async function () {
    const [deployer] = await ethers.getSigners();
    const factory = new CollateralMultipleCreditModel__factory(deployer);
    for (const multiple of [0, 1_000_001]) {
      await expect(factory.deploy(multiple))
        .to.be.revertedWithCustomError(factory, "CollateralMultipleInvalid")
        .withArgs(multiple);
    }
    await (await factory.deploy(1_000_000)).waitForDeployment();
  });

  it("CompositeCreditModel refuses no components, and attestations sent to itself", async function () {
    const [deployer] = await ethers.getSigners();
    const factory = new CompositeCreditModel__factory(deployer);
    await expect(factory.deploy([])).to.be.revertedWithCustomError(factory, "CompositeCreditModelEmpty");
    const multiple = await new CollateralMultipleCreditModel__factory(deployer).deploy(20_000);
    const composite = await factory.deploy([await multiple.getAddress()]);
    // No component takes attestations: the composite names none, and refuses one sent to it.
    expect(await composite.attestationSink()).to.equal(ZeroAddress);
    const a = {
      issuer: deployer.address,
      borrower: deployer.address,
      poolId: 1n,
      limit: 1n,
      ratePremiumBps: 0,
      score: 0,
      expiry: 0n,
      nonce: 1n,
    };
    await expect(composite.acceptAttestation(1n, deployer.address, a, "0x"))
      .to.be.revertedWithCustomError(composite, "CompositeCreditModelNotSink")
      .withArgs(deployer.address);
  });

  it("a pool whose composite model takes no attestations refuses borrowWithAttestation", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const multiple = await new CollateralMultipleCreditModel__factory(f.owner).deploy(20_000);
    const composite = await new CompositeCreditModel__factory(f.owner).deploy([await multiple.getAddress()]);
    const compositeAddress = await composite.getAddress();
    await runTimelocked(f.diamond.connect(f.upgrader), [lendingCalls.setCreditModel(f.poolId, compositeAddress)]);
    const a = {
      issuer: f.admin.address,
      borrower: f.borrower.address,
      poolId: f.poolId,
      limit: 1n,
      ratePremiumBps: 0,
      score: 0,
      expiry: 0n,
      nonce: 1n,
    };
    await expect(f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, 1n, f.borrower.address, a, "0x"))
      .to.be.revertedWithCustomError(f.suite, "LendingAttestationsUnsupported")
      .withArgs(f.poolId, compositeAddress);
  });

  it("CreditLineModel refuses bad parameters, a zero issuer, a zero limit, and lines it does not know", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const factory = new CreditLineModel__factory(f.owner);
    await expect(factory.deploy(f.diamondAddress, usd(1), 90 * DAY + 1, 0)).to.be.revertedWithCustomError(
      factory,
      "CreditLineParamsInvalid",
    );
    const model = await factory.deploy(f.diamondAddress, usd(1_000_000), DAY, 1_000);
    await expect(model.connect(f.admin).setParams(usd(1), DAY, 5_001)).to.be.revertedWithCustomError(
      model,
      "CreditLineParamsInvalid",
    );
    await expect(model.connect(f.admin).setIssuer(ZeroAddress, true))
      .to.be.revertedWithCustomError(model, "CreditLineIssuerUnknown")
      .withArgs(ZeroAddress);
    for (const call of [
      () => model.connect(f.admin).revoke(f.poolId, f.borrower.address),
      () => model.release(f.poolId, f.borrower.address),
    ]) {
      await expect(call())
        .to.be.revertedWithCustomError(model, "CreditLineUnknown")
        .withArgs(f.poolId, f.borrower.address);
    }

    const [issuer] = (await ethers.getSigners()).slice(10);
    const modelAddress = await model.getAddress();
    await (await model.connect(f.admin).setIssuer(issuer.address, true)).wait();
    await runTimelocked(f.diamond.connect(f.upgrader), [lendingCalls.setCreditModel(f.poolId, modelAddress)]);
    const { chainId } = await ethers.provider.getNetwork();
    const a: CreditAttestation = {
      issuer: issuer.address,
      borrower: f.borrower.address,
      poolId: f.poolId,
      limit: 0n,
      ratePremiumBps: 0,
      score: 700,
      expiry: BigInt(await networkHelpers.time.latest()) + BigInt(DAY),
      nonce: 1n,
    };
    const sig = await signCreditAttestation(issuer, modelAddress, chainId, a);
    await expect(
      f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, 1n, f.borrower.address, a, sig),
    ).to.be.revertedWithCustomError(model, "CreditLineLimitZero");
  });

  it("LendingInit refuses a vault implementation without code (LendingVaultImplementationInvalid)", async function () {
    const [deployer] = await ethers.getSigners();
    const init = await new LendingInit__factory(deployer).deploy();
    await expect(init.initLending(deployer.address))
      .to.be.revertedWithCustomError(init, "LendingVaultImplementationInvalid")
      .withArgs(deployer.address);
  });
});
