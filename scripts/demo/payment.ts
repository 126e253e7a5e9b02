// Demo chapter: the payment module (rails, fees, a payment with a permit, a batch, an
// invoice in instalments, escrows with a dispute and a refused payout credited).
import { encodeBytes32String, id } from "ethers";

import { IFinanceSuite__factory } from "../../typechain-types/index.js";
import { escrowTerms, PAYMENT_ADMIN_ROLE, signPermit } from "../lib/payment.js";
import type { DemoContext } from "./common.js";

export async function paymentChapter({ ethers, admin, customer, bank, diamond, gas, fmt }: DemoContext): Promise<void> {
  const [, , , merchant, treasury, ...staff] = await ethers.getSigners();
  const payment = IFinanceSuite__factory.connect(bank.address, admin);
  const usd = await ethers.deployContract("MockStablecoin");
  const usdAddress = await usd.getAddress();
  const sepa = encodeBytes32String("SEPA-EUR");
  const units = (n: number) => BigInt(Math.round(n * 1e6));
  const mUSD = (v: bigint) => `${ethers.formatUnits(v, 6)} mUSD`;
  await gas("owner grants PAYMENT_ADMIN_ROLE to itself", diamond.grantRole(PAYMENT_ADMIN_ROLE, admin.address));
  await gas(
    "admin enables mUSD on SEPA-EUR: 10k per payment, 50k per day",
    payment.setPaymentRail(sepa, usdAddress, units(10_000), units(50_000)),
  );
  await gas("admin sets a 25 bps fee on mUSD over SEPA-EUR", payment.setPaymentFee(sepa, usdAddress, 25));
  await (await payment.setPaymentTreasury(treasury.address)).wait();
  await (await usd.mint(customer.address, units(100_000))).wait();

  // One transaction, no prior approve: an EIP-2612 permit for amount + fee.
  const amount = units(1_250);
  const fee = (amount * 25n) / 10_000n;
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 3600);
  const signature = await signPermit(usd, customer, bank.address, amount + fee, deadline);
  const ref = id("invoice-2026-0042");
  const receipt = await gas(
    "customer pays invoice-2026-0042 (1,250 mUSD) with a permit",
    payment
      .connect(customer)
      .payWithPermit(sepa, usdAddress, merchant.address, amount, ref, deadline, signature.v, signature.r, signature.s),
  );
  const sent = receipt.logs.map((l) => payment.interface.parseLog(l)).find((l) => l?.name === "PaymentSent")!;
  console.log(
    `  PaymentSent: ref ${sent.args.paymentRef.slice(0, 10)}… amount ${mUSD(sent.args.amount)} fee ${mUSD(sent.args.fee)}; merchant holds ${mUSD(await usd.balanceOf(merchant.address))}`,
  );

  await (await usd.connect(customer).approve(bank.address, units(20_000))).wait();
  const payroll = staff.slice(0, 5).map((s) => s.address);
  await gas(
    "customer pays 5 salaries in one batch",
    payment.connect(customer).payBatch(
      sepa,
      usdAddress,
      payroll,
      payroll.map(() => units(2_000)),
      id("payroll-2026-11"),
    ),
  );
  try {
    await payment.connect(customer).pay(sepa, usdAddress, merchant.address, units(10_001), id("too-big"));
  } catch (e) {
    const err = payment.interface.parseError((e as { data?: string }).data ?? "0x");
    console.log(`  a 10,001 mUSD payment is refused: ${err?.name} (limit ${mUSD(err?.args[3] as bigint)})`);
  }
  // A cross-currency invoice: the merchant bills 2,000.00 USD and accepts instalments; the
  // customer settles it in mUSD in two parts, each at the feed's rate of the day, bounding
  // what it pays and how old the price may be.
  const USD = encodeBytes32String("USD");
  const dollars = (n: number) => BigInt(n) * 10n ** 8n; // currency invoices count in 10^-8
  const fmtUsd = (v: bigint) => `${ethers.formatUnits(v, 8)} USD`;
  const usdFeed = await ethers.deployContract("MockPriceFeed", [8, 99_800_000n]); // 1 mUSD = 0.998 USD
  await gas(
    "admin sets the USD price feed of mUSD",
    payment.setPaymentPriceFeed(USD, usdAddress, await usdFeed.getAddress()),
  );
  const invoiceDue = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 30 * 86_400);
  const invoice = [
    customer.address,
    ethers.ZeroAddress,
    USD,
    dollars(2_000),
    invoiceDue,
    id("INV-USD-9"),
    true,
  ] as const;
  const invoiceId = await payment.connect(merchant).issueInvoice.staticCall(...invoice);
  await gas("merchant issues INV-USD-9: 2,000 USD, in instalments", payment.connect(merchant).issueInvoice(...invoice));
  await (await usd.connect(customer).approve(bank.address, units(10_000))).wait();
  const instalments = [
    { part: 1_200, max: 1_210 },
    { part: 800, max: 810 },
  ];
  for (const [i, { part, max }] of instalments.entries()) {
    if (i > 0) {
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      await (await usdFeed.set(99_500_000n, now)).wait();
      console.log("  the price moves: 1 mUSD = 0.995 USD");
    }
    const [quote] = await payment.quoteInvoice(invoiceId, usdAddress, dollars(part));
    console.log(`  quoteInvoice(${fmtUsd(dollars(part))}): ${mUSD(quote)} before the fee`);
    const paidReceipt = await gas(
      `customer pays instalment ${i + 1}: ${fmt(BigInt(part))} USD, max ${fmt(BigInt(max))} mUSD`,
      payment.connect(customer).payInvoiceCrossCurrency(invoiceId, sepa, usdAddress, dollars(part), units(max), 3600),
    );
    const paid = paidReceipt.logs.map((l) => payment.interface.parseLog(l)).find((l) => l?.name === "InvoicePaid")!;
    const status = ["None", "Open", "Paid", "Cancelled"][Number((await payment.getInvoice(invoiceId)).status)];
    console.log(
      `  InvoicePaid: ${mUSD(paid.args.amountIn)} + fee ${mUSD(paid.args.fee)} settled ${fmtUsd(paid.args.settled)}, ${fmtUsd(paid.args.remaining)} left; invoice ${status}`,
    );
  }

  // Escrow: the customer funds a purchase; the merchant delivers late, the customer disputes,
  // and the arbiter (a staff member here) splits it 80 / 20.
  const arbiter = staff[5];
  const escrowDeadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 7 * 86_400);
  const asCustomer = payment.connect(customer);
  const orderArgs = [
    sepa,
    usdAddress,
    merchant.address,
    units(5_000),
    escrowDeadline,
    arbiter.address,
    id("order-77"),
  ] as const;
  const [escrowId, terms] = await asCustomer.createEscrow.staticCall(...orderArgs);
  const orderTerms = escrowTerms(terms);
  await gas("customer funds a 5,000 mUSD escrow for order-77", asCustomer.createEscrow(...orderArgs));
  console.log(`  escrow ${escrowId.slice(0, 10)}… holds ${mUSD(await payment.escrowedAmount(usdAddress))}`);
  await gas("customer opens a dispute", asCustomer.disputeEscrow(orderTerms));
  await gas(
    "arbiter resolves: 4,000 to the merchant, 1,000 back",
    payment.connect(arbiter).resolveEscrow(orderTerms, units(4_000)),
  );
  try {
    await asCustomer.releaseEscrow(orderTerms);
  } catch (e) {
    const err = payment.interface.parseError((e as { data?: string }).data ?? "0x");
    console.log(`  releasing it again is refused: ${err?.name} (status ${err?.args[1]})`);
  }
  // A refused payout: a stablecoin with a blocklist (USDC-style) blocks the merchant before
  // the customer releases. The release still happens; the merchant is credited and claims
  // its credit to a fresh address.
  const bUsd = await ethers.deployContract("MockBlocklistToken");
  const bUsdAddress = await bUsd.getAddress();
  const b = (n: number) => ethers.parseUnits(String(n), 18);
  await (await payment.setPaymentRail(sepa, bUsdAddress, b(10_000), b(50_000))).wait();
  await (await bUsd.mint(customer.address, b(1_000))).wait();
  await (await bUsd.connect(customer).approve(bank.address, b(1_000))).wait();
  const blockedArgs = [
    sepa,
    bUsdAddress,
    merchant.address,
    b(1_000),
    escrowDeadline,
    arbiter.address,
    id("order-78"),
  ] as const;
  const [, blockedTerms] = await asCustomer.createEscrow.staticCall(...blockedArgs);
  await gas("customer funds a 1,000 bUSD escrow for order-78", asCustomer.createEscrow(...blockedArgs));
  await (await bUsd.setBlocked(merchant.address, true)).wait();
  console.log("  the bUSD issuer blocks the merchant's address");
  await gas(
    "customer releases: the merchant is credited, not paid",
    asCustomer.releaseEscrow(escrowTerms(blockedTerms)),
  );
  console.log(
    `  merchant's credit (the diamond's one credit book): ${ethers.formatUnits(await payment.creditOf(bUsdAddress, merchant.address), 18)} bUSD`,
  );
  const newWallet = staff[6].address;
  await gas(
    "merchant claims its credit to a new address (claimCredit)",
    payment.connect(merchant).claimCredit(bUsdAddress, newWallet),
  );
  console.log(`  new address holds ${ethers.formatUnits(await bUsd.balanceOf(newWallet), 18)} bUSD`);

  await gas("anyone sends the accrued fees to the treasury", payment.withdrawPaymentFees(usdAddress));
  console.log(`  treasury holds ${mUSD(await usd.balanceOf(treasury.address))} in fees`);
}
