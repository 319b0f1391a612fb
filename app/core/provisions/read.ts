/**
 * Reading provisions, their history and wallet links from the chain (viem, any JSON-RPC endpoint).
 *
 * History comes from the contracts' events (`ProvisionRegistered`, `ProvisionStateChanged`,
 * `WalletLinked`, `WalletUnlinked`), filtered by their indexed addresses, read from `fromBlock` (the
 * contracts' deployment block) in ranges of at most `maxBlockRange` blocks, since public endpoints limit
 * `eth_getLogs`. Block times are read once per block.
 */
import type { PublicClient } from "viem";
import { provisionRegistryAbi, walletLinksAbi } from "../../contracts/abi.ts";
import { UnverifiableError } from "../errors.ts";
import type { Hex } from "../types.ts";
import { stateFromIndex, type ProvisionState } from "./state.ts";

export interface ProvisionContracts {
  chainId: number;
  provisionRegistry: Hex;
  walletLinks: Hex;
  /** The block the contracts were deployed in (events are read from there). Default 0. */
  fromBlock?: bigint;
  /** The most blocks one eth_getLogs may span. Default 50,000. */
  maxBlockRange?: bigint;
}

/** A registered provision, as the registry says now. */
export interface ProvisionView {
  machine: Hex;
  controller: Hex;
  did: string;
  metadataHash: Hex;
  state: ProvisionState;
  /** The nonce a signed state change must carry now. */
  nonce: number;
  /** Block time of the last change (seconds). */
  updatedAt: number;
}

/** One event in a provision's (or a wallet's) history. */
export type ChainActivity =
  | ({ kind: "registered"; machine: Hex; controller: Hex; did: string; metadataHash: Hex } & EventPlace)
  | ({ kind: "state"; machine: Hex; from: ProvisionState; to: ProvisionState; by: Hex } & EventPlace)
  | ({ kind: "linked"; wallet: Hex; did: string; didHash: Hex } & EventPlace)
  | ({ kind: "unlinked"; wallet: Hex; didHash: Hex } & EventPlace);

export interface EventPlace {
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  /** Block time, seconds since the epoch. */
  timestamp: number;
}

/** The chain could not be read (endpoint down, wrong chain, ...). */
export class ChainReadError extends UnverifiableError {
  override readonly name = "ChainReadError";
}

async function guard<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ChainReadError) throw e;
    const details = e instanceof Error ? ((e as { shortMessage?: string }).shortMessage ?? e.message) : String(e);
    throw new ChainReadError(`Could not read ${what} from the chain`, { details, cause: e });
  }
}

/** Checks that the endpoint serves the expected chain. */
export async function assertChain(client: PublicClient, chainId: number): Promise<void> {
  const actual = await guard("the chain id", () => client.getChainId());
  if (actual !== chainId) {
    throw new ChainReadError("The RPC endpoint serves another chain", { details: `expected ${chainId}, got ${actual}` });
  }
}

/** The provision of `machine`; null when it is not registered. */
export async function readProvision(
  client: PublicClient,
  contracts: ProvisionContracts,
  machine: Hex,
): Promise<ProvisionView | null> {
  const p = await guard("the provision", () =>
    client.readContract({ address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "provisionOf", args: [machine] }),
  );
  const state = stateFromIndex(p.state);
  if (state === "none") return null;
  return {
    machine,
    controller: p.controller,
    did: p.did,
    metadataHash: p.metadataHash,
    state,
    nonce: Number(p.nonce),
    updatedAt: Number(p.updatedAt),
  };
}

interface RawLog {
  blockNumber: bigint | null;
  logIndex: number | null;
  transactionHash: Hex | null;
}

async function ranges<T>(
  client: PublicClient,
  contracts: ProvisionContracts,
  read: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>,
): Promise<T[]> {
  const latest = await guard("the latest block", () => client.getBlockNumber({ cacheTime: 0 }));
  const step = contracts.maxBlockRange ?? 50_000n;
  const out: T[] = [];
  for (let from = contracts.fromBlock ?? 0n; from <= latest; from += step) {
    const to = from + step - 1n < latest ? from + step - 1n : latest;
    out.push(...(await guard("events", () => read(from, to))));
  }
  return out;
}

async function withTimes<T extends RawLog, R>(
  client: PublicClient,
  logs: T[],
  map: (log: T, place: EventPlace) => R,
): Promise<R[]> {
  const times = new Map<bigint, Promise<number>>();
  const timeOf = (n: bigint): Promise<number> => {
    let t = times.get(n);
    if (!t) {
      t = guard("a block", () => client.getBlock({ blockNumber: n })).then((b) => Number(b.timestamp));
      times.set(n, t);
    }
    return t;
  };
  return Promise.all(
    logs.map(async (log) =>
      map(log, {
        blockNumber: Number(log.blockNumber ?? 0n),
        logIndex: log.logIndex ?? 0,
        txHash: (log.transactionHash ?? "0x") as Hex,
        timestamp: await timeOf(log.blockNumber ?? 0n),
      }),
    ),
  );
}

function byChainOrder(a: EventPlace, b: EventPlace): number {
  return a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;
}

/** Registration and every state change of the provision of `machine`, oldest first. */
export async function readProvisionHistory(
  client: PublicClient,
  contracts: ProvisionContracts,
  machine: Hex,
): Promise<ChainActivity[]> {
  const address = contracts.provisionRegistry;
  const abi = provisionRegistryAbi;
  const [registered, changed] = await Promise.all([
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ProvisionRegistered", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ProvisionStateChanged", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
  ]);
  const items = [
    ...(await withTimes(client, registered, (l, place): ChainActivity => ({
      kind: "registered",
      machine: l.args.machine,
      controller: l.args.controller,
      did: l.args.did,
      metadataHash: l.args.metadataHash,
      ...place,
    }))),
    ...(await withTimes(client, changed, (l, place): ChainActivity => ({
      kind: "state",
      machine: l.args.machine,
      from: stateFromIndex(l.args.from),
      to: stateFromIndex(l.args.to),
      by: l.args.by,
      ...place,
    }))),
  ];
  return items.sort(byChainOrder);
}

/** The provisions `controller` registered (as the registry says now), in registration order. */
export async function listProvisionsOf(
  client: PublicClient,
  contracts: ProvisionContracts,
  controller: Hex,
): Promise<ProvisionView[]> {
  const logs = await ranges(client, contracts, (fromBlock, toBlock) =>
    client.getContractEvents({
      address: contracts.provisionRegistry,
      abi: provisionRegistryAbi,
      eventName: "ProvisionRegistered",
      args: { controller },
      fromBlock,
      toBlock,
      strict: true,
    }),
  );
  const machines = [...new Set(logs.map((l) => l.args.machine))];
  const views = await Promise.all(machines.map((m) => readProvision(client, contracts, m)));
  return views.filter((v): v is ProvisionView => v !== null && v.controller.toLowerCase() === controller.toLowerCase());
}

/**
 * What `wallet` did with our contracts, newest first: provisions it registered, state changes on its
 * authority, links and unlinks.
 */
export async function readWalletActivity(
  client: PublicClient,
  contracts: ProvisionContracts,
  wallet: Hex,
  limit = 20,
): Promise<ChainActivity[]> {
  const reg = contracts.provisionRegistry;
  const links = contracts.walletLinks;
  const [registered, changed, linked, unlinked] = await Promise.all([
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi: provisionRegistryAbi, eventName: "ProvisionRegistered", args: { controller: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi: provisionRegistryAbi, eventName: "ProvisionStateChanged", args: { by: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: links, abi: walletLinksAbi, eventName: "WalletLinked", args: { wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: links, abi: walletLinksAbi, eventName: "WalletUnlinked", args: { wallet }, fromBlock, toBlock, strict: true }),
    ),
  ]);
  const items: ChainActivity[] = [
    ...(await withTimes(client, registered, (l, p): ChainActivity => ({ kind: "registered", machine: l.args.machine, controller: l.args.controller, did: l.args.did, metadataHash: l.args.metadataHash, ...p }))),
    ...(await withTimes(client, changed, (l, p): ChainActivity => ({ kind: "state", machine: l.args.machine, from: stateFromIndex(l.args.from), to: stateFromIndex(l.args.to), by: l.args.by, ...p }))),
    ...(await withTimes(client, linked, (l, p): ChainActivity => ({ kind: "linked", wallet: l.args.wallet, did: l.args.did, didHash: l.args.didHash, ...p }))),
    ...(await withTimes(client, unlinked, (l, p): ChainActivity => ({ kind: "unlinked", wallet: l.args.wallet, didHash: l.args.didHash, ...p }))),
  ];
  return items.sort((a, b) => byChainOrder(b, a)).slice(0, limit);
}

/**
 * The DID `wallet` claims on chain: its hash (`linkOf`) and the DID string from the matching
 * `WalletLinked` event (the contract stores only the hash). Null when it claims none.
 */
export async function readWalletClaim(
  client: PublicClient,
  contracts: ProvisionContracts,
  wallet: Hex,
): Promise<{ did: string | null; didHash: Hex } | null> {
  const didHash = await guard("the wallet link", () =>
    client.readContract({ address: contracts.walletLinks, abi: walletLinksAbi, functionName: "linkOf", args: [wallet] }),
  );
  if (/^0x0{64}$/.test(didHash)) return null;
  const logs = await ranges(client, contracts, (fromBlock, toBlock) =>
    client.getContractEvents({
      address: contracts.walletLinks,
      abi: walletLinksAbi,
      eventName: "WalletLinked",
      args: { wallet, didHash },
      fromBlock,
      toBlock,
      strict: true,
    }),
  );
  const last = logs.at(-1);
  return { didHash, did: last ? last.args.did : null };
}
