/**
 * The verification worker, started as the very first thing the app's script does (main.ts imports this
 * module before Svelte and the app): its script then loads and compiles while the app itself is evaluated
 * and mounted, rather than after. The first VerifyClient to ask takes it; later ones start their own.
 */
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
