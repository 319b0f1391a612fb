/**
 * Logs made WITH didwebvh-ts (createDID then updateDID), for the benchmarks. They are made in worker
 * threads (one per core): faster, and didwebvh-ts's module-level hash cache (keyed by entry JSON) stays
 * cold in the calling thread, as it would be in a resolver seeing a log for the first time.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

export interface MadeLog {
  did: string;
  /** did.jsonl */
  text: string;
}

/**
 * `hosts`: log i is did:webvh:{SCID}:host{i}.example.com; `paths`: did:webvh:{SCID}:example.com:logs:d{i}
 * (one host, each log in its own folder: what a folder audit reads).
 */
export type Layout = "hosts" | "paths";

const MAKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { tsImport } = require("tsx/esm/api");
(async () => {
  const { referenceLog, referenceKey } = await tsImport(workerData.kit, workerData.parent);
  const out = [];
  for (let i = workerData.from; i < workerData.to; i++) {
    const where = workerData.layout === "paths"
      ? { domain: "example.com", paths: ["logs", "d" + i] }
      : { domain: "host" + i + ".example.com" };
    const { did, log } = await referenceLog({ entries: workerData.entries, key: referenceKey(), ...where });
    out.push({ did, text: log.map((e) => JSON.stringify(e) + "\\n").join("") });
  }
  parentPort.postMessage(out);
})();
`;

export async function makeReferenceLogs(count: number, entries: number, layout: Layout = "hosts"): Promise<MadeLog[]> {
  const threads = availableParallelism();
  const per = Math.ceil(count / threads);
  const parts = await Promise.all(
    Array.from(
      { length: threads },
      (_, k) =>
        new Promise<MadeLog[]>((resolve, reject) => {
          const worker = new Worker(MAKER_SOURCE, {
            eval: true,
            workerData: {
              kit: new URL("../../app/core/didwebvh/testkit/reference.ts", import.meta.url).href,
              parent: import.meta.url,
              from: k * per,
              to: Math.min(count, (k + 1) * per),
              entries,
              layout,
            },
          });
          worker.once("message", (out: MadeLog[]) => {
            resolve(out);
            void worker.terminate();
          });
          worker.once("error", reject);
        }),
    ),
  );
  return parts.flat();
}
