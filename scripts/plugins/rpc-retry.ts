// A Hardhat plugin: JSON-RPC requests to HTTP networks that fail in transport (connection
// refused or dropped, timeout, 5xx, rate limit) are retried with exponential backoff
// before the failure reaches the caller. Errors the node answers with (a revert, a bad
// nonce) are never retried. The deploy tooling relies on it for "RPC failures are retried".
import type { HardhatPlugin } from "hardhat/types/plugins";

const rpcRetryPlugin: HardhatPlugin = {
  id: "finsuite-rpc-retry",
  hookHandlers: {
    network: () => import("./rpc-retry-hooks.js"),
  },
};

export default rpcRetryPlugin;
