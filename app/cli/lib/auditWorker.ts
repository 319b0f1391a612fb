/**
 * A verification worker of auditPool: audits the items it is sent (auditItem, the core pipeline), reading
 * files itself and asking the main thread for chain reads (one shared reader there). Says "ready" once
 * loaded.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { AnchorQuery, ChainReadAt, ChainReader } from "../../core/anchors/registry.ts";
import {
  ChainIdMismatchError,
  RegistryNotFoundError,
  RpcResponseError,
  RpcTimeoutError,
  RpcUnreachableError,
  StaleChainDataError,
  UnsupportedChainError,
} from "../../core/anchors/errors.ts";
import { UnexpectedError, type SerializedError, type VerifierError } from "../../core/errors.ts";
import { httpSource } from "../../core/fetch/http.ts";
import type { AnchorRecord } from "../../core/types.ts";
import { nodeEd25519Verify, useNodeCrypto } from "../../core/didwebvh/nodeVerify.node.ts";
import { auditItem, type AuditContext } from "./auditItem.ts";
import { dirSource } from "./dirSource.ts";
import type { FromWorker, SourceSpec, ToWorker } from "./auditPool.ts";

useNodeCrypto();
const port = parentPort!;
const { source: spec, trustedAnchorers, trustedRegistries } = workerData as { source: SourceSpec; trustedAnchorers: string[]; trustedRegistries: Record<number, string[]> };
const dir = spec.kind === "dir" ? dirSource(spec.dir, spec.listing ? { listing: spec.listing } : {}) : undefined;
const source = spec.kind === "dir" ? dir! : httpSource({ origin: spec.origin, timeoutMs: spec.timeoutMs });

/** The chain failures a reader may throw, rebuilt under their own names (callers switch on `name`). */
const CHAIN_ERRORS: Record<string, new (o: { details?: string }) => VerifierError> = {
  ChainIdMismatchError,
  RegistryNotFoundError,
  RpcResponseError,
  RpcTimeoutError,
  RpcUnreachableError,
  StaleChainDataError,
  UnsupportedChainError,
};
function rebuild(e: SerializedError): VerifierError {
  const Known = CHAIN_ERRORS[e.name];
  if (Known) return new Known(e.details === undefined ? {} : { details: e.details });
  return new UnexpectedError(new Error(`${e.name}: ${e.message}`));
}

let nextId = 0;
const waiting = new Map<number, { chainId: number; resolve(r: AnchorRecord | null): void; reject(e: unknown): void }>();
const readAts = new Map<number, ChainReadAt>();
const chain: ChainReader = {
  readAnchor(query: AnchorQuery) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { chainId: query.chainId, resolve, reject });
      port.postMessage({ type: "read", id, query } satisfies FromWorker);
    });
  },
  readAt: (chainId) => readAts.get(chainId),
};

// node:crypto's synchronous verify: this thread has a core of its own (no WebCrypto hop per signature).
const context: AuditContext = { source, chain, verifier: nodeEd25519Verify, trustedAnchorers, trustedRegistries, ...(dir ? { dir } : {}) };

port.on("message", (m: ToWorker) => {
  if (m.type === "verify") {
    void auditItem(m.item, context).then((row) => port.postMessage({ type: "done", index: m.index, row } satisfies FromWorker));
  } else if (m.type === "read" || m.type === "readError") {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.type === "read") {
      if (m.readAt) readAts.set(w.chainId, m.readAt);
      w.resolve(m.record);
    } else w.reject(rebuild(m.error));
  } else if (m.type === "close") port.close();
});
port.postMessage({ type: "ready" } satisfies FromWorker);
