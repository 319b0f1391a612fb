/**
 * Issue 3's "done when", timed: our `audit` command over a folder of 600 logs of 5 entries made by
 * didwebvh-ts (none may be invalid or unverifiable), against what a user of didwebvh-ts would run over
 * the same folder (bench/lib/referenceAudit.ts: read each did.jsonl, resolveDIDFromLog with its WebCrypto
 * verifier). Each run is a fresh process, as a user runs it; each reports the time of its work (after
 * module loading), and the runs alternate. A real Hardhat node serves the chain (these logs declare no
 * anchoring, so each is checked and found pending). LOGS / ENTRIES / RUNS environment variables override.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalChain } from "../scripts/chain.ts";
import { makeReferenceLogs } from "./lib/referenceLogs.ts";

const LOGS = Number(process.env.LOGS ?? 600);
const ENTRIES = Number(process.env.ENTRIES ?? 5);
const RUNS = Number(process.env.RUNS ?? 5);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHAIN_PORT = 8696;

function lastJsonLine(args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const lines = stdout.trim().split("\n");
      try {
        resolve(JSON.parse(lines[lines.length - 1]!) as Record<string, number>);
      } catch {
        reject(new Error(`${args.join(" ")} failed: ${error?.message ?? ""}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function (): Promise<void> {
  const t0 = performance.now();
  const logs = await makeReferenceLogs(LOGS, ENTRIES, "paths");
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-audit-"));
  const chain = await startLocalChain({ port: CHAIN_PORT });
  try {
    for (const [i, { text }] of logs.entries()) {
      const folder = path.join(dir, "logs", `d${i}`);
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, "did.jsonl"), text);
    }
    console.log(`made a folder of ${LOGS} logs x ${ENTRIES} entries with didwebvh-ts in ${Math.round(performance.now() - t0)} ms; ${os.availableParallelism()} cores`);

    const ours: number[] = [];
    const reference: number[] = [];
    const concurrent: number[] = [];
    let problems = 0;
    for (let r = 0; r < RUNS; r++) {
      const a = await lastJsonLine(["app/cli/main.ts", "audit", "--cdn", dir, "--rpc", chain.url, "--json"]);
      if (a.dids !== LOGS || a.entries !== LOGS * ENTRIES || a.invalid !== 0 || a.unverifiable !== 0) {
        console.error(`audit run ${r + 1}: ${JSON.stringify(a)}`);
        problems++;
      }
      ours.push(a.ms!);
      const b = await lastJsonLine(["bench/lib/referenceAudit.ts", dir]);
      if (b.valid !== LOGS) problems++;
      reference.push(b.ms!);
      const c = await lastJsonLine(["bench/lib/referenceAudit.ts", dir, "--concurrent"]);
      if (c.valid !== LOGS) problems++;
      concurrent.push(c.ms!);
    }
    const entries = LOGS * ENTRIES;
    const line = (name: string, ms: number[]) =>
      console.log(`${name.padEnd(48)} ${String(Math.round((entries * 1000) / median(ms))).padStart(7)} entries/s  (median ${median(ms)} ms of ${ms.join(", ")})`);
    line("didwebvh-ts, one log after another", reference);
    line("didwebvh-ts, all logs at once", concurrent);
    line("ours: audit --cdn DIR --rpc URL --json", ours);
    console.log(
      `audit: ${(median(reference) / median(ours)).toFixed(1)}x the reference ` +
        `(per run: ${ours.map((ms, k) => `${(reference[k]! / ms).toFixed(1)}x`).join(" ")}); ` +
        `${(median(concurrent) / median(ours)).toFixed(1)}x didwebvh-ts with all logs at once`,
    );
    if (problems) {
      console.error(`${problems} runs did not accept every log`);
      process.exitCode = 1;
    }
  } finally {
    await chain.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
