// Shared plumbing of the `modules` tasks: load the manifest, connect, report errors.
import path from "node:path";
import { pathToFileURL } from "node:url";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { MissingArtifactError } from "../lib/artifacts.js";
import { apply, formatPlan, prepare, UserError, type Request, type SuiteContext } from "../lib/deployments.js";
import type { Manifest } from "../lib/manifest.js";
import { RecordError, RecordStore } from "../lib/records.js";
import { SendStopped, StepFailed } from "../lib/sender.js";
import { isTransportFailure } from "../plugins/rpc-retry-hooks.js";

export interface TaskArgs {
  manifest: string;
  records: string;
  name?: string;
  set?: string;
  module?: string;
}

export async function loadManifest(file: string): Promise<Manifest> {
  const resolved = path.resolve(file);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(resolved).href)) as { default?: unknown };
  } catch (e) {
    throw new UserError(`Cannot load the manifest ${resolved}: ${(e as Error).message}`);
  }
  const m = loaded.default as Partial<Manifest> | undefined;
  const fields = ["modules", "sets", "networks", "defaults", "coreStorage"] as const;
  const missing = fields.filter((f) => typeof m?.[f] !== "object" || m?.[f] === null);
  if (m === undefined || missing.length > 0) {
    throw new UserError(
      `${resolved} must export a manifest as default (defineManifest({...})); missing: ${missing.join(", ")}.`,
    );
  }
  return m as Manifest;
}

export async function suiteContext(args: TaskArgs, hre: HardhatRuntimeEnvironment): Promise<SuiteContext> {
  const manifest = await loadManifest(args.manifest);
  const connection = await hre.network.getOrCreate();
  return {
    ethers: connection.ethers,
    artifacts: hre.artifacts,
    networkName: connection.networkName,
    manifest,
    store: new RecordStore(path.resolve(args.records), connection.networkName),
    ephemeral: connection.networkConfig.type === "edr-simulated",
    log: (line) => console.log(line),
  };
}

export function required(value: string | undefined, option: string, hint: string): string {
  if (value === undefined || value === "") throw new UserError(`Missing --${option}: ${hint}`);
  return value;
}

/** Runs a task body; a user mistake prints one clear line and exit code 1, nothing else. */
export async function runTask(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (
      e instanceof UserError ||
      e instanceof RecordError ||
      e instanceof MissingArtifactError ||
      e instanceof SendStopped ||
      e instanceof StepFailed
    ) {
      console.error(`Error: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    if (isTransportFailure(e)) {
      console.error(
        `Error: ${(e as Error).message}\nStopped. Every transaction sent so far is in the journal or the records: ` +
          "run the same command again when the endpoint answers, and it carries on from there without sending " +
          "anything twice.",
      );
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

/** Plans, prints the plan, applies it. */
export async function planAndApply(args: TaskArgs, hre: HardhatRuntimeEnvironment, request: Request): Promise<void> {
  const ctx = await suiteContext(args, hre);
  const prepared = await prepare(ctx, request);
  console.log(formatPlan(prepared));
  const status = await apply(ctx, prepared);
  const record = await ctx.store.readDeployment(prepared.name);
  if (record !== null) {
    console.log(`Diamond ${record.address} on ${ctx.networkName}; record ${ctx.store.deploymentFile(record.name)}`);
  }
  if (status === "scheduled") console.log("Timelocked operation pending: run the same command again once it is due.");
  if (status === "proposed")
    console.log("Waiting for the upgrader Safe: run the same command again once it has executed.");
}
