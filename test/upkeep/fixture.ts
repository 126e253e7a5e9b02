// The upkeep tests' fixture: a diamond with the suite's upkeep module and the two test
// providers of contracts/mocks/UpkeepMocks.sol, installed as test/fixtures/manifest-upkeep.ts
// declares them (so the providers register from their install inits).
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { AbiCoder, Interface } from "ethers";

import { coreCalls, runTimelocked } from "../../scripts/lib/core.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import {
  IFinanceSuite__factory,
  MockAlarmFacet__factory,
  MockJobsFacet__factory,
  MockUpkeepInit__factory,
} from "../../typechain-types/index.js";
import upkeepManifest from "../fixtures/manifest-upkeep.js";
import { coreFixture } from "../helpers.js";

const coder = AbiCoder.defaultAbiCoder();

/** The jobs module's check data (`max` jobs at most) and perform data (`count` jobs from `from`). */
export const jobsCheckData = (max: bigint | number) => coder.encode(["uint256"], [max]);
export const jobsPerformData = (from: bigint | number, count: bigint | number) =>
  coder.encode(["uint256", "uint256"], [from, count]);

export const ALARM = { quiet: 0, raised: 1, checkReverts: 2, performReverts: 3 } as const;

export async function upkeepFixture(ethers: HardhatEthers) {
  const core = await coreFixture(ethers);
  const [, , , , , keeper, other] = await ethers.getSigners();
  const upgraderDiamond = core.diamond.connect(core.upgrader);
  const installs = [];
  for (const id of ["upkeep", "jobs", "alarm"]) {
    installs.push(await installFromManifest(ethers, upgraderDiamond, upkeepManifest, id));
  }
  const address = await core.diamond.getAddress();
  const init = await ethers.deployContract("MockUpkeepInit");
  const initAddress = await init.getAddress();
  const initIface = new Interface(MockUpkeepInit__factory.abi);
  return {
    ...core,
    keeper,
    other,
    address,
    installs,
    suite: IFinanceSuite__factory.connect(address, keeper),
    jobs: MockJobsFacet__factory.connect(address, other),
    alarm: MockAlarmFacet__factory.connect(address, other),
    /** Runs a `MockUpkeepInit` function in the diamond (a timelocked cut without cuts). */
    runInit: (fn: string, args: unknown[] = []) =>
      runTimelocked(upgraderDiamond, [coreCalls.diamondCut([], initAddress, initIface.encodeFunctionData(fn, args))]),
  };
}

export type UpkeepFixture = Awaited<ReturnType<typeof upkeepFixture>>;
