// What the payment module's test files share: rails, units, and the check that the diamond
// holds exactly what it owes (whether a call changed nothing is `expectUnchanged` in
// ../helpers.ts, over each file's own snapshot).
import { expect } from "chai";
import { encodeBytes32String, parseUnits, ZeroAddress, type Signer } from "ethers";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import suiteManifest from "../../scripts/manifest.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import { MockNativeReceiver__factory } from "../../typechain-types/index.js";
import type { IFinanceDiamond, IFinanceSuite, MockNativeReceiver } from "../../typechain-types/index.js";

export const SEPA = encodeBytes32String("SEPA-EUR");
export const MOBILE = encodeBytes32String("mobile");
export const NATIVE = ZeroAddress;
/** The module id payment credits refused payouts under (`Credited`'s `moduleId`). */
export const PAYMENT_ID = encodeBytes32String("payment");

/**
 * Installs payment as the `payments` set does: the credit module (its dependency) first.
 * `diamond` must be connected as the upgrader of a diamond whose timelock delay is 0.
 */
export async function installPayment(ethers: HardhatEthers, diamond: IFinanceDiamond): Promise<void> {
  for (const id of suiteManifest.sets.payments) await installFromManifest(ethers, diamond, suiteManifest, id);
}

/** 6-decimal stablecoin units. */
export const usd = (n: string | number) => parseUnits(String(n), 6);

/** The module's fee: basis points, rounded down. */
export const feeOf = (amount: bigint, bps: bigint) => (amount * bps) / 10_000n;

/** An asset a test watches: a short name, its address (zero: native) and a balance reader. */
export interface WatchedAsset {
  name: string;
  address: string;
  balanceOf(holder: string): Promise<bigint>;
}

/**
 * Everything a payment can touch, as strings: per asset, each holder's balance and credit
 * (in the diamond's credit book), the accrued fees, the escrowed total, the total of
 * credits and the rail on each channel.
 */
export async function paymentState(
  suite: IFinanceSuite,
  assets: WatchedAsset[],
  holders: string[],
  channels: string[] = [SEPA],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { name, address, balanceOf } of assets) {
    for (const h of holders) {
      out[`${name}:${h}`] = (await balanceOf(h)).toString();
      out[`credit:${name}:${h}`] = (await suite.creditOf(address, h)).toString();
    }
    out[`accrued:${name}`] = (await suite.accruedPaymentFees(address)).toString();
    out[`escrowed:${name}`] = (await suite.escrowedAmount(address)).toString();
    out[`credits:${name}`] = (await suite.totalCredits(address)).toString();
    for (const channel of channels)
      out[`rail:${channel}:${name}`] = (await suite.paymentRail(channel, address)).join(",");
  }
  return out;
}

/**
 * For every asset, the diamond holds exactly the accrued fees, the open escrows and the
 * credits (payment is the only module that credits on these diamonds).
 */
export async function expectSolvent(suite: IFinanceSuite, assets: WatchedAsset[]) {
  const diamond = await suite.getAddress();
  for (const { name, address, balanceOf } of assets) {
    const owed =
      (await suite.accruedPaymentFees(address)) +
      (await suite.escrowedAmount(address)) +
      (await suite.totalCredits(address));
    expect(await balanceOf(diamond), `diamond balance of ${name}`).to.equal(owed);
  }
}

/** `MockNativeReceiver.Mode`. */
export const RECEIVER_MODE = {
  Accept: 0,
  Reject: 1,
  ReenterAndRecord: 2,
  ReenterAndBubble: 3,
  RejectWithLongData: 4,
  BurnAllGas: 5,
} as const;

/** A native-currency receiver whose behaviour a test sets (accept, reject, re-enter, …). */
export async function deployReceiver(deployer: Signer): Promise<MockNativeReceiver> {
  const receiver = await new MockNativeReceiver__factory(deployer).deploy();
  await receiver.waitForDeployment();
  return receiver;
}
