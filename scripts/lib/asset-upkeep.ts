// The keeper runner's source for the asset module: offerings come from the diamond's
// `OfferingCreated` events; each round asks `assetCheckUpkeep` from every offering that has
// ended (or was cancelled) and still has subscribers to settle. Settlement costs the keeper
// only gas: deliveries and refunds are paid from what the diamond holds.
import { AbiCoder } from "ethers";

import type { SourceContext, UpkeepSource } from "./keeper.js";

const coder = AbiCoder.defaultAbiCoder();

/** `IAssetOffering.OfferingState.Open`. */
const OPEN = 1n;

/** The check data `assetCheckUpkeep` takes: the offering id its scan starts from. */
export function assetCheckData(startId: bigint | number): string {
  return coder.encode(["uint256"], [startId]);
}

/** The offering id and batch size of `assetPerformUpkeep`'s data. */
export function decodeAssetPerformData(modulePerformData: string): { offeringId: bigint; maxCount: bigint } {
  const [offeringId, maxCount] = coder.decode(["uint256", "uint256"], modulePerformData) as unknown as [bigint, bigint];
  return { offeringId, maxCount };
}

export function assetUpkeepSource(): UpkeepSource {
  /** Offerings seen created and not yet known to be settled in full. */
  const pending = new Set<bigint>();
  return {
    async checkData(ctx: SourceContext): Promise<string[]> {
      if (ctx.fromBlock <= ctx.toBlock) {
        const events = await ctx.diamond.queryFilter(ctx.diamond.filters.OfferingCreated(), ctx.fromBlock, ctx.toBlock);
        for (const e of events) pending.add(e.args.offeringId);
      }
      const head = await ctx.provider.getBlock(ctx.toBlock);
      if (head === null) return [];
      const now = BigInt(head.timestamp);
      const due: bigint[] = [];
      for (const offeringId of [...pending].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
        const o = await ctx.diamond.getOffering(offeringId);
        // Settlement runs after the end, or at once after a cancellation.
        if (o.state === OPEN && o.params.end > now) continue;
        // Ended and every subscriber passed: nothing will be left to do (no one can subscribe now).
        if (o.settledCount === o.subscriberCount) pending.delete(offeringId);
        else due.push(offeringId);
      }
      return due.map(assetCheckData);
    },
    items(modulePerformData: string): number | undefined {
      return Number(decodeAssetPerformData(modulePerformData).maxCount);
    },
  };
}
