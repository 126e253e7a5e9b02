// The manifest: which modules exist, which named sets combine them, and the parameters
// of each network. Pure types and validation; the suite's own manifest is
// scripts/manifest.ts.
import { isAddress } from "ethers";

import type { SemVerTuple } from "./core.js";

/** Parameters a module's init may read, resolved for one network. */
export interface NetworkParams {
  /** ERC-173 owner and sole admin of new diamonds. Default: the deploying account. */
  owner?: string;
  /** Holder of UPGRADER_ROLE (schedules and executes timelocked operations). Default: the deployer. */
  upgrader?: string;
  /** Holder of GUARDIAN_ROLE (pause, cancel). Default: the deployer. */
  guardian?: string;
  /** Timelock delay in seconds for new diamonds. */
  timelockDelay: number;
  /** Token addresses by symbol, for modules that take them. */
  tokens: Record<string, string>;
  /** Price-feed addresses by pair, for modules that take them. */
  oracles: Record<string, string>;
  /** How the tooling sends transactions on this network (fees, replacement, confirmations). */
  tx?: TxPolicy;
}

/** How `modules deploy|upgrade|add|remove` send transactions on a network. */
export interface TxPolicy {
  /**
   * Cap of `maxFeePerGas`, in gwei: no transaction offers more. When the base fee is above
   * it, a run sends nothing new and stops, saying so. Default: no cap.
   */
  maxFeeGwei?: number;
  /** Tip (`maxPriorityFeePerGas`) in gwei. Default: the node's suggestion. */
  priorityFeeGwei?: number;
  /**
   * Seconds to wait for a transaction to be mined before it is replaced at the same nonce
   * with fees 12.5 % higher (never above the cap). Default 180.
   */
  replaceAfterSeconds?: number;
  /** Blocks, counting the transaction's own, before a step is recorded as confirmed. Default 1. */
  confirmations?: number;
}

export interface InitSpec {
  /** Contract deployed (like a facet) and delegatecalled with `function(args)`. */
  contract: string;
  function: string;
  /** `deployed` maps each of the module's `contracts` to its address on the network. */
  args?: (params: NetworkParams, deployed: Readonly<Record<string, string>>) => unknown[];
}

export interface ModuleDefinition {
  /** Semantic version; raise it whenever a facet or the selector list changes. */
  version: SemVerTuple;
  /** Facet contract names. The module serves every external function of each. */
  facets: string[];
  /** Interface contract names whose ERC-165 id the module declares (XOR of their functions). */
  interfaces?: string[];
  /**
   * Contracts the module uses at their own address, such as the token implementations its
   * facets clone: deployed once per network and shared like facets (redeployed only when
   * their code changes). The init receives their addresses.
   */
  contracts?: string[];
  /** Modules that must be installed first and stay while this one is. */
  dependencies?: string[];
  /** Runs once when the module is installed at this version. */
  init?: InitSpec;
  /** Runs once when an installed module is upgraded to this version. */
  upgradeInit?: InitSpec;
  /**
   * ERC-7201 namespaces the module owns, each mapped to a layout-probe contract that
   * declares the namespace's struct as its only state variable (solc reports its layout).
   */
  storage?: Record<string, string>;
}

export interface Manifest {
  modules: Record<string, ModuleDefinition>;
  /** Named module sets. Every set implicitly contains the built-in `core` module. */
  sets: Record<string, string[]>;
  /** Per-network overrides of `defaults`, keyed by Hardhat network name. */
  networks: Record<string, Partial<NetworkParams>>;
  defaults: NetworkParams;
  /** Layout probes of the core module's namespaces. */
  coreStorage: Record<string, string>;
}

/** Reserved by the diamond: cannot be declared. */
export const RESERVED_MODULE_IDS = ["core", "unmanaged"] as const;

const MODULE_ID = /^[a-z][a-z0-9-]{0,30}$/;

/** What is wrong with a manifest, one line per problem; empty when it is usable. */
export function validateManifest(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const [id, def] of Object.entries(manifest.modules)) {
    const where = `module "${id}"`;
    if (!MODULE_ID.test(id)) {
      problems.push(`${where}: id must be 1-31 characters of a-z, 0-9 and '-', starting with a letter`);
    }
    if ((RESERVED_MODULE_IDS as readonly string[]).includes(id)) problems.push(`${where}: the id is reserved`);
    if (def.version.length !== 3 || def.version.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffff)) {
      problems.push(`${where}: version must be [major, minor, patch], each 0..65535`);
    }
    if (def.facets.length === 0) problems.push(`${where}: lists no facets`);
    if (new Set(def.facets).size !== def.facets.length) problems.push(`${where}: lists a facet twice`);
    const shared = def.contracts ?? [];
    if (new Set(shared).size !== shared.length) problems.push(`${where}: lists a contract twice`);
    for (const name of shared) {
      if (def.facets.includes(name)) problems.push(`${where}: "${name}" is listed as both a facet and a contract`);
    }
    for (const dep of def.dependencies ?? []) {
      if (dep === id) problems.push(`${where}: depends on itself`);
      else if (!(dep in manifest.modules)) problems.push(`${where}: depends on unknown module "${dep}"`);
    }
  }
  for (const [name, members] of Object.entries(manifest.sets)) {
    for (const m of members) {
      if (!(m in manifest.modules)) problems.push(`set "${name}": unknown module "${m}"`);
    }
  }
  const cycle = findDependencyCycle(manifest);
  if (cycle) problems.push(`dependency cycle: ${cycle.join(" -> ")}`);
  for (const [network, params] of Object.entries({ defaults: manifest.defaults, ...manifest.networks })) {
    for (const role of ["owner", "upgrader", "guardian"] as const) {
      const value = params[role];
      if (value !== undefined && !isAddress(value)) problems.push(`network "${network}": ${role} is not an address`);
    }
    const delay = params.timelockDelay;
    if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > 30 * 24 * 3600)) {
      problems.push(`network "${network}": timelockDelay must be whole seconds from 0 to 2592000 (30 days)`);
    }
    problems.push(...txPolicyProblems(network, params.tx));
  }
  return problems;
}

function txPolicyProblems(network: string, tx: TxPolicy | undefined): string[] {
  if (tx === undefined) return [];
  const where = `network "${network}": tx.`;
  const problems: string[] = [];
  const positive = (v: number | undefined) => v === undefined || (Number.isFinite(v) && v > 0);
  if (!positive(tx.maxFeeGwei)) problems.push(`${where}maxFeeGwei must be a number of gwei above 0`);
  if (!(tx.priorityFeeGwei === undefined || (Number.isFinite(tx.priorityFeeGwei) && tx.priorityFeeGwei >= 0))) {
    problems.push(`${where}priorityFeeGwei must be a number of gwei, 0 or more`);
  }
  if (tx.maxFeeGwei !== undefined && tx.priorityFeeGwei !== undefined && tx.priorityFeeGwei > tx.maxFeeGwei) {
    problems.push(`${where}priorityFeeGwei (${tx.priorityFeeGwei}) must not exceed maxFeeGwei (${tx.maxFeeGwei})`);
  }
  if (!positive(tx.replaceAfterSeconds))
    problems.push(`${where}replaceAfterSeconds must be a number of seconds above 0`);
  const c = tx.confirmations;
  if (c !== undefined && (!Number.isInteger(c) || c < 1 || c > 100)) {
    problems.push(`${where}confirmations must be a whole number of blocks from 1 to 100`);
  }
  const known = new Set(["maxFeeGwei", "priorityFeeGwei", "replaceAfterSeconds", "confirmations"]);
  for (const key of Object.keys(tx)) if (!known.has(key)) problems.push(`${where}${key} is not a known setting`);
  return problems;
}

function findDependencyCycle(manifest: Manifest): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const dep of manifest.modules[id]?.dependencies ?? []) {
      if (dep === id || !(dep in manifest.modules)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(id, "done");
    return null;
  };
  for (const id of Object.keys(manifest.modules)) {
    const found = visit(id);
    if (found) return found;
  }
  return null;
}

/** The network's parameters: defaults, then the network's overrides. */
export function networkParams(manifest: Manifest, network: string): NetworkParams {
  const own = manifest.networks[network] ?? {};
  return {
    ...manifest.defaults,
    ...own,
    tokens: { ...manifest.defaults.tokens, ...own.tokens },
    oracles: { ...manifest.defaults.oracles, ...own.oracles },
    ...(manifest.defaults.tx !== undefined || own.tx !== undefined
      ? { tx: { ...manifest.defaults.tx, ...own.tx } }
      : {}),
  };
}

/** Modules of a set, or an error naming the known sets. */
export function modulesOfSet(manifest: Manifest, set: string): string[] {
  const members = manifest.sets[set];
  if (members === undefined) {
    throw new Error(`Unknown module set "${set}". Known sets: ${Object.keys(manifest.sets).join(", ")}.`);
  }
  return [...members];
}

/**
 * Orders `ids` so that every module comes after its dependencies among `ids`.
 * `dependencies` is the manifest, or a function giving each module's dependencies
 * (e.g. the ones recorded on chain).
 */
export function dependencyOrder(
  dependencies: Manifest | ((id: string) => readonly string[]),
  ids: readonly string[],
): string[] {
  const depsOf =
    typeof dependencies === "function" ? dependencies : (id: string) => dependencies.modules[id]?.dependencies ?? [];
  const wanted = new Set(ids);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of depsOf(id)) if (wanted.has(dep)) visit(dep);
    out.push(id);
  };
  [...ids].sort().forEach(visit);
  return out;
}

/** Identity function that type-checks a manifest literal. */
export function defineManifest(manifest: Manifest): Manifest {
  return manifest;
}
