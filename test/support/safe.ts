// A real Safe on the test chain, deployed from the published artifacts of
// @safe-global/safe-contracts 1.4.1 (the canonical bytecode), and its owners signing by hand
// as Safe{Wallet} does: EIP-712 signatures, concatenated by ascending owner address.
import { createRequire } from "node:module";

import {
  Contract,
  ContractFactory,
  ZeroAddress,
  type ContractTransactionResponse,
  type InterfaceAbi,
  type Signer,
} from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { SafeTransaction, SafeTypedData } from "../../scripts/lib/safe.js";

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

// The package has no `main`: its artifacts are read by path.
const require = createRequire(import.meta.url);
const artifact = (path: string): Artifact =>
  require(`@safe-global/safe-contracts/build/artifacts/contracts/${path}.json`);

export const SAFE_ARTIFACTS = {
  Safe: artifact("Safe.sol/Safe"),
  SafeL2: artifact("SafeL2.sol/SafeL2"),
  SafeProxyFactory: artifact("proxies/SafeProxyFactory.sol/SafeProxyFactory"),
  CompatibilityFallbackHandler: artifact("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler"),
};

export interface DeployedSafe {
  /** The Safe (a proxy), with the singleton's ABI, connected to the deployer. */
  safe: Contract;
  address: string;
  singleton: string;
  factory: string;
  fallbackHandler: string;
}

async function deploy(art: Artifact, signer: Signer): Promise<Contract> {
  const deployed = await new ContractFactory(art.abi, art.bytecode, signer).deploy();
  await deployed.waitForDeployment();
  return new Contract(await deployed.getAddress(), art.abi, signer);
}

let saltNonce = 0n;

/**
 * Deploys a singleton (`Safe` or `SafeL2`), a proxy factory and the fallback handler, and
 * creates a Safe of `owners` with `threshold` through `createProxyWithNonce`, as Safe{Wallet}
 * does. Signer 0 deploys and pays.
 */
export async function deploySafe(
  ethers: HardhatEthers,
  owners: string[],
  threshold: number,
  singletonName: "Safe" | "SafeL2" = "Safe",
): Promise<DeployedSafe> {
  const [deployer] = await ethers.getSigners();
  const singleton = await deploy(SAFE_ARTIFACTS[singletonName], deployer);
  const factory = await deploy(SAFE_ARTIFACTS.SafeProxyFactory, deployer);
  const handler = await deploy(SAFE_ARTIFACTS.CompatibilityFallbackHandler, deployer);
  const [singletonAddress, factoryAddress, handlerAddress] = await Promise.all([
    singleton.getAddress(),
    factory.getAddress(),
    handler.getAddress(),
  ]);
  const setup = singleton.interface.encodeFunctionData("setup", [
    owners,
    threshold,
    ZeroAddress, // no setup call
    "0x",
    handlerAddress,
    ZeroAddress, // no payment for the creation
    0,
    ZeroAddress,
  ]);
  const tx = (await factory.createProxyWithNonce(singletonAddress, setup, ++saltNonce)) as ContractTransactionResponse;
  const receipt = await tx.wait();
  const created = receipt?.logs
    .map((log) => factory.interface.parseLog(log))
    .find((parsed) => parsed?.name === "ProxyCreation");
  if (!created) throw new Error("createProxyWithNonce emitted no ProxyCreation");
  const address: string = created.args.proxy;
  return {
    safe: new Contract(address, SAFE_ARTIFACTS[singletonName].abi, deployer),
    address,
    singleton: singletonAddress,
    factory: factoryAddress,
    fallbackHandler: handlerAddress,
  };
}

/**
 * The `signatures` argument of `execTransaction`: each signer's 65-byte EIP-712 signature
 * (r, s, v with v 27 or 28), ordered by ascending signer address as the Safe requires.
 */
export async function signSafeTx(signers: Signer[], typedData: SafeTypedData): Promise<string> {
  const signed = await Promise.all(
    signers.map(async (s) => ({
      owner: BigInt(await s.getAddress()),
      signature: await s.signTypedData(typedData.domain, typedData.types, typedData.message),
    })),
  );
  signed.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  return "0x" + signed.map((s) => s.signature.slice(2)).join("");
}

/** Submits a signed Safe transaction; `executor` pays the gas and need not be an owner. */
export async function execSafeTx(
  safe: Contract,
  tx: SafeTransaction,
  signatures: string,
  executor: Signer,
): Promise<ContractTransactionResponse> {
  return (safe.connect(executor) as Contract).execTransaction(
    tx.to,
    tx.value,
    tx.data,
    tx.operation,
    tx.safeTxGas,
    tx.baseGas,
    tx.gasPrice,
    tx.gasToken,
    tx.refundReceiver,
    signatures,
  );
}
