/**
 * What the app's script does first (main.ts calls `startEarly()`, alone in the entry chunk, before the
 * app's own chunk is even fetched), so that it runs while the app itself is loaded and mounted:
 * - the verification worker is started (its script loads and compiles) and told to connect to the
 *   configured chain; the first VerifyClient to ask takes it, later ones start their own;
 * - a product link opened on this origin (a GS1 Digital Link path, or an app link `/p/<did>`) is resolved
 *   to its DID (the linkset requested and read), and that DID's verification is asked of the worker at
 *   once, with the configuration the stored settings give (settingsData.ts, as the app derives it). The
 *   passport state takes the DID and, when it asks for the same DID with the same configuration, that
 *   verification under way: the verdict no longer waits for the app to be evaluated and mounted first.
 *   Nothing is shown from here; the worker verifies as for any other request.
 * - a product verified in full on this device before (offline/recheck.ts, recheckStore.ts) is first
 *   re-checked here, in the page: its recorded files fetched and hashed, its registry reads made again.
 *   When all are the same, that is the early answer (marked `recheck`), and the passport state then asks
 *   the worker for the full verification, which replaces it. A re-check that has not answered within
 *   RECHECK_HEAD_START_MS has the worker verify alongside it (whichever answers first is shown); one that
 *   fails hands over at once. Opened by the same link as when recorded, the re-check starts at boot,
 *   alongside the linkset (whose DID must then be the record's), and the worker is not started until the
 *   re-check is over: on a phone's few cores it would only slow it down.
 */
import { isPayloadPath, parsePayload, resolveLinkset } from "../payload.ts";
import { acceptedOrigins, loadSettings, verifyConfig } from "../state/settingsData.ts";
import { didOfLink, hasRecords, loadRecord, saveRecord } from "../offline/recheckStore.ts";
import { quickCheck, type RecheckRecord } from "../offline/recheck.ts";
import type { VerifyConfig, WorkerRequest, WorkerResponse } from "./protocol.ts";


/** How long a re-check may run alone before the worker also verifies in full. */
export const RECHECK_HEAD_START_MS = 300;

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled
  }
}

/**
 * The key of `did`'s re-check record under `config` and this build of the app (offline/recheck.ts), or
 * undefined where none is kept (the development server: its code changes under the same URLs). The build
 * is this chunk's URL: its content hash changes with the app's code, since it names the worker's script
 * by its own content hash; and the browser's version (its WebCrypto verifies the signatures).
 */
export function recheckKeyOf(did: string, config: VerifyConfig): string | undefined {
  if (import.meta.env.DEV) return undefined;
  // The browser too: its WebCrypto checks the signatures (noble where it has no Ed25519).
  return JSON.stringify([did, config, import.meta.url, globalThis.navigator?.userAgent ?? ""]);
}

export function createVerifyWorker(): Worker {
  const worker = new Worker(new URL("./verify.worker.ts", import.meta.url), { type: "module", name: "verify" });
  // Re-check records of the products it verified in full are kept here, whoever asked (with the product
  // link the page was opened by, for that product).
  worker.addEventListener("message", (e: MessageEvent<WorkerResponse>) => {
    if (e.data?.type === "record") saveRecord(storage(), e.data.did, e.data.record, openedBy?.did === e.data.did ? openedBy.link : undefined);
  });
  return worker;
}

/** The id of the verification asked for at boot (the VerifyClient numbers its own from 1). */
const EARLY_REQUEST_ID = -1;

/** The boot's worker until a VerifyClient takes it; `deferred`: not started yet (a re-check runs first). */
let early: Worker | null = null;
let deferred = false;
/** The boot's worker once a VerifyClient took it. */
let taken: Worker | null = null;
/** The product link this page was opened by, and the DID it named. */
let openedBy: { link: string; did: string } | null = null;

interface EarlyVerification {
  id: number;
  /** The worker asked (null while a re-check runs alone). */
  worker: Worker | null;
  did: string;
  configKey: string;
  /** The first answer: the worker's to EARLY_REQUEST_ID, or a re-check's (`recheck` set). */
  response: Promise<WorkerResponse>;
  /** The worker's answer, when it was asked (always, unless a re-check answered first). */
  full(): Promise<WorkerResponse> | null;
  /** The verification is no longer wanted: the worker is not asked if it was not yet. */
  stop(): void;
}
let verification: EarlyVerification | null = null;

function bootWorker(): Worker {
  const worker = createVerifyWorker();
  // A worker that failed before anyone took it (its script did not load) is dropped, with the verification
  // asked of it: the taker starts a new one and sees that one's failure under its own handler.
  worker.addEventListener("error", () => {
    worker.terminate();
    if (early === worker) early = null;
    if (verification?.worker === worker) verification = null;
  });
  return worker;
}

/** The worker started at boot (started now if it was deferred), once; null afterwards (or where there are no workers). */
export function takeEarlyWorker(): Worker | null {
  if (deferred) {
    deferred = false;
    early = bootWorker();
  }
  const w = early;
  early = null;
  if (w) taken = w;
  return w;
}

/** Is a re-check running alone (the worker not started yet)? Warming the worker up would only slow it down. */
export function recheckRunning(): boolean {
  return deferred;
}

/**
 * The boot's verification of `did`: a re-check of `record` first when there is one (`quick`, started
 * already when the link named the record's DID), else the worker at once.
 */
function verifyEarly(did: string, config: VerifyConfig, quick: Promise<WorkerResponse | null> | null): void {
  const recordAs = recheckKeyOf(did, config);
  let asked: Promise<WorkerResponse> | null = null;
  let stopped = false;
  const v: EarlyVerification = {
    id: EARLY_REQUEST_ID,
    worker: null,
    did,
    configKey: JSON.stringify(config),
    response: Promise.resolve(null as never),
    full: () => asked,
    stop: () => {
      stopped = true;
      // Not wanted any more: the worker need not wait for a re-check (a client starts it when it needs it).
      if (!asked) deferred = false;
    },
  };
  const ask = (): Promise<WorkerResponse> | null => {
    if (asked || stopped) return asked;
    if (deferred) {
      deferred = false;
      early = bootWorker();
    }
    const worker = early ?? taken;
    if (!worker) return null;
    v.worker = worker;
    asked = new Promise<WorkerResponse>((resolve) => {
      const onMessage = (e: MessageEvent<WorkerResponse>) => {
        if (e.data?.id !== EARLY_REQUEST_ID || e.data.type === "record") return;
        worker.removeEventListener("message", onMessage);
        resolve(e.data);
      };
      worker.addEventListener("message", onMessage);
      // A worker that dies answers nothing: its failure is the answer (a page showing a re-check would
      // otherwise say "verifying in full" for ever).
      worker.addEventListener("error", (e) =>
        resolve({
          type: "failure",
          id: EARLY_REQUEST_ID,
          error: { name: "WorkerCrashedError", verdict: "unverifiable", message: `The verification worker failed: ${e.message}`, shortMessage: "The verification worker failed" },
        }),
      );
    });
    worker.postMessage({ type: "verify", id: EARLY_REQUEST_ID, did, config, ...(recordAs ? { recordAs } : {}) } satisfies WorkerRequest);
    return asked;
  };
  verification = v;
  if (!quick) {
    v.response = ask() ?? new Promise<never>(() => {});
    return;
  }
  v.response = new Promise<WorkerResponse>((resolve) => {
    let settled = false;
    const settle = (msg: WorkerResponse) => {
      if (!settled) resolve(msg);
      settled = true;
    };
    const fromWorker = () => void ask()?.then(settle);
    const timer = setTimeout(fromWorker, RECHECK_HEAD_START_MS);
    void quick.then((answer) => {
      clearTimeout(timer);
      if (answer) settle(answer);
      else fromWorker();
    });
  });
}

/**
 * A re-check of `record` under `config`, as the early answer; null when it does not hold. Its code is in
 * this chunk (a few kB: hashing is WebCrypto's, the registry reads one JSON-RPC batch), so that its files
 * and its chain read go out at boot, not once a chunk of its own has been fetched and evaluated behind
 * the app's.
 */
function recheckEarly(record: RecheckRecord, config: VerifyConfig): Promise<WorkerResponse | null> {
  const started = performance.now();
  return quickCheck(record, config)
    .then((q): WorkerResponse | null => (q ? { type: "product", id: EARLY_REQUEST_ID, product: q.product, ms: performance.now() - started, recheck: q.note } : null))
    .catch(() => null);
}

/**
 * The verification asked at boot, once, if it was asked of `worker` for `did` with `config`; null
 * otherwise. `response` settles with the worker's answer to its `id`.
 */
export function takeEarlyVerification(worker: Worker | null, did: string, config: VerifyConfig): EarlyVerification | null {
  const v = verification;
  if (!v || (worker && v.worker && v.worker !== worker) || v.did !== did || v.configKey !== JSON.stringify(config)) return null;
  verification = null;
  return v;
}

let linkset: { url: string; did: Promise<string> } | null = null;

/**
 * Starts the worker and, for a product link opened on this origin, its verification (once, at boot).
 * Resolves once that verification is asked of the worker, or there is none to ask (no product link, no
 * workers, a linkset that cannot be read: the passport state then reports it).
 */
export async function startEarly(): Promise<void> {
  if (early || deferred || typeof Worker !== "function") return;
  // Storage disabled: the defaults, as the app's Settings then use.
  const stored = storage();
  const settings = loadSettings(stored);
  const config = verifyConfig(settings);
  // A product link opened (App.svelte's initialPayload: not when the address also has a route).
  const opened = typeof location === "object" && isPayloadPath(location.pathname) && location.hash.replace(/^#\/?/, "") === "";
  // Or a passport's own route, `#/p/<did>` (what a product link settles to: a reload of the page opens it
  // again), on the app's own address (router.svelte.ts's parseRoute, which this chunk does not load).
  const routed = typeof location === "object" && !opened && location.pathname === import.meta.env.BASE_URL ? /^#\/p\/(.+)$/.exec(location.hash)?.[1] : undefined;
  let p = opened ? parsePayload(location.href, acceptedOrigins(settings)) : null;
  if (routed) {
    try {
      p = parsePayload(decodeURIComponent(routed), acceptedOrigins(settings));
    } catch {
      p = null; // a malformed escape: the router says why
    }
    if (p?.kind !== "did") p = null;
  }
  // A product verified here before is re-checked first: its code loads alongside the linkset.
  const recheck = !!p && p.kind !== "refused" && !import.meta.env.DEV && hasRecords(stored);
  const recordOf = (did: string) => (recheck ? loadRecord(stored, did, recheckKeyOf(did, config)!) : undefined);
  // Opened by the link its record was made from: re-checked at once, the worker started only if needed.
  const expected = recheck && p?.kind === "gs1" ? didOfLink(stored, p.linksetUrl) : recheck && p?.kind === "did" ? p.did : undefined;
  const record = expected ? recordOf(expected) : undefined;
  const quick = record ? recheckEarly(record, config) : null;
  if (quick) deferred = true;
  else {
    early = bootWorker();
    // The worker connects to the configured chain (chain id check, latest block) as soon as it is up,
    // alongside the first files rather than after the first log is read.
    early.postMessage({ type: "warm", id: 0, config } satisfies WorkerRequest);
  }
  if (!p) return;
  const start = (did: string) => {
    if (verification || (!early && !deferred)) return;
    if (p.kind === "gs1") openedBy = { link: p.linksetUrl, did };
    // The link now names another DID than the record's: that re-check's answer is not this product's.
    const own = quick && did === record?.did ? quick : null;
    const other = !own && recheck ? recordOf(did) : undefined;
    verifyEarly(did, config, own ?? (other ? recheckEarly(other, config) : null));
  };
  if (p.kind === "gs1") {
    const did = resolveLinkset(p.linksetUrl, acceptedOrigins(settings));
    linkset = { url: p.linksetUrl, did };
    // A failure is reported by whoever takes the linkset; otherwise dropped (and the deferred worker is
    // then started by the first client that asks for it).
    await did.then(start, () => undefined);
  } else if (p.kind === "did") start(p.did);
  // A re-check running alone: the app mounts once it is over (or handed over), so that mounting does not
  // hold up its answers; at the latest RECHECK_HEAD_START_MS after it began.
  if (quick) await Promise.race([quick, new Promise((r) => setTimeout(r, RECHECK_HEAD_START_MS))]);
}

/** How long the app's mount may wait for startEarly (main.ts): longer while a re-check runs alone. */
export function mountWaitMs(): number {
  return deferred ? RECHECK_HEAD_START_MS + 100 : 250;
}

/** The passport DID of the linkset requested at boot for `url`, once; null otherwise. */
export function takeEarlyLinkset(url: string): Promise<string> | null {
  if (linkset?.url !== url) return null;
  const { did } = linkset;
  linkset = null;
  return did;
}
