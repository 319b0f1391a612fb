/**
 * The message protocol between the app and its verification worker. Everything is structured-clone safe
 * plain data (ProductNode, SerializedError).
 */
import type { SerializedError } from "../../core/errors.ts";
import type { ProductNode } from "../../core/types.ts";

/** What the worker needs to verify: where the chain is and how old cached data may be. */
export interface VerifyConfig {
  /** JSON-RPC endpoints per chain id, tried in order. */
  rpc: Record<number, string[]>;
  stalenessMs: number;
  /** Fetch the DIDs' files from this origin (a mirror) instead of each DID's own host. */
  hostOrigin?: string;
  /** Per RPC request. */
  timeoutMs?: number;
}

export type WorkerRequest =
  | { type: "verify"; id: number; did: string; config: VerifyConfig }
  | { type: "cancel"; id: number };

export type WorkerResponse =
  | { type: "product"; id: number; product: ProductNode; ms: number }
  | { type: "failure"; id: number; error: SerializedError };
