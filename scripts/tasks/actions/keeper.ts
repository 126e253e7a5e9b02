import path from "node:path";

import type { InterfaceAbi } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { UserError } from "../../lib/deployments.js";
import { checkKeeperTarget, formatSummary, runKeeper } from "../../lib/keeper.js";
import { RecordStore } from "../../lib/records.js";
import { required, runTask } from "../run.js";

interface KeeperArgs {
  name: string;
  interval: number;
  rounds: number;
  records: string;
}

export default async function keeperRun(args: KeeperArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(async () => {
    const name = required(args.name, "name", "name the deployment whose upkeep to run.");
    for (const [option, value] of [
      ["interval", args.interval],
      ["rounds", args.rounds],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new UserError(`--${option} must be 0 or more, not ${value}.`);
    }
    const connection = await hre.network.getOrCreate();
    const store = new RecordStore(path.resolve(args.records), connection.networkName);
    const record = await store.readDeployment(name);
    if (record === null) {
      throw new UserError(
        `No deployment "${name}" on network "${connection.networkName}" (looked for ${store.deploymentFile(name)}).`,
      );
    }
    const provider = connection.ethers.provider;
    await checkKeeperTarget(provider, record, connection.networkName);
    // Names every installed module's errors in the log; without it, the suite's are known.
    const abi = ((await store.readAbi(record)) ?? undefined) as InterfaceAbi | undefined;
    const [signer] = await connection.ethers.getSigners();
    if (signer === undefined) {
      throw new UserError(`Network "${connection.networkName}" has no account configured to sign with.`);
    }

    // First signal: stop after the current step (a pending receipt gets a grace period).
    // Second: abandon the wait at once.
    const stop = new AbortController();
    const abandon = new AbortController();
    let signalName: string | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        abandon.abort();
        return;
      }
      signalName = signal;
      console.log(`${signal}: stopping after the current step (send it again to abandon a pending wait)`);
      stop.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const rounds = args.rounds === 0 ? "until stopped" : `${args.rounds} round${args.rounds === 1 ? "" : "s"}`;
      console.log(
        `Keeper for "${name}": diamond ${record.address} on ${connection.networkName} (chain ${record.chainId}), ` +
          `keeper ${signer.address}, every ${args.interval} ms, ${rounds}`,
      );
      const summary = await runKeeper({
        signer,
        provider,
        record,
        abi,
        intervalMs: args.interval,
        rounds: args.rounds,
        signal: stop.signal,
        abandon: abandon.signal,
      });
      console.log(formatSummary(summary, signalName));
      // A bounded run (cron, CI) that hit failures says so; a stop by signal is the operator's choice.
      if (summary.stoppedBy === "rounds" && summary.failed + summary.errors > 0) process.exitCode = 1;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  });
}
