/// <reference lib="webworker" />
/**
 * The verification worker: runs the core pipeline unchanged (fetch the logs and proofs over HTTP, verify
 * the did:webvh logs, recompute Merkle paths, read the registry over JSON-RPC) off the main thread, and
 * posts back plain ProductNode trees. Anything unforeseen is reported as unverifiable, never as invalid.
 */
import { createRpcChainReader, type ChainReader } from "../../core/anchors/registry.ts";
import { toVerifierError } from "../../core/errors.ts";
import { httpSource } from "../../core/fetch/http.ts";
import { verifyProduct } from "../../core/verify/product.ts";
import type { VerifyConfig, WorkerRequest, WorkerResponse } from "./protocol.ts";

declare const self: DedicatedWorkerGlobalScope;

const cancelled = new Set<number>();
/** Readers are reused while the config is the same (they pin reads to one block and batch them). */
let reader: { key: string; chain: ChainReader } | null = null;

function chainFor(config: VerifyConfig): ChainReader {
  const key = JSON.stringify([config.rpc, config.timeoutMs]);
  if (reader?.key !== key) {
    reader = { key, chain: createRpcChainReader({ rpc: config.rpc, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) }) };
  }
  return reader.chain;
}

function post(msg: WorkerResponse): void {
  self.postMessage(msg);
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  if (msg.type === "cancel") {
    cancelled.add(msg.id);
    return;
  }
  const started = performance.now();
  try {
    const source = httpSource(msg.config.hostOrigin ? { origin: msg.config.hostOrigin } : {});
    const product = await verifyProduct(msg.did, { source, chain: chainFor(msg.config), now: new Date() });
    if (cancelled.delete(msg.id)) return;
    post({ type: "product", id: msg.id, product, ms: performance.now() - started });
  } catch (error) {
    if (cancelled.delete(msg.id)) return;
    post({ type: "failure", id: msg.id, error: toVerifierError(error).toJSON() });
  }
};
