// Writing off unsecured debt (a credit line past its expiry and grace) and the price-age
// bounds of feeds.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress } from "ethers";

import {
  LENDING_ADMIN_ROLE,
  lendingCalls,
  signCreditAttestation,
  type CreditAttestation,
} from "../../scripts/lib/lending.js";
import { runTimelocked } from "../../scripts/lib/core.js";
import { CreditLineModel__factory } from "../../typechain-types/index.js";
import { expectSolvent } from "../support/lending.js";
import { DAY, lendingFixture, price8, usd, wad } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const GRACE = 3 * DAY;

async function unsecuredFixture() {
  const f = await lendingFixture(ethers);
  const issuer = (await ethers.getSigners())[10];
  const model = await new CreditLineModel__factory(f.owner).deploy(f.diamondAddress, usd(1_000_000), GRACE, 0);
  const modelAddress = await model.getAddress();
  await (await model.connect(f.admin).setIssuer(issuer.address, true)).wait();
  await runTimelocked(f.diamond.connect(f.upgrader), [lendingCalls.setCreditModel(f.poolId, modelAddress)]);
  await (await f.suite.connect(f.supplier).supply(f.poolId, usd(100_000), f.supplier.address)).wait();
  const { chainId } = await ethers.provider.getNetwork();
  const a: CreditAttestation = {
    issuer: issuer.address,
    borrower: f.borrower.address,
    poolId: f.poolId,
    limit: usd(10_000),
    ratePremiumBps: 0,
    score: 700,
    expiry: BigInt(await networkHelpers.time.latest()) + 30n * BigInt(DAY),
    nonce: 1n,
  };
  const sig = await signCreditAttestation(issuer, modelAddress, chainId, a);
  await (
    await f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(8_000), f.borrower.address, a, sig)
  ).wait();
  return { ...f, model, issuer, expiry: a.expiry };
}

describe("lending: writing off unsecured debt", function () {
  it("refuses while the line or its grace protects the position, then writes it off: reserves first, suppliers the rest", async function () {
    const f = await networkHelpers.loadFixture(unsecuredFixture);
    const writeOff = () => f.suite.connect(f.admin).writeOffLendingDebt(f.poolId, f.borrower.address);
    await expect(f.suite.connect(f.carol).writeOffLendingDebt(f.poolId, f.borrower.address))
      .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
      .withArgs(f.carol.address, LENDING_ADMIN_ROLE);
    await expect(writeOff()).to.be.revertedWithCustomError(f.suite, "LendingWriteOffRefused");
    await networkHelpers.time.increaseTo(f.expiry + BigInt(GRACE) - 10n);
    await expect(writeOff()).to.be.revertedWithCustomError(f.suite, "LendingWriteOffRefused");

    await networkHelpers.time.increaseTo(f.expiry + BigInt(GRACE) + 1n);
    const before = await f.suite.lendingPool(f.poolId);
    await networkHelpers.time.setNextBlockTimestamp(f.expiry + BigInt(GRACE) + 100n);
    // The pool and the debt as the write-off's block will see them.
    const at = await f.suite.lendingPool(f.poolId, { blockTag: "pending" });
    const debt = await f.suite.lendingDebtOf(f.poolId, f.borrower.address, { blockTag: "pending" });
    const receipt = await (await writeOff()).wait();
    const event = receipt!.logs
      .map((l) => f.suite.interface.parseLog(l))
      .find((e) => e?.name === "LendingBadDebtRealized")!;
    const { amount, fromReserves, fromSuppliers } = event.args;
    const after = await f.suite.lendingPool(f.poolId);
    expect(amount).to.equal(debt);
    expect(amount).to.be.greaterThan(usd(8_000));
    expect(fromReserves).to.equal(at.reserves);
    expect(fromSuppliers).to.equal(amount - at.reserves);
    expect(after.reserves).to.equal(0n);
    expect(after.borrows).to.equal(0n);
    expect(after.badDebt).to.equal(amount);
    expect(await f.suite.lendingDebtOf(f.poolId, f.borrower.address)).to.equal(0n);
    // Suppliers bear what reserves could not: the share price fell.
    expect(after.sharePrice).to.be.lessThan(before.sharePrice);
    expect(after.totalAssets).to.equal(after.cash);
    await expect(writeOff())
      .to.be.revertedWithCustomError(f.suite, "LendingNoDebt")
      .withArgs(f.poolId, f.borrower.address);
    await expectSolvent(f);
  });

  it("refuses a borrower that still has collateral: liquidation is the way", async function () {
    const f = await networkHelpers.loadFixture(unsecuredFixture);
    const weth = await f.weth.getAddress();
    await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad("0.001"), f.borrower.address)).wait();
    await networkHelpers.time.increaseTo(f.expiry + BigInt(GRACE) + 1n);
    await (await f.wethFeed.set(price8(2_000), await networkHelpers.time.latest())).wait();
    const debt = await f.suite.lendingDebtOf(f.poolId, f.borrower.address);
    await expect(f.suite.connect(f.admin).writeOffLendingDebt(f.poolId, f.borrower.address))
      .to.be.revertedWithCustomError(f.suite, "LendingWriteOffRefused")
      .withArgs(f.poolId, f.borrower.address, (d: bigint) => d >= debt, 2n ** 256n - 1n);
  });
});

describe("lending: price age limits", function () {
  it("refuses a collateral or a loan-asset feed whose age limit is zero", async function () {
    const f = await networkHelpers.loadFixture(unsecuredFixture);
    const token = await ethers.deployContract("MockToken", ["Zero", "ZRO", 18]);
    const feed = await f.wethFeed.getAddress();
    const call = lendingCalls.setCollateral(f.poolId, await token.getAddress(), {
      feed,
      maxPriceAge: 0,
      ltvBps: 5_000,
      liquidationThresholdBps: 6_000,
      liquidationBonusBps: 500,
      supplyCap: wad(1),
    });
    await expect(runTimelocked(f.diamond.connect(f.upgrader), [call]))
      .to.be.revertedWithCustomError(f.suite, "LendingPriceMaxAgeInvalid")
      .withArgs(feed);
    await expect(f.suite.connect(f.admin).createLendingPool({ ...f.params, priceFeed: feed, priceMaxAge: 0 }))
      .to.be.revertedWithCustomError(f.suite, "LendingPriceMaxAgeInvalid")
      .withArgs(feed);
    // Without a loan-asset feed the age limit is unused.
    await (
      await f.suite.connect(f.admin).createLendingPool({ ...f.params, priceFeed: ZeroAddress, priceMaxAge: 0 })
    ).wait();
  });
});
