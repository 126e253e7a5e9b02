import { expect } from "chai";
import path from "node:path";

import { erc7201Slot, scanStorage, type StorageScan } from "../scripts/lib/storage.js";

describe("ERC-7201 storage namespaces", function () {
  let scan: StorageScan;

  before(async function () {
    scan = await scanStorage(path.resolve("contracts"));
  });

  it("finds the namespaces of the diamond, access, timelock and the selector table", function () {
    const names = scan.roots.map((r) => r.namespace);
    for (const ns of [
      "finsuite.diamond",
      "finsuite.diamond.selectors",
      "finsuite.access",
      "finsuite.timelock",
      "finsuite.timelock.executing",
    ]) {
      expect(names, ns).to.include(ns);
    }
  });

  it("matches every namespace constant with the ERC-7201 formula", function () {
    for (const root of scan.roots) {
      expect(root.value, `${root.file}:${root.line} ${root.constant} (${root.namespace})`).to.equal(
        erc7201Slot(root.namespace),
      );
    }
  });

  it("gives every @custom:storage-location annotation a root constant in the same file", function () {
    for (const a of scan.annotations) {
      const root = scan.roots.find((r) => r.file === a.file && r.namespace === a.namespace);
      expect(root, `${a.file}:${a.line} erc7201:${a.namespace} has no matching constant`).to.not.equal(undefined);
    }
  });

  it("uses each namespace once and no two roots collide", function () {
    const seen = new Map<string, string>();
    for (const root of scan.roots) {
      const where = `${root.file}:${root.line}`;
      expect(seen.has(root.namespace), `namespace ${root.namespace} declared twice (${where})`).to.equal(false);
      seen.set(root.namespace, where);
    }
    const values = scan.roots.map((r) => r.value);
    expect(new Set(values).size).to.equal(values.length);
  });

  it("keeps every other root out of the selector table's 2^32 words", function () {
    const table = scan.roots.find((r) => r.namespace === "finsuite.diamond.selectors")!;
    const base = BigInt(table.value);
    for (const root of scan.roots) {
      if (root === table) continue;
      const v = BigInt(root.value);
      // A struct root uses a few hundred slots at most; leave a wide margin below the base.
      const overlaps = v + 0x10000n > base && v < base + (1n << 32n);
      expect(overlaps, `${root.namespace} overlaps the selector table`).to.equal(false);
    }
  });
});
