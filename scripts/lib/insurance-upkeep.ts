// The keeper runner's source for the insurance module. Payout batches of triggered risks
// need no help: `insuranceCheckUpkeep` finds them in the diamond's queue whatever the check
// data. Feed triggers do: the diamond keeps no list of the risks whose feeds to watch, so
// the source reads them from the `InsuranceRiskCreated` events (risks with a feed) and drops
// those that were triggered or closed. Each batch's log line says how many policies were
// paid (and credited) and how long after the trigger.
import { ZeroAddress, type TransactionReceipt } from "ethers";

import type { IFinanceSuite } from "../../typechain-types/index.js";
import { watchRisks } from "./insurance.js";
import type { SourceContext, UpkeepSource } from "./keeper.js";

/** Risks per check data: the view reads each one's feed, so keep calls modest. */
export const RISKS_PER_CHECK = 50;

/** Splits the watched risks into check data; one empty check data when none is watched. */
export function insuranceCheckDataChunks(riskIds: readonly bigint[]): string[] {
  if (riskIds.length === 0) return ["0x"];
  const out: string[] = [];
  for (let i = 0; i < riskIds.length; i += RISKS_PER_CHECK) out.push(watchRisks(riskIds.slice(i, i + RISKS_PER_CHECK)));
  return out;
}

/** "3 min 20 s": a short duration for log lines. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function insuranceUpkeepSource(): UpkeepSource {
  /** Open risks with a feed, by id. */
  const watched = new Set<bigint>();
  /** When each risk seen triggered was triggered (block time, seconds). */
  const triggeredAt = new Map<bigint, number>();
  let diamond: IFinanceSuite | undefined;

  async function triggerTime(d: IFinanceSuite, riskId: bigint): Promise<number | undefined> {
    const known = triggeredAt.get(riskId);
    if (known !== undefined) return known;
    const [event] = await d.queryFilter(d.filters.InsuranceRiskTriggered(riskId));
    if (event === undefined) return undefined;
    const block = await event.getBlock();
    triggeredAt.set(riskId, block.timestamp);
    return block.timestamp;
  }

  return {
    async checkData(ctx: SourceContext): Promise<string[]> {
      diamond = ctx.diamond;
      if (ctx.fromBlock <= ctx.toBlock) {
        const d = ctx.diamond;
        for (const e of await d.queryFilter(d.filters.InsuranceRiskCreated(), ctx.fromBlock, ctx.toBlock)) {
          if (e.args.feed !== ZeroAddress) watched.add(e.args.riskId);
        }
        for (const e of await d.queryFilter(d.filters.InsuranceRiskTriggered(), ctx.fromBlock, ctx.toBlock)) {
          watched.delete(e.args.riskId);
        }
        for (const e of await d.queryFilter(d.filters.InsuranceRiskClosed(), ctx.fromBlock, ctx.toBlock)) {
          watched.delete(e.args.riskId);
        }
      }
      return insuranceCheckDataChunks([...watched]);
    },

    async outcome(receipt: TransactionReceipt): Promise<{ items?: number; detail?: string }> {
      if (diamond === undefined) return {};
      const d = diamond;
      let paid = 0;
      let credited = 0;
      let riskId: bigint | undefined;
      let triggered: bigint | undefined;
      let settled = false;
      for (const log of receipt.logs) {
        const parsed = d.interface.parseLog(log);
        if (parsed === null) continue;
        if (parsed.name === "InsurancePolicyPaid") {
          paid++;
          if (parsed.args.credited as boolean) credited++;
        } else if (parsed.name === "InsurancePayoutBatch") {
          riskId = parsed.args.riskId as bigint;
        } else if (parsed.name === "InsuranceRiskTriggered") {
          triggered = parsed.args.riskId as bigint;
        } else if (parsed.name === "InsuranceRiskSettled") {
          settled = true;
        }
      }
      if (triggered !== undefined && riskId === undefined) {
        return { items: 0, detail: `risk ${triggered} triggered from its feed` };
      }
      if (riskId === undefined) return { items: 0 };
      const block = await receipt.getBlock();
      const at = await triggerTime(d, riskId);
      const since = at === undefined ? "" : `, ${formatDuration(block.timestamp - at)} after the trigger`;
      const refused = credited === 0 ? "" : ` (${credited} credited)`;
      const last = settled ? ", risk settled" : "";
      return {
        items: paid,
        detail: `risk ${riskId}: ${paid} polic${paid === 1 ? "y" : "ies"} paid${refused}${since}${last}`,
      };
    },
  };
}
