/**
 * Re-checking a product opened again on this device: when every file its last full verification read is
 * byte for byte the same now (SHA-256 of what the host serves) and every registry read gives the same
 * answer at the chain's latest block, the verdict cannot differ (the verification is a function of those
 * reads, the settings, the app's code and the clock; see below), so it is shown at once, and the full
 * verification runs behind it and replaces it.
 *
 * - The record: made by the verification worker after a full verification made entirely from live reads
 *   (no cached file, no cached chain read), keyed by the product's DID, the settings (VerifyConfig) and the
 *   app's build (worker/early.ts, `recheckKeyOf`), and kept by the page (recheckStore.ts). It holds the
 *   digest of each file read (or "absent": the host said 404), each registry query with its answer, and the
 *   resulting tree. A full verification that cannot be recorded removes the record it would have replaced.
 * - Only trees that are verified or pending throughout are recorded. The clock enters a verification in one
 *   place (a versionTime later than now is invalid), and a tree with no invalid node did not meet it; time
 *   only moves forward, so it will not meet it later: a record from the future (the clock set back since)
 *   is never used. An unverifiable or invalid verdict is never shown from a record.
 * - The re-check (`quickCheck`): every recorded file fetched again through the same httpSource (limits,
 *   HTML refusal) and every recorded query read again, in one JSON-RPC batch per chain beside its chain id
 *   and latest block (`rereadChain`), from its first configured endpoint. Any difference, failure or
 *   timeout: no answer (null), and the worker's full verification decides (with every endpoint, hedged), as
 *   on a first visit. The tree shown says which block it was read
 *   at now (each DID's `chainReadAt`), and that it was re-checked (the UI's note).
 * - What more is trusted: this device's storage holds the records, as it holds the offline cache and the
 *   app's own code (the service worker's cache); anyone able to write there could change either.
 */
import { anchorOfCalldata, decodeAnchorOf, limitedFetch, quantity, type RpcFetch } from "../../core/anchors/jsonRpc.ts";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import { httpSource } from "../../core/fetch/http.ts";
import type { DidFileName, FileSource } from "../../core/fetch/source.ts";
import type { AnchorRecord, ProductNode } from "../../core/types.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import { MAX_RECORD_CHARS } from "./recheckStore.ts";

/** One file a verification read: its SHA-256 (hex), or null when the host said it does not exist. */
export interface FileRead {
  did: string;
  file: DidFileName;
  sha256: string | null;
  /** Its length in UTF-8 bytes (0 when absent): the re-check reads no more of it than that. */
  bytes: number;
}

/** One registry read and its answer. */
export interface AnchorRead {
  query: AnchorQuery;
  record: AnchorRecord | null;
}

export interface RecheckRecord {
  /** worker/early.ts's recheckKeyOf(did, config). */
  key: string;
  did: string;
  /** When the full verification was made (ms since the epoch, this device's clock). */
  verifiedAt: number;
  files: FileRead[];
  anchors: AnchorRead[];
  product: ProductNode;
}

/** What the page shows beside a re-checked verdict. */
export interface RecheckNote {
  /** ISO time of the full verification re-checked against. */
  verifiedAt: string;
  files: number;
  anchors: number;
}

export async function sha256Hex(text: string): Promise<string> {
  return (await digestOf(text)).sha256;
}

async function digestOf(text: string): Promise<{ sha256: string; bytes: number }> {
  const utf8 = new TextEncoder().encode(text);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return { sha256: hex, bytes: utf8.length };
}

/** Is every node of the tree verified or pending? (Only such trees are recorded; see above.) */
export function recheckable(node: ProductNode): boolean {
  const r = node.result;
  if (r.verdict !== "verified" && r.verdict !== "pending") return false;
  if (node.verdict !== "verified" && node.verdict !== "pending") return false;
  if (r.filesReadAt || r.chainReadAt?.offline) return false;
  return node.children.every(recheckable);
}

/**
 * The files a verification reads through `inner`, as they came from the host. `reads()` gives them once
 * the verification is over, or null when any read failed (or the same file read twice differed): such a
 * verification is not recorded. Reads still in flight then were not used by its result.
 */
export function recordingSource(inner: FileSource): FileSource & { reads(): Promise<FileRead[] | null> } {
  const done = new Map<string, Promise<FileRead>>();
  let failed = false;
  return {
    async get(did, file, options) {
      let text: string | null;
      try {
        text = await inner.get(did, file, options);
      } catch (e) {
        failed = true;
        throw e;
      }
      const key = `${did}|${file}`;
      const read = (async (): Promise<FileRead> => ({ did, file, ...(text === null ? { sha256: null, bytes: 0 } : await digestOf(text)) }))();
      const before = done.get(key);
      done.set(key, before ? Promise.all([before, read]).then(([a, b]) => (a.sha256 === b.sha256 ? a : ((failed = true), a))) : read);
      return text;
    },
    async reads() {
      const all = await Promise.all(done.values());
      return failed ? null : all;
    },
  };
}

/** As recordingSource, for registry reads. */
export function recordingChain(inner: ChainReader): ChainReader & { reads(): AnchorRead[] | null } {
  const done = new Map<string, AnchorRead>();
  let failed = false;
  const keyOf = (q: AnchorQuery) => `${q.chainId}|${q.registry}|${q.anchorer}|${q.root}`.toLowerCase();
  const reader: ChainReader & { reads(): AnchorRead[] | null } = {
    async readAnchor(query) {
      let record: AnchorRecord | null;
      try {
        record = await inner.readAnchor(query);
      } catch (e) {
        failed = true;
        throw e;
      }
      const key = keyOf(query);
      const before = done.get(key);
      if (before && !sameRecord(before.record, record)) failed = true;
      done.set(key, { query: { chainId: query.chainId, registry: query.registry, anchorer: query.anchorer, root: query.root }, record });
      return record;
    },
    readAt: (chainId) => inner.readAt(chainId),
    reads: () => (failed ? null : [...done.values()]),
  };
  if (inner.prepare) reader.prepare = (chainId) => inner.prepare!(chainId);
  return reader;
}

function sameRecord(a: AnchorRecord | null, b: AnchorRecord | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.chainId === b.chainId &&
    a.registry.toLowerCase() === b.registry.toLowerCase() &&
    a.anchorer.toLowerCase() === b.anchorer.toLowerCase() &&
    a.root.toLowerCase() === b.root.toLowerCase() &&
    a.blockNumber === b.blockNumber &&
    a.timestamp === b.timestamp
  );
}

/** The record of a full verification, when it may be re-checked later; null otherwise. */
export async function makeRecord(
  key: string,
  did: string,
  product: ProductNode,
  source: { reads(): Promise<FileRead[] | null> },
  chain: { reads(): AnchorRead[] | null },
  verifiedAt: number,
): Promise<RecheckRecord | null> {
  if (product.did !== did || !recheckable(product)) return null;
  const files = await source.reads();
  const anchors = chain.reads();
  if (!files || !anchors) return null;
  const record: RecheckRecord = { key, did, verifiedAt, files, anchors, product };
  // Too large for the page to keep (recheckStore.ts): not sent at all, so that the page never serialises it.
  if (!covers(record) || JSON.stringify(record).length > MAX_RECORD_CHARS) return null;
  return record;
}

/**
 * Does the record re-read everything its tree rests on: each DID's log, and the registry answer of each
 * anchor its entries show? (A record made by makeRecord always does; one altered in storage may not, and
 * must not be shown without those reads.)
 */
function covers(record: RecheckRecord): boolean {
  if (!record || typeof record !== "object" || !Array.isArray(record.files) || !Array.isArray(record.anchors)) return false;
  if (!record.product || record.product.did !== record.did) return false;
  const logs = new Set(record.files.filter((f) => f.file === "did.jsonl" && typeof f.sha256 === "string").map((f) => f.did));
  const reads = new Set(record.anchors.map((a) => anchorKey(a.query.chainId, a.query.registry, a.query.anchorer, a.query.root)));
  const visit = (node: ProductNode): boolean => {
    if (!node || !node.result || !Array.isArray(node.result.entries) || !Array.isArray(node.children)) return false;
    if (!logs.has(node.did)) return false;
    for (const e of node.result.entries) {
      const a = e.anchor;
      if (a && a.record && !reads.has(anchorKey(a.chainId, a.registry, a.anchorer, a.claimedRoot))) return false;
    }
    return node.children.every(visit);
  };
  return visit(record.product);
}

const anchorKey = (chainId: number, registry: string, anchorer: string, root: string) => `${chainId}|${registry}|${anchorer}|${root}`.toLowerCase();

export interface QuickCheckOptions {
  /** The source to read the files again from (default: httpSource as the worker makes it). */
  source?: FileSource;
  /** The JSON-RPC transport (default: the global fetch, answers read up to the usual limit). */
  fetchFn?: RpcFetch;
  now?: () => number;
}

/**
 * A chain's recorded registry reads, made again in one JSON-RPC batch to its first configured endpoint:
 * its chain id, its latest block, and each anchorOf at "latest". The chain state they were read at, when
 * the endpoint serves the chain and every answer is the recorded one; null otherwise (or on any failure).
 * One round trip, where a fresh chain reader takes two (the block first, then reads pinned to it): reading
 * at "latest" beside the block is sound here because a record, once anchored, never changes (the contract
 * sets it once), so a recorded anchor found again at or below that block stood at that block.
 */
async function rereadChain(chainId: number, reads: readonly AnchorRead[], config: VerifyConfig, fetchFn: RpcFetch): Promise<ChainReadAt | null> {
  const url = config.rpc[chainId]?.[0];
  if (!url) return null;
  const call = (id: number, method: string, params: readonly unknown[]) => ({ jsonrpc: "2.0", id, method, params });
  const body = [
    call(0, "eth_chainId", []),
    call(1, "eth_getBlockByNumber", ["latest", false]),
    ...reads.map((r, i) => call(i + 2, "eth_call", [{ to: r.query.registry.toLowerCase(), data: anchorOfCalldata(r.query.anchorer, r.query.root) }, "latest"])),
  ];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.timeoutMs ?? 8_000);
  try {
    const response = await fetchFn(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: controller.signal });
    if (!response.ok) return null;
    const answers = await response.json();
    if (!Array.isArray(answers)) return null;
    const results = new Map<unknown, unknown>();
    for (const a of answers) if (a && typeof a === "object" && "result" in a && !("error" in a)) results.set((a as { id: unknown }).id, (a as { result: unknown }).result);
    if (results.size !== body.length) return null;
    if (quantity(results.get(0), "eth_chainId") !== BigInt(chainId)) return null;
    const block = results.get(1) as { number?: unknown; timestamp?: unknown } | null;
    if (!block || typeof block !== "object") return null;
    const number = quantity(block.number, "block number");
    const timestamp = quantity(block.timestamp, "block timestamp");
    for (const [i, r] of reads.entries()) {
      const now = decodeAnchorOf(results.get(i + 2), "anchorOf");
      if (r.record === null ? now.timestamp !== 0n : now.timestamp !== BigInt(r.record.timestamp) || now.blockNumber !== BigInt(r.record.blockNumber)) return null;
      if (now.blockNumber > number) return null; // anchored after the block read: not the state it names
    }
    return { time: new Date(Number(timestamp) * 1000).toISOString(), blockNumber: Number(number), offline: false };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The recorded tree, when every recorded read gives the same answer now (see above), with each DID's
 * `chainReadAt` the block read now; null on any difference or failure.
 */
export async function quickCheck(record: RecheckRecord, config: VerifyConfig, o: QuickCheckOptions = {}): Promise<{ product: ProductNode; note: RecheckNote } | null> {
  const now = (o.now ?? Date.now)();
  if (!(now >= record.verifiedAt)) return null; // the clock was set back: see above
  if (!covers(record)) return null;
  // Each file read no further than its recorded length: a host cannot make the page read more.
  const origin = config.hostOrigin ? { origin: config.hostOrigin } : {};
  const source: FileSource = o.source ?? {
    get: (did, file) => httpSource({ ...origin, maxBytes: record.files.find((f) => f.did === did && f.file === file)?.bytes ?? 0 }).get(did, file),
  };
  const byChain = new Map<number, AnchorRead[]>();
  for (const a of record.anchors) byChain.set(a.query.chainId, [...(byChain.get(a.query.chainId) ?? []), a]);
  const readAt = new Map<number, ChainReadAt>();
  try {
    const same = await Promise.all([
      ...record.files.map(async (f) => {
        const text = await source.get(f.did, f.file);
        return (text === null ? null : await sha256Hex(text)) === f.sha256;
      }),
      ...[...byChain].map(async ([chainId, reads]) => {
        const at = await rereadChain(chainId, reads, config, o.fetchFn ?? limitedFetch);
        if (at) readAt.set(chainId, at);
        return at !== null;
      }),
    ]);
    if (!same.every(Boolean)) return null;
  } catch {
    return null;
  }
  const chain = { readAt: (chainId: number) => readAt.get(chainId) };
  const restamp = (node: ProductNode): ProductNode | null => {
    let result = node.result;
    if (result.chainReadAt) {
      const chainId = result.entries.find((e) => e.anchor)?.anchor?.chainId;
      const at = chainId === undefined ? undefined : chain.readAt(chainId);
      if (!at || at.offline) return null;
      result = { ...result, chainReadAt: at };
    }
    const children: ProductNode[] = [];
    for (const child of node.children) {
      const c = restamp(child);
      if (!c) return null;
      children.push(c);
    }
    return { ...node, result, children };
  };
  const product = restamp(record.product);
  if (!product) return null;
  return { product, note: { verifiedAt: new Date(record.verifiedAt).toISOString(), files: record.files.length, anchors: record.anchors.length } };
}
