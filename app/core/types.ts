/**
 * Data formats shared by the verifier, the publisher, the command line and the app.
 * Everything here is plain JSON-compatible data (structured-clone safe for workers and IndexedDB).
 */
import type { SerializedError } from "./errors.ts";

export type Hex = `0x${string}`;

// ---------------------------------------------------------------------------------------------------
// did:webvh v1.0 log (did.jsonl): one JSON object per line.

export interface WitnessParameter {
  threshold: number;
  witnesses: { id: string }[];
}

/** The `parameters` of a log entry (did:webvh v1.0). Only what changes is present after entry 1. */
export interface LogParameters {
  method?: string;
  scid?: string;
  updateKeys?: string[];
  nextKeyHashes?: string[];
  portable?: boolean;
  witness?: WitnessParameter | Record<string, never>;
  watchers?: string[];
  deactivated?: boolean;
  ttl?: number;
}

export interface DataIntegrityProof {
  type: "DataIntegrityProof";
  cryptosuite: "eddsa-jcs-2022";
  verificationMethod: string;
  created: string;
  proofPurpose: string;
  proofValue: string;
  [key: string]: unknown;
}

export interface LogEntry {
  versionId: string;
  versionTime: string;
  parameters: LogParameters;
  state: DidDocument;
  proof: DataIntegrityProof[];
}

export interface DidDocument {
  "@context"?: string | (string | Record<string, unknown>)[];
  id: string;
  controller?: string | string[];
  alsoKnownAs?: string[];
  verificationMethod?: Record<string, unknown>[];
  authentication?: (string | Record<string, unknown>)[];
  assertionMethod?: (string | Record<string, unknown>)[];
  service?: ServiceEntry[];
  [key: string]: unknown;
}

export interface ServiceEntry {
  id: string;
  type: string | string[];
  serviceEndpoint: unknown;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------
// Anchoring: declared by the publisher inside its own DID document, proven by did-anchors.json.

/** `service[].type` of the anchoring declaration in a DID document. */
export const ANCHOR_SERVICE_TYPE = "EvmMerkleAnchor";
/** Fragment of the anchoring declaration's service id: `${did}#anchoring`. */
export const ANCHOR_SERVICE_FRAGMENT = "anchoring";

/**
 * `serviceEndpoint` of the anchoring declaration: which chain, which registry contract, and which
 * addresses may anchor roots for this DID. A root anchored by anyone else does not count. The
 * declaration in effect for an entry is the one in that entry's own `state` (signed with it).
 */
export interface AnchoringDeclaration {
  chainId: number;
  registry: Hex;
  anchorers: Hex[];
}

/** One anchored log entry in did-anchors.json. */
export interface EntryAnchorProof {
  versionId: string;
  /** keccak256(keccak256(abi.encode(string did, string versionId))) */
  leaf: Hex;
  /** Sibling hashes from the leaf up (sorted-pair keccak256, OpenZeppelin MerkleProof). */
  proof: Hex[];
  root: Hex;
  chainId: number;
  registry: Hex;
  /** The address that sent the anchor transaction. */
  anchorer: Hex;
  /** Optional, informational only (never trusted): the batch name and transaction hash. */
  batch?: string;
  txHash?: Hex;
}

/** did-anchors.json, beside did.jsonl. */
export interface AnchorsFile {
  did: string;
  anchors: EntryAnchorProof[];
}

/** What the registry says of (anchorer, root); `null` when that anchorer never anchored that root. */
export interface AnchorRecord {
  chainId: number;
  registry: Hex;
  anchorer: Hex;
  root: Hex;
  blockNumber: number;
  /** Block time, seconds since the epoch. */
  timestamp: number;
}

// ---------------------------------------------------------------------------------------------------
// Verdicts: per entry, then per DID (worst of its entries), then per product (worst of the tree).

export type Verdict = "verified" | "pending" | "invalid" | "unverifiable";

/** Worst first: invalid > unverifiable > pending > verified. */
export const VERDICT_SEVERITY: Record<Verdict, number> = {
  verified: 0,
  pending: 1,
  unverifiable: 2,
  invalid: 3,
};

export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = "verified";
  for (const v of verdicts) if (VERDICT_SEVERITY[v] > VERDICT_SEVERITY[worst]) worst = v;
  return worst;
}

/**
 * Why an entry (or a DID) is pending. Pending is not a failure, so this is not a VerifierError, but it is
 * shaped like a SerializedError (switch on `name`, show `message`) with `verdict: "pending"`.
 */
export interface PendingReason {
  name: "NotAnchoredError";
  verdict: "pending";
  message: string;
  shortMessage: string;
  details?: string;
  entryIndex?: number;
  versionId?: string;
}

/** A failure's reason, or pending's. */
export type VerdictReason = SerializedError | PendingReason;

export interface EntryVerdict {
  index: number;
  versionId: string;
  versionTime: string;
  verdict: Verdict;
  /** Present when the verdict is not verified: why (pending: a PendingReason, "not anchored yet"). */
  error?: VerdictReason;
  /**
   * Set when the entry has no anchor proof of its own but a later entry of the same log is
   * verified-anchored (each versionId commits to the whole chain before it): that entry's index.
   * `anchor` is then that entry's anchor.
   */
  anchoredVia?: number;
  /** The lifecycle event this entry records, when it records one. */
  event?: LifecycleEvent;
  /** Present when an anchor proof was checked: the computed root beside what the chain says. */
  anchor?: {
    leaf: Hex;
    computedRoot: Hex;
    claimedRoot: Hex;
    chainId: number;
    registry: Hex;
    anchorer: Hex;
    record: AnchorRecord | null;
  };
}

export interface DidVerdict {
  did: string;
  url: string;
  verdict: Verdict;
  /** The reason for the DID's verdict: the first error of its worst entry, or of the DID as a whole. */
  error?: VerdictReason;
  entries: EntryVerdict[];
  /** The resolved (latest valid) DID document, when the log could be read. */
  document?: DidDocument;
  /** Where the chain data came from: live now, or a cache read at a time. */
  chainReadAt?: { time: string; blockNumber: number; offline: boolean };
  /**
   * Set by the app's offline cache when some of this DID's files were read from it (the host did not answer
   * in time): the oldest read time used. Newer entries published since may exist.
   */
  filesReadAt?: { time: string };
  /** Present (true) when the last valid entry deactivated the DID (did:webvh `deactivated: true`). */
  deactivated?: true;
}

/** A product passport and its components: window -> glass, frame. */
export interface ProductNode {
  did: string;
  result: DidVerdict;
  children: ProductNode[];
  /** The worst verdict of this node and everything below it. */
  verdict: Verdict;
  /** How many times its parent's document names it, when more than once (it is still one child). */
  listed?: number;
}

// ---------------------------------------------------------------------------------------------------
// Digital Product Passports: what the DID documents carry.

/** `service[].type` of a passport's link to a component or its parent. */
export const COMPONENT_SERVICE_TYPE = "ProductComponent";
export const PARENT_SERVICE_TYPE = "ProductParent";
/** `service[].type` under which lifecycle events are recorded; one service per event. */
export const EVENT_SERVICE_TYPE = "LifecycleEvent";

export interface LifecycleEvent {
  /** Manufactured, Assembled, Installed, Inspected, Repaired, Decommissioned, ... */
  type: string;
  /** ISO 8601 time the event happened (as the publisher says; the entry's versionTime is when signed). */
  time: string;
  /** Free-form, flat JSON details (location, components, ...). */
  details?: Record<string, string | number | boolean | string[]>;
}

/**
 * The passport's own description, in the DID document as `service` of type `ProductPassport`
 * whose serviceEndpoint is this object.
 */
export const PASSPORT_SERVICE_TYPE = "ProductPassport";
export interface PassportInfo {
  kind: "window" | "glass" | "frame" | string;
  name: string;
  gtin: string;
  serial: string;
  manufacturer: string;
}
