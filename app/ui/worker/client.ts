/**
 * A small typed client for the verification worker: one worker per client, requests matched to responses
 * by id. The worker runs the core pipeline unchanged; the page only renders results.
 */
import type { SerializedError } from "../../core/errors.ts";
import type { ProductNode } from "../../core/types.ts";
import type { AuditRow, VerifyConfig, WorkerRequest, WorkerResponse } from "./protocol.ts";
import { createVerifyWorker, takeEarlyVerification, takeEarlyWorker } from "./early.ts";

export class WorkerFailure extends Error {
  override readonly name = "WorkerFailure";
  constructor(readonly error: SerializedError) {
    super(error.message);
  }
}

export class VerifyClient {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: unknown) => void }>();

  /** Requests in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = takeEarlyWorker() ?? createVerifyWorker();
    worker.onmessage = (e: MessageEvent<WorkerResponse>) => this.#settle(e.data);
    worker.onerror = (e) => {
      const error: SerializedError = {
        name: "WorkerCrashedError",
        verdict: "unverifiable",
        message: `The verification worker failed: ${e.message}`,
        shortMessage: "The verification worker failed",
      };
      for (const p of this.#pending.values()) p.reject(new WorkerFailure(error));
      this.#pending.clear();
      this.#worker?.terminate();
      this.#worker = null;
    };
    this.#worker = worker;
    return worker;
  }

  #settle(msg: WorkerResponse): void {
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.type === "product") p.resolve({ product: msg.product, ms: msg.ms });
    else if (msg.type === "did") p.resolve(msg.row);
    else p.reject(new WorkerFailure(msg.error));
  }

  verify(did: string, config: VerifyConfig): { id: number; result: Promise<{ product: ProductNode; ms: number }> } {
    const worker = this.#ensure();
    // The same verification may already be under way: asked at boot for the product link opened (early.ts).
    const early = takeEarlyVerification(worker, did, config);
    const id = early ? early.id : this.#nextId++;
    const result = new Promise<{ product: ProductNode; ms: number }>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    });
    if (early) void early.response.then((msg) => this.#settle(msg));
    else worker.postMessage({ type: "verify", id, did, config } satisfies WorkerRequest);
    return { id, result };
  }

  /**
   * Starts the worker now (its script loads and compiles while the page resolves what was opened) and lets it
   * open the cache and connect to the chains ahead of the first request.
   */
  warm(config: VerifyConfig): void {
    this.#ensure().postMessage({ type: "warm", id: 0, config } satisfies WorkerRequest);
  }

  /** One DID alone (no component tree): a line of the bulk audit. */
  verifyDid(did: string, config: VerifyConfig): { id: number; result: Promise<AuditRow> } {
    const id = this.#nextId++;
    const result = new Promise<AuditRow>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    });
    this.#ensure().postMessage({ type: "did", id, did, config } satisfies WorkerRequest);
    return { id, result };
  }

  cancel(id: number): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    this.#worker?.postMessage({ type: "cancel", id } satisfies WorkerRequest);
    p.reject(new DOMException("cancelled", "AbortError"));
  }

  /** Stops the worker; requests in flight are rejected with an AbortError. */
  terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(new DOMException("terminated", "AbortError"));
    this.#pending.clear();
  }
}
