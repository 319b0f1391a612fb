import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { anchorRegistryAbi } from "../../contracts/abi.ts";
import { startAnchorChain, type AnchorChain } from "../../cli/lib/testing/anchorChain.ts";
import { anchorOfAbi, createRpcChainReader } from "./registry.ts";
import { leafHash } from "./leaf.ts";
import { processProof } from "./path.ts";
import { MerkleTree } from "merkletreejs";
import { createPublicClient, http, keccak256 } from "viem";
import type { Hex } from "../types.ts";

const CHAIN_PORT = 8610;
const SILENT_PORT = 8618; // accepts connections, never answers
const CLOSED_PORT = 8619; // nothing listens

let env: AnchorChain;
let silent: Server;
const root = leafHash("did:webvh:x:localhost", "1-registry-test");
const otherRoot = leafHash("did:webvh:x:localhost", "2-registry-test");

beforeAll(async () => {
  env = await startAnchorChain(CHAIN_PORT);
  await env.anchor(env.accounts[0]!, root);
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(SILENT_PORT, "127.0.0.1", r));
}, 180_000);

afterAll(async () => {
  silent?.closeAllConnections();
  await new Promise((r) => silent?.close(r));
  for (const e of fakes) {
    e.server.closeAllConnections();
    await new Promise((r) => e.server.close(r));
  }
  await env?.stop();
});

/**
 * A JSON-RPC endpoint on a real local HTTP server (node:http, a free port), in front of the test chain:
 * `hang: "all"` accepts and never answers; `hang: "reads"` answers a POST that only asks eth_chainId and
 * never any other; `delayMs` answers that late; `liesAsChain` answers at once for another chain, with a
 * block of its own and an anchor record for whatever it is asked. It records every POST it got: the
 * methods, and whether it answered or the client gave up on it (closed it first).
 */
interface Fake {
  url: string;
  server: Server;
  posts: { methods: string[]; outcome: "pending" | "answered" | "abandoned" }[];
}
const fakes: Fake[] = [];
const FORGED_BLOCK = 0x7fffff;
async function fakeEndpoint(mode: { hang?: "all" | "reads"; delayMs?: number; liesAsChain?: number }): Promise<Fake> {
  const posts: Fake["posts"] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", async () => {
      const parsed = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
      const items = Array.isArray(parsed) ? parsed : [parsed];
      const post = { methods: items.map((i) => i.method), outcome: "pending" as Fake["posts"][number]["outcome"] };
      posts.push(post);
      res.on("close", () => {
        if (!res.writableEnded) post.outcome = "abandoned";
      });
      if (mode.hang === "all" || (mode.hang === "reads" && post.methods.some((m) => m !== "eth_chainId"))) return;
      if (mode.delayMs) await new Promise((r) => setTimeout(r, mode.delayMs));
      if (post.outcome === "abandoned") return;
      let text: string;
      if (mode.liesAsChain !== undefined) {
        const forged = (method: string): unknown => {
          if (method === "eth_chainId") return `0x${mode.liesAsChain!.toString(16)}`;
          if (method === "eth_getBlockByNumber") return { number: `0x${FORGED_BLOCK.toString(16)}`, timestamp: "0x6553f100" };
          return `0x${"1".padStart(64, "0")}${"1".padStart(64, "0")}`; // anchorOf: anchored at block 1, whatever was asked
        };
        const answers = items.map((i) => ({ jsonrpc: "2.0", id: i.id, result: forged(i.method) }));
        text = JSON.stringify(Array.isArray(parsed) ? answers : answers[0]);
      } else {
        text = await (await fetch(env.chain.url, { method: "POST", headers: { "content-type": "application/json" }, body })).text();
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(text);
      post.outcome = "answered";
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const fake = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, posts };
  fakes.push(fake);
  return fake;
}
const until = async (condition: () => boolean, ms = 3_000) => {
  for (const end = Date.now() + ms; !condition() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  return condition();
};
const methodsOf = (fake: Fake) => fake.posts.flatMap((p) => p.methods);

describe("anchorOfAbi", () => {
  it("is the generated ABI's anchorOf", () => {
    const generated = anchorRegistryAbi.find((f) => f.type === "function" && f.name === "anchorOf");
    expect(generated && { ...generated, inputs: generated.inputs.map(({ name, type }) => ({ name, type })), outputs: generated.outputs.map(({ name, type }) => ({ name, type })) }).toEqual(anchorOfAbi[0]);
  });
});

describe("createRpcChainReader on a real chain", () => {
  it("reads an anchor record (time and block) and null for another anchorer or root", async () => {
    const reader = createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] } });
    const q = { chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root };
    const record = await reader.readAnchor(q);
    expect(record).toMatchObject({ ...q, blockNumber: expect.any(Number), timestamp: expect.any(Number) });
    expect(record!.timestamp).toBeGreaterThan(1_600_000_000);
    expect(await reader.readAnchor({ ...q, anchorer: env.accounts[1]! })).toBeNull();
    expect(await reader.readAnchor({ ...q, root: otherRoot })).toBeNull();
    // checksummed or lower-case addresses alike
    expect(await reader.readAnchor({ ...q, anchorer: env.accounts[0]!.toLowerCase() as Hex })).not.toBeNull();
    const at = reader.readAt(env.chain.chainId)!;
    expect(at.offline).toBe(false);
    expect(at.blockNumber).toBeGreaterThanOrEqual(record!.blockNumber);
    expect(Date.parse(at.time)).toBeGreaterThanOrEqual(record!.timestamp * 1000);
  });

  it("reads at one pinned block: an anchor made after the first read is not seen until the pin expires", async () => {
    const reader = createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] }, pinMaxAgeMs: 60_000, absentMaxAgeMs: 60_000 });
    const late = leafHash("did:webvh:x:localhost", "late");
    const q = { chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root: late };
    expect(await reader.readAnchor(q)).toBeNull();
    const pinned = reader.readAt(env.chain.chainId)!.blockNumber;
    await env.anchor(env.accounts[0]!, late);
    expect(await reader.readAnchor(q)).toBeNull();
    expect(reader.readAt(env.chain.chainId)!.blockNumber).toBe(pinned);
    const fresh = createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] }, pinMaxAgeMs: 0 });
    expect(await fresh.readAnchor(q)).not.toBeNull();
  });

  it("never concludes 'not anchored' from an old pin: an absent record is read again at the latest block", async () => {
    const reader = createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] }, pinMaxAgeMs: 60_000, absentMaxAgeMs: 0 });
    const late = leafHash("did:webvh:x:localhost", "later");
    const q = { chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root: late };
    expect(await reader.readAnchor(q)).toBeNull();
    const before = reader.readAt(env.chain.chainId)!.blockNumber;
    await env.anchor(env.accounts[0]!, late);
    await new Promise((r) => setTimeout(r, 5));
    expect(await reader.readAnchor(q)).not.toBeNull();
    expect(reader.readAt(env.chain.chainId)!.blockNumber).toBeGreaterThan(before);
  });

  it("batches concurrent reads into few HTTP requests and makes identical reads once", async () => {
    const bodies: string[] = [];
    const fetchFn: typeof fetch = async (input, init) => {
      bodies.push(String(init?.body));
      return fetch(input, init);
    };
    const q = { chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root };
    const roots = Array.from({ length: 20 }, (_, i) => leafHash("did:webvh:x:h", `${i}-b`));
    const readAll = (reader: ReturnType<typeof createRpcChainReader>) =>
      Promise.all([...Array.from({ length: 10 }, () => reader.readAnchor(q)), ...roots.map((r) => reader.readAnchor({ ...q, root: r }))]);
    const ethCalls = () => bodies.flatMap((b) => [].concat(JSON.parse(b))).filter((m: { method: string }) => m.method === "eth_call");

    const results = await readAll(createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] }, fetchFn, absentMaxAgeMs: 60_000 }));
    expect(results.slice(0, 10).every((r) => r !== null)).toBe(true);
    expect(results.slice(10).every((r) => r === null)).toBe(true);
    expect(ethCalls()).toHaveLength(21);
    expect(bodies.length).toBe(2); // eth_chainId + latest block in one batch, then one batch of eth_calls

    // By default the 20 absent records are read again at a fresh block: one more block read, one more batch.
    bodies.length = 0;
    const again = await readAll(createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] }, fetchFn }));
    expect(again.slice(10).every((r) => r === null)).toBe(true);
    expect(ethCalls()).toHaveLength(41);
    expect(bodies.length).toBe(4);
  });

  it("prepare(chainId) connects and pins ahead, so the first read is a single request; never throws", async () => {
    const bodies: string[] = [];
    const fetchFn: typeof fetch = async (input, init) => {
      bodies.push(String(init?.body));
      return fetch(input, init);
    };
    const reader = createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] }, fetchFn });
    reader.prepare!(env.chain.chainId);
    reader.prepare!(999); // no endpoint for it: ignored
    for (let i = 0; i < 100 && !reader.readAt(env.chain.chainId); i++) await new Promise((r) => setTimeout(r, 20));
    expect(reader.readAt(env.chain.chainId)).toBeDefined();
    const before = bodies.length;
    const q = { chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root };
    expect(await reader.readAnchor(q)).not.toBeNull();
    expect(bodies.length - before).toBe(1);
    createRpcChainReader({ rpc: { 5: ["http://127.0.0.1:8619"] } }).prepare!(5); // a failure stays silent here
  });

  it("uses the next endpoint when the first is down (fallback)", async () => {
    const reader = createRpcChainReader({
      rpc: { [env.chain.chainId]: [`http://127.0.0.1:${CLOSED_PORT}`, env.chain.url] },
      timeoutMs: 2_000,
    });
    const q = { chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root };
    expect(await reader.readAnchor(q)).not.toBeNull();
  });

  it("typed failures: unsupported chain, wrong chain id, unreachable, timeout, no registry", async () => {
    const q = { chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root };
    const names = async (reader: ReturnType<typeof createRpcChainReader>, query = q) =>
      reader.readAnchor(query).then(
        () => "resolved",
        (e: Error) => e.name,
      );
    expect(await names(createRpcChainReader({ rpc: {} }))).toBe("UnsupportedChainError");
    expect(await names(createRpcChainReader({ rpc: { 1: [env.chain.url] } }), { ...q, chainId: 1 })).toBe("ChainIdMismatchError");
    expect(await names(createRpcChainReader({ rpc: { [q.chainId]: [`http://127.0.0.1:${CLOSED_PORT}`] } }))).toBe("RpcUnreachableError");
    expect(await names(createRpcChainReader({ rpc: { [q.chainId]: [`http://127.0.0.1:${SILENT_PORT}`] }, timeoutMs: 300 }))).toBe("RpcTimeoutError");
    const noCode = "0x000000000000000000000000000000000000dEaD" as Hex;
    expect(await names(createRpcChainReader({ rpc: { [q.chainId]: [env.chain.url] } }), { ...q, registry: noCode })).toBe("RegistryNotFoundError");
    const err = await createRpcChainReader({ rpc: {} }).readAnchor(q).catch((e: { verdict: string }) => e);
    expect(err).toMatchObject({ verdict: "unverifiable" });
  });
});

describe("several endpoints: a hung or slow one is passed over (hedged requests), never for one on another chain", () => {
  const query = () => ({ chainId: env.chain.chainId, registry: env.registry, anchorer: env.accounts[0]!, root });
  const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
  };

  it("a first endpoint that accepts and never answers: the second answers well before the timeout, and is asked first from then on", async () => {
    const hung = await fakeEndpoint({ hang: "all" });
    const good = await fakeEndpoint({});
    const reader = createRpcChainReader({ rpc: { [env.chain.chainId]: [hung.url, good.url] } }); // the defaults: 8 s timeout
    const { value: record, ms } = await timed(() => reader.readAnchor(query()));
    expect(record).toMatchObject({ ...query(), blockNumber: expect.any(Number) });
    expect(ms).toBeLessThan(4_000); // it waited for the 8 s timeout before
    // Later reads (an absent record: read again at a fresh block) go to the endpoint that answered.
    expect(await reader.readAnchor({ ...query(), root: otherRoot })).toBeNull();
    expect(await reader.readAnchor({ ...query(), root: leafHash("did:webvh:x:localhost", "3-registry-test") })).toBeNull();
    expect(hung.posts).toHaveLength(1); // its chain id check, with the first block read: never a read after
    expect(methodsOf(hung)).toEqual(["eth_chainId", "eth_getBlockByNumber"]);
    expect(methodsOf(good).filter((m) => m === "eth_call").length).toBeGreaterThanOrEqual(3); // absent records twice
  }, 30_000);

  it("a first endpoint that answers is used: when slow (the hanging second is abandoned), and alone when in time (the next is never asked)", async () => {
    const slow = await fakeEndpoint({ delayMs: 700 });
    const hung = await fakeEndpoint({ hang: "all" });
    const reader = createRpcChainReader({ rpc: { [env.chain.chainId]: [slow.url, hung.url] } });
    const { value: record, ms } = await timed(() => reader.readAnchor(query()));
    expect(record).toEqual(await createRpcChainReader({ rpc: { [env.chain.chainId]: [env.chain.url] } }).readAnchor(query()));
    expect(ms).toBeLessThan(5_000); // the hanging second endpoint's chain id check held it for the 8 s timeout before
    expect(slow.posts.every((p) => p.outcome === "answered")).toBe(true);
    expect(methodsOf(slow)).toContain("eth_call");
    // The hung one was asked for the block only once the slow one was late, and given up when it answered.
    expect(await until(() => hung.posts.some((p) => p.outcome === "abandoned" && p.methods.includes("eth_getBlockByNumber")))).toBe(true);
    expect(methodsOf(hung)).not.toContain("eth_call");

    const first = await fakeEndpoint({});
    const next = await fakeEndpoint({});
    const healthy = createRpcChainReader({ rpc: { [env.chain.chainId]: [first.url, next.url] } });
    expect(await healthy.readAnchor(query())).toEqual(record);
    expect(await healthy.readAnchor({ ...query(), root: otherRoot })).toBeNull();
    expect(methodsOf(next)).toEqual(["eth_chainId"]);
  }, 30_000);

  it("an endpoint on another chain never answers, however fast, not even once the endpoint before it hangs", async () => {
    const hung = await fakeEndpoint({ hang: "all" });
    const liar = await fakeEndpoint({ liesAsChain: 1 });
    const good = await fakeEndpoint({ delayMs: 50 });
    const reader = createRpcChainReader({ rpc: { [env.chain.chainId]: [hung.url, liar.url, good.url] } });
    const { value: absent, ms } = await timed(() => reader.readAnchor({ ...query(), root: otherRoot }));
    expect(absent).toBeNull(); // the liar says anchored
    expect(reader.readAt(env.chain.chainId)!.blockNumber).not.toBe(FORGED_BLOCK);
    expect(ms).toBeLessThan(4_000); // the hung first endpoint held it for the 8 s timeout before
    expect(methodsOf(liar)).toEqual(["eth_chainId"]); // refused before it was asked anything else
    expect(await reader.readAnchor(query())).not.toBeNull();

    // First and fastest: its answers (the block came in the batch of its check) are not used either.
    const liar2 = await fakeEndpoint({ liesAsChain: 1 });
    const slow = await fakeEndpoint({ delayMs: 700 });
    const second = createRpcChainReader({ rpc: { [env.chain.chainId]: [liar2.url, slow.url] } });
    expect(await second.readAnchor({ ...query(), root: otherRoot })).toBeNull();
    expect(second.readAt(env.chain.chainId)!.blockNumber).not.toBe(FORGED_BLOCK);
    expect(methodsOf(liar2)).not.toContain("eth_call");
    // Alone, or beside endpoints that hang: ChainIdMismatchError, as before.
    const hung2 = await fakeEndpoint({ hang: "all" });
    const refused = createRpcChainReader({ rpc: { [env.chain.chainId]: [liar2.url, hung2.url] }, timeoutMs: 1_000 });
    expect(await refused.readAnchor(query()).then(() => "resolved", (e: Error) => e.name)).toBe("ChainIdMismatchError");
  }, 30_000);

  it("all endpoints hang: RpcTimeoutError, once the last one asked has had its full timeout, not after the sum of the timeouts", async () => {
    const timeoutMs = 2_000;
    const names = (reader: ReturnType<typeof createRpcChainReader>) =>
      timed(() => reader.readAnchor(query()).then(() => "resolved", (e: Error) => e.name));
    // Hung from the first byte: no endpoint passes its chain id check.
    const a = await fakeEndpoint({ hang: "all" });
    const b = await fakeEndpoint({ hang: "all" });
    const none = await names(createRpcChainReader({ rpc: { [env.chain.chainId]: [a.url, b.url] }, timeoutMs }));
    expect(none.value).toBe("RpcTimeoutError");
    expect(none.ms).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(none.ms).toBeLessThan(timeoutMs + 2_500);
    // They pass the check, then hang on every read: the first read asks each in turn, each gets its full
    // timeout, the read fails with the last's.
    const c = await fakeEndpoint({ hang: "all" });
    const d = await fakeEndpoint({ hang: "reads" });
    const e = await fakeEndpoint({ hang: "reads" });
    const reads = await names(createRpcChainReader({ rpc: { [env.chain.chainId]: [c.url, d.url, e.url] }, timeoutMs }));
    expect(reads.value).toBe("RpcTimeoutError");
    expect(reads.ms).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(reads.ms).toBeLessThan(5_000); // one after the other: 3 x 2 s before
    expect(methodsOf(e)).toContain("eth_getBlockByNumber"); // each was asked
  }, 30_000);
});

describe("agreement with the contract (OpenZeppelin MerkleProof on chain)", () => {
  it("leafHash equals the contract's leafOf, and processProof's roots are the ones verifyLeaf accepts", async () => {
    const client = createPublicClient({ transport: http(env.chain.url) });
    const pairs: [string, string][] = [
      ["did:webvh:QmX:example.com:passports:w-000001", "1-QmA"],
      ["did:webvh:QmY:localhost%3A8787", "12-Qm" + "z".repeat(44)],
      ["", ""],
      ["did:webvh:ünïcödé:例え.jp", "3-" + "x".repeat(100)],
      ["a".repeat(31), "b".repeat(33)],
    ];
    for (const [did, versionId] of pairs) {
      const onChain = await client.readContract({ address: env.registry, abi: anchorRegistryAbi, functionName: "leafOf", args: [did, versionId] });
      expect(leafHash(did, versionId)).toBe(onChain);
    }
    // a 5-leaf tree (odd sizes promote a node), anchored; every leaf's recomputed path is accepted on chain
    const leaves = pairs.map(([d, v]) => leafHash(d, v));
    const tree = new MerkleTree(leaves.map((l) => Buffer.from(l.slice(2), "hex")), (x: Buffer) => Buffer.from(keccak256(x).slice(2), "hex"), { sortPairs: true });
    const treeRoot = tree.getHexRoot() as Hex;
    await env.anchor(env.accounts[2]!, treeRoot);
    for (const [i, leaf] of leaves.entries()) {
      const proof = tree.getHexProof(leaf, i) as Hex[];
      expect(processProof(leaf, proof)).toBe(treeRoot);
      expect(await client.readContract({ address: env.registry, abi: anchorRegistryAbi, functionName: "verifyLeaf", args: [env.accounts[2]!, treeRoot, proof, leaf] })).toBe(true);
    }
  });
});
