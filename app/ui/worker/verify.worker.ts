/// <reference lib="webworker" />
/**
 * The verification worker: runs the core pipeline unchanged (fetch the logs and proofs over HTTP, verify
 * the did:webvh logs, recompute Merkle paths, read the registry over JSON-RPC) off the main thread, and
 * posts back plain ProductNode trees. Anything unforeseen is reported as unverifiable, never as invalid.
 */
import { createRpcChainReader, type ChainReader } from "../../core/anchors/registry.ts";
import { toVerifierError } from "../../core/errors.ts";
import { httpSource } from "../../core/fetch/http.ts";
import { verifyProduct } from "../../core/verify/product.ts";
import { verifyDid } from "../../core/verify/verifyDid.ts";
import { cachingChain, cachingSource, fileBudget, lazyCache, networkMemory, openCache, withCachedFiles, type CacheDb, type FileBudget } from "../offline/cache.ts";
import { makeRecord, recordingChain, recordingSource } from "../offline/recheck.ts";
import type { VerifyConfig, WorkerRequest, WorkerResponse } from "./protocol.ts";

/** The deployment's pinned anchoring accounts and registries, when the settings name any. */
const trusted = (config: VerifyConfig) => ({
  ...(config.trustedAnchorers?.length ? { trustedAnchorers: config.trustedAnchorers } : {}),
  ...(config.trustedRegistries ? { trustedRegistries: config.trustedRegistries } : {}),
});

declare const self: DedicatedWorkerGlobalScope;

const cancelled = new Set<number>();
/** Readers are reused while the config is the same (they pin reads to one block and batch them). */
let reader: { key: string; chain: ChainReader } | null = null;

function chainFor(config: VerifyConfig): ChainReader {
  const key = JSON.stringify([config.rpc, config.timeoutMs]);
  if (reader?.key !== key) {
    reader = { key, chain: createRpcChainReader({ rpc: config.rpc, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) }) };
  }
  return reader.chain;
}

/** The offline cache; null when IndexedDB is unavailable (private mode): then everything is live only. */
let cache: Promise<CacheDb | null> | null = null;
function cacheDb(): Promise<CacheDb | null> {
  cache ??= openCache().catch(() => null);
  return cache;
}
/** The cached files' byte budget (least recently used evicted), shared by this worker's requests. */
let budget: FileBudget | null = null;

/** Cache writes under way (their transactions), awaited by a "drain" request. */
const inflight = new Set<Promise<unknown>>();
function track(write: () => Promise<unknown> | void): void {
  const done = Promise.resolve()
    .then(write)
    .catch(() => undefined);
  inflight.add(done);
  void done.finally(() => inflight.delete(done));
}

function post(msg: WorkerResponse): void {
  self.postMessage(msg);
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  if (msg.type === "cancel") {
    cancelled.add(msg.id);
    return;
  }
  if (msg.type === "drain") {
    // The writes of requests answered so far are queued behind a timer (see `writes` below): let those run,
    // then wait for every transaction.
    await new Promise((r) => setTimeout(r, 0));
    while (inflight.size) await Promise.all(inflight);
    post({ type: "drained", id: msg.id });
    return;
  }
  if (msg.type === "warm") {
    // Overlaps the cache's opening and the chains' first round trips (chain id check, block) with the app's
    // own start and the linkset fetch; failures surface in the real request, never here.
    void cacheDb();
    const chain = chainFor(msg.config);
    for (const chainId of Object.keys(msg.config.rpc)) chain.prepare?.(Number(chainId));
    return;
  }
  const started = performance.now();
  // Cache writes wait until this request's answer is posted (they serve a later, offline visit); any
  // made after that (a hinted component still in flight) run at once.
  const writes: (() => Promise<unknown> | void)[] = [];
  let answered = false;
  const schedule = (write: () => Promise<unknown> | void) => (answered ? track(write) : void writes.push(write));
  try {
    // What was read live, for a re-check record (asked for by the page: a product's full verification).
    const recordAs = msg.type === "verify" ? msg.recordAs : undefined;
    const http = httpSource(msg.config.hostOrigin ? { origin: msg.config.hostOrigin } : {});
    const recording = recordAs ? { source: recordingSource(http), chain: recordingChain(chainFor(msg.config)) } : null;
    const live = recording?.source ?? http;
    const liveChain = recording?.chain ?? chainFor(msg.config);
    // The first requests go out at once; the cache (still opening on a first request) is needed only
    // when the network fails, and for the writes made after the verdict.
    const db = lazyCache(cacheDb());
    budget ??= fileBudget(db);
    // What this request found slow is known to its files' and its chain reads' timeouts alike.
    const network = networkMemory();
    const source = cachingSource(live, db, { stalenessMs: msg.config.stalenessMs, schedule, budget, network });
    // A fresh wrapper per request: whether this verdict rests on cached chain data is per request.
    const chain = cachingChain(liveChain, db, { stalenessMs: msg.config.stalenessMs, schedule, budget, network });
    if (msg.type === "did") {
      const r = await verifyDid(msg.did, { source, chain, now: new Date(), ...trusted(msg.config) });
      if (cancelled.delete(msg.id)) return;
      // A verdict resting on cached data says so in its row, as a passport's card does.
      const files = source.filesReadAt(msg.did);
      const chainAt = r.chainReadAt?.offline ? r.chainReadAt.time : undefined;
      const cached = files || chainAt ? { cached: { ...(files ? { files } : {}), ...(chainAt ? { chain: chainAt } : {}) } } : {};
      post({ type: "did", id: msg.id, row: { did: msg.did, verdict: r.verdict, reason: r.error ?? null, entries: r.entries.length, ...cached } });
      return;
    }
    // The components get a head start as soon as the product's log is in, from the network or, offline,
    // from the cache (verifyProduct).
    const now = new Date();
    const product = withCachedFiles(await verifyProduct(msg.did, { source, chain, now, ...trusted(msg.config) }), source);
    if (cancelled.delete(msg.id)) return;
    // Each DID whose files came from the cache says when they were read (DidCard: "verified offline ...").
    post({ type: "product", id: msg.id, product, ms: performance.now() - started });
    if (recordAs && recording) {
      // The page keeps it (recheckStore.ts); null (a failure, cached data) makes it forget an older one.
      const { id, did } = msg;
      void makeRecord(recordAs, did, product, recording.source, recording.chain, now.getTime())
        .catch(() => null)
        .then((record) => post({ type: "record", id, did, record }));
    }
  } catch (error) {
    if (cancelled.delete(msg.id)) return;
    post({ type: "failure", id: msg.id, error: toVerifierError(error).toJSON() });
  } finally {
    answered = true;
    setTimeout(() => writes.splice(0).forEach(track), 0);
  }
};
