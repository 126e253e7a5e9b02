// Task actions that compile first, as `hardhat test` and `hardhat run` do: a command never
// runs on stale or missing artifacts, and on a fresh clone the action's modules (which
// import the TypeChain types a build generates) load only after the build.
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

type Action<Args> = (args: Args, hre: HardhatRuntimeEnvironment) => Promise<void>;

/** A lazy task action that builds the contracts (quietly, skipping Solidity tests), then loads and runs `load`'s action. */
export function compiledFirst<Args>(load: () => Promise<{ default: Action<Args> }>) {
  return async (): Promise<{ default: Action<Args> }> => ({
    default: async (args, hre) => {
      await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
      const action = (await load()).default;
      await action(args, hre);
    },
  });
}
