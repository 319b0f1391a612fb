import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
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
  await env?.stop();
});

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
