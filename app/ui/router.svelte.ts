/**
 * Hash routes (a static host cannot route paths; serve.ts still falls back to index.html for `/p/...` and
 * GS1 `/01/...` paths, which `initialPayload()` turns into the same routes):
 *   #/            open a passport          #/p/<did>     a passport
 *   #/settings    settings                 #/<tab id>    a tab of the registry (tabs.ts)
 */
export type Route = { name: "home" } | { name: "passport"; did: string } | { name: "tab"; id: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#\/?/, "");
  if (h.startsWith("p/")) {
    try {
      return { name: "passport", did: decodeURIComponent(h.slice(2)) };
    } catch {
      return { name: "home" };
    }
  }
  if (!h) return { name: "home" };
  return { name: "tab", id: h.split("/")[0] ?? "" };
}

export class Router {
  #hash = $state(globalThis.location?.hash ?? "");

  constructor() {
    globalThis.addEventListener?.("hashchange", () => {
      this.#hash = location.hash;
    });
  }

  get route(): Route {
    return parseRoute(this.#hash);
  }

  /** Goes to `hash`; the route changes at once (not only when the hashchange event comes). */
  go(hash: string): void {
    this.#hash = hash;
    if (location.hash !== hash) location.hash = hash;
  }
}

/**
 * A payload carried by the page's own path (a GS1 Digital Link or `/p/<did>` opened directly on this
 * origin): returned once, and the address bar is turned into the hash route.
 */
export function initialPayload(): string | null {
  const { pathname, href, origin } = location;
  if (pathname === "/" || pathname.endsWith("/index.html")) return null;
  if (pathname.startsWith("/01/") || pathname.startsWith("/p/")) {
    history.replaceState(null, "", `${origin}/`);
    return href;
  }
  return null;
}
