// When a network's upgrader is a Safe multisig, the tooling cannot send from it. It reads the
// Safe, builds the Safe transaction its owners sign (the SafeTx with the Safe's nonce), its
// EIP-712 hash (what signing devices show) and a Safe{Wallet} Transaction Builder file, and
// leaves signing and execution to the owners. Only ethers: the Safe contracts package is a
// devDependency, used by the tests to deploy a real Safe.
import { Contract, getAddress, isError, keccak256, toUtf8Bytes, TypedDataEncoder, ZeroAddress } from "ethers";
import type { Provider, TypedDataDomain, TypedDataField } from "ethers";

/**
 * Safe versions whose SafeTx hash this file computes: both sign
 * `SafeTx(…, uint256 nonce)` under the domain `{ chainId, verifyingContract }` (1.3.0 added
 * `chainId`; older Safes hash differently, so a hash printed for them would mislead signers).
 */
export const SUPPORTED_SAFE_VERSIONS: readonly string[] = ["1.3.0", "1.4.1"];

/** `Enum.Operation` of the Safe contracts. The tooling only proposes calls. */
export const SafeOperation = { Call: 0, DelegateCall: 1 } as const;
export type SafeOperationValue = (typeof SafeOperation)[keyof typeof SafeOperation];

const SAFE_ABI = [
  "function VERSION() view returns (string)",
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
  "function nonce() view returns (uint256)",
];

/** What the tooling needs to know about a Safe, read at one moment. */
export interface SafeState {
  address: string;
  chainId: bigint;
  version: string;
  owners: string[];
  threshold: bigint;
  /** The nonce the next executed Safe transaction must carry. */
  nonce: bigint;
}

/**
 * Whether a call failed because the contract reverted (or answered with undecodable data),
 * as opposed to the node failing. ethers' JSON-RPC providers report a revert as
 * CALL_EXCEPTION; Hardhat's in-process network throws the node's error as is, with the
 * JSON-RPC code 3 ("execution reverted") that nodes use for reverted calls.
 */
function isRevert(e: unknown): boolean {
  if (isError(e, "CALL_EXCEPTION") || isError(e, "BAD_DATA")) return true;
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === 3;
}

/**
 * Reads the Safe at `address`, or returns null if there is no code there or the code does not
 * answer as a Safe (a call reverts or returns something else). Node failures propagate: a
 * node that cannot be reached must not make a Safe look like an ordinary contract.
 */
export async function readSafe(provider: Provider, address: string): Promise<SafeState | null> {
  const checksummed = getAddress(address);
  if ((await provider.getCode(checksummed)) === "0x") return null;
  const safe = new Contract(checksummed, SAFE_ABI, provider);
  let version: string, threshold: bigint, nonce: bigint;
  try {
    [version, threshold, nonce] = await Promise.all([safe.VERSION(), safe.getThreshold(), safe.nonce()]);
  } catch (e) {
    if (isRevert(e)) return null;
    throw e;
  }
  let owners: string[];
  try {
    owners = [...((await safe.getOwners()) as string[])];
  } catch (e) {
    if (!isRevert(e)) throw e;
    // A singleton (mastercopy) answers everything but getOwners, which reverts on its empty
    // owner list; a proxy nobody set up behaves the same. Pasting its address is a known slip.
    throw new Error(
      `${checksummed} answers as Safe ${version} but has no owners: it is a Safe singleton or a Safe that was ` +
        "never set up. Use the address of the Safe (proxy) itself.",
    );
  }
  const { chainId } = await provider.getNetwork();
  return { address: checksummed, chainId, version, owners, threshold, nonce };
}

/** The fields of a Safe transaction, as `execTransaction` takes them (plus the nonce it checks). */
export interface SafeTransaction {
  to: string;
  value: bigint;
  data: string;
  operation: SafeOperationValue;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: string;
  refundReceiver: string;
  nonce: bigint;
}

/** A Safe transaction and the Safe and chain it is for: everything its hash covers. */
export interface SafeTxHashInput extends SafeTransaction {
  chainId: bigint | number;
  safe: string;
}

/** The EIP-712 type the Safe signs (`SAFE_TX_TYPEHASH` of Safe 1.3.0 and 1.4.1). */
export const SAFE_TX_TYPES: Record<string, TypedDataField[]> = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

/** What an owner signs with `signTypedData(domain, types, message)`. */
export interface SafeTypedData {
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  message: SafeTransaction;
}

/** The EIP-712 domain, types and message of a Safe transaction (Safe >= 1.3.0). */
export function safeTxTypedData(input: SafeTxHashInput): SafeTypedData {
  const { chainId, safe, ...tx } = input;
  return { domain: { chainId, verifyingContract: getAddress(safe) }, types: SAFE_TX_TYPES, message: tx };
}

/** The SafeTx hash: what owners sign and what the Safe's `getTransactionHash` returns. */
export function safeTxHash(input: SafeTxHashInput): string {
  const { domain, types, message } = safeTxTypedData(input);
  return TypedDataEncoder.hash(domain, types, message);
}

// --- Safe{Wallet} Transaction Builder batch file -------------------------------------------
// The format, as the Transaction Builder app writes and reads it (safe-global/safe-react-apps,
// apps/tx-builder: src/typings/models.ts `BatchFile`, src/store/transactionLibraryContext.tsx
// `generateBatchFile`, src/lib/storage.ts; the app now lives in
// safe-global/safe-wallet-monorepo, apps/tx-builder, unchanged in these respects):
// `version` "1.0", `chainId` a decimal string, `createdAt` in ms, `meta` { name, description,
// txBuilderVersion, createdFromSafeAddress, createdFromOwnerAddress, checksum }, and per
// transaction { to, value (a decimal string: the importer rejects numbers), data,
// contractMethod, contractInputsValues }. The app writes undefined as null, so a
// raw-calldata transaction carries `contractMethod: null, contractInputsValues: null`; on
// import, a transaction with `data` is used as raw calldata.
//
// Safe{Wallet} turns a batch of one transaction into that call itself (safe-wallet-web,
// ReviewSafeAppsTx: `txs.length > 1 ? createMultiSendCallOnlyTx(txs) : createTx(txs[0])`;
// early releases always wrapped it in MultiSendCallOnly), with safeTxGas 0 on Safe >= 1.3.0
// and the next free nonce of its queue: so the SafeTx hash printed here is the one signers
// see as long as no other transaction is queued before it.
//
// The checksum (src/lib/checksum.ts): keccak256 of the UTF-8 bytes of a canonical
// serialization of the batch with `meta.checksum` left out and `meta.name` set to null (so a
// renamed batch keeps its checksum). The serialization: an array is `[` + its serialized
// elements joined by `,` + `]`; an object is `{` + JSON.stringify(its keys sorted) + each
// value serialized and followed by `,` + `}`; anything else is JSON.stringify of it. On
// import the app only warns when the checksum does not match. Checked against the app's
// own test vector in test/safe.test.ts.

/** Recorded as the writing Transaction Builder's version; the app does not check it. */
export const TX_BUILDER_VERSION = "1.18.2";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A batch file as read from disk: any JSON, with a `meta` object. */
export type TransactionBuilderFileJson = { meta: { [key: string]: JsonValue }; [key: string]: JsonValue };

export type TransactionBuilderTransaction = {
  to: string;
  value: string;
  data: string;
  contractMethod: null;
  contractInputsValues: null;
};

export type TransactionBuilderMeta = {
  name: string;
  description: string;
  txBuilderVersion: string;
  createdFromSafeAddress: string;
  createdFromOwnerAddress: string;
  checksum: string;
};

export type TransactionBuilderBatch = {
  version: "1.0";
  chainId: string;
  createdAt: number;
  meta: TransactionBuilderMeta;
  transactions: TransactionBuilderTransaction[];
};

function serializeForChecksum(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(serializeForChecksum).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${JSON.stringify(keys)}${keys.map((k) => `${serializeForChecksum(value[k])},`).join("")}}`;
  }
  return JSON.stringify(value);
}

/** The Transaction Builder's checksum of a batch file (whatever its `meta.checksum` says). */
export function transactionBuilderChecksum(batch: TransactionBuilderFileJson): string {
  const meta: { [key: string]: JsonValue } = { ...batch.meta, name: null };
  delete meta.checksum;
  return keccak256(toUtf8Bytes(serializeForChecksum({ ...batch, meta })));
}

export interface TransactionBuilderInput {
  chainId: bigint | number;
  safe: string;
  transactions: { to: string; data: string; value?: bigint }[];
  name: string;
  description?: string;
  /** Milliseconds since the epoch; now by default. */
  createdAt?: number;
  createdFromOwnerAddress?: string;
}

/** A Transaction Builder batch file (with its checksum) carrying raw-calldata transactions. */
export function transactionBuilderJson(input: TransactionBuilderInput): TransactionBuilderBatch {
  const batch: TransactionBuilderBatch = {
    version: "1.0",
    chainId: input.chainId.toString(),
    createdAt: input.createdAt ?? Date.now(),
    meta: {
      name: input.name,
      description: input.description ?? "",
      txBuilderVersion: TX_BUILDER_VERSION,
      createdFromSafeAddress: getAddress(input.safe),
      createdFromOwnerAddress: input.createdFromOwnerAddress ?? "",
      checksum: "",
    },
    transactions: input.transactions.map((t) => ({
      to: getAddress(t.to),
      value: (t.value ?? 0n).toString(),
      data: t.data,
      contractMethod: null,
      contractInputsValues: null,
    })),
  };
  batch.meta.checksum = transactionBuilderChecksum(batch);
  return batch;
}

// --- Proposals -------------------------------------------------------------------------------

/** Everything the tooling prints and writes for the owners of a Safe to sign one call. */
export interface SafeProposal {
  safe: SafeState;
  /** The SafeTx at the proposal's nonce: a plain call, no refund, no gas limit of its own. */
  tx: SafeTransaction;
  typedData: SafeTypedData;
  safeTxHash: string;
  /** The two EIP-712 parts that hardware wallets display instead of the SafeTx hash. */
  domainHash: string;
  messageHash: string;
  transactionBuilder: TransactionBuilderBatch;
}

export interface ProposalOptions {
  /** The batch's name in the Transaction Builder. */
  name: string;
  description?: string;
  createdAt?: number;
  /**
   * The nonce to propose at; the Safe's current nonce by default. A later one queues the
   * transaction behind others the owners have yet to execute.
   */
  nonce?: bigint;
}

/** Refuses Safes whose SafeTx hash this file cannot compute. */
export function checkSafeVersion(safe: SafeState): void {
  if (!SUPPORTED_SAFE_VERSIONS.includes(safe.version)) {
    throw new Error(
      `Safe ${safe.address} is version ${safe.version}; proposals support Safe ${SUPPORTED_SAFE_VERSIONS.join(" and ")} ` +
        "(older Safes hash transactions differently). Upgrade the Safe, or make another account the upgrader.",
    );
  }
}

/** The Safe transaction calling `call.to` with `call.data` from `safe`, ready to be signed. */
export function proposeSafeTransaction(
  safe: SafeState,
  call: { to: string; data: string; value?: bigint },
  options: ProposalOptions,
): SafeProposal {
  checkSafeVersion(safe);
  const nonce = options.nonce ?? safe.nonce;
  if (nonce < safe.nonce) {
    throw new Error(
      `Nonce ${nonce} of Safe ${safe.address} is already used (its next nonce is ${safe.nonce}): ` +
        "a transaction signed at it could never execute.",
    );
  }
  const tx: SafeTransaction = {
    to: getAddress(call.to),
    value: call.value ?? 0n,
    data: call.data,
    operation: SafeOperation.Call,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: ZeroAddress,
    refundReceiver: ZeroAddress,
    nonce,
  };
  const typedData = safeTxTypedData({ chainId: safe.chainId, safe: safe.address, ...tx });
  return {
    safe,
    tx,
    typedData,
    safeTxHash: TypedDataEncoder.hash(typedData.domain, typedData.types, typedData.message),
    domainHash: TypedDataEncoder.hashDomain(typedData.domain),
    messageHash: TypedDataEncoder.from(typedData.types).hash(typedData.message),
    transactionBuilder: transactionBuilderJson({
      chainId: safe.chainId,
      safe: safe.address,
      transactions: [{ to: tx.to, data: tx.data, value: tx.value }],
      name: options.name,
      description: options.description,
      createdAt: options.createdAt,
    }),
  };
}

/** The lines the tooling prints for a proposal: what to sign, and what signers must check. */
export function describeSafeProposal(proposal: SafeProposal): string[] {
  const { safe, tx } = proposal;
  return [
    `Safe ${safe.address} (Safe ${safe.version}, chain ${safe.chainId}) must execute this transaction, ` +
      `signed by ${safe.threshold} of its ${safe.owners.length} owners:`,
    `  to:          ${tx.to}`,
    `  value:       ${tx.value}`,
    `  data:        ${tx.data}`,
    `  operation:   ${tx.operation} (call)`,
    `  nonce:       ${tx.nonce}`,
    `  safeTxGas ${tx.safeTxGas}, baseGas ${tx.baseGas}, gasPrice ${tx.gasPrice}, ` +
      `gasToken ${tx.gasToken}, refundReceiver ${tx.refundReceiver}`,
    `  SafeTx hash: ${proposal.safeTxHash}`,
    `  domain hash ${proposal.domainHash}, message hash ${proposal.messageHash} (what hardware wallets show)`,
    `Signers: check that your device shows this SafeTx hash (or these two hashes) before signing. It holds at ` +
      `nonce ${tx.nonce} only: if Safe{Wallet} queues the transaction at another nonce, propose it again at that nonce.`,
  ];
}
