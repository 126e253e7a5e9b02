// Morpho Blue 1.0.0, the lending module's peer: one market (6-decimal loan token,
// 18-decimal collateral, fixed-rate IRM, settable oracle) and what each action costs on it,
// measured on the same chain as our modules.
import { MaxUint256 } from "ethers";

import { Morpho__factory } from "../../typechain-types/index.js";
import { fmtGas, gasOf, type BenchContext, type BenchRow } from "./common.js";

/**
 * Receipt gasUsed of one Morpho Blue transaction per action on one market, a day apart so
 * interest accrues. The market's rate model costs almost nothing (a fixed rate), so these
 * are a floor for Morpho with a real model. Token approvals are unlimited (no allowance is
 * written); the lender and the borrower already hold the loan token; the liquidator
 * receives a collateral token it did not hold. Compare lending rows measured the same way.
 */
export interface MorphoFigures {
  /** First supply into an empty market: totals, shares and Morpho's token balance start at zero. */
  supplyFirst: number;
  /** Supply by a depositor that already holds shares, with borrows open (interest accrues). */
  supply: number;
  /** Partial withdrawal of supplied assets. */
  withdraw: number;
  /** The borrower's first collateral, the first of the market. */
  supplyCollateral: number;
  /** First borrow of the market and of the borrower. */
  borrowFirst: number;
  /** Borrow again by the same borrower. */
  borrow: number;
  /** Partial repayment by assets. */
  repay: number;
  /** Partial withdrawal of collateral, the position staying healthy. */
  withdrawCollateral: number;
  /** Partial liquidation (seized assets given) after the oracle price fell below the LLTV. */
  liquidate: number;
}

const DAY = 86_400;
const WAD = 10n ** 18n;
const USD = 10n ** 6n; // loan token units
const COLLATERAL = WAD; // collateral token units
/** 36 + loan decimals − collateral decimals: the oracle scale for one collateral unit. */
const PRICE_UNIT = 10n ** 24n;

export async function measureMorpho(ctx: BenchContext): Promise<MorphoFigures> {
  const { ethers } = ctx;
  const [owner, , , , , lender, borrower, liquidator] = ctx.signers;

  // --- Market: Morpho, a fixed 5 %/year IRM, an oracle at 2,000 USD, LLTV 86 % ---------
  const morpho = Morpho__factory.connect(
    await (await ethers.deployContract("Morpho", [owner.address])).getAddress(),
    owner,
  );
  const morphoAddress = await morpho.getAddress();
  const loanToken = await ethers.deployContract("MockStablecoin");
  const collateralToken = await ethers.deployContract("BenchPlainToken");
  const oracle = await ethers.deployContract("BenchSettableOracle", [2_000n * PRICE_UNIT]);
  const irm = await ethers.deployContract("BenchFixedRateIrm", [WAD / 20n / (365n * BigInt(DAY))]);
  const market = {
    loanToken: await loanToken.getAddress(),
    collateralToken: await collateralToken.getAddress(),
    oracle: await oracle.getAddress(),
    irm: await irm.getAddress(),
    lltv: (86n * WAD) / 100n,
  };
  await (await morpho.enableIrm(market.irm)).wait();
  await (await morpho.enableLltv(market.lltv)).wait();
  await (await morpho.createMarket(market)).wait();

  // Unlimited approvals: OpenZeppelin's ERC-20 then writes no allowance on transferFrom (a
  // finite approval would add about 3,100 gas to supply, supplyCollateral, repay, liquidate).
  await (await loanToken.mint(lender.address, 2_000_000n * USD)).wait();
  await (await loanToken.mint(borrower.address, 1_000n * USD)).wait();
  await (await loanToken.mint(liquidator.address, 100_000n * USD)).wait();
  await (await collateralToken.mint(borrower.address, 100n * COLLATERAL)).wait();
  for (const [token, account] of [
    [loanToken, lender],
    [loanToken, borrower],
    [loanToken, liquidator],
    [collateralToken, borrower],
  ] as const) {
    await (await token.connect(account).approve(morphoAddress, MaxUint256)).wait();
  }

  // Every action is mined one day after the previous block, so interest accrues between
  // actions and the figures do not depend on the wall clock.
  const aDayLater = async () => {
    const latest = await ethers.provider.getBlock("latest");
    await ethers.provider.send("evm_setNextBlockTimestamp", [latest!.timestamp + DAY]);
  };
  const asLender = morpho.connect(lender);
  const asBorrower = morpho.connect(borrower);
  const measure = async (send: () => ReturnType<typeof gasOf>) => {
    await aDayLater();
    return send();
  };

  const supplyFirst = await measure(() => gasOf(asLender.supply(market, 1_000_000n * USD, 0, lender.address, "0x")));
  const supplyCollateral = await measure(() =>
    gasOf(asBorrower.supplyCollateral(market, 10n * COLLATERAL, borrower.address, "0x")),
  );
  const borrowFirst = await measure(() =>
    gasOf(asBorrower.borrow(market, 10_000n * USD, 0, borrower.address, borrower.address)),
  );
  const supply = await measure(() => gasOf(asLender.supply(market, 100_000n * USD, 0, lender.address, "0x")));
  const borrow = await measure(() =>
    gasOf(asBorrower.borrow(market, 2_000n * USD, 0, borrower.address, borrower.address)),
  );
  const repay = await measure(() => gasOf(asBorrower.repay(market, 5_000n * USD, 0, borrower.address, "0x")));
  const withdraw = await measure(() =>
    gasOf(asLender.withdraw(market, 50_000n * USD, 0, lender.address, lender.address)),
  );
  const withdrawCollateral = await measure(() =>
    gasOf(asBorrower.withdrawCollateral(market, 2n * COLLATERAL, borrower.address, borrower.address)),
  );
  // About 7,000 USD owed against 8 collateral tokens: at 1,000 USD each the debt is above
  // 86 % of the collateral's value and the position can be liquidated.
  await aDayLater();
  await (await oracle.setPrice(1_000n * PRICE_UNIT)).wait();
  const liquidate = await measure(() =>
    gasOf(morpho.connect(liquidator).liquidate(market, borrower.address, COLLATERAL, 0, "0x")),
  );

  return {
    supplyFirst,
    supply,
    withdraw,
    supplyCollateral,
    borrowFirst,
    borrow,
    repay,
    withdrawCollateral,
    liquidate,
  };
}

/** Informational rows (no peer, no budget) so the figures appear in the results. */
export function morphoRows(f: MorphoFigures): BenchRow[] {
  const row = (operation: string, gasUsed: number, note: string): BenchRow => ({
    name: `morpho blue: ${operation}`,
    gasUsed,
    peer: null,
    peerName: null,
    budget: null,
    note,
  });
  return [
    row(
      "supply",
      f.supply,
      `depositor holds shares, borrows open; first supply of the market ${fmtGas(f.supplyFirst)}`,
    ),
    row("withdraw", f.withdraw, "partial"),
    row("supplyCollateral", f.supplyCollateral, "the borrower's first collateral"),
    row("borrow", f.borrow, `again; first borrow of the market ${fmtGas(f.borrowFirst)}`),
    row("repay", f.repay, "partial"),
    row("withdrawCollateral", f.withdrawCollateral, "partial, position stays healthy"),
    row("liquidate", f.liquidate, "partial, after the oracle price fell; liquidator did not hold the collateral"),
  ];
}
