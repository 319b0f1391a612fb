/**
 * The offline cache (IndexedDB, used inside the verification worker): every DID file and every registry
 * read is stored with the time it was read (and, for the chain, the block). When the host or the chain
 * cannot be reached, the verifier runs on what was cached and says so:
 * - network first, with a short timeout: a request the network has not answered within `networkTimeoutMs`
 *   (default 3 s: an auditor in a basement with one bar of signal) is answered from the cache when the
 *   cache has a usable copy, and the late answer still refreshes the cache; with no usable copy the
 *   network is waited for, up to its own timeout;
 * - files: served from the cache only when the host is unreachable or too slow (never to hide a 404, an
 *   HTML page or any other answer the host did give), and only when read less than the staleness limit
 *   ago, as chain data: older -> StaleCachedFileError (unverifiable). A cached log may lack entries
 *   published since (a "ReportedStolen" event), so a DID whose files came from the cache says so
 *   (`filesReadAt`, the oldest read time used: "verified offline from files read at <time>");
 * - chain reads: served from the cache only when the endpoint is unreachable or too slow, and only when
 *   read less than the staleness limit ago; older -> StaleChainDataError (unverifiable). The DID's
 *   `chainReadAt` then says `offline: true` with the oldest read time used.
 * The cache only ever returns what a live read returned: it cannot make anything verified that was not.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import { StaleChainDataError } from "../../core/anchors/errors.ts";
import { UnverifiableError, type VerifierError, type VerifierErrorOptions } from "../../core/errors.ts";
import type { DidFileName, FileSource } from "../../core/fetch/source.ts";
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
  files: { key: string; value: CachedFile };
  anchors: { key: string; value: CachedAnchor };
}

export const DB_NAME = "verifier-cache";

export function openCache(name = DB_NAME): Promise<IDBPDatabase<Schema>> {
  return openDB<Schema>(name, 1, {
    upgrade(db) {
      db.createObjectStore("files", { keyPath: "key" });
      db.createObjectStore("anchors", { keyPath: "key" });
    },
  });
}
export type CacheDb = IDBPDatabase<Schema>;

/** What the caching wrappers use of the database. */
export type CacheStore = Pick<CacheDb, "get" | "put">;

/**
 * The cache while it is still opening (or null where IndexedDB is unavailable: private mode): reads wait
 * for it and find nothing without it; writes wait for it and fail without it (callers ignore write
 * failures). So that a verification's first requests need not wait for the database to open, when the
 * cache is needed only if the network fails and for writes made after the verdict.
 */
export function lazyCache(open: Promise<CacheDb | null>): CacheStore {
  return {
    get: (async (store: "files" | "anchors", key: string) => (await open)?.get(store, key)) as CacheDb["get"],
    put: (async (store: "files" | "anchors", value: never) => {
      const db = await open;
      if (!db) throw new Error("no offline cache here");
      return db.put(store, value);
    }) as CacheDb["put"],
  };
}

/** How long the network has before a usable cached copy answers instead (network first). */
export const DEFAULT_NETWORK_TIMEOUT_MS = 3000;

const OFFLINE_FILE_ERRORS = new Set(["HostUnreachableError", "FetchTimeoutError"]);
const OFFLINE_CHAIN_ERRORS = new Set(["RpcUnreachableError", "RpcTimeoutError"]);

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : "";
}

/**
 * When a cache write runs: at once by default; the worker passes a queue it runs after the verdict is
 * posted, so that no write (a structured clone and a transaction) stands between the files and the verdict.
 */
export type WriteScheduler = (write: () => void) => void;
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
 * (stored); after that, a cached copy that `usable` accepts (the late live answer still stored), else
 * the live answer whenever it comes; when the network fails with one of `offlineErrors`, the cached copy
 * (`answer` may still refuse it), else that failure.
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
  },
): Promise<T> {
  try {
    const first = await within(live, o.timeoutMs);
    if (first !== SLOW) {
      o.store(first);
      return first;
    }
    const cached = await o.cached();
    if (cached && o.usable(cached)) {
      void live.then(o.store, () => undefined);
      return o.answer(cached);
    }
    const value = await live;
    o.store(value);
    return value;
  } catch (e) {
    if (!o.offlineErrors.has(errorName(e))) throw e;
    const cached = await o.cached();
    if (!cached) throw e;
    return o.answer(cached, e as VerifierError);
  }
}

export interface CachingOptions {
  now?: () => Date;
  schedule?: WriteScheduler;
  /** See DEFAULT_NETWORK_TIMEOUT_MS. */
  networkTimeoutMs?: number;
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
  const schedule = options.schedule ?? now_;
  const networkTimeoutMs = options.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS;
  // Not awaited: the write serves a later, offline visit; this verdict need not wait for its commit.
  const store = (key: string, text: string | null) => {
    const readTime = now().toISOString();
    schedule(() => void db.put("files", { key, text, readTime }).catch(() => undefined));
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
    return cached.text;
  };
  return {
    get(did: string, file: DidFileName) {
      const key = `${did}|${file}`;
      return networkFirst(inner.get(did, file), {
        timeoutMs: networkTimeoutMs,
        offlineErrors: OFFLINE_FILE_ERRORS,
        cached: () => db.get("files", key).catch(() => undefined),
        // A slow host gives way only to a copy within the staleness limit; a stale one waits for it.
        usable: (cached) => age(cached) <= options.stalenessMs,
        answer: (cached, cause) => fromCache(did, file, cached, cause),
        store: (text) => store(key, text),
      });
    },
    filesReadAt: (did) => used.get(did),
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
  const networkTimeoutMs = options.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS;
  /** Per chain: the oldest cached read used in this session (offline). */
  const offline = new Map<number, ChainReadAt>();
  let usedCache = false;
  // Not awaited, as for files.
  const store = (key: string, query: AnchorQuery, record: AnchorRecord | null) => {
    const at = inner.readAt(query.chainId);
    const entry = { key, record, readTime: now().toISOString(), blockNumber: at?.blockNumber ?? record?.blockNumber ?? 0 };
    (options.schedule ?? now_)(() => void db.put("anchors", entry).catch(() => undefined));
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
      return networkFirst(inner.readAnchor(query), {
        timeoutMs: networkTimeoutMs,
        offlineErrors: OFFLINE_CHAIN_ERRORS,
        cached: () => db.get("anchors", key).catch(() => undefined),
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
