/**
 * `audit --cdn DIR_OR_URL --rpc URL [--rpc URL...] [--trusted-anchorer ADDR...] [--trusted-registry [CHAIN:]ADDR...] [--json]
 *  [--concurrency N] [--workers N] [--timeout MS]`
 *
 * Verifies every DID of a host: the DIDs listed in `dids.json` at the host's root, or, for a folder
 * without one, every did.jsonl found in it (each read once: the DID taken from its log, its URL path
 * checked to map to the file's place, and that text verified). Files of a folder are read through
 * `dirSource` (as didToUrl maps each DID, no traversal); a URL is used as the origin of every DID's files (a mirror of the host).
 *
 * The chain: each --rpc endpoint is asked its chain id once, then every DID's anchors are read on the
 * chain it declares, through one reader: identical (anchorer, root) reads are made once and concurrent
 * reads go out as JSON-RPC batches. Logs are verified concurrently (--concurrency, default 16), on the
 * main thread and, for large audits, on worker threads (lib/auditPool.ts).
 */
import { parseArgs } from "node:util";
import { stat, readFile } from "node:fs/promises";
import path from "node:path";
import { createRpcChainReader, type ChainReader } from "../../core/anchors/registry.ts";
import { httpRpc, quantity } from "../../core/anchors/jsonRpc.ts";
import { parseDidsIndex, readDidsIndex } from "../../core/fetch/didsIndex.ts";
import { httpSource } from "../../core/fetch/http.ts";
import type { FileSource } from "../../core/fetch/source.ts";
import { toVerifierError, type VerifierError } from "../../core/errors.ts";
import type { Verdict, VerdictReason } from "../../core/types.ts";
import { dirSource, listFolder, type DirSource } from "../lib/dirSource.ts";
import type { AuditItem, Row } from "../lib/auditItem.ts";
import { runAudit, type SourceSpec } from "../lib/auditPool.ts";
import { nodeRpcFetch } from "../lib/rpcHttp.ts";
import { takeEd25519Thread } from "../lib/ed25519Thread.ts";
import { checkTrustFlags, TRUST_FLAGS, trustPins } from "../lib/trustPins.ts";
import { UsageError } from "../../publisher/cliSupport.ts";
import type { Ed25519Verify } from "../../core/didwebvh/keys.ts";
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";

/** From this many DIDs on (and four cores), worker threads join the main thread (see runAudit). */
const WORKERS_FROM = 2000;

/**
 * Where no core is spare (two: the main thread and the signature thread keep both busy), TurboFan's
 * compilations, which run on V8's own threads, take CPU from the audit itself, and in a run of a few
 * hundred milliseconds most of them pay back too late: they start here at 10,000 calls of a function
 * instead of V8's 3,000. 600 logs on two cores, 20 interleaved runs: audit -21 ms (16 of 20 faster), the
 * whole process -21 ms (15 of 20); 6,000 and 30,000 did worse, no TurboFan at all +64 ms, and as a
 * command-line flag (before the modules load, which then suffer) the process was slower. Set once the
 * modules are loaded: V8 reads the threshold at each tiering decision.
 */
const TURBOFAN_FROM_CALLS = 10_000;

export const summary = "Verify every DID of a host (folder or URL) against the chain; exit 1 if any is invalid or unverifiable";

const USAGE = `Usage: audit --cdn DIR_OR_URL --rpc URL [--rpc URL ...] [--trusted-anchorer ADDR ...]
             [--trusted-registry [CHAIN:]ADDR ...] [--json] [--concurrency N] [--workers N] [--timeout MS]

Verifies every DID of a host: those listed in dids.json at its root ({ "dids": [...] }), or, for a
folder without dids.json, every did.jsonl in it (the DID is taken from the log and must map to the
file's place). Each DID's log (did:webvh v1.0), its anchor proofs (did-anchors.json) and the roots on
chain are checked.

  --cdn DIR_OR_URL   a folder laid out as the host serves it, or the host's base URL
  --rpc URL          JSON-RPC endpoint(s); each is asked its chain id and serves DIDs declaring that chain
  --trusted-anchorer ADDR
                     an anchoring account to trust (repeatable): a root anchored by any other account is
                     invalid (UntrustedAnchorerError), whatever the passport declares; without it, any
                     account a passport's own document authorises counts
  --trusted-registry [CHAIN:]ADDR
                     an AnchorRegistry contract to trust (repeatable), on every chain the --rpc endpoints
                     serve, or with CHAIN: (a chain id) on that chain only: on a chain with one, a passport
                     whose proofs or anchoring declaration name any other registry is invalid
                     (UntrustedRegistryError); without it, the registry a passport declares is believed,
                     and --trusted-anchorer alone can be defeated by a registry that answers "anchored"
                     to anything
  --json             one JSON line per DID: {"did","verdict","reason"} (reason null when verified),
                     then a summary line {"dids","entries","verified","pending","invalid","unverifiable","ms"}
                     (verdict counts are of DIDs; entries is the number of log entries checked)
  --concurrency N    DIDs verified at once (default 16)
  --workers N        worker threads verifying logs (default: none, or with 4 cores or more and from 2000
                     DIDs on, the cores, at most 4;
                     1: all on the main thread); by default the main thread starts at once and hands
                     over when they are loaded; chain reads stay in one shared, batched reader
  --timeout MS       per HTTP file and per RPC request (default 10000)

Exit status: 0 when every DID is verified or pending; 1 when any is invalid or unverifiable, or the host
could not be listed; 2 on bad usage.
`;

/** dids.json: `{ "dids": [did, ...] }`, strictly. */
interface Plan {
  source: FileSource;
  /** The folder, when auditing one. */
  dir?: DirSource;
  spec: SourceSpec;
  /** DIDs to verify, or folder-relative did.jsonl files (each read once, its DID taken from its log). */
  items: AuditItem[];
}

async function planUrl(base: string, timeoutMs: number): Promise<Plan> {
  const url = `${base.replace(/\/+$/, "")}/dids.json`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch((error: unknown) => {
    throw new Error(`cannot fetch ${url}: ${(error as Error).message}`);
  });
  return {
    source: httpSource({ origin: base, timeoutMs }),
    spec: { kind: "url", origin: base, timeoutMs },
    items: (await readDidsIndex(response, url)).map((did) => ({ did })),
  };
}

async function planDir(dir: string): Promise<Plan> {
  const index = await readFile(path.join(dir, "dids.json"), "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw e;
  });
  if (index !== null) {
    const source = dirSource(dir);
    return { source, dir: source, spec: { kind: "dir", dir: path.resolve(dir) }, items: parseDidsIndex(index, path.join(dir, "dids.json")).map((did) => ({ did })) };
  }
  // No index: every did.jsonl in the folder. The walk's listing also tells the source which files are
  // missing (most DIDs' did-anchors.json in a folder of unanchored logs) without asking the file system.
  const listing = listFolder(dir);
  const source = dirSource(dir, { listing });
  return { source, dir: source, spec: { kind: "dir", dir: path.resolve(dir), listing }, items: listing.logs.map((file) => ({ file })) };
}

/**
 * Asks each endpoint its chain id; a chain with no answering endpoint fails with the probe's error.
 * `served`: the chain ids that answered.
 */
async function chainReader(urls: readonly string[], timeoutMs: number): Promise<{ reader: ChainReader; served: number[] }> {
  const rpc: Record<number, string[]> = {};
  let probeError: VerifierError | undefined;
  await Promise.all(
    urls.map(async (url) => {
      try {
        const chainId = Number(quantity(await httpRpc(url, { timeoutMs, retryCount: 0, fetchFn: nodeRpcFetch }).request<unknown>("eth_chainId", []), "eth_chainId"));
        (rpc[chainId] ??= []).push(url);
      } catch (error) {
        probeError ??= toVerifierError(error);
      }
    }),
  );
  const inner = createRpcChainReader({ rpc, timeoutMs, batchWaitMs: 10, fetchFn: nodeRpcFetch });
  const reader: ChainReader = {
    readAnchor: (q) => (rpc[q.chainId] || !probeError ? inner.readAnchor(q) : Promise.reject(probeError)),
    readAt: (chainId) => inner.readAt(chainId),
    prepare: (chainId) => inner.prepare?.(chainId),
  };
  return { reader, served: Object.keys(rpc).map(Number) };
}

function reasonText(reason: VerdictReason | null): string {
  return reason ? `${reason.name}: ${reason.message}` : "";
}

interface AuditOptions {
  cdn: string;
  rpc: string[];
  json: boolean;
  concurrency: string;
  workers?: string | undefined;
  timeout: string;
  "trusted-anchorer"?: string[] | undefined;
  "trusted-registry"?: string[] | undefined;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cdn: { type: "string" },
        rpc: { type: "string", multiple: true },
        ...TRUST_FLAGS,
        json: { type: "boolean", default: false },
        concurrency: { type: "string", default: "16" },
        workers: { type: "string" },
        timeout: { type: "string", default: "10000" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (!values.cdn) throw new UsageError("--cdn is required");
    if (!values.rpc?.length) throw new UsageError("--rpc is required");
    if (!/^[1-9]\d{0,3}$/.test(values.concurrency)) throw new UsageError("--concurrency must be 1..9999");
    if (!/^[1-9]\d{0,6}$/.test(values.timeout)) throw new UsageError("--timeout must be a number of milliseconds");
    if (values.workers !== undefined && !/^[1-9]\d{0,2}$/.test(values.workers)) throw new UsageError("--workers must be 1..999");
    checkTrustFlags(values);
  } catch (error) {
    process.stderr.write(`audit: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (availableParallelism() <= 2) setFlagsFromString(`--invocation-count-for-turbofan=${TURBOFAN_FROM_CALLS}`);
  const started = performance.now();
  // The signatures' own thread (ed25519Thread.ts), started by main.ts while this module loaded, or now (it
  // then loads while the host is listed); it is closed in every case, and never holds the process open.
  const signatures = takeEd25519Thread();
  try {
    // Checked above: --cdn and --rpc are there.
    const options: AuditOptions = { ...values, cdn: values.cdn!, rpc: values.rpc! };
    return await audit(options, started, signatures.verify);
  } finally {
    void signatures.close();
  }
}

async function audit(values: AuditOptions, started: number, verifier: Ed25519Verify): Promise<number> {
  const timeoutMs = Number(values.timeout);
  const cdn = values.cdn;
  // The endpoints are asked their chain ids while the host is listed.
  const chainPromise = chainReader(values.rpc, timeoutMs);
  let plan: Plan;
  if (/^https?:\/\//i.test(cdn)) plan = await planUrl(cdn, timeoutMs);
  else {
    const info = await stat(cdn).catch(() => null);
    if (!info?.isDirectory()) {
      process.stderr.write(`audit: --cdn ${cdn} is neither a folder nor an http(s) URL\n`);
      return 2;
    }
    plan = await planDir(cdn);
  }
  const { reader: chain, served } = await chainPromise;
  const pins = trustPins(values, served);

  const rows: (Row | undefined)[] = new Array(plan.items.length);
  let printed = 0;
  // Rows are printed in order as soon as they and all before them are done, gathered into one write per
  // turn of the event loop (a write per row costs a system call each: a tenth of a large audit's time).
  let pending = "";
  const flush = () => {
    if (pending) process.stdout.write(pending);
    pending = "";
  };
  const print = () => {
    const before = pending.length;
    while (printed < rows.length && rows[printed]) {
      const r = rows[printed++]!;
      if (values.json) pending += `${JSON.stringify({ did: r.did, verdict: r.verdict, reason: r.reason })}\n`;
      else pending += `${r.verdict.padEnd(12)} ${String(r.entries).padStart(5)}  ${r.did}${r.reason ? `\n${" ".repeat(20)}${reasonText(r.reason)}` : ""}\n`;
    }
    if (before === 0 && pending.length > 0) setImmediate(flush);
  };
  if (!values.json) process.stdout.write(`${"VERDICT".padEnd(12)} ${"ENTRIES".padStart(5)}  DID\n`);

  const concurrency = Number(values.concurrency);
  // Worker threads take a while to load and to warm up (each compiles the core anew): worth it only for
  // large audits on machines with cores to spare. With two cores, the main thread and the signature
  // thread already keep both busy, and were measured no slower than two workers (esbuild-bundled ones
  // included, which start in ~100 ms instead of ~400).
  const workers =
    values.workers !== undefined
      ? Number(values.workers) === 1
        ? 0
        : Number(values.workers)
      : plan.items.length >= WORKERS_FROM && availableParallelism() >= 4
        ? Math.min(availableParallelism(), 4)
        : 0;
  await runAudit(
    plan.items,
    {
      workers,
      concurrency,
      source: plan.spec,
      // Signatures on a thread of their own (the libuv pool until it is up) while this one parses and hashes.
      local: { source: plan.source, chain, verifier, ...pins, ...(plan.dir ? { dir: plan.dir } : {}) },
      // Asked for by name, the workers do all the work.
      mainThreadHelps: values.workers === undefined,
    },
    (i, row) => {
      rows[i] = row;
      print();
    },
  );
  print();

  flush();
  const done = rows as Row[];
  const count = (v: Verdict) => done.filter((r) => r.verdict === v).length;
  const totals = {
    dids: done.length,
    entries: done.reduce((n, r) => n + r.entries, 0),
    verified: count("verified"),
    pending: count("pending"),
    invalid: count("invalid"),
    unverifiable: count("unverifiable"),
    ms: Math.round(performance.now() - started),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(totals)}\n`);
  else
    process.stdout.write(
      `\n${totals.dids} DIDs, ${totals.entries} entries: ${totals.verified} verified, ${totals.pending} pending, ` +
        `${totals.invalid} invalid, ${totals.unverifiable} unverifiable (${totals.ms} ms)\n`,
    );
  return totals.invalid + totals.unverifiable > 0 ? 1 : 0;
}
