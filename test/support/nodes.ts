// Real JSON-RPC nodes (`hardhat node`, `anvil`) and the Hardhat CLI (`modules`, `keeper`) as
// child processes, for the deployment rehearsals in test/rehearsal.test.ts and the keeper's
// run against a real node in test/upkeep/keeper-node.test.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The Hardhat CLI entry point (the package's `bin`). */
export function hardhatCli(): string {
  const pkgFile = path.join(PROJECT_ROOT, "node_modules", "hardhat", "package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin.hardhat;
  const cli = path.join(path.dirname(pkgFile), bin);
  if (!existsSync(cli)) throw new Error(`Hardhat CLI not found at ${cli}`);
  return cli;
}

/** The native anvil binary of @foundry-rs/anvil (its wrapper script only re-spawns it). */
function anvilBinary(): string {
  try {
    const native = require.resolve("@foundry-rs/anvil-linux-amd64/bin/anvil", { paths: [PROJECT_ROOT] });
    if (existsSync(native)) return native;
  } catch {
    // fall back to the wrapper
  }
  const wrapper = path.join(PROJECT_ROOT, "node_modules", ".bin", "anvil");
  if (!existsSync(wrapper)) throw new Error("anvil not found: is @foundry-rs/anvil installed?");
  return wrapper;
}

// ------------------------------------------------------------------ process bookkeeping

/** Every child still running, so that nothing outlives the test run. */
const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // detached: the child leads its own process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

const killLive = () => {
  for (const child of live) killGroup(child, "SIGKILL");
};
process.on("exit", killLive);
// Detached children do not get the terminal's Ctrl-C: take them down, then die as usual.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  const onSignal = () => {
    killLive();
    process.off(signal, onSignal);
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on(signal, onSignal);
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops a child and its process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (!exited(child)) {
    killGroup(child, "SIGTERM");
    if (!(await waitForExit(child, graceMs))) {
      killGroup(child, "SIGKILL");
      await waitForExit(child, graceMs);
    }
  }
  live.delete(child);
}

/** Kills every child this module started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopProcess(c)));
}

/** Keeps the tail of a stream (a node's log must be drained, or it blocks on a full pipe). */
class Tail {
  text = "";
  constructor(private readonly max = 64 * 1024) {}
  push(chunk: Buffer | string) {
    this.text += chunk.toString();
    if (this.text.length > this.max) this.text = this.text.slice(-this.max);
  }
}

// ------------------------------------------------------------------ JSON-RPC

export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export async function blockNumber(url: string): Promise<number> {
  return Number(await rpc<string>(url, "eth_blockNumber"));
}

// ------------------------------------------------------------------ nodes

export type NodeKind = "hardhat" | "anvil";

export interface RunningNode {
  kind: NodeKind;
  port: number;
  url: string;
  child: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nodeCommand(kind: NodeKind, port: number): [string, string[]] {
  return kind === "hardhat"
    ? [process.execPath, [hardhatCli(), "node", "--hostname", "127.0.0.1", "--port", String(port)]]
    : [anvilBinary(), ["--host", "127.0.0.1", "--port", String(port)]];
}

/** What the node prints once it listens: proof that the port answering is this child's. */
const listening = (kind: NodeKind, port: number) =>
  kind === "hardhat" ? `127.0.0.1:${port}/` : `Listening on 127.0.0.1:${port}`;

async function tryStart(kind: NodeKind, port: number, timeoutMs: number): Promise<RunningNode | string> {
  const [command, args] = nodeCommand(kind, port);
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env },
  });
  live.add(child);
  const out = new Tail();
  child.stdout!.on("data", (c: Buffer) => out.push(c));
  child.stderr!.on("data", (c: Buffer) => out.push(c));
  const url = `http://127.0.0.1:${port}`;
  const node: RunningNode = {
    kind,
    port,
    url,
    child,
    log: () => out.text,
    stop: () => stopProcess(child),
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(child)) {
      live.delete(child);
      return `${kind} exited (code ${child.exitCode}, signal ${child.signalCode}): ${out.text.slice(-2000)}`;
    }
    if (out.text.includes(listening(kind, port))) {
      try {
        const chainId = await rpc<string>(url, "eth_chainId");
        const block = await blockNumber(url);
        if (Number(chainId) === 31337 && block === 0 && !exited(child)) return node;
        await node.stop();
        return `port ${port} answers chain ${Number(chainId)} at block ${block}: not a fresh node of ours`;
      } catch {
        // not answering yet
      }
    }
    await sleep(150);
  }
  await node.stop();
  return `${kind} did not answer on port ${port} within ${timeoutMs} ms: ${out.text.slice(-2000)}`;
}

/** Starts a fresh node of `kind` on a free port, retrying with other ports. */
export async function startNode(kind: NodeKind, { attempts = 4, timeoutMs = 30_000 } = {}): Promise<RunningNode> {
  const failures: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const result = await tryStart(kind, await freePort(), timeoutMs);
    if (typeof result !== "string") return result;
    failures.push(result);
  }
  throw new Error(`Could not start ${kind}:\n${failures.join("\n")}`);
}

// ------------------------------------------------------------------ the CLI

export interface CliResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for messages and failure reports. */
  output: string;
}

export interface CliOptions {
  rpcUrl: string;
  records: string;
  manifest?: string;
  env?: Record<string, string>;
  /** Called with the stdout so far after each chunk; may kill the child. */
  onStdout?: (stdout: string, child: ChildProcess) => void;
  timeoutMs?: number;
  /** The project folder to run in (default: this project). */
  cwd?: string;
}

/** `hardhat modules <args> --network localhost --manifest M --records R`, as a child process. */
export function runModules(args: string[], options: CliOptions): Promise<CliResult> {
  const full = [
    "modules",
    ...args,
    "--network",
    "localhost",
    "--manifest",
    options.manifest ?? "test/fixtures/manifest.ts",
    "--records",
    options.records,
  ];
  return runHardhat(full, options);
}

/**
 * `hardhat <args>` as a child process (its own process group) with RPC_URL pointing at
 * `options.rpcUrl`, so `--network localhost` reaches the test's node.
 */
export function runHardhat(full: string[], options: Omit<CliOptions, "records" | "manifest">): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, RPC_URL: options.rpcUrl, ...options.env };
  if (options.env?.FINSUITE_CRASH_AT === undefined) delete env.FINSUITE_CRASH_AT;
  delete env.FINSUITE_DEPLOYMENTS_DIR;
  // `hardhat test` names its own config in HARDHAT_CONFIG; another project folder uses its own.
  if (options.cwd !== undefined) delete env.HARDHAT_CONFIG;
  const child = spawn(process.execPath, [hardhatCli(), ...full], {
    cwd: options.cwd ?? PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  let output = "";
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
    output += c.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
    output += c.toString();
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, "SIGKILL");
      reject(new Error(`hardhat ${full.join(" ")} timed out after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(e);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ args: full, code, signal, stdout, stderr, output });
    });
  });
}

/** Sends `signal` to a CLI child's process group, as a terminal's Ctrl-C (SIGINT) would. */
export function interrupt(child: ChildProcess, signal: NodeJS.Signals = "SIGINT"): void {
  killGroup(child, signal);
}

/** Kills a running CLI child at once (SIGKILL to its process group), as a crash would. */
export function crash(child: ChildProcess): void {
  killGroup(child, "SIGKILL");
}
