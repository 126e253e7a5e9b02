import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { planAndApply, required, runTask, type TaskArgs } from "../run.js";

export default async function deploy(args: TaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(async () => {
    const set = required(args.set, "set", "name the module set to deploy (see the manifest's sets).");
    await planAndApply(args, hre, { kind: "deploy", set, name: args.name || set });
  });
}
