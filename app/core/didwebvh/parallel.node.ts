/**
 * Node only (worker_threads): verify many did:webvh logs across all cores. Never imported by the
 * browser build (the app uses its own Web Worker); used by the command line and the benchmark.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

export interface LogJob {
  did?: string;
  text: string;
}

export interface LogJobResult {
  did: string;
  ok: boolean;
  entries: number;
  /** The first failure, serialised (see VerifierError.toJSON). */
  error?: { name: string; message: string; entryIndex?: number; versionId?: string };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { tsImport } = require("tsx/esm/api");
(async () => {
  const { verifyLog, parseLog, nodeEd25519Verify } = await tsImport(workerData.moduleUrl, workerData.parentUrl);
  const verifier = workerData.nodeCrypto ? nodeEd25519Verify : undefined;
  parentPort.on("message", async ({ id, jobs, now }) => {
    const results = await Promise.all(jobs.map(async (job) => {
      try {
        const r = await verifyLog(parseLog(job.text), { ...(job.did === undefined ? {} : { did: job.did }), now, ...(verifier ? { verifier } : {}) });
        return { did: r.did, ok: !r.error, entries: r.entries.length, ...(r.error ? { error: r.error.toJSON() } : {}) };
      } catch (e) {
        return { did: job.did ?? "", ok: false, entries: 0, error: typeof e?.toJSON === "function" ? e.toJSON() : { name: "Error", message: String(e) } };
      }
    }));
    parentPort.postMessage({ id, results });
  });
  parentPort.postMessage("ready");
})();
`;

/** A pool of worker threads that verify did:webvh logs. Start once, verify many times, close. */
export class LogVerifierPool {
  readonly #workers: Worker[];
  readonly #ready: Promise<void>;
  #nextId = 0;
  readonly #pending = new Map<number, (results: LogJobResult[]) => void>();

  /**
   * `nodeCrypto` (default true): verify signatures with node:crypto synchronously in each worker (each
   * worker has its own core); false: WebCrypto, as the browser does.
   */
  constructor(threads = availableParallelism(), options: { nodeCrypto?: boolean } = {}) {
    const workerData = {
      moduleUrl: new URL("./poolWorker.node.ts", import.meta.url).href,
      nodeCrypto: options.nodeCrypto ?? true,
      parentUrl: import.meta.url,
    };
    this.#workers = Array.from({ length: Math.max(1, threads) }, () => new Worker(WORKER_SOURCE, { eval: true, workerData }));
    this.#ready = Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once("error", reject);
            worker.on("message", (message: "ready" | { id: number; results: LogJobResult[] }) => {
              if (message === "ready") return resolve();
              this.#pending.get(message.id)?.(message.results);
              this.#pending.delete(message.id);
            });
          }),
      ),
    ).then(() => undefined);
  }

  /** Resolves when every worker has loaded the verifier. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Verify `jobs` in chunks spread over the workers; results in the order of `jobs`. */
  async verify(jobs: readonly LogJob[], options: { chunk?: number; now?: number } = {}): Promise<LogJobResult[]> {
    await this.#ready;
    const chunk = options.chunk ?? 25;
    const now = options.now ?? Date.now();
    const results: LogJobResult[] = new Array(jobs.length);
    let next = 0;
    await Promise.all(
      this.#workers.map(async (worker) => {
        while (next < jobs.length) {
          const start = next;
          next = Math.min(jobs.length, next + chunk);
          const id = this.#nextId++;
          const done = new Promise<LogJobResult[]>((resolve) => this.#pending.set(id, resolve));
          worker.postMessage({ id, jobs: jobs.slice(start, next), now });
          (await done).forEach((r, k) => (results[start + k] = r));
        }
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/** One-shot: start a pool, verify `jobs`, close it. */
export async function verifyLogsParallel(
  jobs: readonly LogJob[],
  options: { threads?: number; chunk?: number; now?: number } = {},
): Promise<LogJobResult[]> {
  const pool = new LogVerifierPool(options.threads ?? Math.min(availableParallelism(), Math.ceil(jobs.length / 8) || 1));
  try {
    return await pool.verify(jobs, options);
  } finally {
    await pool.close();
  }
}
