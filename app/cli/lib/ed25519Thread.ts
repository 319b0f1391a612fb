/**
 * Ed25519 signatures checked on a thread of their own (Node only), for the command line's audit.
 *
 * The audit's main thread parses, canonicalises and hashes, and is its bottleneck. With node:crypto's
 * asynchronous `verify` (the libuv pool) the signatures themselves run elsewhere, but handing each one
 * over (a job, its buffers, the key object) still cost the main thread about a seventh of a cold audit
 * (600 logs: ~100 of ~700 ms in a profile). Here signatures go to a small worker thread in batches of
 * up to 16 (their bytes packed in one transferred buffer; a full batch at once, the rest at the end of
 * the turn); it checks them with node:crypto's synchronous `verify`, keys imported once, and answers
 * with one byte each.
 *
 * When the thread falls behind (STEAL_FROM signatures sent and not yet answered, read from a counter it
 * shares), the calling thread checks the next batch itself, synchronously, rather than queue it behind
 * the others: an audit of 600 logs on two cores, 15 interleaved runs, was faster in 13 (median 77 ms);
 * stealing from 24 or from 64 on was slower than from 48.
 *
 * The worker is plain JavaScript evaluated from a string (no TypeScript loader, no module graph), so it
 * is up in a few tens of milliseconds; until it is, and if it ever fails, signatures go to the libuv
 * pool instead (`fallback`): the answers are the same either way (the core's RFC 8032 input checks run
 * before either, in proof.ts).
 */
import { Worker } from "node:worker_threads";
import type { Ed25519Verify } from "../../core/didwebvh/keys.ts";
import { ED25519_SPKI_PREFIX_HEX, nodeEd25519Verify, nodeEd25519VerifyAsync } from "../../core/didwebvh/nodeVerify.node.ts";

/** The worker: one message of packed jobs in, one byte per job out (1 valid, 0 not). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const answered = new Int32Array(workerData.answered);
const { createPublicKey, verify } = require("node:crypto");
const SPKI_PREFIX = Buffer.from("${ED25519_SPKI_PREFIX_HEX}", "hex");
const keys = new Map();
parentPort.on("message", ({ id, buffer, count, cacheKeys }) => {
  const bytes = Buffer.from(buffer);
  const view = new DataView(buffer);
  const results = new Uint8Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const signature = bytes.subarray(at, at + 64);
    const publicKey = bytes.subarray(at + 64, at + 96);
    const length = view.getUint32(at + 96);
    const message = bytes.subarray(at + 100, at + 100 + length);
    at += 100 + length;
    try {
      const name = cacheKeys[i] || publicKey.toString("hex");
      let key = keys.get(name);
      if (!key) {
        if (keys.size >= 4096) keys.clear();
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
        keys.set(name, key);
      }
      results[i] = verify(null, message, key, signature) ? 1 : 0;
    } catch {
      results[i] = 0;
    }
  }
  Atomics.add(answered, 0, count);
  parentPort.postMessage({ id, results }, [results.buffer]);
});
parentPort.postMessage({ ready: true });
`;

/** Signatures sent together (about three logs' worth): big enough to spread the message's cost. */
const BATCH = 16;
/** Unanswered signatures from which the calling thread checks batches itself (three batches). */
const STEAL_FROM = 48;

interface Job {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
  cacheKey: string | undefined;
  resolve(ok: boolean): void;
}

export interface Ed25519Thread {
  verify: Ed25519Verify;
  /** How many signatures the thread checked, and how many the calling thread checked itself (STEAL_FROM). */
  counts(): { thread: number; here: number };
  /** Stops the thread; later signatures go to the fallback. */
  close(): Promise<void>;
}

let early: Ed25519Thread | null = null;

/**
 * Starts a thread now for a command about to be loaded (main.ts, for `audit`: the thread then loads while
 * the command's modules do, and is up when its work starts); `takeEd25519Thread` hands it over.
 */
export function startEd25519ThreadEarly(): void {
  early ??= ed25519Thread();
}

/** The thread started early, or else a new one. */
export function takeEd25519Thread(): Ed25519Thread {
  const thread = early ?? ed25519Thread();
  early = null;
  return thread;
}

/** Starts the thread at once (so that it loads while the caller does other work). */
export function ed25519Thread(fallback: Ed25519Verify = nodeEd25519VerifyAsync): Ed25519Thread {
  const answeredBuffer = new SharedArrayBuffer(4);
  const answered = new Int32Array(answeredBuffer);
  let sent = 0;
  let here = 0;
  let worker: Worker | null = new Worker(WORKER_SOURCE, { eval: true, workerData: { answered: answeredBuffer }, execArgv: [], env: {}, stdout: false, stderr: false });
  let ready = false;
  let queue: Job[] = [];
  let scheduled = false;
  let nextId = 1;
  const inFlight = new Map<number, Job[]>();

  const toFallback = (jobs: readonly Job[]) => {
    for (const j of jobs) void Promise.resolve(fallback(j.signature, j.message, j.publicKey, j.cacheKey)).then(j.resolve, () => j.resolve(false));
  };
  const retire = () => {
    const w = worker;
    worker = null;
    ready = false;
    // Whatever the thread had not answered is checked by the fallback.
    toFallback([...[...inFlight.values()].flat(), ...queue]);
    inFlight.clear();
    queue = [];
    return w;
  };
  worker.on("message", (m: { ready?: true; id?: number; results?: Uint8Array }) => {
    if (m.ready) {
      ready = true;
      return;
    }
    const jobs = inFlight.get(m.id!);
    if (!jobs) return;
    inFlight.delete(m.id!);
    for (let i = 0; i < jobs.length; i++) jobs[i]!.resolve(m.results![i] === 1);
    if (inFlight.size === 0) worker?.unref();
  });
  worker.on("error", () => void retire()?.terminate());
  worker.on("exit", () => void retire());
  // Idle, the thread never keeps the process alive; it is referenced while it owes answers.
  worker.unref();

  const flush = () => {
    scheduled = false;
    const jobs = queue;
    queue = [];
    if (jobs.length === 0) return;
    if (!worker) return toFallback(jobs);
    if (sent - Atomics.load(answered, 0) >= STEAL_FROM) {
      here += jobs.length;
      for (const j of jobs) {
        let ok: boolean;
        try {
          ok = nodeEd25519Verify(j.signature, j.message, j.publicKey, j.cacheKey) as boolean;
        } catch {
          ok = false; // as the thread answers a key or signature node:crypto refuses
        }
        j.resolve(ok);
      }
      return;
    }
    sent += jobs.length;
    let size = 0;
    for (const j of jobs) size += 100 + j.message.length;
    const buffer = new ArrayBuffer(size);
    const bytes = new Uint8Array(buffer);
    const view = new DataView(buffer);
    let at = 0;
    for (const j of jobs) {
      bytes.set(j.signature, at);
      bytes.set(j.publicKey, at + 64);
      view.setUint32(at + 96, j.message.length);
      bytes.set(j.message, at + 100);
      at += 100 + j.message.length;
    }
    const id = nextId++;
    inFlight.set(id, jobs);
    worker.ref();
    worker.postMessage({ id, buffer, count: jobs.length, cacheKeys: jobs.map((j) => j.cacheKey ?? "") }, [buffer]);
  };

  const verify: Ed25519Verify = (signature, message, publicKey, cacheKey) => {
    // A malformed input is simply not valid; until the thread is up (and once it is gone), the pool.
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    if (!worker || !ready || message.length > 0xffffffff) return fallback(signature, message, publicKey, cacheKey);
    return new Promise<boolean>((resolve) => {
      queue.push({ signature, message, publicKey, cacheKey, resolve });
      // A full batch goes at once, so that the thread verifies while this one goes on hashing (the
      // audit's lanes mostly run in one long turn of microtasks: a flush at the end of the turn only
      // would make the two threads take turns instead of working side by side).
      if (queue.length >= BATCH) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };

  return {
    verify,
    counts: () => ({ thread: Atomics.load(answered, 0), here }),
    close: async () => {
      const w = retire();
      if (w) await w.terminate();
    },
  };
}
