// Installs a manifest module on a diamond in one timelocked operation, without records:
// for tests, the benchmark and scripts that build a diamond in process. Deployments that
// keep records go through scripts/lib/deployments.ts.
import { ZeroAddress } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { IFinanceDiamond } from "../../typechain-types/index.js";
import { interfaceIdOf } from "./artifacts.js";
import { coreCalls, runTimelocked, selectorsOf, type TimelockedResult } from "./core.js";
import type { Manifest } from "./manifest.js";

/**
 * Deploys the facets (and shared contracts and init contract) of module `id` as the manifest declares them
 * and installs the module, running its init. `diamond` must be connected as the upgrader
 * of a diamond whose timelock delay is 0.
 */
export async function installFromManifest(
  ethers: HardhatEthers,
  diamond: IFinanceDiamond,
  manifest: Manifest,
  id: string,
): Promise<TimelockedResult> {
  const def = manifest.modules[id];
  if (def === undefined) throw new Error(`module "${id}" is not in the manifest`);
  const facets = [];
  for (const name of def.facets) {
    const facet = await ethers.deployContract(name);
    facets.push({ facetAddress: await facet.getAddress(), functionSelectors: selectorsOf(facet.interface) });
  }
  const interfaceIds = [];
  for (const name of def.interfaces ?? []) {
    interfaceIds.push(interfaceIdOf(selectorsOf((await ethers.getContractAt(name, ZeroAddress)).interface)));
  }
  const shared: Record<string, string> = {};
  for (const name of def.contracts ?? []) shared[name] = await (await ethers.deployContract(name)).getAddress();
  let init = ZeroAddress;
  let initData = "0x";
  if (def.init !== undefined) {
    const contract = await ethers.deployContract(def.init.contract);
    init = await contract.getAddress();
    initData = contract.interface.encodeFunctionData(
      def.init.function,
      def.init.args?.(manifest.defaults, shared) ?? [],
    );
  }
  const spec = { id, version: def.version, facets, interfaceIds, dependencies: def.dependencies ?? [] };
  return runTimelocked(diamond, [coreCalls.installModule(spec, init, initData)]);
}
