// `npm run demo`: deploys the richest module set on the in-process network and walks
// through what the suite can do, with addresses and gas per step. Each module adds a chapter.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { network, artifacts } from "hardhat";
import { encodeBytes32String, type ContractTransactionResponse } from "ethers";

import suiteManifest from "./manifest.js";
import fixtureManifest from "../test/fixtures/manifest.js";
import fixtureManifestV2 from "../test/fixtures/manifest-v2.js";
import { apply, prepare, type Request, type SuiteContext } from "./lib/deployments.js";
import type { Manifest } from "./lib/manifest.js";
import { RecordStore } from "./lib/records.js";
import { ROLES } from "./lib/core.js";
import type { DemoContext } from "./demo/common.js";
import { assetChapter } from "./demo/asset.js";
import { insuranceChapter } from "./demo/insurance.js";
import { lendingChapter } from "./demo/lending.js";
import { paymentChapter } from "./demo/payment.js";
import { IFinanceDiamond__factory, MockFacetV2__factory } from "../typechain-types/index.js";

const { ethers, networkName } = await network.getOrCreate();
const [admin, , customer] = await ethers.getSigners();
const recordsRoot = await mkdtemp(path.join(os.tmpdir(), "finsuite-demo-"));

const chapter = (title: string) => console.log(`\n== ${title} ${"=".repeat(Math.max(0, 74 - title.length))}`);
const fmt = (n: bigint) => n.toLocaleString("en-US");

function context(manifest: Manifest): SuiteContext {
  return {
    ethers,
    artifacts,
    networkName,
    manifest,
    store: new RecordStore(recordsRoot, networkName),
    ephemeral: true,
    log: (line) => console.log(`  ${line}`),
  };
}

async function run(manifest: Manifest, request: Request) {
  const ctx = context(manifest);
  await apply(ctx, await prepare(ctx, request));
  return (await ctx.store.readDeployment(request.name))!;
}

async function gas(label: string, tx: Promise<ContractTransactionResponse>) {
  const receipt = (await (await tx).wait())!;
  console.log(`  ${label.padEnd(58)} gas ${fmt(receipt.gasUsed)}`);
  return receipt;
}

// ---------------------------------------------------------------------------------------
chapter("1. One institution, one address: deploy the suite's richest set");
const richest = "full" in suiteManifest.sets ? "full" : "core";
console.log(`  set "${richest}": core${suiteManifest.sets[richest].map((m) => ", " + m).join("")}`);
const bank = await run(suiteManifest, { kind: "deploy", set: richest, name: "bank-a" });
const diamond = IFinanceDiamond__factory.connect(bank.address, admin);
console.log(`  diamond of bank A: ${bank.address} (owner ${bank.owner})`);
for (const m of await diamond.getModules()) {
  const selectors = m.facets.reduce((n, f) => n + f.functionSelectors.length, 0);
  console.log(
    `  module ${ethers.decodeBytes32String(m.id).padEnd(10)} ${m.version.join(".")}  ${m.facets.length} facets, ${selectors} functions`,
  );
}

// ---------------------------------------------------------------------------------------
const demo: DemoContext = {
  ethers,
  admin,
  customer,
  bank,
  diamond,
  gas,
  fmt,
  chapter,
  records: { root: recordsRoot, network: networkName },
};

// ---------------------------------------------------------------------------------------
chapter("2. Payments: rails, fees, a payment, a batch, an invoice in instalments, two escrows");
await paymentChapter(demo);

// ---------------------------------------------------------------------------------------
chapter("3. Lending: a pool, a supplier, a borrower, a credit line, a liquidation, a model swap");
await lendingChapter(demo);

// ---------------------------------------------------------------------------------------
chapter("4. Tokenized assets: a building in fractions, an offering, rent, a lost wallet");
await assetChapter(demo);

// ---------------------------------------------------------------------------------------
chapter("5. Insurance: a flight delay, 50 passengers, an oracle report, the keeper pays");
await insuranceChapter(demo);

// ---------------------------------------------------------------------------------------
chapter("6. A second institution reuses the shared facets");
const second = await run(suiteManifest, { kind: "deploy", set: "core", name: "bank-b" });
const secondGas = second.history.flatMap((h) => h.transactions).map((t) => BigInt(t.gasUsed));
console.log(
  `  diamond of bank B: ${second.address}: ${secondGas.length} transaction(s), gas ${fmt(secondGas.reduce((a, b) => a + b, 0n))}`,
);
console.log("  (bank A paid for the 7 core facets too; bank B paid for its diamond only)");

// ---------------------------------------------------------------------------------------
chapter("7. Module lifecycle through the timelock (test modules from test/fixtures)");
const lab = await run(fixtureManifest, { kind: "deploy", set: "basic", name: "lab" });
const labDiamond = IFinanceDiamond__factory.connect(lab.address, admin);
const mock = MockFacetV2__factory.connect(lab.address, customer);
console.log(`  installed "mock" 1.0.0 with init: mockValue() = ${await mock.mockValue()}`);
await run(fixtureManifestV2, { kind: "upgrade", name: "lab" });
console.log(`  upgraded "mock" to 2.0.0 (new facet, same storage): mockValue() = ${await mock.mockValue()}`);
await run(fixtureManifestV2, { kind: "add", name: "lab", module: "ten" });
console.log(
  `  added "ten": modules now ${(await labDiamond.moduleIds()).map((id) => ethers.decodeBytes32String(id)).join(", ")}`,
);

// ---------------------------------------------------------------------------------------
chapter("8. Guardian pause, admin unpause");
await gas('guardian pauses module "mock"', labDiamond.pauseModule(encodeBytes32String("mock")));
try {
  await mock.mockValue();
} catch (e) {
  const data = (e as { data?: string }).data ?? "0x";
  const parsed = labDiamond.interface.parseError(data);
  console.log(
    `  a customer's call now reverts with ${parsed?.name}(${parsed?.args
      .map(String)
      .map((a) => ethers.decodeBytes32String(a))
      .join(", ")})`,
  );
}
await gas("admin unpauses it", labDiamond.unpauseModule(encodeBytes32String("mock")));
console.log(`  mockValue() = ${await mock.mockValue()} again`);

// ---------------------------------------------------------------------------------------
chapter("9. Timelock: raising the delay is immediate, every change then waits");
await gas("admin raises the delay to 1 day", labDiamond.setTimelockDelay(24 * 3600));
const pending = await run(fixtureManifestV2, { kind: "remove", name: "lab", module: "ten" });
console.log(`  removing "ten" is scheduled (operation ${pending.pendingOperation?.id.slice(0, 18)}…), not executed`);
await ethers.provider.send("evm_increaseTime", [24 * 3600]);
await ethers.provider.send("evm_mine", []);
await run(fixtureManifestV2, { kind: "remove", name: "lab", module: "ten" });
console.log(
  `  a day later the same command executes it: modules ${(await labDiamond.moduleIds()).map((id) => ethers.decodeBytes32String(id)).join(", ")}`,
);
console.log(
  `  upgrader role holder: ${(await labDiamond.hasRole(ROLES.UPGRADER, admin.address)) ? admin.address : "none"}`,
);

chapter("Done");
console.log(`  records written under ${recordsRoot} (in-process network: they vanish with it)`);
