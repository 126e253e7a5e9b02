// Primary offerings (IAssetOffering) through a diamond with upkeep, identity and asset
// installed as the manifest declares them: creation, subscription rules, the outcome and
// its settlement in batches, refunds the payment token refuses, proceeds, and the books.
import { expect } from "chai";
import { network } from "hardhat";
import { id, Wallet, ZeroAddress } from "ethers";

import { allowListProof, allowListTree, ASSET_ISSUER_ROLE, Restriction } from "../../scripts/lib/asset.js";
import { moduleId, selectorsOf } from "../../scripts/lib/core.js";
import { IdentityStatus, InvestorClass } from "../../scripts/lib/identity.js";
import {
  IAssetOffering__factory,
  MockBlocklistToken__factory,
  MockFeeOnTransferToken__factory,
  MockReentrantToken__factory,
} from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { BUILDING_RULES, DAY, FRANCE, kyc, units, usd, USA } from "./fixture.js";
import {
  costOf,
  createOffering,
  endOffering,
  eventsOf,
  expectBooks,
  manyInvestors,
  MAX_SETTLE_BATCH,
  MAX_SUBSCRIPTION,
  offeringFixture,
  offeringParams,
  offeringSnapshot,
  OfferingState,
  openOffering,
  settleAll,
  subscribe,
  subscribersOf,
  SubscriptionStatus,
  type OfferingFixture,
  type OfferingParams,
  type PaymentToken,
} from "./offering-support.js";
import { GAS, itUnlessCoverage } from "../support/coverage.js";

const { ethers, networkHelpers } = await network.create();
const clock = networkHelpers.time;
const fixture = () => offeringFixture(ethers);
const LOCKUP = 30 * DAY;
const sorted = (xs: readonly string[]) => [...xs].sort();

/** The fixture's asset with a 30-day lock-up on what offerings deliver. */
async function withLockup(f: OfferingFixture) {
  await (await f.suite.connect(f.issuer).setAssetRules(f.assetId, { ...BUILDING_RULES, lockupSeconds: LOCKUP })).wait();
}

/** A payment token with a USDC-style blocklist, held by A, B and C, approved to the diamond. */
async function blocklistToken(f: OfferingFixture) {
  const token = await new MockBlocklistToken__factory(f.owner).deploy();
  for (const s of [f.investorA, f.investorB, f.investorC]) {
    await (await token.mint(s.address, usd(1_000_000))).wait();
    await (await token.connect(s).approve(f.diamondAddress, 2n ** 256n - 1n)).wait();
  }
  return { token, address: await token.getAddress() };
}

describe("asset: primary offerings", function () {
  let f: OfferingFixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
  });

  // Whatever a scenario did, the module's USDC books equal what the diamond holds.
  afterEach(async function () {
    await expectBooks(f);
  });

  /** Runs a refused call and checks that nothing an offering call may touch changed. */
  const unchanged = (offeringId: bigint, wallets: string[], refused: () => Promise<unknown>, token?: PaymentToken) =>
    expectUnchanged(() => offeringSnapshot(f, offeringId, wallets, token), refused);

  /** `settleOffering(offeringId, wallets)` with nothing left to do: it changes nothing and says it settled none. */
  const settlesNothing = (offeringId: bigint, wallets: string[], token?: PaymentToken) =>
    unchanged(
      offeringId,
      wallets,
      async () => {
        const { settledCount } = await f.suite.getOffering(offeringId);
        expect(await f.suite.settleOffering.staticCall(offeringId, wallets)).to.equal(0n);
        const receipt = (await (await f.suite.settleOffering(offeringId, wallets)).wait())!;
        expect(receipt.logs.map((log) => f.suite.interface.parseLog(log)?.name)).to.deep.equal([
          "OfferingBatchSettled",
        ]);
        expect([...eventsOf(f, receipt, "OfferingBatchSettled")[0].args]).to.deep.equal([offeringId, 0n, settledCount]);
      },
      token,
    );

  describe("module shape", function () {
    it("serves exactly IAssetOffering's functions from one facet of the asset module", async function () {
      const selectors = selectorsOf(IAssetOffering__factory.createInterface());
      const facet = await f.diamond.facetAddress(selectors[0]);
      expect(sorted(await f.diamond.facetFunctionSelectors(facet))).to.deep.equal(sorted(selectors));
      for (const selector of selectors) expect(await f.diamond.moduleOfSelector(selector)).to.equal(moduleId("asset"));
    });
  });

  describe("createOffering", function () {
    it("creates an offering with the issuer's parameters", async function () {
      const params = await offeringParams(f, clock);
      await expect(f.suite.connect(f.issuer).createOffering(params))
        .to.emit(f.suite, "OfferingCreated")
        .withArgs(1n, f.assetId, Object.values(params));
      expect(await f.suite.offeringCount()).to.equal(1n);
      const v = await f.suite.getOffering(1n);
      expect([...v.params]).to.deep.equal(Object.values(params));
      expect([v.state, v.subscribed, v.held, v.proceedsDue, v.subscriberCount, v.settledCount]).to.deep.equal([
        OfferingState.Open,
        0n,
        0n,
        0n,
        0n,
        0n,
      ]);
    });

    it("refuses a caller that is not the asset's issuer, even one with the issuer role", async function () {
      const params = await offeringParams(f, clock);
      await (await f.diamond.connect(f.owner).grantRole(ASSET_ISSUER_ROLE, f.outsider.address)).wait();
      for (const caller of [f.outsider, f.agent, f.investorA]) {
        await expectUnchanged(
          () => offeringSnapshot(f, 1n, []),
          () =>
            expect(f.suite.connect(caller).createOffering(params))
              .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
              .withArgs(f.assetId, caller.address),
        );
      }
    });

    it("refuses an unknown asset", async function () {
      const params = await offeringParams(f, clock, { assetId: 99n });
      await unchanged(1n, [], () =>
        expect(f.suite.connect(f.issuer).createOffering(params))
          .to.be.revertedWithCustomError(f.suite, "AssetUnknown")
          .withArgs(99n),
      );
    });

    it("refuses invalid parameters, naming the one", async function () {
      const base = await offeringParams(f, clock);
      const cases: [Partial<OfferingParams>, string][] = [
        [{ paymentToken: ZeroAddress }, "paymentToken"],
        [{ price: 0n }, "price"],
        [{ softCap: 0n }, "softCap"],
        [{ softCap: units(1_001) }, "softCap"],
        // Above the room under the asset's 1,000,000 cap.
        [{ hardCap: units(1_000_001) }, "hardCap"],
        [{ start: BigInt(await clock.latest()) }, "start"],
        [{ end: base.start }, "end"],
        [{ minPerIdentity: units(20), maxPerIdentity: units(10) }, "minPerIdentity"],
        [{ minPerIdentity: units(1_001) }, "minPerIdentity"],
        [{ treasury: ZeroAddress }, "treasury"],
      ];
      for (const [override, what] of cases) {
        await expectUnchanged(
          () => offeringSnapshot(f, 1n, []),
          () =>
            expect(f.suite.connect(f.issuer).createOffering({ ...base, ...override }))
              .to.be.revertedWithCustomError(f.suite, "OfferingParamsInvalid")
              .withArgs(what),
        );
      }
    });

    it("refuses a hard cap above what the asset's cap still allows to mint", async function () {
      await (await f.suite.connect(f.agent).mintAsset(f.assetId, f.investorB.address, units(999_500))).wait();
      const params = await offeringParams(f, clock, { hardCap: units(501) });
      await unchanged(1n, [], () =>
        expect(f.suite.connect(f.issuer).createOffering(params))
          .to.be.revertedWithCustomError(f.suite, "OfferingParamsInvalid")
          .withArgs("hardCap"),
      );
      await (await f.suite.connect(f.issuer).createOffering({ ...params, hardCap: units(500) })).wait();
      expect(await f.suite.offeringCount()).to.equal(1n);
    });
  });

  describe("subscribe", function () {
    it("takes the payment and records the subscription, its identity's total and the books", async function () {
      const { offeringId } = await openOffering(f, clock);
      const before = await f.usdc.balanceOf(f.investorA.address);
      const cost = costOf(units(10));
      await expect(f.suite.connect(f.investorA).subscribe(offeringId, units(10), []))
        .to.emit(f.suite, "OfferingSubscribed")
        .withArgs(offeringId, f.investorA.address, units(10), cost, f.idA);
      expect(await f.usdc.balanceOf(f.investorA.address)).to.equal(before - cost);
      expect(await f.usdc.balanceOf(f.diamondAddress)).to.equal(cost);
      // Again: the same subscription grows; 1 unit (1e-18 token) costs 1 payment unit, rounded up.
      expect(await f.suite.offeringCost(offeringId, 1n)).to.equal(1n);
      expect(await f.suite.offeringCost(offeringId, units(1))).to.equal(usd(50));
      await expect(f.suite.connect(f.investorA).subscribe(offeringId, 1n, []))
        .to.emit(f.suite, "OfferingSubscribed")
        .withArgs(offeringId, f.investorA.address, 1n, 1n, f.idA);
      const paidB = await subscribe(f, offeringId, f.investorB, units(5));
      // What a subscription has paid is the cost of its total.
      expect(await f.suite.offeringCost(offeringId, units(10) + 1n)).to.equal(cost + 1n);
      expect([...(await f.suite.getSubscription(offeringId, f.investorA.address))]).to.deep.equal([
        SubscriptionStatus.Open,
        f.investorA.address,
        units(10) + 1n,
        cost + 1n,
      ]);
      expect([...(await f.suite.getSubscription(offeringId, f.investorB.address))]).to.deep.equal([
        SubscriptionStatus.Open,
        f.investorB.address,
        units(5),
        paidB,
      ]);
      expect([...(await f.suite.getSubscription(offeringId, f.investorC.address))]).to.deep.equal([
        SubscriptionStatus.None,
        ZeroAddress,
        0n,
        0n,
      ]);
      expect(await f.suite.offeringIdentityTotal(offeringId, f.idA)).to.equal(units(10) + 1n);
      expect(await f.suite.offeringIdentityTotal(offeringId, f.idB)).to.equal(units(5));
      expect(await f.suite.offeringIdentityTotal(offeringId, f.idC)).to.equal(0n);
      const v = await f.suite.getOffering(offeringId);
      expect([v.subscribed, v.held, v.subscriberCount]).to.deep.equal([units(15) + 1n, cost + 1n + paidB, 2n]);
      await expectBooks(f);
    });

    it("refuses outside the window", async function () {
      const { offeringId, params } = await createOffering(f, clock);
      const refused = () =>
        expect(f.suite.connect(f.investorA).subscribe(offeringId, units(10), []))
          .to.be.revertedWithCustomError(f.suite, "OfferingNotOpen")
          .withArgs(offeringId, params.start, params.end);
      await expectUnchanged(() => offeringSnapshot(f, offeringId, [f.investorA.address]), refused);
      await endOffering(clock, params);
      await expectUnchanged(() => offeringSnapshot(f, offeringId, [f.investorA.address]), refused);
    });

    it("refuses an unknown offering and a zero amount", async function () {
      const { offeringId } = await openOffering(f, clock);
      await unchanged(offeringId, [f.investorA.address], () =>
        expect(f.suite.connect(f.investorA).subscribe(99n, units(1), []))
          .to.be.revertedWithCustomError(f.suite, "OfferingUnknown")
          .withArgs(99n),
      );
      await unchanged(offeringId, [f.investorA.address], () =>
        expect(f.suite.connect(f.investorA).subscribe(offeringId, 0n, [])).to.be.revertedWithCustomError(
          f.suite,
          "AssetZeroAmount",
        ),
      );
    });

    it("refuses a wallet that could not receive the asset now, with the reason", async function () {
      const { offeringId } = await openOffering(f, clock);
      await f.onboard("E", f.investorE, kyc(f.now, USA, InvestorClass.Professional));
      await f.onboard("F", f.spare, kyc(f.now, FRANCE, InvestorClass.Retail));
      await (await f.suite.connect(f.agent).setAssetWalletFrozen(f.assetId, f.investorC.address, true)).wait();
      const cases = [
        [f.investorD, Restriction.ReceiverNotVerified],
        [f.investorE, Restriction.JurisdictionNotAllowed],
        [f.spare, Restriction.ClassNotAllowed],
        [f.investorC, Restriction.ReceiverFrozen],
      ] as const;
      for (const [wallet, reason] of cases) {
        await expectUnchanged(
          () => offeringSnapshot(f, offeringId, [wallet.address]),
          () =>
            expect(f.suite.connect(wallet).subscribe(offeringId, units(10), []))
              .to.be.revertedWithCustomError(f.suite, "OfferingSubscriberRestricted")
              .withArgs(offeringId, wallet.address, reason),
        );
      }
    });

    it("counts the identity's running total against the asset's per-identity maximum", async function () {
      const params = { ...f.params, symbol: "RIV14", rules: { ...BUILDING_RULES, maxBalancePerIdentity: units(150) } };
      const [assetId] = await f.suite.connect(f.issuer).createAsset.staticCall(params);
      await (await f.suite.connect(f.issuer).createAsset(params)).wait();
      const { offeringId } = await openOffering(f, clock, { assetId });
      await subscribe(f, offeringId, f.investorA, units(100));
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, [f.investorA.address]),
        () =>
          expect(f.suite.connect(f.investorA).subscribe(offeringId, units(60), []))
            .to.be.revertedWithCustomError(f.suite, "OfferingSubscriberRestricted")
            .withArgs(offeringId, f.investorA.address, Restriction.MaxBalanceExceeded),
      );
      await subscribe(f, offeringId, f.investorA, units(50));
      await subscribe(f, offeringId, f.investorB, units(150));
    });

    it("admits only allow-listed wallets with their own proof", async function () {
      const tree = allowListTree([f.investorA.address, f.investorB.address]);
      const { offeringId } = await openOffering(f, clock, { allowListRoot: tree.root });
      await subscribe(f, offeringId, f.investorA, units(10), allowListProof(tree, f.investorA.address));
      const cases = [
        // Off the list.
        [f.investorC, []],
        [f.investorC, allowListProof(tree, f.investorB.address)],
        // On the list, with another wallet's proof.
        [f.investorB, allowListProof(tree, f.investorA.address)],
      ] as const;
      for (const [wallet, proof] of cases) {
        await expectUnchanged(
          () => offeringSnapshot(f, offeringId, [wallet.address]),
          () =>
            expect(f.suite.connect(wallet).subscribe(offeringId, units(10), [...proof]))
              .to.be.revertedWithCustomError(f.suite, "OfferingNotAllowListed")
              .withArgs(offeringId, wallet.address),
        );
      }
      await subscribe(f, offeringId, f.investorB, units(10), allowListProof(tree, f.investorB.address));
    });

    it("keeps each identity's total between the minimum and the maximum, over all its wallets", async function () {
      await (await f.suite.connect(f.provider).addIdentityWallet(f.idA, f.investorD.address)).wait();
      const { offeringId } = await openOffering(f, clock, { minPerIdentity: units(10), maxPerIdentity: units(100) });
      const wallets = [f.investorA.address, f.investorD.address];
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, wallets),
        () =>
          expect(f.suite.connect(f.investorA).subscribe(offeringId, units(5), []))
            .to.be.revertedWithCustomError(f.suite, "OfferingBelowMinimum")
            .withArgs(offeringId, units(5), units(10)),
      );
      await subscribe(f, offeringId, f.investorA, units(60));
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, wallets),
        () =>
          expect(f.suite.connect(f.investorD).subscribe(offeringId, units(50), []))
            .to.be.revertedWithCustomError(f.suite, "OfferingAboveMaximum")
            .withArgs(offeringId, units(110), units(100)),
      );
      // The identity is above its minimum already: its second wallet may add a little, and
      // pays what the identity's new total costs more.
      expect(await subscribe(f, offeringId, f.investorD, units(1))).to.equal(costOf(units(61)) - costOf(units(60)));
      await subscribe(f, offeringId, f.investorD, units(39));
      await unchanged(offeringId, [...wallets], () =>
        expect(f.suite.connect(f.investorA).subscribe(offeringId, 1n, []))
          .to.be.revertedWithCustomError(f.suite, "OfferingAboveMaximum")
          .withArgs(offeringId, units(100) + 1n, units(100)),
      );
      expect(await f.suite.offeringIdentityTotal(offeringId, f.idA)).to.equal(units(100));
      // One subscription for the identity, at its first wallet, whichever wallet asks.
      for (const wallet of wallets) {
        expect([...(await f.suite.getSubscription(offeringId, wallet))]).to.deep.equal([
          SubscriptionStatus.Open,
          f.investorA.address,
          units(100),
          costOf(units(100)),
        ]);
      }
      expect((await f.suite.getOffering(offeringId)).subscriberCount).to.equal(1n);
      // Another identity has its own bounds.
      await subscribe(f, offeringId, f.investorB, units(100));
      expect((await f.suite.getOffering(offeringId)).subscriberCount).to.equal(2n);
      await expectBooks(f);
    });

    it("charges what the identity's new total costs more, nothing when rounding covered it", async function () {
      // 3 payment units per whole token: any sliver of a token costs one unit, rounded up.
      const { offeringId } = await openOffering(f, clock, { price: 3n });
      const before = await f.usdc.balanceOf(f.investorA.address);
      expect(await subscribe(f, offeringId, f.investorA, 1n)).to.equal(1n);
      const tx = f.suite.connect(f.investorA).subscribe(offeringId, 1n, []);
      await expect(tx).to.emit(f.suite, "OfferingSubscribed").withArgs(offeringId, f.investorA.address, 1n, 0n, f.idA);
      await expect(tx).not.to.emit(f.usdc, "Transfer");
      expect(await subscribe(f, offeringId, f.investorA, units(1) - 2n)).to.equal(2n);
      expect(await subscribe(f, offeringId, f.investorA, 1n)).to.equal(1n);
      const s = await f.suite.getSubscription(offeringId, f.investorA.address);
      expect([s.amount, s.paid]).to.deep.equal([units(1) + 1n, 4n]);
      expect(await f.usdc.balanceOf(f.investorA.address)).to.equal(before - 4n);
      expect((await f.suite.getOffering(offeringId)).held).to.equal(4n);
      await expectBooks(f);
    });

    it("refuses an identity total of 2^88 units or more", async function () {
      const params = { ...f.params, symbol: "RIV88", cap: 0n };
      const [assetId] = await f.suite.connect(f.issuer).createAsset.staticCall(params);
      await (await f.suite.connect(f.issuer).createAsset(params)).wait();
      await (await f.suite.connect(f.provider).addIdentityWallet(f.idA, f.investorD.address)).wait();
      // 1 payment unit per whole token: 2^87 units cost about 155 million units.
      const { offeringId } = await openOffering(f, clock, { assetId, price: 1n, hardCap: 2n ** 100n });
      const half = 2n ** 87n;
      await subscribe(f, offeringId, f.investorA, half);
      const wallets = [f.investorA.address, f.investorD.address];
      await unchanged(offeringId, wallets, () =>
        expect(f.suite.connect(f.investorD).subscribe(offeringId, half, []))
          .to.be.revertedWithCustomError(f.suite, "AssetAmountTooLarge")
          .withArgs(2n * half, MAX_SUBSCRIPTION),
      );
      await unchanged(offeringId, [f.investorB.address], () =>
        expect(f.suite.connect(f.investorB).subscribe(offeringId, 2n ** 256n - 1n, []))
          .to.be.revertedWithCustomError(f.suite, "AssetAmountTooLarge")
          .withArgs(2n ** 256n - 1n, MAX_SUBSCRIPTION),
      );
      await subscribe(f, offeringId, f.investorD, half - 1n);
      expect(await f.suite.offeringIdentityTotal(offeringId, f.idA)).to.equal(MAX_SUBSCRIPTION);
      await expectBooks(f);
    });

    it("serves the hard cap first come, first served, refusing what passes it with what is left", async function () {
      const { offeringId } = await openOffering(f, clock);
      await subscribe(f, offeringId, f.investorA, units(700));
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, [f.investorB.address]),
        () =>
          expect(f.suite.connect(f.investorB).subscribe(offeringId, units(400), []))
            .to.be.revertedWithCustomError(f.suite, "OfferingHardCapExceeded")
            .withArgs(offeringId, units(400), units(300)),
      );
      await subscribe(f, offeringId, f.investorB, units(300));
      await unchanged(offeringId, [f.investorC.address], () =>
        expect(f.suite.connect(f.investorC).subscribe(offeringId, 1n, []))
          .to.be.revertedWithCustomError(f.suite, "OfferingHardCapExceeded")
          .withArgs(offeringId, 1n, 0n),
      );
      expect((await f.suite.getOffering(offeringId)).subscribed).to.equal(units(1_000));
      await expectBooks(f);
    });

    it("counts the room under the asset's cap as what is left when it is smaller", async function () {
      const { offeringId } = await openOffering(f, clock);
      await subscribe(f, offeringId, f.investorA, units(100));
      // The agent mints after the offering was created: 400 are left under the cap.
      await (await f.suite.connect(f.agent).mintAsset(f.assetId, f.investorB.address, units(999_500))).wait();
      await unchanged(offeringId, [f.investorC.address], () =>
        expect(f.suite.connect(f.investorC).subscribe(offeringId, units(401), []))
          .to.be.revertedWithCustomError(f.suite, "OfferingHardCapExceeded")
          .withArgs(offeringId, units(401), units(400)),
      );
      await subscribe(f, offeringId, f.investorC, units(400));
    });

    it("refuses a payment token that delivers less than the cost (a transfer fee)", async function () {
      const fot = await new MockFeeOnTransferToken__factory(f.owner).deploy();
      const fotAddress = await fot.getAddress();
      await (await fot.mint(f.investorA.address, usd(1_000_000))).wait();
      await (await fot.connect(f.investorA).approve(f.diamondAddress, 2n ** 256n - 1n)).wait();
      const { offeringId } = await openOffering(f, clock, { paymentToken: fotAddress });
      const cost = costOf(units(10));
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, [f.investorA.address], fot),
        () =>
          expect(f.suite.connect(f.investorA).subscribe(offeringId, units(10), []))
            .to.be.revertedWithCustomError(f.suite, "AssetPaymentShortfall")
            .withArgs(fotAddress, cost, cost - cost / 100n),
      );
      await expectBooks(f, fot);
    });

    itUnlessCoverage(GAS, "costs a new identity's first subscription under 120,000 gas", async function () {
      // An allow-list of 8 wallets (proofs of 3 levels), offerings with subscribers already, paid
      // in a token the diamond holds already; without and with per-identity bounds.
      const others = Array.from({ length: 5 }, (_, i) => new Wallet(id(`allow-listed ${i}`)).address);
      const tree = allowListTree([f.investorA.address, f.investorB.address, f.investorC.address, ...others]);
      const plain = await createOffering(f, clock, { allowListRoot: tree.root });
      const { start, end } = plain.params;
      const bounded = await createOffering(f, clock, {
        allowListRoot: tree.root,
        minPerIdentity: units(1),
        maxPerIdentity: units(500),
        start,
        end,
      });
      await clock.increaseTo(BigInt(start));
      const gas: bigint[] = [];
      for (const { offeringId } of [plain, bounded]) {
        await subscribe(f, offeringId, f.investorA, units(10), allowListProof(tree, f.investorA.address));
        await subscribe(f, offeringId, f.investorB, units(10), allowListProof(tree, f.investorB.address));
        const proof = allowListProof(tree, f.investorC.address);
        expect(proof).to.have.length(3);
        const receipt = (await (await f.suite.connect(f.investorC).subscribe(offeringId, units(10), proof)).wait())!;
        expect((await f.suite.getOffering(offeringId)).subscriberCount).to.equal(3n);
        gas.push(receipt.gasUsed);
      }
      console.log(
        `      subscribe, a new identity's first subscription: ${gas[0].toLocaleString("en-US")} gas ` +
          `(${gas[1].toLocaleString("en-US")} with per-identity bounds)`,
      );
      for (const g of gas) expect(g).to.be.lessThan(120_000n);
    });

    it("cannot be re-entered from the payment token", async function () {
      const token = await new MockReentrantToken__factory(f.owner).deploy();
      await (await token.mint(f.investorA.address, usd(1_000_000))).wait();
      await (await token.connect(f.investorA).approve(f.diamondAddress, 2n ** 256n - 1n)).wait();
      const { offeringId } = await openOffering(f, clock, { paymentToken: await token.getAddress() });
      const reenter = f.suite.interface.encodeFunctionData("subscribe", [offeringId, units(1), []]);
      await (await token.arm(f.diamondAddress, reenter)).wait();
      await subscribe(f, offeringId, f.investorA, units(10));
      expect(await token.reentryAttempts()).to.equal(1n);
      expect(await token.lastReentrySucceeded()).to.equal(false);
      expect(await token.lastReentryError()).to.equal(
        f.suite.interface.getError("ReentrancyGuardReentrantCall")?.selector ?? "0x3ee5aeb5",
      );
      expect((await f.suite.getOffering(offeringId)).subscribed).to.equal(units(10));
      await expectBooks(f, token);
    });
  });

  describe("settlement of a successful offering", function () {
    it("delivers locked tokens, pays the proceeds to the treasury and counts the holders", async function () {
      await withLockup(f);
      const { offeringId, params } = await openOffering(f, clock);
      const paidA = await subscribe(f, offeringId, f.investorA, units(300));
      const paidB = await subscribe(f, offeringId, f.investorB, units(200));
      await endOffering(clock, params);
      const until = BigInt(params.end) + BigInt(LOCKUP);
      const treasuryBefore = await f.usdc.balanceOf(f.treasury.address);

      const wallets = [f.investorA.address, f.investorB.address];
      expect(await subscribersOf(f, offeringId)).to.deep.equal(wallets);
      const tx = f.suite.connect(f.outsider).settleOffering(offeringId, wallets);
      await expect(tx).to.emit(f.suite, "OfferingFinalized").withArgs(offeringId, OfferingState.Succeeded, units(500));
      await expect(tx)
        .to.emit(f.suite, "OfferingDelivered")
        .withArgs(offeringId, f.investorA.address, units(300), until);
      await expect(tx)
        .to.emit(f.suite, "OfferingDelivered")
        .withArgs(offeringId, f.investorB.address, units(200), until);
      await expect(tx).to.emit(f.suite, "AssetLocked").withArgs(f.assetId, f.investorA.address, units(300), until);
      await expect(tx).to.emit(f.token, "Transfer").withArgs(ZeroAddress, f.investorA.address, units(300));
      await expect(tx).to.emit(f.token, "Transfer").withArgs(ZeroAddress, f.investorB.address, units(200));
      await expect(tx).to.emit(f.suite, "AssetHolderCountChanged").withArgs(f.assetId, 2n);
      await expect(tx).to.emit(f.suite, "OfferingBatchSettled").withArgs(offeringId, 2n, 2n);
      await expect(tx)
        .to.emit(f.suite, "OfferingProceedsPaid")
        .withArgs(offeringId, f.treasury.address, paidA + paidB);

      expect(await f.token.balanceOf(f.investorA.address)).to.equal(units(300));
      expect(await f.token.balanceOf(f.investorB.address)).to.equal(units(200));
      expect(await f.token.totalSupply()).to.equal(units(500));
      expect((await f.suite.getAsset(f.assetId)).holderCount).to.equal(2n);
      const holding = await f.suite.assetHolding(f.assetId, f.investorA.address);
      expect([holding.locked, holding.lockedUntil, holding.available]).to.deep.equal([units(300), until, 0n]);
      expect(await f.usdc.balanceOf(f.treasury.address)).to.equal(treasuryBefore + paidA + paidB);
      const v = await f.suite.getOffering(offeringId);
      expect([v.state, v.held, v.proceedsDue, v.settledCount]).to.deep.equal([OfferingState.Succeeded, 0n, 0n, 2n]);
      expect((await f.suite.getSubscription(offeringId, f.investorA.address)).status).to.equal(
        SubscriptionStatus.Delivered,
      );
      await expectBooks(f);

      // Locked until the end plus the asset's lock-up, then free.
      await unchanged(offeringId, wallets, () =>
        expect(f.token.connect(f.investorA).transfer(f.investorB.address, 1n))
          .to.be.revertedWithCustomError(f.suite, "AssetTransferRestricted")
          .withArgs(f.assetId, Restriction.BalanceFrozenOrLocked, f.investorA.address),
      );
      await clock.increaseTo(until);
      await (await f.token.connect(f.investorA).transfer(f.investorB.address, 1n)).wait();

      // Settled: the same call again does nothing.
      await settlesNothing(offeringId, wallets);
    });

    it("refuses settlement before the end, lists over 50 wallets and unknown offerings", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      await subscribe(f, offeringId, f.investorA, units(300));
      const wallets = [f.investorA.address];
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, wallets),
        async () => {
          await expect(settleAll(f, offeringId))
            .to.be.revertedWithCustomError(f.suite, "OfferingNotEnded")
            .withArgs(offeringId, params.end);
          await expect(f.suite.settleSubscription(offeringId, f.investorA.address))
            .to.be.revertedWithCustomError(f.suite, "OfferingNotEnded")
            .withArgs(offeringId, params.end);
        },
      );
      await endOffering(clock, params);
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, wallets),
        async () => {
          const tooMany = Array.from({ length: Number(MAX_SETTLE_BATCH) + 1 }, () => f.investorA.address);
          await expect(f.suite.settleOffering(offeringId, tooMany))
            .to.be.revertedWithCustomError(f.suite, "OfferingBatchInvalid")
            .withArgs(MAX_SETTLE_BATCH + 1n, MAX_SETTLE_BATCH);
          await expect(f.suite.settleOffering(99n, []))
            .to.be.revertedWithCustomError(f.suite, "OfferingUnknown")
            .withArgs(99n);
          await expect(f.suite.settleSubscription(99n, f.investorA.address))
            .to.be.revertedWithCustomError(f.suite, "OfferingUnknown")
            .withArgs(99n);
          await expect(f.suite.settleSubscription(offeringId, f.investorD.address))
            .to.be.revertedWithCustomError(f.suite, "OfferingNothingToSettle")
            .withArgs(offeringId);
        },
      );
    });

    it("finalizes an offering nobody subscribed to as failed, then has nothing to settle", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      await endOffering(clock, params);
      expect(await subscribersOf(f, offeringId)).to.deep.equal([]);
      const tx = f.suite.settleOffering(offeringId, []);
      await expect(tx).to.emit(f.suite, "OfferingFinalized").withArgs(offeringId, OfferingState.Failed, 0n);
      await expect(tx).to.emit(f.suite, "OfferingBatchSettled").withArgs(offeringId, 0n, 0n);
      await settlesNothing(offeringId, []);
      await settlesNothing(offeringId, [f.investorA.address]);
    });
  });

  describe("refunds", function () {
    it("refunds every subscriber when the soft cap was missed", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      const beforeA = await f.usdc.balanceOf(f.investorA.address);
      const beforeB = await f.usdc.balanceOf(f.investorB.address);
      const paidA = await subscribe(f, offeringId, f.investorA, units(40));
      const paidB = await subscribe(f, offeringId, f.investorB, units(50));
      await endOffering(clock, params);
      const tx = settleAll(f, offeringId);
      await expect(tx).to.emit(f.suite, "OfferingFinalized").withArgs(offeringId, OfferingState.Failed, units(90));
      await expect(tx)
        .to.emit(f.suite, "OfferingRefunded")
        .withArgs(offeringId, f.investorA.address, paidA, Restriction.Success);
      await expect(tx)
        .to.emit(f.suite, "OfferingRefunded")
        .withArgs(offeringId, f.investorB.address, paidB, Restriction.Success);
      await expect(tx).not.to.emit(f.suite, "OfferingProceedsPaid");
      expect(await f.usdc.balanceOf(f.investorA.address)).to.equal(beforeA);
      expect(await f.usdc.balanceOf(f.investorB.address)).to.equal(beforeB);
      expect(await f.token.totalSupply()).to.equal(0n);
      const v = await f.suite.getOffering(offeringId);
      expect([v.state, v.held, v.proceedsDue, v.settledCount]).to.deep.equal([OfferingState.Failed, 0n, 0n, 2n]);
      expect((await f.suite.getSubscription(offeringId, f.investorB.address)).status).to.equal(
        SubscriptionStatus.Refunded,
      );
      await expectBooks(f);
    });

    it("lets only the issuer cancel, once, and then refunds without waiting for the end", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      const paidA = await subscribe(f, offeringId, f.investorA, units(200));
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, [f.investorA.address]),
        () =>
          expect(f.suite.connect(f.outsider).cancelOffering(offeringId))
            .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
            .withArgs(f.assetId, f.outsider.address),
      );
      await expect(f.suite.connect(f.issuer).cancelOffering(offeringId))
        .to.emit(f.suite, "OfferingCancelled")
        .withArgs(offeringId, f.issuer.address);
      expect((await f.suite.getOffering(offeringId)).state).to.equal(OfferingState.Cancelled);
      await unchanged(offeringId, [], () =>
        expect(f.suite.connect(f.issuer).cancelOffering(offeringId))
          .to.be.revertedWithCustomError(f.suite, "OfferingEnded")
          .withArgs(offeringId),
      );
      await unchanged(offeringId, [f.investorB.address], () =>
        expect(f.suite.connect(f.investorB).subscribe(offeringId, units(10), []))
          .to.be.revertedWithCustomError(f.suite, "OfferingNotOpen")
          .withArgs(offeringId, params.start, params.end),
      );
      const tx = settleAll(f, offeringId);
      await expect(tx)
        .to.emit(f.suite, "OfferingRefunded")
        .withArgs(offeringId, f.investorA.address, paidA, Restriction.Success);
      await expect(tx).not.to.emit(f.suite, "OfferingFinalized");
      expect((await f.suite.getOffering(offeringId)).state).to.equal(OfferingState.Cancelled);
      await expectBooks(f);
    });

    it("lets the issuer cancel after the end until the outcome is decided, not after", async function () {
      const first = await openOffering(f, clock);
      await subscribe(f, first.offeringId, f.investorA, units(200));
      await endOffering(clock, first.params);
      await expect(f.suite.connect(f.issuer).cancelOffering(first.offeringId)).to.emit(f.suite, "OfferingCancelled");
      const second = await openOffering(f, clock);
      await subscribe(f, second.offeringId, f.investorA, units(200));
      await endOffering(clock, second.params);
      // An empty list decides the outcome.
      await expect(f.suite.settleOffering(second.offeringId, []))
        .to.emit(f.suite, "OfferingFinalized")
        .withArgs(second.offeringId, OfferingState.Succeeded, units(200));
      await unchanged(second.offeringId, [], () =>
        expect(f.suite.connect(f.issuer).cancelOffering(second.offeringId))
          .to.be.revertedWithCustomError(f.suite, "OfferingEnded")
          .withArgs(second.offeringId),
      );
    });
  });

  describe("eligibility at settlement", function () {
    it("refunds a subscriber whose KYC lapsed, with the reason, and the offering still succeeds", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      const beforeA = await f.usdc.balanceOf(f.investorA.address);
      const paidA = await subscribe(f, offeringId, f.investorA, units(300));
      const paidB = await subscribe(f, offeringId, f.investorB, units(200));
      await (await f.suite.connect(f.provider).setIdentityStatus(f.idA, IdentityStatus.Suspended)).wait();
      await endOffering(clock, params);
      const tx = settleAll(f, offeringId);
      await expect(tx).to.emit(f.suite, "OfferingFinalized").withArgs(offeringId, OfferingState.Succeeded, units(500));
      await expect(tx)
        .to.emit(f.suite, "OfferingRefunded")
        .withArgs(offeringId, f.investorA.address, paidA, Restriction.ReceiverNotVerified);
      await expect(tx).to.emit(f.suite, "OfferingDelivered").withArgs(offeringId, f.investorB.address, units(200), 0n);
      await expect(tx).to.emit(f.suite, "OfferingProceedsPaid").withArgs(offeringId, f.treasury.address, paidB);
      expect(await f.usdc.balanceOf(f.investorA.address)).to.equal(beforeA);
      expect(await f.token.balanceOf(f.investorA.address)).to.equal(0n);
      expect(await f.token.totalSupply()).to.equal(units(200));
      expect((await f.suite.getSubscription(offeringId, f.investorA.address)).status).to.equal(
        SubscriptionStatus.Refunded,
      );
      await expectBooks(f);
    });

    it("delivers to the wallet a lost one was recovered to", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      await subscribe(f, offeringId, f.investorA, units(300));
      await (
        await f.suite.connect(f.provider).recoverIdentityWallet(f.idA, f.investorA.address, f.spare.address)
      ).wait();
      await endOffering(clock, params);
      // Any wallet of the identity finds its subscription, served at the lost wallet's replacement.
      expect((await f.suite.getSubscription(offeringId, f.spare.address)).wallet).to.equal(f.investorA.address);
      const tx = f.suite.settleOffering(offeringId, [f.spare.address]);
      // No lock-up: the end has passed, nothing is locked.
      await expect(tx).to.emit(f.suite, "OfferingDelivered").withArgs(offeringId, f.investorA.address, units(300), 0n);
      await expect(tx).to.emit(f.token, "Transfer").withArgs(ZeroAddress, f.spare.address, units(300));
      expect(await f.token.balanceOf(f.spare.address)).to.equal(units(300));
      expect(await f.token.balanceOf(f.investorA.address)).to.equal(0n);
      await expectBooks(f);
    });

    it("refunds a lost wallet's subscription to the wallet it was recovered to", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      const paidA = await subscribe(f, offeringId, f.investorA, units(50));
      await (
        await f.suite.connect(f.provider).recoverIdentityWallet(f.idA, f.investorA.address, f.spare.address)
      ).wait();
      await endOffering(clock, params);
      const [beforeA, beforeSpare] = [
        await f.usdc.balanceOf(f.investorA.address),
        await f.usdc.balanceOf(f.spare.address),
      ];
      await expect(settleAll(f, offeringId))
        .to.emit(f.suite, "OfferingRefunded")
        .withArgs(offeringId, f.investorA.address, paidA, Restriction.Success);
      expect(await f.usdc.balanceOf(f.investorA.address)).to.equal(beforeA);
      expect(await f.usdc.balanceOf(f.spare.address)).to.equal(beforeSpare + paidA);
      await expectBooks(f);
    });

    it("refunds a delivery the asset's cap no longer has room for", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      const paidA = await subscribe(f, offeringId, f.investorA, units(600));
      await (await f.suite.connect(f.agent).mintAsset(f.assetId, f.investorB.address, units(999_500))).wait();
      await endOffering(clock, params);
      const tx = settleAll(f, offeringId);
      await expect(tx).to.emit(f.suite, "OfferingFinalized").withArgs(offeringId, OfferingState.Succeeded, units(600));
      await expect(tx)
        .to.emit(f.suite, "OfferingRefunded")
        .withArgs(offeringId, f.investorA.address, paidA, Restriction.CapExceeded);
      expect(await f.token.totalSupply()).to.equal(units(999_500));
      await expectBooks(f);
    });
  });

  describe("payment tokens that refuse", function () {
    it("keeps a refused refund due and lets the subscriber claim it to another wallet", async function () {
      const blk = await blocklistToken(f);
      // D is a second wallet of A's identity, which subscribed through A.
      await (await f.suite.connect(f.provider).addIdentityWallet(f.idA, f.investorD.address)).wait();
      const { offeringId, params } = await openOffering(f, clock, { paymentToken: blk.address });
      const paidA = await subscribe(f, offeringId, f.investorA, units(40));
      const paidB = await subscribe(f, offeringId, f.investorB, units(50));
      await (await blk.token.setBlocked(f.investorA.address, true)).wait();
      await endOffering(clock, params);
      const tx = settleAll(f, offeringId);
      await expect(tx).to.emit(f.suite, "OfferingRefundDue").withArgs(offeringId, f.investorA.address, paidA);
      await expect(tx)
        .to.emit(f.suite, "OfferingRefunded")
        .withArgs(offeringId, f.investorB.address, paidB, Restriction.Success);
      expect((await f.suite.getSubscription(offeringId, f.investorA.address)).status).to.equal(
        SubscriptionStatus.RefundDue,
      );
      expect((await f.suite.getOffering(offeringId)).held).to.equal(paidA);
      await expectBooks(f, blk.token);

      const wallets = [f.investorA.address, f.investorB.address, f.spare.address];
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, wallets, blk.token),
        async () => {
          await expect(
            f.suite.connect(f.outsider).claimOfferingRefund(offeringId, f.investorA.address, f.spare.address),
          )
            .to.be.revertedWithCustomError(f.suite, "OfferingNoRefundDue")
            .withArgs(offeringId, f.outsider.address);
          // Another wallet of the identity is not the subscription's wallet.
          await expect(
            f.suite.connect(f.investorD).claimOfferingRefund(offeringId, f.investorD.address, f.spare.address),
          )
            .to.be.revertedWithCustomError(f.suite, "OfferingNoRefundDue")
            .withArgs(offeringId, f.investorD.address);
          await expect(
            f.suite.connect(f.investorB).claimOfferingRefund(offeringId, f.investorB.address, f.spare.address),
          )
            .to.be.revertedWithCustomError(f.suite, "OfferingNoRefundDue")
            .withArgs(offeringId, f.investorB.address);
          // The diamond is no payee (what it kept would be in no module's books), nor is zero.
          for (const to of [f.diamondAddress, ethers.ZeroAddress]) {
            await expect(f.suite.connect(f.investorA).claimOfferingRefund(offeringId, f.investorA.address, to))
              .to.be.revertedWithCustomError(f.suite, "OfferingParamsInvalid")
              .withArgs("to");
          }
          // Still blocked: the token's own error, nothing changes.
          await expect(
            f.suite.connect(f.investorA).claimOfferingRefund(offeringId, f.investorA.address, f.investorA.address),
          )
            .to.be.revertedWithCustomError(blk.token, "MockBlocked")
            .withArgs(f.investorA.address);
        },
      );
      // Named by any wallet of the identity; the event names the subscription's wallet.
      await expect(f.suite.connect(f.investorA).claimOfferingRefund(offeringId, f.investorD.address, f.spare.address))
        .to.emit(f.suite, "OfferingRefundClaimed")
        .withArgs(offeringId, f.investorA.address, f.spare.address, paidA);
      expect(await blk.token.balanceOf(f.spare.address)).to.equal(paidA);
      expect((await f.suite.getSubscription(offeringId, f.investorA.address)).status).to.equal(
        SubscriptionStatus.Refunded,
      );
      expect((await f.suite.getOffering(offeringId)).held).to.equal(0n);
      await expectBooks(f, blk.token);
      await unchanged(
        offeringId,
        [...wallets],
        () =>
          expect(f.suite.connect(f.investorA).claimOfferingRefund(offeringId, f.investorA.address, f.spare.address))
            .to.be.revertedWithCustomError(f.suite, "OfferingNoRefundDue")
            .withArgs(offeringId, f.investorA.address),
        blk.token,
      );
    });

    it("lets the wallet a subscriber was recovered to claim its refund", async function () {
      const blk = await blocklistToken(f);
      const { offeringId, params } = await openOffering(f, clock, { paymentToken: blk.address });
      const paidA = await subscribe(f, offeringId, f.investorA, units(40));
      await (await blk.token.setBlocked(f.investorA.address, true)).wait();
      await endOffering(clock, params);
      await (await settleAll(f, offeringId)).wait();
      await (
        await f.suite.connect(f.provider).recoverIdentityWallet(f.idA, f.investorA.address, f.spare.address)
      ).wait();
      await expect(f.suite.connect(f.spare).claimOfferingRefund(offeringId, f.investorA.address, f.spare.address))
        .to.emit(f.suite, "OfferingRefundClaimed")
        .withArgs(offeringId, f.investorA.address, f.spare.address, paidA);
      expect(await blk.token.balanceOf(f.spare.address)).to.equal(paidA);
      await expectBooks(f, blk.token);
    });

    it("keeps the proceeds due while the treasury is blocked and pays them when retried", async function () {
      const blk = await blocklistToken(f);
      const { offeringId, params } = await openOffering(f, clock, { paymentToken: blk.address });
      const paidA = await subscribe(f, offeringId, f.investorA, units(300));
      await (await blk.token.setBlocked(f.treasury.address, true)).wait();
      await endOffering(clock, params);
      const tx = settleAll(f, offeringId);
      await expect(tx).to.emit(f.suite, "OfferingDelivered");
      await expect(tx).not.to.emit(f.suite, "OfferingProceedsPaid");
      let v = await f.suite.getOffering(offeringId);
      expect([v.proceedsDue, v.held]).to.deep.equal([paidA, paidA]);
      await expectBooks(f, blk.token);
      // A settlement call retries them: still refused, they stay due.
      await settlesNothing(offeringId, [f.investorA.address], blk.token);

      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, [f.treasury.address], blk.token),
        () =>
          expect(f.suite.connect(f.outsider).payOfferingProceeds(offeringId))
            .to.be.revertedWithCustomError(blk.token, "MockBlocked")
            .withArgs(f.treasury.address),
      );
      await (await blk.token.setBlocked(f.treasury.address, false)).wait();
      await expect(f.suite.connect(f.outsider).payOfferingProceeds(offeringId))
        .to.emit(f.suite, "OfferingProceedsPaid")
        .withArgs(offeringId, f.treasury.address, paidA);
      expect(await blk.token.balanceOf(f.treasury.address)).to.equal(paidA);
      v = await f.suite.getOffering(offeringId);
      expect([v.proceedsDue, v.held]).to.deep.equal([0n, 0n]);
      await expectBooks(f, blk.token);
      await unchanged(
        offeringId,
        [f.treasury.address],
        () =>
          expect(f.suite.payOfferingProceeds(offeringId))
            .to.be.revertedWithCustomError(f.suite, "OfferingNothingToSettle")
            .withArgs(offeringId),
        blk.token,
      );
    });

    it("pays the proceeds to a new treasury the issuer sets when the first stays blocked", async function () {
      const blk = await blocklistToken(f);
      const { offeringId, params } = await openOffering(f, clock, { paymentToken: blk.address });
      const paidA = await subscribe(f, offeringId, f.investorA, units(300));
      await (await blk.token.setBlocked(f.treasury.address, true)).wait();
      await endOffering(clock, params);
      await (await settleAll(f, offeringId)).wait();
      // Only the asset's issuer may move the treasury, and not to zero.
      for (const who of [f.outsider, f.agent]) {
        await unchanged(
          offeringId,
          [f.treasury.address],
          () =>
            expect(f.suite.connect(who).setOfferingTreasury(offeringId, f.outsider.address))
              .to.be.revertedWithCustomError(f.suite, "AssetNotIssuer")
              .withArgs(params.assetId, who.address),
          blk.token,
        );
      }
      await unchanged(
        offeringId,
        [f.treasury.address],
        () =>
          expect(f.suite.connect(f.issuer).setOfferingTreasury(offeringId, ethers.ZeroAddress))
            .to.be.revertedWithCustomError(f.suite, "OfferingParamsInvalid")
            .withArgs("treasury"),
        blk.token,
      );
      await expect(f.suite.connect(f.issuer).setOfferingTreasury(99n, f.outsider.address))
        .to.be.revertedWithCustomError(f.suite, "OfferingUnknown")
        .withArgs(99n);
      const newTreasury = f.outsider.address;
      await expect(f.suite.connect(f.issuer).setOfferingTreasury(offeringId, newTreasury))
        .to.emit(f.suite, "OfferingTreasurySet")
        .withArgs(offeringId, newTreasury);
      expect((await f.suite.getOffering(offeringId)).params.treasury).to.equal(newTreasury);
      await expect(f.suite.payOfferingProceeds(offeringId))
        .to.emit(f.suite, "OfferingProceedsPaid")
        .withArgs(offeringId, newTreasury, paidA);
      expect(await blk.token.balanceOf(newTreasury)).to.equal(paidA);
      await expectBooks(f, blk.token);
    });

    it("has no proceeds to pay for an offering that did not succeed", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      await subscribe(f, offeringId, f.investorA, units(40));
      await unchanged(offeringId, [f.treasury.address], () =>
        expect(f.suite.payOfferingProceeds(offeringId))
          .to.be.revertedWithCustomError(f.suite, "OfferingNotSettleable")
          .withArgs(offeringId, OfferingState.Open),
      );
      await endOffering(clock, params);
      await (await settleAll(f, offeringId)).wait();
      await unchanged(offeringId, [f.treasury.address], () =>
        expect(f.suite.payOfferingProceeds(offeringId))
          .to.be.revertedWithCustomError(f.suite, "OfferingNotSettleable")
          .withArgs(offeringId, OfferingState.Failed),
      );
      await unchanged(offeringId, [f.treasury.address], () =>
        expect(f.suite.payOfferingProceeds(99n))
          .to.be.revertedWithCustomError(f.suite, "OfferingUnknown")
          .withArgs(99n),
      );
    });
  });

  describe("batches of listed wallets", function () {
    it("settles lists of one, counting each settled subscription and paying each call's proceeds", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      const paid = [
        await subscribe(f, offeringId, f.investorA, units(100)),
        await subscribe(f, offeringId, f.investorB, units(200)),
        await subscribe(f, offeringId, f.investorC, units(300)),
      ];
      const wallets = [f.investorA.address, f.investorB.address, f.investorC.address];
      expect(await subscribersOf(f, offeringId)).to.deep.equal(wallets);
      await endOffering(clock, params);
      for (let i = 0; i < 3; i++) {
        expect(await f.suite.settleOffering.staticCall(offeringId, [wallets[i]])).to.equal(1n);
        const tx = f.suite.settleOffering(offeringId, [wallets[i]]);
        await expect(tx)
          .to.emit(f.suite, "OfferingDelivered")
          .withArgs(offeringId, wallets[i], units(100 * (i + 1)), 0n);
        await expect(tx)
          .to.emit(f.suite, "OfferingBatchSettled")
          .withArgs(offeringId, 1n, BigInt(i + 1));
        await expect(tx).to.emit(f.suite, "OfferingProceedsPaid").withArgs(offeringId, f.treasury.address, paid[i]);
        const v = await f.suite.getOffering(offeringId);
        expect([v.subscriberCount, v.settledCount]).to.deep.equal([3n, BigInt(i + 1)]);
        for (let j = 0; j < 3; j++) {
          expect((await f.suite.getSubscription(offeringId, wallets[j])).status).to.equal(
            j <= i ? SubscriptionStatus.Delivered : SubscriptionStatus.Open,
          );
        }
        await expectBooks(f);
      }
      await settlesNothing(offeringId, wallets);
    });

    it("settles one subscription out of order, once, and a batch skips it", async function () {
      const { offeringId, params } = await openOffering(f, clock);
      const paid = [
        await subscribe(f, offeringId, f.investorA, units(100)),
        await subscribe(f, offeringId, f.investorB, units(200)),
        await subscribe(f, offeringId, f.investorC, units(300)),
      ];
      await endOffering(clock, params);
      const first = f.suite.connect(f.outsider).settleSubscription(offeringId, f.investorB.address);
      await expect(first)
        .to.emit(f.suite, "OfferingFinalized")
        .withArgs(offeringId, OfferingState.Succeeded, units(600));
      await expect(first)
        .to.emit(f.suite, "OfferingDelivered")
        .withArgs(offeringId, f.investorB.address, units(200), 0n);
      let v = await f.suite.getOffering(offeringId);
      expect([v.settledCount, v.proceedsDue]).to.deep.equal([1n, paid[1]]);
      await expectBooks(f);

      // Again: settled already, so nothing happens.
      await expectUnchanged(
        () => offeringSnapshot(f, offeringId, [f.investorB.address]),
        async () => {
          const receipt = (await (await f.suite.settleSubscription(offeringId, f.investorB.address)).wait())!;
          expect(receipt.logs).to.have.length(0);
        },
      );

      const receipt = (await (await settleAll(f, offeringId)).wait())!;
      const delivered = eventsOf(f, receipt, "OfferingDelivered").map((e) => e.args.wallet as string);
      expect(delivered).to.deep.equal([f.investorA.address, f.investorC.address]);
      expect(eventsOf(f, receipt, "OfferingBatchSettled").map((e) => [...e.args])).to.deep.equal([
        [offeringId, 2n, 3n],
      ]);
      expect(eventsOf(f, receipt, "OfferingProceedsPaid").map((e) => [...e.args])).to.deep.equal([
        [offeringId, f.treasury.address, paid[0] + paid[1] + paid[2]],
      ]);
      expect(await f.token.balanceOf(f.investorB.address)).to.equal(units(200));
      v = await f.suite.getOffering(offeringId);
      expect([v.settledCount, v.proceedsDue, v.held]).to.deep.equal([3n, 0n, 0n]);
      await expectBooks(f);
    });

    it("settles an identity once, whichever and however many of its wallets are listed", async function () {
      // D is a second wallet of A's identity: A and D subscribe to one subscription, at A.
      await (await f.suite.connect(f.provider).addIdentityWallet(f.idA, f.investorD.address)).wait();
      const { offeringId, params } = await openOffering(f, clock);
      await subscribe(f, offeringId, f.investorA, units(60));
      await subscribe(f, offeringId, f.investorD, units(40));
      const paidB = await subscribe(f, offeringId, f.investorB, units(100));
      expect(await subscribersOf(f, offeringId)).to.deep.equal([f.investorA.address, f.investorB.address]);
      await endOffering(clock, params);
      // D before A, each twice; an unregistered wallet; a verified wallet that never subscribed.
      const listed = [
        f.investorD.address,
        f.investorA.address,
        f.alice.address,
        f.investorC.address,
        f.investorD.address,
        f.investorB.address,
        f.investorB.address,
      ];
      expect(await f.suite.settleOffering.staticCall(offeringId, listed)).to.equal(2n);
      const receipt = (await (await f.suite.settleOffering(offeringId, listed)).wait())!;
      expect(eventsOf(f, receipt, "OfferingDelivered").map((e) => [...e.args])).to.deep.equal([
        [offeringId, f.investorA.address, units(100), 0n],
        [offeringId, f.investorB.address, units(100), 0n],
      ]);
      expect(eventsOf(f, receipt, "OfferingBatchSettled").map((e) => [...e.args])).to.deep.equal([
        [offeringId, 2n, 2n],
      ]);
      expect(eventsOf(f, receipt, "OfferingProceedsPaid").map((e) => [...e.args])).to.deep.equal([
        [offeringId, f.treasury.address, costOf(units(100)) + paidB],
      ]);
      expect(await f.token.balanceOf(f.investorA.address)).to.equal(units(100));
      expect(await f.token.balanceOf(f.investorD.address)).to.equal(0n);
      const v = await f.suite.getOffering(offeringId);
      expect([v.subscriberCount, v.settledCount, v.held]).to.deep.equal([2n, 2n, 0n]);
      await expectBooks(f);
      await settlesNothing(offeringId, listed);
    });

    it("settles a full list of 50 new holders with a lock-up under 7,500,000 gas", async function () {
      this.timeout(600_000);
      await withLockup(f);
      const investors = await manyInvestors(ethers, f, Number(MAX_SETTLE_BATCH));
      // The same 50 in an offering that succeeds (50 deliveries, each a new holder with a lock)
      // and in one that fails (50 refunds).
      const success = await createOffering(f, clock, { hardCap: units(1_000) });
      const { start, end } = success.params;
      const failure = await createOffering(f, clock, { softCap: units(1_000), hardCap: units(1_000), start, end });
      await clock.increaseTo(BigInt(success.params.start));
      for (const w of investors) {
        await subscribe(f, success.offeringId, w, units(10));
        await subscribe(f, failure.offeringId, w, units(10));
      }
      await endOffering(clock, failure.params);
      const wallets = investors.map((w) => w.address);
      expect(await subscribersOf(f, success.offeringId)).to.deep.equal(wallets);
      const delivered = (await (await f.suite.settleOffering(success.offeringId, wallets)).wait())!;
      const refunded = (await (await f.suite.settleOffering(failure.offeringId, wallets)).wait())!;
      console.log(
        `      settleOffering of 50 wallets: 50 deliveries to new holders with a lock-up ` +
          `${delivered.gasUsed.toLocaleString("en-US")} gas; 50 refunds ${refunded.gasUsed.toLocaleString("en-US")} gas`,
      );
      expect(eventsOf(f, delivered, "OfferingDelivered")).to.have.length(50);
      expect(eventsOf(f, refunded, "OfferingRefunded")).to.have.length(50);
      expect(delivered.gasUsed).to.be.lessThan(7_500_000n);
      expect(refunded.gasUsed).to.be.lessThan(7_500_000n);
      expect((await f.suite.getAsset(f.assetId)).holderCount).to.equal(50n);
      for (const id of [success.offeringId, failure.offeringId]) {
        expect((await f.suite.getOffering(id)).settledCount).to.equal(50n);
      }
      await expectBooks(f);
    });
  });

  describe("views", function () {
    it("refuse an unknown offering", async function () {
      for (const call of [
        () => f.suite.getOffering(1n),
        () => f.suite.getSubscription(1n, f.investorA.address),
        () => f.suite.offeringIdentityTotal(1n, f.idA),
        () => f.suite.offeringCost(1n, units(1)),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.suite, "OfferingUnknown").withArgs(1n);
      }
      expect(await f.suite.offeringCount()).to.equal(0n);
    });
  });
});
