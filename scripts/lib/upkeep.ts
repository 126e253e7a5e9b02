// Integrator helpers for the upkeep module: the checkData/performData envelope
// `abi.encode(bytes32 moduleId, bytes moduleData)` that IUpkeep's pair takes and returns.
import { AbiCoder, decodeBytes32String } from "ethers";

import { moduleId } from "./core.js";

const coder = AbiCoder.defaultAbiCoder();

/** checkData (or performData) addressed to module `name` with the module's own data. */
export function upkeepData(name: string, moduleData: string = "0x"): string {
  return coder.encode(["bytes32", "bytes"], [moduleId(name), moduleData]);
}

/** The module name and module data of a performData (or checkData) envelope. */
export function decodeUpkeepData(data: string): { module: string; moduleData: string } {
  const [id, moduleData] = coder.decode(["bytes32", "bytes"], data) as unknown as [string, string];
  return { module: decodeBytes32String(id), moduleData };
}
