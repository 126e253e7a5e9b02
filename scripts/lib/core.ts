// Building blocks shared by the deploy scripts, the benchmark and the tests: deploy the
// shared core facets, deploy a diamond, describe modules, run timelocked operations.
import {
  encodeBytes32String,
  id as keccakUtf8,
  Interface,
  ZeroAddress,
  ZeroHash,
  type ContractTransactionReceipt,
  type InterfaceAbi,
} from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import { IFinanceDiamond__factory } from "../../typechain-types/index.js";
import type { IFinanceDiamond } from "../../typechain-types/index.js";

/** Role ids, as `LibAccess` defines them. */
export const ROLES = {
  DEFAULT_ADMIN: ZeroHash,
  UPGRADER: keccakUtf8("finsuite.role.upgrader"),
  GUARDIAN: keccakUtf8("finsuite.role.guardian"),
} as const;

/** Contract names of the facets serving the built-in `core` module, keyed as in `CoreFacets`. */
export const CORE_FACET_CONTRACTS = {
  diamondCut: "DiamondCutFacet",
  diamondLoupe: "DiamondLoupeFacet",
  ownership: "OwnershipFacet",
  accessControl: "AccessControlFacet",
  pause: "PauseFacet",
  timelock: "TimelockFacet",
  moduleRegistry: "ModuleRegistryFacet",
} as const;

export type CoreFacetAddresses = { -readonly [K in keyof typeof CORE_FACET_CONTRACTS]: string };

export interface DiamondSettings {
  owner: string;
  upgrader?: string;
  guardian?: string;
  timelockDelay?: bigint | number;
}

/** EIP-2535 cut actions. */
export const FacetCutAction = { Add: 0, Replace: 1, Remove: 2 } as const;

export type SemVerTuple = readonly [number, number, number];

export interface FacetSelectorsInput {
  facetAddress: string;
  functionSelectors: string[];
}

export interface ModuleSpecInput {
  id: string;
  version: SemVerTuple;
  facets: FacetSelectorsInput[];
  interfaceIds?: string[];
  dependencies?: string[];
}

/** The on-chain id of a module name (`"payment"` → bytes32, left-aligned). */
export function moduleId(name: string): string {
  return encodeBytes32String(name);
}

/** Every function selector of an ABI, in declaration order. */
export function selectorsOf(abi: Interface | InterfaceAbi): string[] {
  const iface = abi instanceof Interface ? abi : new Interface(abi);
  const selectors: string[] = [];
  iface.forEachFunction((fn) => selectors.push(fn.selector));
  return selectors;
}

/** The struct `installModule`/`upgradeModule` take, from a readable description. */
export function toModuleSpec(input: ModuleSpecInput) {
  return {
    id: moduleId(input.id),
    version: { major: input.version[0], minor: input.version[1], patch: input.version[2] },
    facets: input.facets,
    interfaceIds: input.interfaceIds ?? [],
    dependencies: (input.dependencies ?? []).map(moduleId),
  };
}

/** Deploys the seven stateless core facets. Deploy them once per network; every diamond shares them. */
export async function deployCoreFacets(ethers: HardhatEthers): Promise<CoreFacetAddresses> {
  const out: Partial<CoreFacetAddresses> = {};
  for (const [key, name] of Object.entries(CORE_FACET_CONTRACTS) as [keyof CoreFacetAddresses, string][]) {
    const facet = await ethers.deployContract(name);
    await facet.waitForDeployment();
    out[key] = await facet.getAddress();
  }
  return out as CoreFacetAddresses;
}

export interface DeployedDiamond {
  diamond: IFinanceDiamond;
  receipt: ContractTransactionReceipt;
}

/** Deploys one institution's diamond over already-deployed core facets. */
export async function deployDiamond(
  ethers: HardhatEthers,
  facets: CoreFacetAddresses,
  settings: DiamondSettings,
): Promise<DeployedDiamond> {
  const config = {
    owner: settings.owner,
    upgrader: settings.upgrader ?? ZeroAddress,
    guardian: settings.guardian ?? ZeroAddress,
    timelockDelay: BigInt(settings.timelockDelay ?? 0),
  };
  const deployed = await ethers.deployContract("Diamond", [facets, config]);
  const receipt = await deployed.deploymentTransaction()?.wait();
  if (!receipt) throw new Error("diamond deployment transaction was dropped");
  const [signer] = await ethers.getSigners();
  return { diamond: IFinanceDiamond__factory.connect(await deployed.getAddress(), signer), receipt };
}

export interface TimelockedResult {
  id: string;
  schedule: ContractTransactionReceipt;
  execute: ContractTransactionReceipt;
}

let saltCounter = 0n;

/**
 * Schedules `calls` (calldata for the diamond itself) and executes them. The delay must
 * already have passed: with a non-zero delay, use `schedule` and `execute` separately.
 */
export async function runTimelocked(
  diamond: IFinanceDiamond,
  calls: string[],
  salt: string = ZeroHash.slice(0, -16) + (++saltCounter).toString(16).padStart(16, "0"),
): Promise<TimelockedResult> {
  const id = await diamond.hashOperation(calls, salt);
  const scheduled = await (await diamond.schedule(calls, salt)).wait();
  const executed = await (await diamond.execute(calls, salt)).wait();
  if (scheduled === null || executed === null) throw new Error("timelock transaction was dropped");
  return { id, schedule: scheduled, execute: executed };
}

/** Calldata helpers for the timelocked core functions. */
export const coreCalls = {
  installModule(spec: ModuleSpecInput, init: string = ZeroAddress, initData: string = "0x"): string {
    return IFinanceDiamond__factory.createInterface().encodeFunctionData("installModule", [
      toModuleSpec(spec),
      init,
      initData,
    ]);
  },
  upgradeModule(spec: ModuleSpecInput, init: string = ZeroAddress, initData: string = "0x"): string {
    return IFinanceDiamond__factory.createInterface().encodeFunctionData("upgradeModule", [
      toModuleSpec(spec),
      init,
      initData,
    ]);
  },
  removeModule(name: string): string {
    return IFinanceDiamond__factory.createInterface().encodeFunctionData("removeModule", [moduleId(name)]);
  },
  diamondCut(
    cuts: { facetAddress: string; action: number; functionSelectors: string[] }[],
    init: string = ZeroAddress,
    initData: string = "0x",
  ): string {
    return IFinanceDiamond__factory.createInterface().encodeFunctionData("diamondCut", [cuts, init, initData]);
  },
  setTimelockDelay(delay: bigint | number): string {
    return IFinanceDiamond__factory.createInterface().encodeFunctionData("setTimelockDelay", [delay]);
  },
};
