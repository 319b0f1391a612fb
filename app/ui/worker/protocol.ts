/**
 * The message protocol between the app and its verification worker. Everything is structured-clone safe
 * plain data (ProductNode, SerializedError).
 */
import type { SerializedError } from "../../core/errors.ts";
import type { ProductNode, Verdict, VerdictReason } from "../../core/types.ts";
import type { RecheckNote, RecheckRecord } from "../offline/recheck.ts";

/** One DID's line of a bulk audit: the same fields as the CLI's `audit --json` lines, plus entries. */
export interface AuditRow {
  did: string;
  verdict: Verdict;
  reason: VerdictReason | null;
  entries: number;
  /**
   * Set when the verdict rests on the offline cache (the host or the chain did not answer in time): the
   * oldest read time (ISO) of the cached files used, and of the cached chain reads used.
   */
  cached?: { files?: string; chain?: string };
}

/** What the worker needs to verify: where the chain is and how old cached data may be. */
export interface VerifyConfig {
  /** JSON-RPC endpoints per chain id, tried in order. */
  rpc: Record<number, string[]>;
  stalenessMs: number;
  /** Fetch the DIDs' files from this origin (a mirror) instead of each DID's own host. */
  hostOrigin?: string;
  /** Per RPC request. */
  timeoutMs?: number;
  /**
   * The anchoring accounts this deployment trusts (the manufacturers' own). When set, a root anchored by
   * any other account proves nothing: the passport is invalid (UntrustedAnchorerError), whatever it declares.
   */
  trustedAnchorers?: string[];
  /**
   * The AnchorRegistry contracts this deployment trusts, per chain id (its own registry). When set for a
   * chain, a proof or an anchoring declaration naming any other registry on it proves nothing: the
   * passport is invalid (UntrustedRegistryError). Without it, a passport's own registry is believed, and
   * anyone can deploy one that says "anchored" to anything, which makes trustedAnchorers moot.
   */
  trustedRegistries?: Record<number, string[]>;
}

export type WorkerRequest =
  /**
   * `recordAs`: after a full verification from live reads only, store what it read and its result under
   * this key (offline/recheck.ts), so that the product opened again can be re-checked at once.
   */
  | { type: "verify"; id: number; did: string; config: VerifyConfig; recordAs?: string }
  | { type: "did"; id: number; did: string; config: VerifyConfig }
  | { type: "cancel"; id: number }
  /** Answered ("drained") once every cache write of the requests answered so far has committed. */
  | { type: "drain"; id: number }
  /** Start up before the first request: open the cache, connect to the configured chains. No response. */
  | { type: "warm"; id: number; config: VerifyConfig };

export type WorkerResponse =
  /** `recheck`: the tree was not verified now but re-checked against this device's record (early.ts). */
  | { type: "product"; id: number; product: ProductNode; ms: number; recheck?: RecheckNote }
  | { type: "did"; id: number; row: AuditRow }
  /** After a product asked `recordAs`: its re-check record, or null (none may be kept: forget the old one). */
  | { type: "record"; id: number; did: string; record: RecheckRecord | null }
  | { type: "failure"; id: number; error: SerializedError }
  | { type: "drained"; id: number };
