// `npx hardhat lending score`: a borrower's scorecard from a deployment's events, and with
// --sign the credit attestation `borrowWithAttestation` takes. The work is in
// scripts/lib/scoring.ts; this file checks the input, connects the pieces and prints.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { getAddress, isAddress, Wallet, ZeroAddress, type Signer } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import {
  ICreditAttestationSink__factory,
  ICreditLineModel__factory,
  IFinanceSuite__factory,
} from "../../../typechain-types/index.js";
import { readModules } from "../../lib/chain.js";
import { UserError } from "../../lib/deployments.js";
import { RecordStore } from "../../lib/records.js";
import {
  attestationFor,
  checkPolicy,
  creditLimitFor,
  DEFAULT_POLICY,
  formatScorecard,
  readBorrowerHistory,
  scorecard,
  ScoringError,
  toJson,
  type CreditDecision,
  type Scorecard,
  type ScoringPolicy,
  type SignedCreditAttestation,
} from "../../lib/scoring.js";
import { runTask } from "../run.js";

/** The task's options, as Hardhat passes them ("" when not given). */
export interface ScoreArgs {
  name: string;
  records: string;
  pool: string;
  borrower: string;
  model: string;
  from: string;
  to: string;
  json: boolean;
  sign: boolean;
  out: string;
  issuerKey: string;
  policy: string;
}

/** The options checked and converted; block numbers are null when not given. */
export interface ScoreOptions {
  name: string;
  poolId: bigint;
  borrower: string;
  model: string;
  from: number | null;
  to: number | null;
  json: boolean;
  sign: boolean;
  out: string | null;
}

export interface ScoreContext {
  ethers: HardhatEthers;
  networkName: string;
  store: RecordStore;
  /** The issuer's signer; asked for only with --sign, after every check passed. */
  issuer: () => Promise<Signer>;
  policy: ScoringPolicy;
  print: (text: string) => void;
}

export interface ScoreResult {
  card: Scorecard;
  decision: CreditDecision;
  signed: SignedCreditAttestation | null;
  warnings: string[];
}

const INTEGER = /^[0-9]+$/;

function blockOption(value: string, option: string): number | null {
  if (value === "") return null;
  if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UserError(`--${option} must be a block number, not "${value}".`);
  }
  return Number(value);
}

function addressOption(value: string, option: string, what: string): string {
  if (value === "") throw new UserError(`Missing --${option}: ${what}.`);
  if (!isAddress(value)) throw new UserError(`--${option} "${value}" is not an address.`);
  if (getAddress(value) === ZeroAddress) throw new UserError(`--${option} may not be the zero address.`);
  return getAddress(value);
}

/** Checks the shape of every option; touches neither the chain nor the disk. */
export function parseScoreArgs(args: ScoreArgs): ScoreOptions {
  if (args.name === "") throw new UserError("Missing --name: name the deployment (deployments/<network>/<name>.json).");
  if (args.pool === "") throw new UserError("Missing --pool: the id of the lending pool the credit line is for.");
  if (!INTEGER.test(args.pool) || BigInt(args.pool) === 0n) {
    throw new UserError(`--pool must be a pool id (1, 2, …), not "${args.pool}".`);
  }
  const borrower = addressOption(args.borrower, "borrower", "the address to score");
  const model = addressOption(args.model, "model", "the CreditLineModel that will check the attestation");
  const from = blockOption(args.from, "from");
  const to = blockOption(args.to, "to");
  if (from !== null && to !== null && from > to) throw new UserError(`--from ${from} is after --to ${to}.`);
  if (args.out !== "" && !args.sign) throw new UserError("--out writes the signed attestation: add --sign.");
  return {
    name: args.name,
    poolId: BigInt(args.pool),
    borrower,
    model,
    from,
    to,
    json: args.json,
    sign: args.sign,
    out: args.out === "" ? null : args.out,
  };
}

/** A policy module's default export (a TypeScript or JavaScript file), validated. */
export async function loadPolicy(file: string): Promise<ScoringPolicy> {
  const resolved = path.resolve(file);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(resolved).href)) as { default?: unknown };
  } catch (e) {
    throw new UserError(`Cannot load the policy ${resolved}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof loaded.default !== "object" || loaded.default === null) {
    throw new UserError(`${resolved} must export a scoring policy as default.`);
  }
  const policy = loaded.default as ScoringPolicy;
  try {
    checkPolicy(policy);
  } catch (e) {
    throw new UserError(`${resolved}: ${(e as Error).message}`);
  }
  return policy;
}

/** Whether `model` is a CreditLineModel bound to `diamond`; throws a UserError saying why not. */
async function checkModel(ethers: HardhatEthers, model: string, diamond: string): Promise<void> {
  if ((await ethers.provider.getCode(model)) === "0x") throw new UserError(`No contract at --model ${model}.`);
  const contract = ICreditLineModel__factory.connect(model, ethers.provider);
  let servedDiamond: string;
  let sink: string;
  try {
    [servedDiamond, sink] = await Promise.all([contract.diamond(), contract.attestationSink()]);
  } catch {
    throw new UserError(`${model} is not a credit-line model (it does not answer diamond() and attestationSink()).`);
  }
  if (getAddress(sink) !== model)
    throw new UserError(`${model} is not a credit-line model (its attestation sink is ${sink}).`);
  if (getAddress(servedDiamond) !== diamond) {
    throw new UserError(`The credit-line model ${model} serves the diamond ${servedDiamond}, not ${diamond}.`);
  }
}

/** The pool's own credit model, or the sink of its composite model, is `model`. */
async function poolTakesModel(ethers: HardhatEthers, poolModel: string, model: string): Promise<boolean> {
  if (getAddress(poolModel) === model) return true;
  if (poolModel === ZeroAddress) return false;
  try {
    const sink = await ICreditAttestationSink__factory.connect(poolModel, ethers.provider).attestationSink();
    return getAddress(sink) === model;
  } catch {
    return false;
  }
}

/**
 * The whole command: checks the options and the deployment, reads the history, scores it,
 * and with `sign` signs the attestation. Every refusal is a `UserError` thrown before
 * anything is signed.
 */
export async function score(args: ScoreArgs, ctx: ScoreContext): Promise<ScoreResult> {
  const opts = parseScoreArgs(args);
  const { ethers, store, networkName } = ctx;
  const provider = ethers.provider;
  const record = await store.readDeployment(opts.name);
  if (record === null) throw new UserError(`No deployment "${opts.name}" on network "${networkName}" in ${store.dir}.`);
  const chainId = Number((await provider.getNetwork()).chainId);
  if (record.chainId !== chainId) {
    throw new UserError(
      `Record "${opts.name}" belongs to chain ${record.chainId}; network "${networkName}" is ${chainId}.`,
    );
  }
  const diamond = getAddress(record.address);
  if ((await provider.getCode(diamond)) === "0x") {
    throw new UserError(`No diamond at ${diamond} on chain ${chainId}, though record "${opts.name}" says so.`);
  }
  if (!(await readModules(provider, diamond)).some((m) => m.id === "lending")) {
    throw new UserError(`Deployment "${opts.name}" has no lending module installed.`);
  }

  const latest = await provider.getBlockNumber();
  const from = opts.from ?? record.blockNumber;
  const to = opts.to ?? latest;
  if (to > latest) throw new UserError(`--to ${to} is after the latest block, ${latest}.`);
  if (from > to) throw new UserError(`--from ${from} is after --to ${to}.`);

  const suite = IFinanceSuite__factory.connect(diamond, provider);
  const pools = await suite.lendingPoolCount({ blockTag: to });
  if (opts.poolId > pools) {
    throw new UserError(
      `Pool ${opts.poolId} does not exist in deployment "${opts.name}" at block ${to} (it has ${pools}).`,
    );
  }
  await checkModel(ethers, opts.model, diamond);

  const warnings: string[] = [];
  const pool = await suite.lendingPool(opts.poolId);
  if (!(await poolTakesModel(ethers, pool.creditModel, opts.model))) {
    warnings.push(
      `Pool ${opts.poolId} takes no attestations for ${opts.model} now (its credit model is ${pool.creditModel}): ` +
        "borrowWithAttestation will refuse this one until the model is swapped in.",
    );
  }

  const history = await readBorrowerHistory(provider, {
    diamond,
    borrower: opts.borrower,
    poolId: opts.poolId,
    fromBlock: from,
    toBlock: to,
  });
  const card = scorecard(history, ctx.policy);
  const decision = creditLimitFor(card, ctx.policy);

  if (decision.limit > 0n) {
    const debt = history.debts.find((d) => d.poolId === opts.poolId)?.debt ?? 0n;
    if (debt > decision.limit) {
      warnings.push(
        `The borrower owes ${debt} in pool ${opts.poolId}, more than the line's limit of ${decision.limit}.`,
      );
    }
    const model = ICreditLineModel__factory.connect(opts.model, provider);
    const [ceiling, total, line] = await Promise.all([
      model.debtCeiling(),
      model.totalLimits(),
      model.creditLine(opts.poolId, opts.borrower),
    ]);
    const room = ceiling - total + line.limit;
    if (decision.limit > room) {
      warnings.push(`The model's debt ceiling leaves room for ${room} only: a borrow with this line would be refused.`);
    }
  }

  let signed: SignedCreditAttestation | null = null;
  if (opts.sign) {
    const now = (await provider.getBlock(latest))!.timestamp;
    signed = await attestationFor({
      card,
      decision,
      issuer: await ctx.issuer(),
      model: opts.model,
      now,
    });
  }

  if (opts.json) {
    ctx.print(toJson({ scorecard: card, credit: decision, attestation: signed, warnings }));
  } else {
    ctx.print(formatScorecard(card, decision));
    for (const w of warnings) ctx.print(`Warning: ${w}`);
    if (signed !== null) {
      ctx.print(
        `\nSigned by ${signed.attestation.issuer}, nonce ${signed.attestation.nonce}` +
          (opts.out === null ? ":" : `; written to ${opts.out}`),
      );
      if (opts.out === null) ctx.print(toJson(signed));
    }
  }
  if (signed !== null && opts.out !== null) await writeFile(path.resolve(opts.out), toJson(signed) + "\n");
  return { card, decision, signed, warnings };
}

/** The value of configuration variable `name`: the environment first, then the keystore. */
async function configurationValue(hre: HardhatRuntimeEnvironment, name: string): Promise<string> {
  const fromEnv = process.env[name];
  if (fromEnv !== undefined) return fromEnv;
  return hre.hooks.runHandlerChain("configurationVariables", "fetchValue", [configVariable(name)], async () => {
    throw new UserError(
      `The configuration variable ${name} is not set: export it, or run npx hardhat keystore set ${name}.`,
    );
  });
}

/** The issuer: the key in configuration variable `variable`, else the network's first account. */
async function issuerSigner(hre: HardhatRuntimeEnvironment, ethers: HardhatEthers, variable: string): Promise<Signer> {
  if (variable !== "") {
    const key = await configurationValue(hre, variable);
    try {
      return new Wallet(key.trim(), ethers.provider);
    } catch {
      throw new UserError(`The configuration variable ${variable} does not hold a private key.`);
    }
  }
  const [signer] = await ethers.getSigners();
  if (signer === undefined) {
    throw new UserError("The network has no account to sign with: configure one, or pass --issuer-key <VARIABLE>.");
  }
  return signer;
}

export default async function scoreTask(args: ScoreArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(async () => {
    try {
      parseScoreArgs(args);
      const policy = args.policy === "" ? DEFAULT_POLICY : await loadPolicy(args.policy);
      const connection = await hre.network.getOrCreate();
      await score(args, {
        ethers: connection.ethers,
        networkName: connection.networkName,
        store: new RecordStore(path.resolve(args.records), connection.networkName),
        issuer: () => issuerSigner(hre, connection.ethers, args.issuerKey),
        policy,
        print: (text) => console.log(text),
      });
    } catch (e) {
      if (e instanceof ScoringError) throw new UserError(e.message);
      throw e;
    }
  });
}
