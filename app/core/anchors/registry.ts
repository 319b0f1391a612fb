/**
 * Reading the AnchorRegistry: `anchorOf(anchorer, root) -> (timestamp, blockNumber)`, zeros when that
 * anchorer never anchored that root.
 *
 * `ChainReader` is an interface so the app can wrap it (an IndexedDB cache for offline use, a staleness
 * limit); `createRpcChainReader` is the live one over JSON-RPC (jsonRpc.ts):
 * - every endpoint's `eth_chainId` must equal the chain id it is configured for (ChainIdMismatchError);
 *   no answer of an endpoint is used before its own check has passed, however fast it came;
 * - several endpoints per chain are asked in order, hedged (jsonRpc.ts, hedgedRpc): a read goes to the
 *   first; if it has not answered within `hedgeDelayMs` (or failed), the same read goes to the next too, the
 *   first valid answer wins, the others are abandoned, and the endpoint that answered is asked first for the
 *   rest of the session. A hung endpoint (it accepts the connection, never answers) thus costs a fresh load
 *   `hedgeDelayMs` once, not the timeout; each endpoint keeps the full timeout, so when all hang a read
 *   fails (RpcTimeoutError) about the timeout after the last endpoint was asked;
 * - concurrent calls go out as JSON-RPC batches, identical reads are made once;
 * - all reads of a chain are pinned to one block (the latest when first needed, re-read after
 *   `pinMaxAgeMs`), so `readAt(chainId)` says exactly which chain state the verdicts rest on; records are
 *   never removed, so only an absent record needs a fresh block (`absentMaxAgeMs`): it is read again at
 *   the latest block before "not anchored" is concluded.
 *
 * What is trusted: the RPC endpoints (they could lie about state), as the README of the project says. Any
 * configured endpoint of the chain may answer, as with plain fallback, and only when those before it have
 * failed or stayed silent for `hedgeDelayMs`: a first endpoint that answers in time is never raced. A fast
 * endpoint on another chain never answers (its chain id check fails first), nor does a fast malformed
 * answer or a JSON-RPC error (the read waits for the other endpoints).
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
import { anchorOfCalldata, decodeAnchorOf, hedgedRpc, httpRpc, quantity, toQuantity, type RequestOptions, type RpcClient, type RpcFetch } from "./jsonRpc.ts";

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
  /** JSON-RPC endpoints per chain id, asked in order (hedged fallback). */
  rpc: Record<number, readonly string[]>;
  /** Per request, per endpoint. Default 8000 ms. */
  timeoutMs?: number;
  /**
   * How long an endpoint may stay silent before the same read also goes to the next endpoint. Default 500 ms:
   * the verdict is promised within about a second, and with a hung first endpoint it comes this long plus
   * a round trip to the next one after the read began (the first, the latest block, is asked while the log
   * is fetched and verified, and once the next endpoint has answered it is asked first); a healthy endpoint
   * answers these small reads well within it (a round trip or two, a few hundred ms at worst on a phone with
   * a cold connection), so a duplicate read is rare and costs one small request.
   */
  hedgeDelayMs?: number;
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
  /** The latest block, for the first pin: asked of the first endpoint in the batch of its chain id check. */
  early: Promise<EarlyBlock>;
}

/** An endpoint of a chain and its chain id check. */
interface Endpoint {
  url: string;
  /** Settles once: resolves when the endpoint serves the declared chain, rejects with `refusal`. */
  check: Promise<void>;
  served: boolean;
  /** Why the endpoint is not used: its chain id differs (ChainIdMismatchError), or the check failed. */
  refusal: VerifierError | undefined;
  /** The chain it serves, when that is another. */
  otherChain: number | undefined;
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

  const hedgeDelayMs = options.hedgeDelayMs ?? 500;
  const transportFor = (url: string): RpcClient =>
    httpRpc(url, { timeoutMs: timeout, batchWaitMs: options.batchWaitMs ?? 0, retryCount: 1, ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}) });

  const parseBlock = (value: unknown): EarlyBlock => {
    if (!value || typeof value !== "object") throw new RpcResponseError({ details: "eth_getBlockByNumber(latest) returned no block" });
    const block = value as { number?: unknown; timestamp?: unknown };
    return { number: quantity(block.number, "block number"), timestamp: quantity(block.timestamp, "block timestamp") };
  };
  const latestBlock = (client: RpcClient): Promise<EarlyBlock> => client.request("eth_getBlockByNumber", ["latest", false], { parse: parseBlock });

  /**
   * Asks every endpoint its eth_chainId at once; an endpoint answers reads only once it has passed (a read
   * may go out beside the check, its answer waits for it), and never after it failed. The connection is up
   * as soon as one endpoint passes, and fails when none does: ChainIdMismatchError if any serves another
   * chain, else the first endpoint's failure. The first endpoint is asked for the latest block in the same
   * JSON-RPC batch as its check, so the first pin costs no extra round trip (the others only if it is late).
   */
  function connect(chainId: number, urls: readonly string[]): Promise<Connection> {
    const refusals = new WeakSet<object>();
    const endpoints: Endpoint[] = [];
    const refused = (): VerifierError => {
      const wrong = endpoints.filter((e) => e.otherChain !== undefined).map((e) => `${e.url} serves chain ${e.otherChain}`);
      if (wrong.length > 0) return new ChainIdMismatchError({ details: `declared chain ${chainId}, but ${wrong.join(", ")}` });
      return asFailure(endpoints.find((e) => e.refusal)?.refusal, `chain ${chainId}: eth_chainId at ${urls.join(", ")}`);
    };
    const refuse = (e: Endpoint, error: VerifierError): never => {
      refusals.add(error);
      throw (e.refusal = error);
    };
    const gated = urls.map((url): RpcClient => {
      const transport = transportFor(url);
      const e: Endpoint = { url, check: Promise.resolve(), served: false, refusal: undefined, otherChain: undefined };
      e.check = transport.request("eth_chainId", [], { parse: (v) => Number(quantity(v, "eth_chainId")) }).then(
        (served) => {
          if (served === chainId) {
            e.served = true;
            return;
          }
          e.otherChain = served;
          refuse(e, new ChainIdMismatchError({ details: `declared chain ${chainId}, but ${url} serves chain ${served}` }));
        },
        (error: unknown) => refuse(e, asFailure(error, `chain ${chainId}: eth_chainId at ${url}`)),
      );
      e.check.catch(() => {}); // observed by the connection and by reads
      endpoints.push(e);
      return {
        request<T>(method: string, params: readonly unknown[], opts?: RequestOptions<T>): Promise<T> {
          if (e.refusal) return Promise.reject(e.refusal);
          const answer = transport.request<T>(method, params, opts);
          if (e.served) return answer;
          answer.catch(() => {}); // observed once the check has passed
          return e.check.then(() => answer);
        },
      };
    });
    const client = hedgedRpc(gated, {
      hedgeDelayMs,
      // The failure of an endpoint that serves the chain says most; when none does, why none does.
      failure: (errors) => {
        const own = errors.filter((error) => !refusals.has(error as object));
        return own.length > 0 ? own[own.length - 1] : refused();
      },
    });
    const early = latestBlock(client);
    early.catch(() => {}); // observed by the first pin
    return new Promise<Connection>((resolve, reject) => {
      let failed = 0;
      for (const e of endpoints)
        e.check.then(
          () => resolve({ client, early }),
          () => ++failed === endpoints.length && reject(refused()),
        );
    });
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
        // The early block was asked of every endpoint (hedged) already: its failure is the pin's.
        block = firstPin ? await early : await latestBlock(client);
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
      // Decoded per endpoint: a malformed answer (or none, "0x") does not win over another endpoint's.
      ({ timestamp, blockNumber } = await client.request("eth_call", [call, toQuantity(at.blockNumber)], { parse: (d) => decodeAnchorOf(d, where) }));
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
