// Distributions: a deposit for the asset's holders at its record time (a snapshot whose
// cost does not grow with the number of holders) under an id that says what it is (payment
// token, asset, snapshot), pro-rata claims per wallet, the custodian's balance left out, a
// lost wallet paid at its replacement, and the issuer's reclaim of what is unclaimed after
// the expiry.
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroAddress, getBytes, type ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { ASSET_ISSUER_ROLE, Restriction } from "../../scripts/lib/asset.js";
import { assetFixture, units, usd, DAY, type AssetFixture } from "./fixture.js";
import {
  CLAIM_PERIOD,
  MAX_DISTRIBUTION_AMOUNT,
  blocklistToken,
  decodeDistributionId,
  distribute,
  distributionIdOf,
  expectSolvent,
  feeOnTransferToken,
  installLockModule,
  mintAll,
  mintToRandomHolders,
  refusal,
  shareOf,
  type StateScope,
} from "./distribution-support.js";
import { GAS, itUnlessCoverage } from "../support/coverage.js";

const { ethers, networkHelpers } = await network.create();

const HOLDING_A = units(100);
const HOLDING_B = units(200);
const HOLDING_C = units(300);
const SUPPLY = units(600);
/** 1,000 USD over 600 tokens: A 166.666666, B 333.333333, C 500 — one unit of dust. */
const AMOUNT = usd(1_000);

async function holdersFixture() {
  const f = await assetFixture(ethers);
  await mintAll(f, [
    [f.investorA, HOLDING_A],
    [f.investorB, HOLDING_B],
    [f.investorC, HOLDING_C],
  ]);
  return f;
}

const emptyFixture = () => assetFixture(ethers);

async function timeOf(receipt: ContractTransactionReceipt): Promise<number> {
  return (await ethers.provider.getBlock(receipt.blockNumber))!.timestamp;
}

/** A transaction's gas less its calldata's (a zero byte costs 4, another 16). */
async function beyondCalldata(receipt: ContractTransactionReceipt): Promise<bigint> {
  const { data } = (await ethers.provider.getTransaction(receipt.hash))!;
  return getBytes(data).reduce((gas, byte) => gas - (byte === 0 ? 4n : 16n), receipt.gasUsed);
}

describe("asset: distributions", function () {
  let f: AssetFixture;
  let usdc: string;
  /** Signers no fixture uses: new wallets, replacements. */
  let spare: HardhatEthersSigner[];

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(holdersFixture);
    usdc = await f.usdc.getAddress();
    spare = (await ethers.getSigners()).slice(13);
  });

  // The module's books of the payment token equal what the diamond holds, after every scenario.
  afterEach(async function () {
    await expectSolvent(f);
  });

  const scope = (distributions: bigint[] = [], extra: (HardhatEthersSigner | string)[] = []): StateScope => ({
    wallets: [f.investorA, f.investorB, f.investorC, f.investorD, f.outsider, ...extra],
    distributions,
  });

  const claim = (distributionId: bigint, wallet: HardhatEthersSigner | string, caller = f.outsider) =>
    f.suite.connect(caller).claimDistribution(distributionId, typeof wallet === "string" ? wallet : wallet.address);

  /** Claims and returns what the payee received of `usdc`. */
  async function claimed(distributionId: bigint, wallet: HardhatEthersSigner, payee = wallet): Promise<bigint> {
    const before = await f.usdc.balanceOf(payee.address);
    await (await claim(distributionId, wallet)).wait();
    return (await f.usdc.balanceOf(payee.address)) - before;
  }

  describe("createDistribution", function () {
    it("takes the record-time snapshot, pulls the amount and records the distribution", async function () {
      const issuerBefore = await f.usdc.balanceOf(f.issuer.address);
      const args = [f.assetId, usdc, AMOUNT, CLAIM_PERIOD] as const;
      // The id: the payment token, the asset and the snapshot the deposit takes.
      const id = distributionIdOf(usdc, f.assetId, 1n);
      expect(await f.suite.connect(f.issuer).createDistribution.staticCall(...args)).to.equal(id);
      const tx = await f.suite.connect(f.issuer).createDistribution(...args);
      // The record time is the block of DistributionCreated.
      const now = await timeOf((await tx.wait())!);
      const expiresAt = now + CLAIM_PERIOD;
      await expect(tx).to.emit(f.suite, "AssetSnapshot").withArgs(f.assetId, 1n);
      await expect(tx)
        .to.emit(f.suite, "DistributionCreated")
        .withArgs(id, f.assetId, usdc, AMOUNT, 1n, SUPPLY, expiresAt);
      await expect(tx).to.emit(f.usdc, "Transfer").withArgs(f.issuer.address, f.diamondAddress, AMOUNT);
      expect([...(await f.suite.getDistribution(id))]).to.deep.equal([
        f.assetId,
        usdc,
        1n,
        BigInt(expiresAt),
        false,
        AMOUNT,
        0n,
        SUPPLY,
      ]);
      expect((await f.suite.getAsset(f.assetId)).snapshotId).to.equal(1n);
      expect(await f.usdc.balanceOf(f.issuer.address)).to.equal(issuerBefore - AMOUNT);
      expect(await f.suite.assetBooks(usdc)).to.equal(AMOUNT);
    });

    it("names each distribution by its payment token, asset and snapshot: the id decodes to them", async function () {
      const other = await blocklistToken(f);
      // A second asset of the same issuer, held by A: its first snapshot is also number 1.
      const params = { ...f.params, name: "Quai Voltaire 3 fractions", symbol: "QV3" };
      const [secondAsset] = await f.suite.connect(f.issuer).createAsset.staticCall(params);
      await (await f.suite.connect(f.issuer).createAsset(params)).wait();
      await (await f.suite.connect(f.agent).mintAsset(secondAsset, f.investorA.address, HOLDING_A)).wait();

      const deposits: [bigint, string, bigint][] = [];
      for (const [token, assetId, snapshotId] of [
        [f.usdc, f.assetId, 1n],
        [other, f.assetId, 2n],
        [f.usdc, f.assetId, 3n],
        [f.usdc, secondAsset, 1n],
      ] as const) {
        const paymentToken = await token.getAddress();
        const suite = f.suite.connect(f.issuer);
        const args = [assetId, paymentToken, AMOUNT, CLAIM_PERIOD] as const;
        const id = await suite.createDistribution.staticCall(...args);
        const tx = await suite.createDistribution(...args);
        const expiresAt = (await timeOf((await tx.wait())!)) + CLAIM_PERIOD;
        const eligible = assetId === f.assetId ? SUPPLY : HOLDING_A;
        await expect(tx)
          .to.emit(f.suite, "DistributionCreated")
          .withArgs(id, assetId, paymentToken, AMOUNT, snapshotId, eligible, expiresAt);
        expect(id).to.equal(distributionIdOf(paymentToken, assetId, snapshotId));
        expect(id).to.equal((BigInt(paymentToken) << 96n) | (assetId << 32n) | snapshotId);
        expect(decodeDistributionId(id)).to.deep.equal({ paymentToken, assetId, snapshotId });
        const view = await f.suite.getDistribution(id);
        expect([view.paymentToken, view.assetId, view.snapshotId, view.amount]).to.deep.equal([
          paymentToken,
          assetId,
          snapshotId,
          AMOUNT,
        ]);
        deposits.push([id, paymentToken, assetId]);
      }
      expect(new Set(deposits.map(([id]) => id)).size).to.equal(deposits.length);
      // Each pays its own: A's share of the second asset's deposit is all of it.
      const [, , , [secondId]] = deposits;
      expect(await f.suite.distributionClaimable(secondId, f.investorA.address)).to.equal(AMOUNT);
      await (await f.suite.connect(f.outsider).claimDistribution(secondId, f.investorA.address)).wait();
      expect(await f.suite.isDistributionClaimed(secondId, f.investorA.address)).to.equal(true);
      const [[firstId], [otherId], [thirdId]] = deposits;
      for (const id of [firstId, otherId, thirdId]) {
        expect(await f.suite.isDistributionClaimed(id, f.investorA.address)).to.equal(false);
        expect(await f.suite.distributionClaimable(id, f.investorA.address)).to.equal(
          shareOf(AMOUNT, HOLDING_A, SUPPLY),
        );
      }
      await expectSolvent(f, [f.usdc, other]);
    });

    it("accepts an amount of 2^96 - 1, the largest, and pays its shares", async function () {
      await (await f.usdc.mint(f.issuer.address, MAX_DISTRIBUTION_AMOUNT)).wait();
      const { distributionId: id } = await distribute(f, MAX_DISTRIBUTION_AMOUNT);
      expect((await f.suite.getDistribution(id)).amount).to.equal(MAX_DISTRIBUTION_AMOUNT);
      expect(await f.suite.assetBooks(usdc)).to.equal(MAX_DISTRIBUTION_AMOUNT);
      let total = 0n;
      for (const [wallet, holding] of [
        [f.investorA, HOLDING_A],
        [f.investorB, HOLDING_B],
        [f.investorC, HOLDING_C],
      ] as const) {
        const share = shareOf(MAX_DISTRIBUTION_AMOUNT, holding, SUPPLY);
        expect(await claimed(id, wallet)).to.equal(share);
        total += share;
      }
      expect((await f.suite.getDistribution(id)).claimed).to.equal(total);
      expect(MAX_DISTRIBUTION_AMOUNT - total).to.be.lessThan(3n);
    });

    it("accepts a claim period of exactly a day, the minimum", async function () {
      const { distributionId, receipt } = await distribute(f, AMOUNT, f.usdc, DAY);
      expect((await f.suite.getDistribution(distributionId)).expiresAt).to.equal(BigInt((await timeOf(receipt)) + DAY));
    });

    it("reverts with AssetUnknown for an unknown asset", async function () {
      await refusal(f, scope())(
        () => f.suite.connect(f.issuer).createDistribution(99n, usdc, AMOUNT, CLAIM_PERIOD),
        "AssetUnknown",
        [99n],
      );
    });

    it("reverts with AssetNotIssuer for another issuer, an outsider, and the issuer once its role is revoked", async function () {
      const refuse = refusal(f, scope());
      const create = (who: HardhatEthersSigner) =>
        f.suite.connect(who).createDistribution(f.assetId, usdc, AMOUNT, CLAIM_PERIOD);
      await (await f.usdc.mint(f.outsider.address, AMOUNT)).wait();
      await (await f.usdc.connect(f.outsider).approve(f.diamondAddress, AMOUNT)).wait();
      await refuse(() => create(f.outsider), "AssetNotIssuer", [f.assetId, f.outsider.address]);
      await (await f.suite.connect(f.owner).grantRole(ASSET_ISSUER_ROLE, f.outsider.address)).wait();
      await refuse(() => create(f.outsider), "AssetNotIssuer", [f.assetId, f.outsider.address]);
      await (await f.suite.connect(f.owner).revokeRole(ASSET_ISSUER_ROLE, f.issuer.address)).wait();
      await refuse(() => create(f.issuer), "AssetNotIssuer", [f.assetId, f.issuer.address]);
    });

    it("reverts with DistributionParamsInvalid for a zero token, a zero or too large amount (2^96 and more), a short or too long period", async function () {
      const refuse = refusal(f, scope());
      const create = (token: string, amount: bigint, period: bigint | number) => () =>
        f.suite.connect(f.issuer).createDistribution(f.assetId, token, amount, period);
      await refuse(create(ZeroAddress, AMOUNT, CLAIM_PERIOD), "DistributionParamsInvalid", ["paymentToken"]);
      await refuse(create(usdc, 0n, CLAIM_PERIOD), "DistributionParamsInvalid", ["amount"]);
      // Amounts are kept in 96 bits: 2^96 is one too many (the issuer holds and approved it).
      await (await f.usdc.mint(f.issuer.address, 2n ** 96n)).wait();
      await refuse(create(usdc, 2n ** 96n, CLAIM_PERIOD), "DistributionParamsInvalid", ["amount"]);
      await refuse(create(usdc, 2n ** 128n, CLAIM_PERIOD), "DistributionParamsInvalid", ["amount"]);
      await refuse(create(usdc, AMOUNT, DAY - 1), "DistributionParamsInvalid", ["claimPeriod"]);
      // now + period would not fit the 40-bit expiry.
      await refuse(create(usdc, AMOUNT, 2n ** 40n - 1n), "DistributionParamsInvalid", ["claimPeriod"]);
    });

    it("reverts with DistributionNoEligibleSupply when nothing is minted, or only the custodian holds the asset", async function () {
      f = await networkHelpers.loadFixture(emptyFixture);
      const custody = await installLockModule(ethers, f);
      const create = () => f.suite.connect(f.issuer).createDistribution(f.assetId, usdc, AMOUNT, CLAIM_PERIOD);
      const refuse = refusal(f, scope());
      await refuse(create, "DistributionNoEligibleSupply", [f.assetId]);
      // Nothing but a module's pull puts tokens in the diamond's custody: a mint is refused.
      await refuse(
        () => f.suite.connect(f.agent).mintAsset(f.assetId, f.diamondAddress, units(50)),
        "AssetTransferRestricted",
        [f.assetId, Restriction.ReceiverNotVerified, f.diamondAddress],
      );
      await mintAll(f, [[f.investorA, units(50)]]);
      await custody.pull(f.investorA, units(50));
      expect(await f.token.balanceOf(f.diamondAddress)).to.equal(units(50));
      expect(await f.token.totalSupply()).to.equal(units(50));
      await refuse(create, "DistributionNoEligibleSupply", [f.assetId]);
    });

    it("reverts with AssetPaymentShortfall for a fee-on-transfer token", async function () {
      const fot = await feeOnTransferToken(f);
      const token = await fot.getAddress();
      await refusal(f, { ...scope(), tokens: [f.usdc, fot] })(
        () => f.suite.connect(f.issuer).createDistribution(f.assetId, token, AMOUNT, CLAIM_PERIOD),
        "AssetPaymentShortfall",
        [token, AMOUNT, AMOUNT - AMOUNT / 100n],
      );
      await expectSolvent(f, [fot]);
    });

    itUnlessCoverage(
      GAS,
      "costs the same gas with 1,000 holders as with 10: the snapshot visits no holder; steady state within budget",
      async function () {
        this.timeout(600_000);
        const figures = async (holders: number) => {
          f = await networkHelpers.loadFixture(emptyFixture);
          const wallets = await mintToRandomHolders(f, holders, units(1));
          expect((await f.suite.getAsset(f.assetId)).holderCount).to.equal(BigInt(holders));
          const [x, y, z] = wallets;
          const last = wallets[wallets.length - 1];
          const share = AMOUNT / BigInt(holders);
          // The issuer's first deposit of the payment token: its books start.
          const { distributionId: first, receipt: firstDeposit } = await distribute(f, AMOUNT);
          expect((await f.suite.getDistribution(first)).eligibleSupply).to.equal(units(holders));
          // Every holder can claim its share. A first claim: the wallet's first, the
          // distribution's first, paid to a wallet without the payment token.
          const firstClaim = (await (await claim(first, last)).wait())!;
          expect(await f.usdc.balanceOf(last)).to.equal(share);
          await (await claim(first, x)).wait();
          // The steady state: the issuer's next deposit of the token (its books exist) ...
          const { distributionId: next, receipt: nextDeposit } = await distribute(f, AMOUNT);
          await (await claim(next, y)).wait();
          // ... and a claim by a wallet that claimed an earlier distribution of the asset, of a
          // distribution someone claimed from, paid to a wallet holding the payment token.
          const steadyClaim = (await (await claim(next, x)).wait())!;
          expect(await f.usdc.balanceOf(x)).to.equal(2n * share);
          // Context: a holder whose balance changed since the record time (a checkpoint to
          // search), holding the payment token.
          await (await f.usdc.mint(z, 1n)).wait();
          await (await f.suite.connect(f.agent).burnAsset(f.assetId, z, units(1) / 2n)).wait();
          const checkpointedClaim = (await (await claim(next, z)).wait())!;
          expect(await f.usdc.balanceOf(z)).to.equal(1n + share);
          return {
            firstDeposit: firstDeposit.gasUsed,
            nextDeposit: nextDeposit.gasUsed,
            firstClaim: firstClaim.gasUsed,
            steadyClaim: steadyClaim.gasUsed,
            checkpointedClaim: checkpointedClaim.gasUsed,
            // The claims' calldata differs in the holder's address only.
            executions: await Promise.all([firstClaim, steadyClaim, checkpointedClaim].map(beyondCalldata)),
          };
        };
        const ten = await figures(10);
        const thousand = await figures(1_000);
        const row = (label: string, a: bigint, b: bigint) =>
          console.log(`        ${label.padEnd(60)} ${a} / ${b} gas (10 / 1,000 holders)`);
        row("createDistribution, steady state (the token's books exist):", ten.nextDeposit, thousand.nextDeposit);
        row("claimDistribution, steady state:", ten.steadyClaim, thousand.steadyClaim);
        row("createDistribution, the issuer's first of the token:", ten.firstDeposit, thousand.firstDeposit);
        row("claimDistribution, first claim, new payee:", ten.firstClaim, thousand.firstClaim);
        row("claimDistribution, checkpointed holder, funded payee:", ten.checkpointedClaim, thousand.checkpointedClaim);
        // The deposits' calldata is the same.
        expect(thousand.firstDeposit).to.equal(ten.firstDeposit);
        expect(thousand.nextDeposit).to.equal(ten.nextDeposit);
        expect(thousand.executions).to.deep.equal(ten.executions);
        // The budgets.
        for (const run of [ten, thousand]) {
          expect(run.nextDeposit).to.be.lessThan(100_000n);
          expect(run.steadyClaim).to.be.lessThan(70_000n);
        }
      },
    );
  });

  describe("claimDistribution", function () {
    let distributionId: bigint;
    let expiresAt: bigint;

    beforeEach(async function () {
      ({ distributionId } = await distribute(f, AMOUNT));
      expiresAt = (await f.suite.getDistribution(distributionId)).expiresAt;
    });

    it("pays each of three holders its pro-rata share, rounded down; the dust stays for the reclaim", async function () {
      const shares: [HardhatEthersSigner, bigint][] = [
        [f.investorA, shareOf(AMOUNT, HOLDING_A, SUPPLY)],
        [f.investorB, shareOf(AMOUNT, HOLDING_B, SUPPLY)],
        [f.investorC, shareOf(AMOUNT, HOLDING_C, SUPPLY)],
      ];
      expect(shares.map(([, s]) => s)).to.deep.equal([166_666_666n, 333_333_333n, 500_000_000n]);
      let total = 0n;
      for (const [wallet, share] of shares) {
        expect(await f.suite.distributionClaimable(distributionId, wallet.address)).to.equal(share);
        expect(await f.suite.isDistributionClaimed(distributionId, wallet.address)).to.equal(false);
        const before = await f.usdc.balanceOf(wallet.address);
        const tx = claim(distributionId, wallet, wallet);
        await expect(tx)
          .to.emit(f.suite, "DistributionClaimed")
          .withArgs(distributionId, wallet.address, wallet.address, share);
        expect(await f.usdc.balanceOf(wallet.address)).to.equal(before + share);
        expect(await f.suite.distributionClaimable(distributionId, wallet.address)).to.equal(0n);
        expect(await f.suite.isDistributionClaimed(distributionId, wallet.address)).to.equal(true);
        total += share;
        expect((await f.suite.getDistribution(distributionId)).claimed).to.equal(total);
        await expectSolvent(f);
      }
      expect(total).to.be.at.most(AMOUNT);
      expect(AMOUNT - total).to.equal(1n);
      expect(await f.suite.assetBooks(usdc)).to.equal(1n);
      // The dust is the issuer's after the expiry.
      await networkHelpers.time.increaseTo(expiresAt);
      await expect(f.suite.connect(f.issuer).reclaimDistribution(distributionId, f.issuer.address))
        .to.emit(f.suite, "DistributionReclaimed")
        .withArgs(distributionId, f.issuer.address, 1n);
      expect(await f.suite.assetBooks(usdc)).to.equal(0n);
    });

    it("lets anyone trigger a claim; the money goes to the holder only", async function () {
      const share = shareOf(AMOUNT, HOLDING_A, SUPPLY);
      const outsiderBefore = await f.usdc.balanceOf(f.outsider.address);
      expect(await claimed(distributionId, f.investorA)).to.equal(share);
      expect(await f.usdc.balanceOf(f.outsider.address)).to.equal(outsiderBefore);
      // The call returns the amount paid.
      expect(
        await f.suite.connect(f.outsider).claimDistribution.staticCall(distributionId, f.investorC.address),
      ).to.equal(shareOf(AMOUNT, HOLDING_C, SUPPLY));
    });

    it("reverts with DistributionUnknown for an id never created, in the claim and the views", async function () {
      const refuse = refusal(f, scope([distributionId]));
      const other = await blocklistToken(f);
      const unknown = [
        0n,
        2n,
        // The next snapshot, snapshot 0, another payment token at the same snapshot, another asset.
        distributionIdOf(usdc, f.assetId, 2n),
        distributionIdOf(usdc, f.assetId, 0n),
        distributionIdOf(await other.getAddress(), f.assetId, 1n),
        distributionIdOf(usdc, f.assetId + 1n, 1n),
        2n ** 256n - 1n,
      ];
      for (const id of unknown) {
        await refuse(() => claim(id, f.investorA), "DistributionUnknown", [id]);
        for (const view of [
          () => f.suite.getDistribution(id),
          () => f.suite.distributionClaimable(id, f.investorA.address),
          () => f.suite.isDistributionClaimed(id, f.investorA.address),
        ]) {
          await expect(view()).to.be.revertedWithCustomError(f.suite, "DistributionUnknown").withArgs(id);
        }
      }
    });

    it("reverts with DistributionAlreadyClaimed for a second claim, whoever triggers it", async function () {
      await (await claim(distributionId, f.investorA)).wait();
      const refuse = refusal(f, scope([distributionId]));
      await refuse(() => claim(distributionId, f.investorA), "DistributionAlreadyClaimed", [
        distributionId,
        f.investorA.address,
      ]);
      await refuse(() => claim(distributionId, f.investorA, f.investorA), "DistributionAlreadyClaimed", [
        distributionId,
        f.investorA.address,
      ]);
    });

    it("reverts with DistributionNothingToClaim for a wallet that held nothing at the record time", async function () {
      const refuse = refusal(f, scope([distributionId]));
      const stranger = Wallet.createRandom().address;
      for (const wallet of [f.investorD.address, stranger, ZeroAddress]) {
        await refuse(() => claim(distributionId, wallet), "DistributionNothingToClaim", [distributionId, wallet]);
      }
    });

    it("pays until the expiry included, then reverts with DistributionExpired", async function () {
      await networkHelpers.time.increaseTo(expiresAt - 1n);
      // Mined at expiresAt.
      expect(await claimed(distributionId, f.investorA)).to.equal(shareOf(AMOUNT, HOLDING_A, SUPPLY));
      expect(await f.suite.distributionClaimable(distributionId, f.investorB.address)).to.equal(
        shareOf(AMOUNT, HOLDING_B, SUPPLY),
      );
      await networkHelpers.time.increaseTo(expiresAt + 1n);
      expect(await f.suite.distributionClaimable(distributionId, f.investorB.address)).to.equal(0n);
      await refusal(f, scope([distributionId]))(() => claim(distributionId, f.investorB), "DistributionExpired", [
        distributionId,
        expiresAt,
      ]);
    });

    describe("record time", function () {
      it("tokens bought right after the deposit earn nothing from it; the seller keeps its entitlement", async function () {
        const [newcomer] = spare;
        await f.onboard("E", newcomer);
        // A sells everything to C, B sells half to a newcomer, right after the deposit.
        await (await f.token.connect(f.investorA).transfer(f.investorC.address, HOLDING_A)).wait();
        await (await f.token.connect(f.investorB).transfer(newcomer.address, HOLDING_B / 2n)).wait();
        expect(await f.token.balanceOf(f.investorA.address)).to.equal(0n);
        expect(await f.suite.assetBalanceAt(f.assetId, f.investorA.address, 1)).to.equal(HOLDING_A);
        await refusal(f, scope([distributionId], [newcomer]))(
          () => claim(distributionId, newcomer),
          "DistributionNothingToClaim",
          [distributionId, newcomer.address],
        );
        expect(await claimed(distributionId, f.investorA)).to.equal(shareOf(AMOUNT, HOLDING_A, SUPPLY));
        expect(await claimed(distributionId, f.investorB)).to.equal(shareOf(AMOUNT, HOLDING_B, SUPPLY));
        expect(await claimed(distributionId, f.investorC)).to.equal(shareOf(AMOUNT, HOLDING_C, SUPPLY));
      });

      it("assetBalanceAt answers for the snapshots taken and reverts with AssetSnapshotUnknown for 0 or one not taken", async function () {
        const balanceAt = (wallet: string, snapshotId: number) => f.suite.assetBalanceAt(f.assetId, wallet, snapshotId);
        const unknownSnapshot = async (snapshotId: number) => {
          for (const wallet of [f.investorA.address, f.investorD.address]) {
            await expect(balanceAt(wallet, snapshotId))
              .to.be.revertedWithCustomError(f.suite, "AssetSnapshotUnknown")
              .withArgs(f.assetId, snapshotId);
          }
        };
        // One snapshot taken (the deposit's): unchanged holdings answer from the holding.
        expect(await balanceAt(f.investorA.address, 1)).to.equal(HOLDING_A);
        expect(await balanceAt(f.investorD.address, 1)).to.equal(0n);
        await unknownSnapshot(0);
        await unknownSnapshot(2);
        // A changed holding answers from its checkpoint; the next snapshot from the holding.
        await (await f.token.connect(f.investorA).transfer(f.investorC.address, units(10))).wait();
        expect(await balanceAt(f.investorA.address, 1)).to.equal(HOLDING_A);
        expect(await balanceAt(f.investorC.address, 1)).to.equal(HOLDING_C);
        await unknownSnapshot(2);
        await distribute(f, AMOUNT);
        expect(await balanceAt(f.investorA.address, 2)).to.equal(HOLDING_A - units(10));
        expect(await balanceAt(f.investorC.address, 2)).to.equal(HOLDING_C + units(10));
        expect(await balanceAt(f.investorA.address, 1)).to.equal(HOLDING_A);
        await unknownSnapshot(0);
        await unknownSnapshot(3);
      });

      it("mints and burns after the deposit change no share of it", async function () {
        await (await f.suite.connect(f.agent).mintAsset(f.assetId, f.investorA.address, units(1_000))).wait();
        await (await f.suite.connect(f.agent).burnAsset(f.assetId, f.investorC.address, HOLDING_C)).wait();
        expect(await claimed(distributionId, f.investorA)).to.equal(shareOf(AMOUNT, HOLDING_A, SUPPLY));
        expect(await claimed(distributionId, f.investorC)).to.equal(shareOf(AMOUNT, HOLDING_C, SUPPLY));
      });

      it("two distributions with a transfer between them each pay on their own record time, in any order", async function () {
        const moved = units(50);
        await (await f.token.connect(f.investorA).transfer(f.investorB.address, moved)).wait();
        const second = usd(600);
        const { distributionId: next } = await distribute(f, second);
        expect((await f.suite.getDistribution(next)).snapshotId).to.equal(2n);
        // A later transfer changes neither.
        await (await f.token.connect(f.investorB).transfer(f.investorC.address, units(250))).wait();
        expect(await claimed(next, f.investorB)).to.equal(shareOf(second, HOLDING_B + moved, SUPPLY));
        expect(await claimed(distributionId, f.investorB)).to.equal(shareOf(AMOUNT, HOLDING_B, SUPPLY));
        expect(await claimed(distributionId, f.investorA)).to.equal(shareOf(AMOUNT, HOLDING_A, SUPPLY));
        expect(await claimed(next, f.investorA)).to.equal(shareOf(second, HOLDING_A - moved, SUPPLY));
        expect(await claimed(next, f.investorC)).to.equal(shareOf(second, HOLDING_C, SUPPLY));
        expect(await claimed(distributionId, f.investorC)).to.equal(shareOf(AMOUNT, HOLDING_C, SUPPLY));
      });
    });

    it("frozen tokens, a frozen wallet and a paused asset still earn and claim", async function () {
      // Frozen at the record time of a second distribution, and still frozen at the claims.
      await (await f.suite.connect(f.agent).setAssetFrozenTokens(f.assetId, f.investorA.address, HOLDING_A)).wait();
      await (await f.suite.connect(f.agent).setAssetWalletFrozen(f.assetId, f.investorB.address, true)).wait();
      const { distributionId: next } = await distribute(f, AMOUNT);
      await (await f.suite.connect(f.agent).setAssetPaused(f.assetId, true)).wait();
      for (const id of [distributionId, next]) {
        expect(await claimed(id, f.investorA)).to.equal(shareOf(AMOUNT, HOLDING_A, SUPPLY));
        expect(await claimed(id, f.investorB)).to.equal(shareOf(AMOUNT, HOLDING_B, SUPPLY));
      }
      expect((await f.suite.assetHolding(f.assetId, f.investorA.address)).frozen).to.equal(HOLDING_A);
    });

    it("the custodian's balance earns nothing and strands nothing: all of the amount goes to the others", async function () {
      const custody = await installLockModule(ethers, f);
      // A module pulls 40 of A's tokens and 60 new ones (minted to C) into the diamond's custody.
      await mintAll(f, [[f.investorC, units(60)]]);
      await custody.pull(f.investorA, units(40));
      await custody.pull(f.investorC, units(60));
      expect(await f.token.balanceOf(f.diamondAddress)).to.equal(units(100));
      const amount = usd(1_000);
      const { distributionId: id } = await distribute(f, amount);
      const eligible = SUPPLY - units(40);
      expect((await f.suite.getDistribution(id)).eligibleSupply).to.equal(eligible);
      expect(await f.suite.distributionClaimable(id, f.diamondAddress)).to.equal(0n);
      await refusal(f, scope([id]))(() => claim(id, f.diamondAddress), "DistributionNothingToClaim", [
        id,
        f.diamondAddress,
      ]);
      // Agents can neither take from nor force into the custody.
      const refuse = refusal(f, scope([id]));
      const force = (from: string, to: string) => () =>
        f.suite.connect(f.agent).forcedAssetTransfer(f.assetId, from, to, units(1));
      await refuse(force(f.diamondAddress, f.investorB.address), "AssetCustodyProtected", [f.assetId]);
      await refuse(force(f.investorB.address, f.diamondAddress), "AssetTransferRestricted", [
        f.assetId,
        Restriction.ReceiverNotVerified,
        f.diamondAddress,
      ]);
      // Tokens leaving the custodian (a module's release) after the record time earn nothing from it either.
      await custody.release(f.investorB, units(100));
      expect(await f.token.balanceOf(f.diamondAddress)).to.equal(0n);
      const paid = [await claimed(id, f.investorA), await claimed(id, f.investorB), await claimed(id, f.investorC)];
      expect(paid).to.deep.equal([
        shareOf(amount, HOLDING_A - units(40), eligible),
        shareOf(amount, HOLDING_B, eligible),
        shareOf(amount, HOLDING_C, eligible),
      ]);
      // 60 / 200 / 300 of 560 tokens: nothing is left for the custodian's 100.
      expect(paid.reduce((x, y) => x + y)).to.be.at.least(amount - 2n);
      const { claimed: total } = await f.suite.getDistribution(id);
      expect(total).to.equal(paid.reduce((x, y) => x + y));
    });

    it("with the custodian holding, a divisible amount is claimed in full and the reclaim returns 0", async function () {
      // A module pulls 400 new tokens (minted to A) into the diamond's custody.
      const custody = await installLockModule(ethers, f);
      await mintAll(f, [[f.investorA, units(400)]]);
      await custody.pull(f.investorA, units(400));
      // 600 eligible tokens: 1,200 USD divides exactly.
      const amount = usd(1_200);
      const { distributionId: id } = await distribute(f, amount);
      for (const wallet of [f.investorA, f.investorB, f.investorC]) await (await claim(id, wallet)).wait();
      expect((await f.suite.getDistribution(id)).claimed).to.equal(amount);
      await networkHelpers.time.increase(CLAIM_PERIOD + 1);
      const usdcBefore = await f.usdc.balanceOf(f.diamondAddress);
      const tx = f.suite.connect(f.issuer).reclaimDistribution(id, f.issuer.address);
      await expect(tx).to.emit(f.suite, "DistributionReclaimed").withArgs(id, f.issuer.address, 0n);
      await expect(tx).to.not.emit(f.usdc, "Transfer");
      expect(await f.usdc.balanceOf(f.diamondAddress)).to.equal(usdcBefore);
    });

    it("two wallets of one identity each claim their own balance's share, once", async function () {
      const [second] = spare;
      expect(await f.onboard("A", second)).to.equal(f.idA);
      await mintAll(f, [[second, units(50)]]);
      const supply = SUPPLY + units(50);
      const { distributionId: id } = await distribute(f, AMOUNT);
      expect(await claimed(id, f.investorA)).to.equal(shareOf(AMOUNT, HOLDING_A, supply));
      expect(await claimed(id, second)).to.equal(shareOf(AMOUNT, units(50), supply));
      const refuse = refusal(f, scope([id], [second]));
      for (const wallet of [f.investorA, second]) {
        await refuse(() => claim(id, wallet), "DistributionAlreadyClaimed", [id, wallet.address]);
      }
    });

    it("pays a lost wallet's unclaimed share to its replacement, once; the replacement earns only its own", async function () {
      const [replacement] = spare;
      const share = shareOf(AMOUNT, HOLDING_A, SUPPLY);
      await (
        await f.suite.connect(f.provider).recoverIdentityWallet(f.idA, f.investorA.address, replacement.address)
      ).wait();
      expect(await f.token.balanceOf(replacement.address)).to.equal(HOLDING_A);
      expect(await f.suite.distributionClaimable(distributionId, f.investorA.address)).to.equal(share);
      const lostBefore = await f.usdc.balanceOf(f.investorA.address);
      await expect(claim(distributionId, f.investorA))
        .to.emit(f.suite, "DistributionClaimed")
        .withArgs(distributionId, f.investorA.address, replacement.address, share);
      expect(await f.usdc.balanceOf(replacement.address)).to.equal(share);
      expect(await f.usdc.balanceOf(f.investorA.address)).to.equal(lostBefore);
      const refuse = refusal(f, scope([distributionId], [replacement]));
      await refuse(() => claim(distributionId, replacement), "DistributionNothingToClaim", [
        distributionId,
        replacement.address,
      ]);
      await refuse(() => claim(distributionId, f.investorA), "DistributionAlreadyClaimed", [
        distributionId,
        f.investorA.address,
      ]);
      // A later distribution: the replacement holds A's tokens now.
      const { distributionId: later } = await distribute(f, AMOUNT);
      expect(await claimed(later, replacement)).to.equal(share);
      await refuse(() => claim(later, f.investorA), "DistributionNothingToClaim", [later, f.investorA.address]);
    });

    it("a lost wallet's claim follows a chain of recoveries to the last replacement", async function () {
      const [first, last] = spare;
      const share = shareOf(AMOUNT, HOLDING_A, SUPPLY);
      await (await f.suite.connect(f.provider).recoverIdentityWallet(f.idA, f.investorA.address, first.address)).wait();
      await (await f.suite.connect(f.provider).recoverIdentityWallet(f.idA, first.address, last.address)).wait();
      await expect(claim(distributionId, f.investorA))
        .to.emit(f.suite, "DistributionClaimed")
        .withArgs(distributionId, f.investorA.address, last.address, share);
      expect(await f.usdc.balanceOf(last.address)).to.equal(share);
      expect(await f.usdc.balanceOf(first.address)).to.equal(0n);
    });

    it("with a blocklisting token, a blocked holder's claim reverts until it is unblocked; others are not held up", async function () {
      const blocking = await blocklistToken(f);
      const { distributionId: id } = await distribute(f, AMOUNT, blocking);
      await (await blocking.setBlocked(f.investorA.address, true)).wait();
      await refusal(f, { ...scope([id]), tokens: [f.usdc, blocking] })(
        () => claim(id, f.investorA),
        "MockBlocked",
        [f.investorA.address],
        blocking,
      );
      expect(await f.suite.distributionClaimable(id, f.investorA.address)).to.equal(shareOf(AMOUNT, HOLDING_A, SUPPLY));
      await (await claim(id, f.investorB)).wait();
      await (await blocking.setBlocked(f.investorA.address, false)).wait();
      const before = await blocking.balanceOf(f.investorA.address);
      await (await claim(id, f.investorA)).wait();
      expect(await blocking.balanceOf(f.investorA.address)).to.equal(before + shareOf(AMOUNT, HOLDING_A, SUPPLY));
      await expectSolvent(f, [blocking]);
    });
  });

  describe("reclaimDistribution", function () {
    let distributionId: bigint;
    let expiresAt: bigint;

    beforeEach(async function () {
      ({ distributionId } = await distribute(f, AMOUNT));
      expiresAt = (await f.suite.getDistribution(distributionId)).expiresAt;
      await (await claim(distributionId, f.investorB)).wait();
    });

    const reclaim = (caller: HardhatEthersSigner, to: string, id = distributionId) =>
      f.suite.connect(caller).reclaimDistribution(id, to);

    it("reverts with DistributionNotExpired until after the expiry", async function () {
      const refuse = refusal(f, scope([distributionId]));
      await refuse(() => reclaim(f.issuer, f.issuer.address), "DistributionNotExpired", [distributionId, expiresAt]);
      await networkHelpers.time.increaseTo(expiresAt - 1n);
      // Mined at expiresAt: the last second of the claims.
      await refuse(() => reclaim(f.issuer, f.issuer.address), "DistributionNotExpired", [distributionId, expiresAt]);
    });

    it("reverts with DistributionUnknown, AssetNotIssuer, or DistributionParamsInvalid for a zero receiver", async function () {
      await networkHelpers.time.increaseTo(expiresAt + 1n);
      const refuse = refusal(f, scope([distributionId]));
      await refuse(() => reclaim(f.issuer, f.issuer.address, 7n), "DistributionUnknown", [7n]);
      await refuse(() => reclaim(f.outsider, f.outsider.address), "AssetNotIssuer", [f.assetId, f.outsider.address]);
      await refuse(() => reclaim(f.investorA, f.investorA.address), "AssetNotIssuer", [f.assetId, f.investorA.address]);
      await refuse(() => reclaim(f.issuer, ZeroAddress), "DistributionParamsInvalid", ["to"]);
      // The diamond is no payee: what it kept would be in no module's books.
      await refuse(() => reclaim(f.issuer, f.diamondAddress), "DistributionParamsInvalid", ["to"]);
    });

    it("after the expiry sends what is unclaimed (rounding dust included) to `to`, once", async function () {
      await networkHelpers.time.increaseTo(expiresAt + 1n);
      const unclaimed = AMOUNT - shareOf(AMOUNT, HOLDING_B, SUPPLY);
      const treasury = f.outsider.address;
      const before = await f.usdc.balanceOf(treasury);
      expect(await f.suite.connect(f.issuer).reclaimDistribution.staticCall(distributionId, treasury)).to.equal(
        unclaimed,
      );
      const tx = reclaim(f.issuer, treasury);
      await expect(tx).to.emit(f.suite, "DistributionReclaimed").withArgs(distributionId, treasury, unclaimed);
      await expect(tx).to.emit(f.usdc, "Transfer").withArgs(f.diamondAddress, treasury, unclaimed);
      expect(await f.usdc.balanceOf(treasury)).to.equal(before + unclaimed);
      const view = await f.suite.getDistribution(distributionId);
      expect(view.reclaimed).to.equal(true);
      expect(view.claimed).to.equal(shareOf(AMOUNT, HOLDING_B, SUPPLY));
      expect(await f.suite.assetBooks(usdc)).to.equal(0n);
      const refuse = refusal(f, scope([distributionId]));
      await refuse(() => reclaim(f.issuer, treasury), "DistributionAlreadyReclaimed", [distributionId]);
      await refuse(() => claim(distributionId, f.investorA), "DistributionExpired", [distributionId, expiresAt]);
    });
  });
});
