// The keeper runner's source for the lending module: candidate borrowers come from the
// diamond's `LendingBorrowed` events; each round asks `lendingCheckUpkeep` about them, pool by
// pool, in batches. The keeper account pays the liquidations it performs: it must hold each
// pool's loan asset and have approved the diamond for it.
import { AbiCoder } from "ethers";

import type { SourceContext, UpkeepSource } from "./keeper.js";

const coder = AbiCoder.defaultAbiCoder();

/** Candidates per `lendingCheckUpkeep` call: the view prices each one, so keep calls modest. */
export const CANDIDATES_PER_CHECK = 200;

export function lendingUpkeepSource(): UpkeepSource {
  const borrowers = new Map<bigint, Set<string>>();
  return {
    async checkData(ctx: SourceContext): Promise<string[]> {
      if (ctx.fromBlock <= ctx.toBlock) {
        const events = await ctx.diamond.queryFilter(ctx.diamond.filters.LendingBorrowed(), ctx.fromBlock, ctx.toBlock);
        for (const e of events) {
          const set = borrowers.get(e.args.poolId) ?? new Set<string>();
          set.add(e.args.borrower);
          borrowers.set(e.args.poolId, set);
        }
      }
      const out: string[] = [];
      for (const [poolId, set] of borrowers) {
        const all = [...set];
        for (let i = 0; i < all.length; i += CANDIDATES_PER_CHECK) {
          out.push(coder.encode(["uint256", "address[]"], [poolId, all.slice(i, i + CANDIDATES_PER_CHECK)]));
        }
      }
      return out;
    },
    items(modulePerformData: string): number | undefined {
      const [, batch] = coder.decode(["uint256", "address[]", "address[]"], modulePerformData);
      return (batch as string[]).length;
    },
  };
}
