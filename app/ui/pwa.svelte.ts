/**
 * The installable, offline shell: registers the service worker (vite-plugin-pwa's precache of the app,
 * `<base>sw.js` for the scope `<base>`, the path the app is built for) through workbox-window, offers an
 * update when a new version is waiting (never reloads on its own: an auditor may be mid-check), and asks
 * for persistent storage so the offline cache is not evicted.
 */
import type { Workbox } from "workbox-window";

/** Runs `task` when the page is next idle (at the latest after `timeoutMs`). */
export function whenIdle(task: () => void, timeoutMs = 3000): void {
  if (typeof requestIdleCallback === "function") requestIdleCallback(() => task(), { timeout: timeoutMs });
  else setTimeout(task, 200);
}

export class Pwa {
  #updateWaiting = $state(false);
  #offlineReady = $state(false);
  #persisted = $state<boolean | null>(null);
  #online = $state(globalThis.navigator?.onLine ?? true);
  #wb: Workbox | null = null;

  get updateWaiting() { return this.#updateWaiting; }
  get offlineReady() { return this.#offlineReady; }
  /** null: not asked or not supported. */
  get persisted() { return this.#persisted; }
  get online() { return this.#online; }

  async register(): Promise<void> {
    addEventListener("online", () => (this.#online = true));
    addEventListener("offline", () => (this.#online = false));
    if (!("serviceWorker" in navigator) || import.meta.env.DEV) return;
    const { Workbox } = await import("workbox-window");
    // Under the path the app was built for (vite.config.ts, APP_BASE): /sw.js, or /verifier/sw.js whose
    // scope is /verifier/ (a service worker cannot claim a scope above its own folder).
    const base = import.meta.env.BASE_URL;
    const wb = new Workbox(`${base}sw.js`, { scope: base });
    this.#wb = wb;
    wb.addEventListener("waiting", () => (this.#updateWaiting = true));
    wb.addEventListener("activated", (e) => {
      if (!e.isUpdate) this.#offlineReady = true;
    });
    wb.addEventListener("controlling", (e) => {
      if (e.isUpdate) location.reload();
    });
    try {
      // A browser (or a policy) may refuse service workers: the app then works online, without offline use.
      if (!(await wb.register())) throw new Error("no registration");
    } catch {
      this.#wb = null;
      return;
    }
    try {
      this.#persisted = (await navigator.storage?.persisted?.()) || ((await navigator.storage?.persist?.()) ?? null);
    } catch {
      this.#persisted = null;
    }
  }

  /** Activates the waiting version; the page reloads once it controls the page. */
  applyUpdate(): void {
    this.#wb?.messageSkipWaiting();
    this.#updateWaiting = false;
  }

  dismissUpdate(): void {
    this.#updateWaiting = false;
  }
}
