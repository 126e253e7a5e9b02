// Sends the deploy tooling's transactions so that no step is ever sent twice. Each intent
// (sender, nonce, transaction, expected effect) is journaled before it is broadcast; a run
// killed at any instant leaves either nothing or an intent, and the next run settles the
// intent by its nonce: the nonce used and the effect on chain, the step is done; the nonce
// used by something else, the step is planned again; the nonce unused, the same
// transaction is sent again at the same nonce. Fees are EIP-1559, capped per network, and
// a transaction not mined in time is replaced at its nonce with higher fees.
import { formatUnits, getCreateAddress, keccak256, type Provider, type Signer, type TransactionRequest } from "ethers";

import { IFinanceDiamond__factory } from "../../typechain-types/index.js";
import type { TxPolicy } from "./manifest.js";

/** What a step's transaction should do; a creation's address follows from its nonce. */
export type EffectSpec =
  { kind: "create"; codeHash: string | null } | { kind: "operation"; diamond: string; id: string; atLeast: number };

/** What a step's transaction does, checked on chain to tell whether the step happened. */
export type Effect =
  /** A contract at the address its nonce gives (with this runtime code hash, when known). */
  | { kind: "create"; address: string; codeHash: string | null }
  /** A timelocked operation of a diamond in at least this state (1 scheduled, 3 executed). */
  | { kind: "operation"; diamond: string; id: string; atLeast: number };

/** A step between its intent and its record: enough to finish it without its process. */
export interface JournalEntry {
  step: string;
  from: string;
  nonce: number;
  to: string | null;
  data: string;
  gasLimit: string;
  effect: Effect;
  /** Head block when the intent was journaled: a search for its transaction starts there. */
  sinceBlock: number;
  /** Every transaction broadcast at this nonce (a replacement adds one). */
  hashes: string[];
  /** Fees of the last broadcast, in wei (EIP-1559), or its gas price on a legacy network. */
  fees?: { maxFeePerGas: string; maxPriorityFeePerGas: string } | { gasPrice: string };
}

/** A step whose transaction is mined with the network's confirmation depth. */
export interface Landed {
  /** Null only when the transaction could not be found (a node without old state). */
  hash: string | null;
  blockNumber: number;
  gasUsed: bigint | null;
}

export type CrashPoint = "intent" | "broadcast" | "mined" | "recorded" | "confirmed";

/** A policy with its defaults applied, in wei and milliseconds. */
export interface SendPolicy {
  maxFeePerGas: bigint | null;
  priorityFee: bigint | null;
  replaceAfterMs: number;
  confirmations: number;
  pollMs: number;
}

const GWEI = 1_000_000_000;
/** Replacement fees: +12.5 %, above the 10 % that nodes require to accept a replacement. */
const BUMP_NUMERATOR = 1125n;
const BUMP_DENOMINATOR = 1000n;
/** Gas limit headroom over the estimate, so a replacement never runs out where the first would not. */
const GAS_HEADROOM_PERCENT = 20n;

export function sendPolicy(tx: TxPolicy | undefined, pollMs: number): SendPolicy {
  const wei = (gwei: number | undefined) => (gwei === undefined ? null : BigInt(Math.round(gwei * GWEI)));
  return {
    maxFeePerGas: wei(tx?.maxFeeGwei),
    priorityFee: wei(tx?.priorityFeeGwei),
    replaceAfterMs: (tx?.replaceAfterSeconds ?? 180) * 1000,
    confirmations: tx?.confirmations ?? 1,
    pollMs,
  };
}

/** The run cannot go on now; nothing is half-done and the same command resumes. */
export class SendStopped extends Error {}

/** The step's transaction was mined and failed: its effect is not on chain. */
export class StepFailed extends Error {}

export interface SenderOptions {
  provider: Provider;
  signer: Signer;
  policy: SendPolicy;
  network: string;
  /** The journal's open entries by step key (read afresh: a run may reload its journal), and how to save them durably. */
  entries: () => Record<string, JournalEntry>;
  save: () => Promise<void>;
  log: (line: string) => void;
  /** Called at each crash point (tests kill the process there). */
  crash: (point: CrashPoint) => void;
}

const formatGwei = (wei: bigint) => `${formatUnits(wei, "gwei").replace(/\.0$/, "")} gwei`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Sender {
  constructor(private readonly o: SenderOptions) {}

  private get provider() {
    return this.o.provider;
  }

  /**
   * Journals the step's intent, broadcasts it and waits until it has landed. Throws
   * StepFailed when it reverted, SendStopped when fees are above the network's cap.
   */
  async send(key: string, step: string, tx: { to: string | null; data: string }, effect: EffectSpec): Promise<Landed> {
    if (this.o.entries()[key] !== undefined) throw new Error(`step ${key} is already in the journal`);
    const from = await this.o.signer.getAddress();
    await this.fees(null, step); // stops before journaling when the cap is below the base fee
    const nonce = await this.provider.getTransactionCount(from, "pending");
    const request: TransactionRequest = { from, to: tx.to ?? undefined, data: tx.data };
    const estimate = await this.provider.estimateGas(request);
    const entry: JournalEntry = {
      step,
      from,
      nonce,
      to: tx.to,
      data: tx.data,
      gasLimit: ((estimate * (100n + GAS_HEADROOM_PERCENT)) / 100n).toString(),
      effect: effect.kind === "create" ? { ...effect, address: getCreateAddress({ from, nonce }) } : effect,
      sinceBlock: await this.provider.getBlockNumber(),
      hashes: [],
    };
    this.o.entries()[key] = entry;
    await this.o.save();
    this.o.crash("intent");
    const landed = await this.finish(key);
    if (landed === null) {
      throw new SendStopped(
        `Nonce ${nonce} of ${from} was used by another transaction while "${step}" was being sent ` +
          "(is another process sending from this account?). Nothing is lost: run the same command again.",
      );
    }
    return landed;
  }

  /**
   * Drives a journaled intent to its outcome: landed with its effect on chain, or null
   * when its nonce went to a transaction that did not have the effect. Broadcasts it (or
   * a replacement) while the nonce is unused. The entry stays in the journal: the caller
   * records the outcome, then removes it.
   */
  async finish(key: string): Promise<Landed | null> {
    const entry = this.o.entries()[key];
    let lastBroadcast = 0;
    if (!(await this.anyKnown(entry))) lastBroadcast = await this.broadcast(entry, false);
    else lastBroadcast = Date.now();
    for (;;) {
      const outcome = await this.outcome(entry);
      if (outcome !== undefined) return outcome;
      if (Date.now() - lastBroadcast >= this.o.policy.replaceAfterMs) lastBroadcast = await this.broadcast(entry, true);
      await sleep(this.o.policy.pollMs);
    }
  }

  /** Whether a transaction of the entry is known to the node (pending or mined). */
  private async anyKnown(entry: JournalEntry): Promise<boolean> {
    for (const hash of entry.hashes) if ((await this.provider.getTransaction(hash)) !== null) return true;
    // Broadcast by a run killed before it journaled the hash: the nonce is taken in the pool.
    return (await this.provider.getTransactionCount(entry.from, "pending")) > entry.nonce;
  }

  /** Broadcasts the entry at its nonce (a replacement when `bump`); returns when it did. */
  private async broadcast(entry: JournalEntry, bump: boolean): Promise<number> {
    const fees = await this.fees(entry, entry.step, bump);
    if (fees === null) return Date.now(); // at the cap: keep waiting for the one in the pool
    const request: TransactionRequest = {
      to: entry.to ?? undefined,
      data: entry.data,
      nonce: entry.nonce,
      gasLimit: BigInt(entry.gasLimit),
      ...("gasPrice" in fees
        ? { type: 0, gasPrice: BigInt(fees.gasPrice) }
        : {
            type: 2,
            maxFeePerGas: BigInt(fees.maxFeePerGas),
            maxPriorityFeePerGas: BigInt(fees.maxPriorityFeePerGas),
          }),
    };
    let hash: string;
    try {
      hash = (await this.o.signer.sendTransaction(request)).hash;
    } catch (e) {
      if (!nonceTaken(e)) throw e;
      // Mined or pooled already (a retried request, or a run killed before it journaled):
      // the nonce check settles it; a replacement waits for the next round.
      this.o.log(`note: ${entry.step}: the node already has a transaction at nonce ${entry.nonce} (${message(e)})`);
      return Date.now();
    }
    this.o.crash("broadcast");
    entry.hashes.push(hash);
    entry.fees = fees;
    await this.o.save();
    if (bump) {
      const price = "gasPrice" in fees ? fees.gasPrice : fees.maxFeePerGas;
      this.o.log(
        `${entry.step}: not mined after ${this.o.policy.replaceAfterMs / 1000} s; replaced at nonce ${entry.nonce} ` +
          `with max fee ${formatGwei(BigInt(price))} (tx ${hash})`,
      );
    }
    return Date.now();
  }

  /**
   * Fees for a first broadcast (`bump` false) or a replacement: the node's suggestion
   * (2 × base fee + tip), the tip from the policy, never above the cap; a replacement
   * offers at least 12.5 % more than the last broadcast. Null when a replacement cannot
   * offer more because of the cap. A first broadcast whose base fee is above the cap stops.
   */
  async fees(
    entry: JournalEntry | null,
    step: string,
    bump = false,
  ): Promise<NonNullable<JournalEntry["fees"]> | null> {
    const { maxFeePerGas: cap, priorityFee } = this.o.policy;
    const data = await this.provider.getFeeData();
    const bumped = (v: bigint, previous: string | undefined) => {
      if (!bump || previous === undefined) return v;
      const min = (BigInt(previous) * BUMP_NUMERATOR) / BUMP_DENOMINATOR + 1n;
      return v > min ? v : min;
    };
    const prev = entry?.fees;
    if (data.maxFeePerGas === null) {
      const suggested = data.gasPrice ?? 0n;
      let price = bumped(suggested, prev !== undefined && "gasPrice" in prev ? prev.gasPrice : undefined);
      if (cap !== null && price > cap) {
        if (bump && prev !== undefined) return capReached(this.o, step);
        if (suggested > cap) throw this.aboveCap(step, suggested, cap);
        price = cap;
      }
      return { gasPrice: price.toString() };
    }
    const base = (await this.provider.getBlock("latest"))?.baseFeePerGas ?? 0n;
    if (cap !== null && base > cap && !bump) throw this.aboveCap(step, base, cap);
    const prevTip = prev !== undefined && "maxPriorityFeePerGas" in prev ? prev.maxPriorityFeePerGas : undefined;
    const prevMax = prev !== undefined && "maxFeePerGas" in prev ? prev.maxFeePerGas : undefined;
    let tip = bumped(priorityFee ?? data.maxPriorityFeePerGas ?? 0n, prevTip);
    let max = bumped(2n * base + tip, prevMax);
    if (cap !== null && max > cap) {
      if (bump && prevMax !== undefined && BigInt(prevMax) >= cap) return capReached(this.o, step);
      max = cap;
    }
    if (tip > max) tip = max;
    return { maxFeePerGas: max.toString(), maxPriorityFeePerGas: tip.toString() };
  }

  private aboveCap(step: string, fee: bigint, cap: bigint): SendStopped {
    return new SendStopped(
      `The network's fee (${formatGwei(fee)}) is above the cap of ${formatGwei(cap)} that the manifest sets for ` +
        `network "${this.o.network}" (tx.maxFeeGwei): nothing was sent for "${step}". Run the same command ` +
        "again when fees are lower, or raise the cap.",
    );
  }

  /**
   * Undefined while the entry's nonce is unused; otherwise the outcome, once the
   * transaction that used it has the network's confirmation depth.
   */
  private async outcome(entry: JournalEntry): Promise<Landed | null | undefined> {
    if ((await this.provider.getTransactionCount(entry.from, "latest")) <= entry.nonce) return undefined;
    let receipt = null;
    for (const hash of entry.hashes) {
      receipt = await this.provider.getTransactionReceipt(hash);
      if (receipt !== null) break;
    }
    const found = receipt ?? (await this.findByNonce(entry));
    if (found !== null) {
      const depth = this.o.policy.confirmations;
      while ((await this.provider.getBlockNumber()) < found.blockNumber + depth - 1) await sleep(this.o.policy.pollMs);
      // Reorganized away while waiting: back to the pool (or gone), settled by the next round.
      if (depth > 1 && (await this.provider.getTransactionReceipt(found.hash)) === null) return undefined;
    }
    this.o.crash("mined");
    if (await this.hasEffect(entry.effect)) {
      return found === null
        ? { hash: null, blockNumber: await this.provider.getBlockNumber(), gasUsed: null }
        : { hash: found.hash, blockNumber: found.blockNumber, gasUsed: found.gasUsed };
    }
    if (found !== null && found.status === 0 && entry.hashes.includes(found.hash)) {
      throw new StepFailed(`${entry.step} failed: tx ${found.hash} reverted in block ${found.blockNumber}`);
    }
    return null;
  }

  private async hasEffect(effect: Effect): Promise<boolean> {
    if (effect.kind === "create") {
      const code = await this.provider.getCode(effect.address);
      return code !== "0x" && (effect.codeHash === null || keccak256(code) === effect.codeHash);
    }
    const diamond = IFinanceDiamond__factory.connect(effect.diamond, this.provider);
    return Number(await diamond.getOperationState(effect.id)) >= effect.atLeast;
  }

  /**
   * The receipt of the transaction that used the entry's nonce, found without its hash:
   * the first block after which the account's nonce passed it (binary search), then that
   * block's transaction from the account. Null when the node keeps no state that old.
   */
  private async findByNonce(entry: JournalEntry) {
    const nonceAt = (block: number) => this.provider.getTransactionCount(entry.from, block);
    let lo = entry.sinceBlock;
    let hi = await this.provider.getBlockNumber();
    try {
      if ((await nonceAt(lo)) > entry.nonce) return null;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if ((await nonceAt(mid)) > entry.nonce) hi = mid;
        else lo = mid;
      }
    } catch (e) {
      this.o.log(`note: ${entry.step}: the node cannot tell the account's nonce at old blocks (${message(e)})`);
      return null;
    }
    const block = await this.provider.getBlock(hi, true);
    const tx = block?.prefetchedTransactions.find(
      (t) => t.from.toLowerCase() === entry.from.toLowerCase() && t.nonce === entry.nonce,
    );
    return tx === undefined ? null : this.provider.getTransactionReceipt(tx.hash);
  }
}

function capReached(o: SenderOptions, step: string): null {
  o.log(`${step}: at the fee cap of network "${o.network}"; waiting for the transaction in the pool`);
  return null;
}

const message = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0] : String(e));

/** The node refused the transaction because its nonce is taken (mined, or pooled at a fee as high). */
function nonceTaken(e: unknown): boolean {
  return /nonce too low|already known|known transaction|replacement transaction underpriced|nonce has already been used|underpriced/i.test(
    message(e),
  );
}
