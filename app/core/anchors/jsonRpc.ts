/**
 * The few JSON-RPC calls the verifier makes (eth_chainId, eth_getBlockByNumber, one eth_call), over HTTP
 * with batching, a timeout, one retry and hedged fallback across endpoints (hedgedRpc), failing only with
 * the verifier's typed, unverifiable errors.
 *
 * Written here rather than taken from viem (which the contracts' tests, the command line and the wallet
 * views use): viem's client, actions and ABI coder were three quarters of the browser's verification
 * worker (370 KB of its 430 KB), and evaluating them put about 30 ms on the path to every verdict. This
 * is the part of it the reader needs; registry.test.ts runs the reader against a real chain.
 */
import { readTextLimited } from "../fetch/http.ts";
import { RegistryNotFoundError, RpcResponseError, RpcTimeoutError, RpcUnreachableError } from "./errors.ts";
import type { Hex } from "../types.ts";

/** A JSON-RPC answer larger than this is refused, not buffered (the reader's own answers are a few KB). */
export const MAX_RPC_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface RequestOptions<T> {
  /**
   * Abandons the request: it fails at once (RpcTimeoutError), and its HTTP request is cancelled as soon as
   * no request of its batch is still waiting for it.
   */
  signal?: AbortSignal;
  /**
   * Checks the result and converts it; what it throws (a typed error) is the request's failure. A hedged
   * request (hedgedRpc) takes the first answer that passes it, so a malformed answer never wins by being fast.
   */
  parse?: (result: unknown) => T;
}

export interface RpcClient {
  request<T>(method: string, params: readonly unknown[], options?: RequestOptions<T>): Promise<T>;
}

/**
 * What the client needs of `fetch` (the global one by default; the command line passes a node:http one,
 * app/cli/lib/rpcHttp.ts): a POST with a JSON body and a signal, answered with a status and JSON.
 */
export type RpcFetch = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/**
 * The global fetch, its answer read up to MAX_RPC_RESPONSE_BYTES (the default transport: the browser's;
 * the command line's node:http one has the same limit).
 */
export const limitedFetch: RpcFetch = async (url, init) => {
  const response = await globalThis.fetch(url, init);
  return {
    ok: response.ok,
    status: response.status,
    json: async () => JSON.parse(await readTextLimited(response, MAX_RPC_RESPONSE_BYTES, url)) as unknown,
  };
};

export interface HttpRpcOptions {
  /** Per HTTP request. */
  timeoutMs: number;
  /** How long requests are collected into one JSON-RPC batch (0: those made in the same task). */
  batchWaitMs?: number;
  /** Retries after an endpoint could not be reached or answered HTTP 5xx/429 (default 1, 150 ms apart). */
  retryCount?: number;
  fetchFn?: RpcFetch;
}

interface Pending {
  body: { jsonrpc: "2.0"; id: number; method: string; params: readonly unknown[] };
  /** Settled (answered, failed or abandoned): later outcomes are ignored. */
  done: boolean;
  succeed(result: unknown): void;
  fail(error: unknown): void;
  /** Set by the batch the request went out in: told when the request is settled. */
  onDone: (() => void) | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One endpoint: requests made together go out as one JSON-RPC batch. */
export function httpRpc(url: string, options: HttpRpcOptions): RpcClient {
  const fetchFn = options.fetchFn ?? limitedFetch;
  const retries = options.retryCount ?? 1;
  let queue: Pending[] = [];
  let scheduled = false;
  let nextId = 1;

  /** One POST, bounded by the timeout (the answer's body included); `cancel` abandons it. */
  async function post(bodies: Pending["body"][], cancel: AbortSignal): Promise<unknown> {
    const what = `${url}: ${[...new Set(bodies.map((b) => b.method))].join(", ")}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`no answer in ${options.timeoutMs} ms`, "TimeoutError")), options.timeoutMs);
    const onCancel = () => controller.abort(new DOMException("abandoned", "AbortError"));
    cancel.addEventListener("abort", onCancel);
    const aborted = (error: unknown) =>
      cancel.aborted
        ? new RpcTimeoutError({ details: `${what}: abandoned (no request of the batch waits for it)`, cause: error })
        : new RpcTimeoutError({ details: `${what}: no answer in ${options.timeoutMs} ms`, cause: error });
    try {
      let response: Awaited<ReturnType<RpcFetch>>;
      try {
        response = await fetchFn(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(bodies.length === 1 ? bodies[0] : bodies),
          signal: controller.signal,
        });
      } catch (error) {
        const name = (error as Error)?.name;
        if (name === "TimeoutError" || name === "AbortError") throw aborted(error);
        throw new RpcUnreachableError({ details: `${what}: ${(error as Error)?.message ?? String(error)}`, cause: error });
      }
      if (!response.ok) {
        const e = new RpcUnreachableError({ details: `${what}: HTTP ${response.status}` });
        (e as { retry?: boolean }).retry = response.status >= 500 || response.status === 429;
        throw e;
      }
      try {
        return await response.json();
      } catch (error) {
        const name = (error as Error)?.name;
        if (name === "TimeoutError" || name === "AbortError") throw aborted(error);
        if (name === "FileTooLargeError")
          throw new RpcResponseError({ details: `${what}: the answer is larger than ${MAX_RPC_RESPONSE_BYTES} bytes`, cause: error });
        throw new RpcResponseError({ details: `${what}: the answer is not JSON`, cause: error });
      }
    } finally {
      clearTimeout(timer);
      cancel.removeEventListener("abort", onCancel);
    }
  }

  async function send(batch: Pending[]): Promise<void> {
    // The HTTP request is cancelled once every request of the batch is settled (abandoned by its caller).
    const cancel = new AbortController();
    for (const p of batch) p.onDone = () => batch.every((q) => q.done) && cancel.abort();
    let json: unknown;
    for (let attempt = 0; ; attempt++) {
      const live = batch.filter((p) => !p.done);
      if (live.length === 0) return;
      try {
        json = await post(live.map((p) => p.body), cancel.signal);
        break;
      } catch (error) {
        const retry = error instanceof RpcUnreachableError && (error as { retry?: boolean }).retry !== false;
        if (retry && attempt < retries) {
          await sleep(150 * 2 ** attempt);
          continue;
        }
        for (const p of batch) p.fail(error);
        return;
      }
    }
    const items = Array.isArray(json) ? json : [json];
    const byId = new Map<unknown, { result?: unknown; error?: { code?: unknown; message?: unknown } }>();
    for (const item of items) if (item && typeof item === "object") byId.set((item as { id?: unknown }).id, item as never);
    for (const p of batch) {
      if (p.done) continue;
      const item = byId.get(p.body.id);
      if (!item) p.fail(new RpcResponseError({ details: `${url}: no answer to ${p.body.method} in the batch` }));
      else if (item.error) p.fail(new RpcResponseError({ details: `${url}: ${p.body.method}: ${String(item.error.message ?? "error")} (${String(item.error.code ?? "")})` }));
      else if (!("result" in item)) p.fail(new RpcResponseError({ details: `${url}: ${p.body.method}: no result` }));
      else p.succeed(item.result);
    }
  }

  return {
    request<T>(method: string, params: readonly unknown[], { signal, parse }: RequestOptions<T> = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const settle = (outcome: () => void) => {
          if (p.done) return;
          p.done = true;
          signal?.removeEventListener("abort", abandon);
          outcome();
          p.onDone?.();
        };
        const p: Pending = {
          body: { jsonrpc: "2.0", id: nextId++, method, params },
          done: false,
          onDone: undefined,
          succeed: (result) =>
            settle(() => {
              try {
                resolve(parse ? parse(result) : (result as T));
              } catch (error) {
                reject(error);
              }
            }),
          fail: (error) => settle(() => reject(error)),
        };
        const abandon = () => p.fail(new RpcTimeoutError({ details: `${url}: ${method}: abandoned by the caller`, cause: signal?.reason }));
        if (signal?.aborted) return abandon();
        signal?.addEventListener("abort", abandon, { once: true });
        queue.push(p);
        if (scheduled) return;
        scheduled = true;
        setTimeout(() => {
          const batch = queue.filter((q) => !q.done);
          queue = [];
          scheduled = false;
          if (batch.length > 0) void send(batch);
        }, options.batchWaitMs ?? 0);
      });
    },
  };
}

export interface HedgeOptions {
  /**
   * Ask the next endpoint too when those asked have not answered within this long (or twice the time the
   * endpoint last asked took to answer, if longer: an endpoint whose large batches take long, a bulk audit's,
   * is not doubled on every batch). Without it, the next endpoint is asked only after a failure (fallback).
   * A failure always asks the next endpoint at once.
   */
  hedgeDelayMs?: number;
  /** The error of a request that every endpoint failed, from their errors in the order asked; default the last to fail. */
  failure?: (errors: readonly unknown[]) => unknown;
}

/**
 * Endpoints asked in order, hedged: a request goes to the first endpoint; if it has not answered within
 * `hedgeDelayMs`, or failed, the same request goes to the next one too, and so on. The first answer (that
 * passes the request's `parse`) wins, the requests still out are abandoned (their HTTP requests cancelled),
 * and the endpoint that answered is asked first from then on. A JSON-RPC error, a malformed answer or an
 * HTTP failure never wins: the others are still waited for. Each endpoint keeps its own full timeout, so
 * a request fails at the latest the last endpoint's timeout after that endpoint was asked.
 *
 * Every endpoint may thus answer, as with plain fallback: all must be trusted alike (the caller checks
 * what each serves, as the chain reader checks its chain id, before any of its answers is used). A later
 * endpoint is never raced against a first one that answers within the delay.
 */
export function hedgedRpc(clients: readonly RpcClient[], options: HedgeOptions = {}): RpcClient {
  if (clients.length === 1) return clients[0]!;
  const { hedgeDelayMs, failure } = options;
  /** Endpoint indexes, the one to ask first in front. */
  const order = clients.map((_, i) => i);
  /** How long each endpoint took to give its last winning answer. */
  const tookMs: number[] = [];
  return {
    request<T>(method: string, params: readonly unknown[], { signal, parse }: RequestOptions<T> = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const sequence = [...order];
        const asked: AbortController[] = [];
        const errors: unknown[] = [];
        let failed = 0;
        let done = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const end = () => {
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", abandon);
          for (const c of asked) c.abort(); // the losers (the winner's own request is settled: no effect)
        };
        const abandon = () => {
          if (done) return;
          end();
          reject(new RpcTimeoutError({ details: `${method}: abandoned by the caller`, cause: signal?.reason }));
        };
        const ask = () => {
          clearTimeout(timer);
          if (done || asked.length === sequence.length) return;
          const k = asked.length;
          const i = sequence[k]!;
          const controller = new AbortController();
          asked.push(controller);
          const started = Date.now();
          let answer: Promise<T>;
          try {
            answer = clients[i]!.request<T>(method, params, { signal: controller.signal, ...(parse ? { parse } : {}) });
          } catch (error) {
            answer = Promise.reject(error);
          }
          answer.then(
            (value) => {
              if (done) return;
              end();
              tookMs[i] = Date.now() - started;
              if (order[0] !== i) {
                order.splice(order.indexOf(i), 1);
                order.unshift(i);
              }
              resolve(value);
            },
            (error: unknown) => {
              if (done) return;
              errors[k] = error;
              if (++failed < sequence.length) return ask();
              end();
              reject(failure ? failure(errors) : error);
            },
          );
          if (hedgeDelayMs !== undefined && asked.length < sequence.length) timer = setTimeout(ask, Math.max(hedgeDelayMs, 2 * (tookMs[i] ?? 0)));
        };
        if (signal?.aborted) return abandon();
        signal?.addEventListener("abort", abandon, { once: true });
        ask();
      });
    },
  };
}

/** Endpoints tried in order: a request goes to the next when one fails (the last failure is thrown). */
export function fallbackRpc(clients: readonly RpcClient[]): RpcClient {
  return hedgedRpc(clients);
}

const HEX_QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;

/** A JSON-RPC quantity ("0x1a") as a bigint; RpcResponseError for anything else. */
export function quantity(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !HEX_QUANTITY.test(value)) throw new RpcResponseError({ details: `${what} is not a hex quantity: ${JSON.stringify(value)?.slice(0, 80)}` });
  return BigInt(value);
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
/**
 * anchorOf(address,bytes32): the first four bytes of keccak256 of its signature, written out so that a
 * reader needs no keccak code (the page's re-check loads this module; jsonRpc.test.ts holds the encoding
 * to viem's).
 */
export const ANCHOR_OF_SELECTOR = "0xecbe7ca5";

/** The eth_call data of anchorOf(anchorer, root). */
export function anchorOfCalldata(anchorer: Hex, root: Hex): Hex {
  if (!ADDRESS.test(anchorer)) throw new RpcResponseError({ details: `anchorer ${anchorer.slice(0, 60)} is not an address` });
  if (!BYTES32.test(root)) throw new RpcResponseError({ details: `root ${root.slice(0, 80)} is not 32 bytes` });
  return `${ANCHOR_OF_SELECTOR}${"0".repeat(24)}${anchorer.slice(2).toLowerCase()}${root.slice(2).toLowerCase()}` as Hex;
}

/** anchorOf's return data -> (timestamp, blockNumber); "0x" (no code at the address) -> RegistryNotFoundError. */
export function decodeAnchorOf(data: unknown, where: string): { timestamp: bigint; blockNumber: bigint } {
  if (data === "0x") throw new RegistryNotFoundError({ details: `${where}: the call returned no data` });
  if (typeof data !== "string" || !/^0x[0-9a-fA-F]{128}$/.test(data)) {
    throw new RpcResponseError({ details: `${where}: anchorOf returned ${JSON.stringify(data)?.slice(0, 80)}` });
  }
  const timestamp = BigInt(`0x${data.slice(2, 66)}`);
  const blockNumber = BigInt(`0x${data.slice(66, 130)}`);
  // uint64 outputs: an ABI-conforming contract never sets the high bits.
  if (timestamp >= 1n << 64n || blockNumber >= 1n << 64n) throw new RpcResponseError({ details: `${where}: anchorOf returned values beyond uint64` });
  return { timestamp, blockNumber };
}

export const toQuantity = (n: bigint): Hex => `0x${n.toString(16)}` as Hex;
