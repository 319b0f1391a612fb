/**
 * The entry chunk, kept small: it starts the verification worker and, for a product link opened, that
 * passport's verification (worker/early.ts) before the app's own code (Svelte and the views, a chunk of
 * its own) is fetched and compiled; then it loads and mounts the app.
 */
import { mountWaitMs, startEarly } from "./worker/early.ts";

// Whatever goes wrong here (a worker that cannot be created) only loses the head start: the app mounts.
const asked = startEarly().catch(() => undefined);
const app = import("./mount.ts");
// Mounting holds the main thread for a while: the linkset's answer, and so the verification request,
// would wait behind it. The app mounts once the request is out (a linkset round trip), or at the latest
// after 250 ms (mountWaitMs; a re-check running alone waits for its answer); its chunk loads meanwhile.
void Promise.all([app, Promise.race([asked, new Promise((r) => setTimeout(r, mountWaitMs()))])]).then(([m]) => m.mountApp());
