/**
 * The few JSON-RPC calls the verifier makes (eth_chainId, eth_getBlockByNumber, one eth_call), over HTTP
 * with batching, a timeout, one retry and fallback across endpoints, failing only with the verifier's
 * typed, unverifiable errors.
 *
 * Written here rather than taken from viem (which the contracts' tests, the command line and the wallet
 * views use): viem's client, actions and ABI coder were three quarters of the browser's verification
 * worker (370 KB of its 430 KB), and evaluating them put about 30 ms on the path to every verdict. This
 * is the part of it the reader needs; registry.test.ts runs the reader against a real chain.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { readTextLimited } from "../fetch/http.ts";
import { RegistryNotFoundError, RpcResponseError, RpcTimeoutError, RpcUnreachableError } from "./errors.ts";
import type { Hex } from "../types.ts";

/** A JSON-RPC answer larger than this is refused, not buffered (the reader's own answers are a few KB). */
export const MAX_RPC_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface RpcClient {
  request<T>(method: string, params: readonly unknown[]): Promise<T>;
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
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Failure = RpcUnreachableError | RpcTimeoutError | RpcResponseError;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One endpoint: requests made together go out as one JSON-RPC batch. */
export function httpRpc(url: string, options: HttpRpcOptions): RpcClient {
  const fetchFn = options.fetchFn ?? limitedFetch;
  const retries = options.retryCount ?? 1;
  let queue: Pending[] = [];
  let scheduled = false;
  let nextId = 1;

  async function post(bodies: Pending["body"][]): Promise<unknown> {
    const what = `${url}: ${[...new Set(bodies.map((b) => b.method))].join(", ")}`;
    let response: Awaited<ReturnType<RpcFetch>>;
    try {
      response = await fetchFn(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(bodies.length === 1 ? bodies[0] : bodies),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === "TimeoutError" || name === "AbortError") throw new RpcTimeoutError({ details: `${what}: no answer in ${options.timeoutMs} ms`, cause: error });
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
      if (name === "TimeoutError" || name === "AbortError") throw new RpcTimeoutError({ details: `${what}: no answer in ${options.timeoutMs} ms`, cause: error });
      if (name === "FileTooLargeError")
        throw new RpcResponseError({ details: `${what}: the answer is larger than ${MAX_RPC_RESPONSE_BYTES} bytes`, cause: error });
      throw new RpcResponseError({ details: `${what}: the answer is not JSON`, cause: error });
    }
  }

  async function send(batch: Pending[]): Promise<void> {
    let json: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        json = await post(batch.map((p) => p.body));
        break;
      } catch (error) {
        const retry = error instanceof RpcUnreachableError && (error as { retry?: boolean }).retry !== false;
        if (retry && attempt < retries) {
          await sleep(150 * 2 ** attempt);
          continue;
        }
        for (const p of batch) p.reject(error);
        return;
      }
    }
    const items = Array.isArray(json) ? json : [json];
    const byId = new Map<unknown, { result?: unknown; error?: { code?: unknown; message?: unknown } }>();
    for (const item of items) if (item && typeof item === "object") byId.set((item as { id?: unknown }).id, item as never);
    for (const p of batch) {
      const item = byId.get(p.body.id);
      if (!item) p.reject(new RpcResponseError({ details: `${url}: no answer to ${p.body.method} in the batch` }));
      else if (item.error) p.reject(new RpcResponseError({ details: `${url}: ${p.body.method}: ${String(item.error.message ?? "error")} (${String(item.error.code ?? "")})` }));
      else if (!("result" in item)) p.reject(new RpcResponseError({ details: `${url}: ${p.body.method}: no result` }));
      else p.resolve(item.result);
    }
  }

  return {
    request<T>(method: string, params: readonly unknown[]): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ body: { jsonrpc: "2.0", id: nextId++, method, params }, resolve: resolve as (v: unknown) => void, reject });
        if (scheduled) return;
        scheduled = true;
        setTimeout(() => {
          const batch = queue;
          queue = [];
          scheduled = false;
          void send(batch);
        }, options.batchWaitMs ?? 0);
      });
    },
  };
}

/** Endpoints tried in order: a request goes to the next when one fails (the last failure is thrown). */
export function fallbackRpc(clients: readonly RpcClient[]): RpcClient {
  if (clients.length === 1) return clients[0]!;
  return {
    async request<T>(method: string, params: readonly unknown[]): Promise<T> {
      let last: unknown;
      for (const client of clients) {
        try {
          return await client.request<T>(method, params);
        } catch (error) {
          last = error;
        }
      }
      throw last as Failure;
    },
  };
}

const HEX_QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;

/** A JSON-RPC quantity ("0x1a") as a bigint; RpcResponseError for anything else. */
export function quantity(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !HEX_QUANTITY.test(value)) throw new RpcResponseError({ details: `${what} is not a hex quantity: ${JSON.stringify(value)?.slice(0, 80)}` });
  return BigInt(value);
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
/** anchorOf(address,bytes32): the first four bytes of keccak256 of its signature. */
export const ANCHOR_OF_SELECTOR = `0x${bytesToHex(keccak_256(utf8ToBytes("anchorOf(address,bytes32)")).subarray(0, 4))}`;

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
