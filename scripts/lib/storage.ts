// ERC-7201 namespaced storage: the formula, and a scan of the sources for every
// namespace root they declare, so tests (and the planner) can check them.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import { keccak256, toBeHex, toBigInt, toUtf8Bytes, zeroPadValue } from "ethers";

/** keccak256(abi.encode(uint256(keccak256(namespace)) - 1)) & ~bytes32(uint256(0xff)) */
export function erc7201Slot(namespace: string): string {
  const inner = toBigInt(keccak256(toUtf8Bytes(namespace))) - 1n;
  const outer = toBigInt(keccak256(zeroPadValue(toBeHex(inner), 32))) & ~0xffn;
  return zeroPadValue(toBeHex(outer), 32);
}

export interface NamespaceRoot {
  file: string;
  line: number;
  namespace: string;
  constant: string;
  value: string;
}

export interface NamespaceAnnotation {
  file: string;
  line: number;
  namespace: string;
}

export interface StorageScan {
  roots: NamespaceRoot[];
  annotations: NamespaceAnnotation[];
}

const FORMULA = /keccak256\(abi\.encode\(uint256\(keccak256\("([^"]+)"\)\) - 1\)\) & ~bytes32\(uint256\(0xff\)\)/;
const CONSTANT = /bytes32\s+(?:internal|private|public)?\s*constant\s+(\w+)\s*=\s*(0x[0-9a-fA-F]{64})\s*;/;
const ANNOTATION = /@custom:storage-location\s+erc7201:([\w.\-]+)/;

async function solidityFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return solidityFiles(p);
      return Promise.resolve(e.name.endsWith(".sol") ? [p] : []);
    }),
  );
  return nested.flat();
}

/**
 * Finds every `// keccak256(abi.encode(uint256(keccak256("ns")) - 1)) & ...` comment
 * followed (within three lines) by a `bytes32 constant X = 0x…;`, and every
 * `@custom:storage-location erc7201:ns` annotation.
 */
export async function scanStorage(dir: string): Promise<StorageScan> {
  const roots: NamespaceRoot[] = [];
  const annotations: NamespaceAnnotation[] = [];
  for (const file of await solidityFiles(dir)) {
    const lines = (await readFile(file, "utf8")).split("\n");
    lines.forEach((text, i) => {
      const annotation = ANNOTATION.exec(text);
      if (annotation) annotations.push({ file, line: i + 1, namespace: annotation[1] });
      const formula = FORMULA.exec(text);
      if (!formula) return;
      for (let j = i + 1; j <= i + 3 && j < lines.length; j++) {
        const constant = CONSTANT.exec(lines[j]);
        if (constant) {
          roots.push({
            file,
            line: j + 1,
            namespace: formula[1],
            constant: constant[1],
            value: constant[2].toLowerCase(),
          });
          return;
        }
      }
      throw new Error(
        `${file}:${i + 1}: ERC-7201 formula comment for "${formula[1]}" has no bytes32 constant below it`,
      );
    });
  }
  return { roots, annotations };
}

/** One member of a namespace's struct, with its type written out in full. */
export interface StorageMember {
  label: string;
  slot: number;
  offset: number;
  type: string;
}

/** Namespace → members of its struct, in declaration order. */
export type LayoutSnapshot = Record<string, StorageMember[]>;

/**
 * Why `next` is not an append-only extension of `previous`, one line per problem:
 * every recorded member must keep its name, slot, offset and type; new members may only
 * follow them. Nested structs must not change at all (an array of them would shift).
 */
export function layoutProblems(namespace: string, previous: StorageMember[], next: StorageMember[]): string[] {
  const problems: string[] = [];
  previous.forEach((old, i) => {
    const now = next[i];
    const where = `${namespace}: member ${i} "${old.label}"`;
    if (now === undefined) {
      problems.push(`${where} was removed`);
    } else if (now.label !== old.label) {
      problems.push(`${where} is now "${now.label}"`);
    } else if (now.slot !== old.slot || now.offset !== old.offset) {
      problems.push(`${where} moved from slot ${old.slot}+${old.offset} to ${now.slot}+${now.offset}`);
    } else if (now.type !== old.type) {
      problems.push(`${where} changed type from ${old.type} to ${now.type}`);
    }
  });
  return problems;
}
