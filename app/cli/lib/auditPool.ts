/**
 * Running an audit's items on the main thread and, for large audits, on worker threads too (Node only).
 *
 * The main thread starts at once (WebCrypto runs its signatures on the libuv pool, so it already keeps
 * both cores of a small machine busy); worker threads, which take a while to load, take items as soon as
 * they are ready, and from then on the main thread takes no new ones: it stays the broker. Every chain
 * read of a worker comes back to ONE ChainReader on the main thread, so identical (anchorer, root) reads
 * are made once and concurrent ones share JSON-RPC batches across all threads. Items are pulled from one
 * queue; results come back as report rows.
 */
import { Worker } from "node:worker_threads";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import { toVerifierError, type SerializedError } from "../../core/errors.ts";
import type { AnchorRecord } from "../../core/types.ts";
import { auditItem, type AuditContext, type AuditItem, type Row } from "./auditItem.ts";
import type { FolderListing } from "./dirSource.ts";

/** How a worker gets a DID's files: the same source as the main thread uses. */
export type SourceSpec = { kind: "dir"; dir: string; listing?: FolderListing } | { kind: "url"; origin: string; timeoutMs: number };

export type ToWorker =
  | { type: "verify"; index: number; item: AuditItem }
  | { type: "read"; id: number; record: AnchorRecord | null; readAt: ChainReadAt | undefined }
  | { type: "readError"; id: number; error: SerializedError }
  | { type: "close" };

export type FromWorker =
  | { type: "ready" }
  | { type: "read"; id: number; query: AnchorQuery }
  | { type: "done"; index: number; row: Row };

export interface PoolOptions {
  /** Worker threads to start; 0: everything on the main thread. */
  workers: number;
  /** Items in flight on the main thread, and per worker. */
  concurrency: number;
  /** What the workers rebuild their source from. */
  source: SourceSpec;
  /** The main thread's context (its chain reader also serves the workers). */
  local: AuditContext;
  /** Whether the main thread audits items until a worker is ready (default true; always with no workers). */
  mainThreadHelps?: boolean;
}

/**
 * Audits `items`; calls `onResult(index, row)` as each finishes. Resolves when all are done; the workers
 * are terminated in every case.
 */
export async function runAudit(
  items: readonly AuditItem[],
  options: PoolOptions,
  onResult: (index: number, row: Row) => void,
): Promise<void> {
  const chain: ChainReader = options.local.chain;
  const url = new URL("./auditWorker.ts", import.meta.url);
  const workers = items.length === 0 ? [] : Array.from({ length: options.workers }, () => new Worker(url, { workerData: { source: options.source, trustedAnchorers: options.local.trustedAnchorers ?? [], trustedRegistries: options.local.trustedRegistries ?? {} } }));
  let next = 0;
  let remaining = items.length;
  let handedOff = workers.length > 0 && options.mainThreadHelps === false;
  try {
    await new Promise<void>((resolve, reject) => {
      if (remaining === 0) return resolve();
      const finished = (index: number, row: Row) => {
        onResult(index, row);
        if (--remaining === 0) resolve();
      };
      const feed = (w: Worker) => {
        if (next < items.length) {
          const index = next++;
          w.postMessage({ type: "verify", index, item: items[index]! } satisfies ToWorker);
        }
      };
      for (const w of workers) {
        w.on("error", reject);
        w.on("exit", (code) => {
          if (remaining > 0) reject(new Error(`a verification worker exited (code ${code}) before finishing`));
        });
        w.on("message", (m: FromWorker) => {
          if (m.type === "ready") {
            handedOff = true;
            for (let k = 0; k < options.concurrency; k++) feed(w);
          } else if (m.type === "read") {
            chain.readAnchor(m.query).then(
              (record) => w.postMessage({ type: "read", id: m.id, record, readAt: chain.readAt(m.query.chainId) } satisfies ToWorker),
              (error: unknown) => w.postMessage({ type: "readError", id: m.id, error: toVerifierError(error).toJSON() } satisfies ToWorker),
            );
          } else {
            finished(m.index, m.row);
            feed(w);
          }
        });
      }
      // The main thread's lanes: they work until a worker is ready to take over.
      const lane = async () => {
        while (!handedOff && next < items.length) {
          const index = next++;
          let row: Row;
          try {
            row = await auditItem(items[index]!, options.local);
          } catch (error) {
            return reject(error);
          }
          finished(index, row);
        }
      };
      for (let k = 0; k < Math.min(options.concurrency, items.length); k++) void lane();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
