// What every benchmark scenario file shares: the row it reports, the network it runs on,
// and how it reads gas from a receipt.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";

export interface BenchRow {
  name: string;
  gasUsed: number;
  peer: number | null;
  peerName: string | null;
  /** Enforced: the run fails above it. */
  budget: number | null;
  /** Context, e.g. a target that is not an enforced budget. */
  note?: string;
}

/** The connection every scenario runs on; scenarios run in order on the same chain. */
export interface BenchContext {
  ethers: HardhatEthers;
  signers: HardhatEthersSigner[];
}

export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction dropped");
  return Number(receipt.gasUsed);
}

export async function deployGas(
  ctx: BenchContext,
  name: string,
  args: unknown[] = [],
): Promise<{ address: string; gas: number }> {
  const c = await ctx.ethers.deployContract(name, args);
  const receipt = await c.deploymentTransaction()!.wait();
  return { address: await c.getAddress(), gas: Number(receipt!.gasUsed) };
}

export const fmtGas = (n: number): string => n.toLocaleString("en-US");
