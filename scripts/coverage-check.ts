// Per-contract line and branch coverage of the production contracts (contracts/ without
// contracts/mocks/), read after `hardhat test --coverage`; fails below the thresholds.
//
// Lines come from Hardhat's coverage/lcov.info. Hardhat 3 reports no branches (EDR
// instruments statements only), so branches are derived here from the same statement hits
// (coverage/data/**.json) and the parsed source: every `if` has two branches.
// - taken: a statement of its body ran;
// - not taken: a statement of its `else` ran; without `else`, the `if` ran more often than
//   the first statement of its body, or the body always exits (return, revert, break,
//   continue) and the statement after the `if` ran. Each rule only proves the branch ran.
// Ternaries (`c ? a : b`) are listed but not measured: they are not statements.
//
// Usage: node scripts/coverage-check.ts [--report-only]
//   --report-only   print the table and the gaps, exit 0 even when under the thresholds.
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

export const MIN_LINES = 98;
export const MIN_BRANCHES = 90;
const ROOT = path.resolve(import.meta.dirname, "..");
const PRODUCTION = "contracts";
const NOT_PRODUCTION = "contracts/mocks/";

export interface LineCounts {
  hit: number;
  found: number;
}

/** `SF` → lines hit / found, from an lcov tracefile. */
export function parseLcov(text: string): Map<string, LineCounts> {
  const files = new Map<string, LineCounts>();
  let file = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("SF:")) {
      file = line.slice(3).replaceAll("\\", "/");
      files.set(file, { hit: 0, found: 0 });
    } else if (line.startsWith("LH:")) {
      files.get(file)!.hit = Number(line.slice(3));
    } else if (line.startsWith("LF:")) {
      files.get(file)!.found = Number(line.slice(3));
    }
  }
  return files;
}

/** An instrumented statement: where its code starts (UTF-16 units, trivia skipped) and its hits. */
export interface Statement {
  start: number;
  hits: number;
}

/** The first offset at or after `from` that is neither whitespace nor a comment. */
export function skipTrivia(source: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < source.length && /\s/.test(source[i])) i++;
    if (source.startsWith("//", i)) {
      const eol = source.indexOf("\n", i);
      i = eol === -1 ? source.length : eol;
    } else if (source.startsWith("/*", i)) {
      const close = source.indexOf("*/", i + 2);
      i = close === -1 ? source.length : close + 2;
    } else {
      return i;
    }
  }
}

interface Range {
  start: number;
  end: number;
}

interface AstNode {
  nodeType?: string;
  src?: string;
  [key: string]: unknown;
}

export interface BranchCounts {
  found: number;
  hit: number;
  /** 1-based lines of `if`s with a branch never taken. */
  missed: number[];
  ternaries: number;
}

const EXITS = new Set(["Return", "RevertStatement", "Break", "Continue"]);

/** Branch coverage of one file, from its parser AST and its statements' hits. */
export function branchCoverage(source: string, ast: AstNode, statements: Statement[]): BranchCounts {
  const utf16At = byteToUtf16(source);
  const range = (node: AstNode): Range => {
    const [start, length] = String(node.src).split(":").map(Number);
    return { start: utf16At[start], end: utf16At[start + length] };
  };
  const lineOf = (offset: number): number => source.slice(0, offset).split("\n").length;
  // The statements whose code starts inside `r` (a statement and every one nested in it).
  const inside = (r: Range): Statement[] => statements.filter((st) => st.start >= r.start && st.start < r.end);
  // The outermost, first of them: the statement `r` itself when it is one.
  const first = (r: Range): Statement | undefined => inside(r).toSorted((x, y) => x.start - y.start)[0];
  const exits = (body: AstNode): boolean => {
    const last = body.nodeType === "Block" ? (body.statements as AstNode[]).at(-1) : body;
    if (last === undefined) return false;
    if (EXITS.has(String(last.nodeType))) return true;
    const call = (last.expression as AstNode | undefined)?.expression as AstNode | undefined;
    return last.nodeType === "ExpressionStatement" && call?.nodeType === "Identifier" && call.name === "revert";
  };

  const result: BranchCounts = { found: 0, hit: 0, missed: [], ternaries: 0 };
  const visit = (node: AstNode, next: AstNode | undefined): void => {
    if (node.nodeType === "Conditional") result.ternaries++;
    if (node.nodeType === "IfStatement") {
      const whole = range(node);
      const trueBody = node.trueBody as AstNode;
      const bodyRange = range(trueBody);
      const taken = inside(bodyRange).some((st) => st.hits > 0);
      let notTaken: boolean;
      if (node.falseBody) {
        notTaken = inside(range(node.falseBody as AstNode)).some((st) => st.hits > 0);
      } else {
        const ifHits = first(whole)?.hits ?? 0;
        const bodyHits = first(bodyRange)?.hits ?? 0;
        const after = next === undefined ? undefined : first(range(next));
        notTaken = ifHits > bodyHits || (exits(trueBody) && (after?.hits ?? 0) > 0);
      }
      result.found += 2;
      result.hit += Number(taken) + Number(notTaken);
      if (!taken || !notTaken) result.missed.push(lineOf(whole.start));
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "src") continue;
      const children = Array.isArray(value) ? (value as AstNode[]) : [value as AstNode];
      children.forEach((child, i) => {
        if (child !== null && typeof child === "object") {
          const sibling = Array.isArray(value) && key === "statements" ? (value as AstNode[])[i + 1] : undefined;
          visit(child, sibling);
        }
      });
    }
  };
  visit(ast, undefined);
  return result;
}

/** UTF-8 byte offset → UTF-16 offset (solc's `src` counts bytes, EDR's ranges UTF-16 units). */
function byteToUtf16(source: string): number[] {
  const map: number[] = [];
  let utf16 = 0;
  for (const char of source) {
    const bytes = Buffer.byteLength(char);
    for (let b = 0; b < bytes; b++) map.push(utf16);
    utf16 += char.length;
  }
  map.push(utf16);
  return map;
}

async function solidityFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".sol"))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).replaceAll("\\", "/"))
    .filter((f) => !f.startsWith(NOT_PRODUCTION))
    .sort();
}

/** Executed tags of every test run of the last coverage run: tag (hex) → hits. */
async function loadHits(): Promise<Map<string, number>> {
  const hits = new Map<string, number>();
  const dataDir = path.join(ROOT, "coverage", "data");
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
  for (const e of entries.filter((x) => x.isFile() && x.name.endsWith(".json"))) {
    const data = JSON.parse(await readFile(path.join(e.parentPath, e.name), "utf8")) as Record<string, number>;
    for (const [tag, count] of Object.entries(data)) hits.set(tag, (hits.get(tag) ?? 0) + count);
  }
  return hits;
}

function parseAst(solc: { compile(input: string): string }, sourceName: string, content: string): AstNode {
  const input = {
    language: "Solidity",
    sources: { [sourceName]: { content } },
    settings: { stopAfter: "parsing", outputSelection: { "*": { "": ["ast"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    sources?: Record<string, { ast: AstNode }>;
    errors?: { severity: string; formattedMessage: string }[];
  };
  const error = output.errors?.find((e) => e.severity === "error");
  if (error !== undefined || output.sources?.[sourceName] === undefined) {
    throw new Error(`cannot parse ${sourceName}: ${error?.formattedMessage ?? "no AST"}`);
  }
  return output.sources[sourceName].ast;
}

const pct = (hit: number, found: number): number => (found === 0 ? 100 : (hit * 100) / found);

async function main(): Promise<void> {
  const reportOnly = process.argv.includes("--report-only");
  const lcov = parseLcov(await readFile(path.join(ROOT, "coverage", "lcov.info"), "utf8"));
  const hits = await loadHits();
  const edr = require("@nomicfoundation/edr") as {
    addStatementCoverageInstrumentation(
      source: string,
      id: string,
      version: string,
    ): { metadata: { tag: Uint8Array; kind: string; startUtf16: number; endUtf16: number }[] };
    latestSupportedSolidityVersion(): string;
  };
  const solc = require("solc") as { compile(input: string): string; version(): string };
  // Hardhat instruments with the compiler's version, capped at the newest EDR parses.
  const solcVersion = (require("solc/package.json") as { version: string }).version;
  const newest = edr.latestSupportedSolidityVersion();
  const version = solcVersion.localeCompare(newest, undefined, { numeric: true }) <= 0 ? solcVersion : newest;

  const rows: string[][] = [];
  const gaps: string[] = [];
  let totals = { lh: 0, lf: 0, bh: 0, bf: 0, ternaries: 0, matched: 0 };
  for (const file of await solidityFiles(PRODUCTION)) {
    const lines = lcov.get(file);
    if (lines === undefined || lines.found === 0) continue; // no executable code (interfaces, types)
    const content = await readFile(path.join(ROOT, file), "utf8");
    const sourceName = `project/${file}`;
    const { metadata } = edr.addStatementCoverageInstrumentation(content, sourceName, version);
    const statements = metadata
      .filter((m) => m.kind === "statement")
      .map((m) => {
        const count = hits.get(Buffer.from(m.tag).toString("hex")) ?? 0;
        if (count > 0) totals.matched++;
        return { start: skipTrivia(content, m.startUtf16), hits: count };
      });
    const branches = branchCoverage(content, parseAst(solc, sourceName, content), statements);
    const linePct = pct(lines.hit, lines.found);
    const branchPct = pct(branches.hit, branches.found);
    totals = {
      lh: totals.lh + lines.hit,
      lf: totals.lf + lines.found,
      bh: totals.bh + branches.hit,
      bf: totals.bf + branches.found,
      ternaries: totals.ternaries + branches.ternaries,
      matched: totals.matched,
    };
    const under = linePct < MIN_LINES || branchPct < MIN_BRANCHES;
    rows.push([
      file.slice(PRODUCTION.length + 1),
      `${linePct.toFixed(1)} (${lines.hit}/${lines.found})`,
      `${branchPct.toFixed(1)} (${branches.hit}/${branches.found})`,
      under ? "under" : "",
    ]);
    if (under) {
      const ifs = branches.missed.length > 0 ? `; \`if\` not both ways at lines ${branches.missed.join(", ")}` : "";
      gaps.push(`${file}: lines ${linePct.toFixed(1)} %, branches ${branchPct.toFixed(1)} %${ifs}`);
    }
  }
  if (totals.matched === 0) {
    throw new Error("no statement hit matched a production contract: run `npm run coverage` first");
  }
  rows.push([
    "Total",
    `${pct(totals.lh, totals.lf).toFixed(1)} (${totals.lh}/${totals.lf})`,
    `${pct(totals.bh, totals.bf).toFixed(1)} (${totals.bh}/${totals.bf})`,
    "",
  ]);
  printTable(["Production contract", "Lines %", "Branches % (if)", ""], rows);
  console.log(`\nThresholds: lines >= ${MIN_LINES} %, branches >= ${MIN_BRANCHES} % per contract.`);
  console.log(`${totals.ternaries} ternaries are not measured (Hardhat reports statements only).`);
  if (gaps.length === 0) {
    console.log("Every production contract meets the thresholds.");
    return;
  }
  console.log(`\n${gaps.length} production contracts under the thresholds:`);
  for (const gap of gaps) console.log(`- ${gap}`);
  if (!reportOnly) process.exitCode = 1;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
