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
 *
 * Anchoring from another wallet (`anchorer`: a browser wallet, a hardware wallet, a multisig): the run
 * writes the journal and, for each root not on chain yet, returns the transaction that wallet must send
 * (`waiting`: to the registry, `anchor(root)`), keeping the journal; nothing is sent. Once the wallet has
 * sent it, the next run finds the root on chain, anchored by that wallet, and writes the proofs. No new
 * batch is started while one waits.
 */
import fs from "node:fs/promises";
import { encodeFunctionData, parseEventLogs } from "viem";
import { anchorRegistryAbi } from "../contracts/abi.ts";
import { InvalidError } from "../core/errors.ts";
import type { Hex } from "../core/types.ts";
import { buildBatch, type Batch, type BatchItem } from "./batch.ts";
import { ChainUnreachableError, type ChainConnection } from "./chain.ts";
import type { PublisherHost } from "./host.ts";
import { sendContract } from "./send.ts";
import { HostFileFormatError, parseJsonFile, readFileOrNull, writeFileAtomic } from "./store.ts";

export const JOURNAL_FILE = "pending-batch.json";

interface JournalBatch {
  name?: string;
  root: Hex;
  items: BatchItem[];
}

interface Journal {
  chainId: number;
  registry: Hex;
  anchorer: Hex;
  createdAt: string;
  batches: JournalBatch[];
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
  /** The batch name of an entry (informational, stamped into its proof); null leaves it unanchored this run. Default: `batch` for all. */
  group?: (item: BatchItem) => string | null;
  /** Order in which named batches are sent (others after, in order of first appearance). */
  order?: readonly string[];
  /** The name of the single batch when `group` is not given. */
  batch?: string;
  /** The account the batch is anchored by; when not the connection's own, nothing is sent (see `waiting`). */
  anchorer?: Hex;
  /** Test hook: called after a transaction was sent and mined, before any proof is written. */
  afterSend?: (txHash: Hex) => void | Promise<void>;
  onProgress?: (message: string) => void;
}

/** A batch whose root another wallet (the anchorer) must send: the transaction to sign there. */
export interface WaitingBatch {
  root: Hex;
  entries: number;
  dids: number;
  from: Hex;
  to: Hex;
  data: Hex;
  batch?: string;
}

export interface AnchorRunResult {
  batches: AnchoredBatch[];
  /** Roots the anchorer's wallet has not sent yet (external anchorer only); run again once it has. */
  waiting: WaitingBatch[];
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

/**
 * Anchors every unanchored entry of the host (finishing first whatever an earlier run left in its journal),
 * as one batch, or one batch per `group` name. Proofs of all batches are written in one flush at the end.
 */
export async function anchorPending(options: AnchorRunOptions): Promise<AnchorRunResult> {
  const { host, conn, registry } = options;
  const anchorer = options.anchorer ?? conn.account.address;
  const journalPath = host.store.statePath(JOURNAL_FILE);
  const done: AnchoredBatch[] = [];
  const waiting: WaitingBatch[] = [];

  const pending = await readFileOrNull(journalPath);
  if (pending !== null) {
    const journal = parseJsonFile(journalPath, pending) as Journal;
    const ok = (v: unknown): v is Journal => {
      const j = v as Partial<Journal> | null;
      return typeof j === "object" && j !== null && typeof j.chainId === "number" && typeof j.registry === "string" && typeof j.anchorer === "string" && Array.isArray(j.batches) &&
        j.batches.every((b) => typeof b?.root === "string" && Array.isArray(b.items) && b.items.every((i) => typeof i?.did === "string" && typeof i.versionId === "string"));
    };
    if (!ok(journal)) throw new HostFileFormatError("The pending-batch journal is not { chainId, registry, anchorer, batches }", { details: journalPath });
    if (journal.chainId !== conn.chainId || journal.registry.toLowerCase() !== registry.toLowerCase() || journal.anchorer.toLowerCase() !== anchorer.toLowerCase()) {
      throw new JournalMismatchError("A pending batch was started on another chain, registry or account", {
        details: `${journalPath}: chain ${journal.chainId}, registry ${journal.registry}, anchorer ${journal.anchorer}`,
      });
    }
    const batches = journal.batches.map((b) => {
      const batch = buildBatch(b.items);
      if (batch.root !== b.root) throw new JournalMismatchError("A pending batch's leaves do not give its root", { details: `${journalPath}: ${b.root}` });
      return { batch, name: b.name };
    });
    options.onProgress?.(`resuming ${batches.length} pending batch(es) from ${journalPath}`);
    const resumed = await finish(options, batches, true, journalPath, journal);
    done.push(...resumed.done);
    waiting.push(...resumed.waiting);
    // The wallet has not sent them yet: their entries stay in that batch, and no other starts meanwhile.
    if (waiting.length > 0) return { batches: done, waiting, skipped: host.unanchored({ chainId: conn.chainId, registry, anchorer }).skipped };
  }

  const unanchored = host.unanchored({ chainId: conn.chainId, registry, anchorer });
  const groups = new Map<string | undefined, BatchItem[]>();
  for (const item of unanchored.items) {
    const name = options.group ? options.group(item) : options.batch;
    if (name === null) continue;
    let list = groups.get(name);
    if (!list) groups.set(name, (list = []));
    list.push(item);
  }
  if (groups.size > 0) {
    const rank = (name: string | undefined) => {
      const i = name === undefined ? -1 : (options.order ?? []).indexOf(name);
      return i === -1 ? Number.MAX_SAFE_INTEGER : i;
    };
    const names = [...groups.keys()].sort((a, b) => rank(a) - rank(b));
    const batches = names.map((name) => ({ batch: buildBatch(groups.get(name)!), name }));
    const journal: Journal = {
      chainId: conn.chainId,
      registry,
      anchorer,
      createdAt: new Date().toISOString(),
      batches: batches.map(({ batch, name }) => ({ ...(name === undefined ? {} : { name }), root: batch.root, items: groups.get(name)! })),
    };
    await writeFileAtomic(journalPath, JSON.stringify(journal));
    const sent = await finish(options, batches, false, journalPath, journal);
    done.push(...sent.done);
    waiting.push(...sent.waiting);
  }
  return { batches: done, waiting, skipped: unanchored.skipped };
}

async function finish(
  options: AnchorRunOptions,
  batches: { batch: Batch; name: string | undefined }[],
  resumed: boolean,
  journalPath: string,
  journal: Journal,
): Promise<{ done: AnchoredBatch[]; waiting: WaitingBatch[] }> {
  const { host, conn, registry } = options;
  const anchorer = options.anchorer ?? conn.account.address;
  const canSend = anchorer.toLowerCase() === conn.account.address.toLowerCase();
  const results: AnchoredBatch[] = [];
  const waiting: WaitingBatch[] = [];
  for (const { batch, name } of batches) {
    let record = await readAnchor(conn, registry, anchorer, batch.root);
    let txHash: Hex | undefined;
    let sent = false;
    if (record === null && !canSend) {
      waiting.push({
        root: batch.root,
        entries: batch.leaves.length,
        dids: new Set(batch.leaves.map((l) => l.did)).size,
        from: anchorer,
        to: registry,
        data: encodeFunctionData({ abi: anchorRegistryAbi, functionName: "anchor", args: [batch.root] }),
        ...(name === undefined ? {} : { batch: name }),
      });
      continue;
    }
    if (record === null) {
      options.onProgress?.(`anchoring ${batch.leaves.length} entries${name ? ` (${name})` : ""}, root ${batch.root}`);
      // Simulated, its gas checked against the balance, then sent: SenderUnfundedError, TransactionRevertedError
      // (e.g. RootAlreadyAnchored: the same account anchored it meanwhile) or ChainUnreachableError. The journal stays.
      ({ txHash } = await sendContract(conn, `Anchoring ${batch.leaves.length} entries (root ${batch.root})`, {
        abi: anchorRegistryAbi,
        address: registry,
        functionName: "anchor",
        args: [batch.root],
      }));
      sent = true;
      await options.afterSend?.(txHash);
      record = await readAnchor(conn, registry, anchorer, batch.root);
      if (record === null) throw new ChainUnreachableError("The anchor transaction was mined but the registry does not show the root", { details: txHash });
    } else {
      options.onProgress?.(`root ${batch.root} already anchored at block ${record.blockNumber}: writing its proofs without sending again`);
      txHash = await findAnchorTx(conn, registry, anchorer, batch.root, record.blockNumber);
    }
    host.applyBatch(batch, { chainId: conn.chainId, registry, anchorer, ...(name === undefined ? {} : { batch: name }), ...(txHash === undefined ? {} : { txHash }) });
    results.push({
      root: batch.root,
      entries: batch.leaves.length,
      dids: new Set(batch.leaves.map((l) => l.did)).size,
      sent,
      ...(txHash === undefined ? {} : { txHash }),
      blockNumber: record.blockNumber,
      timestamp: record.timestamp,
      resumed,
      ...(name === undefined ? {} : { batch: name }),
    });
  }
  await host.flush();
  if (waiting.length === 0) await fs.rm(journalPath, { force: true });
  else {
    // Only the batches still to be sent stay in the journal (the others' proofs are on disk now).
    const open = new Set(waiting.map((w) => w.root));
    await writeFileAtomic(journalPath, JSON.stringify({ ...journal, batches: journal.batches.filter((b) => open.has(b.root)) }));
  }
  return { done: results, waiting };
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
