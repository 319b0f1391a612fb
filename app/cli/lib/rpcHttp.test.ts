/**
 * The command line's node:http transport, through the core's JSON-RPC client, against a real HTTP server
 * that answers well and badly on purpose, and side by side with the global fetch: the same answers and
 * the same typed failures, whichever transport carries them. The real chain: app/cli/commands/audit.test.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_RPC_RESPONSE_BYTES, httpRpc, limitedFetch, type RpcFetch } from "../../core/anchors/jsonRpc.ts";
import { nodeRpcFetch } from "./rpcHttp.ts";

let server: Server;
let base = "";
const connections = new Set<string>();
let posts = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    connections.add(`${req.socket.remotePort}`);
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      posts++;
      const path = req.url ?? "/";
      const reply = (status: number, text: string, type = "application/json") => {
        res.writeHead(status, { "content-type": type });
        res.end(text);
      };
      if (path === "/html") return reply(200, "<!doctype html><p>not an RPC", "text/html");
      if (path === "/500") return reply(500, "down");
      if (path === "/redirect") {
        res.writeHead(307, { location: "/ok" });
        return res.end();
      }
      if (path === "/slow") return; // never answers
      if (path === "/slow-body") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.write('{"jsonrpc":"2.0",');
      }
      if (path === "/reset") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"jsonrpc":"2.0",');
        return setTimeout(() => req.socket.destroy(), 20);
      }
      if (path === "/huge") {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const push = () => {
          while (sent <= MAX_RPC_RESPONSE_BYTES) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", push);
          }
          res.end("{}");
        };
        return push();
      }
      const items = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
      const answer = (i: { id: number; method: string }) => ({ jsonrpc: "2.0", id: i.id, result: `${i.method}-ok-é` });
      reply(200, JSON.stringify(Array.isArray(items) ? items.map(answer) : answer(items)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const failure = (p: Promise<unknown>) => p.then(() => "resolved", (e: Error) => e.name);
const transports: [string, RpcFetch][] = [
  ["node:http", nodeRpcFetch],
  ["global fetch (the core's default, size-limited)", limitedFetch],
];

describe.each(transports)("httpRpc over %s", (_, fetchFn) => {
  const o = { timeoutMs: 2000, retryCount: 0, fetchFn };
  it("answers single and batched requests (UTF-8 intact)", async () => {
    const rpc = httpRpc(`${base}/ok`, o);
    expect(await rpc.request("a", [])).toBe("a-ok-é");
    expect(await Promise.all([rpc.request("b", [1]), rpc.request("c", [])])).toEqual(["b-ok-é", "c-ok-é"]);
  });
  it("HTML, HTTP errors, redirects and closed ports: typed failures", async () => {
    expect(await failure(httpRpc(`${base}/html`, o).request("a", []))).toBe("RpcResponseError");
    expect(await failure(httpRpc(`${base}/500`, o).request("a", []))).toBe("RpcUnreachableError");
    expect(await failure(httpRpc("http://127.0.0.1:9/", o).request("a", []))).toBe("RpcUnreachableError");
    expect(await failure(httpRpc("ftp://127.0.0.1/", o).request("a", []))).toBe("RpcUnreachableError");
  });
  it("no answer, or an answer that stops half-way, within the timeout: RpcTimeoutError", async () => {
    const quick = { ...o, timeoutMs: 150 };
    expect(await failure(httpRpc(`${base}/slow`, quick).request("a", []))).toBe("RpcTimeoutError");
    expect(await failure(httpRpc(`${base}/slow-body`, quick).request("a", []))).toBe("RpcTimeoutError");
  });
  it("refuses an answer larger than its limit instead of buffering it", async () => {
    const rpc = httpRpc(`${base}/huge`, { ...o, timeoutMs: 10_000 });
    await expect(rpc.request("a", [])).rejects.toMatchObject({ name: "RpcResponseError", details: expect.stringContaining("larger than") });
  });
  it("a connection reset mid-answer fails the request, never hangs", async () => {
    expect(await failure(httpRpc(`${base}/reset`, o).request("a", []))).toMatch(/^Rpc(Response|Unreachable)Error$/);
  });
});

describe("nodeRpcFetch", () => {
  it("does not follow redirects: a 3xx is not ok", async () => {
    const r = await nodeRpcFetch(`${base}/redirect`, { method: "POST", headers: {}, body: "{}", signal: AbortSignal.timeout(2000) });
    expect(r).toMatchObject({ ok: false, status: 307 });
    expect(await failure(httpRpc(`${base}/redirect`, { timeoutMs: 2000, retryCount: 0, fetchFn: nodeRpcFetch }).request("a", []))).toBe("RpcUnreachableError");
  });
  it("keeps the connection alive between batches", async () => {
    connections.clear();
    const rpc = httpRpc(`${base}/ok`, { timeoutMs: 2000, retryCount: 0, fetchFn: nodeRpcFetch });
    const before = posts;
    for (let k = 0; k < 4; k++) await rpc.request("a", []);
    expect(posts - before).toBe(4);
    expect(connections.size).toBe(1);
  });
  it("an already aborted signal never sends", async () => {
    const before = posts;
    const controller = new AbortController();
    controller.abort(new DOMException("stop", "AbortError"));
    await expect(nodeRpcFetch(`${base}/ok`, { method: "POST", headers: {}, body: "{}", signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(posts).toBe(before);
  });
});
