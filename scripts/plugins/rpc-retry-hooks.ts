// The network hooks of the rpc-retry plugin (see rpc-retry.ts).
import type { NetworkHooks } from "hardhat/types/hooks";

/** Tries per request, and the first wait (doubled after each failure, capped at 8 s). */
const ATTEMPTS = Number(process.env.FINSUITE_RPC_ATTEMPTS ?? "6");
const FIRST_WAIT_MS = Number(process.env.FINSUITE_RPC_BACKOFF_MS ?? "500");
const MAX_WAIT_MS = 8_000;

/** HardhatError numbers of CORE.NETWORK.CONNECTION_REFUSED and NETWORK_TIMEOUT. */
const HARDHAT_TRANSPORT_ERRORS = [703, 704];

/** Transport failures from Hardhat's HTTP provider; anything the node itself answered is not one. */
export function isTransportFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const number = (e as { number?: unknown }).number;
  if (e.name === "HardhatError") return typeof number === "number" && HARDHAT_TRANSPORT_ERRORS.includes(number);
  const code = (e as { code?: unknown }).code;
  // UnknownError (-1): the request failed below JSON-RPC (reset socket, 5xx, bad gateway).
  // LimitExceededError (-32005): still rate-limited after Hardhat's own retries.
  return code === -1 || code === -32005;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export default async (): Promise<Partial<NetworkHooks>> => ({
  async onRequest(context, connection, request, next) {
    if (connection.networkConfig.type !== "http") return next(context, connection, request);
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(context, connection, request);
      } catch (e) {
        if (!isTransportFailure(e) || attempt >= ATTEMPTS) {
          if (isTransportFailure(e)) {
            (e as Error).message =
              `${(e as Error).message}\n(${request.method} to network "${connection.networkName}" failed ${attempt} ` +
              "times; the RPC endpoint is unreachable or failing)";
          }
          throw e;
        }
        const wait = Math.min(FIRST_WAIT_MS * 2 ** (attempt - 1), MAX_WAIT_MS);
        console.error(
          `RPC ${request.method} to "${connection.networkName}" failed (${(e as Error).message.split("\n")[0]}); ` +
            `retry ${attempt}/${ATTEMPTS - 1} in ${wait} ms`,
        );
        await sleep(wait);
      }
    }
  },
});
