/**
 * What the app's script does first (main.ts imports this module before Svelte and the app), so that it
 * runs while the app itself is evaluated and mounted rather than after:
 * - the verification worker is started (its script loads and compiles); the first VerifyClient to ask
 *   takes it, later ones start their own;
 * - a product link opened on this origin (a GS1 Digital Link path) has its linkset requested; the
 *   passport state takes that response if it asks for the same URL (it still checks it as usual).
 */
import { fetchLinkset, parsePayload } from "../payload.ts";

export function createVerifyWorker(): Worker {
  return new Worker(new URL("./verify.worker.ts", import.meta.url), { type: "module", name: "verify" });
}

let early: Worker | null = typeof Worker === "function" ? createVerifyWorker() : null;
// A worker that failed before anyone took it (its script did not load) is dropped: the taker starts a
// new one and sees that one's failure under its own handler.
early?.addEventListener("error", () => {
  early?.terminate();
  early = null;
});

/** The worker started at boot, once; null afterwards (or where there are no workers). */
export function takeEarlyWorker(): Worker | null {
  const w = early;
  early = null;
  return w;
}

let linkset: { url: string; response: Promise<Response> } | null = null;
if (typeof location === "object" && location.pathname.startsWith("/01/")) {
  const p = parsePayload(location.href, [location.origin]);
  if (p.kind === "gs1") {
    const response = fetchLinkset(p.linksetUrl);
    response.catch(() => undefined); // observed by whoever takes it; otherwise dropped
    linkset = { url: p.linksetUrl, response };
  }
}

/** The linkset response requested at boot for `url`, once; null otherwise. */
export function takeEarlyLinkset(url: string): Promise<Response> | null {
  if (linkset?.url !== url) return null;
  const { response } = linkset;
  linkset = null;
  return response;
}
