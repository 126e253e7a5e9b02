// Demo chapter: tokenized assets. A building in Paris tokenized into fractions; three
// investors from two jurisdictions onboarded (one by self-service attestation); an
// offering on an allow-list that reaches its soft cap and is settled by the keeper; a
// transfer refused with its reason; rent distributed and claimed; a lost wallet recovered.
import { id, MaxUint256, parseEther, parseUnits, Wallet, type HDNodeWallet } from "ethers";

import { AssetToken__factory, IFinanceSuite__factory, MockStablecoin__factory } from "../../typechain-types/index.js";
import {
  allowListProof,
  allowListTree,
  ASSET_AGENT_ROLE,
  ASSET_ISSUER_ROLE,
  classMask,
  restrictionName,
} from "../lib/asset.js";
import { assetUpkeepSource } from "../lib/asset-upkeep.js";
import { InvestorClass, KYC_PROVIDER_ROLE, signAttestation } from "../lib/identity.js";
import { upkeepData } from "../lib/upkeep.js";
import type { DemoContext } from "./common.js";

const FRANCE = 250;
const GERMANY = 276;
const USA = 840;
const DAY = 86_400;

export async function assetChapter({ ethers, admin, bank, diamond, gas }: DemoContext): Promise<void> {
  const suite = IFinanceSuite__factory.connect(bank.address, admin);
  const usd = (n: number) => parseUnits(String(n), 6);
  const fractions = (n: number) => parseUnits(String(n), 18);
  const fmtUsd = (v: bigint) => `${Number(ethers.formatUnits(v, 6)).toLocaleString("en-US")} mUSD`;
  const fmtFr = (v: bigint) => `${Number(ethers.formatUnits(v, 18)).toLocaleString("en-US")} fractions`;
  const now = async () => Number((await ethers.provider.getBlock("latest"))!.timestamp);
  const warpTo = async (t: number) => {
    await ethers.provider.send("evm_setNextBlockTimestamp", [t]);
    await ethers.provider.send("evm_mine", []);
  };
  // Investors hold their own keys: fresh wallets with gas money.
  const investor = async (): Promise<HDNodeWallet> => {
    const w = Wallet.createRandom().connect(ethers.provider);
    await (await admin.sendTransaction({ to: w.address, value: parseEther("1") })).wait();
    return w;
  };

  for (const [role, label] of [
    [KYC_PROVIDER_ROLE, "KYC provider"],
    [ASSET_ISSUER_ROLE, "asset issuer"],
    [ASSET_AGENT_ROLE, "transfer agent"],
  ] as const) {
    await (await diamond.grantRole(role, admin.address)).wait();
    console.log(`  the bank's compliance desk holds the ${label} role`);
  }

  // --- Three investors from two jurisdictions -----------------------------------------------
  const [alice, bruno, clara, dan] = [await investor(), await investor(), await investor(), await investor()];
  const kyc = async (jurisdiction: number, investorClass: number, who: string) => ({
    jurisdiction,
    investorClass,
    expiresAt: (await now()) + 365 * DAY,
    evidenceHash: id(`kyc file of ${who} (salted)`),
  });
  await gas(
    "provider onboards Alice (France, professional)",
    suite.registerIdentity(id("investor alice"), alice.address, await kyc(FRANCE, InvestorClass.Professional, "alice")),
  );
  await gas(
    "provider onboards Clara (Germany, professional)",
    suite.registerIdentity(
      id("investor clara"),
      clara.address,
      await kyc(GERMANY, InvestorClass.Professional, "clara"),
    ),
  );
  const { chainId } = await ethers.provider.getNetwork();
  const attestation = {
    identityId: id("investor bruno"),
    wallet: bruno.address,
    data: await kyc(FRANCE, InvestorClass.Institutional, "bruno"),
    provider: admin.address,
    deadline: (await now()) + 3_600,
    nonce: id("attestation 1"),
  };
  const signature = await signAttestation(admin, bank.address, chainId, attestation);
  await gas(
    "Bruno (France, institutional) onboards himself with the provider's signed attestation",
    suite.connect(bruno).registerWithAttestation(attestation, signature),
  );
  await (await suite.registerIdentity(id("investor dan"), dan.address, await kyc(USA, 2, "dan"))).wait();
  console.log("  Dan (United States) is onboarded too, for later");

  // --- The building and its token --------------------------------------------------------
  const params = {
    name: "Rue de Rivoli 12 fractions",
    symbol: "RIV12",
    decimals: 18,
    cap: fractions(10_000),
    documentHash: id("Rue de Rivoli 12 offering memorandum v1"),
    documentUri: "ipfs://rue-de-rivoli-12-memorandum",
    rules: {
      jurisdictions: [FRANCE, GERMANY],
      investorClasses: classMask(InvestorClass.Professional, InvestorClass.Institutional),
      maxHolders: 100,
      maxBalancePerIdentity: 0,
      lockupSeconds: 30 * DAY,
    },
  };
  const [assetId, tokenAddress] = await suite.createAsset.staticCall(params);
  await gas("issuer tokenizes the building: 10,000 fractions, its own ERC-20", suite.createAsset(params));
  const token = AssetToken__factory.connect(tokenAddress, alice);
  console.log(
    `  asset ${assetId}: token ${tokenAddress}; France and Germany, professional and institutional, 30-day lock-up`,
  );

  // --- The offering: 100 mUSD a fraction, soft cap 5,000, hard cap 10,000, allow-list ----------
  const musd = await new MockStablecoin__factory(admin).deploy();
  for (const w of [alice, bruno, clara]) {
    await (await musd.mint(w.address, usd(1_000_000))).wait();
    await (await musd.connect(w).approve(bank.address, MaxUint256)).wait();
  }
  const tree = allowListTree([alice.address, bruno.address, clara.address]);
  const start = (await now()) + 60;
  const offering = {
    assetId,
    paymentToken: await musd.getAddress(),
    price: usd(100),
    softCap: fractions(5_000),
    hardCap: fractions(10_000),
    start,
    end: start + 7 * DAY,
    minPerIdentity: fractions(10),
    maxPerIdentity: fractions(5_000),
    allowListRoot: tree.root,
    treasury: admin.address,
  };
  const offeringId = await suite.createOffering.staticCall(offering);
  await gas("issuer opens the offering (allow-listed investors only)", suite.createOffering(offering));
  await warpTo(start);
  for (const [who, name, amount] of [
    [alice, "Alice", 3_000],
    [bruno, "Bruno", 2_500],
    [clara, "Clara", 1_000],
  ] as const) {
    await gas(
      `${name} subscribes ${amount.toLocaleString("en-US")} fractions`,
      suite.connect(who).subscribe(offeringId, fractions(amount), allowListProof(tree, who.address)),
    );
  }
  await warpTo(offering.end + 1);
  // The keeper runner's asset source reads the subscribers from the OfferingSubscribed events;
  // the diamond's shared upkeep pair picks those still to settle.
  const [checkData] = await assetUpkeepSource().checkData({
    provider: ethers.provider,
    diamond: suite,
    record: bank,
    upkeep: { module: "asset", moduleId: "", check: "", perform: "" },
    fromBlock: bank.blockNumber,
    toBlock: await ethers.provider.getBlockNumber(),
    log: () => undefined,
  });
  const [needed, performData] = await suite.checkUpkeep(upkeepData("asset", checkData));
  const ended = await suite.getOffering(offeringId);
  console.log(
    `  the offering has ended with ${fmtFr(ended.subscribed)} subscribed (soft cap 5,000); checkUpkeep: ${needed}`,
  );
  const treasuryBefore = await musd.balanceOf(admin.address);
  await gas("keeper settles the subscribers in one batch (performUpkeep)", suite.performUpkeep(performData));
  for (const [who, name] of [
    [alice, "Alice"],
    [bruno, "Bruno"],
    [clara, "Clara"],
  ] as const) {
    console.log(`  ${name}: ${fmtFr(await token.balanceOf(who.address))}`);
  }
  console.log(`  the treasury received ${fmtUsd((await musd.balanceOf(admin.address)) - treasuryBefore)} of proceeds`);

  // --- A transfer refused with its reason --------------------------------------------------
  for (const [to, label] of [
    [dan.address, "to Dan (United States)"],
    [clara.address, "to Clara, inside the lock-up"],
  ] as const) {
    const code = await token.detectTransferRestriction(alice.address, to, fractions(100));
    console.log(
      `  Alice → 100 fractions ${label}: refused, ${restrictionName(code)} (${code}): "${await token.messageForTransferRestriction(code)}"`,
    );
  }
  await warpTo(offering.end + 31 * DAY);
  await gas("after the lock-up, Alice sells 500 fractions to Clara", token.transfer(clara.address, fractions(500)));

  // --- Rent ------------------------------------------------------------------------------------
  await (await musd.mint(admin.address, usd(120_000))).wait();
  await (await musd.approve(bank.address, MaxUint256)).wait();
  const receipt = await gas(
    "issuer deposits a quarter's rent: 120,000 mUSD (the record time is now)",
    suite.createDistribution(assetId, await musd.getAddress(), usd(120_000), 90 * DAY),
  );
  const distributionId = receipt.logs
    .map((log) => suite.interface.parseLog(log))
    .find((event) => event?.name === "DistributionCreated")!.args[0] as bigint;
  await gas(
    "Clara sells 100 fractions to Bruno after the record time",
    token.connect(clara).transfer(bruno.address, fractions(100)),
  );
  for (const [who, name] of [
    [alice, "Alice"],
    [bruno, "Bruno"],
    [clara, "Clara"],
  ] as const) {
    const share = await suite.distributionClaimable(distributionId, who.address);
    await gas(`${name} claims ${fmtUsd(share)}`, suite.connect(who).claimDistribution(distributionId, who.address));
  }

  // --- A lost wallet ---------------------------------------------------------------------------
  const aliceNew = await investor();
  await gas(
    "Alice lost her key: the provider recovers her wallet to a new one",
    suite.recoverIdentityWallet(id("investor alice"), alice.address, aliceNew.address),
  );
  console.log(
    `  new wallet: ${fmtFr(await token.balanceOf(aliceNew.address))}; old wallet: ${fmtFr(await token.balanceOf(alice.address))}, ` +
      `verified: ${await suite.isVerified(alice.address)} (blocked for good)`,
  );
  const code = await token.detectTransferRestriction(clara.address, alice.address, fractions(1));
  console.log(`  sending to the lost wallet is refused: ${restrictionName(code)}`);
  console.log(
    `  the module still holds ${fmtUsd(await suite.assetBooks(await musd.getAddress()))} of the rent ` +
      "(rounding dust, reclaimed by the issuer after the expiry)",
  );
}
