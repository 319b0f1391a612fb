/**
 * The offline cache's strategy: network first with a short timeout, the cache for an unreachable or slow
 * network, never to hide an answer the host gave, chain data only within the staleness limit. The store
 * here is an in-memory one with IndexedDB's get/put shape (the worker's real database is exercised by the
 * offline end-to-end test in Chromium).
 */
import { describe, expect, it } from "vitest";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import { RpcUnreachableError } from "../../core/anchors/errors.ts";
import { HostUnreachableError } from "../../core/fetch/errors.ts";
import type { FileSource } from "../../core/fetch/source.ts";
import type { AnchorRecord, ProductNode } from "../../core/types.ts";
import { cachingChain, cachingSource as cachingSourceOf, duration, withCachedFiles, type CacheStore, type CachingOptions } from "./cache.ts";

/** Files cached on 2026-01-01 are an hour old at NOW; the limit, a day, unless a test says otherwise. */
const NOW = () => new Date("2026-01-01T01:00:00.000Z");
const cachingSource = (inner: FileSource, db: CacheStore, o: CachingOptions & { stalenessMs?: number } = {}) =>
  cachingSourceOf(inner, db, { now: NOW, stalenessMs: 86_400_000, ...o });

function memoryStore(): CacheStore & { rows: Map<string, Record<string, unknown>> } {
  const rows = new Map<string, Record<string, unknown>>();
  return {
    rows,
    get: (async (store: string, key: string) => rows.get(`${store}/${key}`)) as CacheStore["get"],
    put: (async (store: string, value: { key: string }) => {
      rows.set(`${store}/${value.key}`, value);
      return value.key;
    }) as CacheStore["put"],
  };
}

/** A promise settled by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const DID = "did:webvh:QmScid:example.com";
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("duration", () => {
  it("reads as a person would say it", () => {
    expect([0, 29_400, 119_000, 120_000, 3_600_000, 7_199_000, 7_200_000, 172_800_000, 30 * 86_400_000].map(duration)).toEqual([
      "0 s", "29 s", "119 s", "2 min", "60 min", "120 min", "2 h", "2 days", "30 days",
    ]);
  });
});

describe("cachingSource: network first, with a short timeout", () => {
  it("the network's answer when it comes in time, and it is stored", async () => {
    const db = memoryStore();
    const source = cachingSource({ get: async () => "live" }, db, { networkTimeoutMs: 50 });
    expect(await source.get(DID, "did.jsonl")).toBe("live");
    await settle();
    expect(db.rows.get(`files/${DID}|did.jsonl`)).toMatchObject({ text: "live" });
  });

  it("a slow network gives way to the cached copy; its late answer still refreshes the cache", async () => {
    const db = memoryStore();
    await db.put("files", { key: `${DID}|did.jsonl`, text: "cached", readTime: "2026-01-01T00:00:00.000Z" });
    const late = deferred<string | null>();
    const source = cachingSource({ get: () => late.promise }, db, { networkTimeoutMs: 30 });
    const started = Date.now();
    expect(await source.get(DID, "did.jsonl")).toBe("cached");
    expect(Date.now() - started).toBeLessThan(1000);
    late.resolve("newer");
    await settle();
    expect(db.rows.get(`files/${DID}|did.jsonl`)).toMatchObject({ text: "newer" });
  });

  it("a slow network with nothing cached is waited for", async () => {
    const late = deferred<string | null>();
    const source = cachingSource({ get: () => late.promise }, memoryStore(), { networkTimeoutMs: 10 });
    const answer = source.get(DID, "did.jsonl");
    await new Promise((r) => setTimeout(r, 40));
    late.resolve("live");
    expect(await answer).toBe("live");
  });

  it("an unreachable host: the cache; an answer the host gave (a 404, an error) is never hidden", async () => {
    const db = memoryStore();
    await db.put("files", { key: `${DID}|did.jsonl`, text: "cached", readTime: "2026-01-01T00:00:00.000Z" });
    const down: FileSource = { get: async () => Promise.reject(new HostUnreachableError()) };
    expect(await cachingSource(down, db).get(DID, "did.jsonl")).toBe("cached");
    await expect(cachingSource(down, memoryStore()).get(DID, "did.jsonl")).rejects.toMatchObject({ name: "HostUnreachableError" });
    expect(await cachingSource({ get: async () => null }, db).get(DID, "did.jsonl")).toBeNull();
    const refused: FileSource = { get: async () => Promise.reject(Object.assign(new Error("html"), { name: "UnexpectedContentError" })) };
    await expect(cachingSource(refused, db).get(DID, "did.jsonl")).rejects.toMatchObject({ name: "UnexpectedContentError" });
  });
});

describe("cachingSource: cached files within the staleness limit, and said to be cached", () => {
  const down: FileSource = { get: async () => Promise.reject(new HostUnreachableError()) };
  const cachedAt = async (db: ReturnType<typeof memoryStore>, file: string, readTime: string, did = DID) =>
    db.put("files", { key: `${did}|${file}`, text: `${file}@${readTime}`, readTime });

  it("an unreachable host: a copy older than the limit is not used (StaleCachedFileError), and nothing is said to be cached", async () => {
    const db = memoryStore();
    await cachedAt(db, "did.jsonl", "2025-12-01T00:00:00.000Z");
    const source = cachingSource(down, db, { stalenessMs: 3_600_000 });
    await expect(source.get(DID, "did.jsonl")).rejects.toMatchObject({
      name: "StaleCachedFileError",
      verdict: "unverifiable",
      details: expect.stringMatching(/^did\.jsonl read at 2025-12-01T00:00:00\.000Z, 31 days ago; the limit is 60 min$/),
    });
    expect(source.filesReadAt(DID)).toBeUndefined();
  });

  it("a copy within the limit is used, and the DID says which read time (the oldest of its files used)", async () => {
    const db = memoryStore();
    await cachedAt(db, "did.jsonl", "2026-01-01T00:30:00.000Z");
    await cachedAt(db, "did-anchors.json", "2026-01-01T00:10:00.000Z");
    const source = cachingSource(down, db, { stalenessMs: 3_600_000 });
    expect(source.filesReadAt(DID)).toBeUndefined();
    expect(await source.get(DID, "did.jsonl")).toBe("did.jsonl@2026-01-01T00:30:00.000Z");
    expect(source.filesReadAt(DID)).toBe("2026-01-01T00:30:00.000Z");
    expect(await source.get(DID, "did-anchors.json")).toBe("did-anchors.json@2026-01-01T00:10:00.000Z");
    expect(source.filesReadAt(DID)).toBe("2026-01-01T00:10:00.000Z");
    expect(source.filesReadAt("did:webvh:QmOther:example.com")).toBeUndefined();
  });

  it("live answers are not said to be cached; a slow host with only a stale copy is waited for", async () => {
    const db = memoryStore();
    await cachedAt(db, "did.jsonl", "2025-12-01T00:00:00.000Z");
    const live = cachingSource({ get: async () => "live" }, db);
    expect(await live.get(DID, "did.jsonl")).toBe("live");
    expect(live.filesReadAt(DID)).toBeUndefined();
    const staleOnly = memoryStore();
    await cachedAt(staleOnly, "did.jsonl", "2025-12-01T00:00:00.000Z");
    const late = deferred<string | null>();
    const slow = cachingSource({ get: () => late.promise }, staleOnly, { stalenessMs: 3_600_000, networkTimeoutMs: 10 });
    const answer = slow.get(DID, "did.jsonl");
    await new Promise((r) => setTimeout(r, 40));
    late.resolve("late");
    expect(await answer).toBe("late");
    expect(slow.filesReadAt(DID)).toBeUndefined();
  });

  it("withCachedFiles: each node whose DID used cached files carries their read time; the others are unchanged", () => {
    const node = (did: string, children: ProductNode[] = []): ProductNode => ({ did, result: { did, url: "", verdict: "verified", entries: [] }, children, verdict: "verified" });
    const tree = withCachedFiles(node("w", [node("g"), node("f")]), { filesReadAt: (did) => (did === "g" ? "2026-01-01T00:00:00.000Z" : undefined) });
    expect(tree.result.filesReadAt).toBeUndefined();
    expect(tree.children.map((c) => c.result.filesReadAt)).toEqual([{ time: "2026-01-01T00:00:00.000Z" }, undefined]);
  });
});

describe("cachingChain: network first, with a short timeout, within the staleness limit", () => {
  const query: AnchorQuery = { chainId: 31337, registry: "0xAA", anchorer: "0xBB", root: "0xCC" };
  const key = `31337|0xaa|0xbb|0xcc`;
  const record: AnchorRecord = { ...query, blockNumber: 7, timestamp: 1_700_000_000 };
  const liveAt: ChainReadAt = { time: "2026-12-01T10:00:00.000Z", blockNumber: 9, offline: false };
  const reader = (read: () => Promise<AnchorRecord | null>): ChainReader => ({ readAnchor: read, readAt: () => liveAt });
  const now = () => new Date("2026-12-01T12:00:00.000Z");

  it("a slow endpoint gives way to a fresh cached read, said to be offline", async () => {
    const db = memoryStore();
    await db.put("anchors", { key, record, readTime: "2026-12-01T11:00:00.000Z", blockNumber: 8 });
    const late = deferred<AnchorRecord | null>();
    const chain = cachingChain(reader(() => late.promise), db, { stalenessMs: 2 * 3_600_000, now, networkTimeoutMs: 30 });
    expect(await chain.readAnchor(query)).toEqual(record);
    expect(chain.usedCache).toBe(true);
    expect(chain.readAt(31337)).toEqual({ time: "2026-12-01T11:00:00.000Z", blockNumber: 8, offline: true });
    late.resolve(record);
  });

  it("a slow endpoint with only a stale cached read is waited for: live, not offline", async () => {
    const db = memoryStore();
    await db.put("anchors", { key, record, readTime: "2026-11-01T11:00:00.000Z", blockNumber: 8 });
    const late = deferred<AnchorRecord | null>();
    const chain = cachingChain(reader(() => late.promise), db, { stalenessMs: 3_600_000, now, networkTimeoutMs: 10 });
    const answer = chain.readAnchor(query);
    await new Promise((r) => setTimeout(r, 40));
    late.resolve(null);
    expect(await answer).toBeNull();
    expect(chain.usedCache).toBe(false);
    expect(chain.readAt(31337)).toEqual(liveAt);
  });

  it("an unreachable endpoint: a fresh cached read, else StaleChainDataError", async () => {
    const down = reader(async () => Promise.reject(new RpcUnreachableError()));
    const db = memoryStore();
    await db.put("anchors", { key, record, readTime: "2026-12-01T11:30:00.000Z", blockNumber: 8 });
    expect(await cachingChain(down, db, { stalenessMs: 3_600_000, now }).readAnchor(query)).toEqual(record);
    await expect(cachingChain(down, db, { stalenessMs: 60_000, now }).readAnchor(query)).rejects.toMatchObject({ name: "StaleChainDataError" });
    // Under a minute the limit reads in seconds, not "0 min".
    await expect(cachingChain(down, db, { stalenessMs: 30_000, now }).readAnchor(query)).rejects.toMatchObject({
      name: "StaleChainDataError",
      details: expect.stringMatching(/, 30 min ago; the limit is 30 s$/),
    });
    await expect(cachingChain(down, memoryStore(), { stalenessMs: 60_000, now }).readAnchor(query)).rejects.toMatchObject({
      name: "RpcUnreachableError",
    });
  });
});
