import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { planAndApply, required, runTask, type TaskArgs } from "../run.js";

export default async function add(args: TaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(async () => {
    const module = required(args.module, "module", "name the module to add.");
    const name = required(args.name, "name", "name the deployment to change.");
    await planAndApply(args, hre, { kind: "add", name, module });
  });
}
