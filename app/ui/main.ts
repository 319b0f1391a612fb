/**
 * The entry chunk, kept small: it starts the verification worker and, for a product link opened, that
 * passport's verification (worker/early.ts) before the app's own code (Svelte and the views, a chunk of
 * its own) is fetched and compiled; then it loads and mounts the app.
 */
import { startEarly } from "./worker/early.ts";

/** How long the app's mount may wait for the opened product's verification to be asked (its linkset read). */
const MOUNT_WAIT_MS = 250;

// Whatever goes wrong here (a worker that cannot be created) only loses the head start: the app mounts.
const asked = startEarly().catch(() => undefined);
const app = import("./mount.ts");
// Mounting holds the main thread for a while: the linkset's answer, and so the verification request,
// would wait behind it. The app mounts once the request is out (a linkset round trip), or at the latest
// after MOUNT_WAIT_MS; its chunk loads meanwhile.
void Promise.all([app, Promise.race([asked, new Promise((r) => setTimeout(r, MOUNT_WAIT_MS))])]).then(([m]) => m.mountApp());
