/**
 * did:webvh verification speed: 600 logs of 5 entries made WITH didwebvh-ts (the reference library),
 * verified by ours and by didwebvh-ts with its fastest verifier (WebCrypto, keys imported once), in the
 * same run. Prints entries per second and the ratio. LOGS / ENTRIES environment variables override.
 */
import { availableParallelism } from "node:os";
import { verifyLogs } from "../app/core/didwebvh/batch.ts";
import { parseLog } from "../app/core/didwebvh/log.ts";
import { verifyLog } from "../app/core/didwebvh/verify.ts";
import { Worker } from "node:worker_threads";
import { nodeEd25519Verify } from "../app/core/didwebvh/nodeVerify.node.ts";
import { LogVerifierPool } from "../app/core/didwebvh/parallel.node.ts";
import { ref, webCryptoVerifier } from "../app/core/didwebvh/testkit/reference.ts";

const LOGS = Number(process.env.LOGS ?? 600);
const ENTRIES = Number(process.env.ENTRIES ?? 5);

// The logs are made in worker threads (one per core): faster, and didwebvh-ts's module-level hash
// cache (keyed by entry JSON) stays cold in this thread, as it would be in a resolver seeing a log for
// the first time.
const MAKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { tsImport } = require("tsx/esm/api");
(async () => {
  const { referenceLog, referenceKey } = await tsImport(workerData.kit, workerData.parent);
  const out = [];
  for (let i = workerData.from; i < workerData.to; i++) {
    const { did, log } = await referenceLog({ entries: workerData.entries, key: referenceKey(), domain: "host" + i + ".example.com" });
    out.push({ did, text: log.map((e) => JSON.stringify(e) + "\\n").join("") });
  }
  parentPort.postMessage(out);
})();
`;

async function makeTexts(): Promise<{ did: string; text: string }[]> {
  const threads = availableParallelism();
  const per = Math.ceil(LOGS / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, k) =>
      new Promise<{ did: string; text: string }[]>((resolve, reject) => {
        const worker = new Worker(MAKER_SOURCE, {
          eval: true,
          workerData: {
            kit: new URL("../app/core/didwebvh/testkit/reference.ts", import.meta.url).href,
            parent: import.meta.url,
            from: k * per,
            to: Math.min(LOGS, (k + 1) * per),
            entries: ENTRIES,
          },
        });
        worker.once("message", (out: { did: string; text: string }[]) => {
          resolve(out);
          void worker.terminate();
        });
        worker.once("error", reject);
      }),
    ),
  );
  return parts.flat();
}

const rate = (entries: number, ms: number) => Math.round((entries * 1000) / ms);

export default async function (): Promise<void> {
  const t0 = performance.now();
  const logs = await makeTexts();
  const total = LOGS * ENTRIES;
  console.log(`made ${LOGS} logs x ${ENTRIES} entries with didwebvh-ts in ${Math.round(performance.now() - t0)} ms; ${availableParallelism()} cores`);

  // Reference: didwebvh-ts resolveDIDFromLog with a WebCrypto verifier, parsing the text as it would.
  // Its resolver caches hashes by JSON text, so it gets fresh parsed copies (no cache hits across runs:
  // each log differs).
  const verifier = webCryptoVerifier();
  let t = performance.now();
  let refOk = 0;
  for (const { text } of logs) {
    const log = text.trim().split("\n").map((l) => JSON.parse(l) as ref.DIDLogEntry);
    const r = await ref.resolveDIDFromLog(log, { verifier });
    if (r.doc) refOk++;
  }
  const refMs = performance.now() - t;

  // Ours, one log after another on this thread (what the browser's worker does).
  t = performance.now();
  let oursOk = 0;
  for (const { did, text } of logs) {
    const r = await verifyLog(parseLog(text), { did });
    if (!r.error && r.entries.length === ENTRIES) oursOk++;
  }
  const oursMs = performance.now() - t;

  // Ours, sequential, with node:crypto's synchronous Ed25519 (Node only; no thread-pool hop).
  t = performance.now();
  let nodeOk = 0;
  for (const { did, text } of logs) {
    const r = await verifyLog(parseLog(text), { did, verifier: nodeEd25519Verify });
    if (!r.error && r.entries.length === ENTRIES) nodeOk++;
  }
  const nodeMs = performance.now() - t;

  // Ours, many logs at once (all signatures in flight together on the thread pool).
  t = performance.now();
  const batch = await verifyLogs(logs.map(({ did, text }) => ({ text, options: { did } })), { concurrency: 50 });
  const batchOk = batch.filter((r) => !r.error).length;
  const batchMs = performance.now() - t;

  // Ours, worker threads (Node only), one per core; the pool is started (and warmed) beforehand.
  const pool = new LogVerifierPool();
  await pool.verify(logs.slice(0, 20));
  t = performance.now();
  const par = await pool.verify(logs);
  const parOk = par.filter((r) => r.ok).length;
  const parMs = performance.now() - t;
  await pool.close();

  const line = (name: string, ok: number, ms: number) =>
    console.log(`${name.padEnd(44)} ${String(rate(total, ms)).padStart(7)} entries/s  (${Math.round(ms)} ms, ${ok}/${LOGS} logs valid)`);
  line("didwebvh-ts 2.8.0 + WebCrypto verifier", refOk, refMs);
  line("ours, sequential", oursOk, oursMs);
  line("ours, sequential, node:crypto verify", nodeOk, nodeMs);
  line("ours, verifyLogs (50 logs in flight)", batchOk, batchMs);
  line(`ours, worker_threads x${availableParallelism()} (node:crypto)`, parOk, parMs);
  const best = Math.min(oursMs, nodeMs, batchMs, parMs);
  console.log(
    `ratio vs reference: sequential ${(refMs / oursMs).toFixed(1)}x, node:crypto ${(refMs / nodeMs).toFixed(1)}x, ` +
      `verifyLogs ${(refMs / batchMs).toFixed(1)}x, workers ${(refMs / parMs).toFixed(1)}x; best ${rate(total, best)} entries/s`,
  );
  if (refOk !== LOGS || oursOk !== LOGS || nodeOk !== LOGS || batchOk !== LOGS || parOk !== LOGS) {
    console.error("some logs did not verify");
    process.exitCode = 1;
  }
}
