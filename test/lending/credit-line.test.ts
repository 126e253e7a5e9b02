// The credit-line model: signed attestations checked on every borrow, expiry with a grace
// period, revocation, the debt ceiling, replay protection, composite models and swaps.
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, Wallet, ZeroAddress, concat, toBeHex } from "ethers";

import { runTimelocked } from "../../scripts/lib/core.js";
import { lendingCalls, signCreditAttestation, type CreditAttestation } from "../../scripts/lib/lending.js";
import { CreditLineModel__factory } from "../../typechain-types/index.js";
import { expectSolvent } from "../support/lending.js";
import { DAY, lendingFixture, price8, usd, wad } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();

const GRACE = 3 * DAY;
const BUFFER_BPS = 1_000;

async function creditLineFixture() {
  const f = await lendingFixture(ethers);
  const [issuer, otherIssuer] = (await ethers.getSigners()).slice(10);
  const model = await new CreditLineModel__factory(f.owner).deploy(f.diamondAddress, usd(1_000_000), GRACE, BUFFER_BPS);
  const modelAddress = await model.getAddress();
  await (await model.connect(f.admin).setIssuer(issuer.address, true)).wait();
  await runTimelocked(f.diamond.connect(f.upgrader), [lendingCalls.setCreditModel(f.poolId, modelAddress)]);
  await (await f.suite.connect(f.supplier).supply(f.poolId, usd(500_000), f.supplier.address)).wait();
  const { chainId } = await ethers.provider.getNetwork();
  let nonce = 0n;
  const attest = async (overrides: Partial<CreditAttestation> = {}, signer = issuer) => {
    const a: CreditAttestation = {
      issuer: signer.address,
      borrower: f.borrower.address,
      poolId: f.poolId,
      limit: usd(50_000),
      ratePremiumBps: 200,
      score: 712,
      expiry: BigInt(await networkHelpers.time.latest()) + 30n * BigInt(DAY),
      nonce: ++nonce,
      ...overrides,
    };
    return { a, sig: await signCreditAttestation(signer, modelAddress, chainId, a) };
  };
  return { ...f, model, modelAddress, issuer, otherIssuer, attest, chainId };
}

describe("lending: credit lines from signed attestations", function () {
  it("lends beyond the collateral with a fresh attestation, and only with one", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const { a, sig } = await f.attest();
    await expect(f.suite.connect(f.borrower).borrow(f.poolId, usd(1_000), f.borrower.address))
      .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
      .withArgs(f.poolId, f.borrower.address, usd(1_000), 0n);
    await expect(f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(40_000), f.borrower.address, a, sig))
      .to.emit(f.model, "CreditLineGranted")
      .withArgs(f.poolId, f.borrower.address, f.issuer.address, a.limit, a.ratePremiumBps, a.score, a.expiry, a.nonce)
      .and.to.emit(f.suite, "LendingBorrowed");
    expect(await f.model.totalLimits()).to.equal(a.limit);
    // The line is recorded, but a later plain borrow sees only the collateral limit.
    await expect(
      f.suite.connect(f.borrower).borrow(f.poolId, usd(1), f.borrower.address),
    ).to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded");
    const position = await f.suite.lendingPosition(f.poolId, f.borrower.address);
    expect(position.liquidationLimit).to.equal((a.limit * 11_000n) / 10_000n);
    await expectSolvent(f);
  });

  it("refuses replays, other pools, other borrowers, expired, unknown-issuer and forged attestations", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const borrow = (a: CreditAttestation, sig: string, who = f.borrower) =>
      f.suite.connect(who).borrowWithAttestation(f.poolId, usd(100), who.address, a, sig);
    const { a, sig } = await f.attest();
    await (await borrow(a, sig)).wait();
    await expect(borrow(a, sig))
      .to.be.revertedWithCustomError(f.model, "CreditLineNonceUsed")
      .withArgs(a.nonce, a.nonce);
    const other = await f.attest();
    await expect(borrow(other.a, other.sig, f.carol))
      .to.be.revertedWithCustomError(f.model, "CreditLineWrongBorrower")
      .withArgs(f.borrower.address, f.carol.address);
    const wrongPool = await f.attest({ poolId: 2n });
    await expect(borrow(wrongPool.a, wrongPool.sig))
      .to.be.revertedWithCustomError(f.model, "CreditLineWrongPool")
      .withArgs(2n, f.poolId);
    const now = BigInt(await networkHelpers.time.latest());
    const expired = await f.attest({ expiry: now });
    await expect(borrow(expired.a, expired.sig)).to.be.revertedWithCustomError(f.model, "CreditLineAttestationExpired");
    const stranger = await f.attest({}, f.otherIssuer);
    await expect(borrow(stranger.a, stranger.sig))
      .to.be.revertedWithCustomError(f.model, "CreditLineIssuerUnknown")
      .withArgs(f.otherIssuer.address);
    // Signed by someone else in the issuer's name, or altered after signing.
    const forged = await f.attest();
    const bySomeoneElse = await signCreditAttestation(Wallet.createRandom(), f.modelAddress, f.chainId, forged.a);
    await expect(borrow(forged.a, bySomeoneElse))
      .to.be.revertedWithCustomError(f.model, "CreditLineSignatureInvalid")
      .withArgs(f.issuer.address);
    await expect(borrow({ ...forged.a, limit: usd(900_000) }, forged.sig)).to.be.revertedWithCustomError(
      f.model,
      "CreditLineSignatureInvalid",
    );
    // Signed for another model (another diamond or chain): the domain differs.
    const elsewhere = await signCreditAttestation(f.issuer, Wallet.createRandom().address, f.chainId, forged.a);
    await expect(borrow(forged.a, elsewhere)).to.be.revertedWithCustomError(f.model, "CreditLineSignatureInvalid");
    const otherChain = await signCreditAttestation(f.issuer, f.modelAddress, f.chainId + 1n, forged.a);
    await expect(borrow(forged.a, otherChain)).to.be.revertedWithCustomError(f.model, "CreditLineSignatureInvalid");
  });

  it("refuses a malleable (high-s) copy of a valid signature", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const { a, sig } = await f.attest();
    const parsed = Signature.from(sig);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = toBeHex(n - BigInt(parsed.s), 32);
    const malleable = concat([parsed.r, highS, toBeHex(parsed.v === 27 ? 28 : 27, 1)]);
    await expect(
      f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(100), f.borrower.address, a, malleable),
    )
      .to.be.revertedWithCustomError(f.model, "CreditLineSignatureInvalid")
      .withArgs(f.issuer.address);
    await expect(
      f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(100), f.borrower.address, a, sig),
    ).to.emit(f.model, "CreditLineGranted");
  });

  it("takes attestations from a contract issuer (ERC-1271), as signed by its owner", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const wallet = await ethers.deployContract("MockERC1271Wallet", [f.otherIssuer.address]);
    const walletAddress = await wallet.getAddress();
    await (await f.model.connect(f.admin).setIssuer(walletAddress, true)).wait();
    const a: CreditAttestation = {
      issuer: walletAddress,
      borrower: f.borrower.address,
      poolId: f.poolId,
      limit: usd(10_000),
      ratePremiumBps: 0,
      score: 700,
      expiry: BigInt(await networkHelpers.time.latest()) + 86_400n,
      nonce: 1n,
    };
    // The wallet's owner signs the attestation's EIP-712 digest; the wallet vouches for it.
    const signature = await signCreditAttestation(f.otherIssuer, f.modelAddress, f.chainId, a);
    await expect(
      f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(5_000), f.borrower.address, a, signature),
    )
      .to.emit(f.model, "CreditLineGranted")
      .withArgs(f.poolId, f.borrower.address, walletAddress, a.limit, 0, 700, a.expiry, 1n);
    // A signature by anyone else is refused by the wallet.
    const stranger = await signCreditAttestation(f.issuer, f.modelAddress, f.chainId, { ...a, nonce: 2n });
    await expect(
      f.suite
        .connect(f.borrower)
        .borrowWithAttestation(f.poolId, usd(1), f.borrower.address, { ...a, nonce: 2n }, stranger),
    )
      .to.be.revertedWithCustomError(f.model, "CreditLineSignatureInvalid")
      .withArgs(walletAddress);
  });

  it("keeps Σ limits within the debt ceiling and frees it on release after the grace period", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    await (await f.model.connect(f.admin).setParams(usd(60_000), GRACE, BUFFER_BPS)).wait();
    const first = await f.attest({ limit: usd(50_000) });
    await (
      await f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(10), f.borrower.address, first.a, first.sig)
    ).wait();
    const second = await f.attest({ borrower: f.carol.address, limit: usd(20_000) });
    await expect(
      f.suite.connect(f.carol).borrowWithAttestation(f.poolId, usd(10), f.carol.address, second.a, second.sig),
    )
      .to.be.revertedWithCustomError(f.model, "CreditLineCeilingExceeded")
      .withArgs(usd(70_000), usd(60_000));
    // A renewal replaces the borrower's own line: only the difference counts.
    const renewal = await f.attest({ limit: usd(55_000) });
    await (
      await f.suite
        .connect(f.borrower)
        .borrowWithAttestation(f.poolId, usd(10), f.borrower.address, renewal.a, renewal.sig)
    ).wait();
    expect(await f.model.totalLimits()).to.equal(usd(55_000));
    const releasableAt = renewal.a.expiry + BigInt(GRACE);
    await expect(f.model.release(f.poolId, f.borrower.address))
      .to.be.revertedWithCustomError(f.model, "CreditLineNotReleasable")
      .withArgs(f.poolId, f.borrower.address, releasableAt + 1n);
    await networkHelpers.time.increaseTo(releasableAt + 1n);
    await expect(f.model.release(f.poolId, f.borrower.address))
      .to.emit(f.model, "CreditLineReleased")
      .withArgs(f.poolId, f.borrower.address, usd(55_000));
    expect(await f.model.totalLimits()).to.equal(0n);
  });

  it("an expired or revoked line protects the position for the grace period, then the collateral decides", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const weth = await f.weth.getAddress();
    // 5 WETH at 2,000: collateral limits 7,500 (LTV) and 8,000 (threshold).
    await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(5), f.borrower.address)).wait();
    const { a, sig } = await f.attest({ limit: usd(20_000) });
    await (
      await f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(15_000), f.borrower.address, a, sig)
    ).wait();
    await expect(f.model.connect(f.carol).revoke(f.poolId, f.borrower.address))
      .to.be.revertedWithCustomError(f.model, "CreditLineUnauthorized")
      .withArgs(f.carol.address);
    const revoked = await (await f.model.connect(f.issuer).revoke(f.poolId, f.borrower.address)).wait();
    const revokedAt = BigInt((await ethers.provider.getBlock(revoked!.blockNumber))!.timestamp);
    const liquidate = () => f.suite.connect(f.liquidator).liquidate(f.poolId, f.borrower.address, weth, usd(1_000));
    await networkHelpers.time.increaseTo(revokedAt + BigInt(GRACE) - 2n);
    await (await f.wethFeed.set(price8(2_000), await networkHelpers.time.latest())).wait();
    await expect(liquidate()).to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy");
    await networkHelpers.time.increaseTo(revokedAt + BigInt(GRACE) + 1n);
    await (await f.wethFeed.set(price8(2_000), await networkHelpers.time.latest())).wait();
    await expect(liquidate()).to.emit(f.suite, "LendingLiquidated");
  });

  it("a credit-model swap never makes a healthy position liquidatable at once", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const weth = await f.weth.getAddress();
    await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(5), f.borrower.address)).wait();
    const { a, sig } = await f.attest({ limit: usd(20_000) });
    await (
      await f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(15_000), f.borrower.address, a, sig)
    ).wait();
    // Back to the collateral model: 15,000 owed against an 8,000 liquidation limit.
    const swap = await runTimelocked(f.diamond.connect(f.upgrader), [
      lendingCalls.setCreditModel(f.poolId, ZeroAddress),
    ]);
    const swappedAt = BigInt((await ethers.provider.getBlock(swap.execute.blockNumber))!.timestamp);
    const liquidate = () => f.suite.connect(f.liquidator).liquidate(f.poolId, f.borrower.address, weth, usd(1_000));
    await expect(liquidate()).to.be.revertedWithCustomError(f.suite, "LendingPositionHealthy");
    await networkHelpers.time.increaseTo(swappedAt + 7n * BigInt(DAY));
    await (await f.wethFeed.set(price8(2_000), await networkHelpers.time.latest())).wait();
    await expect(liquidate()).to.emit(f.suite, "LendingLiquidated");
  });

  it("stacks models: a credit line capped at twice the collateral's limit", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const multiple = await ethers.deployContract("CollateralMultipleCreditModel", [20_000]);
    const composite = await ethers.deployContract("CompositeCreditModel", [
      [f.modelAddress, await multiple.getAddress()],
    ]);
    await runTimelocked(f.diamond.connect(f.upgrader), [
      lendingCalls.setCreditModel(f.poolId, await composite.getAddress()),
    ]);
    expect(await composite.attestationSink()).to.equal(f.modelAddress);
    const weth = await f.weth.getAddress();
    await (await f.suite.connect(f.borrower).supplyCollateral(f.poolId, weth, wad(5), f.borrower.address)).wait();
    const { a, sig } = await f.attest({ limit: usd(50_000) });
    // Line 50,000, but twice the collateral's 7,500 is 15,000.
    await expect(f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(15_001), f.borrower.address, a, sig))
      .to.be.revertedWithCustomError(f.suite, "LendingBorrowLimitExceeded")
      .withArgs(f.poolId, f.borrower.address, usd(15_001), usd(15_000));
    await (
      await f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(15_000), f.borrower.address, a, sig)
    ).wait();
  });

  it("refuses attestations on a pool whose model takes none", async function () {
    const f = await networkHelpers.loadFixture(creditLineFixture);
    const { a, sig } = await f.attest();
    await runTimelocked(f.diamond.connect(f.upgrader), [lendingCalls.setCreditModel(f.poolId, ZeroAddress)]);
    await expect(f.suite.connect(f.borrower).borrowWithAttestation(f.poolId, usd(1), f.borrower.address, a, sig))
      .to.be.revertedWithCustomError(f.suite, "LendingAttestationsUnsupported")
      .withArgs(f.poolId, ZeroAddress);
    await expect(f.model.acceptAttestation(f.poolId, f.borrower.address, a, sig))
      .to.be.revertedWithCustomError(f.model, "CreditLineOnlyDiamond")
      .withArgs(f.owner.address);
  });
});
