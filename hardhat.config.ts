import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

import rpcRetryPlugin from "./scripts/plugins/rpc-retry.js";
import { keeperTasks } from "./scripts/tasks/keeper.js";
import { lendingTasks } from "./scripts/tasks/lending.js";
import { modulesTasks } from "./scripts/tasks/modules.js";

const require = createRequire(import.meta.url);

// Compile offline with the WebAssembly solc from the npm `solc` package: Hardhat cannot
// download compilers on machines without internet access. Its version must match.
const SOLC_VERSION: string = require("solc/package.json").version;
const solcCompiler = {
  version: SOLC_VERSION,
  path: require.resolve("solc/soljson.js"),
  settings: {
    // cancun: transient storage for the shared reentrancy guard and timelock flag.
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 1000 },
    outputSelection: { "*": { "*": ["storageLayout"] } },
  },
};

// Morpho Blue, the benchmark's lending peer (`pragma solidity 0.8.19`), compiled as Morpho
// deploys it, so its figures are Morpho's. Hardhat picks a compiler by pragma: only
// Morpho's sources use this one. Every profile needs it: npmFilesToBuild applies to all.
const MORPHO_SOLC_VERSION: string = require("solc-0.8.19/package.json").version;
const morphoCompiler = {
  version: MORPHO_SOLC_VERSION,
  path: require.resolve("solc-0.8.19/soljson.js"),
  settings: {
    viaIR: true,
    optimizer: { enabled: true, runs: 999_999 },
    evmVersion: "paris",
    metadata: { bytecodeHash: "none" },
  },
};
const compilers = { compilers: [solcCompiler, morphoCompiler] };

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin, rpcRetryPlugin],
  tasks: [...modulesTasks, ...lendingTasks, ...keeperTasks],
  solidity: {
    // Tests, the benchmark and deployments use the same bytecode, so measured gas is
    // the gas users pay.
    profiles: {
      default: compilers,
      production: compilers,
    },
    // The benchmark's peers: a proxy and a lending protocol.
    npmFilesToBuild: [
      "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol",
      "@morpho-org/morpho-blue/src/Morpho.sol",
    ],
  },
  typechain: {
    outDir: "typechain-types",
  },
  // `npm run coverage` measures the production contracts; mocks are test code.
  coverage: {
    skipFiles: ["contracts/mocks/**"],
  },
  test: {
    // `default` keeps `npm test` fast; `deep` (npm run test:deep) runs long campaigns.
    solidity: {
      profiles: {
        default: { fuzz: { runs: 128 }, invariant: { runs: 32, depth: 20 } },
        deep: { fuzz: { runs: 10_000 }, invariant: { runs: 512, depth: 64 } },
      },
    },
    mocha: {
      timeout: 120_000,
    },
  },
  networks: {
    // A node you run yourself (hardhat node, anvil, …): RPC_URL, default http://127.0.0.1:8545.
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.RPC_URL ?? "http://127.0.0.1:8545",
    },
    // Public testnet: URL and key come from the Hardhat keystore or the environment.
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
    // A permissioned EVM network (e.g. Hyperledger Besu) with free gas.
    permissioned: {
      type: "http",
      chainType: "l1",
      url: configVariable("PERMISSIONED_RPC_URL"),
      accounts: [configVariable("PERMISSIONED_PRIVATE_KEY")],
      gasPrice: 0,
    },
  },
});
