/**
 * did:webvh DIDs and their web locations (did:webvh v1.0, "Method-Specific Identifier" and "The DID to
 * HTTPS Transformation"):
 *
 *   did:webvh:{SCID}:{domain}[%3A{port}][:{path-segment}]*  ->  https://{domain}[:{port}]/{path}/did.jsonl
 *   (no path: https://{domain}[:{port}]/.well-known/did.jsonl)
 *
 * The domain is NFC-normalised and IDNA-encoded (UTS #46 via the WHATWG URL parser, as browsers do);
 * each path segment is percent-decoded then percent-encoded per RFC 3986. Rejected: IP addresses, a
 * domain without a dot (except `localhost`, which this project uses for development and maps to
 * `http://`), ports outside 1..65535 or with leading zeros, empty or dot segments (`.`, `..`), segments
 * that decode to `/`, `\`, or control characters, bad percent-encoding, queries and fragments.
 */
import { InvalidDidError } from "./errors.ts";

export const DID_WEBVH_PREFIX = "did:webvh:";
export const SCID_PLACEHOLDER = "{SCID}";

export interface ParsedDid {
  did: string;
  scid: string;
  /** The domain as written in the DID (percent-decoded, without the port). */
  domain: string;
  /** The ASCII (IDNA) host name used in the URL. */
  host: string;
  port?: number;
  /** Decoded path segments. */
  path: string[];
  /** The DID without `did:webvh:{SCID}:`: what moves when a portable DID moves. */
  location: string;
}

const SCID_RE = /^[1-9A-HJ-NP-Za-km-z]{46}$/;
const IPV4_RE = /^(\d{1,3}\.){3}\d{1,3}$/;
const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const PLAIN_HOST_RE = /^(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*$/;

function fail(did: string, reason: string): never {
  throw new InvalidDidError("Not a valid did:webvh DID", { details: `${reason}: ${did.slice(0, 200)}` });
}

function decodeSegment(did: string, segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    fail(did, `bad percent-encoding in ${JSON.stringify(segment)}`);
  }
  return decoded;
}

/** IDNA: the ASCII host of a Unicode domain (NFC, UTS #46 as WHATWG URL does it). */
function toAsciiHost(did: string, domain: string): string {
  let host: string;
  // Already ASCII and lower case, no Punycode label, ending in a label that starts with a letter (so never
  // an IPv4 number): the URL parser would return it unchanged (url.test.ts holds this to it), and each
  // DID of an audit was parsing one.
  if (PLAIN_HOST_RE.test(domain) && !domain.includes("xn--")) host = domain;
  else {
    try {
      host = new URL(`https://${domain.normalize("NFC")}/`).hostname;
    } catch {
      fail(did, `domain ${JSON.stringify(domain)} is not a valid host name`);
    }
  }
  if (host.startsWith("[") || IPV4_RE.test(host)) fail(did, "IP addresses are not allowed as hosts");
  if (host !== "localhost") {
    const labels = host.split(".");
    if (labels.length < 2) fail(did, "the domain must be a fully qualified domain name");
    for (const label of labels) if (!LABEL_RE.test(label)) fail(did, `bad domain label ${JSON.stringify(label)}`);
    if (/^\d+$/.test(labels[labels.length - 1]!)) fail(did, "the top-level domain is numeric");
  }
  return host;
}

/**
 * Parse and validate a did:webvh DID. Throws InvalidDidError. With `allowPlaceholder`, the SCID may be
 * the literal `{SCID}` (while creating a DID).
 */
export function parseDid(did: string, options: { allowPlaceholder?: boolean } = {}): ParsedDid {
  const cached = typeof did === "string" ? parsedCache.get(did) : undefined;
  if (cached) return { ...cached, path: [...cached.path] };
  const parsed = parseDidUncached(did, options);
  if (!options.allowPlaceholder) {
    if (parsedCache.size >= 2048) parsedCache.clear();
    parsedCache.set(did, parsed);
  }
  return { ...parsed, path: [...parsed.path] };
}

// Logs repeat the same DID in every entry; parsing (IDNA through the URL parser) is worth caching.
const parsedCache = new Map<string, ParsedDid>();

/** Forget parsed DIDs (benchmarks measure cold caches). */
export function clearParsedDids(): void {
  parsedCache.clear();
}

function parseDidUncached(did: string, options: { allowPlaceholder?: boolean }): ParsedDid {
  if (typeof did !== "string") fail(String(did), "not a string");
  if (did.length > 2048) fail(did, "longer than 2048 characters");
  if (!did.startsWith(DID_WEBVH_PREFIX)) fail(did, "does not start with did:webvh:");
  if (/[?#/\s]/.test(did)) fail(did, "contains a path, query, fragment or whitespace");
  const parts = did.slice(DID_WEBVH_PREFIX.length).split(":");
  if (parts.length < 2) fail(did, "must contain an SCID and a domain");
  const [scid, rawDomain, ...rawPath] = parts as [string, string, ...string[]];
  if (!SCID_RE.test(scid) && !(options.allowPlaceholder && scid === SCID_PLACEHOLDER)) {
    fail(did, "the SCID is not 46 base58btc characters");
  }
  if (/%25/.test(rawDomain)) fail(did, "the domain is double percent-encoded");
  let domainPart = rawDomain;
  let port: number | undefined;
  const portMatch = /^(.*)%3[aA](.*)$/.exec(rawDomain);
  if (portMatch) {
    domainPart = portMatch[1]!;
    const rawPort = portMatch[2]!;
    if (!/^[1-9]\d{0,4}$/.test(rawPort) || Number(rawPort) > 65535) fail(did, `bad port ${JSON.stringify(rawPort)}`);
    port = Number(rawPort);
  }
  const domain = decodeSegment(did, domainPart);
  if (domain === "" || /[:/\\@\s%]/.test(domain)) fail(did, `bad domain ${JSON.stringify(domain)}`);
  const host = toAsciiHost(did, domain);
  const path = rawPath.map((segment) => {
    if (segment === "") fail(did, "empty path segment");
    const decoded = decodeSegment(did, segment);
    if (decoded === "." || decoded === "..") fail(did, "dot-segments are not allowed in the path");
    // eslint-disable-next-line no-control-regex
    if (/[/\\\u0000-\u001f\u007f]/.test(decoded)) fail(did, "a path segment decodes to a slash, backslash or control character");
    if (decoded !== decoded.trim()) fail(did, "a path segment has leading or trailing white space");
    return decoded;
  });
  return { did, scid, domain, host, ...(port === undefined ? {} : { port }), path, location: parts.slice(1).join(":") };
}

/** The base URL of the DID's files, without `.well-known` and without a trailing slash. */
export function didBaseUrl(did: string | ParsedDid): string {
  const p = typeof did === "string" ? parseDid(did) : did;
  const scheme = p.host === "localhost" ? "http" : "https";
  const authority = p.port === undefined ? p.host : `${p.host}:${p.port}`;
  const path = p.path.map((s) => encodeURIComponent(s)).join("/");
  return `${scheme}://${authority}${path ? `/${path}` : ""}`;
}

/** The URL of `file` (did.jsonl, did-witness.json, did-anchors.json, ...) of a did:webvh DID. */
export function didToUrl(did: string | ParsedDid, file = "did.jsonl"): string {
  const p = typeof did === "string" ? parseDid(did) : did;
  const base = didBaseUrl(p);
  return p.path.length === 0 ? `${base}/.well-known/${file}` : `${base}/${file}`;
}

/** The DID of a location: `did:webvh:{scid}:{host%3Aport}:{path...}` (for the publisher). */
export function buildDid(scid: string, host: string, path: string | readonly string[] = []): string {
  const segments = (typeof path === "string" ? path.split("/") : [...path]).filter((s) => s !== "");
  const hostPart = host.replace(/:(\d+)$/, "%3A$1");
  const did = [`${DID_WEBVH_PREFIX}${scid}`, hostPart, ...segments.map((s) => encodeURIComponent(s))].join(":");
  parseDid(did, { allowPlaceholder: true });
  return did;
}
