/**
 * Verify a did:webvh v1.0 log ("Read (Resolve)", steps 1-10): for each entry in order, its form, its
 * versionId (number and entryHash chained to the previous entry), its versionTime, its parameters, the
 * SCID (first entry), its state.id (SCID, location, portability), the keys authorised to sign it
 * (updateKeys, pre-rotation), its Data Integrity proofs and, when the log uses witnesses, a threshold of
 * witness approvals from did-witness.json.
 *
 * Cheap checks run in order on the calling thread; the signatures (the expensive part) of all entries
 * run concurrently (WebCrypto), and the first failure in log order wins. Never throws for bad data:
 * the result carries the valid prefix and the first failure.
 */
import type { DidDocument, LogEntry, LogParameters, WitnessParameter } from "../types.ts";
import { toVerifierError, UnverifiableError, type VerifierError } from "../errors.ts";
import {
  DeactivatedError,
  DidMismatchError,
  EmptyLogError,
  EntryShapeError,
  HashChainError,
  PortabilityError,
  PreRotationError,
  ScidMismatchError,
  SignatureError,
  UnauthorizedKeyError,
  VersionNumberError,
  VersionTimeError,
  WitnessError,
  WitnessProofsMissingError,
} from "./errors.ts";
import { hashText, isSha256Multihash, keyHash, multihashOfDigest, sha256Hasher } from "./hash.ts";
import { canonicalize } from "./jcs.ts";
import { clearKeyCache, multikeyOfDidKey, type Ed25519Verify } from "./keys.ts";
import { entryShapeProblem } from "./log.ts";
import { applyParameters, isWitnessActive, type ActiveParameters } from "./params.ts";
import { clearDecodedKeys, proofFormProblem, verifyProof } from "./proof.ts";
import { isAfter, parseUtcTimeParts, type UtcTime } from "./time.ts";
import { clearParsedDids, parseDid, SCID_PLACEHOLDER, type ParsedDid } from "./url.ts";
import { witnessApprovals, type WitnessProofEntry } from "./witness.ts";

export type { ActiveParameters } from "./params.ts";

export interface VerifiedEntry {
  /** 0-based position in the log. */
  index: number;
  versionNumber: number;
  versionId: string;
  versionTime: string;
  /** The parameters in effect after this entry (defaults filled in). */
  parameters: ActiveParameters;
  /** The DID document of this version, as in the log (no implicit services). */
  state: DidDocument;
  /** The entry as read. */
  entry: LogEntry;
}

export interface VerifyLogOptions {
  /** The DID being resolved: it must be the state.id of at least one valid version. */
  did?: string;
  /** The resolver's "now" (versionTime must not be later). Default: the current time. */
  now?: Date | number | string;
  /** Tolerated clock difference for "not in the future", in ms. Default 0 (the spec's rule). */
  clockSkewMs?: number;
  /** did-witness.json, parsed (see parseWitnessFile). Required when the log uses witnesses. */
  witness?: readonly WitnessProofEntry[] | null;
  /** Ed25519 verification; default WebCrypto with a strict noble fallback (keys.ts verifyEd25519). */
  verifier?: Ed25519Verify;
}

export interface VerifyLogResult {
  /** The DID of the last valid version (its state.id); `options.did` or "" when none is valid. */
  did: string;
  /** The SCID of the log (from its first entry), "" when unreadable. */
  scid: string;
  /** The valid prefix of the log. */
  entries: VerifiedEntry[];
  /** The first failure, naming the entry (index, versionId). Absent when the whole log is valid. */
  error?: VerifierError;
  /** True when the last valid entry has deactivated the DID. */
  deactivated: boolean;
}

interface Where {
  entryIndex: number;
  versionId: string;
}

function versionNumberOf(versionId: string, where: Where, expected: number): { number: number; hash: string } {
  const dash = versionId.indexOf("-");
  if (dash <= 0 || dash !== versionId.lastIndexOf("-")) {
    throw new VersionNumberError("versionId is not <number>-<entryHash>", where);
  }
  const digits = versionId.slice(0, dash);
  if (!/^[1-9]\d{0,8}$/.test(digits)) throw new VersionNumberError("versionId does not start with a version number", where);
  const number = Number(digits);
  if (number !== expected) {
    throw new VersionNumberError("Version number out of sequence", { ...where, details: `expected ${expected}, found ${number}` });
  }
  return { number, hash: versionId.slice(dash + 1) };
}

/** JCS of an entry without its proof, given the canonical parameters and state (keys in JCS order). */
function canonicalEntry(p: string, s: string, versionId: string, versionTime: string): string {
  return entryHead(p, s) + entryTail(versionId, versionTime);
}

/**
 * The canonical entry (without proof) in two parts, split at versionId: JCS puts it after parameters and
 * state, so an entry's hash input and its signed document share the head (verifyLog hashes it once).
 * Module-level functions, not closures made per entry: see NodeTextHasher in nodeVerify.node.ts.
 */
function entryHead(p: string, s: string): string {
  return `{"parameters":${p},"state":${s},"versionId":`;
}

function entryTail(versionId: string, versionTime: string): string {
  return `${canonicalize(versionId)},"versionTime":${canonicalize(versionTime)}}`;
}

/** The entryHash an entry must carry, given its predecessor's versionId (the SCID for the first). */
export function entryHash(entry: Omit<LogEntry, "proof">, previousVersionId: string): string {
  return hashText(
    canonicalEntry(canonicalize(entry.parameters), canonicalize(entry.state), previousVersionId, entry.versionTime),
  );
}

/** Long key lists as Sets, once per list (entries share the list object until one changes it). */
const keySets = new WeakMap<readonly string[], Set<string>>();

/**
 * Whether `key` is in `keys`. A hostile log can pair thousands of proofs in one entry with thousands of
 * update keys in the one before: a list longer than a few keys is looked up in a Set.
 */
function isAuthorised(keys: readonly string[], key: string): boolean {
  if (keys.length <= 16) return keys.includes(key);
  let set = keySets.get(keys);
  if (!set) keySets.set(keys, (set = new Set(keys)));
  return set.has(key);
}

/** Whether any property name in `value` contains `needle`. */
function keysContain(value: unknown, needle: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => keysContain(v, needle));
  for (const key of Object.keys(value)) {
    if (key.includes(needle) || keysContain((value as Record<string, unknown>)[key], needle)) return true;
  }
  return false;
}

/** The SCID of a first entry as published (SCID filled in): the spec's "Verify SCID" steps 4-7. */
export function scidOfFirstEntry(entry: Omit<LogEntry, "proof">, scid: string, p?: string, s?: string): string {
  const text = canonicalEntry(p ?? canonicalize(entry.parameters), s ?? canonicalize(entry.state), SCID_PLACEHOLDER, entry.versionTime);
  // "Treat the resulting log entry as a string and do a text replacement of the scid value with {SCID}".
  // The result is still canonical unless a property name contained the SCID (the replacement can then
  // change the key order): only then re-canonicalise.
  const replaced = text.replaceAll(scid, SCID_PLACEHOLDER);
  const rekeyed = keysContain(entry.parameters, scid) || keysContain(entry.state, scid);
  return hashText(rekeyed ? canonicalize(JSON.parse(replaced)) : replaced);
}

/** Empty the caches of parsed DIDs, decoded and imported keys: what a first verification pays. */
export function clearCaches(): void {
  clearKeyCache();
  clearDecodedKeys();
  clearParsedDids();
}

function nowMs(now: VerifyLogOptions["now"]): number {
  if (now === undefined) return Date.now();
  const ms = now instanceof Date ? now.getTime() : typeof now === "number" ? now : Date.parse(now);
  return Number.isNaN(ms) ? Date.now() : ms;
}

interface SignatureCheck {
  index: number;
  where: Where;
  result: Promise<string | undefined>;
}

/** Verify a did:webvh log. Never throws for bad data. */
export async function verifyLog(entries: readonly LogEntry[], options: VerifyLogOptions = {}): Promise<VerifyLogResult> {
  const now = nowMs(options.now) + (options.clockSkewMs ?? 0);
  const verified: VerifiedEntry[] = [];
  const signatures: SignatureCheck[] = [];
  const witnessedBy: (WitnessParameter | undefined)[] = [];
  let error: VerifierError | undefined;
  let scid = "";
  let active: ActiveParameters | undefined;
  let previousVersionId = "";
  let previousTime: UtcTime | undefined;
  let previousDid = "";

  if (entries.length === 0) error = new EmptyLogError("The log has no entries");

  for (let i = 0; i < entries.length && !error; i++) {
    const entry = entries[i]!;
    const where: Where = { entryIndex: i, versionId: typeof entry?.versionId === "string" ? entry.versionId.slice(0, 120) : "" };
    try {
      const shape = entryShapeProblem(entry);
      if (shape) throw new EntryShapeError("Not a log entry", { ...where, details: shape });
      if (active?.deactivated) throw new DeactivatedError("The DID was deactivated; no entry may follow", where);

      // (An entryHash that is not a sha2-256 multihash cannot equal the one computed below.)
      const { number, hash } = versionNumberOf(entry.versionId, where, i + 1);

      const time = parseUtcTimeParts(entry.versionTime);
      if (time === undefined) throw new VersionTimeError("versionTime is not a UTC ISO 8601 date-time", where);
      if (previousTime && !isAfter(time, previousTime)) throw new VersionTimeError("versionTime is not after the previous entry's", where);
      if (time.ms > now) throw new VersionTimeError("versionTime is in the future", { ...where, details: entry.versionTime });

      const first = active === undefined;
      const before = active;
      const next = applyParameters(active, entry.parameters as LogParameters, where);

      let did: ParsedDid;
      try {
        did = parseDid(entry.state.id);
      } catch (e) {
        throw new DidMismatchError("state.id is not a valid did:webvh DID", { ...where, details: (e as Error).message, cause: e });
      }
      if (did.scid !== next.scid) {
        throw new ScidMismatchError("state.id does not carry the log's SCID", { ...where, details: entry.state.id });
      }

      let p: string;
      let s: string;
      try {
        p = canonicalize(entry.parameters);
        s = canonicalize(entry.state);
      } catch (e) {
        throw new EntryShapeError("The entry cannot be canonicalized (JCS)", { ...where, details: (e as Error).message });
      }

      if (first) {
        if (!isSha256Multihash(next.scid)) throw new ScidMismatchError("The SCID is not a base58btc sha2-256 multihash", where);
        if (scidOfFirstEntry(entry, next.scid, p, s) !== next.scid) {
          throw new ScidMismatchError("The SCID is not the hash of the first entry", where);
        }
        scid = next.scid;
      } else if (did.location !== parseDid(previousDid).location) {
        // DID Portability: only when portable, and naming the prior DID in alsoKnownAs.
        if (!before!.portable) throw new PortabilityError("The DID moved but is not portable", { ...where, details: entry.state.id });
        const aka = entry.state.alsoKnownAs;
        if (!Array.isArray(aka) || !aka.includes(previousDid)) {
          throw new PortabilityError("A moved DID must list its prior DID in alsoKnownAs", where);
        }
      }

      // The entry hash input and the signed document differ only in versionId: the head once, two tails.
      const prefix = sha256Hasher().update(entryHead(p, s));
      const computed = multihashOfDigest(prefix.clone().update(entryTail(first ? next.scid : previousVersionId, entry.versionTime)).digest());
      if (computed !== hash) throw new HashChainError("entryHash does not match the entry", { ...where, details: `computed ${computed}` });

      // Authorised keys: the entry's own updateKeys for the first entry and under pre-rotation,
      // otherwise those of the previous entry.
      let authorised: string[];
      if (first) authorised = next.updateKeys;
      else if (before!.nextKeyHashes.length > 0) {
        const params = entry.parameters as Record<string, unknown>;
        if (!Object.hasOwn(params, "updateKeys")) {
          throw new PreRotationError("Pre-rotation is active: the entry must have updateKeys", where);
        }
        if (!Object.hasOwn(params, "nextKeyHashes")) {
          throw new PreRotationError("Pre-rotation is active: the entry must have nextKeyHashes", where);
        }
        // A Set: a hostile entry can list tens of thousands of keys against as many hashes.
        const committed = new Set(before!.nextKeyHashes);
        for (const key of next.updateKeys) {
          if (!committed.has(keyHash(key))) {
            throw new PreRotationError("An updateKeys key was not committed to in the previous nextKeyHashes", { ...where, details: key.slice(0, 80) });
          }
        }
        authorised = next.updateKeys;
      } else authorised = before!.updateKeys;

      const documentHash = { sha256: prefix.update(entryTail(entry.versionId, entry.versionTime)).digest() };
      for (const proof of entry.proof) {
        const form = proofFormProblem(proof);
        if (form) throw new SignatureError("Malformed proof", { ...where, details: form });
        const key = multikeyOfDidKey(proof.verificationMethod)!;
        if (!isAuthorised(authorised, key)) {
          throw new UnauthorizedKeyError("The proof's key is not an active update key", { ...where, details: key.slice(0, 80) });
        }
        signatures.push({ index: i, where, result: verifyProof(proof, documentHash, "assertionMethod", options.verifier) });
      }

      // Witnessing: the witnesses active before the entry govern it; a change from {} to a list takes
      // effect at once (the entry that turns witnessing on is witnessed by its new list).
      const beforeWitness = before?.witness ?? {};
      witnessedBy.push(
        isWitnessActive(beforeWitness) ? beforeWitness : isWitnessActive(next.witness) ? next.witness : undefined,
      );

      verified.push({
        index: i,
        versionNumber: number,
        versionId: entry.versionId,
        versionTime: entry.versionTime,
        parameters: next,
        state: entry.state,
        entry,
      });
      active = next;
      previousVersionId = entry.versionId;
      previousTime = time;
      previousDid = entry.state.id;
    } catch (e) {
      error = toVerifierError(e);
    }
  }

  // Signatures: the first failure in log order truncates the valid prefix.
  // A signature that could not be checked at all (UnverifiableError) ends the prefix too, as unverifiable.
  const results = await Promise.all(signatures.map((c) => c.result.catch((e: unknown) => (e instanceof UnverifiableError ? e : String(e)))));
  for (let k = 0; k < signatures.length; k++) {
    const problem = results[k];
    if (problem !== undefined && signatures[k]!.index < verified.length) {
      const { index, where } = signatures[k]!;
      verified.length = index;
      error = typeof problem === "string" ? new SignatureError("Invalid proof", { ...where, details: problem }) : problem;
      break;
    }
  }

  // Witnesses: each witnessed entry needs a threshold of its witnesses approving it or a later entry.
  const needing = witnessedBy.slice(0, verified.length);
  const firstNeeding = needing.findIndex((w) => w !== undefined);
  if (firstNeeding !== -1) {
    if (!options.witness) {
      const at = verified[firstNeeding]!;
      verified.length = firstNeeding;
      error = new WitnessProofsMissingError("The log uses witnesses but did-witness.json was not supplied", {
        entryIndex: at.index,
        versionId: at.versionId,
      });
    } else {
      // Each distinct witness list once: entries share their list object until one changes it, and a
      // hostile log can pair thousands of witnesses with thousands of entries (17,000 x 10,000 within
      // the size limits took 17 s entry by entry).
      const lists = new Set<WitnessParameter>();
      for (const w of needing) if (w) lists.add(w);
      const ids = new Set<string>();
      for (const w of lists) for (const x of w.witnesses) ids.add(x.id);
      let approvals: Map<string, number> | undefined;
      try {
        approvals = await witnessApprovals(options.witness, verified.map((v) => v.versionId), ids, options.verifier);
      } catch (e) {
        if (e instanceof UnverifiableError) {
          // No verifier could run: the witnessed entries are unproven, not bad.
          verified.length = firstNeeding;
          error = e;
        } else {
          approvals = new Map();
          error = new WitnessError("did-witness.json could not be checked", { details: (e as Error).message });
        }
      }
      // Per list, its witnesses' latest approved entries, highest first: entry i has its threshold of
      // approvals when the threshold-th highest is at least i.
      const ranked = new Map<WitnessParameter, number[]>();
      if (approvals) for (const w of lists) ranked.set(w, w.witnesses.map((x) => approvals.get(x.id) ?? -1).sort((a, b) => b - a));
      for (let i = 0; approvals && i < needing.length; i++) {
        const w = needing[i];
        if (!w) continue;
        const latest = ranked.get(w)!;
        if ((latest[w.threshold - 1] ?? -1) < i) {
          const count = latest.filter((n) => n >= i).length;
          const at = verified[i]!;
          verified.length = i;
          error = new WitnessError("Witness threshold not met", {
            entryIndex: at.index,
            versionId: at.versionId,
            details: `${count} of ${w.threshold} required approvals`,
          });
          break;
        }
      }
    }
  }

  // The DID being resolved must be the id of at least one valid version.
  if (options.did !== undefined && verified.length > 0 && !verified.some((v) => v.state.id === options.did)) {
    return {
      did: options.did,
      scid,
      entries: [],
      error: new DidMismatchError("The DID is not the id of any valid version of the log", { details: options.did }),
      deactivated: false,
    };
  }

  const last = verified[verified.length - 1];
  return {
    did: last?.state.id ?? options.did ?? "",
    scid,
    entries: verified,
    ...(error ? { error } : {}),
    deactivated: last?.parameters.deactivated ?? false,
  };
}
