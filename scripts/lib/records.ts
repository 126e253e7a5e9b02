// Deployment records: what integrators read (deployments/<network>/<name>.json), the
// contracts shared by every diamond of a network (facets.json), and the journal of
// transactions sent but not yet confirmed. Every write is atomic (temp file + rename).
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

import type { SemVerTuple } from "./core.js";
import type { DeployedContract } from "./plan.js";
import type { JournalEntry } from "./sender.js";
import type { LayoutSnapshot } from "./storage.js";

export const DEPLOYMENT_SCHEMA = "finsuite.deployment/1";
export const CONTRACTS_SCHEMA = "finsuite.contracts/1";
export const JOURNAL_SCHEMA = "finsuite.journal/2";

export interface RecordedFacet {
  /** Contract name, or "unknown" for an address no record names. */
  name: string;
  address: string;
  selectors: string[];
}

export interface RecordedModule {
  id: string;
  version: string;
  facets: RecordedFacet[];
  /**
   * The module's functions, events and errors at this version (ethers' minimal
   * human-readable form), for the ABI diff of its next upgrade. Absent for `core`,
   * `unmanaged`, and records written before it existed.
   */
  abi?: string[];
}

export interface RecordedTransaction {
  step: string;
  hash: string;
  gasUsed: string;
}

export interface HistoryEntry {
  at: string;
  actions: string[];
  transactions: RecordedTransaction[];
}

export interface PendingOperation {
  id: string;
  salt: string;
  calls: string[];
  readyAt: number;
  actions: string[];
  /** Empty when a Safe scheduled it. */
  scheduleTx: string;
  /** When the upgrader is a Safe: the transaction proposed to it, waiting for its owners. */
  proposal?: SafeProposalRecord;
}

export interface SafeProposalRecord {
  safe: string;
  call: "schedule" | "execute";
  /** The Safe nonce the SafeTx hash holds for. */
  nonce: number;
  safeTxHash: string;
  /** Transaction Builder file next to the record. */
  file: string;
}

export interface DeploymentRecord {
  schema: typeof DEPLOYMENT_SCHEMA;
  name: string;
  network: string;
  chainId: number;
  /** The diamond: the one address integrators use. */
  address: string;
  owner: string;
  timelock: { delay: number };
  /** Block in which the diamond was deployed. */
  blockNumber: number;
  /** The set it was deployed from, and the modules it should have (the set, as changed by add/remove). */
  set: string;
  modules: string[];
  /** Modules installed on chain at the last apply, with facet names and selectors. */
  installed: RecordedModule[];
  /** File (next to this record) holding the combined ABI of every installed facet. */
  abi: string;
  /** ERC-7201 layouts at the last apply, for the append-only check of the next upgrade. */
  storageLayouts: LayoutSnapshot;
  /** A timelocked operation scheduled but not yet executed. */
  pendingOperation: PendingOperation | null;
  history: HistoryEntry[];
}

export interface ContractsRecord {
  schema: typeof CONTRACTS_SCHEMA;
  chainId: number;
  contracts: Record<string, DeployedContract & { txHash: string; blockNumber: number }>;
}

export interface Journal {
  schema: typeof JOURNAL_SCHEMA;
  chainId: number;
  /**
   * Steps whose outcome is not yet in a record, by step key: each intent is written here
   * before its transaction is broadcast (scripts/lib/sender.ts).
   */
  sent: Record<string, JournalEntry>;
  /** Transactions confirmed by runs that did not finish, for the history entry of the run that does. */
  confirmed: RecordedTransaction[];
}

export class RecordError extends Error {}

export const versionString = (v: SemVerTuple) => v.join(".");

/** Writes `data` as JSON so that readers see the old file or the new one, never a torn one. */
async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(JSON.stringify(data, null, 2) + "\n");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

async function readJson(file: string): Promise<unknown | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RecordError(`${file} is not valid JSON (${(e as Error).message}). Restore it from git or delete it.`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function check(file: string, ok: boolean, what: string): asserts ok {
  if (!ok) throw new RecordError(`${file}: ${what}. Fix the file or delete it to start over.`);
}

function validateDeployment(file: string, v: unknown): DeploymentRecord {
  check(file, isObject(v), "not a JSON object");
  const r = v as Record<string, unknown>;
  check(file, r.schema === DEPLOYMENT_SCHEMA, `schema must be "${DEPLOYMENT_SCHEMA}"`);
  check(file, typeof r.name === "string", '"name" must be a string');
  check(file, Number.isInteger(r.chainId), '"chainId" must be an integer');
  check(file, typeof r.address === "string" && HEX_ADDRESS.test(r.address), '"address" must be an address');
  check(file, Array.isArray(r.modules) && r.modules.every((m) => typeof m === "string"), '"modules" must list ids');
  check(file, Array.isArray(r.installed), '"installed" must be an array');
  check(file, Array.isArray(r.history), '"history" must be an array');
  check(file, isObject(r.storageLayouts), '"storageLayouts" must be an object');
  check(
    file,
    r.pendingOperation === null || isObject(r.pendingOperation),
    '"pendingOperation" must be null or an object',
  );
  return v as unknown as DeploymentRecord;
}

/** The records of one network, under `<root>/<network>/`. */
export class RecordStore {
  readonly dir: string;

  constructor(
    root: string,
    readonly network: string,
  ) {
    this.dir = path.join(root, network);
  }

  deploymentFile(name: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new RecordError(`Deployment name "${name}" must be letters, digits, '.', '_' or '-'.`);
    }
    return path.join(this.dir, `${name}.json`);
  }

  async readDeployment(name: string): Promise<DeploymentRecord | null> {
    const file = this.deploymentFile(name);
    const raw = await readJson(file);
    return raw === null ? null : validateDeployment(file, raw);
  }

  async writeDeployment(record: DeploymentRecord): Promise<void> {
    await writeJsonAtomic(this.deploymentFile(record.name), record);
  }

  async writeAbi(name: string, abi: unknown[]): Promise<string> {
    const file = `${name}.abi.json`;
    await writeJsonAtomic(path.join(this.dir, file), abi);
    return file;
  }

  /** The combined ABI file a record names, or null when it is missing. */
  async readAbi(record: DeploymentRecord): Promise<unknown[] | null> {
    const file = path.join(this.dir, record.abi);
    const raw = await readJson(file);
    if (raw === null) return null;
    check(file, Array.isArray(raw), "not a JSON array (an ABI)");
    return raw;
  }

  /** Writes a Safe Transaction Builder batch next to the record; returns its file name. */
  async writeSafeProposal(name: string, call: string, operationId: string, batch: unknown): Promise<string> {
    const file = `${name}.safe-${call}-${operationId.slice(2, 10)}.json`;
    await writeJsonAtomic(path.join(this.dir, file), batch);
    return file;
  }

  async readContracts(chainId: number): Promise<ContractsRecord> {
    const file = path.join(this.dir, "contracts.json");
    const raw = await readJson(file);
    if (raw === null) return { schema: CONTRACTS_SCHEMA, chainId, contracts: {} };
    check(file, isObject(raw) && raw.schema === CONTRACTS_SCHEMA, `schema must be "${CONTRACTS_SCHEMA}"`);
    const rec = raw as unknown as ContractsRecord;
    check(file, isObject(rec.contracts), '"contracts" must be an object');
    if (rec.chainId !== chainId) {
      throw new RecordError(
        `${file} belongs to chain ${rec.chainId}, but the network "${this.network}" is chain ${chainId}. ` +
          "Use the right --network, or move the records away if the chain was replaced.",
      );
    }
    return rec;
  }

  async writeContracts(rec: ContractsRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, "contracts.json"), rec);
  }

  private journalFile(name: string) {
    return path.join(this.dir, ".journal", `${name}.json`);
  }

  async readJournal(name: string, chainId: number): Promise<Journal> {
    const file = this.journalFile(name);
    const raw = await readJson(file);
    if (raw === null) return { schema: JOURNAL_SCHEMA, chainId, sent: {}, confirmed: [] };
    check(file, isObject(raw) && typeof raw.schema === "string" && isObject(raw.sent), "not a journal");
    if (raw.schema !== JOURNAL_SCHEMA) {
      throw new RecordError(
        `${file} is a journal of schema "${raw.schema}", written by an earlier version of this tooling that ` +
          `journaled transactions only after sending them. Finish that run with the version that wrote it, ` +
          "or check each transaction it lists on chain and delete the file.",
      );
    }
    const journal = raw as unknown as Journal;
    return { ...journal, confirmed: Array.isArray(journal.confirmed) ? journal.confirmed : [] };
  }

  async writeJournal(name: string, journal: Journal): Promise<void> {
    if (Object.keys(journal.sent).length === 0 && journal.confirmed.length === 0) {
      await rm(this.journalFile(name), { force: true });
      return;
    }
    await writeJsonAtomic(this.journalFile(name), journal);
  }
}
