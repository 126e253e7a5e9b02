// Gas benchmark runner: each scenario file under scripts/bench/ measures its module next
// to a named peer; this file runs them in order on one in-process chain, checks budgets,
// writes bench/results.json and bench/results.md, and exits non-zero when a budget is
// exceeded. Scenarios share the chain, so their order is part of the figures.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { network } from "hardhat";

import { measureAsset } from "./bench/asset.js";
import type { BenchContext, BenchRow } from "./bench/common.js";
import { measureCore } from "./bench/core.js";
import { measureInsurance } from "./bench/insurance.js";
import { measureLending } from "./bench/lending.js";
import { measureMorpho, morphoRows } from "./bench/morpho.js";
import { measurePayment } from "./bench/payment.js";
import { measureTrex } from "./bench/trex.js";

const { ethers } = await network.create();
const ctx: BenchContext = { ethers, signers: await ethers.getSigners() };

const rows: BenchRow[] = [];
const core = await measureCore(ctx);
rows.push(...core.rows);
rows.push(...(await measurePayment(ctx, core.diamond)));
// Peers measured for modules that compare against them, after the modules measured before
// them, so they move none of those figures.
const morpho = await measureMorpho(ctx);
rows.push(...(await measureLending(ctx, core.diamond, morpho)));
rows.push(...morphoRows(morpho));
const trex = await measureTrex(ctx);
rows.push(...(await measureAsset(ctx, core.diamond, trex)));
// Last: it uses the upkeep module the lending scenarios installed and sends from its own
// fixed-key wallets, so it moves none of the figures above.
rows.push(...(await measureInsurance(ctx, core.diamond)));

// --- Output ------------------------------------------------------------------------
const outDir = path.resolve("bench");
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, "results.json"), JSON.stringify(rows, null, 2) + "\n");
const fmt = (n: number | null) => (n === null ? "—" : n.toLocaleString("en-US"));
const table = [
  "| scenario | gas used | peer | peer gas | budget | within budget | note |",
  "|---|---:|---|---:|---:|:---:|---|",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.gasUsed)} | ${r.peerName ?? "—"} | ${fmt(r.peer)} | ${fmt(r.budget)} | ${
        r.budget === null ? "—" : r.gasUsed <= r.budget ? "yes" : "**NO**"
      } | ${r.note ?? ""} |`,
  ),
].join("\n");
await writeFile(path.join(outDir, "results.md"), `# Gas benchmark\n\n${table}\n`);
console.log(table);

const over = rows.filter((r) => r.budget !== null && r.gasUsed > r.budget);
if (over.length > 0) {
  console.error(`Over budget: ${over.map((r) => r.name).join(", ")}`);
  process.exitCode = 1;
}
