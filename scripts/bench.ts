// Gas benchmark: each scenario is measured in this run next to a named peer, and
// checked against its budget. Writes bench/results.json and bench/results.md; exits
// non-zero when a budget is exceeded.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";

import {
  CORE_FACET_CONTRACTS,
  FacetCutAction,
  coreCalls,
  deployCoreFacets,
  deployDiamond,
  runTimelocked,
  selectorsOf,
} from "./lib/core.js";

export interface BenchRow {
  name: string;
  gasUsed: number;
  peer: number | null;
  peerName: string | null;
  budget: number | null;
}

const { ethers } = await network.create();
const [owner] = await ethers.getSigners();

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction dropped");
  return Number(receipt.gasUsed);
}

async function deployGas(name: string, args: unknown[] = []): Promise<{ address: string; gas: number }> {
  const c = await ethers.deployContract(name, args);
  const receipt = await c.deploymentTransaction()!.wait();
  return { address: await c.getAddress(), gas: Number(receipt!.gasUsed) };
}

const rows: BenchRow[] = [];

// --- Deploying a diamond: shared facets vs a full stack ---------------------------
let facetsGas = 0;
for (const name of Object.values(CORE_FACET_CONTRACTS)) facetsGas += (await deployGas(name)).gas;
const facets = await deployCoreFacets(ethers);
const settings = { owner: owner.address, upgrader: owner.address, guardian: owner.address, timelockDelay: 0 };
const { diamond, receipt: diamondReceipt } = await deployDiamond(ethers, facets, settings);
const newDiamondGas = Number(diamondReceipt.gasUsed);
rows.push({
  name: "deploy a diamond over shared core facets",
  gasUsed: newDiamondGas,
  peer: newDiamondGas + facetsGas,
  peerName: "same diamond plus its own 7 core facets (no sharing)",
  budget: null,
});

// --- Dispatch: the same function called directly, through the diamond, through a proxy
const counter = await ethers.deployContract("BenchCounterFacet");
const counterAddress = await counter.getAddress();
await runTimelocked(diamond, [
  coreCalls.installModule({
    id: "bench",
    version: [1, 0, 0],
    facets: [{ facetAddress: counterAddress, functionSelectors: selectorsOf(counter.interface) }],
  }),
]);
// OpenZeppelin 5.7's proxy must be initialised with a call, so every target gets one
// increment first and the measured call is the second (same storage transition for all).
const proxy = await ethers.deployContract("ERC1967Proxy", [
  counterAddress,
  counter.interface.encodeFunctionData("increment"),
]);
const incrementAt = (target: string) => counter.attach(target).getFunction("increment");
await gasOf(incrementAt(counterAddress)());
await gasOf(incrementAt(await diamond.getAddress())());
const direct = await gasOf(incrementAt(counterAddress)());
const viaDiamond = await gasOf(incrementAt(await diamond.getAddress())());
const viaProxy = await gasOf(incrementAt(await proxy.getAddress())());
rows.push({
  name: "call increment() through the diamond",
  gasUsed: viaDiamond,
  peer: viaProxy,
  peerName: "OpenZeppelin 5 ERC1967Proxy, same call",
  budget: null,
});
rows.push({
  name: "dispatch overhead (diamond − direct facet call)",
  gasUsed: viaDiamond - direct,
  peer: viaProxy - direct,
  peerName: "OpenZeppelin 5 ERC1967Proxy overhead",
  budget: 4800,
});

// --- Installing a module of 10 selectors vs a raw EIP-2535 cut of 10 selectors -----
const ten = await ethers.deployContract("TenSelectorFacet");
const tenSelectors = selectorsOf(ten.interface);
const install = await runTimelocked(diamond, [
  coreCalls.installModule({
    id: "ten",
    version: [1, 0, 0],
    facets: [{ facetAddress: await ten.getAddress(), functionSelectors: tenSelectors }],
  }),
]);
const ten2 = await ethers.deployContract("TenSelectorFacet");
const { diamond: diamond2 } = await deployDiamond(ethers, facets, settings);
const raw = await runTimelocked(diamond2, [
  coreCalls.diamondCut([
    { facetAddress: await ten2.getAddress(), action: FacetCutAction.Add, functionSelectors: tenSelectors },
  ]),
]);
rows.push({
  name: "install a 10-selector module (schedule + execute)",
  gasUsed: Number(install.schedule.gasUsed + install.execute.gasUsed),
  peer: Number(raw.schedule.gasUsed + raw.execute.gasUsed),
  peerName: "raw EIP-2535 diamondCut of the same 10 selectors (schedule + execute)",
  budget: null,
});

// --- Output ------------------------------------------------------------------------
const outDir = path.resolve("bench");
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, "results.json"), JSON.stringify(rows, null, 2) + "\n");
const fmt = (n: number | null) => (n === null ? "—" : n.toLocaleString("en-US"));
const table = [
  "| scenario | gas used | peer | peer gas | budget | within budget |",
  "|---|---:|---|---:|---:|:---:|",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.gasUsed)} | ${r.peerName ?? "—"} | ${fmt(r.peer)} | ${fmt(r.budget)} | ${
        r.budget === null ? "—" : r.gasUsed <= r.budget ? "yes" : "**NO**"
      } |`,
  ),
].join("\n");
await writeFile(path.join(outDir, "results.md"), `# Gas benchmark\n\n${table}\n`);
console.log(table);

const over = rows.filter((r) => r.budget !== null && r.gasUsed > r.budget);
if (over.length > 0) {
  console.error(`Over budget: ${over.map((r) => r.name).join(", ")}`);
  process.exitCode = 1;
}
