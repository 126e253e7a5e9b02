// What every demo chapter gets from the runner (scripts/demo.ts).
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { IFinanceDiamond } from "../../typechain-types/index.js";
import type { DeploymentRecord } from "../lib/records.js";

export interface DemoContext {
  ethers: HardhatEthers;
  /** Deployer, owner, upgrader and guardian of bank A's diamond. */
  admin: HardhatEthersSigner;
  customer: HardhatEthersSigner;
  /** Bank A's deployment record (the richest set). */
  bank: DeploymentRecord;
  diamond: IFinanceDiamond;
  /** Sends, waits and prints the label with the gas used. */
  gas(label: string, tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt>;
  fmt(n: bigint): string;
  chapter(title: string): void;
  /** Where the demo's records live, for tools that read them (the keeper runner). */
  records: { root: string; network: string };
}
