/**
 * did:webvh verification speed: 600 logs of 5 entries made WITH didwebvh-ts (the reference library),
 * verified by ours and by didwebvh-ts with its fastest verifier (WebCrypto, keys imported once), in the
 * same run. Prints entries per second and the ratio. LOGS / ENTRIES environment variables override.
 */
import { availableParallelism } from "node:os";
import { verifyLogs } from "../app/core/didwebvh/batch.ts";
import { parseLog } from "../app/core/didwebvh/log.ts";
import { Worker } from "node:worker_threads";
import { clearCaches, verifyLog } from "../app/core/didwebvh/verify.ts";
import { clearNodeKeys, nodeEd25519Verify } from "../app/core/didwebvh/nodeVerify.node.ts";
import { LogVerifierPool } from "../app/core/didwebvh/parallel.node.ts";
import { ref, webCryptoVerifier } from "../app/core/didwebvh/testkit/reference.ts";

const LOGS = Number(process.env.LOGS ?? 600);
const ENTRIES = Number(process.env.ENTRIES ?? 5);
/** Logs (not timed) that every mode verifies first, many times over, so that all code is JIT-compiled. */
const WARMUP_LOGS = 4;

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

async function makeTexts(count: number): Promise<{ did: string; text: string }[]> {
  const threads = availableParallelism();
  const per = Math.ceil(count / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, k) =>
      new Promise<{ did: string; text: string }[]>((resolve, reject) => {
        const worker = new Worker(MAKER_SOURCE, {
          eval: true,
          workerData: {
            kit: new URL("../app/core/didwebvh/testkit/reference.ts", import.meta.url).href,
            parent: import.meta.url,
            from: k * per,
            to: Math.min(count, (k + 1) * per),
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
  const all = await makeTexts(LOGS + WARMUP_LOGS);
  const warmup = all.slice(0, WARMUP_LOGS);
  const logs = all.slice(WARMUP_LOGS);
  const total = LOGS * ENTRIES;
  console.log(`made ${LOGS} logs x ${ENTRIES} entries with didwebvh-ts in ${Math.round(performance.now() - t0)} ms; ${availableParallelism()} cores`);

  // Every mode verifies every log once. The logs go in chunks of 50, and within a chunk the modes take
  // turns (in rotating order), so that the load of other processes on this machine falls on all modes
  // alike. Each log is seen once per mode: didwebvh-ts's hash cache (keyed by entry JSON) gets no hits,
  // and our caches (parsed DIDs, keys) are emptied before each turn. (The worker threads' own caches
  // only ever see each log once.)
  const verifier = webCryptoVerifier();
  const pool = new LogVerifierPool();
  type Chunk = { did: string; text: string }[];
  const modes: { name: string; ms: number; ok: number; run: (chunk: Chunk) => Promise<number> }[] = [
    {
      name: "didwebvh-ts 2.8.0 + WebCrypto verifier",
      ms: 0,
      ok: 0,
      // resolveDIDFromLog, parsing the text as it would; the log is valid when it resolves to its last entry.
      run: async (chunk) => {
        let ok = 0;
        for (const { text } of chunk) {
          const log = text.trim().split("\n").map((l) => JSON.parse(l) as ref.DIDLogEntry);
          const r = await ref.resolveDIDFromLog(log, { verifier });
          if (r.doc && r.meta.versionId === log[log.length - 1]!.versionId) ok++;
        }
        return ok;
      },
    },
    {
      name: "ours, sequential (WebCrypto)",
      ms: 0,
      ok: 0,
      run: async (chunk) => {
        let ok = 0;
        for (const { did, text } of chunk) {
          const r = await verifyLog(parseLog(text), { did });
          if (!r.error && r.entries.length === ENTRIES) ok++;
        }
        return ok;
      },
    },
    {
      name: "ours, sequential, node:crypto verify",
      ms: 0,
      ok: 0,
      run: async (chunk) => {
        let ok = 0;
        for (const { did, text } of chunk) {
          const r = await verifyLog(parseLog(text), { did, verifier: nodeEd25519Verify });
          if (!r.error && r.entries.length === ENTRIES) ok++;
        }
        return ok;
      },
    },
    {
      name: "ours, verifyLogs (whole chunk in flight)",
      ms: 0,
      ok: 0,
      run: async (chunk) =>
        (await verifyLogs(chunk.map(({ did, text }) => ({ text, options: { did } })), { concurrency: chunk.length })).filter(
          (r) => !r.error && r.entries.length === ENTRIES,
        ).length,
    },
    {
      name: `ours, worker_threads x${availableParallelism()} (node:crypto)`,
      ms: 0,
      ok: 0,
      run: async (chunk) => (await pool.verify(chunk, { chunk: Math.ceil(chunk.length / availableParallelism()) })).filter((r) => r.ok && r.entries === ENTRIES).length,
    },
  ];
  const warm = Array.from({ length: 50 }, (_, i) => warmup[i % warmup.length]!);
  for (const mode of modes) for (let r = 0; r < 3; r++) await mode.run(warm);
  const CHUNK = 50;
  for (let i = 0, turn = 0; i < logs.length; i += CHUNK, turn++) {
    const chunk = logs.slice(i, i + CHUNK);
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(k + turn) % modes.length]!;
      clearCaches(); // ours starts cold on every log, as the reference does
      clearNodeKeys();
      const t = performance.now();
      mode.ok += await mode.run(chunk);
      mode.ms += performance.now() - t;
    }
  }
  await pool.close();

  const line = (name: string, ok: number, ms: number) =>
    console.log(`${name.padEnd(44)} ${String(rate(total, ms)).padStart(7)} entries/s  (${Math.round(ms)} ms, ${ok}/${LOGS} logs valid)`);
  for (const mode of modes) line(mode.name, mode.ok, mode.ms);
  const [reference, ...ours] = modes as [(typeof modes)[number], ...(typeof modes)[number][]];
  const best = ours.reduce((a, b) => (b.ms < a.ms ? b : a));
  console.log(`ratio vs reference: ${ours.map((m) => `${(reference.ms / m.ms).toFixed(1)}x`).join(", ")} (in the order above)`);
  console.log(`best: ${best.name}, ${rate(total, best.ms)} entries/s, ${(reference.ms / best.ms).toFixed(1)}x the reference`);
  if (modes.some((m) => m.ok !== LOGS)) {
    console.error("some logs did not verify");
    process.exitCode = 1;
  }
}
