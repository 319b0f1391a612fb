/**
 * One DID, from its files and the chain to a verdict per log entry and for the DID:
 *
 * 1. fetch did.jsonl and did-anchors.json (concurrently), did-witness.json when the log uses witnesses;
 * 2. did:webvh v1.0 verification of the log (verifyLog): the valid prefix and the first failure;
 * 3. per valid entry with a proof in did-anchors.json: the anchoring declaration in that entry's own
 *    state governs; leaf = keccak256(keccak256(abi.encode(state.id, versionId))) must be the file's leaf;
 *    the path from it must reach the claimed root; chain and registry must be the declared ones (and,
 *    when the caller pins registries, a trusted one); the anchorer must be a declared one (and, when the
 *    caller pins anchorers, a trusted one); and the registry must hold (anchorer, root). Then the entry
 *    is verified, at the block time the chain recorded. With registries pinned, an entry whose own
 *    declaration names an untrusted registry is invalid even without a proof.
 * 4. an entry without a proof of its own is verified "via entry m" when a later entry m of the same valid
 *    log is verified-anchored (m's versionId commits to the whole chain before it); otherwise pending.
 *
 * Entries from the first invalid one on are invalid. Chain or host failures make a result unverifiable,
 * never invalid; nothing is verified unless every check ran. Never throws.
 */
import type { AnchorRecord, DidDocument, DidVerdict, EntryVerdict, Hex, LogEntry, PendingReason, Verdict } from "../types.ts";
import { VERDICT_SEVERITY, worstVerdict } from "../types.ts";
import { toVerifierError, type SerializedError, type VerifierError } from "../errors.ts";
import { parseLog, type LogLimits } from "../didwebvh/log.ts";
import { didToUrl } from "../didwebvh/url.ts";
import { verifyLog, type VerifiedEntry } from "../didwebvh/verify.ts";
import { parseWitnessFile, type WitnessProofEntry } from "../didwebvh/witness.ts";
import type { Ed25519Verify } from "../didwebvh/keys.ts";
import { DidMismatchError } from "../didwebvh/errors.ts";
import { parseAnchorsFile } from "../anchors/file.ts";
import { leafHash } from "../anchors/leaf.ts";
import { processProof } from "../anchors/path.ts";
import type { ChainReader } from "../anchors/registry.ts";
import {
  AnchorDeclarationMismatchError,
  ProofMismatchError,
  LeafMismatchError,
  RootNotAnchoredError,
  UnauthorizedAnchorerError,
  UntrustedAnchorerError,
} from "../anchors/errors.ts";
import type { FileSource } from "../fetch/source.ts";
import { LogNotFoundError, UntrustedRegistryError } from "./errors.ts";
import { anchoringDeclaration, newEvent } from "./document.ts";
import type { AnchorsFile, EntryAnchorProof } from "../types.ts";

export interface VerifyDidOptions {
  source: FileSource;
  chain: ChainReader;
  /** The verifier's "now" (versionTime must not be later). Default: the current time. */
  now?: Date | number | string;
  /** Limits for did.jsonl (bytes, line length, entries). */
  logLimits?: LogLimits;
  /**
   * How far a versionTime may be ahead of `now` (ms). Default DEFAULT_CLOCK_SKEW_MS: a phone whose clock
   * runs a little behind must not call a just-published entry invalid. 0 applies the spec's rule exactly.
   */
  clockSkewMs?: number;
  /**
   * Called once the log is verified, before the anchors are checked against the chain, with the newest
   * valid document: a caller may start on what it names (verifyProduct starts the components).
   */
  onDocument?: (document: DidDocument) => void;
  /**
   * Ed25519 verification (default: WebCrypto with the strict noble fallback). The command line's worker
   * threads pass node:crypto's synchronous verify: each thread already has a core of its own.
   */
  verifier?: Ed25519Verify;
  /**
   * The anchoring accounts the caller trusts (a deployment's manufacturers). When given and not empty, a
   * root anchored by any other account proves nothing, whatever the passport declares: the proof fails
   * with UntrustedAnchorerError. Without it, any anchorer the passport's own document authorises counts,
   * and the host that serves the passport (its domain) is what vouches for it.
   */
  trustedAnchorers?: readonly string[];
  /**
   * The AnchorRegistry contracts the caller trusts, per chain id (a deployment's own registry). A chain
   * given a non-empty list is pinned: a proof naming any other registry on it, or an entry whose own
   * anchoring declaration does, is invalid (UntrustedRegistryError), whatever the passport declares and
   * whoever it names as anchorer; that registry is never read. Without it, the registry the passport's
   * own document declares is believed, and anyone can deploy one that answers "anchored" for anything:
   * then trustedAnchorers alone proves nothing. A chain without a list is not pinned, so pin every chain
   * the `chain` reader can read (the app reads one chain; `audit` pins each chain its endpoints serve).
   */
  trustedRegistries?: Readonly<Record<number, readonly string[]>>;
}

/** What the caller pins (VerifyDidOptions.trustedAnchorers and trustedRegistries). */
interface Pins {
  anchorers?: readonly string[] | undefined;
  registries?: Readonly<Record<number, readonly string[]>> | undefined;
}

/**
 * UntrustedRegistryError when `chainId` is pinned (its list is not empty) and `registry` is not on its
 * list; undefined when trusted or not pinned.
 */
function untrustedRegistry(
  where: { entryIndex: number; versionId: string },
  chainId: number,
  registry: string,
  pins: Pins,
): UntrustedRegistryError | undefined {
  const list = Object.hasOwn(pins.registries ?? {}, chainId) ? pins.registries![chainId] : undefined;
  if (!list || list.length === 0 || list.some((r) => lower(r) === lower(registry))) return undefined;
  return new UntrustedRegistryError({ ...where, details: `${registry} on chain ${chainId} is not among the trusted registries ${list.join(", ")}` });
}

/** Five minutes, as the reference library tolerates. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

type ProofOutcome =
  | { status: "verified"; anchor: NonNullable<EntryVerdict["anchor"]> }
  | { status: "failed"; error: VerifierError; anchor?: NonNullable<EntryVerdict["anchor"]> };

const lower = (h: string) => h.toLowerCase();

function pendingReason(index: number, versionId: string): PendingReason {
  const where = ` (entry ${index + 1} ${versionId})`;
  return {
    name: "NotAnchoredError",
    verdict: "pending",
    shortMessage: "Not anchored yet",
    message: `Not anchored yet${where}`,
    entryIndex: index,
    versionId,
  };
}

function witnessInUse(entries: readonly LogEntry[]): boolean {
  return entries.some((e) => {
    const w = (e.parameters as { witness?: { witnesses?: unknown } } | undefined)?.witness;
    return typeof w === "object" && w !== null && Array.isArray(w.witnesses) && w.witnesses.length > 0;
  });
}

/**
 * The checks for one proof of one entry that need no chain read (leaf, path, declaration, trusted
 * registry, anchorer, trusted anchorer), in the order their errors are reported. `error` when one fails.
 */
function checkLocally(
  where: { entryIndex: number; versionId: string },
  state: DidDocument,
  p: EntryAnchorProof,
  pins: Pins,
): { leaf: Hex; computedRoot: Hex; error?: VerifierError } {
  const leaf = leafHash(state.id, where.versionId);
  const computedRoot = processProof(leaf, p.proof);
  const failed = (error: VerifierError) => ({ leaf, computedRoot, error });
  if (lower(p.leaf) !== leaf) return failed(new LeafMismatchError({ ...where, details: `computed ${leaf}, file says ${p.leaf}` }));
  if (computedRoot !== lower(p.root)) return failed(new ProofMismatchError({ ...where, details: `computed ${computedRoot}, claimed ${p.root}` }));
  const declared = anchoringDeclaration(state);
  if (declared.kind !== "declared")
    return failed(
      new AnchorDeclarationMismatchError({
        ...where,
        details: declared.kind === "none" ? "the entry's document declares no EvmMerkleAnchor service" : declared.problem,
      }),
    );
  const d = declared.declaration;
  if (d.chainId !== p.chainId || lower(d.registry) !== lower(p.registry))
    return failed(
      new AnchorDeclarationMismatchError({ ...where, details: `proof: chain ${p.chainId} registry ${p.registry}; declared: chain ${d.chainId} registry ${d.registry}` }),
    );
  const registry = untrustedRegistry(where, p.chainId, p.registry, pins);
  if (registry) return failed(registry);
  if (!d.anchorers.some((a) => lower(a) === lower(p.anchorer)))
    return failed(new UnauthorizedAnchorerError({ ...where, details: `${p.anchorer} is not among ${d.anchorers.join(", ")}` }));
  const trusted = pins.anchorers;
  if (trusted && trusted.length > 0 && !trusted.some((a) => lower(a) === lower(p.anchorer)))
    return failed(new UntrustedAnchorerError({ ...where, details: `${p.anchorer} is not among the trusted anchorers ${trusted.join(", ")}` }));
  return { leaf, computedRoot };
}

/**
 * Before the log is verified, at most this many distinct chain reads are asked for, from at most this
 * many proofs looked at. An honest passport's proofs are a handful (one root per anchored batch it is
 * in); a hostile host could otherwise pair every line of a log it made up (10,000) with proofs of its own
 * making and have them all read before line 1 is found invalid. Beyond these, reads wait for the checks.
 */
const PREFETCH_MAX_READS = 16;
const PREFETCH_MAX_PROOFS = 64;

/**
 * Asks the chain for the reads the proofs of `entries` (parsed, not yet verified) will need, without
 * waiting or concluding anything, so that they overlap the log's verification. Only a proof that passes
 * the local checks against its entry as written (checkProof's very reads, should that entry prove valid),
 * only entries naming `did` itself (a moved DID's older entries are read after verification), and within
 * the bounds above; a proof failing a local check ends it: that file is not an honest one, and every read
 * of it waits for the log's verification, as the README promises.
 */
function prefetchReads(did: string, file: AnchorsFile, entries: readonly LogEntry[], chain: ChainReader, pins: Pins): void {
  const byVersion = new Map<unknown, { index: number; state: DidDocument }>();
  entries.forEach((e, index) => {
    const state: unknown = e.state;
    if (typeof state === "object" && state !== null && (state as DidDocument).id === did && !byVersion.has(e.versionId))
      byVersion.set(e.versionId, { index, state: state as DidDocument });
  });
  const asked = new Set<string>();
  let looked = 0;
  for (const p of file.anchors) {
    const entry = byVersion.get(p.versionId);
    if (!entry) continue;
    if (++looked > PREFETCH_MAX_PROOFS) return;
    if (checkLocally({ entryIndex: entry.index, versionId: p.versionId }, entry.state, p, pins).error) return;
    const query = { chainId: p.chainId, registry: p.registry, anchorer: p.anchorer, root: lower(p.root) as Hex };
    const key = `${query.chainId}|${lower(query.registry)}|${lower(query.anchorer)}|${query.root}`;
    if (asked.has(key)) continue;
    if (asked.size >= PREFETCH_MAX_READS) return;
    asked.add(key);
    chain.readAnchor(query).catch(() => undefined);
  }
}

/** Checks one proof of one valid entry. Local checks first; the chain is read only when they pass. */
async function checkProof(v: VerifiedEntry, p: EntryAnchorProof, chain: ChainReader, pins: Pins): Promise<ProofOutcome> {
  const where = { entryIndex: v.index, versionId: v.versionId };
  const local = checkLocally(where, v.state, p, pins);
  const anchor = {
    leaf: local.leaf,
    computedRoot: local.computedRoot,
    claimedRoot: p.root,
    chainId: p.chainId,
    registry: p.registry,
    anchorer: p.anchorer,
    record: null as AnchorRecord | null,
  };
  if (local.error) return { status: "failed", anchor, error: local.error };
  let record: AnchorRecord | null;
  try {
    record = await chain.readAnchor({ chainId: p.chainId, registry: p.registry, anchorer: p.anchorer, root: lower(p.root) as Hex });
  } catch (error) {
    const e = toVerifierError(error);
    // A reader must only throw unverifiable errors; anything else cannot prove the data wrong either.
    return { status: "failed", anchor, error: e.verdict === "unverifiable" ? e : toVerifierError(new Error(e.message)) };
  }
  anchor.record = record;
  if (!record)
    return { status: "failed", anchor, error: new RootNotAnchoredError({ ...where, details: `anchorOf(${p.anchorer}, ${p.root}) is empty on chain ${p.chainId}` }) };
  return { status: "verified", anchor };
}

/** The worse of two outcomes for one entry with several proofs: invalid > unverifiable > verified. */
function combine(outcomes: ProofOutcome[]): ProofOutcome {
  const invalid = outcomes.find((o) => o.status === "failed" && o.error.verdict === "invalid");
  if (invalid) return invalid;
  const unverifiable = outcomes.find((o) => o.status === "failed");
  if (unverifiable) return unverifiable;
  return outcomes[0]!;
}

export async function verifyDid(did: string, options: VerifyDidOptions): Promise<DidVerdict> {
  let url = "";
  const whole = (error: unknown, entries: EntryVerdict[] = [], extra: Partial<DidVerdict> = {}): DidVerdict => {
    const e = toVerifierError(error);
    return { did, url, verdict: e.verdict, error: e.toJSON(), entries, ...extra };
  };
  const pins: Pins = { anchorers: options.trustedAnchorers, registries: options.trustedRegistries };
  try {
    url = didToUrl(did);
  } catch (error) {
    return whole(error);
  }

  // 1. Files. The log is essential; the anchors file may be absent (nothing anchored yet).
  const logP = options.source.get(did, "did.jsonl");
  const anchorsP = options.source.get(did, "did-anchors.json");
  anchorsP.catch(() => {}); // observed below; do not leave it unhandled if the log fails first
  let logText: string | null;
  try {
    logText = await logP;
  } catch (error) {
    return whole(error);
  }
  if (logText === null) return whole(new LogNotFoundError({ details: url }));

  let parsed: LogEntry[];
  try {
    parsed = parseLog(logText, options.logLimits);
  } catch (error) {
    return whole(error);
  }

  // Warm up the chain the newest entry declares while the log is verified (saves round trips).
  const lastState = parsed[parsed.length - 1]?.state;
  if (lastState && options.chain.prepare) {
    const declared = anchoringDeclaration(lastState);
    if (declared.kind === "declared") options.chain.prepare(declared.declaration.chainId);
  }

  // The anchors file, read once; as soon as it is in, the chain reads its proofs of this log's entries
  // will need are asked for, while the log is verified (the reader shares identical reads, so step 3
  // finds them under way): only those whose proofs pass the local checks, a few (prefetchReads). Nothing
  // is concluded from a read before its entry and proof are checked. A file in after the log is verified
  // has nothing to overlap: step 3 reads what the valid entries need.
  let logChecked = false;
  const anchorsFileP = anchorsP.then((text) => {
    if (text === null) return null;
    const file = parseAnchorsFile(text);
    if (file.did !== did) throw new DidMismatchError("did-anchors.json belongs to another DID", { details: `it names ${file.did}` });
    return file;
  });
  anchorsFileP
    .then((file) => {
      if (file && !logChecked) prefetchReads(did, file, parsed, options.chain, pins);
    })
    .catch(() => undefined); // a head start only: its failures are the checks' to find, in step 3

  let witness: WitnessProofEntry[] | null = null;
  let witnessError: VerifierError | undefined;
  if (witnessInUse(parsed)) {
    try {
      const text = await options.source.get(did, "did-witness.json");
      witness = text === null ? null : parseWitnessFile(text);
    } catch (error) {
      witnessError = toVerifierError(error);
    }
  }

  // 2. The log.
  const result = await verifyLog(parsed, {
    did,
    clockSkewMs: options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(witness ? { witness } : {}),
    ...(options.verifier ? { verifier: options.verifier } : {}),
  });
  logChecked = true;
  const valid = result.entries;
  const newest = valid[valid.length - 1]?.state;
  if (newest && options.onDocument) {
    try {
      options.onDocument(newest);
    } catch {
      // A caller's hint must not change this DID's verdict.
    }
  }

  // The anchors file: fetched concurrently; its failures matter only for the entries they leave unproven.
  let anchors: AnchorsFile | null = null;
  let anchorsError: VerifierError | undefined;
  try {
    anchors = await anchorsFileP;
  } catch (error) {
    anchorsError = toVerifierError(error);
    anchors = null;
  }

  // 3. Proofs of valid entries (all concurrently: the reader batches and dedupes chain reads).
  const byVersion = new Map<string, EntryAnchorProof[]>();
  for (const p of anchors?.anchors ?? []) {
    const list = byVersion.get(p.versionId);
    if (list) list.push(p);
    else byVersion.set(p.versionId, [p]);
  }
  // With registries pinned, an entry whose own declaration names an untrusted one is invalid, proof or
  // none (a proof must name the declared registry, so checkProof finds it; without one, it is not left
  // pending, nor verified via a later entry).
  const outcomes: (ProofOutcome | undefined)[] = await Promise.all(
    valid.map(async (v) => {
      const proofs = byVersion.get(v.versionId);
      if (proofs) return combine(await Promise.all(proofs.map((p) => checkProof(v, p, options.chain, pins))));
      const declared = anchoringDeclaration(v.state);
      if (declared.kind !== "declared") return undefined;
      const { chainId, registry } = declared.declaration;
      const error = untrustedRegistry({ entryIndex: v.index, versionId: v.versionId }, chainId, registry, pins);
      return error ? ({ status: "failed", error } satisfies ProofOutcome) : undefined;
    }),
  );

  // 4. Verdicts per entry, newest first so that coverage by a later anchored entry is known.
  const entries: EntryVerdict[] = new Array<EntryVerdict>(parsed.length);
  let coveredBy: { index: number; anchor: NonNullable<EntryVerdict["anchor"]> } | undefined;
  // A witness file that could not be had or read explains a "witness proofs missing" better than that does.
  const logError =
    witnessError && (!result.error || result.error.name === "WitnessProofsMissingError") ? witnessError : result.error;
  for (let i = parsed.length - 1; i >= 0; i--) {
    const raw = parsed[i]!;
    // Only the valid prefix speaks for the DID: an entry from the first invalid one on is unchecked data
    // (another DID's files in its place, or whatever a host wrote), and a verdict must stay what the
    // checks made it, serialisable for the worker and `audit --json` alike. Its event is not shown.
    const event = i < valid.length ? newEvent(valid[i]!.state, valid[i - 1]?.state) : undefined;
    const base = {
      index: i,
      versionId: typeof raw.versionId === "string" ? raw.versionId : "",
      versionTime: typeof raw.versionTime === "string" ? raw.versionTime : "",
      ...(event ? { event } : {}),
    };
    if (i >= valid.length) {
      const e = logError ?? new DidMismatchError("The entry is not part of the valid log", { entryIndex: i });
      entries[i] = { ...base, verdict: e.verdict, error: e.toJSON() };
      continue;
    }
    const own = outcomes[i];
    if (own?.status === "verified") {
      coveredBy = { index: i, anchor: own.anchor };
      entries[i] = { ...base, verdict: "verified", anchor: own.anchor };
    } else if (own && own.error.verdict === "invalid") {
      entries[i] = { ...base, verdict: "invalid", error: own.error.toJSON(), ...(own.anchor ? { anchor: own.anchor } : {}) };
    } else if (coveredBy) {
      entries[i] = { ...base, verdict: "verified", anchoredVia: coveredBy.index, anchor: coveredBy.anchor };
    } else if (own) {
      entries[i] = { ...base, verdict: own.error.verdict, error: own.error.toJSON(), ...(own.anchor ? { anchor: own.anchor } : {}) };
    } else if (anchorsError) {
      // No proof could be read for it: a broken or unreachable anchors file decides.
      entries[i] = { ...base, verdict: anchorsError.verdict, error: anchorsError.toJSON() };
    } else {
      entries[i] = { ...base, verdict: "pending", error: pendingReason(i, base.versionId) };
    }
  }

  // The DID: the worst entry; its reason the first entry of that verdict (or a failure of the whole).
  const dids: { verdict: Verdict; error: SerializedError | PendingReason | undefined }[] = entries.map((e) => ({ verdict: e.verdict, error: e.error }));
  if (entries.length === 0 && logError) dids.push({ verdict: logError.verdict, error: logError.toJSON() });
  if (anchorsError && anchorsError.verdict === "invalid") dids.push({ verdict: "invalid", error: anchorsError.toJSON() });
  const verdict = worstVerdict(dids.map((d) => d.verdict));
  const reason = dids.find((d) => d.verdict === verdict && d.error)?.error;

  const document: DidDocument | undefined = valid[valid.length - 1]?.state;
  const chainId = outcomes.find((o) => o?.anchor)?.anchor?.chainId;
  const readAt = chainId === undefined ? undefined : options.chain.readAt(chainId);

  return {
    did,
    url,
    verdict,
    ...(reason && VERDICT_SEVERITY[verdict] > 0 ? { error: reason } : {}),
    entries,
    ...(document ? { document } : {}),
    ...(readAt ? { chainReadAt: readAt } : {}),
    ...(result.deactivated ? { deactivated: true as const } : {}),
  };
}
