// Reads what the planner needs from Hardhat's compiled artifacts: ABIs, bytecode, the
// runtime code hash that identifies a facet version, and storage layouts.
import { readFile, stat } from "node:fs/promises";

import { Interface, keccak256, type InterfaceAbi } from "ethers";
import type { ArtifactManager } from "hardhat/types/artifacts";

import { selectorsOf } from "./core.js";
import type { LayoutSnapshot, StorageMember } from "./storage.js";

export interface ContractInfo {
  name: string;
  abi: InterfaceAbi;
  bytecode: string;
  /** keccak256 of the runtime bytecode: equal hashes mean the same facet version. */
  codeHash: string;
  selectors: string[];
  /** Function signature of each selector, for readable reports. */
  signatures: Record<string, string>;
}

export class MissingArtifactError extends Error {}

export async function loadContract(artifacts: ArtifactManager, name: string): Promise<ContractInfo> {
  if (!(await artifacts.artifactExists(name))) {
    throw new MissingArtifactError(
      `No compiled artifact for contract "${name}". Check the name in the manifest and run "npx hardhat build".`,
    );
  }
  const artifact = await artifacts.readArtifact(name);
  const iface = new Interface(artifact.abi as InterfaceAbi);
  const signatures: Record<string, string> = {};
  iface.forEachFunction((fn) => (signatures[fn.selector] = fn.format("sighash")));
  return {
    name,
    abi: artifact.abi as InterfaceAbi,
    bytecode: artifact.bytecode,
    codeHash: keccak256(artifact.deployedBytecode),
    selectors: selectorsOf(iface),
    signatures,
  };
}

export async function loadContracts(
  artifacts: ArtifactManager,
  names: Iterable<string>,
): Promise<Record<string, ContractInfo>> {
  const out: Record<string, ContractInfo> = {};
  for (const name of new Set(names)) out[name] = await loadContract(artifacts, name);
  return out;
}

/** ERC-165 id of an interface: XOR of its selectors (those it declares itself). */
export function interfaceIdOf(selectors: readonly string[]): string {
  const id = selectors.reduce((acc, s) => acc ^ Number.parseInt(s.slice(2), 16), 0) >>> 0;
  return "0x" + id.toString(16).padStart(8, "0");
}

interface SolcType {
  encoding: string;
  label: string;
  numberOfBytes: string;
  members?: SolcStorageEntry[];
  key?: string;
  value?: string;
  base?: string;
}

interface SolcStorageEntry {
  label: string;
  slot: string;
  offset: number;
  type: string;
}

interface SolcLayout {
  storage: SolcStorageEntry[];
  types: Record<string, SolcType> | null;
}

/** A type written out in full (struct members included), so two layouts compare as strings. */
function canonicalType(types: Record<string, SolcType>, id: string, depth = 0): string {
  const t = types[id];
  if (t === undefined || depth > 8) return id;
  if (t.encoding === "mapping") {
    return `mapping(${canonicalType(types, t.key!, depth + 1)} => ${canonicalType(types, t.value!, depth + 1)})`;
  }
  if (t.base !== undefined) return `${canonicalType(types, t.base, depth + 1)}[${t.encoding}:${t.numberOfBytes}]`;
  if (t.members !== undefined) {
    const inner = t.members.map((m) => `${m.label}:${canonicalType(types, m.type, depth + 1)}@${m.slot}+${m.offset}`);
    return `struct{${inner.join(",")}}`;
  }
  return `${t.label}(${t.numberOfBytes})`;
}

/**
 * Layouts of ERC-7201 namespaces, read from probe contracts (see
 * contracts/layout/CoreStorageLayouts.sol): `probes` maps namespace → probe contract.
 */
export async function loadLayouts(artifacts: ArtifactManager, probes: Record<string, string>): Promise<LayoutSnapshot> {
  const out: LayoutSnapshot = {};
  for (const [namespace, probe] of Object.entries(probes)) {
    const layout = await readSolcLayout(artifacts, probe);
    const variable = namespace.replaceAll(".", "_").replaceAll("-", "_");
    const entry = layout.storage.find((s) => s.label === variable);
    const types = layout.types ?? {};
    const struct = entry === undefined ? undefined : types[entry.type];
    if (struct?.members === undefined) {
      throw new MissingArtifactError(
        `Layout probe "${probe}" has no struct variable "${variable}" for namespace "${namespace}".`,
      );
    }
    out[namespace] = struct.members.map((m): StorageMember => ({
      label: m.label,
      slot: Number(m.slot),
      offset: m.offset,
      type: canonicalType(types, m.type),
    }));
  }
  return out;
}

async function readSolcLayout(artifacts: ArtifactManager, name: string): Promise<SolcLayout> {
  const info = await loadContract(artifacts, name); // checks the artifact exists
  const artifact = await artifacts.readArtifact(info.name);
  const buildInfoId = await artifacts.getBuildInfoId(name);
  const outputPath = buildInfoId === undefined ? undefined : await artifacts.getBuildInfoOutputPath(buildInfoId);
  if (outputPath === undefined)
    throw new MissingArtifactError(`No build output for "${name}": run "npx hardhat build".`);
  const inputSourceName = (artifact as unknown as { inputSourceName: string }).inputSourceName;
  const layout = (await layoutsOf(outputPath)).get(`${inputSourceName}:${name}`);
  if (layout === undefined) {
    throw new MissingArtifactError(`No storage layout for "${name}": is "storageLayout" in the solc outputSelection?`);
  }
  return layout;
}

/** Storage layouts of one build output, by "source:contract"; kept while the file is unchanged. */
const layoutCache = new Map<string, { stamp: string; layouts: Map<string, SolcLayout> }>();

/**
 * Every contract's storage layout in a solc build output. The file holds the whole
 * build's output (about 100 MB here): it is parsed once per version of the file, and only
 * the layouts are kept.
 */
async function layoutsOf(outputPath: string): Promise<Map<string, SolcLayout>> {
  const { mtimeMs, size } = await stat(outputPath);
  const stamp = `${mtimeMs}:${size}`;
  const cached = layoutCache.get(outputPath);
  if (cached?.stamp === stamp) return cached.layouts;
  const output = JSON.parse(await readFile(outputPath, "utf8")) as {
    output: { contracts?: Record<string, Record<string, { storageLayout?: SolcLayout }>> };
  };
  const layouts = new Map<string, SolcLayout>();
  for (const [source, contracts] of Object.entries(output.output.contracts ?? {})) {
    for (const [contract, out] of Object.entries(contracts)) {
      if (out.storageLayout !== undefined) layouts.set(`${source}:${contract}`, out.storageLayout);
    }
  }
  layoutCache.set(outputPath, { stamp, layouts });
  return layouts;
}
