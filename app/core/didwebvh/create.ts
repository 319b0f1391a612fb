/**
 * Create and update did:webvh v1.0 logs ("Create (Register)" and "Update (Rotate)"): what the publisher
 * signs with. Deterministic given the same inputs (versionTime settable; the proof's `created` is the
 * entry's versionTime).
 */
import type { DidDocument, LogEntry, LogParameters } from "../types.ts";
import { DeactivatedError, EntryShapeError, UnauthorizedKeyError, VersionTimeError } from "./errors.ts";
import { hashText, keyHash } from "./hash.ts";
import { canonicalize } from "./jcs.ts";
import type { Signer } from "./keys.ts";
import { protoKeyProblem } from "./log.ts";
import { applyParameters, METHOD_V1_0, type ActiveParameters } from "./params.ts";
import { createProof } from "./proof.ts";
import { formatUtcTime, isAfter, parseUtcTime, parseUtcTimeParts } from "./time.ts";
import { buildDid, SCID_PLACEHOLDER } from "./url.ts";
import { entryHash } from "./verify.ts";

export interface CreateLogOptions {
  /** `example.com`, `localhost:8787` (a port becomes `%3A8787` in the DID). */
  host: string;
  /** Path segments, as `a/b` or `["a", "b"]`; none: the DID lives at /.well-known/. */
  path?: string | readonly string[];
  signer: Signer;
  /**
   * The first DID document, given the DID with the literal `{SCID}` placeholder in place of the SCID;
   * use the placeholder wherever the DID appears. `id` defaults to that DID.
   */
  document: (did: string) => Omit<DidDocument, "id"> & { id?: string };
  /** Parameters of the first entry; `method`, `scid` and `updateKeys` ([signer's key]) are filled in. */
  parameters?: Omit<LogParameters, "scid">;
  /** Default: now. The proof's `created` is the same time. */
  versionTime?: Date | string | number;
}

export interface CreateLogResult {
  did: string;
  scid: string;
  log: LogEntry[];
}

function timeString(value: Date | string | number | undefined, fallback: () => string): string {
  if (value === undefined) return fallback();
  if (typeof value === "string" && parseUtcTime(value) !== undefined) return value;
  return formatUtcTime(value);
}

function assertSignerAuthorised(signer: Signer, keys: readonly string[], versionId: string, entryIndex: number): void {
  if (!keys.includes(signer.publicKeyMultibase)) {
    throw new UnauthorizedKeyError("The signer's key is not an active update key", {
      entryIndex,
      versionId,
      details: signer.publicKeyMultibase,
    });
  }
}

/**
 * The publisher never signs an entry that parseLog (and so every verifier of ours) refuses: a `__proto__`
 * key anywhere, or nesting deeper than canonicalisation allows.
 */
function assertReadable(body: object, entryIndex: number): void {
  const problem = protoKeyProblem(body);
  if (problem) throw new EntryShapeError(problem.replace("A log line", "The entry"), { entryIndex });
}

/** A new DID and its first log entry. */
export async function createLog(options: CreateLogOptions): Promise<CreateLogResult> {
  const placeholderDid = buildDid(SCID_PLACEHOLDER, options.host, options.path ?? []);
  const doc = options.document(placeholderDid);
  const state = { ...doc, id: doc.id ?? placeholderDid } as DidDocument;
  const parameters: LogParameters = {
    method: METHOD_V1_0,
    scid: SCID_PLACEHOLDER,
    updateKeys: [options.signer.publicKeyMultibase],
    ...options.parameters,
  };
  const versionTime = timeString(options.versionTime, () => formatUtcTime(Date.now()));
  assertReadable({ parameters, state }, 0);
  applyParameters(undefined, { ...parameters, scid: "x" }, { entryIndex: 0, versionId: "" });
  assertSignerAuthorised(options.signer, parameters.updateKeys ?? [], "", 0);

  // SCID = hash of the preliminary entry (versionId "{SCID}", placeholders everywhere), then the
  // placeholder is replaced throughout by the SCID.
  const preliminary = { versionId: SCID_PLACEHOLDER, versionTime, parameters, state };
  const canonical = canonicalize(preliminary);
  const scid = hashText(canonical);
  const filled = JSON.parse(canonical.replaceAll(SCID_PLACEHOLDER, scid)) as Omit<LogEntry, "proof">;
  const versionId = `1-${entryHash(filled, scid)}`;
  const unsigned = { versionId, versionTime, parameters: filled.parameters, state: filled.state };
  const proof = await createProof(unsigned, options.signer, { created: versionTime });
  return { did: filled.state.id, scid, log: [{ ...unsigned, proof: [proof] }] };
}

export interface AppendEntryOptions {
  signer: Signer;
  /** The next DID document from the previous one (a copy: mutate freely). `id` defaults to the previous id. */
  document: (previous: DidDocument) => Omit<DidDocument, "id"> & { id?: string };
  /** Only what changes; `{}` when nothing does. */
  parameters?: LogParameters;
  /** Default: now (to the second; to the millisecond when the previous entry is from this second). */
  versionTime?: Date | string | number;
}

/** The parameters in effect after the last entry of a log (no signature checks: for the publisher). */
export function activeParameters(log: readonly LogEntry[]): ActiveParameters {
  let active: ActiveParameters | undefined;
  log.forEach((entry, i) => {
    active = applyParameters(active, entry.parameters, { entryIndex: i, versionId: entry.versionId });
  });
  if (!active) throw new RangeError("The log is empty");
  return active;
}

/** The next signed entry of `log` (the log itself is not modified). */
export async function appendEntry(log: readonly LogEntry[], options: AppendEntryOptions): Promise<LogEntry> {
  const last = log[log.length - 1];
  if (!last) throw new RangeError("The log is empty");
  const before = activeParameters(log);
  const index = log.length;
  if (before.deactivated) throw new DeactivatedError("The DID is deactivated", { entryIndex: index });
  const lastTime = parseUtcTime(last.versionTime) ?? 0;
  // Default: now, to the second; when the previous entry is from this same second, one millisecond
  // after it (never a time in the future, which resolvers reject).
  const versionTime = timeString(options.versionTime, () => {
    const now = formatUtcTime(Date.now());
    return parseUtcTime(now)! > lastTime ? now : new Date(lastTime + 1).toISOString();
  });
  const time = parseUtcTimeParts(versionTime);
  const lastParts = parseUtcTimeParts(last.versionTime);
  if (time === undefined || (lastParts && !isAfter(time, lastParts))) {
    throw new VersionTimeError("versionTime must be after the previous entry's", { entryIndex: index, details: versionTime });
  }
  const parameters = options.parameters ?? {};
  const after = applyParameters(before, parameters, { entryIndex: index, versionId: "" });
  if (before.nextKeyHashes.length > 0) {
    for (const key of after.updateKeys) {
      if (!before.nextKeyHashes.includes(keyHash(key))) {
        throw new UnauthorizedKeyError("Pre-rotation: a new update key was not committed to", { entryIndex: index, details: key });
      }
    }
  }
  const authorised = before.nextKeyHashes.length > 0 ? after.updateKeys : before.updateKeys;
  assertSignerAuthorised(options.signer, authorised, "", index);

  const previous = structuredClone(last.state);
  const doc = options.document(previous);
  const state = { ...doc, id: doc.id ?? last.state.id } as DidDocument;
  const body = { versionTime, parameters, state };
  assertReadable(body, index);
  const versionId = `${index + 1}-${entryHash({ versionId: last.versionId, ...body }, last.versionId)}`;
  const unsigned = { versionId, ...body };
  const proof = await createProof(unsigned, options.signer, { created: versionTime });
  return { ...unsigned, proof: [proof] };
}
