/**
 * A small typed client for the verification worker: one worker per client, requests matched to responses
 * by id. The worker runs the core pipeline unchanged; the page only renders results.
 */
import type { SerializedError } from "../../core/errors.ts";
import type { ProductNode } from "../../core/types.ts";
import type { AuditRow, VerifyConfig, WorkerRequest, WorkerResponse } from "./protocol.ts";
import type { RecheckNote } from "../offline/recheck.ts";
import { createVerifyWorker, recheckKeyOf, recheckRunning, takeEarlyVerification, takeEarlyWorker } from "./early.ts";

/** A product's verdict: `recheck` when it was re-checked against this device's record, not verified now. */
export interface ProductAnswer {
  product: ProductNode;
  ms: number;
  recheck?: RecheckNote;
}

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
  /** The boot's verification once taken: its worker answer may still serve as the full verification. */
  #early: { id: number; did: string; configKey: string; full(): Promise<WorkerResponse> | null; stop(): void } | null = null;

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
    if (msg.type === "record") return; // kept by the worker's own listener (early.ts)
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.type === "product") p.resolve({ product: msg.product, ms: msg.ms, ...(msg.recheck ? { recheck: msg.recheck } : {}) } satisfies ProductAnswer);
    else if (msg.type === "did") p.resolve(msg.row);
    else if (msg.type === "drained") p.resolve(undefined);
    else p.reject(new WorkerFailure(msg.error));
  }

  /**
   * `record`: ask the worker for a re-check record of this verification (the passport page, whose
   * products an auditor opens again; not the provisions' pages, which would only fill the storage).
   */
  verify(did: string, config: VerifyConfig, { record = false }: { record?: boolean } = {}): { id: number; result: Promise<ProductAnswer> } {
    // The same verification may already be under way: asked at boot for the product link opened (early.ts);
    // it needs no worker of ours (a re-check may be answering it before any worker is started).
    const early = takeEarlyVerification(this.#worker, did, config);
    if (early) {
      this.#early = early;
      const result = this.#expect<ProductAnswer>(early.id);
      void early.response.then((msg) => this.#settle(msg));
      return { id: early.id, result };
    }
    const id = this.#nextId++;
    const result = this.#expect<ProductAnswer>(id);
    this.#post(this.#ensure(), did, config, id, record);
    return { id, result };
  }

  /**
   * The full verification of a product whose answer was a re-check (`recheck` set): the worker's answer to
   * the boot's request when it was asked already, else a new request.
   */
  verifyFully(did: string, config: VerifyConfig, answered: number): { id: number; result: Promise<ProductAnswer> } {
    const early = this.#early;
    const full = early && early.id === answered && early.did === did && early.configKey === JSON.stringify(config) ? early.full() : null;
    if (full) {
      const result = this.#expect<ProductAnswer>(answered);
      void full.then((msg) => this.#settle(msg));
      return { id: answered, result };
    }
    const id = this.#nextId++;
    const result = this.#expect<ProductAnswer>(id);
    this.#post(this.#ensure(), did, config, id, true);
    return { id, result };
  }

  #expect<T>(id: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    });
  }

  #post(worker: Worker, did: string, config: VerifyConfig, id: number, record: boolean): void {
    const recordAs = record ? recheckKeyOf(did, config) : undefined;
    worker.postMessage({ type: "verify", id, did, config, ...(recordAs ? { recordAs } : {}) } satisfies WorkerRequest);
  }

  /**
   * Starts the worker now (its script loads and compiles while the page resolves what was opened) and lets it
   * open the cache and connect to the chains ahead of the first request.
   */
  warm(config: VerifyConfig): void {
    if (recheckRunning()) return; // the boot's re-check runs alone: the worker starts once it is over
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
    if (this.#early?.id === id) this.#early.stop();
    this.#worker?.postMessage({ type: "cancel", id } satisfies WorkerRequest);
    p.reject(new DOMException("cancelled", "AbortError"));
  }

  /**
   * Resolves once the worker's cache writes (the offline copies of what it verified) have committed, or
   * after `timeoutMs`; at once without a worker. Before `terminate()`, which would lose them.
   */
  drain(timeoutMs = 3_000): Promise<void> {
    if (!this.#worker) return Promise.resolve();
    const id = this.#nextId++;
    const drained = this.#expect<void>(id);
    this.#worker.postMessage({ type: "drain", id } satisfies WorkerRequest);
    return Promise.race([drained, new Promise<void>((r) => setTimeout(r, timeoutMs))]).finally(() => this.#pending.delete(id));
  }

  /** Stops the worker; requests in flight are rejected with an AbortError. */
  terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(new DOMException("terminated", "AbortError"));
    this.#pending.clear();
  }
}
