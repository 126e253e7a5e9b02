// Core scenarios: deploying a diamond, dispatching a call, installing a module.
import type { IFinanceDiamond } from "../../typechain-types/index.js";
import {
  CORE_FACET_CONTRACTS,
  FacetCutAction,
  coreCalls,
  deployCoreFacets,
  deployDiamond,
  runTimelocked,
  selectorsOf,
} from "../lib/core.js";
import { deployGas, gasOf, type BenchContext, type BenchRow } from "./common.js";

export interface CoreResult {
  rows: BenchRow[];
  /** The first diamond of the run, with the bench modules installed; later scenarios reuse it. */
  diamond: IFinanceDiamond;
}

export async function measureCore(ctx: BenchContext): Promise<CoreResult> {
  const { ethers } = ctx;
  const [owner] = ctx.signers;
  const rows: BenchRow[] = [];

  // --- Deploying a diamond: shared facets vs a full stack -------------------------------
  let facetsGas = 0;
  for (const name of Object.values(CORE_FACET_CONTRACTS)) facetsGas += (await deployGas(ctx, name)).gas;
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

  // --- Installing a module of 10 selectors vs a raw EIP-2535 cut of 10 selectors -------
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

  return { rows, diamond };
}
