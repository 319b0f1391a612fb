/**
 * Bulk audit of a whole host: the DIDs listed in its dids.json, each verified alone (as the CLI's `audit`
 * does, so the counts are the same), spread over a pool of verification workers, with progress, cancel,
 * counts and the rows for CSV / JSON download.
 *
 * One audit for the app (`sharedAudit()`), outliving its view: an auditor opens a flagged passport from
 * the list and comes back to the same results (and a running audit keeps running meanwhile).
 */
import { readDidsIndex } from "../../core/fetch/didsIndex.ts";
import type { Verdict } from "../../core/types.ts";
import { VerifyClient, WorkerFailure } from "../worker/client.ts";
import type { AuditRow, VerifyConfig } from "../worker/protocol.ts";

export type AuditStatus = "idle" | "listing" | "running" | "done" | "cancelled" | "failed";

export interface AuditCounts {
  dids: number;
  entries: number;
  verified: number;
  pending: number;
  invalid: number;
  unverifiable: number;
}

const MAX_DIDS = 1_000_000;
/** How long listing the host (dids.json) may take before the audit fails with the reason. */
const LIST_TIMEOUT_MS = 30_000;

function emptyCounts(): AuditCounts {
  return { dids: 0, entries: 0, verified: 0, pending: 0, invalid: 0, unverifiable: 0 };
}

/** The report of a finished or cancelled audit, as object URLs to download. */
export interface AuditReport {
  csv: string;
  json: string;
  /** File name without extension: "audit", or "audit-partial" for a cancelled one. */
  name: string;
}

export class AuditState {
  #status = $state<AuditStatus>("idle");
  #host = $state("");
  #report = $state.raw<AuditReport | null>(null);
  #total = $state(0);
  #counts = $state<AuditCounts>(emptyCounts());
  #rows = $state.raw<AuditRow[]>([]);
  #message = $state<string | null>(null);
  #ms = $state(0);
  #run = 0;
  #pool: VerifyClient[] = [];
  /** Publishes the running audit's results now (null when none is running). */
  #flush: (() => void) | null = null;
  /** Aborts the dids.json request of the listing under way (a cancel stops the download too). */
  #listing: AbortController | null = null;

  get status() { return this.#status; }
  /** The host origin of the audit shown (the settings may have changed since). */
  get host() { return this.#host; }
  /** The downloadable report: set when an audit completes, or is cancelled with results. */
  get report() { return this.#report; }
  get total() { return this.#total; }
  get done() { return this.#counts.dids; }
  get counts(): AuditCounts { return this.#counts; }
  get rows() { return this.#rows; }
  get message() { return this.#message; }
  get ms() { return this.#ms; }
  get running() { return this.#status === "listing" || this.#status === "running"; }

  /**
   * `workers`: verification workers in the pool (default: one per core, at most 4). `listTimeoutMs`: how
   * long the host may take to send its dids.json.
   */
  async start(
    hostOrigin: string,
    config: VerifyConfig,
    workers = Math.min(4, navigator.hardwareConcurrency || 2),
    { listTimeoutMs = LIST_TIMEOUT_MS }: { listTimeoutMs?: number } = {},
  ): Promise<void> {
    this.cancel();
    const run = ++this.#run;
    this.#setReport(null);
    this.#host = hostOrigin;
    this.#status = "listing";
    this.#counts = emptyCounts();
    this.#rows = [];
    this.#message = null;
    this.#total = 0;
    const started = performance.now();
    let dids: string[];
    const listing = (this.#listing = new AbortController());
    try {
      const url = `${hostOrigin.replace(/\/+$/, "")}/dids.json`;
      const signal = AbortSignal.any([listing.signal, AbortSignal.timeout(listTimeoutMs)]);
      const res = await fetch(url, { credentials: "omit", signal }).catch((error: unknown) => {
        const timedOut = (error as Error)?.name === "TimeoutError";
        throw new Error(timedOut ? `${url} did not answer within ${listTimeoutMs / 1000} s` : `cannot fetch ${url}: ${(error as Error).message}`);
      });
      dids = (await readDidsIndex(res, url)).slice(0, MAX_DIDS);
    } catch (e) {
      if (run !== this.#run) return;
      this.#status = "failed";
      this.#message = e instanceof Error ? e.message : String(e);
      return;
    } finally {
      if (this.#listing === listing) this.#listing = null;
    }
    if (run !== this.#run) return;
    this.#total = dids.length;
    this.#status = "running";
    this.#pool = Array.from({ length: Math.min(workers, Math.max(1, dids.length)) }, () => new VerifyClient());
    const rows: AuditRow[] = [];
    const counts = emptyCounts();
    let next = 0;
    let lastFlush = 0;
    let trailing: ReturnType<typeof setTimeout> | undefined;
    const flush = (force = false) => {
      const now = performance.now();
      if (!force && now - lastFlush < 100) {
        // Later: the next result may be long in coming (a slow host), or never come (cancel).
        trailing ??= setTimeout(() => run === this.#run && flush(true), 100 - (now - lastFlush));
        return;
      }
      clearTimeout(trailing);
      trailing = undefined;
      lastFlush = now;
      this.#counts = { ...counts };
      this.#rows = rows.slice();
      this.#ms = now - started;
    };
    this.#flush = () => flush(true);
    const lane = async (client: VerifyClient) => {
      while (run === this.#run && next < dids.length) {
        const did = dids[next++]!;
        let row: AuditRow;
        try {
          row = await client.verifyDid(did, config).result;
        } catch (e) {
          if (run !== this.#run) return;
          const error = e instanceof WorkerFailure ? e.error : { name: "UnexpectedError", verdict: "unverifiable" as const, message: String(e), shortMessage: "Unexpected failure" };
          row = { did, verdict: error.verdict, reason: error, entries: 0 };
        }
        if (run !== this.#run) return;
        rows.push(row);
        counts.dids++;
        counts.entries += row.entries;
        counts[row.verdict satisfies Verdict]++;
        flush();
      }
    };
    // Several DIDs in flight per worker: most of the time is network (files, RPC), not CPU.
    await Promise.all(this.#pool.flatMap((c) => Array.from({ length: 8 }, () => lane(c))));
    if (run !== this.#run) return;
    flush(true);
    this.#flush = null;
    this.#status = "done";
    // The workers go once their cache writes have committed: stopped at once, they lost the offline copies
    // of the last DIDs each verified (with 8 in flight per worker, most of a small host's).
    const pool = this.#pool;
    this.#pool = [];
    void Promise.all(pool.map((c) => c.drain())).finally(() => pool.forEach((c) => c.terminate()));
    this.#setReport("audit");
  }

  cancel(): void {
    if (!this.running) return;
    this.#flush?.(); // what was verified before the cancel is shown, counted and downloadable
    this.#flush = null;
    ++this.#run;
    this.#listing?.abort();
    this.#listing = null;
    this.#stopPool();
    this.#status = "cancelled";
    // A cancelled audit's report holds the DIDs verified before the cancel (its summary says how many).
    if (this.#rows.length) this.#setReport("audit-partial");
  }

  #setReport(name: string | null): void {
    const old = this.#report;
    this.#report =
      name === null || typeof URL.createObjectURL !== "function"
        ? null
        : {
            csv: URL.createObjectURL(new Blob([this.toCsv()], { type: "text/csv" })),
            json: URL.createObjectURL(new Blob([this.toJsonLines()], { type: "application/x-ndjson" })),
            name,
          };
    if (old) [old.csv, old.json].forEach((u) => URL.revokeObjectURL(u));
  }

  #stopPool(): void {
    for (const c of this.#pool) c.terminate();
    this.#pool = [];
  }

  /** How many of the verdicts rest on cached files or chain reads (the host or the chain did not answer). */
  get cachedCount(): number {
    return this.#rows.reduce((n, r) => n + (r.cached ? 1 : 0), 0);
  }

  /**
   * The CLI's `audit --json` format: one line per DID, then the summary; a verdict resting on the offline
   * cache has `cached` too (the CLI has no cache: its lines never do).
   */
  toJsonLines(): string {
    const lines = this.#rows.map((r) => JSON.stringify({ did: r.did, verdict: r.verdict, reason: r.reason, ...(r.cached ? { cached: r.cached } : {}) }));
    lines.push(JSON.stringify({ ...this.#counts, ms: Math.round(this.#ms) }));
    return `${lines.join("\n")}\n`;
  }

  toCsv(): string {
    const esc = (v: string) => (/[",\n\r]/.test(v) || /^[=+\-@\t]/.test(v) ? `"${v.replace(/^([=+\-@\t])/, "'$1").replace(/"/g, '""')}"` : v);
    // cached_files_read_at / cached_chain_read_at: set when the verdict rests on the offline cache.
    const lines = ["did,verdict,entries,reason_name,reason,cached_files_read_at,cached_chain_read_at"];
    for (const r of this.#rows)
      lines.push([r.did, r.verdict, String(r.entries), r.reason?.name ?? "", r.reason?.message ?? "", r.cached?.files ?? "", r.cached?.chain ?? ""].map(esc).join(","));
    return `${lines.join("\r\n")}\r\n`;
  }
}

let shared: AuditState | null = null;

/** The app's one bulk audit, created on first use: it survives leaving the audit view. */
export function sharedAudit(): AuditState {
  return (shared ??= new AuditState());
}
