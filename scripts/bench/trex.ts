// T-REX 4.1.6 (ERC-3643) with ONCHAINID 2.2.1, the tokenized-asset module's peer: one
// suite deployed through T-REX's factory, verified investors (an identity, a KYC claim, a
// registry entry each) and what a transfer costs between them, next to a plain OpenZeppelin
// ERC-20 transfer, measured on the same chain as our modules. Everything T-REX is deployed
// from the Hardhat artifacts shipped in the npm packages: none of their sources is compiled.
import { createRequire } from "node:module";

import {
  AbiCoder,
  Contract,
  ContractFactory,
  Wallet,
  getBytes,
  id,
  keccak256,
  toUtf8Bytes,
  type ContractRunner,
  type InterfaceAbi,
} from "ethers";

import { gasOf, type BenchContext } from "./common.js";

/**
 * Receipt gasUsed (21,000 included) of T-REX actions on one token with one required claim
 * topic, one trusted claim issuer and no compliance module (the cheapest T-REX transfer),
 * and of the same transfers on an OpenZeppelin ERC-20. Every sender keeps a balance.
 */
export interface TrexFigures {
  /** T-REX transfer between two verified holders, receiver already holds tokens. */
  transfer: number;
  /** T-REX transfer to a verified wallet that held none. */
  transferNew: number;
  /** OpenZeppelin ERC-20 transfer, receiver already holds (same run). */
  ozTransfer: number;
  /** OpenZeppelin ERC-20 transfer to a fresh holder. */
  ozTransferNew: number;
  /** deployTREXSuite through the factory (token + registry + compliance). */
  deploySuite: number;
  /** Registering one investor in T-REX (createIdentity + addClaim + registerIdentity, summed). */
  registerInvestor: number;
  /** Of which the identity registry's `registerIdentity` (the wallet → identity entry). */
  registerWallet: number;
}

// --- Artifacts (Hardhat 2 JSON: abi + creation bytecode) ---------------------------------
interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}
const require = createRequire(import.meta.url);
const trexArtifact = (path: string): Artifact => require(`@tokenysolutions/t-rex/artifacts/contracts/${path}.json`);
const onchainIdArtifact = (path: string): Artifact => require(`@onchain-id/solidity/artifacts/contracts/${path}.json`);

const ART = {
  token: trexArtifact("token/Token.sol/Token"),
  ir: trexArtifact("registry/implementation/IdentityRegistry.sol/IdentityRegistry"),
  irs: trexArtifact("registry/implementation/IdentityRegistryStorage.sol/IdentityRegistryStorage"),
  tir: trexArtifact("registry/implementation/TrustedIssuersRegistry.sol/TrustedIssuersRegistry"),
  ctr: trexArtifact("registry/implementation/ClaimTopicsRegistry.sol/ClaimTopicsRegistry"),
  mc: trexArtifact("compliance/modular/ModularCompliance.sol/ModularCompliance"),
  trexAuthority: trexArtifact("proxy/authority/TREXImplementationAuthority.sol/TREXImplementationAuthority"),
  trexFactory: trexArtifact("factory/TREXFactory.sol/TREXFactory"),
  identity: onchainIdArtifact("Identity.sol/Identity"),
  idAuthority: onchainIdArtifact("proxy/ImplementationAuthority.sol/ImplementationAuthority"),
  idFactory: onchainIdArtifact("factory/IdFactory.sol/IdFactory"),
  claimIssuer: onchainIdArtifact("ClaimIssuer.sol/ClaimIssuer"),
};

/** Deploys an artifact and returns it as a contract bound to `runner`. */
async function deploy(art: Artifact, runner: ContractRunner, ...args: unknown[]): Promise<Contract> {
  const deployed = await new ContractFactory(art.abi, art.bytecode, runner).deploy(...args);
  await deployed.waitForDeployment();
  return new Contract(await deployed.getAddress(), art.abi, runner);
}

const KYC_TOPIC = 1n;
const ECDSA_SCHEME = 1n; // ONCHAINID claim scheme: an ECDSA signature
const CLAIM_PURPOSE = 3n; // ERC-734 key purpose: signs claims
const ECDSA_KEY_TYPE = 1n;
const COUNTRY = 250; // ISO 3166-1 numeric (no compliance module reads it)
const UNITS = 10n ** 18n;
const coder = AbiCoder.defaultAbiCoder();

export async function measureTrex(ctx: BenchContext): Promise<TrexFigures> {
  const { ethers } = ctx;
  // Signers 16..19: our scenarios send from 0..7 and 10..15 (lending), so every account here
  // sends its first transactions of the run. The issuer's claim key only signs off-chain.
  if (ctx.signers.length < 20) throw new Error(`T-REX bench needs 20 signers, got ${ctx.signers.length}`);
  const [deployer, holderA, holderB, holderC] = ctx.signers.slice(16, 20);
  const claimKey = new Wallet(id("t-rex bench: claim issuer signing key"));

  // --- T-REX implementations behind one implementation authority, version 4.0.0 -----------
  const impl = async (art: Artifact) => (await deploy(art, deployer)).getAddress();
  const implementations = {
    tokenImplementation: await impl(ART.token),
    ctrImplementation: await impl(ART.ctr),
    irImplementation: await impl(ART.ir),
    irsImplementation: await impl(ART.irs),
    tirImplementation: await impl(ART.tir),
    mcImplementation: await impl(ART.mc),
  };
  // Reference authority; no factory or IA factory yet (only needed for upgrades).
  const trexAuthority = await deploy(ART.trexAuthority, deployer, true, ethers.ZeroAddress, ethers.ZeroAddress);
  await (await trexAuthority.addAndUseTREXVersion({ major: 4, minor: 0, patch: 0 }, implementations)).wait();

  // --- ONCHAINID: identity implementation (library mode), its authority, the factory ------
  const identityImpl = await deploy(ART.identity, deployer, deployer.address, true);
  const idAuthority = await deploy(ART.idAuthority, deployer, await identityImpl.getAddress());
  const idFactory = await deploy(ART.idFactory, deployer, await idAuthority.getAddress());

  // The T-REX factory creates the token's identity, so the ID factory must accept it.
  const trexFactory = await deploy(
    ART.trexFactory,
    deployer,
    await trexAuthority.getAddress(),
    await idFactory.getAddress(),
  );
  await (await idFactory.addTokenFactory(await trexFactory.getAddress())).wait();

  // --- Claim issuer: managed by the deployer, with a separate CLAIM key ------------------
  const issuer = await deploy(ART.claimIssuer, deployer, deployer.address);
  const issuerAddress = await issuer.getAddress();
  const claimKeyHash = keccak256(coder.encode(["address"], [claimKey.address]));
  await (await issuer.addKey(claimKeyHash, CLAIM_PURPOSE, ECDSA_KEY_TYPE)).wait();

  // --- The suite: token, identity registry (+ storage, issuers, topics), compliance -------
  const tokenDetails = {
    owner: deployer.address,
    name: "Bench Security",
    symbol: "BSEC",
    decimals: 18,
    irs: ethers.ZeroAddress, // deploy a new identity registry storage
    ONCHAINID: ethers.ZeroAddress, // let the factory create the token's identity
    irAgents: [deployer.address],
    tokenAgents: [deployer.address],
    complianceModules: [],
    complianceSettings: [],
  };
  const claimDetails = { claimTopics: [KYC_TOPIC], issuers: [issuerAddress], issuerClaims: [[KYC_TOPIC]] };
  const suiteReceipt = await (await trexFactory.deployTREXSuite("bench-suite", tokenDetails, claimDetails)).wait();
  const deploySuite = Number(suiteReceipt.gasUsed);
  // Only the factory's own logs: the ID factory's `Deployed` event has the same topic but
  // an indexed argument, so it does not decode with the T-REX factory's ABI.
  const trexFactoryAddress = await trexFactory.getAddress();
  const deployed = suiteReceipt.logs
    .filter((log: { address: string }) => log.address === trexFactoryAddress)
    .map((log: { topics: string[]; data: string }) => trexFactory.interface.parseLog(log))
    .find((event: { name: string } | null) => event?.name === "TREXSuiteDeployed");
  if (!deployed) throw new Error("TREXSuiteDeployed not emitted");
  const token = new Contract(deployed.args._token, ART.token.abi, deployer);
  const identityRegistry = new Contract(deployed.args._ir, ART.ir.abi, deployer);

  // --- Investors: identity from the ID factory, a KYC claim signed by the issuer's claim key
  // and added by the investor (its identity's management key), a registry entry by the agent.
  let registerWallet = 0;
  const registerInvestor = async (wallet: (typeof ctx.signers)[number], salt: string): Promise<number> => {
    const create = await gasOf(idFactory.createIdentity(wallet.address, salt));
    const identityAddress: string = await idFactory.getIdentity(wallet.address);
    const data = toUtf8Bytes("KYC approved");
    const digest = keccak256(coder.encode(["address", "uint256", "bytes"], [identityAddress, KYC_TOPIC, data]));
    const signature = await claimKey.signMessage(getBytes(digest));
    const identity = new Contract(identityAddress, ART.identity.abi, wallet);
    const addClaim = await gasOf(identity.addClaim(KYC_TOPIC, ECDSA_SCHEME, issuerAddress, signature, data, ""));
    const register = await gasOf(identityRegistry.registerIdentity(wallet.address, identityAddress, COUNTRY));
    if (registerWallet === 0) registerWallet = register;
    return create + addClaim + register;
  };
  // The figure is the first investor's; the others cost the same up to calldata bytes.
  const registerFirst = await registerInvestor(holderA, "bench-holder-a");
  await registerInvestor(holderB, "bench-holder-b");
  await registerInvestor(holderC, "bench-holder-c");
  if (!(await identityRegistry.isVerified(holderC.address))) throw new Error("holder C not verified");

  // Two holders get tokens; the token starts paused, the agent unpauses it.
  await (await token.mint(holderA.address, 1_000n * UNITS)).wait();
  await (await token.mint(holderB.address, 1_000n * UNITS)).wait();
  await (await token.unpause()).wait();
  const asHolderA = token.connect(holderA) as Contract;
  const transfer = await gasOf(asHolderA.transfer(holderB.address, 10n * UNITS));
  const transferNew = await gasOf(asHolderA.transfer(holderC.address, 10n * UNITS));

  // --- OpenZeppelin ERC-20 peer: same senders, receivers and amounts ---------------------
  const plain = await ethers.deployContract("BenchPlainToken", [], deployer);
  await (await plain.mint(holderA.address, 1_000n * UNITS)).wait();
  await (await plain.mint(holderB.address, 1_000n * UNITS)).wait();
  const ozTransfer = await gasOf(plain.connect(holderA).transfer(holderB.address, 10n * UNITS));
  const ozTransferNew = await gasOf(plain.connect(holderA).transfer(holderC.address, 10n * UNITS));

  return {
    transfer,
    transferNew,
    ozTransfer,
    ozTransferNew,
    deploySuite,
    registerInvestor: registerFirst,
    registerWallet,
  };
}
