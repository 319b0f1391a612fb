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
 */
import { isPayloadPath, parsePayload, resolveLinkset } from "../payload.ts";
import { acceptedOrigins, loadSettings, verifyConfig } from "../state/settingsData.ts";
import type { VerifyConfig, WorkerRequest, WorkerResponse } from "./protocol.ts";

export function createVerifyWorker(): Worker {
  return new Worker(new URL("./verify.worker.ts", import.meta.url), { type: "module", name: "verify" });
}

/** The id of the verification asked for at boot (the VerifyClient numbers its own from 1). */
const EARLY_REQUEST_ID = -1;

let early: Worker | null = null;

interface EarlyVerification {
  id: number;
  worker: Worker;
  did: string;
  configKey: string;
  /** The worker's answer to EARLY_REQUEST_ID. */
  response: Promise<WorkerResponse>;
}
let verification: EarlyVerification | null = null;

/** The worker started at boot, once; null afterwards (or where there are no workers). */
export function takeEarlyWorker(): Worker | null {
  const w = early;
  early = null;
  return w;
}

function verifyEarly(worker: Worker, did: string, config: VerifyConfig): void {
  const response = new Promise<WorkerResponse>((resolve) => {
    const onMessage = (e: MessageEvent<WorkerResponse>) => {
      if (e.data?.id !== EARLY_REQUEST_ID) return;
      worker.removeEventListener("message", onMessage);
      resolve(e.data);
    };
    worker.addEventListener("message", onMessage);
  });
  worker.postMessage({ type: "verify", id: EARLY_REQUEST_ID, did, config } satisfies WorkerRequest);
  verification = { id: EARLY_REQUEST_ID, worker, did, configKey: JSON.stringify(config), response };
}

/**
 * The verification asked at boot, once, if it was asked of `worker` for `did` with `config`; null
 * otherwise. `response` settles with the worker's answer to its `id`.
 */
export function takeEarlyVerification(worker: Worker, did: string, config: VerifyConfig): EarlyVerification | null {
  const v = verification;
  if (!v || v.worker !== worker || v.did !== did || v.configKey !== JSON.stringify(config)) return null;
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
  if (early || typeof Worker !== "function") return;
  const worker = createVerifyWorker();
  early = worker;
  // A worker that failed before anyone took it (its script did not load) is dropped, with the verification
  // asked of it: the taker starts a new one and sees that one's failure under its own handler.
  worker.addEventListener("error", () => {
    worker.terminate();
    if (early === worker) early = null;
    if (verification?.worker === worker) verification = null;
  });
  let storage: Storage | undefined;
  try {
    storage = globalThis.localStorage;
  } catch {
    // Storage disabled: the defaults, as the app's Settings then use.
  }
  const settings = loadSettings(storage);
  // The worker connects to the configured chain (chain id check, latest block) as soon as it is up,
  // alongside the first files rather than after the first log is read.
  worker.postMessage({ type: "warm", id: 0, config: verifyConfig(settings) } satisfies WorkerRequest);
  // A product link opened (App.svelte's initialPayload: not when the address also has a route).
  if (typeof location !== "object" || !isPayloadPath(location.pathname) || location.hash.replace(/^#\/?/, "") !== "") return;
  const p = parsePayload(location.href, acceptedOrigins(settings));
  const start = (did: string) => {
    if (early === worker && !verification) verifyEarly(worker, did, verifyConfig(settings));
  };
  if (p.kind === "gs1") {
    const did = resolveLinkset(p.linksetUrl, acceptedOrigins(settings));
    linkset = { url: p.linksetUrl, did };
    // A failure is reported by whoever takes the linkset; otherwise dropped.
    await did.then(start, () => undefined);
  } else if (p.kind === "did") start(p.did);
}

/** The passport DID of the linkset requested at boot for `url`, once; null otherwise. */
export function takeEarlyLinkset(url: string): Promise<string> | null {
  if (linkset?.url !== url) return null;
  const { did } = linkset;
  linkset = null;
  return did;
}
