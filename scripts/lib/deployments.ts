// Puts module sets on a chain and changes them later: gathers the planner's input
// (records, chain, artifacts), plans, and applies the plan step by step with a journal,
// so that a run killed at any point finishes when the same command runs again.
import {
  ContractFactory,
  Interface,
  keccak256,
  toUtf8Bytes,
  type Fragment,
  type JsonFragment,
  type Signer,
} from "ethers";
import path from "node:path";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ArtifactManager } from "hardhat/types/artifacts";

import { IFinanceDiamond__factory } from "../../typechain-types/index.js";
import { describeAbiDiff } from "./abidiff.js";
import { interfaceIdOf, loadContracts, loadLayouts, type ContractInfo } from "./artifacts.js";
import { readChainState, readModules } from "./chain.js";
import { CORE_FACET_CONTRACTS, ROLES, coreCalls, type CoreFacetAddresses } from "./core.js";
import {
  modulesOfSet,
  networkParams,
  validateManifest,
  type InitSpec,
  type Manifest,
  type NetworkParams,
} from "./manifest.js";
import {
  contractsNeeded,
  describeAction,
  formatVersion,
  plural,
  layoutProbes,
  plan as makePlan,
  type ChainState,
  type Plan,
  type PlanAction,
  type RecordedAbi,
} from "./plan.js";
import {
  DEPLOYMENT_SCHEMA,
  RecordStore,
  versionString,
  type ContractsRecord,
  type DeploymentRecord,
  type Journal,
  type PendingOperation,
  type RecordedFacet,
  type RecordedTransaction,
  type RecordedModule,
} from "./records.js";
import { describeSafeProposal, proposeSafeTransaction, readSafe, type SafeState } from "./safe.js";
import { Sender, sendPolicy, type CrashPoint, type EffectSpec, type Landed } from "./sender.js";
import type { LayoutSnapshot } from "./storage.js";

/** A mistake of the caller: printed as is, without a stack trace. Nothing was sent. */
export class UserError extends Error {}

export interface SuiteContext {
  ethers: HardhatEthers;
  artifacts: ArtifactManager;
  networkName: string;
  manifest: Manifest;
  store: RecordStore;
  /** In-process networks start empty every run: records of a vanished diamond are ignored there. */
  ephemeral: boolean;
  log: (line: string) => void;
  /** Milliseconds between polls of the chain while waiting (default 1000; 20 in process). */
  pollMs?: number;
  /** Test hook: where to die (default: FINSUITE_CRASH_AT) and how (default SIGKILL). */
  crashAt?: CrashAt;
  onCrash?: () => never;
}

export type Request =
  | { kind: "deploy"; name: string; set: string }
  | { kind: "upgrade"; name: string }
  | { kind: "add"; name: string; module: string }
  | { kind: "remove"; name: string; module: string }
  | { kind: "plan"; name: string; set?: string };

export interface Prepared {
  request: Request;
  name: string;
  set: string;
  modules: string[];
  chainId: number;
  record: DeploymentRecord | null;
  signer: Signer;
  params: NetworkParams;
  contracts: Record<string, ContractInfo>;
  registry: ContractsRecord;
  journal: Journal;
  chain: ChainState;
  currentLayouts: LayoutSnapshot;
  plan: Plan;
}

const CORE_FACET_NAMES = Object.values(CORE_FACET_CONTRACTS);

const CORE_FACET_KEYS = Object.keys(CORE_FACET_CONTRACTS) as (keyof CoreFacetAddresses)[];

/** Everything the planner needs, checked; sends nothing and writes nothing. */
export async function prepare(ctx: SuiteContext, request: Request): Promise<Prepared> {
  const problems = validateManifest(ctx.manifest);
  if (problems.length > 0) throw new UserError(`The manifest is invalid:\n  - ${problems.join("\n  - ")}`);
  const provider = ctx.ethers.provider;
  const chainId = Number((await provider.getNetwork()).chainId);
  const [signer] = await ctx.ethers.getSigners();
  if (signer === undefined) throw new UserError(`Network "${ctx.networkName}" has no account configured to sign with.`);

  let record = await ctx.store.readDeployment(request.name);
  if (record !== null && record.chainId !== chainId) {
    throw new UserError(
      `Record "${request.name}" belongs to chain ${record.chainId}, but network "${ctx.networkName}" is chain ${chainId}.`,
    );
  }
  if (record !== null && (await provider.getCode(record.address)) === "0x") {
    if (!ctx.ephemeral) {
      throw new UserError(
        `Record "${request.name}" says the diamond is at ${record.address}, but chain ${chainId} has no code there ` +
          `(was the chain reset?). Delete ${ctx.store.deploymentFile(request.name)} or choose another --name.`,
      );
    }
    record = null;
  }

  let set: string;
  let modules: string[];
  switch (request.kind) {
    case "deploy":
      if (record !== null && record.set !== request.set) {
        throw new UserError(
          `Deployment "${request.name}" exists with set "${record.set}". Use "modules upgrade", or another --name.`,
        );
      }
      set = request.set;
      modules = record?.modules ?? modulesOfSetChecked(ctx.manifest, request.set);
      break;
    case "plan":
      set = request.set ?? record?.set ?? request.name;
      modules = request.set !== undefined || record === null ? modulesOfSetChecked(ctx.manifest, set) : record.modules;
      break;
    default: {
      if (record === null) {
        throw new UserError(`No deployment "${request.name}" on network "${ctx.networkName}". Deploy it first.`);
      }
      set = record.set;
      modules = [...record.modules];
      if (request.kind === "add" || request.kind === "remove") {
        if (ctx.manifest.modules[request.module] === undefined) {
          throw new UserError(
            `Unknown module "${request.module}". Known modules: ${Object.keys(ctx.manifest.modules).join(", ") || "none"}.`,
          );
        }
        // With an operation pending, the record already lists the change: running the same
        // command again carries it on.
        const resuming = record.pendingOperation !== null;
        if (request.kind === "add") {
          if (modules.includes(request.module) && !resuming)
            throw new UserError(`Module "${request.module}" is already part of "${request.name}".`);
          if (!modules.includes(request.module)) modules.push(request.module);
        } else {
          if (!modules.includes(request.module) && !resuming)
            throw new UserError(`Module "${request.module}" is not part of "${request.name}".`);
          modules = modules.filter((m) => m !== request.module);
        }
      }
    }
  }

  const contracts = await loadContracts(ctx.artifacts, contractsNeeded(ctx.manifest, modules, CORE_FACET_NAMES));
  const currentLayouts = await loadLayouts(ctx.artifacts, layoutProbes(ctx.manifest, modules));
  const registry = await ctx.store.readContracts(chainId);
  const journal = await ctx.store.readJournal(request.name, chainId);
  await verifyRegistry(ctx, registry);

  const chain = await readChainState(
    provider,
    record?.address ?? null,
    Object.values(registry.contracts).map((c) => c.address),
  );
  const recordedAbis = record === null ? {} : await recordedAbisOf(ctx.store, record, chain);
  const plan = makePlan({
    manifest: ctx.manifest,
    modules,
    contracts,
    coreFacets: CORE_FACET_NAMES,
    chain,
    deployed: registry.contracts,
    recordedLayouts: record?.storageLayouts ?? {},
    currentLayouts,
    recordedAbis,
  });
  return {
    request,
    name: request.name,
    set,
    modules,
    chainId,
    record,
    signer,
    params: networkParams(ctx.manifest, ctx.networkName),
    contracts,
    registry,
    journal,
    chain,
    currentLayouts,
    plan,
  };
}

function modulesOfSetChecked(manifest: Manifest, set: string): string[] {
  try {
    return modulesOfSet(manifest, set);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/**
 * Each installed module's recorded ABI, when the record holds it for the version on
 * chain; otherwise the functions of the record's combined ABI (events and errors unknown).
 */
async function recordedAbisOf(
  store: RecordStore,
  record: DeploymentRecord,
  chain: ChainState,
): Promise<Record<string, RecordedAbi>> {
  const out: Record<string, RecordedAbi> = {};
  let combined: string[] | null = null;
  for (const m of chain.diamond?.modules ?? []) {
    const rec = record.installed.find((r) => r.id === m.id);
    if (rec?.abi !== undefined && rec.version === versionString(m.version)) {
      out[m.id] = { fragments: rec.abi, complete: true };
      continue;
    }
    if (combined === null) {
      const abi = record.abi === "" ? null : await store.readAbi(record);
      const functions: string[] = [];
      if (abi !== null)
        new Interface(abi as JsonFragment[]).forEachFunction((f) => functions.push(f.format("minimal")));
      combined = functions;
    }
    out[m.id] = { fragments: combined, complete: false };
  }
  return out;
}

/** Drops registry entries whose address no longer holds the recorded code (in memory only). */
async function verifyRegistry(ctx: SuiteContext, registry: ContractsRecord): Promise<void> {
  for (const [name, entry] of Object.entries(registry.contracts)) {
    const code = await ctx.ethers.provider.getCode(entry.address);
    if (code === "0x" || keccak256(code) !== entry.codeHash) {
      ctx.log(
        `note: recorded ${name} at ${entry.address} is not on chain with the recorded code; it will be redeployed`,
      );
      delete registry.contracts[name];
    }
  }
}

export function formatPlan(prepared: Prepared): string {
  const { plan } = prepared;
  const lines = [
    `Plan for "${prepared.name}" (set "${prepared.set}": core${prepared.modules.map((m) => ", " + m).join("")})`,
  ];
  if (plan.actions.length === 0) lines.push("  nothing to do: the chain matches the manifest and the artifacts");
  plan.actions.forEach((a, i) => lines.push(`  ${i + 1}. ${describeAction(a)}`));
  if (prepared.record?.pendingOperation) {
    const p = prepared.record.pendingOperation;
    lines.push(`  pending timelocked operation ${p.id} (ready at ${new Date(p.readyAt * 1000).toISOString()})`);
  }
  for (const { module, from, to, diff } of plan.abiDiffs) {
    const changes = describeAbiDiff(diff);
    const head = `  ABI of ${module} ${formatVersion(from)} -> ${formatVersion(to)} (chain -> manifest)`;
    lines.push(changes.length === 0 ? `${head}: unchanged` : `${head}:`);
    changes.forEach((c) => lines.push(`    ${c}`));
  }
  plan.notes.forEach((n) => lines.push(`  note: ${n}`));
  plan.problems.forEach((p) => lines.push(`  REFUSED: ${p}`));
  return lines.join("\n");
}

/** "proposed": a Safe upgrader must execute the transaction the run wrote; run again after. */
export type ApplyStatus = "done" | "nothing-to-do" | "scheduled" | "proposed";

/**
 * Applies a prepared plan. Each transaction is journaled when sent and its outcome
 * recorded when confirmed, before the next one starts.
 */
export async function apply(ctx: SuiteContext, prepared: Prepared): Promise<ApplyStatus> {
  if (prepared.plan.problems.length > 0) {
    throw new UserError(`Refusing to apply:\n  - ${prepared.plan.problems.join("\n  - ")}`);
  }
  const run = new Run(ctx, prepared);
  await run.resolveJournal();
  await run.preflight();
  return run.execute();
}

/** Where a test kills a run: the point and the number of the send it belongs to (1-based). */
export interface CrashAt {
  point: CrashPoint;
  send: number;
}

/** FINSUITE_CRASH_AT=<point>:<n> (test hook): SIGKILL at that point of the n-th send. */
function crashAtFromEnv(): CrashAt | null {
  const value = process.env.FINSUITE_CRASH_AT;
  if (value === undefined || value === "") return null;
  const [point, n] = value.split(":");
  return { point: point as CrashPoint, send: Number(n) };
}

class Run {
  private step = 0;
  private sends = 0;
  private readonly total: number;
  private readonly crashAt: CrashAt | null;
  private readonly sender: Sender;

  constructor(
    private readonly ctx: SuiteContext,
    private readonly p: Prepared,
  ) {
    const deploys = p.plan.actions.filter((a) => a.kind === "deploy" || a.kind === "deployDiamond").length;
    this.total = deploys + (p.plan.actions.length > deploys || p.record?.pendingOperation ? 2 : 0);
    this.crashAt = ctx.crashAt ?? crashAtFromEnv();
    this.sender = new Sender({
      provider: ctx.ethers.provider,
      signer: p.signer,
      policy: sendPolicy(p.params.tx, ctx.pollMs ?? (ctx.ephemeral ? 20 : 1000)),
      network: ctx.networkName,
      entries: () => p.journal.sent,
      save: () => ctx.store.writeJournal(p.name, p.journal),
      log: ctx.log,
      crash: (point) => this.crash(point),
    });
  }

  private get provider() {
    return this.ctx.ethers.provider;
  }

  /** Test hook: dies at the chosen point of the chosen send, as a kill would. */
  private crash(point: CrashPoint): void {
    if (this.crashAt === null || this.crashAt.point !== point || this.crashAt.send !== this.sends) return;
    this.ctx.log(`FINSUITE_CRASH_AT=${point}:${this.sends}: killing the run (test hook)`);
    if (this.ctx.onCrash !== undefined) this.ctx.onCrash();
    process.kill(process.pid, "SIGKILL");
  }

  /**
   * Settles what a killed run left in the journal, oldest nonce first: a step whose
   * transaction landed is recorded, one never mined is sent again at its nonce, one whose
   * nonce went to another transaction is forgotten (and planned again).
   */
  async resolveJournal(): Promise<void> {
    const entries = Object.entries(this.p.journal.sent).sort(([, a], [, b]) => a.nonce - b.nonce);
    if (entries.length === 0) return;
    for (const [key, entry] of entries) {
      this.ctx.log(`resuming ${entry.step} (nonce ${entry.nonce}) left by an earlier run`);
      const landed = await this.sender.finish(key);
      if (landed === null) {
        this.ctx.log(`note: nonce ${entry.nonce} went to another transaction: ${entry.step} is planned again`);
      } else {
        const at = landed.hash === null ? "found on chain" : `tx ${landed.hash} in block ${landed.blockNumber}`;
        this.ctx.log(`recovered ${entry.step}: ${at}`);
        if (entry.effect.kind === "create" && key.startsWith("deploy:")) {
          await this.recordContract(key.slice("deploy:".length), entry.effect.address, landed);
        }
        if (entry.effect.kind === "create" && key === "diamond") await this.recordDiamond(entry.effect.address, landed);
        this.p.journal.confirmed.push(recordedTransaction(entry.step, landed));
      }
      delete this.p.journal.sent[key];
      await this.ctx.store.writeJournal(this.p.name, this.p.journal);
    }
    // What the earlier run completed is on record now: plan again from there.
    Object.assign(this.p, await prepare(this.ctx, this.p.request));
    if (this.p.plan.problems.length > 0) {
      throw new UserError(`Refusing to apply:\n  - ${this.p.plan.problems.join("\n  - ")}`);
    }
  }

  /** The Safe that sends the run's timelock calls, when the upgrader is one; else the signer does. */
  private safe: SafeState | null = null;

  /** Checks that would otherwise fail half-way: roles and funds. */
  async preflight(): Promise<void> {
    const address = await this.p.signer.getAddress();
    const hasModuleOps =
      this.p.plan.actions.some((a) => ["install", "upgrade", "remove"].includes(a.kind)) ||
      this.p.record?.pendingOperation != null;
    const upgrader = this.p.params.upgrader;
    const upgraderIsSigner = upgrader === undefined || upgrader.toLowerCase() === address.toLowerCase();
    if (hasModuleOps && !upgraderIsSigner) this.safe = await readSafe(this.provider, upgrader);
    if (this.p.record !== null && hasModuleOps) {
      const diamond = IFinanceDiamond__factory.connect(this.p.record.address, this.provider);
      const sender = this.safe?.address ?? address;
      if (!(await diamond.hasRole(ROLES.UPGRADER, sender))) {
        throw new UserError(
          this.safe !== null
            ? `Safe ${sender}, the upgrader the manifest names for network "${this.ctx.networkName}", lacks ` +
                `UPGRADER_ROLE on diamond ${this.p.record.address}: grant it the role, or fix the manifest.`
            : `Account ${address} lacks UPGRADER_ROLE on diamond ${this.p.record.address}: ask its owner to grant ` +
                "it, or sign with the upgrader's account (or name the upgrader Safe in the manifest).",
        );
      }
    }
    if (this.p.record === null && hasModuleOps && !upgraderIsSigner && this.safe === null) {
      throw new UserError(
        `The manifest makes ${upgrader} the upgrader of network "${this.ctx.networkName}", but ${address} signs ` +
          "and the upgrader is not a Safe: the new diamond's modules could not be installed. Sign with the " +
          'upgrader, make the upgrader a Safe, or deploy the set "core" first.',
      );
    }
    const fee = await this.provider.getFeeData();
    const price = fee.maxFeePerGas ?? fee.gasPrice ?? 0n;
    if (price === 0n) return; // permissioned chains with free gas
    let gas = 0n;
    for (const action of this.p.plan.actions) {
      if (action.kind === "deploy") {
        const tx = await this.factory(action.contract).getDeployTransaction();
        gas += await this.provider.estimateGas({ ...tx, from: address });
      } else {
        gas += action.kind === "deployDiamond" ? 2_500_000n : 800_000n; // headroom per diamond / module operation
      }
    }
    const need = gas * price;
    const balance = await this.provider.getBalance(address);
    if (balance < need) {
      throw new UserError(
        `Insufficient funds: ${address} holds ${balance} wei; this plan needs about ${need} wei ` +
          `(${gas} gas at ${price} wei). Fund the account and run the same command again.`,
      );
    }
  }

  async execute(): Promise<ApplyStatus> {
    const { plan } = this.p;
    const pendingBefore = this.p.record?.pendingOperation ?? null;
    if (plan.actions.length === 0 && pendingBefore === null) {
      if (this.p.record !== null) await this.syncRecord([]);
      this.ctx.log("Nothing to do: the chain already matches the manifest and the artifacts.");
      return "nothing-to-do";
    }
    for (const action of plan.actions) {
      if (action.kind === "deploy") await this.deployContract(action.contract);
      if (action.kind === "deployDiamond") await this.deployDiamond();
    }
    const moduleActions = plan.actions.filter(
      (a) => a.kind === "install" || a.kind === "upgrade" || a.kind === "remove",
    );
    if (moduleActions.length === 0) {
      await this.syncRecord(plan.actions.map(describeAction));
      return "done";
    }
    return this.runOperation(moduleActions);
  }

  private factory(name: string): ContractFactory {
    const info = this.p.contracts[name];
    return new ContractFactory(info.abi, info.bytecode, this.p.signer);
  }

  /** Sends one step through the journal; returns once it has landed with its confirmations. */
  private async send(key: string, label: string, tx: { to: string | null; data: string }, effect: EffectSpec) {
    this.sends += 1;
    return this.sender.send(key, label, tx, effect);
  }

  /** After a step's outcome is recorded: forget it in the journal, print it, maybe crash (tests). */
  private async confirmed(key: string, label: string, landed: Landed): Promise<void> {
    this.crash("recorded");
    delete this.p.journal.sent[key];
    this.p.journal.confirmed.push(recordedTransaction(label, landed));
    await this.ctx.store.writeJournal(this.p.name, this.p.journal);
    this.step += 1;
    const gas = landed.gasUsed === null ? "?" : landed.gasUsed.toLocaleString("en-US");
    this.ctx.log(`${`[${this.step}/${this.total}]`.padEnd(8)}${label.padEnd(40)} tx ${landed.hash ?? "?"} gas ${gas}`);
    this.crash("confirmed");
  }

  private async deployContract(name: string): Promise<void> {
    const key = `deploy:${name}`;
    const label = `deploy ${name}`;
    const tx = await this.factory(name).getDeployTransaction();
    const landed = await this.send(
      key,
      label,
      { to: null, data: tx.data },
      {
        kind: "create",
        codeHash: this.p.contracts[name].codeHash,
      },
    );
    await this.recordContract(name, this.createdAt(key), landed);
    await this.confirmed(key, label, landed);
  }

  /** The address a journaled creation step deploys to. */
  private createdAt(key: string): string {
    const effect = this.p.journal.sent[key]?.effect;
    if (effect?.kind !== "create") throw new Error(`${key} is not a journaled creation`);
    return effect.address;
  }

  private async recordContract(name: string, address: string, landed: Landed): Promise<void> {
    this.p.registry.contracts[name] = {
      address,
      codeHash: this.p.contracts[name].codeHash,
      txHash: landed.hash ?? "",
      blockNumber: landed.blockNumber,
    };
    await this.ctx.store.writeContracts(this.p.registry);
  }

  private deployed(name: string): string {
    const entry = this.p.registry.contracts[name];
    if (entry === undefined) throw new Error(`contract ${name} should have been deployed by now`);
    return entry.address;
  }

  private diamondConfig(signerAddress: string) {
    const params = this.p.params;
    return {
      owner: params.owner ?? signerAddress,
      upgrader: params.upgrader ?? signerAddress,
      guardian: params.guardian ?? signerAddress,
      timelockDelay: BigInt(params.timelockDelay),
    };
  }

  private async deployDiamond(): Promise<void> {
    const facets = Object.fromEntries(
      CORE_FACET_KEYS.map((k) => [k, this.deployed(CORE_FACET_CONTRACTS[k])]),
    ) as CoreFacetAddresses;
    const config = this.diamondConfig(await this.p.signer.getAddress());
    const factory = await this.ctx.ethers.getContractFactory("Diamond", this.p.signer);
    const tx = await factory.getDeployTransaction(facets, config);
    const landed = await this.send(
      "diamond",
      "deploy the diamond",
      { to: null, data: tx.data },
      {
        kind: "create",
        codeHash: null, // its code depends on the constructor's arguments
      },
    );
    await this.recordDiamond(this.createdAt("diamond"), landed);
    await this.confirmed("diamond", "deploy the diamond", landed);
  }

  private async recordDiamond(address: string, landed: Landed): Promise<void> {
    const record: DeploymentRecord = {
      schema: DEPLOYMENT_SCHEMA,
      name: this.p.name,
      network: this.ctx.networkName,
      chainId: this.p.chainId,
      address,
      owner: "",
      timelock: { delay: 0 },
      blockNumber: landed.blockNumber,
      set: this.p.set,
      modules: this.p.modules,
      installed: [],
      abi: "",
      storageLayouts: {},
      pendingOperation: null,
      history: [],
    };
    this.p.record = record;
    await this.writeRecordFromChain(record);
  }

  /** The timelocked operation carrying every module change of the plan, all or nothing. */
  private async runOperation(actions: PlanAction[]): Promise<ApplyStatus> {
    const record = this.p.record!;
    const diamond = IFinanceDiamond__factory.connect(record.address, this.p.signer);
    const calls = actions.map((a) => this.callFor(a));
    // Same calls as the recorded pending operation: same operation. Otherwise a new salt per
    // history entry, so identical calls later (remove, then add again) get a fresh id.
    const pending = record.pendingOperation;
    const samePending =
      pending !== null && pending.calls.length === calls.length && pending.calls.every((c, i) => c === calls[i]);
    const salt = samePending
      ? pending.salt
      : keccak256(toUtf8Bytes(`finsuite:${record.name}:${record.history.length}`));
    const id = await diamond.hashOperation(calls, salt);
    const descriptions = actions.map(describeAction);
    const stale = record.pendingOperation;
    if (stale !== null && !samePending) {
      this.ctx.log(
        `note: operation ${stale.id} scheduled earlier no longer matches the plan; cancel it with the upgrader ` +
          "or guardian (cancel(id)) if it should not run",
      );
    }
    let state = Number(await diamond.getOperationState(id));
    if (this.safe !== null) return this.throughSafe(this.safe, { id, salt, calls, descriptions, state });
    if (state === 0) {
      const key = `schedule:${id}`;
      const label = `schedule ${plural(descriptions.length, "module change")}`;
      const data = diamond.interface.encodeFunctionData("schedule", [calls, salt]);
      const landed = await this.send(key, label, { to: record.address, data }, operationEffect(record.address, id, 1));
      await this.confirmed(key, label, landed);
      state = Number(await diamond.getOperationState(id));
      if (state === 1) {
        const readyAt = Number(await diamond.getOperationReadyAt(id));
        record.pendingOperation = { id, salt, calls, readyAt, actions: descriptions, scheduleTx: landed.hash ?? "" };
        record.modules = this.p.modules;
        record.history.push({
          at: new Date().toISOString(),
          actions: [
            ...this.p.plan.actions.filter((a) => a.kind === "deploy" || a.kind === "deployDiamond").map(describeAction),
            `scheduled operation ${id}`,
          ],
          transactions: this.p.journal.confirmed.splice(0),
        });
        await this.ctx.store.writeDeployment(record);
        await this.ctx.store.writeJournal(this.p.name, this.p.journal);
      }
    }
    if (state === 1) {
      const readyAt = Number(await diamond.getOperationReadyAt(id));
      this.ctx.log(
        `Scheduled operation ${id}; it can execute from ${new Date(readyAt * 1000).toISOString()}. ` +
          "Run the same command again then.",
      );
      return "scheduled";
    }
    if (state === 2) {
      const key = `execute:${id}`;
      const label = `execute ${plural(descriptions.length, "module change")}`;
      const data = diamond.interface.encodeFunctionData("execute", [calls, salt]);
      const landed = await this.send(key, label, { to: record.address, data }, operationEffect(record.address, id, 3));
      await this.confirmed(key, label, landed);
    }
    await this.syncRecord([...this.p.plan.actions.map(describeAction)]);
    return "done";
  }

  /**
   * The operation through a Safe upgrader: nothing is sent from the Safe. The transaction
   * it must execute next (schedule, or execute once due) is printed and written as a
   * Transaction Builder file, and the record holds the operation as proposed; a later run
   * sees what the Safe executed on chain and carries on from there.
   */
  private async throughSafe(
    safe: SafeState,
    op: { id: string; salt: string; calls: string[]; descriptions: string[]; state: number },
  ): Promise<ApplyStatus> {
    const record = this.p.record!;
    const diamond = IFinanceDiamond__factory.connect(record.address, this.provider);
    if (op.state === 3) {
      this.ctx.log(`Operation ${op.id} was executed by Safe ${safe.address}.`);
      await this.syncRecord([...this.p.plan.actions.map(describeAction)]);
      return "done";
    }
    const readyAt = op.state === 0 ? 0 : Number(await diamond.getOperationReadyAt(op.id));
    const call = op.state === 0 ? "schedule" : "execute";
    const pending: PendingOperation = {
      id: op.id,
      salt: op.salt,
      calls: op.calls,
      readyAt,
      actions: op.descriptions,
      scheduleTx: record.pendingOperation?.id === op.id ? record.pendingOperation.scheduleTx : "",
    };
    record.modules = this.p.modules;
    if (op.state === 1) {
      record.pendingOperation = pending;
      await this.ctx.store.writeDeployment(record);
      this.ctx.log(
        `Safe ${safe.address} has scheduled operation ${op.id}; it can execute from ` +
          `${new Date(readyAt * 1000).toISOString()}. Run the same command again then.`,
      );
      return "scheduled";
    }
    const data =
      call === "schedule"
        ? diamond.interface.encodeFunctionData("schedule", [op.calls, op.salt])
        : diamond.interface.encodeFunctionData("execute", [op.calls, op.salt]);
    const proposal = proposeSafeTransaction(
      safe,
      { to: record.address, data },
      {
        name: `${call} ${plural(op.descriptions.length, "module change")} of ${record.name}`,
        description: `${call} timelocked operation ${op.id}: ${op.descriptions.join("; ")}`,
      },
    );
    const file = await this.ctx.store.writeSafeProposal(record.name, call, op.id, proposal.transactionBuilder);
    const isNew = record.pendingOperation?.proposal?.safeTxHash !== proposal.safeTxHash;
    record.pendingOperation = {
      ...pending,
      proposal: { safe: safe.address, call, nonce: Number(proposal.tx.nonce), safeTxHash: proposal.safeTxHash, file },
    };
    if (this.p.journal.confirmed.length > 0 || isNew) {
      record.history.push({
        at: new Date().toISOString(),
        actions: [
          ...this.p.plan.actions.filter((a) => a.kind === "deploy" || a.kind === "deployDiamond").map(describeAction),
          `proposed ${call} of operation ${op.id} to Safe ${safe.address}`,
        ],
        transactions: this.p.journal.confirmed.splice(0),
      });
      await this.ctx.store.writeJournal(this.p.name, this.p.journal);
    }
    await this.ctx.store.writeDeployment(record);
    describeSafeProposal(proposal).forEach((line) => this.ctx.log(line));
    this.ctx.log(`Transaction Builder file: ${path.join(this.ctx.store.dir, file)}`);
    this.ctx.log(
      `Proposed: once the Safe has executed it, run the same command again` +
        (call === "schedule" ? " (then again after the timelock delay, for execute)." : "."),
    );
    return "proposed";
  }

  private callFor(action: PlanAction): string {
    const manifest = this.ctx.manifest;
    if (action.kind === "remove") return coreCalls.removeModule(action.module);
    if (action.kind !== "install" && action.kind !== "upgrade") throw new Error(`not a module action: ${action.kind}`);
    const def = manifest.modules[action.module];
    const spec = {
      id: action.module,
      version: def.version,
      facets: def.facets.map((f) => ({
        facetAddress: this.deployed(f),
        functionSelectors: this.p.contracts[f].selectors,
      })),
      interfaceIds: (def.interfaces ?? []).map((i) => interfaceIdOf(this.p.contracts[i].selectors)),
      dependencies: def.dependencies ?? [],
    };
    const shared = Object.fromEntries((def.contracts ?? []).map((c) => [c, this.deployed(c)]));
    const [init, data] = this.initCall(action.init, shared);
    return action.kind === "install"
      ? coreCalls.installModule(spec, init, data)
      : coreCalls.upgradeModule(spec, init, data);
  }

  private initCall(init: InitSpec | undefined, shared: Record<string, string>): [string, string] {
    if (init === undefined) return ["0x0000000000000000000000000000000000000000", "0x"];
    const iface = new Interface(this.p.contracts[init.contract].abi);
    const args = init.args?.(this.p.params, shared) ?? [];
    return [this.deployed(init.contract), iface.encodeFunctionData(init.function, args)];
  }

  /** Rewrites the record from the chain and appends this run to its history. */
  private async syncRecord(actions: string[]): Promise<void> {
    const record = this.p.record!;
    record.modules = this.p.modules;
    record.pendingOperation = null;
    const transactions = this.p.journal.confirmed.splice(0);
    if (actions.length > 0 || transactions.length > 0) {
      record.history.push({ at: new Date().toISOString(), actions, transactions });
    }
    await this.writeRecordFromChain(record);
    await this.ctx.store.writeJournal(this.p.name, this.p.journal);
  }

  private async writeRecordFromChain(record: DeploymentRecord): Promise<void> {
    const diamond = IFinanceDiamond__factory.connect(record.address, this.provider);
    record.owner = await diamond.owner();
    record.timelock = { delay: Number(await diamond.timelockDelay()) };
    const names = new Map(Object.entries(this.p.registry.contracts).map(([n, c]) => [c.address.toLowerCase(), n]));
    const modules = await readModules(this.provider, record.address);
    const previous = new Map(record.installed.map((m) => [m.id, m]));
    record.installed = modules.map((m) => {
      const installed: RecordedModule = {
        id: m.id,
        version: versionString(m.version),
        facets: m.facets.map((f) => ({
          name: names.get(f.address.toLowerCase()) ?? "unknown",
          address: f.address,
          selectors: f.selectors,
        })),
      };
      const before = previous.get(m.id);
      const abi = BUILT_IN_MODULES.has(m.id)
        ? undefined
        : (moduleAbi(installed.facets, this.p.contracts) ??
          (before?.version === installed.version ? before.abi : undefined));
      return abi === undefined ? installed : { ...installed, abi };
    });
    const installedIds = new Set(modules.map((m) => m.id));
    const layouts: LayoutSnapshot = {};
    for (const [ns, members] of Object.entries(this.p.currentLayouts)) {
      const owner = Object.entries(this.ctx.manifest.modules).find(([, d]) => ns in (d.storage ?? {}))?.[0] ?? "core";
      if (installedIds.has(owner)) layouts[ns] = members;
    }
    record.storageLayouts = layouts;
    record.abi = await this.ctx.store.writeAbi(record.name, combinedAbi(record, this.p.contracts));
    await this.ctx.store.writeDeployment(record);
  }
}

const BUILT_IN_MODULES = new Set(["core", "unmanaged"]);

/** A timelocked operation of `diamond` in at least `atLeast` state (1 scheduled, 3 executed). */
const operationEffect = (diamond: string, id: string, atLeast: number): EffectSpec => ({
  kind: "operation",
  diamond,
  id,
  atLeast,
});

const recordedTransaction = (step: string, landed: Landed): RecordedTransaction => ({
  step,
  hash: landed.hash ?? "unknown (found by its effect)",
  gasUsed: landed.gasUsed?.toString() ?? "unknown",
});

/** A module's functions, events and errors, from its facets' artifacts; null if one is not known. */
function moduleAbi(facets: RecordedFacet[], contracts: Record<string, ContractInfo>): string[] | null {
  if (facets.length === 0 || facets.some((f) => contracts[f.name] === undefined)) return null;
  const out = new Set<string>();
  for (const f of facets) {
    for (const fragment of new Interface(contracts[f.name].abi).fragments) {
      if (["function", "event", "error"].includes(fragment.type)) out.add(fragment.format("minimal"));
    }
  }
  return [...out];
}

/** The diamond's ABI: every function, event and error of every installed facet, once. */
export function combinedAbi(record: DeploymentRecord, contracts: Record<string, ContractInfo>): JsonFragment[] {
  const seen = new Set<string>();
  const out: JsonFragment[] = [];
  const add = (fragment: Fragment) => {
    if (fragment.type !== "function" && fragment.type !== "event" && fragment.type !== "error") return;
    const key = `${fragment.type}:${fragment.format("sighash")}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(JSON.parse(fragment.format("json")) as JsonFragment);
  };
  for (const m of record.installed) {
    for (const f of m.facets) {
      const info = contracts[f.name];
      if (info !== undefined) new Interface(info.abi).fragments.forEach(add);
    }
  }
  return out;
}
