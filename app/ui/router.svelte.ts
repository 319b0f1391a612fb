/**
 * Hash routes (a static host cannot route paths; serve.ts still falls back to index.html for `/p/...` and
 * GS1 `/01/...` paths, which `initialPayload()` turns into the same routes). All of them under the path the
 * app is built for (vite.config.ts's APP_BASE): `/#/p/<did>`, or `/verifier/#/p/<did>` and `/verifier/01/...`.
 *   #/            open a passport          #/p/<did>     a passport
 *   #/settings    settings                 #/<tab id>    a tab of the registry (tabs.ts)
 */
import { isPayloadPath } from "./payload.ts";

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
 * A payload carried by the page's own path, unless the address also has a route (`#/...`: the auditor
 * went on from a product link that did not open; the path is then dropped). The address keeps the
 * product link until it has resolved (`settlePayloadPath`), so that a reload retries one that failed.
 */
export function initialPayload(): string | null {
  const { pathname, href, hash } = location;
  if (!isPayloadPath(pathname)) return null;
  if (hash.replace(/^#\/?/, "") !== "") {
    history.replaceState(null, "", appUrl(hash));
    return null;
  }
  return href;
}

/** The product link opened resolved to `hash` (a passport route): the address becomes that route. */
export function settlePayloadPath(hash: string): void {
  history.replaceState(null, "", appUrl(hash));
}

/** The app's own address with `hash`: `<origin><base><hash>` (the base: `/`, or `/verifier/`, vite.config.ts). */
function appUrl(hash: string): string {
  return `${location.origin}${import.meta.env.BASE_URL}${hash}`;
}
