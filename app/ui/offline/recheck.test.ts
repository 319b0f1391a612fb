/**
 * Re-checking a product against the record of its last full verification, with the real parts: a Hardhat
 * node with the AnchorRegistry, passports anchored by real transactions, files served over HTTP by a real
 * server (ports 8670-8671), the real verifyProduct. The records' store (localStorage) has its own tests
 * (recheckStore.test.ts); the whole, in Chromium, e2e/recheck.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnchorChain, type AnchorChain } from "../../cli/lib/testing/anchorChain.ts";
import { buildTestHost, serveDir, type TestHost } from "../../cli/lib/testing/host.ts";
import { limitedFetch, type RpcFetch } from "../../core/anchors/jsonRpc.ts";
import { createRpcChainReader, type ChainReader } from "../../core/anchors/registry.ts";
import { fileUrl, httpSource } from "../../core/fetch/http.ts";
import type { FileSource } from "../../core/fetch/source.ts";
import type { ProductNode } from "../../core/types.ts";
import { verifyProduct } from "../../core/verify/product.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import { makeRecord, quickCheck, recheckable, recordingChain, recordingSource, type RecheckRecord } from "./recheck.ts";

const CHAIN_PORT = 8670;
const HTTP_PORT = 8671;

let chain: AnchorChain;
let host: TestHost;
let server: { url: string; stop(): Promise<void> };
let dir: string;
let config: VerifyConfig;

beforeAll(async () => {
  chain = await startAnchorChain(CHAIN_PORT);
  dir = await mkdtemp(path.join(tmpdir(), "recheck-host-"));
  host = await buildTestHost({ dir, host: `localhost:${HTTP_PORT}`, chain });
  server = await serveDir(dir, HTTP_PORT);
  config = { rpc: { [chain.chain.chainId]: [chain.chain.url] }, stalenessMs: 86_400_000 };
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const liveChain = (): ChainReader => createRpcChainReader({ rpc: config.rpc });

/** A full verification as the worker makes it for a product opened in the page, and its record. */
async function fullVerification(did: string, o: { source?: FileSource; at?: number } = {}) {
  const source = recordingSource(o.source ?? httpSource());
  const reader = recordingChain(liveChain());
  const at = o.at ?? Date.now();
  const product = await verifyProduct(did, { source, chain: reader, now: at });
  return { product, record: await makeRecord("key", did, product, source, reader, at) };
}

/** The tree without the chain read times (which a re-check reads anew). */
function withoutReadTimes(node: ProductNode): unknown {
  const { chainReadAt: _, ...result } = node.result;
  return { ...node, result, children: node.children.map(withoutReadTimes) };
}

async function onDisk<T>(file: string, change: (text: string) => string | null, run: () => Promise<T>): Promise<T> {
  const full = path.join(dir, file);
  const original = await readFile(full, "utf8");
  const changed = change(original);
  if (changed === null) await rename(full, `${full}.away`);
  else await writeFile(full, changed);
  try {
    return await run();
  } finally {
    if (changed === null) await rename(`${full}.away`, full);
    else await writeFile(full, original);
  }
}

describe("the record of a full verification", () => {
  it("holds every file read (with its digest, or absent) and every registry read of the window's tree", async () => {
    const { product, record } = await fullVerification(host.dids.window);
    expect(product.verdict).toBe("verified");
    expect(product.children).toHaveLength(2);
    expect(record).not.toBeNull();
    const files = record!.files.map((f) => `${f.did === host.dids.window ? "window" : f.did === host.dids.glass ? "glass" : "frame"}/${f.file}`).sort();
    expect(files).toEqual(expect.arrayContaining(["window/did.jsonl", "window/did-anchors.json", "glass/did.jsonl", "frame/did.jsonl"]));
    for (const f of record!.files) expect(f.sha256 === null || /^[0-9a-f]{64}$/.test(f.sha256)).toBe(true);
    expect(record!.anchors.length).toBeGreaterThan(0);
    for (const a of record!.anchors) expect(a.record).toMatchObject({ anchorer: chain.accounts[0], chainId: chain.chain.chainId });
    expect(record!.product).toBe(product);
  });

  it("is not made for an invalid or unverifiable tree, nor when a read failed, nor from cached data", async () => {
    expect((await fullVerification(host.dids.tampered)).record).toBeNull();
    expect((await fullVerification(host.spaDid)).record).toBeNull();
    // The host fails one file once: the verification may still conclude, but it is not recorded.
    let failOnce = true;
    const flaky: FileSource = {
      get: (did, file) => {
        if (failOnce && did === host.dids.glass && file === "did.jsonl") {
          failOnce = false;
          return Promise.reject(new Error("connection reset"));
        }
        return httpSource().get(did, file);
      },
    };
    expect((await fullVerification(host.dids.window, { source: flaky })).record).toBeNull();
    const { product } = await fullVerification(host.dids.window);
    const cached: ProductNode = { ...product, children: product.children.map((c, i) => (i === 0 ? { ...c, result: { ...c.result, filesReadAt: { time: new Date().toISOString() } } } : c)) };
    expect(recheckable(product)).toBe(true);
    expect(recheckable(cached)).toBe(false);
  });

  it("the recorders: any failed read, or one file read twice with different texts, spoils the record", async () => {
    const texts = ["{}", "{ }"];
    const changing = recordingSource({ get: async () => texts.shift() ?? "{}" });
    await changing.get(host.dids.glass, "did.jsonl");
    expect(await changing.reads()).toHaveLength(1);
    await changing.get(host.dids.glass, "did.jsonl");
    expect(await changing.reads()).toBeNull();
    const failing = recordingSource({ get: async (_d, file) => (file === "did.jsonl" ? "{}" : Promise.reject(new Error("reset"))) });
    await failing.get(host.dids.glass, "did.jsonl");
    await expect(failing.get(host.dids.glass, "did-anchors.json")).rejects.toThrow("reset");
    expect(await failing.reads()).toBeNull();
    const q = { chainId: chain.chain.chainId, registry: chain.registry, anchorer: chain.accounts[0]!, root: `0x${"00".repeat(32)}` as const };
    const reader = recordingChain({ readAnchor: () => Promise.reject(new Error("down")), readAt: () => undefined });
    await expect(reader.readAnchor(q)).rejects.toThrow("down");
    expect(reader.reads()).toBeNull();
    const ok = recordingChain(liveChain());
    expect(await ok.readAnchor(q)).toBeNull();
    expect(ok.reads()).toEqual([{ query: q, record: null }]);
  });

  it("a pending DID is recorded (pending is no failure)", async () => {
    const { product, record } = await fullVerification(host.dids.pending);
    expect(product.verdict).toBe("pending");
    expect(record).not.toBeNull();
  });
});

describe("quickCheck", () => {
  let record: RecheckRecord;
  beforeAll(async () => {
    record = (await fullVerification(host.dids.window)).record!;
  });

  it("everything the same: the recorded tree, read at the chain's latest block now", async () => {
    const before = record.product.result.chainReadAt!;
    await chain.anchor(chain.accounts[1]!, `0x${"ab".repeat(32)}`); // the chain moves on
    const checked = await quickCheck(record, config);
    expect(checked).not.toBeNull();
    expect(withoutReadTimes(checked!.product)).toEqual(withoutReadTimes(record.product));
    expect(checked!.product.result.chainReadAt!.blockNumber).toBeGreaterThan(before.blockNumber);
    expect(checked!.product.children[0]!.result.chainReadAt!.offline).toBe(false);
    expect(checked!.note).toEqual({ verifiedAt: new Date(record.verifiedAt).toISOString(), files: record.files.length, anchors: record.anchors.length });
    // and what a full verification says now is that tree
    const now = await verifyProduct(host.dids.window, { source: httpSource(), chain: liveChain() });
    expect(withoutReadTimes(now)).toEqual(withoutReadTimes(checked!.product));
  });

  it("a component's log changed (one entry appended, or one byte): no answer", async () => {
    const glassLog = "passports/glass/did.jsonl";
    expect(await onDisk(glassLog, (t) => t + t.trimEnd().split("\n").at(-1) + "\n", () => quickCheck(record, config))).toBeNull();
    expect(await onDisk(glassLog, (t) => t.replace("Berlin", "Berlim"), () => quickCheck(record, config))).toBeNull();
    expect(await quickCheck(record, config)).not.toBeNull();
  });

  it("a file gone (404), or one the host did not have before now served: no answer", async () => {
    expect(await onDisk("passports/frame/did-anchors.json", () => null, () => quickCheck(record, config))).toBeNull();
    const absent = record.files.find((f) => f.sha256 === null);
    if (absent) {
      const file = path.join(dir, new URL(fileUrl(absent.did, absent.file)).pathname);
      await writeFile(file, "[]");
      try {
        expect(await quickCheck(record, config)).toBeNull();
      } finally {
        await rm(file);
      }
    }
  });

  it("a registry answer that differs, an anchor newer than the block read, an unreachable or wrong chain: no answer", async () => {
    /** The real endpoint, its answers changed on the way back. */
    const altered = (change: (answers: { id: number; result: unknown }[]) => void): RpcFetch => async (url, init) => {
      const response = await limitedFetch(url, init);
      const answers = (await response.json()) as { id: number; result: unknown }[];
      change(answers);
      return { ok: response.ok, status: response.status, json: async () => answers };
    };
    expect(await quickCheck(record, config, { fetchFn: altered(() => undefined) })).not.toBeNull();
    // one anchorOf answer with another block number
    const otherBlock = altered((answers) => {
      const a = answers.find((x) => x.id === 2)!;
      a.result = `${(a.result as string).slice(0, -1)}${(a.result as string).endsWith("0") ? "1" : "0"}`;
    });
    expect(await quickCheck(record, config, { fetchFn: otherBlock })).toBeNull();
    // the latest block said to be older than an anchor found
    const olderBlock = altered((answers) => void ((answers.find((x) => x.id === 1)!.result as { number: string }).number = "0x1"));
    expect(await quickCheck(record, config, { fetchFn: olderBlock })).toBeNull();
    // an answer missing, or an error in its place
    expect(await quickCheck(record, config, { fetchFn: altered((answers) => void answers.pop()) })).toBeNull();
    expect(await quickCheck(record, config, { fetchFn: altered((answers) => void Object.assign(answers[2]!, { error: { code: -32000, message: "x" } })) })).toBeNull();
    expect(await quickCheck(record, { ...config, rpc: { [chain.chain.chainId]: ["http://127.0.0.1:8672"] }, timeoutMs: 2_000 })).toBeNull();
    expect(await quickCheck(record, { ...config, rpc: { 1: [chain.chain.url] } })).toBeNull();
    // an endpoint of another chain, configured for this one
    const wrongChain = altered((answers) => void (answers.find((x) => x.id === 0)!.result = "0x1"));
    expect(await quickCheck(record, config, { fetchFn: wrongChain })).toBeNull();
  });

  it("the host unreachable: no answer (the full verification decides, from its offline cache)", async () => {
    const down: FileSource = { get: () => Promise.reject(new Error("offline")) };
    expect(await quickCheck(record, config, { source: down })).toBeNull();
  });

  it("a record altered in storage to skip reads (no files, no registry answers, a DID's log left out): no answer", async () => {
    let asked = 0;
    const counting: RpcFetch = (url, init) => (asked++, limitedFetch(url, init));
    expect(await quickCheck({ ...record, files: [] }, config, { fetchFn: counting })).toBeNull();
    expect(await quickCheck({ ...record, anchors: [] }, config, { fetchFn: counting })).toBeNull();
    expect(await quickCheck({ ...record, files: record.files.filter((f) => !(f.did === host.dids.glass && f.file === "did.jsonl")) }, config, { fetchFn: counting })).toBeNull();
    expect(asked).toBe(0);
    expect(record.files.every((f) => f.bytes === (f.sha256 === null ? 0 : f.bytes) && f.bytes >= 0)).toBe(true);
  });

  it("the device's clock now earlier than the full verification: no answer", async () => {
    expect(await quickCheck(record, config, { now: () => record.verifiedAt - 1 })).toBeNull();
    expect(await quickCheck(record, config, { now: () => record.verifiedAt })).not.toBeNull();
  });
});
