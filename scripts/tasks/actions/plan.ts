import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatPlan, prepare } from "../../lib/deployments.js";
import { required, runTask, suiteContext, type TaskArgs } from "../run.js";

export default async function plan(args: TaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(async () => {
    const name = required(args.name || args.set, "name", "name the deployment (or give --set for a new one).");
    const ctx = await suiteContext(args, hre);
    const prepared = await prepare(ctx, { kind: "plan", name, set: args.set || undefined });
    console.log(formatPlan(prepared));
    if (prepared.plan.problems.length > 0) process.exitCode = 1;
  });
}
