/**
 * Strict acceptance of what an auditor scans or pastes. Accepted:
 * - a `did:webvh:` DID;
 * - an app link (`<accepted origin>/#/p/<did>` or `<accepted origin>/p/<did>`, also under a path prefix:
 *   `<accepted origin>/verifier/p/<did>` for an app served under /verifier/);
 * - a GS1 Digital Link URL of an accepted host (`https://host/01/<gtin>/21/<serial>`), resolved through its
 *   linkset (`.../linkset.json`, RFC 9264) to the passport's DID.
 * Everything else is refused with a reason a person can read: `javascript:` and other schemes, URLs of
 * hosts not configured, HTML or other markup, oversize payloads. A payload is never navigated to and
 * never rendered as markup.
 */
import { FileTooLargeError } from "../core/fetch/errors.ts";
import { readTextLimited } from "../core/fetch/http.ts";

export type Payload =
  | { kind: "did"; did: string }
  | { kind: "gs1"; linksetUrl: string; gtin: string; serial: string }
  | { kind: "refused"; reason: string };

export const MAX_PAYLOAD = 2048;

/** How long a product's linkset may take to answer. */
export const LINKSET_TIMEOUT_MS = 10_000;

/**
 * How long a product's linkset may take before a DID remembered from an earlier read of it is used
 * instead: as long as the offline cache gives the DIDs' files (offline/cache.ts, 3 s).
 */
export const LINKSET_OFFLINE_WAIT_MS = 3_000;

/** The host of a product's linkset could not be reached, or did not answer in time (it answered nothing). */
export class LinksetUnreachableError extends Error {
  override readonly name = "LinksetUnreachableError";
}

/**
 * How a product's linkset is requested (no cookies, no redirects to follow elsewhere, a time limit).
 * Redirects are not followed, and not hidden either: "manual" gives a redirect answered as a response
 * (an opaque-redirect one in a browser: no status, no location, no body), which didOfLinksetResponse
 * reports as such, where "error" made it a failure to fetch indistinguishable from a host unreachable.
 * (A redirect to another origin that does not allow CORS is still a failure to fetch: the browser tells
 * nothing more.)
 */
export function fetchLinkset(url: string, timeoutMs = LINKSET_TIMEOUT_MS): Promise<Response> {
  return fetch(url, {
    headers: { accept: "application/linkset+json, application/json" },
    credentials: "omit",
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((error: unknown) => {
    const name = (error as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError")
      throw new LinksetUnreachableError(`the host did not answer within ${timeoutMs / 1000} s`, { cause: error });
    throw new LinksetUnreachableError(`the host could not be reached (${(error as Error)?.message ?? String(error)})`, { cause: error });
  });
}

/**
 * The passport DIDs this device read from product linksets (localStorage), so that a product opened
 * before opens again from its code with no network: the DID's files and chain reads are in the offline
 * cache, and the verdict says it was verified offline. Only what a live read returned is remembered; it
 * is used only when the host answers nothing (never to hide a 404 or any other answer). The linkset is
 * not what makes a passport verified: the DID's own log and the chain are.
 */
export interface LinksetMemory {
  get(url: string): string | null;
  set(url: string, did: string): void;
}

const LINKSET_MEMORY_KEY = "verifier:linksets";
/** Products remembered; the least recently read are forgotten first. */
const LINKSET_MEMORY_SIZE = 500;

export function linksetMemory(storage: Storage | undefined = localStorageOrUndefined()): LinksetMemory | null {
  if (!storage) return null;
  const load = (): Record<string, string> => {
    try {
      const raw = JSON.parse(storage.getItem(LINKSET_MEMORY_KEY) ?? "{}") as unknown;
      return raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  return {
    get(url) {
      const all = load();
      const did = Object.hasOwn(all, url) ? all[url] : undefined;
      return typeof did === "string" && isWebvhDid(did) ? did : null;
    },
    set(url, did) {
      const all = load();
      delete all[url];
      all[url] = did; // insertion order: the newest last
      const keys = Object.keys(all);
      for (const k of keys.slice(0, Math.max(0, keys.length - LINKSET_MEMORY_SIZE))) delete all[k];
      try {
        storage.setItem(LINKSET_MEMORY_KEY, JSON.stringify(all));
      } catch {
        // Storage full or refused: the product simply is not remembered.
      }
    },
  };
}

function localStorageOrUndefined(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled
  }
}

const LINKSET_MAX_BYTES = 64 * 1024;

/**
 * The passport DID named by a product's linkset response. Throws an Error whose message completes
 * "Could not resolve GTIN … serial …: " (a redirect, an HTTP error, not JSON, too large, or no passport DID in it).
 */
export async function didOfLinksetResponse(res: Response, acceptedOrigins: readonly string[]): Promise<string> {
  // A browser's fetch with redirect "manual" gives an opaque-redirect response; Node's, the 3xx itself.
  if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error("the host answered the product's linkset with a redirect, which is not followed");
  }
  if (!res.ok) throw new Error(`the host answered ${res.status} for the product's linkset`);
  const type = res.headers.get("content-type") ?? "";
  if (!/json/.test(type)) throw new Error("the host did not answer JSON for the product's linkset");
  // Read within the limit as it streams: a host sending endless bytes is cut off, not buffered.
  let body: string;
  try {
    body = await readTextLimited(res, LINKSET_MAX_BYTES, res.url);
  } catch (error) {
    if (error instanceof FileTooLargeError) throw new Error("the product's linkset is too large", { cause: error });
    throw new Error("the product's linkset could not be read", { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error("the product's linkset is not JSON");
  }
  const did = didFromLinkset(json, acceptedOrigins);
  if (!did) throw new Error("the product's linkset names no passport DID");
  return did;
}

/**
 * The passport DID a product link resolves to: its linkset requested and read (didOfLinksetResponse),
 * and remembered; when the host answers nothing (offline) or is slow, the DID remembered from an earlier
 * read of the same linkset, if any (LinksetMemory).
 */
export async function resolveLinkset(
  url: string,
  acceptedOrigins: readonly string[],
  timeoutMs = LINKSET_TIMEOUT_MS,
  memory: LinksetMemory | null = linksetMemory(),
  offlineWaitMs = LINKSET_OFFLINE_WAIT_MS,
): Promise<string> {
  const live = fetchLinkset(url, timeoutMs).then((res) => didOfLinksetResponse(res, acceptedOrigins));
  const remember = live.then((did) => (memory?.set(url, did), did));
  const known = memory?.get(url) ?? null;
  if (known === null) return remember;
  // Network first; a remembered DID when the host answers nothing, or nothing within offlineWaitMs
  // (the late answer still refreshes the memory).
  remember.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(known), offlineWaitMs)));
  try {
    return await Promise.race([remember, slow]);
  } catch (error) {
    if (error instanceof LinksetUnreachableError) return known;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
/** did:webvh:<scid>:<host>[:path...]: method-specific-id chars of DID Core (plus %-escapes). */
const DID_WEBVH = /^did:webvh:[A-Za-z0-9]{16,}(?::[A-Za-z0-9._~%-]+)+$/;

export function isWebvhDid(text: string): boolean {
  return text.length <= MAX_PAYLOAD && DID_WEBVH.test(text);
}

/** GS1 mod-10 check digit of a GTIN (any length, the last digit being the check digit). */
export function validGtin(gtin: string): boolean {
  if (!/^\d{8,14}$/.test(gtin)) return false;
  const digits = [...gtin].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

export function parsePayload(input: string, acceptedOrigins: readonly string[]): Payload {
  const text = input.trim();
  if (!text) return { kind: "refused", reason: "Nothing to open: paste a link or a DID." };
  if (text.length > MAX_PAYLOAD) return { kind: "refused", reason: "Refused: the code holds far more data than a passport link." };
  if (/[<>]/.test(text)) return { kind: "refused", reason: "Refused: the code holds markup (HTML), not a passport link." };
  if (/^did:/i.test(text)) {
    if (isWebvhDid(text)) return { kind: "did", did: text };
    return { kind: "refused", reason: "Refused: only did:webvh DIDs are passports." };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: "refused", reason: "Refused: this is neither a passport link nor a did:webvh DID." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { kind: "refused", reason: `Refused: "${url.protocol}" links are never opened.` };
  if (url.username || url.password) return { kind: "refused", reason: "Refused: links with credentials are never opened." };
  if (!acceptedOrigins.includes(url.origin))
    return { kind: "refused", reason: `Refused: ${url.host} is not a configured passport host.` };

  // App links: /#/p/<did> or /p/<did>, optionally under a path prefix (an app served under a sub-path:
  // /verifier/#/p/<did>, /verifier/p/<did>). The DID is the last segment: /p/01/<gtin>/... is no app link.
  const appPath = url.hash.startsWith("#/p/") ? url.hash.slice(4) : (/^(?:\/[^/]+)*?\/p\/([^/]+)$/.exec(url.pathname)?.[1] ?? null);
  if (appPath !== null) {
    let did: string;
    try {
      did = decodeURIComponent(appPath);
    } catch {
      return { kind: "refused", reason: "Refused: the link's DID is malformed." };
    }
    return isWebvhDid(did) ? { kind: "did", did } : { kind: "refused", reason: "Refused: the link does not name a did:webvh DID." };
  }

  // GS1 Digital Link: /01/<gtin>/21/<serial> (optionally under a path prefix, optionally more qualifiers)
  const m = /^(.*?)\/01\/(\d{8}|\d{12,14})\/21\/([^/]{1,20})(?:\/.*)?$/.exec(url.pathname);
  if (m) {
    const prefix = m[1] ?? "";
    const gtin = (m[2] ?? "").padStart(14, "0");
    if (!validGtin(gtin)) return { kind: "refused", reason: "Refused: the GTIN's check digit is wrong." };
    const serialRaw = m[3] ?? "";
    let serial: string;
    try {
      serial = decodeURIComponent(serialRaw);
    } catch {
      return { kind: "refused", reason: "Refused: the GS1 serial number is malformed." };
    }
    // GS1 AI 21 allows the 82-character set; refuse anything else.
    if (!/^[!"%-?A-Z_a-z]{1,20}$/.test(serial)) return { kind: "refused", reason: "Refused: the GS1 serial number is malformed." };
    const linksetUrl = `${url.origin}${prefix}/01/${gtin}/21/${encodeURIComponent(serial)}/linkset.json`;
    return { kind: "gs1", linksetUrl, gtin, serial };
  }
  return { kind: "refused", reason: "Refused: this link of the passport host is not a product link." };
}

/**
 * The passport DID a GS1 linkset (RFC 9264 `application/linkset+json`) points to: the first link target
 * that is a did:webvh DID or an app link to one, searched in the linkset's link relations.
 */
export function didFromLinkset(linkset: unknown, acceptedOrigins: readonly string[]): string | null {
  const sets = (linkset as { linkset?: unknown })?.linkset;
  if (!Array.isArray(sets)) return null;
  for (const ctx of sets) {
    if (!ctx || typeof ctx !== "object") continue;
    for (const [rel, targets] of Object.entries(ctx as Record<string, unknown>)) {
      if (rel === "anchor" || !Array.isArray(targets)) continue;
      for (const t of targets) {
        const href = (t as { href?: unknown })?.href;
        if (typeof href !== "string") continue;
        if (isWebvhDid(href)) return href;
        const p = parsePayload(href, acceptedOrigins);
        if (p.kind === "did") return p.did;
      }
    }
  }
  return null;
}

/**
 * Does the page's own path carry a payload (a GS1 Digital Link or `/p/<did>` opened on this origin)? Under
 * the path the app is served from (`base`, vite.config.ts's APP_BASE: `/`, or `/verifier/` for
 * `/verifier/01/<gtin>/21/<serial>` and `/verifier/p/<did>`).
 */
export function isPayloadPath(pathname: string, base: string = import.meta.env.BASE_URL): boolean {
  if (!pathname.startsWith(base)) return false;
  const rest = pathname.slice(base.length);
  return rest.startsWith("01/") || rest.startsWith("p/");
}

/** The app link to a passport. */
export function passportHash(did: string): string {
  return `#/p/${encodeURIComponent(did)}`;
}
