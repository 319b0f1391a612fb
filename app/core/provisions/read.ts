/**
 * Reading provisions, their history and wallet links from the chain (viem, any JSON-RPC endpoint).
 *
 * History comes from the contracts' events (`ProvisionRegistered`, `ProvisionStateChanged`,
 * `MachineKeyRevoked`, `NonceInvalidated`, `ControlTransferStarted`, `ControlTransferred`,
 * `ProvisionMetadataUpdated`, `WalletLinked`, `WalletUnlinked`), filtered by their indexed addresses, read
 * from `fromBlock` (the contracts' deployment block) in ranges of at most `maxBlockRange` blocks, since public
 * endpoints limit `eth_getLogs`. Block times are read once per block.
 */
import { BaseError, ContractFunctionRevertedError, type PublicClient } from "viem";
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
  /** Block time of the last state change (seconds). */
  updatedAt: number;
  /** The controller revoked the machine key: the machine's signatures are refused. */
  machineKeyRevoked: boolean;
  /** The account the controller proposed as the next controller (it has not accepted yet); null when none. */
  pendingController: Hex | null;
}

/** Registration, state changes and wallet links: the events of a provision's (or a wallet's) history before the controller's safety operations. */
export type ChainActivity =
  | ({ kind: "registered"; machine: Hex; controller: Hex; did: string; metadataHash: Hex } & EventPlace)
  | ({ kind: "state"; machine: Hex; from: ProvisionState; to: ProvisionState; by: Hex } & EventPlace)
  | ({ kind: "linked"; wallet: Hex; did: string; didHash: Hex } & EventPlace)
  | ({ kind: "unlinked"; wallet: Hex; didHash: Hex } & EventPlace);

/**
 * One event of a provision's (or a wallet's) whole history: {@link ChainActivity} and the controller's
 * safety operations. {@link readProvisionActivity} and {@link readWalletEvents} return these; show them
 * with {@link describeActivity}.
 */
export type ProvisionActivity =
  | ChainActivity
  | ({ kind: "keyRevoked"; machine: Hex; controller: Hex } & EventPlace)
  /** `nonce` is the one burnt: a change signed for it can no longer be relayed. */
  | ({ kind: "nonceInvalidated"; machine: Hex; nonce: number } & EventPlace)
  /** `to` null: the controller cancelled its proposal. */
  | ({ kind: "controlProposed"; machine: Hex; from: Hex; to: Hex | null } & EventPlace)
  | ({ kind: "controlTransferred"; machine: Hex; from: Hex; to: Hex } & EventPlace)
  | ({ kind: "metadataUpdated"; machine: Hex; metadataHash: Hex } & EventPlace);

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
  const address = contracts.provisionRegistry;
  const abi = provisionRegistryAbi;
  const [p, machineKeyRevoked, pending] = await guard("the provision", () =>
    Promise.all([
      client.readContract({ address, abi, functionName: "provisionOf", args: [machine] }),
      // A registry deployed before revocation and transfers existed has neither: nothing revoked, none pending.
      orIfAbsent(client.readContract({ address, abi, functionName: "isMachineKeyRevoked", args: [machine] }), false),
      orIfAbsent(client.readContract({ address, abi, functionName: "pendingControllerOf", args: [machine] }), ZERO_ADDRESS_HEX),
    ]),
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
    machineKeyRevoked,
    pendingController: nonZero(pending),
  };
}

const ZERO_ADDRESS = /^0x0{40}$/;
const ZERO_ADDRESS_HEX: Hex = "0x0000000000000000000000000000000000000000";

/**
 * `fallback` when the view reverts without any data: what a contract without that function does (these views
 * never revert). An unreachable endpoint or any other failure still throws.
 */
async function orIfAbsent<T>(read: Promise<T>, fallback: T): Promise<T> {
  try {
    return await read;
  } catch (e) {
    const reverted = e instanceof BaseError ? e.walk((c) => c instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError && !reverted.data && (reverted.raw === undefined || reverted.raw === "0x")) {
      return fallback;
    }
    throw e;
  }
}

function nonZero(address: Hex): Hex | null {
  return ZERO_ADDRESS.test(address) ? null : address;
}

/** One line of a provision's (or a wallet's) history, for people. */
export function describeActivity(a: ProvisionActivity): string {
  switch (a.kind) {
    case "registered": return `Registered by ${a.controller}`;
    case "state": return `${a.from} → ${a.to}, by ${a.by}`;
    case "keyRevoked": return `Machine key revoked by ${a.controller}: its signatures are refused from now on`;
    case "nonceInvalidated": return `Pending signed change cancelled (nonce ${a.nonce}) by the controller`;
    case "controlProposed": return a.to ? `Control offered by ${a.from} to ${a.to}` : `Control offer cancelled by ${a.from}`;
    case "controlTransferred": return `Control passed from ${a.from} to ${a.to}`;
    case "metadataUpdated": return `Metadata hash updated to ${a.metadataHash}`;
    case "linked": return `Wallet linked to ${a.did}`;
    case "unlinked": return "Wallet unlinked";
  }
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

function uniqueLogs<T extends RawLog>(logs: T[]): T[] {
  const seen = new Set<string>();
  return logs.filter((l) => {
    const key = `${l.transactionHash}:${l.logIndex}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function byChainOrder(a: EventPlace, b: EventPlace): number {
  return a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;
}

/**
 * Everything that happened to the provision of `machine`, oldest first: registration, state changes,
 * machine key revocation, cancelled signatures, control offered and passed on, metadata updates.
 */
export async function readProvisionActivity(
  client: PublicClient,
  contracts: ProvisionContracts,
  machine: Hex,
): Promise<ProvisionActivity[]> {
  const address = contracts.provisionRegistry;
  const abi = provisionRegistryAbi;
  const [registered, changed, revoked, invalidated, proposed, transferred, updated] = await Promise.all([
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ProvisionRegistered", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ProvisionStateChanged", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "MachineKeyRevoked", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "NonceInvalidated", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ControlTransferStarted", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ControlTransferred", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ProvisionMetadataUpdated", args: { machine }, fromBlock, toBlock, strict: true }),
    ),
  ]);
  const items = [
    ...(await withTimes(client, registered, asRegistered)),
    ...(await withTimes(client, changed, asStateChange)),
    ...(await withTimes(client, revoked, asKeyRevoked)),
    ...(await withTimes(client, invalidated, (l, place): ProvisionActivity => ({
      kind: "nonceInvalidated",
      machine: l.args.machine,
      nonce: Number(l.args.nonce),
      ...place,
    }))),
    ...(await withTimes(client, proposed, asControlProposed)),
    ...(await withTimes(client, transferred, asControlTransferred)),
    ...(await withTimes(client, updated, (l, place): ProvisionActivity => ({
      kind: "metadataUpdated",
      machine: l.args.machine,
      metadataHash: l.args.metadataHash,
      ...place,
    }))),
  ];
  return items.sort(byChainOrder);
}

type Args<T> = RawLog & { args: T };

function asRegistered(l: Args<{ machine: Hex; controller: Hex; did: string; metadataHash: Hex }>, place: EventPlace): ChainActivity {
  return { kind: "registered", machine: l.args.machine, controller: l.args.controller, did: l.args.did, metadataHash: l.args.metadataHash, ...place };
}

function asStateChange(l: Args<{ machine: Hex; from: number; to: number; by: Hex }>, place: EventPlace): ChainActivity {
  return { kind: "state", machine: l.args.machine, from: stateFromIndex(l.args.from), to: stateFromIndex(l.args.to), by: l.args.by, ...place };
}

function asKeyRevoked(l: Args<{ machine: Hex; controller: Hex }>, place: EventPlace): ProvisionActivity {
  return { kind: "keyRevoked", machine: l.args.machine, controller: l.args.controller, ...place };
}

function asControlProposed(l: Args<{ machine: Hex; from: Hex; to: Hex }>, place: EventPlace): ProvisionActivity {
  return { kind: "controlProposed", machine: l.args.machine, from: l.args.from, to: nonZero(l.args.to), ...place };
}

function asControlTransferred(l: Args<{ machine: Hex; from: Hex; to: Hex }>, place: EventPlace): ProvisionActivity {
  return { kind: "controlTransferred", machine: l.args.machine, from: l.args.from, to: l.args.to, ...place };
}

/**
 * The provisions `controller` controls now (as the registry says), those it registered and those passed on
 * to it (`ControlTransferred`), in the order it got them; none it passed on to another.
 */
export async function listProvisionsOf(
  client: PublicClient,
  contracts: ProvisionContracts,
  controller: Hex,
): Promise<ProvisionView[]> {
  const address = contracts.provisionRegistry;
  const abi = provisionRegistryAbi;
  const [registered, received] = await Promise.all([
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ProvisionRegistered", args: { controller }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address, abi, eventName: "ControlTransferred", args: { to: controller }, fromBlock, toBlock, strict: true }),
    ),
  ]);
  const got = [...registered, ...received].sort(
    (a, b) => Number((a.blockNumber ?? 0n) - (b.blockNumber ?? 0n)) || (a.logIndex ?? 0) - (b.logIndex ?? 0),
  );
  const machines = [...new Set(got.map((l) => l.args.machine))];
  const views = await Promise.all(machines.map((m) => readProvision(client, contracts, m)));
  return views.filter((v): v is ProvisionView => v !== null && v.controller.toLowerCase() === controller.toLowerCase());
}

/**
 * What `wallet` did with our contracts, newest first: provisions it registered, state changes on its
 * authority, machine keys it revoked, control it offered, passed on or was offered or received, links and
 * unlinks. (Cancelled signatures and metadata updates are indexed by machine only: they are in the
 * provision's history.)
 */
export async function readWalletEvents(
  client: PublicClient,
  contracts: ProvisionContracts,
  wallet: Hex,
  limit = 20,
): Promise<ProvisionActivity[]> {
  const reg = contracts.provisionRegistry;
  const links = contracts.walletLinks;
  const abi = provisionRegistryAbi;
  const [registered, changed, revoked, proposedBy, proposedTo, transferredFrom, transferredTo, linked, unlinked] = await Promise.all([
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi, eventName: "ProvisionRegistered", args: { controller: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi, eventName: "ProvisionStateChanged", args: { by: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi, eventName: "MachineKeyRevoked", args: { controller: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi, eventName: "ControlTransferStarted", args: { from: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi, eventName: "ControlTransferStarted", args: { to: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi, eventName: "ControlTransferred", args: { from: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: reg, abi, eventName: "ControlTransferred", args: { to: wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: links, abi: walletLinksAbi, eventName: "WalletLinked", args: { wallet }, fromBlock, toBlock, strict: true }),
    ),
    ranges(client, contracts, (fromBlock, toBlock) =>
      client.getContractEvents({ address: links, abi: walletLinksAbi, eventName: "WalletUnlinked", args: { wallet }, fromBlock, toBlock, strict: true }),
    ),
  ]);
  const items: ProvisionActivity[] = [
    ...(await withTimes(client, registered, asRegistered)),
    ...(await withTimes(client, changed, asStateChange)),
    ...(await withTimes(client, revoked, asKeyRevoked)),
    // A proposal to oneself (or a transfer to oneself) is found twice: kept once.
    ...(await withTimes(client, uniqueLogs([...proposedBy, ...proposedTo]), asControlProposed)),
    ...(await withTimes(client, uniqueLogs([...transferredFrom, ...transferredTo]), asControlTransferred)),
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
