// The keeper runner's source for the asset module: the diamond keeps no list of an
// offering's subscribers, so the source reads them from its `OfferingSubscribed` events.
// Each round it asks `assetCheckUpkeep` about every offering that has ended (or was
// cancelled) and still has work, with its subscribing wallets (one per identity) in chunks
// of at most 50. Settlement costs the keeper only gas: deliveries and refunds are paid from
// what the diamond holds.
import { AbiCoder } from "ethers";

import type { IFinanceSuite } from "../../typechain-types/index.js";
import type { SourceContext, UpkeepSource } from "./keeper.js";

const coder = AbiCoder.defaultAbiCoder();

/** Candidates per check data: a settlement call lists at most 50 wallets (`AssetStorage.MAX_SETTLE_BATCH`). */
export const CANDIDATES_PER_CHECK = 50;

/** `IAssetOffering.OfferingState.Open`. */
const OPEN = 1n;

/** The check data `assetCheckUpkeep` takes: an offering and the wallets to ask about. */
export function assetCheckData(offeringId: bigint | number, candidates: readonly string[]): string {
  return coder.encode(["uint256", "address[]"], [offeringId, candidates]);
}

/** The offering id and wallets of `assetPerformUpkeep`'s data (the same encoding as the check data). */
export function decodeAssetPerformData(modulePerformData: string): { offeringId: bigint; wallets: string[] } {
  const [offeringId, wallets] = coder.decode(["uint256", "address[]"], modulePerformData) as unknown as [
    bigint,
    string[],
  ];
  return { offeringId, wallets: [...wallets] };
}

/** What an offering's getOffering says about its settlement. */
interface OfferingProgress {
  state: bigint;
  subscriberCount: bigint;
  settledCount: bigint;
  params: { end: bigint };
}

/** Ended (or cancelled) at `now`: settlement may run. */
export function offeringEnded(o: OfferingProgress, now: bigint): boolean {
  return o.state !== OPEN || o.params.end <= now;
}

/**
 * Whether an ended offering has keeper work: its outcome to decide or subscriptions to
 * settle. Proceeds the treasury refused are not (`payOfferingProceeds` pays them).
 */
export function offeringHasWork(o: OfferingProgress): boolean {
  return o.state === OPEN || o.settledCount < o.subscriberCount;
}

/** Splits `wallets` into check data of at most `CANDIDATES_PER_CHECK`; one with none when the list is empty. */
export function assetCheckDataChunks(offeringId: bigint, wallets: readonly string[]): string[] {
  if (wallets.length === 0) return [assetCheckData(offeringId, [])];
  const out: string[] = [];
  for (let i = 0; i < wallets.length; i += CANDIDATES_PER_CHECK) {
    out.push(assetCheckData(offeringId, wallets.slice(i, i + CANDIDATES_PER_CHECK)));
  }
  return out;
}

/** An offering's subscribing wallets read from its events so far, the first of each identity. */
class SubscriberLog {
  /** identityId → the identity's first subscribing wallet (the subscription's wallet). */
  readonly byIdentity = new Map<string, string>();
  scannedTo: number;

  constructor(fromBlock: number) {
    this.scannedTo = fromBlock - 1;
  }

  /** Reads the `OfferingSubscribed` events of `offeringId` in the blocks not read yet, up to `toBlock`. */
  async update(diamond: IFinanceSuite, offeringId: bigint, toBlock: number | "latest"): Promise<void> {
    if (typeof toBlock === "number" && this.scannedTo >= toBlock) return;
    const events = await diamond.queryFilter(
      diamond.filters.OfferingSubscribed(offeringId),
      this.scannedTo + 1,
      toBlock,
    );
    for (const e of events) {
      if (!this.byIdentity.has(e.args.identityId)) this.byIdentity.set(e.args.identityId, e.args.wallet);
    }
    if (typeof toBlock === "number") this.scannedTo = toBlock;
  }
}

/**
 * The wallets that subscribed to `offeringId` from `fromBlock` on, the first of each
 * identity, in subscription order: what `settleOffering` takes (in lists of at most 50).
 */
export async function offeringSubscribers(
  diamond: IFinanceSuite,
  offeringId: bigint,
  fromBlock = 0,
  toBlock: number | "latest" = "latest",
): Promise<string[]> {
  const log = new SubscriberLog(fromBlock);
  await log.update(diamond, offeringId, toBlock);
  return [...log.byIdentity.values()];
}

export function assetUpkeepSource(): UpkeepSource {
  /** The first block this source was given (the diamond's deployment block): where logs start. */
  let origin: number | undefined;
  const logs = new Map<bigint, SubscriberLog>();
  /** Offerings ended with every subscription settled and nothing due: no work can come back. */
  const done = new Set<bigint>();
  return {
    async checkData(ctx: SourceContext): Promise<string[]> {
      origin ??= ctx.fromBlock;
      const head = await ctx.provider.getBlock(ctx.toBlock);
      if (head === null) return [];
      const now = BigInt(head.timestamp);
      const count = await ctx.diamond.offeringCount();
      const out: string[] = [];
      for (let offeringId = 1n; offeringId <= count; offeringId++) {
        if (done.has(offeringId)) continue;
        const o = await ctx.diamond.getOffering(offeringId);
        if (!offeringEnded(o, now)) continue;
        if (!offeringHasWork(o)) {
          // Nobody can subscribe after the end, so an ended offering's work never comes back.
          done.add(offeringId);
          logs.delete(offeringId);
          continue;
        }
        let log = logs.get(offeringId);
        if (log === undefined) logs.set(offeringId, (log = new SubscriberLog(origin)));
        await log.update(ctx.diamond, offeringId, ctx.toBlock);
        // Every subscription settled: only the outcome or the proceeds are left, no wallet is needed.
        const wallets = o.settledCount < o.subscriberCount ? [...log.byIdentity.values()] : [];
        out.push(...assetCheckDataChunks(offeringId, wallets));
      }
      return out;
    },
    items(modulePerformData: string): number | undefined {
      return decodeAssetPerformData(modulePerformData).wallets.length;
    },
  };
}
