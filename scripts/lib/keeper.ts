// The keeper runner: one loop that serves every module's upkeep through the diamond's
// Chainlink Automation-compatible pair (IUpkeep). Each round it asks every registered
// provider for work (`checkUpkeep`, an eth_call), sends `performUpkeep` when there is some,
// and logs one line per batch. The `keeper run` task is a thin CLI over `runKeeper`.
import {
  decodeBytes32String,
  Interface,
  isCallException,
  isError,
  type InterfaceAbi,
  type Provider,
  type Signer,
  type TransactionReceipt,
} from "ethers";

import { IFinanceSuite__factory, type IFinanceSuite } from "../../typechain-types/index.js";
import { moduleId } from "./core.js";
import { UserError } from "./deployments.js";
import type { DeploymentRecord } from "./records.js";
import { decodeUpkeepData, upkeepData } from "./upkeep.js";
import { assetUpkeepSource } from "./asset-upkeep.js";
import { insuranceUpkeepSource } from "./insurance-upkeep.js";
import { lendingUpkeepSource } from "./lending-upkeep.js";

const suiteInterface = IFinanceSuite__factory.createInterface();
const UPKEEP_ID = moduleId("upkeep");

/** A provider registered with the upkeep module, as `upkeepProviders()` lists it. */
export interface UpkeepProvider {
  /** The module's id as a name (`"lending"`). */
  module: string;
  /** The same as bytes32. */
  moduleId: string;
  check: string;
  perform: string;
}

/** What a source gets each round. */
export interface SourceContext {
  /** For reads: eth_call, eth_getLogs. */
  provider: Provider;
  /** The whole diamond (every module's functions, events and errors), connected to `provider`. */
  diamond: IFinanceSuite;
  record: DeploymentRecord;
  upkeep: UpkeepProvider;
  /**
   * Blocks not yet seen by this source, inclusive: from the diamond's deployment block on
   * the first round, then from the block after the previous round's `toBlock`. Empty
   * (`fromBlock > toBlock`) when no block was mined since.
   */
  fromBlock: number;
  toBlock: number;
  log: (line: string) => void;
}

/**
 * Builds a module's check data. One source object lives for a whole run, so it may keep
 * state between rounds: a lending source collects candidate borrowers from the
 * `LendingBorrowed` events of each new block range and asks about them in batches.
 */
export interface UpkeepSource {
  /** The module check data to ask `checkUpkeep` with this round, one call each. */
  checkData(ctx: SourceContext): Promise<string[]>;
  /** How many items (borrowers, claims, …) a module performData covers, when the source can tell. */
  items?(modulePerformData: string): number | undefined;
  /**
   * What a mined perform did, read from its receipt: the items it covered (when `items`
   * cannot tell beforehand) and a detail for the batch's log line (e.g. "42 policies paid,
   * 3 min after the trigger").
   */
  outcome?(receipt: TransactionReceipt): Promise<{ items?: number; detail?: string }>;
}

export type UpkeepSourceFactory = () => UpkeepSource;

/** Asks with empty module data: the provider decides what is due. */
export const defaultSource: UpkeepSourceFactory = () => ({ checkData: async () => ["0x"] });

/** The sources modules ship, keyed by module id; a module without one gets `defaultSource`. */
export const UPKEEP_SOURCES: Readonly<Record<string, UpkeepSourceFactory>> = {
  lending: lendingUpkeepSource,
  asset: assetUpkeepSource,
  insurance: insuranceUpkeepSource,
};

export interface RetryPolicy {
  /** Tries per RPC read, the first included. */
  attempts: number;
  /** Wait before the first retry; doubled for each further one, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, maxMs: 8_000 };

export interface KeeperOptions {
  /** Sends `performUpkeep`: the keeper account. */
  signer: Signer;
  /** Reads (checks, receipts, sources). Default: the signer's provider. */
  provider?: Provider;
  record: DeploymentRecord;
  /**
   * The record's combined ABI (`RecordStore.readAbi`), to name the errors of every installed
   * module in the log; IFinanceSuite's errors are known without it.
   */
  abi?: InterfaceAbi;
  /** Default: UPKEEP_SOURCES. */
  sources?: Readonly<Record<string, UpkeepSourceFactory>>;
  /** Pause between rounds. Default 15,000 ms. */
  intervalMs?: number;
  /** Rounds to run; 0 or absent: until `signal` stops the run. */
  rounds?: number;
  /** Performs per check data per round, so a provider whose work never ends cannot hold the loop. Default 10. */
  maxPerformsPerCheck?: number;
  retry?: RetryPolicy;
  /** Receipt polling. Default 1,000 ms. */
  receiptPollMs?: number;
  /** After a stop, how long a pending receipt is still waited for before it is abandoned. Default 10,000 ms. */
  stopGraceMs?: number;
  /** Stops the run after the current step. */
  signal?: AbortSignal;
  /** Abandons a pending receipt wait at once (a second Ctrl-C). */
  abandon?: AbortSignal;
  log?: (line: string) => void;
  /** Injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface ModuleTally {
  performs: number;
  /** Items the source counted, or null when it cannot tell. */
  items: number | null;
  gasUsed: bigint;
}

export interface KeeperSummary {
  rounds: number;
  performs: number;
  /** Performs refused (estimation) or reverted on chain. */
  failed: number;
  /** Rounds cut short by an RPC error that outlasted its retries, or a failing source. */
  errors: number;
  /** RPC reads repeated after a transient error. */
  retries: number;
  gasUsed: bigint;
  byModule: Record<string, ModuleTally>;
  stoppedBy: "rounds" | "signal";
  elapsedMs: number;
  /** A transaction whose receipt was abandoned at the stop, if any. */
  abandonedTx: string | null;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The revert data an error carries, if it is a contract revert. */
export function revertDataOf(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (v: unknown): string | undefined => {
    if (typeof v !== "object" || v === null || seen.has(v)) return undefined;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x([0-9a-fA-F]{2})*$/.test(o.data) && o.data.length >= 10) return o.data;
    for (const key of ["error", "info", "cause", "data"]) {
      const found = visit(o[key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(e);
}

/**
 * Whether an error may go away if the same read is repeated: connection, timeout and
 * server errors. A contract revert or a malformed request will not.
 */
export function isTransient(e: unknown): boolean {
  if (isCallException(e) || revertDataOf(e) !== undefined) return false;
  if (isError(e, "INVALID_ARGUMENT") || isError(e, "BAD_DATA") || isError(e, "NOT_IMPLEMENTED")) return false;
  const message = e instanceof Error ? e.message : String(e);
  if (/revert/i.test(message)) return false;
  // A bug in a source stays a bug; fetch reports a lost connection as a TypeError, though.
  const programming = e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError;
  return !programming || /fetch failed|network|socket|ECONN|ETIMEDOUT|timeout/i.test(message);
}

/**
 * A revert as `Name(arg, …)`, decoded with `interfaces` (then the suite's own), or the
 * error's first line.
 */
export function describeError(e: unknown, interfaces: readonly Interface[] = []): string {
  const data = revertDataOf(e);
  if (data !== undefined) {
    for (const iface of [...interfaces, suiteInterface]) {
      try {
        const parsed = iface.parseError(data);
        if (parsed !== null) return `${parsed.name}(${parsed.args.map((a: unknown) => String(a)).join(", ")})`;
      } catch {
        // not one of this interface's errors
      }
    }
    return `revert ${data.slice(0, 74)}${data.length > 74 ? "…" : ""}`;
  }
  const message = e instanceof Error ? e.message : String(e);
  return message.split("\n")[0];
}

/** Thrown when a read still fails after its retries. */
export class KeeperRpcError extends Error {}

/**
 * Checks that `record` can be kept on the chain `provider` reaches: same chain id, the
 * diamond's code there, the upkeep module installed. Throws a UserError saying what is
 * wrong; sends nothing.
 */
export async function checkKeeperTarget(provider: Provider, record: DeploymentRecord, network: string): Promise<void> {
  const chainId = Number((await provider.getNetwork()).chainId);
  if (record.chainId !== chainId) {
    throw new UserError(
      `Record "${record.name}" belongs to chain ${record.chainId}, but network "${network}" is chain ${chainId}.`,
    );
  }
  if ((await provider.getCode(record.address)) === "0x") {
    throw new UserError(`Record "${record.name}" says the diamond is at ${record.address}, but it has no code there.`);
  }
  const diamond = IFinanceSuite__factory.connect(record.address, provider);
  const checkUpkeep = suiteInterface.getFunction("checkUpkeep")!.selector;
  let owner: string;
  try {
    owner = await diamond.moduleOfSelector(checkUpkeep);
  } catch (e) {
    throw new UserError(`${record.address} does not answer as a finance-suite diamond: ${describeError(e)}`);
  }
  if (owner !== UPKEEP_ID) {
    throw new UserError(
      `Deployment "${record.name}" has no upkeep module installed: nothing to keep ` +
        `(add it with: npx hardhat modules add --module upkeep --name ${record.name}).`,
    );
  }
}

const formatGas = (gas: bigint) => gas.toLocaleString("en-US");
const formatElapsed = (ms: number) => `+${(ms / 1000).toFixed(1)}s`;

/** Runs the keeper until its rounds are done or `signal` stops it; returns what it did. */
export async function runKeeper(options: KeeperOptions): Promise<KeeperSummary> {
  return new Keeper(options).run();
}

type ModuleState = "ready" | "paused" | "not routed";

class Keeper {
  private readonly provider: Provider;
  private readonly diamond: IFinanceSuite;
  private readonly sources = new Map<string, UpkeepSource>();
  private readonly scannedTo = new Map<string, number>();
  private readonly states = new Map<string, ModuleState>();
  private readonly log: (line: string) => void;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly retry: RetryPolicy;
  private readonly errors: Interface[];
  private readonly start: number;
  private stoppedAt: number | null = null;
  private readonly summary: KeeperSummary;

  constructor(private readonly o: KeeperOptions) {
    const provider = o.provider ?? o.signer.provider;
    if (provider === null || provider === undefined) throw new Error("the keeper's signer has no provider");
    this.provider = provider;
    this.diamond = IFinanceSuite__factory.connect(o.record.address, provider);
    this.log = o.log ?? ((line) => console.log(line));
    this.sleep = o.sleep ?? sleep;
    this.now = o.now ?? Date.now;
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.errors = o.abi === undefined ? [] : [new Interface(o.abi)];
    this.start = this.now();
    this.summary = {
      rounds: 0,
      performs: 0,
      failed: 0,
      errors: 0,
      retries: 0,
      gasUsed: 0n,
      byModule: {},
      stoppedBy: "rounds",
      elapsedMs: 0,
      abandonedTx: null,
    };
    o.signal?.addEventListener("abort", () => (this.stoppedAt ??= this.now()), { once: true });
  }

  private get stopping(): boolean {
    return this.o.signal?.aborted === true;
  }

  private describe(e: unknown): string {
    return describeError(e, this.errors);
  }

  private line(text: string): void {
    this.log(`[${formatElapsed(this.now() - this.start)}] ${text}`);
  }

  async run(): Promise<KeeperSummary> {
    const rounds = this.o.rounds ?? 0;
    const interval = this.o.intervalMs ?? 15_000;
    while (!this.stopping && (rounds === 0 || this.summary.rounds < rounds)) {
      this.summary.rounds++;
      try {
        await this.round();
      } catch (e) {
        this.summary.errors++;
        this.line(`round ${this.summary.rounds} cut short: ${this.describe(e)}`);
      }
      if (rounds !== 0 && this.summary.rounds >= rounds) break;
      await this.sleep(interval, this.o.signal);
    }
    this.summary.stoppedBy = this.stopping ? "signal" : "rounds";
    this.summary.elapsedMs = this.now() - this.start;
    return this.summary;
  }

  /** `fn`, repeated after transient errors with exponential backoff, within the policy. */
  private async read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isTransient(e)) throw e;
        if (attempt >= this.retry.attempts || this.stopping) {
          throw new KeeperRpcError(`${what} failed ${attempt} times: ${this.describe(e)}`);
        }
        const wait = Math.min(this.retry.baseMs * 2 ** (attempt - 1), this.retry.maxMs);
        this.summary.retries++;
        this.line(`${what}: ${this.describe(e)}; retry ${attempt} in ${wait} ms`);
        await this.sleep(wait, this.o.signal);
      }
    }
  }

  private async round(): Promise<void> {
    const head = await this.read("eth_blockNumber", () => this.provider.getBlockNumber());
    const listed = await this.read("upkeepProviders", () => this.diamond.upkeepProviders());
    const providers: UpkeepProvider[] = listed.map((p) => ({
      module: decodeBytes32String(p.moduleId),
      moduleId: p.moduleId,
      check: p.check,
      perform: p.perform,
    }));
    if (providers.length === 0 && this.summary.rounds === 1) this.line("no upkeep provider is registered yet");
    for (const p of providers) {
      if (this.stopping) return;
      try {
        await this.serve(p, head);
      } catch (e) {
        // An RPC that stays down ends the round; one provider's revert or source error does not.
        if (e instanceof KeeperRpcError) throw e;
        this.summary.errors++;
        this.line(`${p.module}: ${this.describe(e)}; next provider`);
      }
    }
  }

  /** One provider's turn: its state, its source's check data, the work found. */
  private async serve(p: UpkeepProvider, head: number): Promise<void> {
    if ((await this.state(p)) !== "ready") return;
    const source = this.sourceOf(p.module);
    const fromBlock = (this.scannedTo.get(p.module) ?? this.o.record.blockNumber - 1) + 1;
    const ctx: SourceContext = {
      provider: this.provider,
      diamond: this.diamond,
      record: this.o.record,
      upkeep: p,
      fromBlock,
      toBlock: head,
      log: (text) => this.line(`${p.module}: ${text}`),
    };
    const batches = await this.read(`${p.module} source`, () => source.checkData(ctx));
    this.scannedTo.set(p.module, head);
    for (const moduleData of batches) await this.work(p, source, moduleData);
  }

  /** Whether the provider's module serves its pair and is not paused; logs changes. */
  private async state(p: UpkeepProvider): Promise<ModuleState> {
    const owner = await this.read("moduleOfSelector", () => this.diamond.moduleOfSelector(p.perform));
    let state: ModuleState = "not routed";
    if (owner === p.moduleId) {
      const paused = await this.read("isModulePaused", () => this.diamond.isModulePaused(p.moduleId));
      state = paused ? "paused" : "ready";
    }
    const before = this.states.get(p.module);
    if (state !== before && (before !== undefined || state !== "ready")) {
      const why: Record<ModuleState, string> = {
        ready: "ready again",
        paused: "module paused: skipped until it is unpaused",
        "not routed": "the module no longer serves its perform function (removed?): skipped",
      };
      this.line(`${p.module}: ${why[state]}`);
    }
    this.states.set(p.module, state);
    return state;
  }

  private sourceOf(module: string): UpkeepSource {
    let source = this.sources.get(module);
    if (source === undefined) {
      source = ((this.o.sources ?? UPKEEP_SOURCES)[module] ?? defaultSource)();
      this.sources.set(module, source);
    }
    return source;
  }

  /** Check and perform with one check data until no work is left, within the bound. */
  private async work(p: UpkeepProvider, source: UpkeepSource, moduleData: string): Promise<void> {
    const checkData = upkeepData(p.module, moduleData);
    const max = this.o.maxPerformsPerCheck ?? 10;
    for (let i = 0; i < max && !this.stopping; i++) {
      const [needed, performData] = await this.read(`checkUpkeep ${p.module}`, () =>
        this.diamond.checkUpkeep(checkData),
      );
      if (!needed) return;
      if (!(await this.perform(p, source, performData))) return;
    }
  }

  /** Sends one performUpkeep and waits for it. Not repeated on failure: the next check finds the work again. */
  private async perform(p: UpkeepProvider, source: UpkeepSource, performData: string): Promise<boolean> {
    let items = source.items?.(decodeUpkeepData(performData).moduleData);
    const label = () => (items === undefined ? p.module : `${p.module}: ${items} item${items === 1 ? "" : "s"}`);
    const what = label();
    let hash: string;
    try {
      const tx = await this.o.signer.sendTransaction({
        to: this.o.record.address,
        data: suiteInterface.encodeFunctionData("performUpkeep", [performData]),
      });
      hash = tx.hash;
    } catch (e) {
      this.summary.failed++;
      // A refused estimate sent nothing; after a transport error the next check tells.
      const after = isTransient(e) ? "the next check will tell whether it was sent" : "nothing sent";
      this.line(`FAILED ${what}: ${this.describe(e)}; ${after}`);
      return false;
    }
    const receipt = await this.receipt(hash);
    if (receipt === null) {
      this.summary.abandonedTx = hash;
      this.line(`abandoned the wait for ${p.module}'s tx ${hash}: it may still be mined`);
      return false;
    }
    if (receipt.status !== 1) {
      this.summary.failed++;
      this.line(`FAILED ${what}: tx ${hash} reverted, gas ${formatGas(receipt.gasUsed)}`);
      return false;
    }
    let detail = "";
    if (source.outcome !== undefined) {
      try {
        const outcome = await source.outcome(receipt);
        items ??= outcome.items;
        if (outcome.detail !== undefined) detail = ` (${outcome.detail})`;
      } catch (e) {
        detail = ` (its outcome could not be read: ${this.describe(e)})`;
      }
    }
    const tally = (this.summary.byModule[p.module] ??= { performs: 0, items: 0, gasUsed: 0n });
    tally.performs++;
    tally.items = items === undefined || tally.items === null ? null : tally.items + items;
    tally.gasUsed += receipt.gasUsed;
    this.summary.performs++;
    this.summary.gasUsed += receipt.gasUsed;
    this.line(`${label()}${detail}, gas ${formatGas(receipt.gasUsed)}, tx ${hash}`);
    return true;
  }

  /** Polls for the receipt; null when the stop's grace ran out or the wait was abandoned. */
  private async receipt(hash: string): Promise<TransactionReceipt | null> {
    const poll = this.o.receiptPollMs ?? 1_000;
    const grace = this.o.stopGraceMs ?? 10_000;
    for (;;) {
      if (this.o.abandon?.aborted) return null;
      if (this.stoppedAt !== null && this.now() - this.stoppedAt > grace) return null;
      const receipt = await this.read(`receipt of ${hash}`, () => this.provider.getTransactionReceipt(hash));
      if (receipt !== null) return receipt;
      await this.sleep(poll, this.o.abandon);
    }
  }
}

/** The summary printed when the keeper stops. */
export function formatSummary(s: KeeperSummary, signalName?: string): string {
  const stopped = s.stoppedBy === "signal" ? `stopped by ${signalName ?? "a signal"}` : "done";
  const modules = Object.entries(s.byModule)
    .map(([m, t]) => {
      const items = t.items === null ? "" : `, ${t.items} item${t.items === 1 ? "" : "s"}`;
      return `${m} ${t.performs}${items}`;
    })
    .join("; ");
  return [
    `Keeper ${stopped} after ${s.rounds} round${s.rounds === 1 ? "" : "s"} in ${(s.elapsedMs / 1000).toFixed(1)}s:`,
    `${s.performs} perform${s.performs === 1 ? "" : "s"}${modules === "" ? "" : ` (${modules})`},`,
    `${s.failed} failed, ${s.errors} round error${s.errors === 1 ? "" : "s"}, ${s.retries} RPC retr${s.retries === 1 ? "y" : "ies"},`,
    `gas ${formatGas(s.gasUsed)}${s.abandonedTx === null ? "" : `; abandoned tx ${s.abandonedTx}`}`,
  ].join(" ");
}
