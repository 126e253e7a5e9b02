// Tokenized-asset scenarios: the identity registry and permissioned fractions through the
// diamond, next to T-REX (ERC-3643) measured on the same chain (scripts/bench/trex.ts) and
// a plain OpenZeppelin ERC-20 transfer of the same run. Holders send from funded wallets
// created here; every sender and receiver is verified and already holds the asset unless
// the row says otherwise.
import { id, parseEther, parseUnits, Wallet } from "ethers";

import { IFinanceSuite__factory, AssetToken__factory, type IFinanceDiamond } from "../../typechain-types/index.js";
import { allowListProof, allowListTree, ASSET_AGENT_ROLE, ASSET_ISSUER_ROLE, classMask } from "../lib/asset.js";
import { InvestorClass, KYC_PROVIDER_ROLE } from "../lib/identity.js";
import { installFromManifest } from "../lib/modules.js";
import suiteManifest from "../manifest.js";
import { fmtGas, gasOf, type BenchContext, type BenchRow } from "./common.js";
import type { TrexFigures } from "./trex.js";

/** The issue's budgets (receipt gasUsed, 21,000 included). */
export const ASSET_BUDGETS = {
  /** Over the OpenZeppelin ERC-20 transfer measured in the same run. */
  transferOverErc20: 25_000,
  registerWallet: 80_000,
  createAsset: 400_000,
  depositDistribution: 100_000,
  claimDistribution: 70_000,
  subscribe: 120_000,
  /** Not in the issue: ours, so a regression shows (measured 103,585 when set). */
  transferToNewHolder: 110_000,
} as const;

const FRANCE = 250;
const GERMANY = 276;
const units = (n: number) => parseUnits(String(n), 18);

export async function measureAsset(
  ctx: BenchContext,
  diamond: IFinanceDiamond,
  trex: TrexFigures,
): Promise<BenchRow[]> {
  const { ethers } = ctx;
  const [owner] = ctx.signers;
  for (const m of ["identity", "asset"]) await installFromManifest(ethers, diamond, suiteManifest, m);
  for (const role of [KYC_PROVIDER_ROLE, ASSET_ISSUER_ROLE, ASSET_AGENT_ROLE]) {
    await (await diamond.grantRole(role, owner.address)).wait();
  }
  const suite = IFinanceSuite__factory.connect(await diamond.getAddress(), owner);
  const now = Number((await ethers.provider.getBlock("latest"))!.timestamp);
  const kyc = (jurisdiction: number, investorClass: number) => ({
    jurisdiction,
    investorClass,
    expiresAt: now + 365 * 86_400,
    evidenceHash: id(`bench kyc ${jurisdiction} ${investorClass}`),
  });

  /** A wallet with gas money, so it can send. Keys are fixed so every run's calldata (and
   * therefore its gas) is the same. */
  const funded = async (name: string): Promise<Wallet> => {
    const w = new Wallet(id(`bench asset wallet ${name}`), ethers.provider);
    await (await owner.sendTransaction({ to: w.address, value: parseEther("10") })).wait();
    return w;
  };

  // --- Investors -----------------------------------------------------------------------
  const [holderA, holderB, holderC, extraWallet] = [
    await funded("A"),
    await funded("B"),
    await funded("C"),
    await funded("A2"),
  ];
  const onboard = await gasOf(
    suite.registerIdentity(id("bench investor A"), holderA.address, kyc(FRANCE, InvestorClass.Professional)),
  );
  await (
    await suite.registerIdentity(id("bench investor B"), holderB.address, kyc(GERMANY, InvestorClass.Institutional))
  ).wait();
  await (
    await suite.registerIdentity(id("bench investor C"), holderC.address, kyc(FRANCE, InvestorClass.Professional))
  ).wait();
  const registerWallet = await gasOf(suite.addIdentityWallet(id("bench investor A"), extraWallet.address));

  // --- An asset with the jurisdiction and class rules on; holders counted per identity --
  const params = {
    name: "Bench building fractions",
    symbol: "BBF",
    decimals: 18,
    cap: units(1_000_000),
    documentHash: id("bench offering memorandum"),
    documentUri: "ipfs://bench-offering-memorandum",
    rules: {
      jurisdictions: [FRANCE, GERMANY],
      investorClasses: classMask(InvestorClass.Professional, InvestorClass.Institutional),
      maxHolders: 1_000,
      maxBalancePerIdentity: 0,
      lockupSeconds: 0,
    },
  };
  const [assetId, tokenAddress] = await suite.createAsset.staticCall(params);
  const createAsset = await gasOf(suite.createAsset(params));
  const token = AssetToken__factory.connect(tokenAddress, holderA);
  await (await suite.mintAsset(assetId, holderA.address, units(1_000))).wait();
  await (await suite.mintAsset(assetId, holderB.address, units(1_000))).wait();

  const transfer = await gasOf(token.transfer(holderB.address, units(10)));
  const transferNew = await gasOf(token.transfer(holderC.address, units(10)));

  // --- Distributions: the same deposit with 10 and with 1,000 holders --------------------
  const stable = await ethers.deployContract("MockStablecoin");
  const stableAddress = await stable.getAddress();
  await (await stable.mint(owner.address, parseUnits("100000000", 6))).wait();
  await (await stable.approve(await diamond.getAddress(), 2n ** 256n - 1n)).wait();
  // Holders of the 10- and 1,000-holder assets; the first are the funded A and B (they claim).
  const holders = async (count: number): Promise<string[]> => {
    const wallets = [holderA.address, holderB.address];
    for (let i = wallets.length; i < count; i++) {
      const wallet = new Wallet(id(`bench holder ${count} ${i}`)).address;
      await (await suite.registerIdentity(id(`bench holder ${count} ${i}`), wallet, kyc(FRANCE, 2))).wait();
      wallets.push(wallet);
    }
    return wallets;
  };
  const distribute = async (assetOf: bigint): Promise<{ gas: number; distributionId: bigint }> => {
    const receipt = await (
      await suite.createDistribution(assetOf, stableAddress, parseUnits("10000", 6), 90 * 86_400)
    ).wait();
    const event = receipt!.logs
      .map((log) => suite.interface.parseLog(log))
      .find((parsed) => parsed?.name === "DistributionCreated");
    return { gas: Number(receipt!.gasUsed), distributionId: event!.args[0] as bigint };
  };
  const deposits: Record<number, { first: number; again: number }> = {};
  let claimFirst = 0;
  let claim = 0;
  for (const count of [10, 1_000]) {
    const [assetOf] = await suite.createAsset.staticCall({ ...params, symbol: `BBF${count}` });
    await (await suite.createAsset({ ...params, symbol: `BBF${count}` })).wait();
    for (const wallet of await holders(count)) await (await suite.mintAsset(assetOf, wallet, units(100))).wait();
    const first = await distribute(assetOf);
    const again = await distribute(assetOf);
    deposits[count] = { first: first.gas, again: again.gas };
    if (count === 10) {
      // B claims both first; A's first claim creates its claim word, its next one rewrites it.
      await (await suite.connect(holderB).claimDistribution(first.distributionId, holderB.address)).wait();
      await (await suite.connect(holderB).claimDistribution(again.distributionId, holderB.address)).wait();
      claimFirst = await gasOf(suite.connect(holderA).claimDistribution(first.distributionId, holderA.address));
      claim = await gasOf(suite.connect(holderA).claimDistribution(again.distributionId, holderA.address));
    }
  }

  // --- An offering: allow-list (8 wallets) and per-identity bounds on; paid in a token the
  // diamond already holds; the measured subscriber is a new identity, not the first.
  const [offeredAsset] = await suite.createAsset.staticCall({ ...params, symbol: "BBFO" });
  await (await suite.createAsset({ ...params, symbol: "BBFO" })).wait();
  const allowed = [holderA.address, holderB.address, holderC.address];
  while (allowed.length < 8) allowed.push(new Wallet(id(`bench allow-listed ${allowed.length}`)).address);
  const tree = allowListTree(allowed);
  const start = Number((await ethers.provider.getBlock("latest"))!.timestamp) + 10;
  const offering = {
    assetId: offeredAsset,
    paymentToken: stableAddress,
    price: parseUnits("100", 6),
    softCap: units(100),
    hardCap: units(100_000),
    start,
    end: start + 7 * 86_400,
    minPerIdentity: units(1),
    maxPerIdentity: units(10_000),
    allowListRoot: tree.root,
    treasury: owner.address,
  };
  const offeringId = await suite.createOffering.staticCall(offering);
  await (await suite.createOffering(offering)).wait();
  await ethers.provider.send("evm_setNextBlockTimestamp", [start]);
  for (const holder of [holderB, holderC]) {
    await (await stable.mint(holder.address, parseUnits("1000000", 6))).wait();
    await (await stable.connect(holder).approve(await diamond.getAddress(), 2n ** 256n - 1n)).wait();
  }
  await (await suite.connect(holderC).subscribe(offeringId, units(50), allowListProof(tree, holderC.address))).wait();
  const subscribe = await gasOf(
    suite.connect(holderB).subscribe(offeringId, units(50), allowListProof(tree, holderB.address)),
  );

  const transferBudget = trex.ozTransfer + ASSET_BUDGETS.transferOverErc20;
  return [
    {
      name: "asset: compliant transfer between two verified holders",
      gasUsed: transfer,
      peer: trex.transfer,
      peerName: "T-REX 4.1.6 transfer",
      budget: transferBudget,
      note:
        `jurisdiction and class rules and holder counting on; budget = OpenZeppelin ERC-20 transfer ` +
        `${fmtGas(trex.ozTransfer)} (same run) + ${fmtGas(ASSET_BUDGETS.transferOverErc20)}`,
    },
    {
      name: "asset: transfer to a verified wallet that held none",
      gasUsed: transferNew,
      peer: trex.transferNew,
      peerName: "T-REX 4.1.6 transfer to a new holder",
      budget: ASSET_BUDGETS.transferToNewHolder,
      note:
        `the receiver's identity becomes a holder (two words written from zero); budget ours (the issue sets ` +
        `none); OpenZeppelin ERC-20 ${fmtGas(trex.ozTransferNew)}`,
    },
    {
      name: "identity: register an investor wallet",
      gasUsed: registerWallet,
      peer: trex.registerWallet,
      peerName: "T-REX identity registry registerIdentity",
      budget: ASSET_BUDGETS.registerWallet,
      note: "a further wallet of a known investor: one new word (the wallet, linked to its identity)",
    },
    {
      name: "identity: onboard an investor (identity, KYC data, first wallet)",
      gasUsed: onboard,
      peer: trex.registerInvestor,
      peerName: "T-REX createIdentity + addClaim + registerIdentity",
      budget: null,
      note: "context, no budget: the identity record (data, provider, evidence hash) and its first wallet",
    },
    {
      name: "asset: create an asset (token + rules)",
      gasUsed: createAsset,
      peer: trex.deploySuite,
      peerName: "T-REX deployTREXSuite",
      budget: ASSET_BUDGETS.createAsset,
      note: "an EIP-1167 clone with immutable arguments, two allowed jurisdictions, two classes, a holder limit",
    },
    ...[10, 1_000].map((count) => ({
      name: `asset: deposit a distribution (${fmtGas(count)} holders)`,
      gasUsed: deposits[count].again,
      peer: null,
      peerName: null,
      budget: ASSET_BUDGETS.depositDistribution,
      note:
        `the asset's next distribution; its first ${fmtGas(deposits[count].first)}` +
        (count === 10 ? " (also the module's first in this token: its books written from zero)" : "") +
        "; ATS records dividends but pays them off-chain",
    })),
    {
      name: "asset: claim a distribution",
      gasUsed: claim,
      peer: null,
      peerName: null,
      budget: ASSET_BUDGETS.claimDistribution,
      note:
        `a holder's next claim in this asset (its claim word exists), paid to a wallet holding the token; ` +
        `its first claim ${fmtGas(claimFirst)}`,
    },
    {
      name: "asset: subscribe to an offering",
      gasUsed: subscribe,
      peer: null,
      peerName: null,
      budget: ASSET_BUDGETS.subscribe,
      note:
        "a new identity's first subscription (one new word), allow-list proof of 3 levels, per-identity " +
        "bounds, paid in a token the diamond holds; none of the peers runs offerings on-chain",
    },
  ];
}
