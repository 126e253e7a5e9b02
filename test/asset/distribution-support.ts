// Helpers of the distribution and redemption tests: holdings, deposits, distribution ids, a
// state snapshot for "a refused call changes nothing", the solvency check (books == what the
// diamond holds), test payment tokens and a test module that locks tokens and moves them in
// and out of the diamond's custody.
import { expect } from "chai";
import { Wallet, getAddress, id, toBeHex, type BaseContract, type ContractTransactionReceipt } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { installFromManifest } from "../../scripts/lib/modules.js";
import type { Manifest } from "../../scripts/lib/manifest.js";
import suiteManifest from "../../scripts/manifest.js";
import {
  AssetDistributionFacet__factory,
  MockBlocklistToken__factory,
  MockFeeOnTransferToken__factory,
  type MockBlocklistToken,
  type MockFeeOnTransferToken,
  type MockStablecoin,
} from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { DAY, kyc, usd, type AssetFixture } from "./fixture.js";

export type PaymentToken = MockStablecoin | MockFeeOnTransferToken | MockBlocklistToken;
type Holder = HardhatEthersSigner | string;

const addressOf = (h: Holder) => (typeof h === "string" ? h : h.address);

/** The default claim period of the tests' distributions. */
export const CLAIM_PERIOD = 30 * DAY;

/** The largest distribution amount (amounts are kept in 96 bits). */
export const MAX_DISTRIBUTION_AMOUNT = 2n ** 96n - 1n;

/** A distribution's id: `uint160(paymentToken) << 96 | assetId << 32 | snapshotId`. */
export const distributionIdOf = (paymentToken: string, assetId: bigint, snapshotId: bigint | number) =>
  (BigInt(paymentToken) << 96n) | (assetId << 32n) | BigInt(snapshotId);

/** What a distribution's id says: its payment token, asset and snapshot. */
export function decodeDistributionId(distributionId: bigint): {
  paymentToken: string;
  assetId: bigint;
  snapshotId: bigint;
} {
  return {
    paymentToken: getAddress(toBeHex(distributionId >> 96n, 20)),
    assetId: (distributionId >> 32n) & (2n ** 64n - 1n),
    snapshotId: distributionId & (2n ** 32n - 1n),
  };
}

/** `amount × balance / eligible`, rounded down: a wallet's share of a distribution. */
export const shareOf = (amount: bigint, balance: bigint, eligible: bigint) => (amount * balance) / eligible;

/** Mints each `[holder, amount]` through the agent. */
export async function mintAll(f: AssetFixture, holdings: readonly (readonly [Holder, bigint])[]): Promise<void> {
  for (const [holder, amount] of holdings) {
    await (await f.suite.connect(f.agent).mintAsset(f.assetId, addressOf(holder), amount)).wait();
  }
}

/** The issuer deposits `amount` of `token` for the asset's holders now; returns the id and receipt. */
export async function distribute(
  f: AssetFixture,
  amount: bigint,
  token: PaymentToken = f.usdc,
  claimPeriod: number = CLAIM_PERIOD,
): Promise<{ distributionId: bigint; receipt: ContractTransactionReceipt }> {
  const suite = f.suite.connect(f.issuer);
  const args = [f.assetId, await token.getAddress(), amount, claimPeriod] as const;
  const distributionId = await suite.createDistribution.staticCall(...args);
  const receipt = (await (await suite.createDistribution(...args)).wait())!;
  return { distributionId, receipt };
}

/** The issuer opens a redemption window; returns its id. */
export async function openRedemption(
  f: AssetFixture,
  params: { price: bigint; start: number; end: number; funds: bigint; token?: PaymentToken },
): Promise<bigint> {
  const suite = f.suite.connect(f.issuer);
  const token = await (params.token ?? f.usdc).getAddress();
  const args = [f.assetId, token, params.price, params.start, params.end, params.funds] as const;
  const redemptionId = await suite.openRedemption.staticCall(...args);
  await (await suite.openRedemption(...args)).wait();
  return redemptionId;
}

/** Expects the module's books of each token to equal what the diamond holds of it. */
export async function expectSolvent(f: AssetFixture, tokens: readonly PaymentToken[] = [f.usdc]): Promise<void> {
  for (const token of tokens) {
    const held = await token.balanceOf(f.diamondAddress);
    expect(await f.suite.assetBooks(await token.getAddress()), "books == held").to.equal(held);
  }
}

/**
 * What a refused call must leave as it was: the asset (its snapshot id included), the
 * redemption counter, the module's books, the distribution of each token at the asset's
 * latest snapshot and at the next one (none: a refused deposit recorded nothing), the given
 * distributions and redemptions, and each wallet's asset holding, payment-token balance,
 * claims and what it may claim.
 */
export async function moduleState(
  f: AssetFixture,
  scope: {
    wallets?: readonly Holder[];
    distributions?: readonly bigint[];
    redemptions?: readonly bigint[];
    tokens?: readonly PaymentToken[];
  } = {},
): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  const wallets = [...(scope.wallets ?? []), f.diamondAddress, f.issuer.address].map(addressOf);
  const tokens = scope.tokens ?? [f.usdc];
  const asset = await f.suite.getAsset(f.assetId);
  state.asset = `${asset.totalSupply} ${asset.snapshotId} ${asset.holderCount} ${asset.paused}`;
  state.redemptionCount = String(await f.suite.redemptionCount());
  for (const token of tokens) {
    const address = await token.getAddress();
    state[`books:${address}`] = String(await f.suite.assetBooks(address));
    for (const w of wallets) state[`${address}:${w}`] = String(await token.balanceOf(w));
    for (const snapshotId of [asset.snapshotId, asset.snapshotId + 1n]) {
      const d = distributionIdOf(address, f.assetId, snapshotId);
      state[`distribution:${d}`] = await f.suite.getDistribution(d).then(String, (e: unknown) => unknownId(f, e, d));
    }
  }
  for (const w of wallets) state[`holding:${w}`] = String(await f.suite.assetHolding(f.assetId, w));
  for (const d of scope.distributions ?? []) {
    state[`distribution:${d}`] = String(await f.suite.getDistribution(d));
    for (const w of wallets) {
      state[`claimed:${d}:${w}`] = String(await f.suite.isDistributionClaimed(d, w));
      state[`claimable:${d}:${w}`] = String(await f.suite.distributionClaimable(d, w));
    }
  }
  for (const r of scope.redemptions ?? []) state[`redemption:${r}`] = String(await f.suite.getRedemption(r));
  return state;
}

/** "none" when `error` is `DistributionUnknown(distributionId)`; rethrows anything else. */
function unknownId(f: AssetFixture, error: unknown, distributionId: bigint): string {
  const data = (error as { data?: string }).data;
  const parsed = data === undefined ? null : f.suite.interface.parseError(data);
  if (parsed?.name !== "DistributionUnknown" || parsed.args[0] !== distributionId) throw error;
  return "none";
}

export type StateScope = Parameters<typeof moduleState>[1];

/**
 * `refuse(call, error, args)`: expects `call` to revert with the custom error `error(args)`
 * (declared by `contract`, by default the distribution facet at the diamond) and the
 * module's state in `scope` to read the same afterwards.
 */
export function refusal(f: AssetFixture, scope: StateScope) {
  const facet = AssetDistributionFacet__factory.connect(f.diamondAddress, f.owner);
  return async (
    call: () => Promise<unknown>,
    error: string,
    args: readonly unknown[],
    contract: BaseContract = facet,
  ): Promise<void> => {
    await expectUnchanged(
      () => moduleState(f, scope),
      () =>
        expect(call())
          .to.be.revertedWithCustomError(contract, error)
          .withArgs(...args),
    );
  };
}

/**
 * Registers `count` random wallets (each its own French professional identity) and mints
 * `amount` to each. They never send, so they need no keys.
 */
export async function mintToRandomHolders(f: AssetFixture, count: number, amount: bigint): Promise<string[]> {
  const wallets: string[] = [];
  const provider = f.suite.connect(f.provider);
  const agent = f.suite.connect(f.agent);
  for (let i = 0; i < count; i++) {
    const wallet = Wallet.createRandom().address;
    await (await provider.registerIdentity(id(`holder ${i} ${wallet}`), wallet, kyc(f.now))).wait();
    await (await agent.mintAsset(f.assetId, wallet, amount)).wait();
    wallets.push(wallet);
  }
  return wallets;
}

/** Deploys a test payment token, mints 10,000,000 to the issuer and the investors, approved to the diamond. */
async function fundedToken<T extends MockFeeOnTransferToken | MockBlocklistToken>(
  f: AssetFixture,
  token: T,
): Promise<T> {
  for (const s of [f.issuer, f.investorA, f.investorB, f.investorC, f.investorD]) {
    await (await token.mint(s.address, usd(10_000_000))).wait();
    await (await token.connect(s).approve(f.diamondAddress, 2n ** 256n - 1n)).wait();
  }
  return token;
}

/** A token that burns 1 % of every transfer. */
export async function feeOnTransferToken(f: AssetFixture): Promise<MockFeeOnTransferToken> {
  return fundedToken(f, await new MockFeeOnTransferToken__factory(f.owner).deploy());
}

/** A token with a USDC-style blocklist (`setBlocked`). */
export async function blocklistToken(f: AssetFixture): Promise<MockBlocklistToken> {
  return fundedToken(f, await new MockBlocklistToken__factory(f.owner).deploy());
}

/** What the test-only `asset-lock` module does to the fixture's asset. */
export interface LockModule {
  /** Locks `amount` of `wallet`'s tokens until `until`, as an offering's delivery does. */
  lock(wallet: Holder, amount: bigint, until: number): Promise<void>;
  /** `holder` approves the diamond, which pulls `amount` into its custody, as a module does. */
  pull(holder: HardhatEthersSigner, amount: bigint): Promise<void>;
  /** The diamond releases `amount` from its custody to `to`, as a module does. */
  release(to: Holder, amount: bigint): Promise<void>;
}

/**
 * Installs `asset-lock`, a test-only module (`MockAssetLockFacet`) that locks tokens as an
 * offering's delivery does and moves tokens into and out of the diamond's custody as a
 * module does (nothing else may put tokens there); returns what it does.
 */
export async function installLockModule(ethers: HardhatEthers, f: AssetFixture): Promise<LockModule> {
  const manifest: Manifest = {
    ...suiteManifest,
    modules: {
      ...suiteManifest.modules,
      "asset-lock": { version: [0, 1, 0], facets: ["MockAssetLockFacet"], dependencies: ["asset"] },
    },
  };
  await installFromManifest(ethers, f.diamond.connect(f.upgrader), manifest, "asset-lock");
  const lockFacet = await ethers.getContractAt("MockAssetLockFacet", f.diamondAddress);
  const token = await f.token.getAddress();
  return {
    lock: async (wallet, amount, until) => {
      await (await lockFacet.mockAssetLock(f.assetId, addressOf(wallet), amount, until)).wait();
    },
    pull: async (holder, amount) => {
      await (await f.token.connect(holder).approve(f.diamondAddress, amount)).wait();
      await (await lockFacet.mockAssetPull(token, holder.address, amount)).wait();
    },
    release: async (to, amount) => {
      await (await lockFacet.mockAssetRelease(token, addressOf(to), amount)).wait();
    },
  };
}
