/**
 * did:webvh v1.0 parameters: validation of each entry's `parameters` and the set in effect after it
 * ("did:webvh DID Method Parameters"). Values must have the types the spec gives; `null` is accepted as
 * the spec's note asks ("resolvers SHOULD gracefully accept null") and turned into the default.
 */
import type { LogParameters, WitnessParameter } from "../types.ts";
import { MethodVersionError, ParameterError } from "./errors.ts";
import { multikeyOfDidKey } from "./keys.ts";

export const METHOD_V1_0 = "did:webvh:1.0";
/** The did:webvh versions this implementation processes. */
export const SUPPORTED_METHODS: readonly string[] = [METHOD_V1_0];
export const DEFAULT_TTL = 3600;

/** The parameters in effect after an entry (defaults filled in). */
export interface ActiveParameters {
  method: string;
  scid: string;
  updateKeys: string[];
  nextKeyHashes: string[];
  portable: boolean;
  witness: WitnessParameter | Record<string, never>;
  watchers: string[];
  deactivated: boolean;
  ttl: number;
}

const KNOWN = new Set([
  "method",
  "scid",
  "updateKeys",
  "nextKeyHashes",
  "portable",
  "witness",
  "watchers",
  "deactivated",
  "ttl",
]);

export function isWitnessActive(w: ActiveParameters["witness"]): w is WitnessParameter {
  return "witnesses" in w && Array.isArray(w.witnesses) && w.witnesses.length > 0;
}

interface Where {
  entryIndex: number;
  versionId: string;
}

function stringArray(value: unknown, name: string, where: Where): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ParameterError(`Parameter ${name} must be an array of strings`, where);
  }
  return value as string[];
}

function witnessParameter(value: unknown, where: Where): ActiveParameters["witness"] {
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ParameterError("Parameter witness must be an object", where);
  }
  const w = value as Record<string, unknown>;
  const keys = Object.keys(w);
  if (keys.length === 0) return {};
  for (const key of keys) {
    if (key !== "threshold" && key !== "witnesses") {
      throw new ParameterError("Parameter witness has an unknown property", { ...where, details: key.slice(0, 80) });
    }
  }
  const { threshold, witnesses } = w;
  if (!Array.isArray(witnesses) || witnesses.length === 0) {
    throw new ParameterError("witness.witnesses must be a non-empty array", where);
  }
  if (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < 1 || threshold > witnesses.length) {
    throw new ParameterError("witness.threshold must be an integer between 1 and the number of witnesses", where);
  }
  const seen = new Set<string>();
  for (const item of witnesses) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof item !== "object" || item === null || Array.isArray(item) || typeof id !== "string") {
      throw new ParameterError("Each witness must be an object with an id", where);
    }
    const mk = multikeyOfDidKey(id);
    if (mk === undefined || id.includes("#") || !mk.startsWith("z6Mk")) {
      throw new ParameterError("A witness id must be an Ed25519 did:key DID", { ...where, details: id.slice(0, 120) });
    }
    if (seen.has(id)) throw new ParameterError("Duplicate witness", { ...where, details: id.slice(0, 120) });
    seen.add(id);
  }
  return { threshold, witnesses: witnesses as { id: string }[] };
}

/**
 * Validate `parameters` of entry `where.entryIndex` and return what is in effect after it.
 * `previous` is undefined for the first entry. Throws ParameterError / MethodVersionError.
 */
export function applyParameters(
  previous: ActiveParameters | undefined,
  parameters: LogParameters,
  where: Where,
): ActiveParameters {
  const p = parameters as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!KNOWN.has(key)) {
      throw new ParameterError("Unknown parameter", { ...where, details: JSON.stringify(key).slice(0, 80) });
    }
  }
  const first = previous === undefined;
  const next: ActiveParameters = first
    ? {
        method: "",
        scid: "",
        updateKeys: [],
        nextKeyHashes: [],
        portable: false,
        witness: {},
        watchers: [],
        deactivated: false,
        ttl: DEFAULT_TTL,
      }
    : { ...previous };

  // Object.hasOwn written out, not a helper closure made per entry (see NodeTextHasher in nodeVerify.node.ts).
  // method: MUST appear in the first entry; later, equal or higher; only versions we implement.
  if (Object.hasOwn(p, "method")) {
    const method = p.method;
    if (typeof method !== "string" || !SUPPORTED_METHODS.includes(method)) {
      throw new MethodVersionError("Unsupported did:webvh method version", { ...where, details: String(method).slice(0, 80) });
    }
    if (!first && SUPPORTED_METHODS.indexOf(method) < SUPPORTED_METHODS.indexOf(previous.method)) {
      throw new MethodVersionError("The method version cannot be downgraded", { ...where, details: method });
    }
    next.method = method;
  } else if (first) {
    throw new MethodVersionError("The first entry must name the method version", where);
  }

  // scid: MUST appear in the first entry, MUST NOT appear later.
  if (first) {
    if (typeof p.scid !== "string") throw new ParameterError("The first entry must have the scid parameter", where);
    next.scid = p.scid;
  } else if (Object.hasOwn(p, "scid")) {
    throw new ParameterError("The scid parameter must not appear after the first entry", where);
  }

  // updateKeys: MUST appear in the first entry.
  if (Object.hasOwn(p, "updateKeys")) {
    next.updateKeys = p.updateKeys === null ? [] : stringArray(p.updateKeys, "updateKeys", where);
  } else if (first) {
    throw new ParameterError("The first entry must have the updateKeys parameter", where);
  }

  if (Object.hasOwn(p, "nextKeyHashes")) {
    next.nextKeyHashes = p.nextKeyHashes === null ? [] : stringArray(p.nextKeyHashes, "nextKeyHashes", where);
  }

  // portable: only set to true in the first entry; once false, never true again.
  if (Object.hasOwn(p, "portable")) {
    if (typeof p.portable !== "boolean") throw new ParameterError("Parameter portable must be a boolean", where);
    if (p.portable && !first && !previous.portable) {
      throw new ParameterError("portable can only be set to true in the first entry", where);
    }
    next.portable = p.portable;
  }

  if (Object.hasOwn(p, "witness")) next.witness = witnessParameter(p.witness, where);

  if (Object.hasOwn(p, "watchers")) next.watchers = p.watchers === null ? [] : stringArray(p.watchers, "watchers", where);

  if (Object.hasOwn(p, "deactivated")) {
    if (typeof p.deactivated !== "boolean") throw new ParameterError("Parameter deactivated must be a boolean", where);
    if (!p.deactivated && !first && previous.deactivated) {
      throw new ParameterError("A deactivated DID cannot be reactivated", where);
    }
    next.deactivated = p.deactivated;
  }

  if (Object.hasOwn(p, "ttl")) {
    if (p.ttl === null) next.ttl = DEFAULT_TTL;
    else if (typeof p.ttl !== "number" || !Number.isInteger(p.ttl) || p.ttl < 0 || p.ttl > 2 ** 31) {
      throw new ParameterError("Parameter ttl must be an integer from 0 to 2^31", where);
    } else next.ttl = p.ttl;
  }
  return next;
}
