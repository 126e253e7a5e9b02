// Redemptions: holders burn tokens for a payment token at a set price inside a window,
// from funds the issuer (or anyone) deposits; the issuer takes back the rest once closed.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { Restriction } from "../../scripts/lib/asset.js";
import { IdentityStatus } from "../../scripts/lib/identity.js";
import { assetFixture, units, usd, DAY, type AssetFixture } from "./fixture.js";
import {
  expectSolvent,
  feeOnTransferToken,
  installLockModule,
  mintAll,
  openRedemption,
  refusal,
  type StateScope,
} from "./distribution-support.js";

const { ethers, networkHelpers } = await network.create();

const HOLDING_A = units(100);
const HOLDING_B = units(200);
const HOLDING_C = units(300);
/** 12.50 USD per whole token. */
const PRICE = usd("12.5");
const FUNDS = usd(5_000);
const WINDOW = 7 * DAY;

/** What redeeming `amount` pays: amount × price / 10^18, rounded down. */
const payment = (amount: bigint, price = PRICE) => (amount * price) / 10n ** 18n;

async function holdersFixture() {
  const f = await assetFixture(ethers);
  await mintAll(f, [
    [f.investorA, HOLDING_A],
    [f.investorB, HOLDING_B],
    [f.investorC, HOLDING_C],
  ]);
  return f;
}

describe("asset: redemptions", function () {
  let f: AssetFixture;
  let usdc: string;
  let start: number;
  let end: number;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(holdersFixture);
    usdc = await f.usdc.getAddress();
    start = (await networkHelpers.time.latest()) + DAY;
    end = start + WINDOW;
  });

  // The module's books of the payment token equal what the diamond holds, after every scenario.
  afterEach(async function () {
    await expectSolvent(f);
  });

  const scope = (redemptions: bigint[] = []): StateScope => ({
    wallets: [f.investorA, f.investorB, f.investorC, f.investorD, f.outsider],
    redemptions,
  });

  const open = (caller: HardhatEthersSigner, overrides: Partial<Record<string, unknown>> = {}) => {
    const p = { token: usdc, price: PRICE, start, end, funds: FUNDS, ...overrides };
    return f.suite
      .connect(caller)
      .openRedemption(
        f.assetId,
        p.token as string,
        p.price as bigint,
        p.start as number,
        p.end as number,
        p.funds as bigint,
      );
  };

  const redeem = (id: bigint, holder: HardhatEthersSigner, amount: bigint, to = holder.address) =>
    f.suite.connect(holder).redeemAsset(id, amount, to);

  describe("openRedemption", function () {
    it("opens a funded window: pulls the funds and records the redemption", async function () {
      const issuerBefore = await f.usdc.balanceOf(f.issuer.address);
      const tx = open(f.issuer);
      await expect(tx).to.emit(f.suite, "RedemptionOpened").withArgs(1n, f.assetId, usdc, PRICE, start, end);
      await expect(tx).to.emit(f.suite, "RedemptionFunded").withArgs(1n, f.issuer.address, FUNDS);
      await expect(tx).to.emit(f.usdc, "Transfer").withArgs(f.issuer.address, f.diamondAddress, FUNDS);
      expect([...(await f.suite.getRedemption(1n))]).to.deep.equal([
        f.assetId,
        usdc,
        PRICE,
        BigInt(start),
        BigInt(end),
        false,
        FUNDS,
        0n,
      ]);
      expect(await f.suite.redemptionCount()).to.equal(1n);
      expect(await f.usdc.balanceOf(f.issuer.address)).to.equal(issuerBefore - FUNDS);
      expect(await f.suite.assetBooks(usdc)).to.equal(FUNDS);
    });

    it("opens an unfunded window without a transfer, starting now", async function () {
      const now = (await networkHelpers.time.latest()) + 1;
      await networkHelpers.time.setNextBlockTimestamp(now);
      const tx = open(f.issuer, { funds: 0n, start: now });
      await expect(tx).to.emit(f.suite, "RedemptionOpened").withArgs(1n, f.assetId, usdc, PRICE, now, end);
      await expect(tx).to.not.emit(f.suite, "RedemptionFunded");
      await expect(tx).to.not.emit(f.usdc, "Transfer");
      expect((await f.suite.getRedemption(1n)).funds).to.equal(0n);
      expect(await f.suite.assetBooks(usdc)).to.equal(0n);
    });

    it("reverts with AssetUnknown or AssetNotIssuer", async function () {
      const refuse = refusal(f, scope());
      await refuse(
        () => f.suite.connect(f.issuer).openRedemption(42n, usdc, PRICE, start, end, FUNDS),
        "AssetUnknown",
        [42n],
      );
      await refuse(() => open(f.investorA), "AssetNotIssuer", [f.assetId, f.investorA.address]);
      await refuse(() => open(f.agent), "AssetNotIssuer", [f.assetId, f.agent.address]);
    });

    it("reverts with RedemptionParamsInvalid for a zero token or price, a past start, an end not after the start, too large funds", async function () {
      const refuse = refusal(f, scope());
      const past = (await networkHelpers.time.latest()) - 1;
      const invalid = (what: string, overrides: Record<string, unknown>) =>
        refuse(() => open(f.issuer, overrides), "RedemptionParamsInvalid", [what]);
      await invalid("paymentToken", { token: ZeroAddress });
      await invalid("price", { price: 0n });
      await invalid("start", { start: past });
      await invalid("end", { end: start });
      await invalid("end", { end: start - 1 });
      await invalid("funds", { funds: 2n ** 128n });
    });

    it("reverts with AssetPaymentShortfall when funded with a fee-on-transfer token", async function () {
      const fot = await feeOnTransferToken(f);
      const token = await fot.getAddress();
      await refusal(f, { ...scope(), tokens: [f.usdc, fot] })(
        () => open(f.issuer, { token }),
        "AssetPaymentShortfall",
        [token, FUNDS, FUNDS - FUNDS / 100n],
      );
      await expectSolvent(f, [fot]);
    });
  });

  describe("fundRedemption", function () {
    let id: bigint;

    beforeEach(async function () {
      id = await openRedemption(f, { price: PRICE, start, end, funds: FUNDS });
    });

    it("lets anyone add funds, until the redemption is closed", async function () {
      const amount = usd(750);
      const before = await f.usdc.balanceOf(f.investorB.address);
      const tx = f.suite.connect(f.investorB).fundRedemption(id, amount);
      await expect(tx).to.emit(f.suite, "RedemptionFunded").withArgs(id, f.investorB.address, amount);
      await expect(tx).to.emit(f.usdc, "Transfer").withArgs(f.investorB.address, f.diamondAddress, amount);
      expect(await f.usdc.balanceOf(f.investorB.address)).to.equal(before - amount);
      expect((await f.suite.getRedemption(id)).funds).to.equal(FUNDS + amount);
      // After the end, until it is closed (the close returns it).
      await networkHelpers.time.increaseTo(end + 1);
      await (await f.suite.connect(f.issuer).fundRedemption(id, amount)).wait();
      expect((await f.suite.getRedemption(id)).funds).to.equal(FUNDS + 2n * amount);
      await expect(f.suite.connect(f.issuer).closeRedemption(id, f.issuer.address))
        .to.emit(f.suite, "RedemptionClosed")
        .withArgs(id, f.issuer.address, FUNDS + 2n * amount);
    });

    it("reverts with RedemptionUnknown, or RedemptionParamsInvalid for a zero or overflowing amount", async function () {
      const refuse = refusal(f, scope([id]));
      await refuse(() => f.suite.connect(f.issuer).fundRedemption(9n, FUNDS), "RedemptionUnknown", [9n]);
      await refuse(() => f.suite.connect(f.issuer).fundRedemption(id, 0n), "RedemptionParamsInvalid", ["amount"]);
      await refuse(() => f.suite.connect(f.issuer).fundRedemption(id, 2n ** 128n - FUNDS), "RedemptionParamsInvalid", [
        "amount",
      ]);
    });

    it("reverts with RedemptionClosedAlready once closed", async function () {
      await networkHelpers.time.increaseTo(end + 1);
      await (await f.suite.connect(f.issuer).closeRedemption(id, f.issuer.address)).wait();
      await refusal(f, scope([id]))(
        () => f.suite.connect(f.investorA).fundRedemption(id, usd(1)),
        "RedemptionClosedAlready",
        [id],
      );
    });

    it("reverts with AssetPaymentShortfall for a fee-on-transfer token", async function () {
      const fot = await feeOnTransferToken(f);
      const token = await fot.getAddress();
      const unfunded = await openRedemption(f, { price: PRICE, start, end, funds: 0n, token: fot });
      const amount = usd(300);
      await refusal(f, { ...scope([unfunded]), tokens: [f.usdc, fot] })(
        () => f.suite.connect(f.issuer).fundRedemption(unfunded, amount),
        "AssetPaymentShortfall",
        [token, amount, amount - amount / 100n],
      );
      await expectSolvent(f, [fot]);
    });
  });

  describe("redeemAsset", function () {
    let id: bigint;

    beforeEach(async function () {
      id = await openRedemption(f, { price: PRICE, start, end, funds: FUNDS });
      await networkHelpers.time.increaseTo(start);
    });

    it("burns the caller's tokens and pays amount × price to `to`", async function () {
      const amount = units(40);
      const paid = payment(amount);
      expect(paid).to.equal(usd(500));
      const to = f.outsider.address;
      const before = await f.usdc.balanceOf(to);
      expect(await f.suite.connect(f.investorA).redeemAsset.staticCall(id, amount, to)).to.equal(paid);
      const tx = redeem(id, f.investorA, amount, to);
      await expect(tx).to.emit(f.suite, "AssetRedeemed").withArgs(id, f.investorA.address, amount, paid, to);
      await expect(tx).to.emit(f.token, "Transfer").withArgs(f.investorA.address, ZeroAddress, amount);
      await expect(tx).to.emit(f.usdc, "Transfer").withArgs(f.diamondAddress, to, paid);
      await expect(tx).to.not.emit(f.suite, "AssetHolderCountChanged");
      expect(await f.usdc.balanceOf(to)).to.equal(before + paid);
      expect(await f.token.balanceOf(f.investorA.address)).to.equal(HOLDING_A - amount);
      expect(await f.token.totalSupply()).to.equal(HOLDING_A + HOLDING_B + HOLDING_C - amount);
      const view = await f.suite.getRedemption(id);
      expect([view.funds, view.redeemed]).to.deep.equal([FUNDS - paid, amount]);
      expect(await f.suite.assetBooks(usdc)).to.equal(FUNDS - paid);
    });

    it("redeeming a whole holding removes the holder", async function () {
      await expect(redeem(id, f.investorA, HOLDING_A))
        .to.emit(f.suite, "AssetHolderCountChanged")
        .withArgs(f.assetId, 2n);
      expect((await f.suite.getAsset(f.assetId)).holderCount).to.equal(2n);
    });

    it("is open from the start to the end included; RedemptionNotOpen before and after", async function () {
      const early = await openRedemption(f, { price: PRICE, start: start + DAY, end, funds: FUNDS });
      const refuse = refusal(f, scope([id, early]));
      await refuse(() => redeem(early, f.investorA, units(1)), "RedemptionNotOpen", [early, start + DAY, end]);
      await networkHelpers.time.increaseTo(start + DAY - 1);
      // Mined at the start.
      await (await redeem(early, f.investorA, units(1))).wait();
      await networkHelpers.time.increaseTo(end - 1);
      // Mined at the end.
      await (await redeem(id, f.investorA, units(1))).wait();
      await refuse(() => redeem(id, f.investorA, units(1)), "RedemptionNotOpen", [id, start, end]);
      expect((await f.suite.getRedemption(id)).redeemed).to.equal(units(1));
    });

    it("rounds the payment down; RedemptionAmountTooSmall when it would be zero", async function () {
      const refuse = refusal(f, scope([id]));
      // One payment unit is worth 10^18 / 12,500,000 = 8 × 10^10 asset units.
      const unitWorth = 10n ** 18n / PRICE;
      for (const amount of [0n, 1n, unitWorth - 1n]) {
        await refuse(() => redeem(id, f.investorA, amount), "RedemptionAmountTooSmall", [id, amount]);
      }
      await expect(redeem(id, f.investorA, unitWorth))
        .to.emit(f.suite, "AssetRedeemed")
        .withArgs(id, f.investorA.address, unitWorth, 1n, f.investorA.address);
      const odd = 123_456_789_012_345_678n;
      expect(payment(odd)).to.equal(1_543_209n);
      await expect(redeem(id, f.investorA, odd))
        .to.emit(f.suite, "AssetRedeemed")
        .withArgs(id, f.investorA.address, odd, 1_543_209n, f.investorA.address);
      expect((await f.suite.getRedemption(id)).funds).to.equal(FUNDS - 1n - 1_543_209n);
    });

    it("reverts with RedemptionInsufficientFunds beyond the funds; succeeds once funded", async function () {
      // 300 tokens need 3,750 USD; 2,500 tokens' worth is left after B's redemption.
      await (await redeem(id, f.investorB, units(200))).wait();
      const left = FUNDS - usd(2_500);
      await refusal(f, scope([id]))(() => redeem(id, f.investorC, HOLDING_C), "RedemptionInsufficientFunds", [
        id,
        usd(3_750),
        left,
      ]);
      await (await f.suite.connect(f.issuer).fundRedemption(id, usd(3_750) - left)).wait();
      await (await redeem(id, f.investorC, HOLDING_C)).wait();
      expect((await f.suite.getRedemption(id)).funds).to.equal(0n);
    });

    it("reverts with RedemptionUnknown, or RedemptionParamsInvalid for a zero receiver", async function () {
      const refuse = refusal(f, scope([id]));
      await refuse(() => redeem(5n, f.investorA, units(1)), "RedemptionUnknown", [5n]);
      await refuse(() => redeem(id, f.investorA, units(1), ZeroAddress), "RedemptionParamsInvalid", ["to"]);
      await refuse(() => redeem(id, f.investorA, units(1), f.diamondAddress), "RedemptionParamsInvalid", ["to"]);
    });

    describe("the caller must be able to send: AssetTransferRestricted", function () {
      const restricted = async (holder: HardhatEthersSigner, amount: bigint, reason: number, account: string) =>
        refusal(f, scope([id]))(() => redeem(id, holder, amount), "AssetTransferRestricted", [
          f.assetId,
          reason,
          account,
        ]);

      it("Paused while the asset is paused", async function () {
        await (await f.suite.connect(f.agent).setAssetPaused(f.assetId, true)).wait();
        await restricted(f.investorA, units(1), Restriction.Paused, ZeroAddress);
      });

      it("SenderNotVerified for a suspended identity or an unregistered wallet", async function () {
        await (await f.suite.connect(f.provider).setIdentityStatus(f.idC, IdentityStatus.Suspended)).wait();
        await restricted(f.investorC, units(1), Restriction.SenderNotVerified, f.investorC.address);
        await restricted(f.investorD, units(1), Restriction.SenderNotVerified, f.investorD.address);
      });

      it("SenderFrozen for a frozen wallet", async function () {
        await (await f.suite.connect(f.agent).setAssetWalletFrozen(f.assetId, f.investorB.address, true)).wait();
        await restricted(f.investorB, units(1), Restriction.SenderFrozen, f.investorB.address);
      });

      it("InsufficientBalance beyond the balance", async function () {
        await restricted(f.investorA, HOLDING_A + 1n, Restriction.InsufficientBalance, f.investorA.address);
      });

      it("BalanceFrozenOrLocked beyond what is neither frozen nor locked", async function () {
        await (await f.suite.connect(f.agent).setAssetFrozenTokens(f.assetId, f.investorA.address, units(80))).wait();
        await restricted(f.investorA, units(21), Restriction.BalanceFrozenOrLocked, f.investorA.address);
        await (await redeem(id, f.investorA, units(20))).wait();
        const { lock } = await installLockModule(ethers, f);
        await lock(f.investorC, units(250), end + DAY);
        await restricted(f.investorC, units(51), Restriction.BalanceFrozenOrLocked, f.investorC.address);
        await (await redeem(id, f.investorC, units(50))).wait();
        expect((await f.suite.getRedemption(id)).redeemed).to.equal(units(70));
      });
    });
  });

  describe("closeRedemption", function () {
    let id: bigint;

    beforeEach(async function () {
      id = await openRedemption(f, { price: PRICE, start, end, funds: FUNDS });
      await networkHelpers.time.increaseTo(start);
      await (await redeem(id, f.investorA, units(40))).wait();
    });

    const close = (caller: HardhatEthersSigner, to: string, redemptionId = id) =>
      f.suite.connect(caller).closeRedemption(redemptionId, to);

    it("reverts with RedemptionNotEnded until after the end", async function () {
      const refuse = refusal(f, scope([id]));
      await refuse(() => close(f.issuer, f.issuer.address), "RedemptionNotEnded", [id, end]);
      await networkHelpers.time.increaseTo(end - 1);
      // Mined at the end: the last second of the window.
      await refuse(() => close(f.issuer, f.issuer.address), "RedemptionNotEnded", [id, end]);
    });

    it("reverts with RedemptionUnknown, AssetNotIssuer, or RedemptionParamsInvalid for a zero receiver", async function () {
      await networkHelpers.time.increaseTo(end + 1);
      const refuse = refusal(f, scope([id]));
      await refuse(() => close(f.issuer, f.issuer.address, 3n), "RedemptionUnknown", [3n]);
      await refuse(() => close(f.outsider, f.outsider.address), "AssetNotIssuer", [f.assetId, f.outsider.address]);
      await refuse(() => close(f.issuer, ZeroAddress), "RedemptionParamsInvalid", ["to"]);
      await refuse(() => close(f.issuer, f.diamondAddress), "RedemptionParamsInvalid", ["to"]);
    });

    it("after the end returns the unspent funds to `to`, once; the window stays shut", async function () {
      await networkHelpers.time.increaseTo(end + 1);
      const rest = FUNDS - usd(500);
      const treasury = f.outsider.address;
      const before = await f.usdc.balanceOf(treasury);
      expect(await f.suite.connect(f.issuer).closeRedemption.staticCall(id, treasury)).to.equal(rest);
      const tx = close(f.issuer, treasury);
      await expect(tx).to.emit(f.suite, "RedemptionClosed").withArgs(id, treasury, rest);
      await expect(tx).to.emit(f.usdc, "Transfer").withArgs(f.diamondAddress, treasury, rest);
      expect(await f.usdc.balanceOf(treasury)).to.equal(before + rest);
      const view = await f.suite.getRedemption(id);
      expect([view.closed, view.funds, view.redeemed]).to.deep.equal([true, 0n, units(40)]);
      expect(await f.suite.assetBooks(usdc)).to.equal(0n);
      const refuse = refusal(f, scope([id]));
      await refuse(() => close(f.issuer, treasury), "RedemptionClosedAlready", [id]);
      await refuse(() => redeem(id, f.investorA, units(1)), "RedemptionNotOpen", [id, start, end]);
    });

    it("returns 0 without a transfer when the funds are spent", async function () {
      // 4,500 USD left: 200 + 160 tokens.
      await (await redeem(id, f.investorB, units(200))).wait();
      await (await redeem(id, f.investorC, units(160))).wait();
      expect((await f.suite.getRedemption(id)).funds).to.equal(0n);
      await networkHelpers.time.increaseTo(end + 1);
      const tx = close(f.issuer, f.issuer.address);
      await expect(tx).to.emit(f.suite, "RedemptionClosed").withArgs(id, f.issuer.address, 0n);
      await expect(tx).to.not.emit(f.usdc, "Transfer");
      expect((await f.suite.getRedemption(id)).closed).to.equal(true);
    });
  });
});
