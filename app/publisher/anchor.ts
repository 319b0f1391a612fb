/**
 * Anchoring: every entry of the host not yet in a did-anchors.json becomes one Merkle batch whose root is
 * sent to the registry (`anchor(root)`), then each DID's proofs are written.
 *
 * Re-runnable and crash-safe:
 * - a journal (`.publisher/pending-batch.json`: the root and its leaves' (did, versionId)) is written and
 *   synced BEFORE the transaction is sent, and removed once the proofs are on disk;
 * - before sending, the chain is asked `anchorOf(anchorer, root)`: a root already anchored (a crash between
 *   the transaction and the proofs) is not sent again, its proofs are written from the journal;
 * - without a journal (lost), the unanchored entries are collected in a stable order, so the same batch and
 *   the same root come back, and the chain check still prevents a second transaction.
 * Running twice anchors nothing twice.
 */
import fs from "node:fs/promises";
import { parseEventLogs } from "viem";
import { anchorRegistryAbi } from "../contracts/abi.ts";
import { InvalidError } from "../core/errors.ts";
import type { Hex } from "../core/types.ts";
import { buildBatch, type Batch, type BatchItem } from "./batch.ts";
import { ChainUnreachableError, type ChainConnection } from "./chain.ts";
import type { PublisherHost } from "./host.ts";
import { readFileOrNull, writeFileAtomic } from "./store.ts";

export const JOURNAL_FILE = "pending-batch.json";

interface Journal {
  root: Hex;
  chainId: number;
  registry: Hex;
  anchorer: Hex;
  batch?: string;
  createdAt: string;
  items: BatchItem[];
}

/** The journal does not match what it claims (its leaves do not give its root), or names another chain. */
export class JournalMismatchError extends InvalidError {
  override readonly name = "JournalMismatchError";
}

export interface AnchoredBatch {
  root: Hex;
  entries: number;
  dids: number;
  /** True when this run sent the transaction; false when the chain already had the root (recovery). */
  sent: boolean;
  txHash?: Hex;
  blockNumber: number;
  timestamp: number;
  /** Resumed from a journal left by an interrupted run. */
  resumed: boolean;
  batch?: string;
}

export interface AnchorRunOptions {
  host: PublisherHost;
  conn: ChainConnection;
  registry: Hex;
  /** Only anchor these of the unanchored entries (default: all). The fixture generator anchors stage by stage. */
  select?: (item: BatchItem) => boolean;
  /** A label stamped into the proofs (informational). */
  batch?: string;
  /** Test hook: called after the transaction was sent and mined, before any proof is written. */
  afterSend?: (txHash: Hex) => void | Promise<void>;
  onProgress?: (message: string) => void;
}

export interface AnchorRunResult {
  batches: AnchoredBatch[];
  /** Entries left out because their own document does not declare this chain, registry and anchorer. */
  skipped: BatchItem[];
}

/** The anchor of `root` by `anchorer`, or null. */
export async function readAnchor(conn: ChainConnection, registry: Hex, anchorer: Hex, root: Hex): Promise<{ timestamp: number; blockNumber: number } | null> {
  const [timestamp, blockNumber] = await conn.publicClient.readContract({
    address: registry,
    abi: anchorRegistryAbi,
    functionName: "anchorOf",
    args: [anchorer, root],
  });
  return timestamp === 0n ? null : { timestamp: Number(timestamp), blockNumber: Number(blockNumber) };
}

/** Anchors every unanchored entry of the host (finishing first any batch an earlier run left pending). */
export async function anchorPending(options: AnchorRunOptions): Promise<AnchorRunResult> {
  const { host, conn, registry } = options;
  const anchorer = conn.account.address;
  const journalPath = host.store.statePath(JOURNAL_FILE);
  const batches: AnchoredBatch[] = [];

  const pending = await readFileOrNull(journalPath);
  if (pending !== null) {
    const journal = JSON.parse(pending) as Journal;
    if (journal.chainId !== conn.chainId || journal.registry.toLowerCase() !== registry.toLowerCase() || journal.anchorer.toLowerCase() !== anchorer.toLowerCase()) {
      throw new JournalMismatchError("A pending batch was started on another chain, registry or account", {
        details: `${journalPath}: chain ${journal.chainId}, registry ${journal.registry}, anchorer ${journal.anchorer}`,
      });
    }
    const batch = buildBatch(journal.items);
    if (batch.root !== journal.root) throw new JournalMismatchError("The pending batch's leaves do not give its root", { details: journalPath });
    options.onProgress?.(`resuming pending batch ${batch.root}`);
    batches.push(await finish(options, batch, journal.batch, true, journalPath));
  }

  const unanchored = host.unanchored({ chainId: conn.chainId, registry, anchorer });
  const items = options.select ? unanchored.items.filter(options.select) : unanchored.items;
  const skipped = unanchored.skipped;
  if (items.length > 0) {
    const batch = buildBatch(items);
    const journal: Journal = {
      root: batch.root,
      chainId: conn.chainId,
      registry,
      anchorer,
      ...(options.batch === undefined ? {} : { batch: options.batch }),
      createdAt: new Date().toISOString(),
      items,
    };
    await writeFileAtomic(journalPath, JSON.stringify(journal));
    batches.push(await finish(options, batch, options.batch, false, journalPath));
  }
  return { batches, skipped };
}

async function finish(options: AnchorRunOptions, batch: Batch, label: string | undefined, resumed: boolean, journalPath: string): Promise<AnchoredBatch> {
  const { host, conn, registry } = options;
  const anchorer = conn.account.address;
  let record = await readAnchor(conn, registry, anchorer, batch.root);
  let txHash: Hex | undefined;
  let sent = false;
  if (record === null) {
    options.onProgress?.(`anchoring ${batch.leaves.length} entries, root ${batch.root}`);
    txHash = await conn.walletClient.writeContract({ address: registry, abi: anchorRegistryAbi, functionName: "anchor", args: [batch.root] });
    const receipt = await conn.publicClient.waitForTransactionReceipt({ hash: txHash });
    if (receipt.status !== "success") throw new ChainUnreachableError("The anchor transaction reverted", { details: txHash });
    sent = true;
    await options.afterSend?.(txHash);
    record = await readAnchor(conn, registry, anchorer, batch.root);
    if (record === null) throw new ChainUnreachableError("The anchor transaction was mined but the registry does not show the root", { details: txHash });
  } else {
    options.onProgress?.(`root ${batch.root} already anchored at block ${record.blockNumber}: writing its proofs without sending again`);
    txHash = await findAnchorTx(conn, registry, anchorer, batch.root, record.blockNumber);
  }
  host.applyBatch(batch, { chainId: conn.chainId, registry, anchorer, ...(label === undefined ? {} : { batch: label }), ...(txHash === undefined ? {} : { txHash }) });
  await host.flush();
  await fs.rm(journalPath, { force: true });
  return {
    root: batch.root,
    entries: batch.leaves.length,
    dids: new Set(batch.leaves.map((l) => l.did)).size,
    sent,
    ...(txHash === undefined ? {} : { txHash }),
    blockNumber: record.blockNumber,
    timestamp: record.timestamp,
    resumed,
    ...(label === undefined ? {} : { batch: label }),
  };
}

/** The transaction that anchored a root (informational; undefined if the endpoint will not say). */
async function findAnchorTx(conn: ChainConnection, registry: Hex, anchorer: Hex, root: Hex, blockNumber: number): Promise<Hex | undefined> {
  try {
    const logs = await conn.publicClient.getLogs({
      address: registry,
      fromBlock: BigInt(blockNumber),
      toBlock: BigInt(blockNumber),
    });
    const events = parseEventLogs({ abi: anchorRegistryAbi, logs, eventName: "RootAnchored" });
    return events.find((e) => e.args.anchorer.toLowerCase() === anchorer.toLowerCase() && e.args.root === root)?.transactionHash;
  } catch {
    return undefined;
  }
}
