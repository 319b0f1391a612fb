/**
 * The offline cache's strategy: network first with a short timeout, the cache for an unreachable or slow
 * network, never to hide an answer the host gave, chain data only within the staleness limit. The store
 * here is an in-memory one with IndexedDB's get/put shape (the worker's real database is exercised by the
 * offline end-to-end test in Chromium).
 */
import { describe, expect, it } from "vitest";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import { RpcUnreachableError } from "../../core/anchors/errors.ts";
import { DownloadBudget } from "../../core/fetch/budget.ts";
import { DownloadBudgetError, HostUnreachableError } from "../../core/fetch/errors.ts";
import type { FileReadOptions, FileSource } from "../../core/fetch/source.ts";
import type { AnchorRecord, ProductNode } from "../../core/types.ts";
import {
  cachingChain,
  cachingSource as cachingSourceOf,
  duration,
  evictAnchors,
  evictFiles,
  fileBudget,
  MAX_CACHED_FILE_BYTES,
  networkMemory,
  utf8Bytes,
  withCachedFiles,
  type CacheStore,
  type CachingOptions,
} from "./cache.ts";
import { recordingSource } from "./recheck.ts";

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
    delete: async (store, key) => void rows.delete(`${store}/${key}`),
    fileUsage: async () =>
      [...rows.entries()]
        .filter(([k, v]) => k.startsWith("files/") && typeof v.used === "string" && typeof v.size === "number")
        .map(([, v]) => ({ key: v.key as string, size: v.size as number, used: v.used as string }))
        .sort((a, b) => (a.used < b.used ? -1 : a.used > b.used ? 1 : 0)),
    anchorCount: async () => [...rows.keys()].filter((k) => k.startsWith("anchors/")).length,
    anchorUsage: async () =>
      [...rows.entries()].filter(([k]) => k.startsWith("anchors/")).map(([, v]) => ({ key: v.key as string, readTime: v.readTime as string })),
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

  it("a host found too slow has the short timeout for its next reads of this verification, until it answers in time", async () => {
    const db = memoryStore();
    for (const key of [`${DID}|did.jsonl`, `${DID}|did-anchors.json`, `${DID}|did-witness.json`]) {
      await db.put("files", { key, text: "cached", readTime: "2026-01-01T00:00:00.000Z" });
    }
    /** The network answers "live" after `ms` (never when undefined). */
    let ms: number | undefined;
    const after = (): Promise<string> => (ms === undefined ? new Promise(() => undefined) : new Promise((r) => setTimeout(() => r("live"), ms)));
    const source = cachingSource({ get: after }, db, { networkTimeoutMs: 300, slowNetworkTimeoutMs: 10 });
    ms = undefined;
    expect(await source.get(DID, "did.jsonl")).toBe("cached"); // after the full 300 ms
    ms = 100;
    expect(await source.get(DID, "did-anchors.json")).toBe("cached"); // 100 ms is too slow now: 10 ms for this host
    ms = 0;
    expect(await source.get(DID, "did-witness.json")).toBe("live"); // in time (within 10 ms): the host is fine again
    ms = 100;
    expect(await source.get(DID, "did-anchors.json")).toBe("live"); // the full timeout again
  });

  it("a DID's log read live: its witness and anchors files come live too (waited for), or not at all; a cached log's may come from the cache", async () => {
    const db = memoryStore();
    for (const file of ["did.jsonl", "did-witness.json", "did-anchors.json"]) {
      await db.put("files", { key: `${DID}|${file}`, text: `cached ${file}`, readTime: "2026-01-01T00:00:00.000Z" });
    }
    const late = (text: string) => new Promise<string>((r) => setTimeout(() => r(text), 80));
    // The log live; the witness file slow: the cached (older) one must not pair with the newer log.
    const live: FileSource = { get: async (_d, file) => (file === "did.jsonl" ? "live log" : late(`live ${file}`)) };
    const a = cachingSource(live, db, { networkTimeoutMs: 20 });
    expect(await a.get(DID, "did.jsonl")).toBe("live log");
    expect(await a.get(DID, "did-witness.json")).toBe("live did-witness.json");
    // ... and the host gone by then: unverifiable (its error), not the cached copy.
    const gone: FileSource = { get: async (_d, file) => (file === "did.jsonl" ? "live log" : Promise.reject(new HostUnreachableError())) };
    const b = cachingSource(gone, db);
    expect(await b.get(DID, "did.jsonl")).toBe("live log");
    await expect(b.get(DID, "did-anchors.json")).rejects.toMatchObject({ name: "HostUnreachableError" });
    // The log itself from the cache (host down): its other files may come from the cache as well.
    const down: FileSource = { get: async () => Promise.reject(new HostUnreachableError()) };
    const c = cachingSource(down, db);
    expect(await c.get(DID, "did.jsonl")).toBe("live log"); // as the first reads stored it
    expect(await c.get(DID, "did-witness.json")).toBe("live did-witness.json"); // read live by the first, now cached
  });

  it("a late answer that is an HTML page (not an offline failure) drops the cached copy that answered for it", async () => {
    const db = memoryStore();
    await db.put("files", { key: `${DID}|did.jsonl`, text: "cached", readTime: "2026-01-01T00:00:00.000Z" });
    const late = deferred<string | null>();
    const source = cachingSource({ get: () => late.promise }, db, { networkTimeoutMs: 10 });
    expect(await source.get(DID, "did.jsonl")).toBe("cached");
    late.reject(Object.assign(new Error("html"), { name: "UnexpectedContentError" }));
    await settle();
    await settle();
    expect(db.rows.has(`files/${DID}|did.jsonl`)).toBe(false);
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

  it("a read's download budget (a product's) reaches the source that downloads, through the worker's wrappers; a spent one is not hidden by the cache", async () => {
    const seen: (FileReadOptions | undefined)[] = [];
    const budget = new DownloadBudget(100);
    const live: FileSource = {
      get: async (_did, _file, read) => {
        seen.push(read);
        if (read?.budget?.spent) throw new DownloadBudgetError();
        read?.budget?.take(4);
        return "live";
      },
    };
    const db = memoryStore();
    // As the worker stacks them: the cache around the recorder around the HTTP source.
    const source = cachingSource(recordingSource(live), db);
    expect(await source.get(DID, "did.jsonl", { budget })).toBe("live");
    expect(seen).toEqual([{ budget }]);
    expect(budget.used).toBe(4);
    budget.take(100);
    await db.put("files", { key: `${DID}|did-anchors.json`, text: "cached", readTime: "2026-01-01T00:00:00.000Z" });
    await expect(source.get(DID, "did-anchors.json", { budget })).rejects.toMatchObject({ name: "DownloadBudgetError" });
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

describe("the cache's size: a budget, least recently used out first, no oversized file", () => {
  const fileKeys = (db: ReturnType<typeof memoryStore>) => [...db.rows.keys()].filter((k) => k.startsWith("files/")).map((k) => k.slice(6)).sort();

  it("utf8Bytes counts what the host served", () => {
    expect(["", "abc", "é", "€", "😀", "a😀b"].map(utf8Bytes)).toEqual([0, 3, 2, 3, 4, 6]);
  });

  it("evictFiles: the least recently used go until the rest fit; nothing when they fit", async () => {
    const db = memoryStore();
    for (const [key, used] of [["a", "03"], ["b", "01"], ["c", "05"], ["d", "02"], ["e", "04"]] as const)
      await db.put("files", { key, text: "x", readTime: used, size: 10, used: `2026-01-01T00:00:${used}.000Z` });
    expect(await evictFiles(db, 50)).toBe(0);
    expect(await evictFiles(db, 30)).toBe(2);
    expect(fileKeys(db)).toEqual(["a", "c", "e"]); // b (01) and d (02) were the least recently used
  });

  it("writes carry their size and use; a copy served from the cache counts as used again", async () => {
    const db = memoryStore();
    let clock = "2026-01-01T00:10:00.000Z";
    const now = () => new Date(clock);
    await cachingSource({ get: async () => "é" }, db, { now }).get(DID, "did.jsonl");
    await settle();
    expect(db.rows.get(`files/${DID}|did.jsonl`)).toMatchObject({ size: utf8Bytes(`${DID}|did.jsonl`) + 2, used: clock });
    clock = "2026-01-01T00:20:00.000Z";
    await cachingSource({ get: async () => Promise.reject(new HostUnreachableError()) }, db, { now }).get(DID, "did.jsonl");
    await settle();
    expect(db.rows.get(`files/${DID}|did.jsonl`)).toMatchObject({ readTime: "2026-01-01T00:10:00.000Z", used: clock });
  });

  it("a file over the per-file cap is not cached, and an older copy of it is dropped (never served in its place)", async () => {
    expect(MAX_CACHED_FILE_BYTES).toBe(4 * 1024 * 1024);
    const db = memoryStore();
    await db.put("files", { key: `${DID}|did.jsonl`, text: "old", readTime: "2026-01-01T00:00:00.000Z", size: 3, used: "2026-01-01T00:00:00.000Z" });
    const big = "x".repeat(1000);
    expect(await cachingSource({ get: async () => big }, db, { maxFileBytes: 999 }).get(DID, "did.jsonl")).toBe(big);
    await settle();
    expect(db.rows.has(`files/${DID}|did.jsonl`)).toBe(false);
    // The real cap: 4 MiB of text is read, not stored.
    const huge = "y".repeat(MAX_CACHED_FILE_BYTES + 1);
    await cachingSource({ get: async () => huge }, db).get(DID, "did-anchors.json");
    await settle();
    expect(db.rows.size).toBe(0);
  });

  it("through the budget, a flood of files stays within it (give or take one check's worth), the most recent kept", async () => {
    const db = memoryStore();
    const budget = fileBudget(db, { maxBytes: 10_000, checkEveryBytes: 2_000 });
    const total = async () => (await db.fileUsage()).reduce((n, u) => n + u.size, 0);
    let t = 0;
    let most = 0;
    const now = () => new Date(Date.UTC(2026, 0, 1, 0, 0, t));
    for (let i = 0; i < 60; i++) {
      t = i;
      await cachingSource({ get: async () => "z".repeat(900) }, db, { now, budget }).get(`did:webvh:Qm${i}:h`, "did.jsonl");
      await settle();
      await budget.running;
      most = Math.max(most, await total());
    }
    expect(most).toBeLessThanOrEqual(10_000 + 2_000 + 1_000);
    const keys = (await db.fileUsage()).map((u) => u.key);
    expect(keys).toContain("did:webvh:Qm59:h|did.jsonl");
    expect(keys).not.toContain("did:webvh:Qm0:h|did.jsonl");
    await evictFiles(db, 10_000); // what the next check does
    expect(await total()).toBeLessThanOrEqual(10_000);
  });

  it("the budget checks at the first write, then every checkEveryBytes", async () => {
    const db = memoryStore();
    let checks = 0;
    const counted: CacheStore = { ...db, fileUsage: async () => (checks++, db.fileUsage()) };
    const budget = fileBudget(counted, { maxBytes: 100, checkEveryBytes: 50 });
    budget.wrote(10);
    await budget.running;
    budget.wrote(30);
    await budget.running;
    expect(checks).toBe(1);
    budget.wrote(30);
    await budget.running;
    expect(checks).toBe(2);
  });
});

describe("cached registry reads: at most maxAnchors, the oldest read first out", () => {
  it("a chain reader with the worker's budget keeps the newest reads; the count is checked at the first write, then every checkEveryAnchors", async () => {
    const db = memoryStore();
    let counts = 0;
    const counted: CacheStore = { ...db, anchorCount: async () => (counts++, db.anchorCount()) };
    const budget = fileBudget(counted, { maxAnchors: 3, checkEveryAnchors: 2 });
    let minute = 0;
    const clock = () => new Date(Date.UTC(2026, 11, 1, 12, minute++));
    const reader: ChainReader = { readAnchor: async () => null, readAt: () => undefined };
    const chain = cachingChain(reader, counted, { stalenessMs: 3_600_000, now: clock, budget });
    for (const root of ["0x01", "0x02", "0x03", "0x04", "0x05"] as const) {
      await chain.readAnchor({ chainId: 1, registry: "0xAA", anchorer: "0xBB", root });
      await settle();
      await budget.running;
    }
    // Writes 1 (first), 3 and 5 were checked: 5 rows were cut to the 3 read last.
    expect(counts).toBe(3);
    expect((await db.anchorUsage()).map((u) => u.key.split("|")[3]).sort()).toEqual(["0x03", "0x04", "0x05"]);
    expect(await evictAnchors(db, 3)).toBe(0);
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

  it("a chain whose endpoint was found too slow or down has the short timeout for its next reads of this verification", async () => {
    const db = memoryStore();
    await db.put("anchors", { key, record, readTime: "2026-12-01T11:00:00.000Z", blockNumber: 8 });
    let answer: () => Promise<AnchorRecord | null> = () => Promise.reject(new RpcUnreachableError());
    const chain = cachingChain(reader(() => answer()), db, { stalenessMs: 2 * 3_600_000, now, networkTimeoutMs: 300, slowNetworkTimeoutMs: 10, chainSlowFloorMs: 10 });
    expect(await chain.readAnchor(query)).toEqual(record); // down: the cached read
    const later = { ...record, blockNumber: 99 };
    answer = () => new Promise((r) => setTimeout(() => r(later), 100));
    expect(await chain.readAnchor(query)).toEqual(record); // 100 ms is too slow now
    answer = async () => later;
    expect(await chain.readAnchor(query)).toEqual(later); // in time: the endpoint is fine again
  });

  it("shared by a verification's files and chain reads: a slow host gives its chain reads twice the short timeout", async () => {
    const memory = networkMemory({ networkTimeoutMs: 3000, slowNetworkTimeoutMs: 500 });
    expect([memory.timeoutMs("host:example.com"), memory.timeoutMs("chain:31337", 1500)]).toEqual([3000, 3000]);
    memory.note("host:example.com", "slow");
    expect([memory.timeoutMs("host:example.com"), memory.timeoutMs("host:other.example"), memory.timeoutMs("chain:31337", 1500)]).toEqual([500, 1000, 1500]);
    memory.note("chain:31337", "down");
    expect([memory.timeoutMs("chain:31337", 1500), memory.timeoutMs("chain:31337")]).toEqual([1500, 500]);
    memory.note("host:example.com", "in time");
    memory.note("chain:31337", "in time");
    expect([memory.timeoutMs("host:example.com"), memory.timeoutMs("chain:31337", 1500)]).toEqual([3000, 3000]);
    // Wired through: a file read found slow shortens the chain reader's wait.
    const db = memoryStore();
    await db.put("files", { key: `${DID}|did.jsonl`, text: "cached", readTime: "2026-12-01T11:00:00.000Z" });
    await db.put("anchors", { key, record, readTime: "2026-12-01T11:00:00.000Z", blockNumber: 8 });
    const network = networkMemory({ networkTimeoutMs: 300, slowNetworkTimeoutMs: 20 });
    const files = cachingSource({ get: () => new Promise(() => undefined) }, db, { stalenessMs: 3_600_000, now, network });
    const chain = cachingChain(reader(() => new Promise((r) => setTimeout(() => r(null), 100))), db, { stalenessMs: 3_600_000, now, network, chainSlowFloorMs: 0 });
    expect(await files.get(DID, "did.jsonl")).toBe("cached");
    expect(await chain.readAnchor(query)).toEqual(record); // 100 ms > 2 x 20 ms
  });

  it("a cached \"not anchored\" never answers (the root may be anchored since): slow, the endpoint is waited for; down, its error", async () => {
    const db = memoryStore();
    await db.put("anchors", { key, record: null, readTime: "2026-12-01T11:00:00.000Z", blockNumber: 8 });
    const late = deferred<AnchorRecord | null>();
    const slow = cachingChain(reader(() => late.promise), db, { stalenessMs: 2 * 3_600_000, now, networkTimeoutMs: 10 });
    const answer = slow.readAnchor(query);
    await new Promise((r) => setTimeout(r, 40));
    late.resolve(record);
    expect(await answer).toEqual(record);
    expect(slow.usedCache).toBe(false);
    await db.put("anchors", { key, record: null, readTime: "2026-12-01T11:00:00.000Z", blockNumber: 8 });
    const down = cachingChain(reader(async () => Promise.reject(new RpcUnreachableError())), db, { stalenessMs: 2 * 3_600_000, now });
    await expect(down.readAnchor(query)).rejects.toMatchObject({ name: "RpcUnreachableError" });
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
