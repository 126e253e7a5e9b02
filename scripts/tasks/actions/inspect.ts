import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { inspect } from "../../lib/inspect.js";
import { required, runTask, suiteContext, type TaskArgs } from "../run.js";

export default async function inspectTask(args: TaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(async () => {
    const name = required(args.name, "name", "name the deployment to inspect.");
    const report = await inspect(await suiteContext(args, hre), name);
    console.log(report.lines.join("\n"));
    if (report.drift.length > 0) process.exitCode = 1;
  });
}
