// Demo chapter: the lending module. A stablecoin pool with an ERC-4626 vault, a supplier, a
// collateralized borrower, a small business on a credit line from a signed attestation, a
// price drop and the keeper's liquidation, a credit-model swap through the timelock.
import { encodeBytes32String, MaxUint256, parseEther, parseUnits, ZeroAddress, ZeroHash } from "ethers";

import {
  CreditLineModel__factory,
  IFinanceSuite__factory,
  LendingPoolVault__factory,
  MockPriceFeed__factory,
  MockStablecoin__factory,
  MockToken__factory,
} from "../../typechain-types/index.js";
import { runTimelocked } from "../lib/core.js";
import { annual, LENDING_ADMIN_ROLE, lendingCalls, NO_CAP } from "../lib/lending.js";
import { lendingUpkeepSource } from "../lib/lending-upkeep.js";
import { upkeepData } from "../lib/upkeep.js";
import { attestationFor, creditLimitFor, formatScorecard, readBorrowerHistory, scorecard } from "../lib/scoring.js";
import type { DemoContext } from "./common.js";

export async function lendingChapter({ ethers, admin, bank, diamond, gas }: DemoContext): Promise<void> {
  const signers = await ethers.getSigners();
  const [supplier, borrower, business, issuer, keeper] = signers.slice(15);
  const suite = IFinanceSuite__factory.connect(bank.address, admin);
  const usd = (n: number) => parseUnits(String(n), 6);
  const fmtUsd = (v: bigint) =>
    `${Number(ethers.formatUnits(v, 6)).toLocaleString("en-US", { maximumFractionDigits: 2 })} mUSD`;
  const pct = (perSecond: bigint) => `${((Number(perSecond) * 365 * 86_400) / 1e16).toFixed(2)} %/year`;
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

  const stable = await new MockStablecoin__factory(admin).deploy();
  const weth = await new MockToken__factory(admin).deploy("Wrapped Ether", "WETH", 18);
  const ethUsd = await new MockPriceFeed__factory(admin).deploy(8, parseUnits("2000", 8));
  const model = await ethers.deployContract("KinkedRateModel", [
    annual("2%"),
    annual("10%"),
    parseEther("0.8"),
    annual("100%"),
  ]);
  await gas(
    "owner grants LENDING_ADMIN_ROLE to the lending desk",
    diamond.grantRole(LENDING_ADMIN_ROLE, admin.address),
  );

  const params = {
    asset: await stable.getAddress(),
    priceFeed: ZeroAddress,
    priceMaxAge: 0,
    rateModel: await model.getAddress(),
    creditModel: ZeroAddress,
    reserveFactorBps: 1_000,
    supplyCap: NO_CAP,
    borrowCap: NO_CAP,
    dustThreshold: usd(10),
    name: "Bank A mUSD pool",
    symbol: "baUSD",
  };
  const [poolId, vaultAddress] = await suite.createLendingPool.staticCall(params);
  await gas("lending desk creates the mUSD pool (and its ERC-4626 vault)", suite.createLendingPool(params));
  console.log(`  pool ${poolId}: vault ${vaultAddress}, kinked rate 2 % + 10 % to 80 % utilization, +100 % above`);
  const wethParams = {
    feed: await ethUsd.getAddress(),
    maxPriceAge: 3_600,
    ltvBps: 7_500,
    liquidationThresholdBps: 8_000,
    liquidationBonusBps: 500,
    supplyCap: parseEther("10000"),
  };
  await runTimelocked(diamond, [lendingCalls.setCollateral(poolId, await weth.getAddress(), wethParams)]);
  console.log("  WETH accepted as collateral through the timelock: LTV 75 %, threshold 80 %, bonus 5 %");

  // A supplier goes through the vault, as any ERC-4626 integration would.
  await (await stable.mint(supplier.address, usd(1_000_000))).wait();
  await (await stable.connect(supplier).approve(vaultAddress, MaxUint256)).wait();
  const vault = LendingPoolVault__factory.connect(vaultAddress, supplier);
  await gas("supplier deposits 500,000 mUSD through the vault", vault.deposit(usd(500_000), supplier.address));

  // A collateralized borrower.
  await (await weth.mint(borrower.address, parseEther("20"))).wait();
  await (await weth.connect(borrower).approve(bank.address, MaxUint256)).wait();
  await gas(
    "borrower posts 20 WETH (40,000 at 2,000)",
    suite.connect(borrower).supplyCollateral(poolId, await weth.getAddress(), parseEther("20"), borrower.address),
  );
  await gas("borrower borrows 28,000 mUSD", suite.connect(borrower).borrow(poolId, usd(28_000), borrower.address));
  const position = await suite.lendingPosition(poolId, borrower.address);
  console.log(
    `  debt ${fmtUsd(position.debt)}, limit ${fmtUsd(position.borrowLimit)}, health factor ${ethers.formatUnits(position.healthFactor, 18).slice(0, 5)}`,
  );

  // A small business with no collateral: a credit line from a signed attestation.
  const creditLine = await new CreditLineModel__factory(admin).deploy(bank.address, usd(250_000), 7 * 86_400, 1_000);
  const creditLineAddress = await creditLine.getAddress();
  await gas("lending desk registers the credit issuer", creditLine.setIssuer(issuer.address, true));
  await runTimelocked(diamond, [lendingCalls.setCreditModel(poolId, creditLineAddress)]);
  console.log("  the pool's credit model becomes the credit-line model (timelocked; collateral still counts)");
  // The business's history with the bank: three invoices paid on time, a small secured
  // loan repaid. The scorecard service reads it from the diamond's events and signs.
  const sepa = encodeBytes32String("SEPA-EUR");
  await (await suite.setPaymentRail(sepa, await stable.getAddress(), usd(100_000), usd(1_000_000))).wait();
  await (await stable.mint(business.address, usd(20_000))).wait();
  await (await stable.connect(business).approve(bank.address, MaxUint256)).wait();
  for (let i = 0; i < 3; i++) {
    const dueDate = (await now()) + 14n * 86_400n;
    const invoice = suite.connect(supplier);
    const id = await invoice.issueInvoice.staticCall(
      business.address,
      stable,
      ZeroHash,
      usd(2_000),
      dueDate,
      ZeroHash,
      false,
    );
    await (await invoice.issueInvoice(business.address, stable, ZeroHash, usd(2_000), dueDate, ZeroHash, false)).wait();
    await (await suite.connect(business).payInvoice(id, sepa, stable, usd(2_000))).wait();
  }
  await (await weth.mint(business.address, parseEther("1"))).wait();
  await (await weth.connect(business).approve(bank.address, MaxUint256)).wait();
  await (await suite.connect(business).supplyCollateral(poolId, weth, parseEther("1"), business.address)).wait();
  await (await suite.connect(business).borrow(poolId, usd(500), business.address)).wait();
  await ethers.provider.send("evm_increaseTime", [7 * 86_400]);
  await (await ethUsd.set(parseUnits("2000", 8), (await now()) + 1n)).wait();
  await (await suite.connect(business).repay(poolId, MaxUint256, business.address)).wait();
  await (await suite.connect(business).withdrawCollateral(poolId, weth, parseEther("1"), business.address)).wait();
  console.log("  the business paid 3 invoices on time and repaid a small secured loan");

  const latest = await ethers.provider.getBlockNumber();
  const history = await readBorrowerHistory(ethers.provider, {
    diamond: bank.address,
    borrower: business.address,
    poolId,
    fromBlock: bank.blockNumber,
    toBlock: latest,
  });
  const card = scorecard(history);
  const decision = creditLimitFor(card);
  console.log(formatScorecard(card, decision).replace(/^/gm, "  | "));
  const signed = await attestationFor({ card, decision, issuer, model: creditLineAddress });
  const { attestation, signature } = signed;
  console.log(`  issuer signs: limit ${fmtUsd(attestation.limit)}, score ${attestation.score} (EIP-712)`);
  const drawn = (attestation.limit * 4n) / 5n;
  await gas(
    `small business borrows ${fmtUsd(drawn)} with the attestation, no collateral`,
    suite.connect(business).borrowWithAttestation(poolId, drawn, business.address, attestation, signature),
  );
  try {
    await suite.connect(business).borrow.staticCall(poolId, usd(1_000), business.address);
  } catch (e) {
    const parsed = suite.interface.parseError((e as { data?: string }).data ?? "0x");
    console.log(`  a later borrow without a fresh attestation: ${parsed?.name}`);
  }

  // A month passes; the collateral price drops; the keeper liquidates.
  await ethers.provider.send("evm_increaseTime", [30 * 86_400]);
  await ethers.provider.send("evm_mine", []);
  await (await ethUsd.set(parseUnits("1700", 8), await now())).wait();
  // The keeper runner's lending source turns LendingBorrowed events into candidates; the
  // diamond's shared upkeep pair (Chainlink Automation-compatible) finds and runs the work.
  const source = lendingUpkeepSource();
  const [checkData] = await source.checkData({
    provider: ethers.provider,
    diamond: suite,
    record: bank,
    upkeep: { module: "lending", moduleId: "", check: "", perform: "" },
    fromBlock: bank.blockNumber,
    toBlock: await ethers.provider.getBlockNumber(),
    log: () => undefined,
  });
  const [needed, performData] = await suite.checkUpkeep(upkeepData("lending", checkData));
  console.log(
    `  WETH falls to 1,700: the borrower's health factor is now ${ethers.formatUnits((await suite.lendingPosition(poolId, borrower.address)).healthFactor, 18).slice(0, 5)}; checkUpkeep: ${needed}`,
  );
  await (await stable.mint(keeper.address, usd(100_000))).wait();
  await (await stable.connect(keeper).approve(bank.address, MaxUint256)).wait();
  const receipt = await gas(
    "keeper calls performUpkeep on the diamond",
    suite.connect(keeper).performUpkeep(performData),
  );
  for (const log of receipt.logs) {
    const event = suite.interface.parseLog(log);
    if (event?.name === "LendingLiquidated") {
      console.log(
        `  LendingLiquidated: repaid ${fmtUsd(event.args.repaid)}, seized ${ethers.formatEther(event.args.seized)} WETH, debt left ${fmtUsd(event.args.debtLeft)}`,
      );
    }
  }

  // The institution changes its credit policy: back to the collateral model, with grace.
  const swap = await runTimelocked(diamond, [lendingCalls.setCreditModel(poolId, ZeroAddress)]);
  const swapped = swap.execute.logs
    .map((l) => suite.interface.parseLog(l))
    .find((e) => e?.name === "LendingCreditModelSet")!;
  console.log(
    `  credit model swapped back to the collateral model through the timelock; positions protected until ${new Date(Number(swapped.args.graceUntil) * 1000).toISOString()}`,
  );

  const pool = await suite.lendingPool(poolId);
  console.log(
    `  pool: cash ${fmtUsd(pool.cash)}, borrows ${fmtUsd(pool.borrows)}, reserves ${fmtUsd(pool.reserves)}, utilization ${(Number(pool.utilization) / 1e16).toFixed(2)} %`,
  );
  console.log(
    `  borrow rate ${pct(pool.borrowRatePerSecond)}, supply rate ${pct(pool.supplyRatePerSecond)}, share price ${fmtUsd(pool.sharePrice)} per baUSD`,
  );
}
