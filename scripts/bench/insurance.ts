// Insurance scenarios: capital deposits through a pool's ERC-4626 vault, policy purchases,
// triggers (an oracle's report, a feed read by anyone), payout batches through the
// diamond's upkeep pair and an assessed claim, on the diamond the earlier scenarios built
// (upkeep is already installed by the lending scenarios). Every account sends from a funded
// wallet with a fixed key created here, so no other scenario's signer moves and every run's
// calldata (and therefore its gas) is the same. Runs last: it moves none of the figures
// measured before it.
import { AbiCoder, dataSlice, getAddress, id, parseEther, parseUnits, Wallet } from "ethers";

import {
  IFinanceSuite__factory,
  InsurancePoolVault__factory,
  MockStablecoin__factory,
  type IFinanceDiamond,
} from "../../typechain-types/index.js";
import { moduleId } from "../lib/core.js";
import {
  CLAIM_ASSESSOR_ROLE,
  flightDelayProduct,
  INSURANCE_ORACLE_ROLE,
  INSURER_ROLE,
  InsuranceUpkeepAction,
  MAX_UPKEEP_BATCH,
  RiskState,
  travelProduct,
} from "../lib/insurance.js";
import { installFromManifest } from "../lib/modules.js";
import suiteManifest from "../manifest.js";
import { fmtGas, gasOf, type BenchContext, type BenchRow } from "./common.js";

/** The budgets (receipt gasUsed, 21,000 included). */
export const INSURANCE_BUDGETS = {
  buyPolicy: 150_000,
  /** The same budget with 1 and with 100 policies on the risk: a trigger must not grow with them. */
  reportEvent: 80_000,
  checkTrigger: 80_000,
  /** Per policy, in a batch, to a beneficiary that already holds the token. */
  payoutMarginal: 40_000,
  /** Chainlink Automation's perform gas limit. */
  payoutBatch: 5_000_000,
  /** A provider's first deposit (no shares yet) into a pool that already has capital. */
  deposit: 110_000,
} as const;

/** Published reference, not measured here (see the row's peer name). */
const GIF_APPLICATION_CREATE = 646_266;
const CHAINLINK_PERFORM_LIMIT = 5_000_000;

const HOUR = 3600;
const DAY = 86_400;
const usd = (n: number) => parseUnits(String(n), 6);
const coder = AbiCoder.defaultAbiCoder();
const INSURANCE = moduleId("insurance");

export async function measureInsurance(ctx: BenchContext, diamond: IFinanceDiamond): Promise<BenchRow[]> {
  const { ethers } = ctx;
  const [owner] = ctx.signers;
  const rows: BenchRow[] = [];
  const diamondAddress = await diamond.getAddress();
  // upkeep (lending) and credit (payment) are already there when those scenarios ran.
  for (const m of ["upkeep", "credit", "insurance"]) {
    if (!(await diamond.isModuleInstalled(moduleId(m)))) await installFromManifest(ethers, diamond, suiteManifest, m);
  }
  const suite = IFinanceSuite__factory.connect(diamondAddress, owner);

  /** A wallet with gas money, so it can send; fixed keys keep every run's calldata the same. */
  const funded = async (name: string): Promise<Wallet> => {
    const w = new Wallet(id(`bench insurance wallet ${name}`), ethers.provider);
    await (await owner.sendTransaction({ to: w.address, value: parseEther("10") })).wait();
    return w;
  };
  const [insurer, oracle, assessor, keeper, providerA, providerB, holder] = [
    await funded("insurer"),
    await funded("oracle"),
    await funded("assessor"),
    await funded("keeper"),
    await funded("provider A"),
    await funded("provider B"),
    await funded("holder"),
  ];
  for (const [role, who] of [
    [INSURER_ROLE, insurer],
    [INSURANCE_ORACLE_ROLE, oracle],
    [CLAIM_ASSESSOR_ROLE, assessor],
  ] as const) {
    await (await diamond.grantRole(role, who.address)).wait();
  }
  const usdc = await new MockStablecoin__factory(owner).deploy();
  const usdcAddress = await usdc.getAddress();
  for (const who of [providerA, providerB, holder]) await (await usdc.mint(who.address, usd(1_000_000))).wait();
  await (await usdc.connect(holder).approve(diamondAddress, 2n ** 256n - 1n)).wait();

  // --- A pool and its capital: the pool's first deposit, a new provider's, a provider's next
  const asInsurer = suite.connect(insurer);
  const poolParams = {
    asset: usdcAddress,
    collateralBps: 10_000,
    depositCap: usd(10_000_000),
    name: "Bench travel risk pool",
    symbol: "bTRAVEL",
  };
  const [poolId] = await asInsurer.createInsurancePool.staticCall(poolParams);
  await (await asInsurer.createInsurancePool(poolParams)).wait();
  const vault = InsurancePoolVault__factory.connect((await suite.insurancePool(poolId)).vault, owner);
  const vaultAddress = await vault.getAddress();
  for (const who of [providerA, providerB]) {
    await (await usdc.connect(who).approve(vaultAddress, 2n ** 256n - 1n)).wait();
  }
  const depositPoolFirst = await gasOf(vault.connect(providerA).deposit(usd(60_000), providerA.address));
  const depositNewProvider = await gasOf(vault.connect(providerB).deposit(usd(40_000), providerB.address));
  const depositAgain = await gasOf(vault.connect(providerA).deposit(usd(10_000), providerA.address));
  rows.push({
    name: "insurance: deposit capital (ERC-4626 deposit through the vault, a new provider)",
    gasUsed: depositNewProvider,
    peer: null,
    peerName: null,
    budget: INSURANCE_BUDGETS.deposit,
    note:
      `the provider's first shares (one new word) in a pool with capital; the pool's first deposit ` +
      `${fmtGas(depositPoolFirst)} (its capital and share supply written from zero, the diamond's first balance of the token)`,
  });
  rows.push({
    name: "insurance: deposit capital again (the provider already holds shares)",
    gasUsed: depositAgain,
    peer: null,
    peerName: null,
    budget: null,
    note: "context for the budgeted deposit row: no new word",
  });

  // --- Products and risks: all open from two days ahead, for a day ----------------------
  for (const params of [flightDelayProduct(poolId), travelProduct(poolId)]) {
    await (await asInsurer.createInsuranceProduct(params)).wait();
  }
  const flightProductId = 1n;
  const travelProductId = 2n;
  const now = Number((await ethers.provider.getBlock("latest"))!.timestamp);
  const start = now + 2 * DAY;
  const end = start + DAY;
  const feed = await ethers.deployContract("MockPriceFeed", [0, 0]);
  const openRisk = async (productId: bigint, key: string, riskEnd: number, feedAddress = ethers.ZeroAddress) => {
    const args = [productId, id(key), start, riskEnd, feedAddress] as const;
    const riskId = await asInsurer.createInsuranceRisk.staticCall(...args);
    await (await asInsurer.createInsuranceRisk(...args)).wait();
    return riskId;
  };
  // The sales and travel risks keep live policies all along, so the pool always has locked
  // capital and fees, as a running pool does; the others are triggered and paid one at a
  // time, so the keeper's queue is empty before each trigger.
  const salesRisk = await openRisk(flightProductId, "BN100 bench sales", end);
  const oneRisk = await openRisk(flightProductId, "BN1 bench one policy", end);
  const hundredRisk = await openRisk(flightProductId, "BN2 bench 100 policies", end);
  const feedRisk = await openRisk(flightProductId, "BN3 bench feed", end, await feed.getAddress());
  const travelRisk = await openRisk(travelProductId, "bench travel season", start + 10 * DAY);

  // Beneficiaries: distinct addresses, each already holding the token (derived from a label,
  // so every run measures the same calldata).
  const beneficiary = (label: string) => getAddress(dataSlice(id(`bench insurance beneficiary ${label}`), 12));
  const hundred = Array.from({ length: 100 }, (_, i) => beneficiary(`hundred ${i}`));
  const [oneBeneficiary, salesBeneficiary, feedBeneficiary, travelBeneficiary] = [
    beneficiary("one"),
    beneficiary("sales"),
    beneficiary("feed"),
    beneficiary("travel"),
  ];
  for (const who of [...hundred, oneBeneficiary, salesBeneficiary, feedBeneficiary, travelBeneficiary]) {
    await (await usdc.mint(who, usd(1))).wait();
  }

  // --- Policies: the pool's first ones go to the 100-policy risk; the measured purchases are
  // the sales risk's first and second, by a holder that already bought.
  const asHolder = suite.connect(holder);
  const buy = (riskId: bigint, to: string) => asHolder.buyPolicy(riskId, to, usd(200), start, end);
  for (const to of hundred) await (await buy(hundredRisk, to)).wait();
  const buyFirstOfRisk = await gasOf(buy(salesRisk, salesBeneficiary));
  const buyPolicy = await gasOf(buy(salesRisk, salesBeneficiary));
  await (await buy(oneRisk, oneBeneficiary)).wait();
  await (await buy(feedRisk, feedBeneficiary)).wait();
  await (await asHolder.buyPolicy(travelRisk, travelBeneficiary, usd(1_000), start, start + 2 * DAY)).wait();
  rows.push({
    name: "insurance: buy a policy",
    gasUsed: buyPolicy,
    peer: GIF_APPLICATION_CREATE,
    peerName: "Etherisc GIF v3 ApplicationService.create (published figure, gif-next issue #660; not measured here)",
    budget: INSURANCE_BUDGETS.buyPolicy,
    note: "parametric product, a risk that has policies, premium pulled from a holder of the token; the policy is two new words",
  });
  rows.push({
    name: "insurance: buy a policy (first policy of a risk)",
    gasUsed: buyFirstOfRisk,
    peer: null,
    peerName: null,
    budget: null,
    note: `context: the risk's active sum shares the risk's first word, non-zero since the risk was opened; ${fmtGas(buyFirstOfRisk - buyPolicy)} more than the budgeted row`,
  });

  // --- Triggers: the flight is four hours late; readings are taken an hour before sending --
  const observedAt = start + 4 * HOUR;
  await ethers.provider.send("evm_setNextBlockTimestamp", [start + 5 * HOUR]);
  await ethers.provider.send("evm_mine", []);
  const asOracle = suite.connect(oracle);
  const asKeeper = suite.connect(keeper);
  const payBatch = (riskId: bigint) =>
    asKeeper.performUpkeep(
      coder.encode(
        ["bytes32", "bytes"],
        [INSURANCE, coder.encode(["uint8", "uint256"], [InsuranceUpkeepAction.Pay, riskId])],
      ),
    );
  /** The keeper's check must name the risk just triggered: the queue holds one risk at a time. */
  const expectQueued = async (riskId: bigint) => {
    const [needed, performData] = await suite.checkUpkeep(coder.encode(["bytes32", "bytes"], [INSURANCE, "0x"]));
    const [, moduleData] = coder.decode(["bytes32", "bytes"], performData);
    const [, queued] = coder.decode(["uint8", "uint256"], moduleData);
    if (!needed || queued !== riskId) throw new Error(`upkeep does not report risk ${riskId}`);
  };

  await (await feed.set(185, observedAt)).wait();
  const checkTrigger = await gasOf(asKeeper.checkTrigger(feedRisk));
  await (await asKeeper.processPayouts(feedRisk, 10)).wait(); // empties the queue again

  const reportOne = await gasOf(asOracle.reportEvent(oneRisk, 185, observedAt));
  await expectQueued(oneRisk);
  const batchOne = await gasOf(payBatch(oneRisk));
  const reportHundred = await gasOf(asOracle.reportEvent(hundredRisk, 185, observedAt));
  await expectQueued(hundredRisk);
  const batchHundred = await gasOf(payBatch(hundredRisk));
  for (const riskId of [oneRisk, hundredRisk]) {
    if ((await suite.insuranceRisk(riskId)).state !== BigInt(RiskState.Settled))
      throw new Error(`risk ${riskId} not settled`);
  }
  if ((await usdc.balanceOf(hundred[99])) !== usd(201)) throw new Error("the 100th beneficiary was not paid");

  rows.push({
    name: "insurance: trigger a risk (report), any number of policies: risk with 1 policy",
    gasUsed: reportOne,
    peer: null,
    peerName: null,
    budget: INSURANCE_BUDGETS.reportEvent,
    note:
      "an oracle's first reading of the risk meets the top tier, the keeper's queue was empty; no word is " +
      "written from zero: the risk's three words, the pool's capital word and the queue's word are rewritten " +
      "(role check, product and tier reads, one event)",
  });
  rows.push({
    name: "insurance: trigger a risk (report), any number of policies: risk with 100 policies",
    gasUsed: reportHundred,
    peer: null,
    peerName: null,
    budget: INSURANCE_BUDGETS.reportEvent,
    note: `difference from 1 policy: ${fmtGas(reportHundred - reportOne)}; the trigger reads and writes no policy, only the risk, the pool and the queue`,
  });
  rows.push({
    name: "insurance: trigger a risk (check the feed)",
    gasUsed: checkTrigger,
    peer: null,
    peerName: null,
    budget: INSURANCE_BUDGETS.checkTrigger,
    note:
      "anyone; the risk's feed (MockPriceFeed) meets the top tier; risk with 1 policy, the keeper's queue was " +
      "empty; the report's writes without the role check, plus the feed's latestRoundData",
  });
  const marginal = Math.round((batchHundred - batchOne) / 99);
  rows.push({
    name: "insurance: payout, marginal cost per policy in a batch (beneficiary already holds the token)",
    gasUsed: marginal,
    peer: null,
    peerName: null,
    budget: INSURANCE_BUDGETS.payoutMarginal,
    note:
      `(batch of 100 ${fmtGas(batchHundred)} − batch of 1 ${fmtGas(batchOne)}) / 99, both through performUpkeep ` +
      `and settling their risk; 100 distinct beneficiaries`,
  });
  rows.push({
    name: `insurance: batch of ${MAX_UPKEEP_BATCH} payouts (performUpkeep)`,
    gasUsed: batchHundred,
    peer: CHAINLINK_PERFORM_LIMIT,
    peerName: "Chainlink Automation perform gas limit (published figure)",
    budget: INSURANCE_BUDGETS.payoutBatch,
    note: "the upkeep's largest batch (MAX_UPKEEP_BATCH); the last batch of the risk, so it also settles it",
  });

  // --- An assessed claim: filed by the holder, confirmed and paid by an assessor ----------
  const claimId = await asHolder.submitClaim.staticCall((travelRisk << 32n) | 1n, usd(400), id("bench receipts"));
  await (await asHolder.submitClaim((travelRisk << 32n) | 1n, usd(400), id("bench receipts"))).wait();
  const confirm = await gasOf(suite.connect(assessor).confirmClaim(claimId, usd(400)));
  rows.push({
    name: "insurance: assessed claim confirmed and paid",
    gasUsed: confirm,
    peer: null,
    peerName: null,
    budget: null,
    note: "context, no budget: partial claim on a travel policy, paid at once to a beneficiary that holds the token",
  });
  return rows;
}
