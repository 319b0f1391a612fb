/**
 * did:webvh verification speed: sets of 600 logs of 5 entries made WITH didwebvh-ts (the reference
 * library), verified by ours and by didwebvh-ts with its fastest verifier (WebCrypto, keys imported once),
 * in the same run, after a warm-up on other logs. Prints entries per second and the ratio to the
 * reference per set and overall. LOGS / ENTRIES / SETS / WARMUP environment variables override.
 */
import { availableParallelism } from "node:os";
import { verifyLogs } from "../app/core/didwebvh/batch.ts";
import { parseLog } from "../app/core/didwebvh/log.ts";
import { clearCaches, verifyLog } from "../app/core/didwebvh/verify.ts";
import { clearNodeKeys, nodeEd25519VerifyAsync, nodeSha256 } from "../app/core/didwebvh/nodeVerify.node.ts";
import { nobleSha256, useSha256 } from "../app/core/didwebvh/hash.ts";
import { LogVerifierPool } from "../app/core/didwebvh/parallel.node.ts";
import { ref, webCryptoVerifier } from "../app/core/didwebvh/testkit/reference.ts";
import { makeReferenceLogs, type MadeLog } from "./lib/referenceLogs.ts";

const LOGS = Number(process.env.LOGS ?? 600);
const ENTRIES = Number(process.env.ENTRIES ?? 5);
/** Independent sets of LOGS fresh logs measured in turn; the ratio is given per set and overall. */
const SETS = Number(process.env.SETS ?? 3);
/**
 * Distinct logs (not timed) that every mode verifies once before the measured sets, so that the code of
 * each (ours in the worker threads too) is JIT-compiled. Distinct, because didwebvh-ts caches hashes by
 * entry JSON: a repeated log would skip its hashing and leave that code cold.
 */
const WARMUP_LOGS = Number(process.env.WARMUP ?? LOGS);

/**
 * A second, separate instance of didwebvh-ts (its own module-level hash cache) for the concurrent
 * reference mode, so that neither reference mode gets the other's cache hits.
 */
const refConcurrent = (await import(`${import.meta.resolve("didwebvh-ts")}?instance=concurrent`)) as typeof ref;

const rate = (entries: number, ms: number) => Math.round((entries * 1000) / ms);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type Log = MadeLog;

interface Mode {
  name: string;
  /** Informational: not one of "ours", not the baseline of the ratio. */
  role: "reference" | "reference, informational" | "ours";
  /** ms per measured set. */
  ms: number[];
  ok: number;
  run: (chunk: Log[]) => Promise<number>;
}

const parseText = (text: string) => text.trim().split("\n").map((l) => JSON.parse(l) as ref.DIDLogEntry);

export default async function (): Promise<void> {
  const t0 = performance.now();
  const all = await makeReferenceLogs(WARMUP_LOGS + SETS * LOGS, ENTRIES);
  const warmup = all.slice(0, WARMUP_LOGS);
  const sets = Array.from({ length: SETS }, (_, k) => all.slice(WARMUP_LOGS + k * LOGS, WARMUP_LOGS + (k + 1) * LOGS));
  const perSet = LOGS * ENTRIES;
  console.log(
    `made ${all.length} logs x ${ENTRIES} entries with didwebvh-ts in ${Math.round(performance.now() - t0)} ms ` +
      `(${WARMUP_LOGS} to warm up, ${SETS} measured sets of ${LOGS}); ${availableParallelism()} cores`,
  );

  // Every mode verifies every log once. The logs go in chunks of 50, and within a chunk the modes take
  // turns (in rotating order), so that the load of other processes on this machine falls on all modes
  // alike. Each log is seen once per mode: didwebvh-ts's hash cache (keyed by entry JSON) gets no hits,
  // and our caches (parsed DIDs, keys) are emptied before each turn. (The worker threads' own caches
  // only ever see each log once.)
  const verifier = webCryptoVerifier();
  const pool = new LogVerifierPool();
  const modes: Mode[] = [
    {
      name: "didwebvh-ts 2.8.0 + WebCrypto verifier",
      role: "reference",
      ms: [],
      ok: 0,
      // resolveDIDFromLog, parsing the text as it would; the log is valid when it resolves to its last entry.
      run: async (chunk) => {
        let ok = 0;
        for (const { text } of chunk) {
          const log = parseText(text);
          const r = await ref.resolveDIDFromLog(log, { verifier });
          if (r.doc && r.meta.versionId === log[log.length - 1]!.versionId) ok++;
        }
        return ok;
      },
    },
    {
      // Not the baseline (a resolver resolves one DID at a time), but what a caller of didwebvh-ts
      // could do for a bulk audit: all logs of the chunk in flight, WebCrypto on the libuv pool.
      name: "didwebvh-ts, whole chunk in flight",
      role: "reference, informational",
      ms: [],
      ok: 0,
      run: async (chunk) =>
        (
          await Promise.all(
            chunk.map(async ({ text }) => {
              const log = parseText(text);
              const r = await refConcurrent.resolveDIDFromLog(log, { verifier });
              return r.doc && r.meta.versionId === log[log.length - 1]!.versionId;
            }),
          )
        ).filter(Boolean).length,
    },
    {
      name: "ours, sequential (WebCrypto, noble SHA-256)",
      role: "ours",
      ms: [],
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
      // What the browser's worker runs: WebCrypto, @noble/hashes.
      name: "ours, verifyLogs (WebCrypto, noble SHA-256)",
      role: "ours",
      ms: [],
      ok: 0,
      run: async (chunk) =>
        (await verifyLogs(chunk.map(({ did, text }) => ({ text, options: { did } })), { concurrency: chunk.length })).filter(
          (r) => !r.error && r.entries.length === ENTRIES,
        ).length,
    },
    {
      // What the command line's main thread runs: node:crypto's SHA-256, its Ed25519 on the libuv pool.
      name: "ours, verifyLogs (node:crypto)",
      role: "ours",
      ms: [],
      ok: 0,
      run: async (chunk) => {
        useSha256(nodeSha256);
        try {
          return (
            await verifyLogs(chunk.map(({ did, text }) => ({ text, options: { did, verifier: nodeEd25519VerifyAsync } })), { concurrency: chunk.length })
          ).filter((r) => !r.error && r.entries.length === ENTRIES).length;
        } finally {
          useSha256(nobleSha256);
        }
      },
    },
    {
      name: `ours, worker_threads x${availableParallelism()} (node:crypto, sync)`,
      role: "ours",
      ms: [],
      ok: 0,
      run: async (chunk) =>
        (await pool.verify(chunk, { chunk: Math.ceil(chunk.length / availableParallelism()) })).filter(
          (r) => r.ok && r.entries === ENTRIES,
        ).length,
    },
  ];
  await pool.ready();

  const CHUNK = 50;
  /** Every mode verifies `logs` once, chunk by chunk, taking turns; returns each mode's ms and valid count. */
  const round = async (logs: Log[]) => {
    const ms = modes.map(() => 0);
    const ok = modes.map(() => 0);
    for (let i = 0, turn = 0; i < logs.length; i += CHUNK, turn++) {
      const chunk = logs.slice(i, i + CHUNK);
      for (let k = 0; k < modes.length; k++) {
        const m = (k + turn) % modes.length;
        clearCaches(); // ours starts cold on every log, as the reference does
        clearNodeKeys();
        const t = performance.now();
        ok[m]! += await modes[m]!.run(chunk);
        ms[m]! += performance.now() - t;
      }
    }
    return { ms, ok };
  };
  await round(warmup);
  for (const logs of sets) {
    const { ms, ok } = await round(logs);
    modes.forEach((mode, m) => {
      mode.ms.push(ms[m]!);
      mode.ok += ok[m]!;
    });
  }
  await pool.close();

  const reference = modes.find((m) => m.role === "reference")!;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ratios = (mode: Mode) => mode.ms.map((ms, k) => reference.ms[k]! / ms);
  console.log(`${"".padEnd(44)} ${"entries/s".padStart(9)}  ${"vs reference, per set".padEnd(24)} overall`);
  for (const mode of modes) {
    const perSetRatios = ratios(mode).map((r) => `${r.toFixed(1)}x`).join(" ");
    console.log(
      `${mode.name.padEnd(44)} ${String(rate(perSet * SETS, sum(mode.ms))).padStart(9)}  ${perSetRatios.padEnd(24)} ` +
        `${(sum(reference.ms) / sum(mode.ms)).toFixed(1)}x  (${mode.ok}/${LOGS * SETS} logs valid)`,
    );
  }
  const ours = modes.filter((m) => m.role === "ours");
  const best = ours.reduce((a, b) => (sum(b.ms) < sum(a.ms) ? b : a));
  const informational = modes.find((m) => m.role === "reference, informational")!;
  console.log(
    `best: ${best.name}, ${rate(perSet * SETS, sum(best.ms))} entries/s, ` +
      `${(sum(reference.ms) / sum(best.ms)).toFixed(1)}x the reference overall ` +
      `(per set: min ${Math.min(...ratios(best)).toFixed(1)}x, median ${median(ratios(best)).toFixed(1)}x); ` +
      `${(sum(informational.ms) / sum(best.ms)).toFixed(1)}x didwebvh-ts with a whole chunk in flight`,
  );
  if (modes.some((m) => m.ok !== LOGS * SETS)) {
    console.error("some logs did not verify");
    process.exitCode = 1;
  }
}
