/**
 * The reader's own JSON-RPC client: its encoding against viem's (a second implementation), and its
 * failures against a real HTTP server that answers badly on purpose (port 8617). The reads themselves
 * run against a real chain in registry.test.ts.
 */
import { createServer, type Server } from "node:http";
import fc from "fast-check";
import { encodeFunctionData, encodeFunctionResult } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorOfAbi } from "./registry.ts";
import { anchorOfCalldata, decodeAnchorOf, fallbackRpc, httpRpc } from "./jsonRpc.ts";
import type { Hex } from "../types.ts";

const PORT = 8617;
let server: Server;
let hits: { path: string; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      hits.push({ path, body: JSON.parse(body) });
      const reply = (status: number, text: string, type = "application/json") => {
        res.writeHead(status, { "content-type": type });
        res.end(text);
      };
      const items = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
      const answer = (i: { id: number; method: string }) =>
        i.method === "fail" ? { jsonrpc: "2.0", id: i.id, error: { code: -32000, message: "boom" } } : { jsonrpc: "2.0", id: i.id, result: `${i.method}-ok` };
      if (path === "/html") return reply(200, "<!doctype html><p>not an RPC", "text/html");
      if (path === "/500") return reply(500, "down");
      if (path === "/404") return reply(404, "nope");
      if (path === "/drop") return reply(200, JSON.stringify([]));
      reply(200, JSON.stringify(Array.isArray(items) ? items.map(answer) : answer(items)));
    });
  });
  await new Promise<void>((r) => server.listen(PORT, "127.0.0.1", r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const url = (path: string) => `http://127.0.0.1:${PORT}${path}`;
const failure = (p: Promise<unknown>) => p.then(() => "resolved", (e: Error) => e.name);

describe("anchorOf encoding", () => {
  it("calldata and return data as viem encodes them", () => {
    const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
    fc.assert(
      fc.property(hex(20), hex(32), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (anchorer, root, t, b) => {
        expect(anchorOfCalldata(anchorer, root)).toBe(encodeFunctionData({ abi: anchorOfAbi, functionName: "anchorOf", args: [anchorer, root] }));
        const data = encodeFunctionResult({ abi: anchorOfAbi, functionName: "anchorOf", result: [t, b] });
        expect(decodeAnchorOf(data, "x")).toEqual({ timestamp: t, blockNumber: b });
      }),
      { numRuns: 100 },
    );
  });
  it("typed failures for no code, short or oversized data, and bad inputs", () => {
    expect(() => decodeAnchorOf("0x", "x")).toThrow(expect.objectContaining({ name: "RegistryNotFoundError" }));
    expect(() => decodeAnchorOf("0x1234", "x")).toThrow(expect.objectContaining({ name: "RpcResponseError" }));
    expect(() => decodeAnchorOf(`0x${"f".repeat(128)}`, "x")).toThrow(expect.objectContaining({ name: "RpcResponseError" }));
    expect(() => decodeAnchorOf(null, "x")).toThrow(expect.objectContaining({ name: "RpcResponseError" }));
    expect(() => anchorOfCalldata("0x12" as Hex, `0x${"0".repeat(64)}` as Hex)).toThrow(expect.objectContaining({ name: "RpcResponseError" }));
  });
});

describe("httpRpc against a real HTTP server", () => {
  it("batches requests made together into one POST and matches answers by id", async () => {
    hits = [];
    const rpc = httpRpc(url("/ok"), { timeoutMs: 2000 });
    expect(await Promise.all([rpc.request("a", []), rpc.request("b", [1]), rpc.request("c", [])])).toEqual(["a-ok", "b-ok", "c-ok"]);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.body).toHaveLength(3);
    await rpc.request("d", []);
    expect(hits).toHaveLength(2);
  });
  it("a JSON-RPC error fails its own request only", async () => {
    const rpc = httpRpc(url("/ok"), { timeoutMs: 2000 });
    const [good, bad] = [rpc.request("a", []), failure(rpc.request("fail", []))];
    expect(await good).toBe("a-ok");
    expect(await bad).toBe("RpcResponseError");
  });
  it("HTML, HTTP errors, missing answers, closed ports: typed, never a crash", async () => {
    const o = { timeoutMs: 2000, retryCount: 0 };
    expect(await failure(httpRpc(url("/html"), o).request("a", []))).toBe("RpcResponseError");
    expect(await failure(httpRpc(url("/404"), o).request("a", []))).toBe("RpcUnreachableError");
    expect(await failure(httpRpc(url("/drop"), o).request("a", []))).toBe("RpcResponseError");
    expect(await failure(httpRpc("http://127.0.0.1:8619/", o).request("a", []))).toBe("RpcUnreachableError");
  });
  it("retries an HTTP 5xx once, then fails; a fallback endpoint answers instead", async () => {
    hits = [];
    expect(await failure(httpRpc(url("/500"), { timeoutMs: 2000 }).request("a", []))).toBe("RpcUnreachableError");
    expect(hits.filter((h) => h.path === "/500")).toHaveLength(2);
    const both = fallbackRpc([httpRpc(url("/500"), { timeoutMs: 2000, retryCount: 0 }), httpRpc(url("/ok"), { timeoutMs: 2000 })]);
    expect(await both.request("a", [])).toBe("a-ok");
  });
});
