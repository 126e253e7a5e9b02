// Demo chapter: insurance. A flight-delay product on a pool two capital providers fund,
// 50 passengers insured on one flight, the flight-status oracle reporting a 3-hour delay,
// and the keeper runner paying every passenger in a bounded batch; one passenger's
// address is blocked by the token, so that payout is credited and claimed later.
import { id, MaxUint256, parseEther, parseUnits, Wallet, type HDNodeWallet } from "ethers";

import type { DemoContext } from "./common.js";
import { Direction, INSURANCE_ORACLE_ROLE, INSURER_ROLE, ProductKind } from "../lib/insurance.js";
import { runKeeper } from "../lib/keeper.js";
import {
  IFinanceSuite__factory,
  InsurancePoolVault__factory,
  MockBlocklistToken__factory,
} from "../../typechain-types/index.js";

const HOUR = 3600;
const DAY = 86_400;
const PASSENGERS = 50;

export async function insuranceChapter({ ethers, admin, bank, diamond, gas }: DemoContext): Promise<void> {
  const suite = IFinanceSuite__factory.connect(bank.address, admin);
  const usd = (n: number) => parseUnits(String(n), 18);
  const fmtUsd = (v: bigint) => `${Number(ethers.formatUnits(v, 18)).toLocaleString("en-US")} bUSD`;
  const now = async () => Number((await ethers.provider.getBlock("latest"))!.timestamp);
  const wallet = async (): Promise<HDNodeWallet> => {
    const w = Wallet.createRandom().connect(ethers.provider);
    await (await admin.sendTransaction({ to: w.address, value: parseEther("1") })).wait();
    return w;
  };

  for (const [role, label] of [
    [INSURER_ROLE, "insurer"],
    [INSURANCE_ORACLE_ROLE, "insurance oracle (the flight-status feed's relay)"],
  ] as const) {
    await (await diamond.grantRole(role, admin.address)).wait();
    console.log(`  the bank holds the ${label} role`);
  }

  // --- The pool and its capital ------------------------------------------------------------
  // bUSD blocks addresses as USDC does: the demo's refusing beneficiary.
  const busd = await new MockBlocklistToken__factory(admin).deploy();
  const busdAddress = await busd.getAddress();
  await gas(
    "insurer opens a travel risk pool (ERC-4626 vault, 100 % collateral)",
    suite.createInsurancePool({
      asset: busdAddress,
      collateralBps: 10_000,
      depositCap: usd(10_000_000),
      name: "Bank A travel capital",
      symbol: "aTRAVEL",
    }),
  );
  const [poolCount] = await suite.insuranceCounts();
  const poolId = poolCount;
  const vault = InsurancePoolVault__factory.connect((await suite.insurancePool(poolId)).vault, admin);
  console.log(`  pool ${poolId}: shares at ${await vault.getAddress()} (${await vault.symbol()})`);
  for (const [name, amount] of [
    ["fund I", 30_000],
    ["fund II", 20_000],
  ] as const) {
    const provider = await wallet();
    await (await busd.mint(provider.address, usd(amount))).wait();
    await (await busd.connect(provider).approve(await vault.getAddress(), MaxUint256)).wait();
    await gas(
      `${name} deposits ${fmtUsd(usd(amount))} into the vault`,
      vault.connect(provider).deposit(usd(amount), provider.address),
    );
  }

  // --- The product and the flight ----------------------------------------------------------
  await gas(
    "insurer defines a flight-delay product (2 h: 50 %, 3 h: 100 %)",
    suite.createInsuranceProduct({
      poolId,
      kind: ProductKind.Parametric,
      direction: Direction.AtLeast,
      premiumBps: 800,
      feeBps: 1_000,
      minSumInsured: usd(50),
      maxSumInsured: usd(1_000),
      minCover: HOUR,
      maxCover: DAY,
      purchaseCutoff: 2 * HOUR,
      maxAggregatePerRisk: usd(40_000),
      maxReadingAge: 6 * HOUR,
      claimWindow: 2 * DAY,
      tiers: [
        { threshold: 120, payoutBps: 5_000 },
        { threshold: 180, payoutBps: 10_000 },
      ],
    }),
  );
  const [, productId] = await suite.insuranceCounts();
  const departure = (await now()) + DAY;
  await gas(
    "insurer opens the risk: flight LH 1234, departure tomorrow",
    suite.createInsuranceRisk(productId, id("LH1234 departure"), departure, departure + 12 * HOUR, ethers.ZeroAddress),
  );
  const [, , riskId] = await suite.insuranceCounts();

  // --- 50 passengers -----------------------------------------------------------------------
  const passengers: HDNodeWallet[] = [];
  let buyGas = 0n;
  for (let i = 0; i < PASSENGERS; i++) {
    const passenger = await wallet();
    passengers.push(passenger);
    await (await busd.mint(passenger.address, usd(100))).wait();
    await (await busd.connect(passenger).approve(bank.address, MaxUint256)).wait();
    const receipt = await (
      await suite.connect(passenger).buyPolicy(riskId, passenger.address, usd(400), departure, departure + 12 * HOUR)
    ).wait();
    buyGas += receipt!.gasUsed;
  }
  const before = await suite.insurancePool(poolId);
  console.log(
    `  ${PASSENGERS} passengers insure 400 bUSD each (premium 32 bUSD), average gas ${(buyGas / BigInt(PASSENGERS)).toLocaleString("en-US")}`,
  );
  console.log(
    `  pool: capital ${fmtUsd(before.capital)}, locked ${fmtUsd(before.locked)}, fees ${fmtUsd(before.fees)}; free for more cover ${fmtUsd(await suite.insuranceCapacity(riskId))}`,
  );

  // --- The delay, the report, the keeper ---------------------------------------------------
  const refusing = passengers[7];
  await (await busd.setBlocked(refusing.address, true)).wait();
  console.log(`  (bUSD blocks passenger 8's address, as a stablecoin issuer might)`);
  await ethers.provider.send("evm_setNextBlockTimestamp", [departure + 3 * HOUR + 10 * 60]);
  const report = await gas(
    "the oracle reports a 185-minute delay (reportEvent)",
    suite.reportEvent(riskId, 185, departure + 3 * HOUR + 5 * 60),
  );
  const triggerBlock = report.blockNumber;
  const triggerTime = await now();

  const keeper = await wallet();
  const summary = await runKeeper({
    signer: keeper,
    record: bank,
    rounds: 1,
    intervalMs: 0,
    receiptPollMs: 10,
    log: (line) => console.log(`  keeper: ${line}`),
  });
  const last = await ethers.provider.getBlock("latest");
  const after = await suite.insurancePool(poolId);
  const paid = before.capital - after.capital;
  const premiums = BigInt(PASSENGERS) * (usd(32) - usd(3.2));
  console.log(
    `  trigger → last payout: ${last!.number - triggerBlock} block(s), ${last!.timestamp - triggerTime} s (${summary.performs} perform(s))`,
  );
  console.log(
    `  credited to passenger 8: ${fmtUsd(await suite.creditOf(busdAddress, refusing.address))}; everyone else holds ${fmtUsd(await busd.balanceOf(passengers[0].address))}`,
  );
  console.log(
    `  pool before → after: capital ${fmtUsd(before.capital)} → ${fmtUsd(after.capital)}, locked ${fmtUsd(before.locked)} → ${fmtUsd(after.locked)}`,
  );
  console.log(
    `  loss ratio of this flight (payouts / the pool's premiums): ${fmtUsd(paid)} / ${fmtUsd(premiums)} = ${(Number((paid * 100n) / premiums) / 100).toFixed(1)}x; the providers' capital absorbs it`,
  );
  await (await busd.setBlocked(refusing.address, false)).wait();
  await gas(
    "unblocked, passenger 8 claims the credit (claimCredit)",
    suite.connect(refusing).claimCredit(busdAddress, refusing.address),
  );
  const held = await busd.balanceOf(bank.address);
  console.log(
    `  the diamond holds ${fmtUsd(held)} = capital + owed + fees + credits: ${held === after.capital + after.owed + after.fees + (await suite.totalCredits(busdAddress))}`,
  );
}
