// Payment scenarios: pay, fees, escrows, batch payouts and invoices, on the diamond the
// core scenarios built.
import { ZeroHash, dataSlice, encodeBytes32String, getAddress, id } from "ethers";

import {
  PaymentEscrowFacet__factory,
  PaymentFacet__factory,
  PaymentInvoiceFacet__factory,
  type IFinanceDiamond,
} from "../../typechain-types/index.js";
import { coreCalls, runTimelocked, selectorsOf } from "../lib/core.js";
import { installFromManifest } from "../lib/modules.js";
import { escrowTerms, PAYMENT_ADMIN_ROLE } from "../lib/payment.js";
import suiteManifest from "../manifest.js";
import { fmtGas, gasOf, type BenchContext, type BenchRow } from "./common.js";

/**
 * Enforced cost of `pay`'s own work (rail, receipt measurement, checks, guard) above the
 * floor of any payment routed through the diamond. The issue's "transferFrom + 8,000" is
 * below that floor, which the benchmark measures in the same run.
 */
const PAY_WORK_BUDGET = 10_000;

export async function measurePayment(ctx: BenchContext, diamond: IFinanceDiamond): Promise<BenchRow[]> {
  const { ethers } = ctx;
  const [owner, payer, spender, holderA, holderB] = ctx.signers;
  const rows: BenchRow[] = [];
  // Payment and its dependency, the credit module, as the `payments` set installs them.
  for (const id of suiteManifest.sets.payments) await installFromManifest(ethers, diamond, suiteManifest, id);
  const payment = PaymentFacet__factory.connect(await diamond.getAddress(), owner);
  await (await diamond.grantRole(PAYMENT_ADMIN_ROLE, owner.address)).wait();
  const channel = encodeBytes32String("main");
  const token = await ethers.deployContract("MockStablecoin");
  const tokenAddress = await token.getAddress();
  await (await payment.setPaymentRail(channel, tokenAddress, 10n ** 15n, 10n ** 18n)).wait();
  for (const account of [payer, holderA, holderB]) await (await token.mint(account.address, 10n ** 12n)).wait();
  await (await token.connect(payer).approve(spender.address, 10n ** 12n)).wait();
  await (await token.connect(payer).approve(await diamond.getAddress(), 10n ** 12n)).wait();
  const asPayer = payment.connect(payer);
  const ref = id("invoice-1");
  await gasOf(asPayer.pay(channel, tokenAddress, holderB.address, 1_000_000n, ref)); // today's rail usage exists
  const plainTransferFrom = await gasOf(
    token.connect(spender).transferFrom(payer.address, holderA.address, 1_000_000n),
  );
  // The floor: what any payment routed through a diamond costs (pay's calldata, event and
  // transfer, nothing else), so the budget of pay's own work is measured above it.
  const floorFacet = await ethers.deployContract("BenchPayFloorFacet");
  await runTimelocked(diamond, [
    coreCalls.installModule({
      id: "bench-floor",
      version: [1, 0, 0],
      facets: [{ facetAddress: await floorFacet.getAddress(), functionSelectors: selectorsOf(floorFacet.interface) }],
    }),
  ]);
  const payFloor = floorFacet
    .attach(await diamond.getAddress())
    .connect(payer)
    .getFunction("payFloor");
  const floorGas = await gasOf(payFloor(channel, tokenAddress, holderB.address, 1_000_000n, ref));
  const payGas = await gasOf(asPayer.pay(channel, tokenAddress, holderB.address, 1_000_000n, ref));
  rows.push({
    name: "payment floor: pay's calldata, event and transferFrom through the diamond, nothing else",
    gasUsed: floorGas,
    peer: plainTransferFrom,
    peerName: "plain ERC-20 transferFrom by a spender, same amount",
    budget: null,
    note: `floor − peer = ${fmtGas(floorGas - plainTransferFrom)} > 8,000: no routed payment meets the issue target`,
  });
  rows.push({
    name: "payment: pay with reference (ERC-20, rail with daily limit, no fee, payee holds tokens)",
    gasUsed: payGas,
    peer: plainTransferFrom,
    peerName: "plain ERC-20 transferFrom by a spender, same amount",
    budget: floorGas + PAY_WORK_BUDGET,
    note:
      `budget = floor + ${fmtGas(PAY_WORK_BUDGET)} (rail, receipt check, guards); pay − floor = ` +
      `${fmtGas(payGas - floorGas)}; issue target peer + 8,000 = ${fmtGas(plainTransferFrom + 8_000)}: not met`,
  });
  await (await payment.setPaymentFee(channel, tokenAddress, 30)).wait();
  rows.push({
    name: "payment: pay with reference, 30 bps fee (first fee of the token: one new storage slot)",
    gasUsed: await gasOf(asPayer.pay(channel, tokenAddress, holderB.address, 1_000_000n, ref)),
    peer: null,
    peerName: null,
    budget: null,
    note: "context for the budgeted pay row: the extra cost of a first fee (issue #4 budgets pay without one)",
  });
  await (await payment.setPaymentFee(channel, tokenAddress, 0)).wait();

  // Escrow: the second of two escrows (the first creates the module's counters), released
  // to a payee that already holds tokens.
  const escrow = PaymentEscrowFacet__factory.connect(await diamond.getAddress(), payer);
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 86_400);
  const create = () =>
    escrow.createEscrow(channel, tokenAddress, holderA.address, 1_000_000n, deadline, holderB.address, ref);
  const firstCreateGas = await gasOf(create());
  const [, terms] = await escrow.createEscrow.staticCall(
    channel,
    tokenAddress,
    holderA.address,
    1_000_000n,
    deadline,
    holderB.address,
    ref,
  );
  const createGas = await gasOf(create());
  rows.push({
    name: "payment: create an escrow (ERC-20, with arbiter)",
    gasUsed: createGas,
    peer: 113_680,
    peerName: "Sablier v2 createWithDurations (published figure, issue #4)",
    budget: 110_000,
    note: `steady state; the first escrow of this run costs ${fmtGas(firstCreateGas)} (escrow total and nonce written from zero)`,
  });
  rows.push({
    name: "payment: release an escrow",
    gasUsed: await gasOf(escrow.releaseEscrow(escrowTerms(terms))),
    peer: 52_197,
    peerName: "Permit2 transferFrom (published figure, issue #4)",
    budget: 60_000,
  });

  // Ten addresses that never held the token, derived from a label so every run measures
  // the same calldata (random addresses would move the figures by a few gas).
  const fresh = (label: string) =>
    Array.from({ length: 10 }, (_, i) => getAddress(dataSlice(id(`bench/${label}/${i}`), 12)));
  let plainTransfers = 0;
  for (const to of fresh("plain")) plainTransfers += await gasOf(token.connect(payer).transfer(to, 1_000_000n));
  const batch = await gasOf(asPayer.payBatch(channel, tokenAddress, fresh("batch"), Array(10).fill(1_000_000n), ref));
  rows.push({
    name: "payment: batch payout to 10 new recipients",
    gasUsed: batch,
    peer: plainTransfers,
    peerName: "10 plain ERC-20 transfers to new holders",
    budget: plainTransfers + 30_000,
  });

  // Invoices: the second token invoice of the diamond (the first creates the counter),
  // issued by holder A for the payer and paid in full.
  const invoices = PaymentInvoiceFacet__factory.connect(await diamond.getAddress(), holderA);
  const due = deadline;
  const issue = () => invoices.issueInvoice(payer.address, tokenAddress, ZeroHash, 1_000_000n, due, ref, false);
  await gasOf(issue());
  const invoiceId = await invoices.issueInvoice.staticCall(
    payer.address,
    tokenAddress,
    ZeroHash,
    1_000_000n,
    due,
    ref,
    false,
  );
  rows.push({
    name: "invoice: issue a token invoice",
    gasUsed: await gasOf(issue()),
    peer: null,
    peerName: null,
    budget: null,
    note: "context: issue #4 sets no invoice budget",
  });
  rows.push({
    name: "invoice: pay a token invoice in full",
    gasUsed: await gasOf(invoices.connect(payer).payInvoice(invoiceId, channel, tokenAddress, 1_000_000n)),
    peer: payGas,
    peerName: "pay with reference, same amount",
    budget: null,
    note: "context: issue #4 sets no invoice budget",
  });

  return rows;
}
