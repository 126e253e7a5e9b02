// An HTTP JSON-RPC proxy in front of a test node that fails on demand: it resets the
// connection, answers 503, or forwards the request and loses the answer ("lost": the node
// acted, the caller cannot know), for chosen requests; or it goes down altogether. For the deploy
// tooling's "RPC failures are retried; a run that cannot continue stops and resumes".
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyRpc {
  url: string;
  /** Requests received so far (each JSON-RPC call, including failed ones). */
  readonly requests: number;
  /** Requests failed so far. */
  readonly failures: number;
  /** Which request numbers (1-based) fail, and how; "down" fails every one. */
  fail: ((n: number) => "reset" | "503" | "lost" | null) | "down";
  close: () => Promise<void>;
}

export async function startFlakyRpc(target: string): Promise<FlakyRpc> {
  let requests = 0;
  let failures = 0;
  const proxy: FlakyRpc = {
    url: "",
    get requests() {
      return requests;
    },
    get failures() {
      return failures;
    },
    fail: () => null,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests += 1;
      const how = proxy.fail === "down" ? "reset" : proxy.fail(requests);
      if (how !== null && how !== "lost") {
        failures += 1;
        if (how === "reset") req.socket.destroy();
        else res.writeHead(503, { "content-type": "text/plain" }).end("service unavailable");
        return;
      }
      fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) })
        .then(async (upstream) => {
          if (how === "lost") {
            failures += 1;
            req.socket.destroy();
            return;
          }
          res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
        })
        .catch(() => req.socket.destroy());
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
