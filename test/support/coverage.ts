// Coverage runs (`npm run coverage`, i.e. `hardhat test --coverage`) execute instrumented
// bytecode: every statement also records a hit, so it costs more gas, and only the in-process
// network reports hits. Two kinds of test cannot work there and are skipped in those runs
// only, through these wrappers, so a normal `npm test` runs every one of them:
// - gas budgets (`reason: GAS`): they measure the bytecode users deploy, not instrumented code;
// - separate processes (`reason: PROCESS`): CLIs and `hardhat node` / anvil compile and run
//   their own, uninstrumented build, and their hits are not collected.
// docs/coverage.md lists every test skipped this way.
import hre from "hardhat";

/** True when this run was started with `--coverage`. */
export const COVERAGE = hre.globalOptions.coverage === true;

export const GAS = "gas budget: instrumented bytecode costs more gas";
export const PROCESS = "separate process: its hits are not collected";

type SuiteBody = (this: Mocha.Suite) => void;
type TestBody = (this: Mocha.Context) => Promise<void>;

/** `describe`, skipped (with the reason in its title) when coverage is on. */
export function describeUnlessCoverage(reason: string, title: string, body: SuiteBody): Mocha.Suite | void {
  return COVERAGE ? describe.skip(`${title} [not under coverage: ${reason}]`, body) : describe(title, body);
}

/** `it`, skipped (with the reason in its title) when coverage is on. */
export function itUnlessCoverage(reason: string, title: string, body: TestBody): Mocha.Test {
  return COVERAGE ? it.skip(`${title} [not under coverage: ${reason}]`, body) : it(title, body);
}
