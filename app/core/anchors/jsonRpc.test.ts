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
import { anchorOfCalldata, decodeAnchorOf, fallbackRpc, hedgedRpc, httpRpc } from "./jsonRpc.ts";
import { RpcResponseError } from "./errors.ts";
import type { Hex } from "../types.ts";

const PORT = 8617;
let server: Server;
let hits: { path: string; body: unknown }[] = [];
/** The POSTs to /hang and /slow: abandoned when the client closed it before an answer. */
let held: { path: string; abandoned: boolean }[] = [];

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
      if (path === "/hang" || path === "/slow") {
        const h = { path, abandoned: false };
        held.push(h);
        res.on("close", () => (h.abandoned ||= !res.writableEnded));
        if (path === "/hang") return;
        return void setTimeout(() => !h.abandoned && reply(200, JSON.stringify(Array.isArray(items) ? items.map(answer) : answer(items))), 400);
      }
      const other = (i: { id: number; method: string }) => ({ jsonrpc: "2.0", id: i.id, result: `${i.method}-other` });
      if (path === "/other") return reply(200, JSON.stringify(Array.isArray(items) ? items.map(other) : other(items)));
      const refuse = (i: { id: number }) => ({ jsonrpc: "2.0", id: i.id, error: { code: -32000, message: "header not found" } });
      if (path === "/refuse") return reply(200, JSON.stringify(Array.isArray(items) ? items.map(refuse) : refuse(items)));
      reply(200, JSON.stringify(Array.isArray(items) ? items.map(answer) : answer(items)));
    });
  });
  await new Promise<void>((r) => server.listen(PORT, "127.0.0.1", r));
});
afterAll(async () => {
  server.closeAllConnections();
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

describe("hedgedRpc: the next endpoint is asked when one is late, the first valid answer wins", () => {
  const until = async (condition: () => boolean, ms = 3_000) => {
    for (const end = Date.now() + ms; !condition() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    return condition();
  };
  const since = (t: number) => performance.now() - t;

  it("a hung endpoint: the next answers after the delay, not the timeout; the hung request is cancelled; the next is asked first from then on", async () => {
    hits = [];
    held = [];
    const rpc = hedgedRpc([httpRpc(url("/hang"), { timeoutMs: 20_000 }), httpRpc(url("/ok"), { timeoutMs: 20_000 })], { hedgeDelayMs: 100 });
    const t = performance.now();
    expect(await rpc.request("a", [])).toBe("a-ok");
    expect(since(t)).toBeLessThan(5_000);
    expect(await until(() => held.length === 1 && held[0]!.abandoned)).toBe(true); // the loser's HTTP request, closed
    expect(await rpc.request("b", [])).toBe("b-ok");
    expect(hits.map((h) => h.path)).toEqual(["/hang", "/ok", "/ok"]);
  });

  it("an endpoint that answers in time is never raced; one that answers late still wins when it is the only answer", async () => {
    hits = [];
    held = [];
    const inTime = hedgedRpc([httpRpc(url("/ok"), { timeoutMs: 5_000 }), httpRpc(url("/other"), { timeoutMs: 5_000 })], { hedgeDelayMs: 2_000 });
    expect(await inTime.request("a", [])).toBe("a-ok");
    expect(hits.map((h) => h.path)).toEqual(["/ok"]);
    const lateOnly = hedgedRpc([httpRpc(url("/slow"), { timeoutMs: 20_000 }), httpRpc(url("/hang"), { timeoutMs: 20_000 })], { hedgeDelayMs: 100 });
    expect(await lateOnly.request("a", [])).toBe("a-ok");
    expect(held.map((h) => h.path)).toEqual(["/slow", "/hang"]);
    expect(await until(() => held[1]!.abandoned)).toBe(true);
    expect(held[0]!.abandoned).toBe(false);
  });

  it("a fast answer that fails the request's check, or a JSON-RPC error, does not win over a later valid one", async () => {
    held = [];
    const parse = (v: unknown) => {
      if (v !== "a-ok") throw new RpcResponseError({ details: `unexpected ${String(v)}` });
      return v;
    };
    const rpc = hedgedRpc([httpRpc(url("/slow"), { timeoutMs: 20_000 }), httpRpc(url("/other"), { timeoutMs: 20_000 })], { hedgeDelayMs: 50 });
    expect(await rpc.request("a", [], { parse })).toBe("a-ok"); // /other answered first, with "a-other"
    expect(held).toEqual([{ path: "/slow", abandoned: false }]);
    held = [];
    const erring = hedgedRpc([httpRpc(url("/slow"), { timeoutMs: 20_000 }), httpRpc(url("/refuse"), { timeoutMs: 20_000 })], { hedgeDelayMs: 50 });
    expect(await erring.request("a", [])).toBe("a-ok");
    expect(held).toEqual([{ path: "/slow", abandoned: false }]);
  });

  it("every endpoint fails or hangs: the failure (typed) once the last asked has had its full timeout", async () => {
    const o = { timeoutMs: 1_000, retryCount: 0 };
    const t = performance.now();
    const hung = hedgedRpc([httpRpc(url("/hang"), o), httpRpc(url("/hang"), o), httpRpc(url("/hang"), o)], { hedgeDelayMs: 200 });
    expect(await failure(hung.request("a", []))).toBe("RpcTimeoutError");
    expect(since(t)).toBeGreaterThanOrEqual(1_000 + 2 * 200 - 50);
    expect(since(t)).toBeLessThan(2_900); // 3 x 1 s one after the other
    const mixed = hedgedRpc([httpRpc(url("/500"), o), httpRpc(url("/html"), o)], { hedgeDelayMs: 5_000, failure: (errors) => errors[0] });
    expect(await failure(mixed.request("a", []))).toBe("RpcUnreachableError"); // a failure asks the next at once
    expect(await failure(hedgedRpc([httpRpc(url("/500"), o), httpRpc(url("/html"), o)]).request("a", []))).toBe("RpcResponseError");
  });

  it("a request abandoned by its caller fails at once; its HTTP request is cancelled once no request of its batch waits", async () => {
    held = [];
    const rpc = httpRpc(url("/hang"), { timeoutMs: 20_000 });
    const caller = new AbortController();
    const alone = rpc.request("a", [], { signal: caller.signal });
    await until(() => held.length === 1);
    caller.abort();
    expect(await failure(alone)).toBe("RpcTimeoutError");
    expect(await until(() => held[0]!.abandoned)).toBe(true);

    const slow = httpRpc(url("/slow"), { timeoutMs: 20_000 });
    const one = new AbortController();
    const [dropped, kept] = [slow.request("a", [], { signal: one.signal }), slow.request("b", [])];
    await until(() => held.length === 2);
    one.abort();
    expect(await failure(dropped)).toBe("RpcTimeoutError");
    expect(await kept).toBe("b-ok");
    expect(held[1]).toEqual({ path: "/slow", abandoned: false });
  });
});
