// Reads a diamond's state from the chain into the planner's plain-data shape.
import { decodeBytes32String, keccak256, type Provider } from "ethers";

import { IFinanceDiamond__factory } from "../../typechain-types/index.js";
import type { SemVerTuple } from "./core.js";
import type { ChainModule, ChainState } from "./plan.js";

export async function readModules(provider: Provider, diamond: string): Promise<ChainModule[]> {
  const infos = await IFinanceDiamond__factory.connect(diamond, provider).getModules();
  return infos.map((m) => ({
    id: decodeBytes32String(m.id),
    version: [Number(m.version.major), Number(m.version.minor), Number(m.version.patch)] as SemVerTuple,
    facets: m.facets.map((f) => ({ address: f.facetAddress, selectors: [...f.functionSelectors] })),
    dependencies: m.dependencies.map((d) => decodeBytes32String(d)),
  }));
}

export async function codeHashOf(provider: Provider, address: string): Promise<string | null> {
  const code = await provider.getCode(address);
  return code === "0x" ? null : keccak256(code);
}

/**
 * The chain as the planner sees it: the diamond's modules (if `diamond` is given) and the
 * code hash at every facet address involved plus `extraAddresses`.
 */
export async function readChainState(
  provider: Provider,
  diamond: string | null,
  extraAddresses: string[],
): Promise<ChainState> {
  const chainId = Number((await provider.getNetwork()).chainId);
  const modules = diamond === null ? [] : await readModules(provider, diamond);
  const addresses = new Set(extraAddresses.map((a) => a.toLowerCase()));
  modules.forEach((m) => m.facets.forEach((f) => addresses.add(f.address.toLowerCase())));
  const codeHashes: Record<string, string> = {};
  for (const address of addresses) {
    const hash = await codeHashOf(provider, address);
    if (hash !== null) codeHashes[address] = hash;
  }
  return { chainId, diamond: diamond === null ? null : { address: diamond, modules }, codeHashes };
}
