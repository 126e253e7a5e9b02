import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { planAndApply, required, runTask, type TaskArgs } from "../run.js";

export default async function upgrade(args: TaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(async () => {
    const name = required(args.name, "name", "name the deployment to upgrade.");
    await planAndApply(args, hre, { kind: "upgrade", name });
  });
}
