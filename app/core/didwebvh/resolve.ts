/**
 * did:webvh v1.0 resolution to a W3C DID Resolution Result: the DID document of the requested (or
 * latest) version with the implicit `#files` and `#whois` services, did:webvh's DID document metadata,
 * and resolution metadata with `error: invalidDid | notFound` and an RFC 9457 problem-details reason.
 */
import type { DidDocument, ServiceEntry, WitnessParameter } from "../types.ts";
import { toVerifierError } from "../errors.ts";
import { InvalidDidError } from "./errors.ts";
import { parseLog, type LogLimits } from "./log.ts";
import { isWitnessActive } from "./params.ts";
import { parseUtcTime } from "./time.ts";
import { didBaseUrl, parseDid } from "./url.ts";
import { verifyLog, type VerifiedEntry, type VerifyLogResult } from "./verify.ts";
import { parseWitnessFile, type WitnessProofEntry } from "./witness.ts";

export const DID_RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1";
export const LINKED_VP_CONTEXT = "https://identity.foundation/linked-vp/contexts/v1";

export type ResolutionErrorCode = "invalidDid" | "notFound";

export interface ProblemDetails {
  type: string;
  title: string;
  detail: string;
}

export interface DidResolutionMetadata {
  contentType?: string;
  error?: ResolutionErrorCode;
  problemDetails?: ProblemDetails;
  /** The typed error's `name` (LogParseError, SignatureError, ...), for programs. */
  errorName?: string;
}

export interface DidDocumentMetadata {
  versionId: string;
  versionNumber: number;
  versionTime: string;
  created: string;
  updated: string;
  scid: string;
  portable: boolean;
  deactivated: boolean;
  /** DID Resolution metadata carries no numbers: the spec makes ttl and threshold strings. */
  ttl: string;
  witness: { threshold: string; witnesses: { id: string }[] } | Record<string, never>;
  watchers: string[];
  updateKeys: string[];
  nextKeyHashes: string[];
  /** The versionId of the next version, when a later valid version exists. */
  nextVersionId?: string;
}

export interface DidResolutionResult {
  "@context": typeof DID_RESOLUTION_CONTEXT;
  didDocument: DidDocument | null;
  didDocumentMetadata: DidDocumentMetadata | Record<string, never>;
  didResolutionMetadata: DidResolutionMetadata;
}

export interface ResolveOptions {
  versionId?: string;
  versionNumber?: number;
  /** ISO 8601: the version active at that time. */
  versionTime?: string | Date;
  /** did-witness.json (text or parsed); null or absent when not published. */
  witness?: string | readonly WitnessProofEntry[] | null;
  now?: Date | number | string;
  clockSkewMs?: number;
  limits?: LogLimits;
}

const PROBLEM_INVALID = "https://w3id.org/security#INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID";
const PROBLEM_NOT_FOUND = "https://w3id.org/security#NOT_FOUND";

/** A failed resolution: no document, `error` and its problem details. */
export function resolutionFailure(error: ResolutionErrorCode, detail: string, errorName?: string): DidResolutionResult {
  return {
    "@context": DID_RESOLUTION_CONTEXT,
    didDocument: null,
    didDocumentMetadata: {},
    didResolutionMetadata: {
      error,
      problemDetails: {
        type: error === "invalidDid" ? PROBLEM_INVALID : PROBLEM_NOT_FOUND,
        title: error === "invalidDid" ? "The resolved DID is invalid." : "The requested DID or DID version was not found.",
        detail,
      },
      ...(errorName ? { errorName } : {}),
    },
  };
}

// Anything not one of the core's typed errors (a bug, a runtime limit) is an UnexpectedError, never invalidDid.
const fromError = (caught: unknown): DidResolutionResult => {
  const error = toVerifierError(caught);
  return resolutionFailure(error.verdict === "invalid" ? "invalidDid" : "notFound", error.message, error.name);
};

/** The DID document of a version as resolved: the state plus the implicit #files and #whois services. */
export function resolvedDocument(state: DidDocument): DidDocument {
  const doc = structuredClone(state);
  const services: ServiceEntry[] = Array.isArray(doc.service) ? doc.service : [];
  const has = (fragment: string) => services.some((s) => s?.id === `#${fragment}` || s?.id === `${doc.id}#${fragment}`);
  const base = didBaseUrl(doc.id);
  if (!has("files")) services.push({ id: "#files", type: "relativeRef", serviceEndpoint: base });
  if (!has("whois")) {
    services.push({ "@context": LINKED_VP_CONTEXT, id: "#whois", type: "LinkedVerifiablePresentation", serviceEndpoint: `${base}/whois.vp` });
  }
  doc.service = services;
  return doc;
}

function metadataOf(result: VerifyLogResult, entry: VerifiedEntry): DidDocumentMetadata {
  const p = entry.parameters;
  const next = result.entries[entry.index + 1];
  const witness = p.witness as WitnessParameter | Record<string, never>;
  return {
    versionId: entry.versionId,
    versionNumber: entry.versionNumber,
    versionTime: entry.versionTime,
    created: result.entries[0]!.versionTime,
    updated: result.entries[result.entries.length - 1]!.versionTime,
    scid: result.scid,
    portable: p.portable,
    deactivated: p.deactivated,
    ttl: String(p.ttl),
    witness: isWitnessActive(witness) ? { threshold: String(witness.threshold), witnesses: witness.witnesses } : {},
    watchers: p.watchers,
    updateKeys: p.updateKeys,
    nextKeyHashes: p.nextKeyHashes,
    ...(next ? { nextVersionId: next.versionId } : {}),
  };
}

/**
 * Resolve `did` from the text of its did.jsonl (`null` when the log was not found). Never throws for
 * bad data: failures are `didResolutionMetadata.error`.
 */
export async function resolveDid(did: string, logText: string | null, options: ResolveOptions = {}): Promise<DidResolutionResult> {
  try {
    parseDid(did);
  } catch (error) {
    return fromError(error);
  }
  if (logText === null) return resolutionFailure("notFound", `No DID log was found for ${did}`);
  let witness: readonly WitnessProofEntry[] | null = null;
  let result: VerifyLogResult;
  let entries;
  try {
    entries = parseLog(logText, options.limits);
    if (options.witness !== undefined && options.witness !== null) {
      witness = typeof options.witness === "string" ? parseWitnessFile(options.witness) : options.witness;
    }
  } catch (error) {
    return fromError(error);
  }
  result = await verifyLog(entries, {
    did,
    witness,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
  });
  const valid = result.entries;
  const selector = options.versionId !== undefined || options.versionNumber !== undefined || options.versionTime !== undefined;

  if (!selector) {
    if (result.error || valid.length === 0) return fromError(result.error!);
    const last = valid[valid.length - 1]!;
    return success(result, last);
  }
  if (valid.length === 0) return fromError(result.error!);

  let chosen: VerifiedEntry | undefined;
  let existsButInvalid = false;
  if (options.versionId !== undefined) {
    chosen = valid.find((e) => e.versionId === options.versionId);
    existsButInvalid = !chosen && entries.slice(valid.length).some((e) => e?.versionId === options.versionId);
  } else if (options.versionNumber !== undefined) {
    chosen = valid.find((e) => e.versionNumber === options.versionNumber);
    existsButInvalid = !chosen && options.versionNumber > valid.length && options.versionNumber <= entries.length;
  } else {
    const t = options.versionTime instanceof Date ? options.versionTime.getTime() : parseUtcTime(options.versionTime!) ?? Date.parse(options.versionTime!);
    if (Number.isNaN(t)) return resolutionFailure("invalidDid", `versionTime ${String(options.versionTime)} is not a date-time`);
    for (const e of valid) if ((parseUtcTime(e.versionTime) ?? Infinity) <= t) chosen = e;
    // The version active at t is an invalid one when the entry after the valid prefix had begun.
    const after = entries[valid.length];
    if (chosen && chosen === valid[valid.length - 1] && result.error && after) {
      const at = typeof after.versionTime === "string" ? parseUtcTime(after.versionTime) : undefined;
      if (at === undefined || at <= t) existsButInvalid = true;
    }
    if (existsButInvalid) chosen = undefined;
  }
  if (chosen) return success(result, chosen);
  if (existsButInvalid && result.error) return fromError(result.error);
  return resolutionFailure("notFound", "The requested version is not in the DID log");
}

function success(result: VerifyLogResult, entry: VerifiedEntry): DidResolutionResult {
  return {
    "@context": DID_RESOLUTION_CONTEXT,
    didDocument: resolvedDocument(entry.state),
    didDocumentMetadata: metadataOf(result, entry),
    didResolutionMetadata: { contentType: "application/did+ld+json" },
  };
}

/**
 * DID URL path resolution ("DID URL Resolution"): the HTTPS URL a did:webvh DID URL with a path points
 * at, given the resolved document. `/whois` uses the `#whois` service (`.../whois.vp` unless the DIDDoc
 * overrides it); any other path is appended to the `#files` service's endpoint (the DID's base URL,
 * without `.well-known`, unless overridden). Throws InvalidDidError for a DID URL without a path, a
 * dot-segment (or a backslash, space or control character, which URL parsing could turn into one), or a
 * service endpoint that is not HTTP(S).
 */
export function didUrlPathToHttps(didUrl: string, document: DidDocument): string {
  const slash = didUrl.indexOf("/");
  const end = didUrl.search(/[?#]/);
  if (slash === -1 || (end !== -1 && end < slash)) {
    throw new InvalidDidError("Not a DID URL with a path", { details: didUrl.slice(0, 200) });
  }
  const path = didUrl.slice(slash, end === -1 ? undefined : end);
  const did = didUrl.slice(0, slash);
  parseDid(did);
  // A URL parser reads "\" as "/" and drops tabs and newlines, so "..\" or ".<tab>." would become a
  // dot-segment after this check: such characters (and spaces and other controls) are refused first.
  if (/[\\\u0000-\u0020\u007f]/.test(path)) {
    throw new InvalidDidError("A DID URL path may not contain backslashes, spaces or control characters", { details: JSON.stringify(path.slice(0, 200)) });
  }
  if (path.split("/").some((s) => s === "." || s === ".." || /^%2e%2e?$/i.test(s) || /^\.%2e$|^%2e\.$/i.test(s))) {
    throw new InvalidDidError("Dot-segments are not allowed in a DID URL path", { details: path });
  }
  const doc = resolvedDocument(document);
  const service = (fragment: string) =>
    doc.service!.find((s) => s.id === `#${fragment}` || s.id === `${doc.id}#${fragment}`)?.serviceEndpoint;
  const endpoint = path === "/whois" ? service("whois") : service("files");
  if (typeof endpoint !== "string" || !/^https?:\/\//.test(endpoint)) {
    throw new InvalidDidError("The service endpoint is not an HTTP(S) URL", { details: String(endpoint).slice(0, 200) });
  }
  return path === "/whois" ? endpoint : `${endpoint.replace(/\/$/, "")}${path}`;
}
