/**
 * Reading the AnchorRegistry: `anchorOf(anchorer, root) -> (timestamp, blockNumber)`, zeros when that
 * anchorer never anchored that root.
 *
 * `ChainReader` is an interface so the app can wrap it (an IndexedDB cache for offline use, a staleness
 * limit); `createRpcChainReader` is the live one over JSON-RPC (jsonRpc.ts):
 * - every endpoint's `eth_chainId` must equal the chain id it is configured for (ChainIdMismatchError);
 * - several endpoints per chain are tried in order (fallback);
 * - concurrent calls go out as JSON-RPC batches, identical reads are made once;
 * - all reads of a chain are pinned to one block (the latest when first needed, re-read after
 *   `pinMaxAgeMs`), so `readAt(chainId)` says exactly which chain state the verdicts rest on; records are
 *   never removed, so only an absent record needs a fresh block (`absentMaxAgeMs`): it is read again at
 *   the latest block before "not anchored" is concluded.
 *
 * What is trusted: the RPC endpoint (it could lie about state), as the README of the project says.
 */
import type { AnchorRecord, Hex } from "../types.ts";
import { UnexpectedError, VerifierError } from "../errors.ts";
import {
  ChainIdMismatchError,
  RegistryNotFoundError,
  RpcResponseError,
  RpcTimeoutError,
  RpcUnreachableError,
  UnsupportedChainError,
} from "./errors.ts";
import { anchorOfCalldata, decodeAnchorOf, fallbackRpc, httpRpc, quantity, toQuantity, type RpcClient, type RpcFetch } from "./jsonRpc.ts";

/** The one function of the AnchorRegistry the verifier reads (core does not import app/contracts). */
export const anchorOfAbi = [
  {
    type: "function",
    name: "anchorOf",
    stateMutability: "view",
    inputs: [
      { name: "anchorer", type: "address" },
      { name: "root", type: "bytes32" },
    ],
    outputs: [
      { name: "timestamp", type: "uint64" },
      { name: "blockNumber", type: "uint64" },
    ],
  },
] as const;

export interface AnchorQuery {
  chainId: number;
  registry: Hex;
  anchorer: Hex;
  root: Hex;
}

/** The chain state the reads of a chain were made at. `offline`: served from a cache, not read now. */
export interface ChainReadAt {
  /** ISO 8601 time of the block read at. */
  time: string;
  blockNumber: number;
  offline: boolean;
}

export interface ChainReader {
  /**
   * What the registry says of (anchorer, root): the record, or null when never anchored.
   * Throws UnverifiableError subclasses only (UnsupportedChainError, RpcUnreachableError, RpcTimeoutError,
   * ChainIdMismatchError, RpcResponseError, RegistryNotFoundError, or a wrapper's own such as
   * StaleChainDataError).
   */
  readAnchor(query: AnchorQuery): Promise<AnchorRecord | null>;
  /** The chain state the latest reads of `chainId` were made at; undefined before any read. */
  readAt(chainId: number): ChainReadAt | undefined;
  /**
   * Optional hint: reads of `chainId` will follow soon; connect and pin a block now (never throws).
   * verifyDid calls it as soon as it knows the declared chain, overlapping the chain's round trips with
   * the log's verification. Wrappers may forward it or leave it out.
   */
  prepare?(chainId: number): void;
}

export interface RpcChainReaderOptions {
  /** JSON-RPC endpoints per chain id, tried in order (fallback). */
  rpc: Record<number, readonly string[]>;
  /** Per request. Default 8000 ms. */
  timeoutMs?: number;
  /** How long reads stay pinned to one block before the latest block is read again. Default 15 s. */
  pinMaxAgeMs?: number;
  /**
   * "Not anchored" is only concluded from a pin at most this old (default 0: always): an absent record read
   * at an older pinned block is read again at the latest block, so a fresh anchor is never reported missing
   * (absent records are rare: false claims, so the extra round trip costs little).
   */
  absentMaxAgeMs?: number;
  /**
   * How long concurrent reads are collected into one JSON-RPC batch. Default 0 (reads issued in the same
   * tick); a bulk audit uses a few ms so that reads of many DIDs share one round trip.
   */
  batchWaitMs?: number;
  /** The HTTP transport (jsonRpc.ts); default the global fetch. */
  fetchFn?: RpcFetch;
}

export type ReadAnchorErrorType =
  | UnsupportedChainError
  | RpcUnreachableError
  | RpcTimeoutError
  | ChainIdMismatchError
  | RpcResponseError
  | RegistryNotFoundError
  | UnexpectedError;

/** Any failure of a read -> the verifier's typed, unverifiable error (ours pass through). */
function asFailure(error: unknown, details: string): VerifierError {
  if (error instanceof VerifierError) return error;
  if (error instanceof TypeError) return new RpcUnreachableError({ details: `${details}: ${error.message}`, cause: error });
  return new UnexpectedError(error);
}

interface Pin {
  blockNumber: bigint;
  readAt: ChainReadAt;
  pinnedAt: number;
}

interface EarlyBlock {
  number: bigint;
  timestamp: bigint;
}

interface Connection {
  client: RpcClient;
  /** The latest block, read in the same batch as the chain id check. */
  early?: EarlyBlock;
}

interface ChainState {
  connection: Promise<Connection>;
  /** Has a pin been taken (the early block is only good for the first)? */
  pinned: boolean;
  clientAt: number;
  pin: Promise<Pin> | undefined;
  pinStartedAt: number;
  /** The stale pin the current pin replaced because a record was absent there. */
  refreshedFrom: Pin | undefined;
  lastReadAt: ChainReadAt | undefined;
  reads: Map<string, Promise<AnchorRecord | null>>;
}

export function createRpcChainReader(options: RpcChainReaderOptions): ChainReader {
  const timeout = options.timeoutMs ?? 8_000;
  const pinMaxAgeMs = options.pinMaxAgeMs ?? 15_000;
  const freshMs = Math.min(options.absentMaxAgeMs ?? 0, pinMaxAgeMs);
  const chains = new Map<number, ChainState>();

  const transportFor = (url: string): RpcClient =>
    httpRpc(url, { timeoutMs: timeout, batchWaitMs: options.batchWaitMs ?? 0, retryCount: 1, ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}) });

  const latestBlock = async (client: RpcClient): Promise<EarlyBlock> => {
    const block = await client.request<{ number?: unknown; timestamp?: unknown } | null>("eth_getBlockByNumber", ["latest", false]);
    if (!block || typeof block !== "object") throw new RpcResponseError({ details: "eth_getBlockByNumber(latest) returned no block" });
    return { number: quantity(block.number, "block number"), timestamp: quantity(block.timestamp, "block timestamp") };
  };

  /** Check every endpoint's eth_chainId; keep those that serve the declared chain. */
  /**
   * Checks every endpoint's chain id; keeps those serving the declared chain. The first endpoint is asked
   * for its latest block in the same JSON-RPC batch, so the first pin costs no extra round trip.
   */
  async function connect(chainId: number, urls: readonly string[]): Promise<Connection> {
    let firstBlock: Promise<EarlyBlock | undefined> = Promise.resolve(undefined);
    const checks = await Promise.allSettled(
      urls.map(async (url, i) => {
        const client = transportFor(url);
        const served = client.request<unknown>("eth_chainId", []);
        if (i === 0) firstBlock = latestBlock(client).catch(() => undefined);
        return { url, served: Number(quantity(await served, "eth_chainId")) };
      }),
    );
    const good: string[] = [];
    const wrong: string[] = [];
    let firstFailure: unknown;
    for (const c of checks) {
      if (c.status === "rejected") firstFailure ??= c.reason;
      else if (c.value.served === chainId) good.push(c.value.url);
      else wrong.push(`${c.value.url} serves chain ${c.value.served}`);
    }
    if (good.length === 0) {
      if (wrong.length > 0)
        throw new ChainIdMismatchError({ details: `declared chain ${chainId}, but ${wrong.join(", ")}` });
      throw asFailure(firstFailure, `chain ${chainId}: eth_chainId at ${urls.join(", ")}`);
    }
    const client = fallbackRpc(good.map(transportFor));
    const early = good[0] === urls[0] ? await firstBlock : undefined;
    return { client, ...(early ? { early } : {}) };
  }

  function chainState(chainId: number): ChainState {
    let state = chains.get(chainId);
    const now = Date.now();
    // A failed connection is retried after pinMaxAgeMs (a long-lived app must recover; an audit must not hammer).
    if (state && state.clientAt + pinMaxAgeMs < now) {
      const old = state;
      old.connection.catch(() => chains.get(chainId) === old && chains.delete(chainId));
    }
    state = chains.get(chainId);
    if (!state) {
      const urls = options.rpc[chainId];
      if (!urls || urls.length === 0) throw new UnsupportedChainError({ details: `chain ${chainId}` });
      state = {
        connection: connect(chainId, urls),
        pinned: false,
        clientAt: now,
        pin: undefined,
        pinStartedAt: 0,
        refreshedFrom: undefined,
        lastReadAt: undefined,
        reads: new Map(),
      };
      state.connection.catch(() => {}); // observed by readAnchor; avoid an unhandled rejection meanwhile
      chains.set(chainId, state);
    }
    return state;
  }

  function pin(chainId: number, state: ChainState, maxAgeMs = pinMaxAgeMs): Promise<Pin> {
    const now = Date.now();
    if (state.pin && state.pinStartedAt + maxAgeMs >= now) return state.pin;
    state.pinStartedAt = now;
    state.reads.clear(); // reads are keyed by block anyway; drop the old ones
    const firstPin = !state.pinned;
    state.pinned = true;
    state.pin = (async () => {
      const { client, early } = await state.connection;
      let block: EarlyBlock;
      try {
        block = firstPin && early ? early : await latestBlock(client);
      } catch (error) {
        throw asFailure(error, `chain ${chainId}: latest block`);
      }
      const readAt: ChainReadAt = {
        time: new Date(Number(block.timestamp) * 1000).toISOString(),
        blockNumber: Number(block.number),
        offline: false,
      };
      state.lastReadAt = readAt;
      return { blockNumber: block.number, readAt, pinnedAt: now };
    })();
    state.pin.catch(() => {
      state.pinStartedAt = 0; // retry the pin next time
    });
    return state.pin;
  }

  async function read(query: AnchorQuery, state: ChainState, at: Pin): Promise<AnchorRecord | null> {
    const { client } = await state.connection;
    const where = `chain ${query.chainId}: anchorOf at ${query.registry}`;
    let timestamp: bigint;
    let blockNumber: bigint;
    try {
      const data = anchorOfCalldata(query.anchorer, query.root);
      const call = { to: query.registry.toLowerCase(), data };
      ({ timestamp, blockNumber } = decodeAnchorOf(await client.request<unknown>("eth_call", [call, toQuantity(at.blockNumber)]), where));
    } catch (error) {
      throw asFailure(error, where);
    }
    if (timestamp === 0n) return null;
    return {
      chainId: query.chainId,
      registry: query.registry,
      anchorer: query.anchorer,
      root: query.root,
      blockNumber: Number(blockNumber),
      timestamp: Number(timestamp),
    };
  }

  async function readPinned(query: AnchorQuery, state: ChainState, maxAgeMs?: number): Promise<{ record: AnchorRecord | null; at: Pin }> {
    let at: Pin;
    try {
      await state.connection;
      at = await pin(query.chainId, state, maxAgeMs);
    } catch (error) {
      throw asFailure(error, `chain ${query.chainId}`);
    }
    const key = `${query.registry}|${query.anchorer}|${query.root}|${at.blockNumber}`.toLowerCase();
    let pending = state.reads.get(key);
    if (!pending) {
      pending = read(query, state, at);
      state.reads.set(key, pending);
      pending.catch(() => state.reads.get(key) === pending && state.reads.delete(key));
    }
    return { record: await pending, at };
  }

  return {
    async readAnchor(query) {
      const state = chainState(query.chainId);
      const first = await readPinned(query, state);
      // Records are never removed, so a record read at an older block stands; "no record" must be fresh:
      // re-read at the latest block unless the pin is already recent (an anchor may be seconds old).
      if (first.record !== null || Date.now() - first.at.pinnedAt <= freshMs) return first.record;
      // One refresh for all absent reads made at the same stale pin.
      if (state.refreshedFrom !== first.at) {
        state.refreshedFrom = first.at;
        state.pinStartedAt = 0;
      }
      return (await readPinned(query, state)).record;
    },
    readAt(chainId) {
      return chains.get(chainId)?.lastReadAt;
    },
    prepare(chainId) {
      if (!options.rpc[chainId]?.length) return;
      const state = chainState(chainId);
      state.connection.then(() => pin(chainId, state)).catch(() => {}); // failures surface in readAnchor
    },
  };
}
