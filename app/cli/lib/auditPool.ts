/**
 * Verifying many DIDs on several cores (Node only): worker threads run verifyDid (fetching or reading the
 * files, verifying the logs and proofs), while every chain read goes back to ONE ChainReader on the main
 * thread, so identical (anchorer, root) reads are made once and concurrent ones share JSON-RPC batches
 * across all workers. Results come back as plain DidVerdicts.
 */
import { Worker } from "node:worker_threads";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import { toVerifierError, type SerializedError } from "../../core/errors.ts";
import type { AnchorRecord, DidVerdict } from "../../core/types.ts";

/** How a worker gets a DID's files: the same source as the main thread would use. */
export type SourceSpec = { kind: "dir"; dir: string } | { kind: "url"; origin: string; timeoutMs: number };

export type ToWorker =
  | { type: "verify"; index: number; did: string }
  | { type: "read"; id: number; record: AnchorRecord | null; readAt: ChainReadAt | undefined }
  | { type: "readError"; id: number; error: SerializedError }
  | { type: "close" };

export type FromWorker =
  | { type: "read"; id: number; query: AnchorQuery }
  | { type: "done"; index: number; verdict: DidVerdict };

export interface PoolOptions {
  workers: number;
  /** DIDs in flight per worker. */
  concurrency: number;
  source: SourceSpec;
  chain: ChainReader;
}

/**
 * Verifies `dids` on `workers` threads; calls `onResult(index, verdict)` as each finishes.
 * Resolves when all are done; the workers are terminated in every case.
 */
export async function verifyOnWorkers(
  dids: readonly string[],
  options: PoolOptions,
  onResult: (index: number, verdict: DidVerdict) => void,
): Promise<void> {
  const url = new URL("./auditWorker.ts", import.meta.url);
  const workers = Array.from({ length: options.workers }, () => new Worker(url, { workerData: { source: options.source } }));
  let next = 0;
  let remaining = dids.length;
  try {
    await new Promise<void>((resolve, reject) => {
      if (remaining === 0) return resolve();
      const feed = (w: Worker) => {
        if (next < dids.length) {
          const index = next++;
          w.postMessage({ type: "verify", index, did: dids[index]! } satisfies ToWorker);
        }
      };
      for (const w of workers) {
        w.on("error", reject);
        w.on("exit", (code) => {
          if (remaining > 0) reject(new Error(`a verification worker exited (code ${code}) before finishing`));
        });
        w.on("message", (m: FromWorker) => {
          if (m.type === "read") {
            options.chain.readAnchor(m.query).then(
              (record) => w.postMessage({ type: "read", id: m.id, record, readAt: options.chain.readAt(m.query.chainId) } satisfies ToWorker),
              (error: unknown) => w.postMessage({ type: "readError", id: m.id, error: toVerifierError(error).toJSON() } satisfies ToWorker),
            );
            return;
          }
          onResult(m.index, m.verdict);
          feed(w);
          if (--remaining === 0) resolve();
        });
        for (let k = 0; k < options.concurrency; k++) feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
