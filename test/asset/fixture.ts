// The asset module's test fixture: a diamond with upkeep, identity and asset installed as
// the manifest declares them, a KYC provider, an issuer, an agent, verified investors in
// two jurisdictions, one asset (a building's fractions) and a USD payment token.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { id, parseUnits, ZeroHash } from "ethers";

import { ASSET_AGENT_ROLE, ASSET_ISSUER_ROLE, classMask, type AssetRules } from "../../scripts/lib/asset.js";
import { InvestorClass, KYC_PROVIDER_ROLE, type IdentityData } from "../../scripts/lib/identity.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import suiteManifest from "../../scripts/manifest.js";
import { AssetToken__factory, IFinanceSuite__factory, MockStablecoin__factory } from "../../typechain-types/index.js";
import { coreFixture } from "../helpers.js";

export const FRANCE = 250;
export const GERMANY = 276;
export const USA = 840;
export const YEAR = 365 * 86_400;
export const DAY = 86_400;

/** Asset units (18 decimals). */
export const units = (n: string | number) => parseUnits(String(n), 18);
/** 6-decimal payment-token units. */
export const usd = (n: string | number) => parseUnits(String(n), 6);

/** The building asset's rules: France and Germany, professional and institutional investors. */
export const BUILDING_RULES: AssetRules = {
  jurisdictions: [FRANCE, GERMANY],
  investorClasses: classMask(InvestorClass.Professional, InvestorClass.Institutional),
  maxHolders: 0,
  maxBalancePerIdentity: 0,
  lockupSeconds: 0,
};

/** KYC data valid for a year from `now`. */
export function kyc(
  now: number,
  jurisdiction = FRANCE,
  investorClass: number = InvestorClass.Professional,
): IdentityData {
  return {
    jurisdiction,
    investorClass,
    expiresAt: now + YEAR,
    evidenceHash: id(`kyc evidence ${jurisdiction} ${investorClass} ${now}`),
  };
}

export async function assetFixture(ethers: HardhatEthers) {
  const core = await coreFixture(ethers);
  const { owner, upgrader } = core;
  const signers = await ethers.getSigners();
  // 5..: roles; 9..: investors (alice and bob of the core fixture stay unregistered).
  const [provider, issuer, agent, outsider, investorA, investorB, investorC, investorD] = signers.slice(5);
  for (const m of ["upkeep", "identity", "asset"]) {
    if (suiteManifest.modules[m] === undefined) continue;
    await installFromManifest(ethers, core.diamond.connect(upgrader), suiteManifest, m);
  }
  for (const [role, who] of [
    [KYC_PROVIDER_ROLE, provider],
    [ASSET_ISSUER_ROLE, issuer],
    [ASSET_AGENT_ROLE, agent],
  ] as const) {
    await (await core.diamond.connect(owner).grantRole(role, who.address)).wait();
  }
  const diamondAddress = await core.diamond.getAddress();
  const suite = IFinanceSuite__factory.connect(diamondAddress, owner);
  const now = Number((await ethers.provider.getBlock("latest"))!.timestamp);

  /** Registers `wallet` under identity `name` (created when new) with `data`. */
  async function onboard(name: string, wallet: HardhatEthersSigner, data: IdentityData = kyc(now)) {
    const identityId = id(`identity ${name}`);
    const existing = await suite.identityOf(wallet.address);
    if (existing !== ZeroHash) return identityId;
    const known = await suite
      .getIdentity(identityId)
      .then(() => true)
      .catch(() => false);
    if (known) await (await suite.connect(provider).addIdentityWallet(identityId, wallet.address)).wait();
    else await (await suite.connect(provider).registerIdentity(identityId, wallet.address, data)).wait();
    return identityId;
  }

  const idA = await onboard("A", investorA, kyc(now, FRANCE, InvestorClass.Professional));
  const idB = await onboard("B", investorB, kyc(now, GERMANY, InvestorClass.Institutional));
  const idC = await onboard("C", investorC, kyc(now, FRANCE, InvestorClass.Professional));

  const params = {
    name: "Rue de Rivoli 12 fractions",
    symbol: "RIV12",
    decimals: 18,
    cap: units(1_000_000),
    documentHash: id("offering memorandum v1"),
    documentUri: "ipfs://bafy-offering-memorandum",
    rules: BUILDING_RULES,
  };
  const [assetId, tokenAddress] = await suite.connect(issuer).createAsset.staticCall(params);
  await (await suite.connect(issuer).createAsset(params)).wait();
  const token = AssetToken__factory.connect(tokenAddress, investorA);

  const usdc = await new MockStablecoin__factory(owner).deploy();
  for (const s of [issuer, investorA, investorB, investorC, investorD]) {
    await (await usdc.mint(s.address, usd(10_000_000))).wait();
    await (await usdc.connect(s).approve(diamondAddress, 2n ** 256n - 1n)).wait();
  }

  return {
    ...core,
    provider,
    issuer,
    agent,
    outsider,
    investorA,
    investorB,
    investorC,
    investorD,
    idA,
    idB,
    idC,
    suite,
    diamondAddress,
    onboard,
    assetId,
    token,
    params,
    usdc,
    now,
  };
}

export type AssetFixture = Awaited<ReturnType<typeof assetFixture>>;
