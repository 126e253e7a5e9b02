// The ABI difference between what a module serves on chain and what the manifest would
// install: functions, events and errors added, removed or changed, and the version rule
// for breaking changes. Pure; the planner calls it for every module it would upgrade.
import { Interface, type Fragment, type InterfaceAbi } from "ethers";

import type { SemVerTuple } from "./core.js";

/** One function, event or error of a module, as a diff compares it. */
export interface AbiEntry {
  /** Functions: the selector. Events and errors: their signature (`Name(types)`). */
  key: string;
  /** Null when only the selector is known. */
  name: string | null;
  /** What a reader sees: `name(types) view returns (types)`, or less when less is known. */
  text: string;
  /** False when `text` lacks outputs and mutability (functions known by signature only). */
  detailed: boolean;
}

export interface AbiChange {
  before: AbiEntry;
  after: AbiEntry;
}

export interface SectionDiff {
  added: AbiEntry[];
  removed: AbiEntry[];
  changed: AbiChange[];
}

export interface AbiDiff {
  functions: SectionDiff;
  /** Null when the chain side's events and errors are unknown (not recorded): not compared. */
  events: SectionDiff | null;
  errors: SectionDiff | null;
}

/** A module's ABI as the diff sees it; `events`/`errors` null when unknown. */
export interface AbiSurface {
  functions: AbiEntry[];
  events: AbiEntry[] | null;
  errors: AbiEntry[] | null;
}

/** `minimal` formats without the leading keyword: `pay(uint256) payable returns (bool)`. */
const textOf = (fragment: Fragment) => fragment.format("minimal").replace(/^(function|event|error) /, "");

/**
 * The surface of `abi` restricted to `selectors` (those the module serves); a selector the
 * ABI lacks is named by `signatures[selector]` when given, else by itself.
 * `withEventsAndErrors: false` leaves events and errors unknown.
 */
export function abiSurface(
  abi: InterfaceAbi,
  selectors: readonly string[],
  options: { signatures?: Readonly<Record<string, string>>; withEventsAndErrors?: boolean } = {},
): AbiSurface {
  const iface = new Interface(abi);
  const functions = [...new Set(selectors)].map((selector): AbiEntry => {
    const fn = iface.getFunction(selector);
    if (fn !== null) return { key: selector, name: fn.name, text: textOf(fn), detailed: true };
    const signature = options.signatures?.[selector];
    if (signature) return { key: selector, name: signature.split("(")[0], text: signature, detailed: false };
    return { key: selector, name: null, text: `${selector} (signature not recorded)`, detailed: false };
  });
  if (options.withEventsAndErrors === false) return { functions, events: null, errors: null };
  const events: AbiEntry[] = [];
  const errors: AbiEntry[] = [];
  iface.forEachEvent((e) => events.push({ key: e.format("sighash"), name: e.name, text: textOf(e), detailed: true }));
  iface.forEachError((e) => errors.push({ key: e.format("sighash"), name: e.name, text: textOf(e), detailed: true }));
  return { functions, events, errors };
}

/** Merges surfaces of several facets; an entry present in more than one counts once. */
export function mergeSurfaces(surfaces: readonly AbiSurface[]): AbiSurface {
  const unique = (entries: AbiEntry[]) => [...new Map(entries.map((e) => [`${e.key}|${e.text}`, e])).values()];
  const section = (pick: (s: AbiSurface) => AbiEntry[] | null) =>
    surfaces.some((s) => pick(s) === null) ? null : unique(surfaces.flatMap((s) => pick(s)!));
  return {
    functions: unique(surfaces.flatMap((s) => s.functions)),
    events: section((s) => s.events),
    errors: section((s) => s.errors),
  };
}

/**
 * Entries with the same key are the same item (changed when both texts are detailed and
 * differ); what is left pairs by name when a name is left exactly once on each side
 * (changed), else counts as removed or added. Each list is sorted by text.
 */
function diffSection(before: readonly AbiEntry[], after: readonly AbiEntry[]): SectionDiff {
  const afterByKey = new Map(after.map((e) => [e.key, e]));
  const beforeKeys = new Set(before.map((e) => e.key));
  const changed: AbiChange[] = [];
  for (const b of before) {
    const a = afterByKey.get(b.key);
    if (a !== undefined && b.detailed && a.detailed && a.text !== b.text) changed.push({ before: b, after: a });
  }
  const gone = before.filter((e) => !afterByKey.has(e.key));
  const fresh = after.filter((e) => !beforeKeys.has(e.key));
  const count = (entries: AbiEntry[], name: string) => entries.filter((e) => e.name === name).length;
  const paired = new Set<AbiEntry>();
  for (const b of gone) {
    if (b.name === null || count(gone, b.name) !== 1 || count(fresh, b.name) !== 1) continue;
    const a = fresh.find((e) => e.name === b.name)!;
    changed.push({ before: b, after: a });
    paired.add(a).add(b);
  }
  const byText = (x: AbiEntry, y: AbiEntry) => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0);
  return {
    added: fresh.filter((e) => !paired.has(e)).sort(byText),
    removed: gone.filter((e) => !paired.has(e)).sort(byText),
    changed: changed.sort((x, y) => byText(x.before, y.before)),
  };
}

export function diffAbi(chain: AbiSurface, manifest: AbiSurface): AbiDiff {
  const optional = (b: AbiEntry[] | null, a: AbiEntry[] | null) =>
    b === null || a === null ? null : diffSection(b, a);
  return {
    functions: diffSection(chain.functions, manifest.functions),
    events: optional(chain.events, manifest.events),
    errors: optional(chain.errors, manifest.errors),
  };
}

export const isEmptyDiff = (d: AbiDiff) =>
  [d.functions, d.events, d.errors].every(
    (s) => s === null || s.added.length + s.removed.length + s.changed.length === 0,
  );

/** Functions removed or changed: callers of these break, so they need a major version. */
export function breakingFunctions(diff: AbiDiff): string[] {
  const fn = (e: AbiEntry) => (e.name === null ? e.text : `${e.text} [${e.key}]`);
  return [
    ...diff.functions.removed.map((e) => `removed ${fn(e)}`),
    ...diff.functions.changed.map((c) => `changed ${fn(c.before)} -> ${fn(c.after)}`),
  ];
}

/** Readable lines: `+` added, `-` removed, `~` changed; functions carry their selector. */
export function describeAbiDiff(diff: AbiDiff): string[] {
  const lines: string[] = [];
  const section = (kind: string, s: SectionDiff | null, withKey: boolean) => {
    if (s === null) {
      lines.push(`${kind}s: not compared (not recorded for the version on chain)`);
      return;
    }
    const show = (e: AbiEntry) => (withKey && e.name !== null ? `${e.text} [${e.key}]` : e.text);
    s.added.forEach((e) => lines.push(`+ ${kind} ${show(e)}`));
    s.removed.forEach((e) => lines.push(`- ${kind} ${show(e)}`));
    s.changed.forEach((c) => lines.push(`~ ${kind} ${show(c.before)} -> ${show(c.after)}`));
  };
  section("function", diff.functions, true);
  section("event", diff.events, false);
  section("error", diff.errors, false);
  return lines;
}

export function compareVersions(a: SemVerTuple, b: SemVerTuple): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * The lowest version outside `from`'s caret range (`^from`, as npm reads it): the first
 * that may break callers. 1.4.2 -> 2.0.0; before 1.0.0 the minor is the breaking
 * position (0.3.1 -> 0.4.0), and before 0.1.0 the patch (0.0.3 -> 0.0.4).
 */
export function breakingVersion(from: SemVerTuple): SemVerTuple {
  if (from[0] > 0) return [from[0] + 1, 0, 0];
  if (from[1] > 0) return [0, from[1] + 1, 0];
  return [0, 0, from[2] + 1];
}
