/**
 * The offline cache (IndexedDB, used inside the verification worker): every DID file and every registry
 * read is stored with the time it was read (and, for the chain, the block). When the host or the chain
 * cannot be reached, the verifier runs on what was cached and says so:
 * - network first, with a short timeout: a request the network has not answered within `networkTimeoutMs`
 *   (default 3 s: an auditor in a basement with one bar of signal) is answered from the cache when the
 *   cache has a usable copy, and the late answer still refreshes the cache; with no usable copy the
 *   network is waited for, up to its own timeout. Once a host (or a chain's endpoint) has been too slow or
 *   unreachable in a verification, its next reads in that verification have `slowNetworkTimeoutMs` (0.5 s)
 *   before a usable copy answers, and the other hosts twice that (chain reads at least
 *   CHAIN_SLOW_FLOOR_MS, 1.5 s), until it answers in time again (networkMemory): a window with its glass
 *   and frame waits for one full timeout, not one per passport and kind of read. A DID's files are not
 *   mixed the wrong way (a live log with a cached witness or anchors file), and a cached "not anchored"
 *   never answers;
 * - files: served from the cache only when the host is unreachable or too slow (never to hide a 404, an
 *   HTML page or any other answer the host did give), and only when read less than the staleness limit
 *   ago, as chain data: older -> StaleCachedFileError (unverifiable). A cached log may lack entries
 *   published since (a "ReportedStolen" event), so a DID whose files came from the cache says so
 *   (`filesReadAt`, the oldest read time used: "verified offline from files read at <time>");
 * - chain reads: served from the cache only when the endpoint is unreachable or too slow, and only when
 *   read less than the staleness limit ago; older -> StaleChainDataError (unverifiable). The DID's
 *   `chainReadAt` then says `offline: true` with the oldest read time used.
 * The cache only ever returns what a live read returned: it cannot make anything verified that was not.
 *
 * Its size is bounded, whatever hosts serve: a file over MAX_CACHED_FILE_BYTES (4 MiB) is not cached (an
 * older copy of it is dropped, never served in its place), and the cached files together are kept within
 * CACHE_BUDGET_BYTES (64 MiB) by evicting the least recently used (written or served) first. A genuine
 * passport's log and proofs weigh kilobytes, so 64 MiB keeps well over a thousand passports offline (a
 * whole host's audit, or every product an auditor opened for months), while a bulk audit of a hostile
 * host (16 MiB junk files) could otherwise fill a phone's storage: it stored about 1 GiB. The registry
 * reads are kept to MAX_CACHED_ANCHORS (50,000, about 15 MB), the oldest read first out.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import { StaleChainDataError } from "../../core/anchors/errors.ts";
import { UnverifiableError, type VerifierError, type VerifierErrorOptions } from "../../core/errors.ts";
import type { DidFileName, FileReadOptions, FileSource } from "../../core/fetch/source.ts";
import type { AnchorRecord, ProductNode } from "../../core/types.ts";

/** A DID's file could be read neither from its host nor from a cached copy within the staleness limit. */
export class StaleCachedFileError extends UnverifiableError {
  override readonly name = "StaleCachedFileError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The host did not answer and the cached file is older than the staleness limit", options);
  }
}

interface CachedFile {
  key: string;
  text: string | null;
  /** ISO time it was read. */
  readTime: string;
  /** Its size (UTF-8 bytes of the text and the key), for the budget. Absent in rows written before it. */
  size?: number;
  /** ISO time it was last written or served from the cache: least recently used first out. */
  used?: string;
}
interface CachedAnchor {
  key: string;
  record: AnchorRecord | null;
  /** ISO time it was read (wall clock). */
  readTime: string;
  /** The block the read was made at. */
  blockNumber: number;
}
interface Schema extends DBSchema {
  /** Index `lru` on [used, size]: eviction walks its keys alone, oldest use first, without the texts. */
  files: { key: string; value: CachedFile; indexes: { lru: [string, number] } };
  anchors: { key: string; value: CachedAnchor };
}

export const DB_NAME = "verifier-cache";

/** The most a cached file may weigh (bytes): a larger one is read and verified, never cached. */
export const MAX_CACHED_FILE_BYTES = 4 * 1024 * 1024;
/** The most the cached files may weigh together (bytes); least recently used evicted first. */
export const CACHE_BUDGET_BYTES = 64 * 1024 * 1024;
/**
 * The most registry reads kept (a few hundred bytes each: about 15 MB), oldest read first out. A genuine
 * passport costs a few; a bulk audit of a hostile host listing a million DIDs would otherwise keep them all.
 */
export const MAX_CACHED_ANCHORS = 50_000;

/** UTF-8 bytes of a string (what the host served), without copying it. */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** A cached file's size for the budget, or Infinity when it is over `maxFileBytes` (not even measured). */
function fileSize(key: string, text: string | null, maxFileBytes: number): number {
  if (text !== null && text.length > maxFileBytes) return Infinity; // UTF-8 never has fewer bytes than UTF-16 units
  return utf8Bytes(key) + (text === null ? 0 : utf8Bytes(text));
}

export function openCache(name = DB_NAME): Promise<IDBPDatabase<Schema>> {
  return new Promise((resolve, reject) => {
    openDB<Schema>(name, 2, {
      async upgrade(db, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          db.createObjectStore("files", { keyPath: "key" });
          db.createObjectStore("anchors", { keyPath: "key" });
        }
        const files = tx.objectStore("files");
        files.createIndex("lru", ["used", "size"]);
        // Rows of version 1 join the budget: sized, and used when they were read.
        for (let cursor = await files.openCursor(); cursor; cursor = await cursor.continue()) {
          const row = cursor.value;
          if (fileSize(row.key, row.text, MAX_CACHED_FILE_BYTES) > MAX_CACHED_FILE_BYTES) await cursor.delete();
          else await cursor.update({ ...row, size: fileSize(row.key, row.text, MAX_CACHED_FILE_BYTES), used: row.readTime });
        }
      },
      // A tab still running an older version holds the database: this worker goes on without a cache
      // (live only) rather than wait; and it lets a newer version in when one asks.
      blocked: () => reject(new Error("the offline cache is held by an older version of the app")),
      blocking: (_current, _next, event) => (event.target as IDBDatabase).close(),
    }).then(resolve, reject);
  });
}
export type CacheDb = IDBPDatabase<Schema>;

/** A cached file's key, size and last use (no text). */
export interface FileUsage {
  key: string;
  size: number;
  used: string;
}

/** What the caching wrappers use of the database. */
export type CacheStore = Pick<CacheDb, "get" | "put"> & {
  delete(store: "files" | "anchors", key: string): Promise<void>;
  /** Every cached file's size and last use, least recently used first, without reading the texts. */
  fileUsage(): Promise<FileUsage[]>;
  /** How many registry reads are cached. */
  anchorCount(): Promise<number>;
  /** Every cached registry read's key and read time, in no particular order. */
  anchorUsage(): Promise<{ key: string; readTime: string }[]>;
};

/** The database as the caching wrappers use it. */
export function storeOf(db: CacheDb): CacheStore {
  return {
    get: db.get.bind(db) as CacheDb["get"],
    put: db.put.bind(db) as CacheDb["put"],
    delete: (store, key) => db.delete(store, key),
    async fileUsage() {
      const usage: FileUsage[] = [];
      const index = db.transaction("files").store.index("lru");
      for (let cursor = await index.openKeyCursor(); cursor; cursor = await cursor.continue()) {
        const [used, size] = cursor.key;
        usage.push({ key: cursor.primaryKey, size, used });
      }
      return usage;
    },
    anchorCount: () => db.count("anchors"),
    async anchorUsage() {
      const usage: { key: string; readTime: string }[] = [];
      for (let cursor = await db.transaction("anchors").store.openCursor(); cursor; cursor = await cursor.continue()) {
        usage.push({ key: cursor.value.key, readTime: cursor.value.readTime });
      }
      return usage;
    },
  };
}

/**
 * The cache while it is still opening (or null where IndexedDB is unavailable: private mode): reads wait
 * for it and find nothing without it; writes wait for it and fail without it (callers ignore write
 * failures). So that a verification's first requests need not wait for the database to open, when the
 * cache is needed only if the network fails and for writes made after the verdict.
 */
export function lazyCache(open: Promise<CacheDb | null>): CacheStore {
  const db = async () => {
    const opened = await open;
    if (!opened) throw new Error("no offline cache here");
    return storeOf(opened);
  };
  /** A read of the cache, or `none` where there is none. */
  const orElse = async <T,>(read: (d: CacheStore) => Promise<T>, none: T): Promise<T> => {
    const opened = await open;
    return opened ? read(storeOf(opened)) : none;
  };
  return {
    get: (async (store: "files" | "anchors", key: string) => {
      const opened = await open;
      return opened ? storeOf(opened).get(store, key) : undefined;
    }) as CacheDb["get"],
    put: (async (store: "files" | "anchors", value: never) => (await db()).put(store, value)) as CacheDb["put"],
    delete: async (store, key) => (await db()).delete(store, key),
    fileUsage: () => orElse((d) => d.fileUsage(), []),
    anchorCount: () => orElse((d) => d.anchorCount(), 0),
    anchorUsage: () => orElse((d) => d.anchorUsage(), []),
  };
}

/** Deletes the registry reads read longest ago until at most `maxRows` are left. Returns how many it deleted. */
export async function evictAnchors(db: CacheStore, maxRows = MAX_CACHED_ANCHORS): Promise<number> {
  if ((await db.anchorCount()) <= maxRows) return 0;
  const usage = (await db.anchorUsage()).sort((a, b) => (a.readTime < b.readTime ? -1 : a.readTime > b.readTime ? 1 : 0));
  const excess = usage.slice(0, Math.max(0, usage.length - maxRows));
  for (const u of excess) await db.delete("anchors", u.key);
  return excess.length;
}

/**
 * Deletes the least recently used cached files until the rest weigh at most `maxBytes`. Returns how many
 * it deleted.
 */
export async function evictFiles(db: CacheStore, maxBytes = CACHE_BUDGET_BYTES): Promise<number> {
  const usage = await db.fileUsage();
  let total = usage.reduce((n, u) => n + u.size, 0);
  let deleted = 0;
  for (const u of usage) {
    if (total <= maxBytes) break;
    await db.delete("files", u.key);
    total -= u.size;
    deleted++;
  }
  return deleted;
}

/**
 * Keeps the cached files within a budget: told of every byte written, it evicts now and then; and the
 * cached registry reads within MAX_CACHED_ANCHORS, told of every one written.
 */
export interface FileBudget {
  wrote(bytes: number): void;
  wroteAnchor(): void;
  /** The eviction under way, if any (tests wait for it). */
  readonly running: Promise<unknown> | null;
}

/**
 * One per worker: an eviction runs at the first write, then each time `checkEveryBytes` more were written
 * (default 1/16 of the budget), one at a time; so the cache may pass its budget by about that much
 * between two checks, never by more than that per worker.
 */
export function fileBudget(db: CacheStore, o: { maxBytes?: number; checkEveryBytes?: number; maxAnchors?: number; checkEveryAnchors?: number } = {}): FileBudget {
  const maxBytes = o.maxBytes ?? CACHE_BUDGET_BYTES;
  const every = o.checkEveryBytes ?? maxBytes / 16;
  let pending = every;
  let running: Promise<unknown> | null = null;
  // Registry reads: counted (cheap) at the first write, then every 1/16 of the limit written.
  const maxAnchors = o.maxAnchors ?? MAX_CACHED_ANCHORS;
  const everyAnchors = o.checkEveryAnchors ?? Math.max(1, Math.floor(maxAnchors / 16));
  let pendingAnchors = everyAnchors;
  let runningAnchors: Promise<unknown> | null = null;
  return {
    wroteAnchor() {
      pendingAnchors++;
      if (runningAnchors || pendingAnchors < everyAnchors) return;
      pendingAnchors = 0;
      runningAnchors = evictAnchors(db, maxAnchors)
        .catch(() => undefined)
        .finally(() => (runningAnchors = null));
    },
    wrote(bytes) {
      pending += bytes;
      if (running || pending < every) return;
      pending = 0;
      running = evictFiles(db, maxBytes)
        .catch(() => undefined)
        .finally(() => (running = null));
    },
    get running() {
      return running ?? runningAnchors;
    },
  };
}

/** How long the network has before a usable cached copy answers instead (network first). */
export const DEFAULT_NETWORK_TIMEOUT_MS = 3000;
/** The same, for a host or an endpoint already too slow or unreachable in this verification. */
export const DEFAULT_SLOW_NETWORK_TIMEOUT_MS = 500;

const OFFLINE_FILE_ERRORS = new Set(["HostUnreachableError", "FetchTimeoutError"]);
const OFFLINE_CHAIN_ERRORS = new Set(["RpcUnreachableError", "RpcTimeoutError"]);

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : "";
}

/**
 * When a cache write runs: at once by default; the worker passes a queue it runs after the verdict is
 * posted, so that no write (a structured clone and a transaction) stands between the files and the verdict.
 * A write returns its transaction's promise (never rejected), so that the worker can wait for its writes
 * before it is stopped.
 */
export type WriteScheduler = (write: () => Promise<unknown> | void) => void;
const now_: WriteScheduler = (write) => write();

const SLOW = Symbol("slow");

/** The network's answer, or SLOW when it has none within `ms` (the request goes on). */
function within<T>(request: Promise<T>, ms: number): Promise<T | typeof SLOW> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new Promise<typeof SLOW>((resolve) => (timer = setTimeout(() => resolve(SLOW), ms)));
  return Promise.race([request, slow]).finally(() => clearTimeout(timer));
}

/**
 * Network first, for files and chain reads alike: the live answer when it comes within `timeoutMs`
 * (stored); after that, a cached copy that `usable` accepts (the late live answer still stored; a late
 * answer that is a failure other than an offline one, an HTML page say, drops the copy: it must not
 * answer again), else the live answer whenever it comes; when the network fails with one of
 * `offlineErrors`, the cached copy (`answer` may still refuse it), else that failure. A copy that
 * `canAnswer` refuses (a chain's "not anchored", which may have changed since) or that `mayUseCache`
 * forbids now (a DID whose log came live) never answers: the network is waited for, and its failure is
 * the answer.
 */
async function networkFirst<T, C>(
  live: Promise<T>,
  o: {
    timeoutMs: number;
    offlineErrors: ReadonlySet<string>;
    cached(): Promise<C | undefined>;
    usable(c: C): boolean;
    answer(c: C, cause?: VerifierError): T;
    store(value: T): void;
    /** How the network did: answered within the timeout, too slow, or failed as offline. */
    network?(how: "in time" | "slow" | "down"): void;
    canAnswer?(c: C): boolean;
    mayUseCache?(): Promise<boolean>;
    /** Drops the cached copy. */
    forget?(): void;
  },
): Promise<T> {
  const fromCache = async (): Promise<C | undefined> => {
    const cached = await o.cached();
    if (!cached || (o.canAnswer && !o.canAnswer(cached))) return undefined;
    return o.mayUseCache && !(await o.mayUseCache()) ? undefined : cached;
  };
  try {
    const first = await within(live, o.timeoutMs);
    if (first !== SLOW) {
      o.network?.("in time");
      o.store(first);
      return first;
    }
    o.network?.("slow");
    const cached = await fromCache();
    if (cached && o.usable(cached)) {
      void live.then(o.store, (e: unknown) => {
        if (!o.offlineErrors.has(errorName(e))) o.forget?.();
      });
      return o.answer(cached);
    }
    const value = await live;
    o.store(value);
    return value;
  } catch (e) {
    if (!o.offlineErrors.has(errorName(e))) throw e;
    o.network?.("down");
    const cached = await fromCache();
    if (!cached) throw e;
    return o.answer(cached, e as VerifierError);
  }
}

export interface CachingOptions {
  now?: () => Date;
  /** The cached files' budget (one per worker); without it, nothing is evicted. */
  budget?: FileBudget;
  /** See MAX_CACHED_FILE_BYTES. */
  maxFileBytes?: number;
  schedule?: WriteScheduler;
  /** See DEFAULT_NETWORK_TIMEOUT_MS. */
  networkTimeoutMs?: number;
  /** See DEFAULT_SLOW_NETWORK_TIMEOUT_MS. */
  slowNetworkTimeoutMs?: number;
  /** See CHAIN_SLOW_FLOOR_MS. */
  chainSlowFloorMs?: number;
  /** Shared by the files and the chain reads of one verification (networkMemory); one of its own by default. */
  network?: NetworkMemory;
}

/**
 * What was too slow or unreachable in one verification (hosts, chains), and so how long a read has before
 * a usable cached copy answers: the full timeout while nothing was slow; DEFAULT_SLOW_NETWORK_TIMEOUT_MS
 * for a host or chain found slow; twice that for the others once anything was (the device's own network
 * may be the slow part, but a host's outage says little of a chain's endpoint); never less than `floorMs`
 * (a chain read's: CHAIN_SLOW_FLOOR_MS). Share one between the files and the chain reads of a verification.
 * Keys: `host:<host>`, `chain:<id>`.
 */
export interface NetworkMemory {
  timeoutMs(key: string, floorMs?: number): number;
  note(key: string, how: "in time" | "slow" | "down"): void;
}

/**
 * The least a chain read found slow is given: the RPC client asks the next endpoint only after its hedge
 * delay (500 ms, anchors/registry.ts), and that one needs a round trip or two (its chain id, the call).
 */
export const CHAIN_SLOW_FLOOR_MS = 1500;

export function networkMemory(options: Pick<CachingOptions, "networkTimeoutMs" | "slowNetworkTimeoutMs"> = {}): NetworkMemory {
  const full = options.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS;
  const short = Math.min(full, options.slowNetworkTimeoutMs ?? DEFAULT_SLOW_NETWORK_TIMEOUT_MS);
  const slow = new Set<string>();
  return {
    timeoutMs: (key, floorMs = 0) => Math.min(full, Math.max(floorMs, slow.has(key) ? short : slow.size > 0 ? 2 * short : full)),
    note: (key, how) => void (how === "in time" ? slow.delete(key) : slow.add(key)),
  };
}

/** The network memory's key of the host a DID's files are read from (its domain and port). */
function hostKey(did: string): string {
  return `host:${(did.split(":")[3] ?? "").toLowerCase()}`;
}

export interface CachingSource extends FileSource {
  /** The oldest read time of the cached files used for this DID (its host did not answer), if any. */
  filesReadAt(did: string): string | undefined;
}

export function cachingSource(inner: FileSource, db: CacheStore, options: CachingOptions & { stalenessMs: number }): CachingSource {
  const now = options.now ?? (() => new Date());
  const age = (cached: CachedFile) => now().getTime() - Date.parse(cached.readTime);
  /** Per DID: the oldest cached file used (its read time). */
  const used = new Map<string, string>();
  /**
   * Per DID: where its log came from. A log read live may hold entries that a cached did-witness.json or
   * did-anchors.json lacks (a witnessed entry would then fail its threshold: Invalid, where the host's
   * files are in order): its other files come live too, or not at all (unverifiable). A cached log's
   * other files may be newer than it (proofs of entries it lacks are not read).
   */
  const logFrom = new Map<string, Promise<"live" | "cache">>();
  const schedule = options.schedule ?? now_;
  const network = options.network ?? networkMemory(options);
  const maxFileBytes = options.maxFileBytes ?? MAX_CACHED_FILE_BYTES;
  // Not awaited: the write serves a later, offline visit; this verdict need not wait for its commit.
  const store = (key: string, text: string | null) => {
    const readTime = now().toISOString();
    schedule(() => {
      const size = fileSize(key, text, maxFileBytes);
      // Too large to cache: and an older copy must not answer for it later.
      if (size > maxFileBytes) return db.delete("files", key).catch(() => undefined);
      return db
        .put("files", { key, text, readTime, size, used: readTime })
        .then(() => options.budget?.wrote(size))
        .catch(() => undefined);
    });
  };
  /** A cached copy served: it moves to the back of the eviction queue. */
  const touch = (cached: CachedFile) => {
    const size = cached.size ?? fileSize(cached.key, cached.text, maxFileBytes);
    if (size <= maxFileBytes) schedule(() => db.put("files", { ...cached, size, used: now().toISOString() }).catch(() => undefined));
  };
  /** A cached file within the staleness limit (recorded as used), else the reason there is none. */
  const fromCache = (did: string, file: DidFileName, cached: CachedFile, cause?: VerifierError): string | null => {
    const ms = age(cached);
    if (!(ms <= options.stalenessMs)) {
      throw new StaleCachedFileError({
        details: `${file} read at ${cached.readTime}, ${duration(ms)} ago; the limit is ${duration(options.stalenessMs)}`,
        ...(cause ? { cause } : {}),
      });
    }
    const prev = used.get(did);
    if (prev === undefined || Date.parse(cached.readTime) < Date.parse(prev)) used.set(did, cached.readTime);
    touch(cached);
    return cached.text;
  };
  return {
    get(did: string, file: DidFileName, read?: FileReadOptions) {
      const key = `${did}|${file}`;
      const host = hostKey(did);
      const isLog = file === "did.jsonl";
      let cachedLog = false;
      // `read` (a product's download budget) goes to the source that downloads; cached copies cost none.
      const answer = networkFirst(inner.get(did, file, read), {
        timeoutMs: network.timeoutMs(host),
        network: (how) => network.note(host, how),
        offlineErrors: OFFLINE_FILE_ERRORS,
        cached: () => db.get("files", key).catch(() => undefined),
        // A slow host gives way only to a copy within the staleness limit; a stale one waits for it.
        usable: (cached) => age(cached) <= options.stalenessMs,
        ...(isLog ? {} : { mayUseCache: async () => (await (logFrom.get(did) ?? "cache")) === "cache" }),
        answer: (cached, cause) => {
          cachedLog = isLog;
          return fromCache(did, file, cached, cause);
        },
        store: (text) => store(key, text),
        forget: () => schedule(() => db.delete("files", key).catch(() => undefined)),
      });
      if (isLog) logFrom.set(did, answer.then(() => (cachedLog ? "cache" : "live"), () => "live"));
      return answer;
    },
    filesReadAt: (did) => used.get(did),
    fromCache: (did) => used.has(did),
  };
}

/**
 * The tree with each DID whose files came from the cache saying when they were read (`filesReadAt`): its
 * verdict rests on files that may lack what was published since.
 */
export function withCachedFiles(node: ProductNode, source: Pick<CachingSource, "filesReadAt">): ProductNode {
  const time = source.filesReadAt(node.did);
  return {
    ...node,
    result: time === undefined ? node.result : { ...node.result, filesReadAt: { time } },
    children: node.children.map((child) => withCachedFiles(child, source)),
  };
}

/** An age or a limit as a person reads it: seconds under 2 minutes, then minutes, hours, days. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 120 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

export interface CachingChainReader extends ChainReader {
  /** Did any read of this reader come from the cache? */
  readonly usedCache: boolean;
}

export function cachingChain(inner: ChainReader, db: CacheStore, options: CachingOptions & { stalenessMs: number }): CachingChainReader {
  const now = options.now ?? (() => new Date());
  const network = options.network ?? networkMemory(options);
  /** Per chain: the oldest cached read used in this session (offline). */
  const offline = new Map<number, ChainReadAt>();
  let usedCache = false;
  // Not awaited, as for files.
  const store = (key: string, query: AnchorQuery, record: AnchorRecord | null) => {
    const at = inner.readAt(query.chainId);
    const entry = { key, record, readTime: now().toISOString(), blockNumber: at?.blockNumber ?? record?.blockNumber ?? 0 };
    (options.schedule ?? now_)(() =>
      db
        .put("anchors", entry)
        .then(() => options.budget?.wroteAnchor())
        .catch(() => undefined),
    );
  };
  /** A cached read within the staleness limit (recorded as used), else the reason there is none. */
  const fromCache = (query: AnchorQuery, cached: CachedAnchor, cause?: VerifierError): AnchorRecord | null => {
    const age = now().getTime() - Date.parse(cached.readTime);
    if (!(age <= options.stalenessMs)) {
      throw new StaleChainDataError({
        details: `read at ${cached.readTime} (block ${cached.blockNumber}), ${duration(age)} ago; the limit is ${duration(options.stalenessMs)}`,
        ...(cause ? { cause } : {}),
      });
    }
    usedCache = true;
    const prev = offline.get(query.chainId);
    if (!prev || Date.parse(cached.readTime) < Date.parse(prev.time)) {
      offline.set(query.chainId, { time: cached.readTime, blockNumber: cached.blockNumber, offline: true });
    }
    return cached.record;
  };
  return {
    get usedCache() {
      return usedCache;
    },
    prepare(chainId: number) {
      inner.prepare?.(chainId);
    },
    readAnchor(query: AnchorQuery) {
      const key = `${query.chainId}|${query.registry.toLowerCase()}|${query.anchorer.toLowerCase()}|${query.root.toLowerCase()}`;
      const chain = `chain:${query.chainId}`;
      return networkFirst(inner.readAnchor(query), {
        timeoutMs: network.timeoutMs(chain, options.chainSlowFloorMs ?? CHAIN_SLOW_FLOOR_MS),
        network: (how) => network.note(chain, how),
        offlineErrors: OFFLINE_CHAIN_ERRORS,
        cached: () => db.get("anchors", key).catch(() => undefined),
        // An anchor, once on chain, stays; "not anchored" may have changed since (Invalid if believed).
        canAnswer: (cached) => cached.record !== null,
        // A slow endpoint gives way only to a read within the staleness limit; a stale one waits for it.
        usable: (cached) => now().getTime() - Date.parse(cached.readTime) <= options.stalenessMs,
        answer: (cached, cause) => fromCache(query, cached, cause),
        store: (record) => store(key, query, record),
      });
    },
    readAt(chainId: number) {
      return offline.get(chainId) ?? inner.readAt(chainId);
    },
  };
}
