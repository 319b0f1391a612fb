/**
 * The message protocol between the app and its verification worker. Everything is structured-clone safe
 * plain data (ProductNode, SerializedError).
 */
import type { SerializedError } from "../../core/errors.ts";
import type { ProductNode, Verdict, VerdictReason } from "../../core/types.ts";

/** One DID's line of a bulk audit: the same fields as the CLI's `audit --json` lines, plus entries. */
export interface AuditRow {
  did: string;
  verdict: Verdict;
  reason: VerdictReason | null;
  entries: number;
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
}

export type WorkerRequest =
  | { type: "verify"; id: number; did: string; config: VerifyConfig }
  | { type: "did"; id: number; did: string; config: VerifyConfig }
  | { type: "cancel"; id: number }
  /** Start up before the first request: open the cache, connect to the configured chains. No response. */
  | { type: "warm"; id: number; config: VerifyConfig };

export type WorkerResponse =
  | { type: "product"; id: number; product: ProductNode; ms: number }
  | { type: "did"; id: number; row: AuditRow }
  | { type: "failure"; id: number; error: SerializedError };
