// The planner: a pure function from (what the chain has, what the manifest wants, what
// was compiled) to an ordered list of actions, or a report of why it refuses. No chain
// access happens here; scripts/lib/chain.ts gathers the input.
import {
  abiSurface,
  breakingFunctions,
  breakingVersion,
  compareVersions,
  diffAbi,
  isEmptyDiff,
  mergeSurfaces,
  type AbiDiff,
} from "./abidiff.js";
import type { ContractInfo } from "./artifacts.js";
import type { SemVerTuple } from "./core.js";
import { dependencyOrder, type InitSpec, type Manifest } from "./manifest.js";
import { layoutProblems, type LayoutSnapshot } from "./storage.js";

/** A module as the diamond reports it (`getModules`). */
export interface ChainModule {
  id: string;
  version: SemVerTuple;
  facets: { address: string; selectors: string[] }[];
  dependencies: string[];
}

export interface ChainState {
  chainId: number;
  /** Null when the deployment has no diamond yet. */
  diamond: { address: string; modules: ChainModule[] } | null;
  /** keccak256 of the runtime code at each address the planner may look at (lower-case keys). */
  codeHashes: Record<string, string>;
}

/** A contract already deployed on this network, shared by every diamond there. */
export interface DeployedContract {
  address: string;
  codeHash: string;
}

export interface PlanInput {
  manifest: Manifest;
  /** Desired modules (without `core`). */
  modules: string[];
  /** Compiled contracts: core facets, module facets, init and interface contracts. */
  contracts: Record<string, ContractInfo>;
  /** Core facet contract names, in `CoreFacets` order. */
  coreFacets: string[];
  chain: ChainState;
  /** Contracts recorded as deployed on this network, by contract name. */
  deployed: Record<string, DeployedContract>;
  /** Layouts recorded at this deployment's last apply, and the compiled ones. */
  recordedLayouts: LayoutSnapshot;
  currentLayouts: LayoutSnapshot;
  /** What this deployment's record says each installed module's ABI is, by module id. */
  recordedAbis: Record<string, RecordedAbi>;
}

/**
 * A module's ABI as recorded at the last apply, in ethers' human-readable form. The
 * chain only reports selectors; this names them and adds the events and errors.
 */
export interface RecordedAbi {
  fragments: string[];
  /** False when only functions are known (no per-module ABI recorded): events and errors are not compared. */
  complete: boolean;
}

/** The ABI difference of a module the manifest keeps on chain at another version or with other code. */
export interface ModuleAbiDiff {
  module: string;
  from: SemVerTuple;
  to: SemVerTuple;
  diff: AbiDiff;
}

export type PlanAction =
  | { kind: "deploy"; contract: string; reason: "not deployed on this network" | "bytecode changed" }
  | { kind: "deployDiamond" }
  | { kind: "remove"; module: string; version: SemVerTuple }
  | {
      kind: "upgrade";
      module: string;
      from: SemVerTuple;
      to: SemVerTuple;
      added: string[];
      replaced: string[];
      removed: string[];
      init?: InitSpec;
    }
  | { kind: "install"; module: string; version: SemVerTuple; selectors: string[]; init?: InitSpec };

export interface Plan {
  actions: PlanAction[];
  /** Why the plan must not be applied. Non-empty means: refuse. */
  problems: string[];
  /** Things worth knowing that do not block the plan. */
  notes: string[];
  /** Per module on chain that the plan upgrades (or refuses to): chain ABI vs manifest ABI. */
  abiDiffs: ModuleAbiDiff[];
}

const BUILT_IN = new Set(["core", "unmanaged"]);

export const formatVersion = (v: SemVerTuple) => v.join(".");
export const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** Contracts a set of modules needs compiled: core facets, module facets, inits, interfaces. */
export function contractsNeeded(manifest: Manifest, modules: readonly string[], coreFacets: readonly string[]) {
  const names = new Set<string>(coreFacets);
  for (const id of modules) {
    const def = manifest.modules[id];
    if (def === undefined) continue;
    def.facets.forEach((f) => names.add(f));
    (def.contracts ?? []).forEach((c) => names.add(c));
    (def.interfaces ?? []).forEach((i) => names.add(i));
    if (def.init) names.add(def.init.contract);
    if (def.upgradeInit) names.add(def.upgradeInit.contract);
  }
  return [...names];
}

/** Namespace → probe contract for `core` and every listed module. */
export function layoutProbes(manifest: Manifest, modules: readonly string[]): Record<string, string> {
  const probes: Record<string, string> = { ...manifest.coreStorage };
  for (const id of modules) Object.assign(probes, manifest.modules[id]?.storage ?? {});
  return probes;
}

export function plan(input: PlanInput): Plan {
  const { manifest, contracts, chain } = input;
  const problems: string[] = [];
  const notes: string[] = [];
  const abiDiffs: ModuleAbiDiff[] = [];
  const deploys: PlanAction[] = [];
  const contract = (name: string): ContractInfo => {
    const info = contracts[name];
    if (info === undefined) throw new Error(`planner input lacks compiled contract "${name}"`);
    return info;
  };

  // -- which contracts must be deployed (shared ones are reused when their code is unchanged)
  const deployQueued = new Set<string>();
  const ensureDeployed = (name: string) => {
    if (deployQueued.has(name)) return;
    deployQueued.add(name);
    const known = input.deployed[name];
    if (known !== undefined && known.codeHash === contract(name).codeHash) return;
    deploys.push({
      kind: "deploy",
      contract: name,
      reason: known === undefined ? "not deployed on this network" : "bytecode changed",
    });
  };

  const desired = [...new Set(input.modules)].filter((id) => {
    if (manifest.modules[id] !== undefined) return true;
    problems.push(`Module "${id}" is not in the manifest.`);
    return false;
  });
  const desiredSet = new Set(desired);

  // -- the diamond and its core
  if (chain.diamond === null) {
    input.coreFacets.forEach(ensureDeployed);
    deploys.push({ kind: "deployDiamond" });
  } else {
    const core = chain.diamond.modules.find((m) => m.id === "core");
    const compiled = new Set(input.coreFacets.map((n) => contract(n).codeHash));
    const stale = (core?.facets ?? []).some((f) => !compiled.has(input.chain.codeHashes[f.address.toLowerCase()]));
    if (stale) {
      notes.push("The compiled core facets differ from this diamond's; its core is immutable and stays as deployed.");
    }
  }

  // -- dependencies
  for (const id of desired) {
    for (const dep of manifest.modules[id].dependencies ?? []) {
      if (!desiredSet.has(dep))
        problems.push(`Module "${id}" depends on "${dep}", which the requested modules do not include.`);
    }
  }

  // -- selector clashes: between desired modules, with core, with modules the plan keeps
  const owners = new Map<string, string>(); // selector -> "module (Facet)"
  const contested = new Set<string>();
  const claim = (selector: string, owner: string, signature?: string) => {
    const prior = owners.get(selector);
    if (prior !== undefined && prior !== owner) {
      contested.add(selector);
      problems.push(
        `Selector ${selector}${signature ? ` (${signature})` : ""} is claimed by both ${prior} and ${owner}.`,
      );
    } else {
      owners.set(selector, owner);
    }
  };
  const onChain = new Map((chain.diamond?.modules ?? []).map((m) => [m.id, m]));
  // An existing diamond keeps the core it was built with; a new one gets the compiled core.
  const chainCore = onChain.get("core");
  if (chainCore !== undefined) chainCore.facets.forEach((f) => f.selectors.forEach((s) => claim(s, "core")));
  else input.coreFacets.forEach((n) => contract(n).selectors.forEach((s) => claim(s, `core (${n})`)));
  for (const m of onChain.values()) {
    if (m.id === "core" || manifest.modules[m.id] !== undefined) continue;
    m.facets.forEach((f) => f.selectors.forEach((s) => claim(s, `${m.id} (on chain, not in the manifest)`)));
    if (m.id !== "unmanaged") notes.push(`Module "${m.id}" is on chain but not in the manifest; it is left alone.`);
  }
  for (const id of desired) {
    for (const facet of manifest.modules[id].facets) {
      const info = contract(facet);
      info.selectors.forEach((s) => claim(s, `${id} (${facet})`, info.signatures[s]));
    }
  }

  // -- storage layouts must only grow, and a namespace belongs to one module
  const namespaceOwner = new Map<string, string>(Object.keys(manifest.coreStorage).map((ns) => [ns, "core"]));
  for (const id of desired) {
    for (const ns of Object.keys(manifest.modules[id].storage ?? {})) {
      const prior = namespaceOwner.get(ns);
      if (prior !== undefined) problems.push(`Storage namespace "${ns}" is claimed by both ${prior} and ${id}.`);
      else namespaceOwner.set(ns, id);
    }
  }
  for (const ns of namespaceOwner.keys()) {
    const previous = input.recordedLayouts[ns];
    const current = input.currentLayouts[ns];
    if (previous !== undefined && current !== undefined) problems.push(...layoutProblems(ns, previous, current));
  }

  // -- module operations: removals (dependents first), then upgrades and installs (dependencies first)
  const toRemove = [...onChain.values()]
    .filter((m) => !BUILT_IN.has(m.id) && manifest.modules[m.id] !== undefined && !desiredSet.has(m.id))
    .map((m) => m.id);
  for (const id of toRemove) {
    for (const other of onChain.values()) {
      const staying = !toRemove.includes(other.id);
      if (staying && other.dependencies.includes(id)) {
        problems.push(`Module "${id}" cannot be removed: "${other.id}" depends on it.`);
      }
    }
  }
  // Dependents first, by the dependencies the registry enforces: those recorded on chain.
  const removals: PlanAction[] = dependencyOrder((id) => onChain.get(id)?.dependencies ?? [], toRemove)
    .reverse()
    .map((id) => ({ kind: "remove", module: id, version: onChain.get(id)!.version }));
  const upgrades: PlanAction[] = [];
  const installs: PlanAction[] = [];
  for (const id of dependencyOrder((m) => manifest.modules[m]?.dependencies ?? [], desired)) {
    const def = manifest.modules[id];
    const selectors = def.facets.flatMap((f) => contract(f).selectors);
    const current = onChain.get(id);
    if (current === undefined) {
      def.facets.forEach(ensureDeployed);
      (def.contracts ?? []).forEach(ensureDeployed);
      if (def.init) ensureDeployed(def.init.contract);
      installs.push({ kind: "install", module: id, version: def.version, selectors, init: def.init });
      continue;
    }
    // Which compiled facet serves each selector now, and is its code the compiled one?
    const served = new Map<string, string>(); // selector -> code hash on chain
    current.facets.forEach((f) =>
      f.selectors.forEach((s) => served.set(s, chain.codeHashes[f.address.toLowerCase()] ?? "")),
    );
    const wantedHash = new Map<string, string>();
    def.facets.forEach((f) => contract(f).selectors.forEach((s) => wantedHash.set(s, contract(f).codeHash)));
    const added = selectors.filter((s) => !served.has(s));
    const removed = [...served.keys()].filter((s) => !wantedHash.has(s));
    const replaced = selectors.filter((s) => served.has(s) && served.get(s) !== wantedHash.get(s));
    const sameDeps = [...current.dependencies].sort().join() === [...(def.dependencies ?? [])].sort().join();
    const changed = added.length + removed.length + replaced.length > 0 || !sameDeps;
    const order = compareVersions(def.version, current.version);
    const versions = `${formatVersion(current.version)} on chain, ${formatVersion(def.version)} in the manifest`;
    const diff = order < 0 ? null : moduleAbiDiff(current, def.facets.map(contract), input.recordedAbis[id]);
    if (diff !== null && (order > 0 || changed || !isEmptyDiff(diff))) {
      abiDiffs.push({ module: id, from: current.version, to: def.version, diff });
    }
    const breaking = diff === null ? [] : breakingFunctions(diff);
    const needed = breakingVersion(current.version);
    if (order < 0) {
      problems.push(`Module "${id}" is newer on chain than in the manifest (${versions}).`);
    } else if (breaking.length > 0 && compareVersions(def.version, needed) < 0) {
      problems.push(
        `Module "${id}" removes or changes functions without a major version bump (${versions}): ` +
          `${breaking.join("; ")}. Bump ${id} to ${formatVersion(needed)}, or keep these functions.`,
      );
    } else if (order === 0 && changed) {
      problems.push(
        `Module "${id}" changed (${added.length} added, ${replaced.length} replaced, ${removed.length} removed selectors` +
          `${sameDeps ? "" : ", dependencies"}) but its version was not raised (${versions}).`,
      );
    } else if (order > 0) {
      def.facets.forEach(ensureDeployed);
      (def.contracts ?? []).forEach(ensureDeployed);
      if (def.upgradeInit) ensureDeployed(def.upgradeInit.contract);
      upgrades.push({
        kind: "upgrade",
        module: id,
        from: current.version,
        to: def.version,
        added,
        replaced,
        removed,
        init: def.upgradeInit,
      });
    }
  }
  const moduleActions = [...removals, ...upgrades, ...installs];
  problems.push(...selectorHandOverProblems(onChain, moduleActions, manifest, contract, contested));
  return { actions: [...deploys, ...moduleActions], problems, notes, abiDiffs };
}

/** Chain side: the selectors the module serves, named by its recorded ABI. Manifest side: its compiled facets. */
function moduleAbiDiff(current: ChainModule, facets: ContractInfo[], recorded: RecordedAbi | undefined): AbiDiff {
  const chain = abiSurface(
    recorded?.fragments ?? [],
    current.facets.flatMap((f) => f.selectors),
    { withEventsAndErrors: recorded?.complete === true },
  );
  const manifest = mergeSurfaces(facets.map((f) => abiSurface(f.abi, f.selectors, { signatures: f.signatures })));
  return diffAbi(chain, manifest);
}

/**
 * Replays the module operations over the chain's selector owners: the registry refuses
 * an operation that takes a selector another module still owns at that point, so the
 * plan must not contain one (e.g. a selector moving between two modules in one plan
 * where the taker comes first).
 */
function selectorHandOverProblems(
  onChain: Map<string, ChainModule>,
  actions: PlanAction[],
  manifest: Manifest,
  contract: (name: string) => ContractInfo,
  contested: ReadonlySet<string>,
): string[] {
  const owner = new Map<string, string>();
  onChain.forEach((m) => m.facets.forEach((f) => f.selectors.forEach((s) => owner.set(s, m.id))));
  const problems: string[] = [];
  for (const action of actions) {
    if (action.kind === "remove" || action.kind === "upgrade") {
      const freed =
        action.kind === "remove" ? [...owner].filter(([, m]) => m === action.module).map(([s]) => s) : action.removed;
      freed.forEach((s) => owner.delete(s));
    }
    if (action.kind === "install" || action.kind === "upgrade") {
      const taken = manifest.modules[action.module].facets.flatMap((f) => contract(f).selectors);
      for (const s of taken) {
        const holder = owner.get(s);
        if (holder !== undefined && holder !== action.module && !contested.has(s)) {
          problems.push(
            `Selector ${s} would move from "${holder}" to "${action.module}" before "${holder}" releases it; ` +
              `apply the change to "${holder}" first, then run again.`,
          );
        }
        owner.set(s, action.module);
      }
    }
  }
  return problems;
}

/** One line per action, for `modules plan` and for apply's progress output. */
export function describeAction(action: PlanAction): string {
  switch (action.kind) {
    case "deploy":
      return `deploy ${action.contract} (${action.reason})`;
    case "deployDiamond":
      return "deploy the diamond";
    case "remove":
      return `remove module ${action.module} ${formatVersion(action.version)}`;
    case "install":
      return `install module ${action.module} ${formatVersion(action.version)} (${plural(action.selectors.length, "selector")}${
        action.init ? `, init ${action.init.contract}.${action.init.function}` : ""
      })`;
    case "upgrade":
      return (
        `upgrade module ${action.module} ${formatVersion(action.from)} -> ${formatVersion(action.to)} ` +
        `(+${action.added.length} ~${action.replaced.length} -${action.removed.length} selectors${
          action.init ? `, init ${action.init.contract}.${action.init.function}` : ""
        })`
      );
  }
}
