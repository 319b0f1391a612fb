/**
 * The publisher's view of one host folder, held in memory and written back with `flush()`: the logs
 * (append-only; the published lines are kept verbatim and never re-serialised), the anchor proofs, and the
 * index. Commands load it, change it, flush it; the fixture generator does the same for thousands of DIDs
 * and flushes once per stage.
 */
import { ANCHOR_SERVICE_TYPE, type AnchoringDeclaration, type AnchorsFile, type EntryAnchorProof, type Hex, type LogEntry } from "../core/types.ts";
import { InvalidError } from "../core/errors.ts";
import type { Batch, BatchItem } from "./batch.ts";
import { didFolder, HostStore, mapLimit } from "./store.ts";

/** The DID is not (or already) on this host. */
export class UnknownDidError extends InvalidError {
  override readonly name = "UnknownDidError";
}
export class DuplicateDidError extends InvalidError {
  override readonly name = "DuplicateDidError";
}

interface DidRecord {
  did: string;
  lines: string[];
  entries: LogEntry[];
  anchors: EntryAnchorProof[];
  anchored: Set<string>;
  /** Lines already on disk (the prefix the store checks). */
  publishedLines: number;
  logDirty: boolean;
  anchorsDirty: boolean;
}

/** Where one batch was anchored, to stamp into each proof. */
export interface AnchorTarget {
  chainId: number;
  registry: Hex;
  anchorer: Hex;
  batch?: string;
  txHash?: Hex;
}

/** The anchoring declaration (`#anchoring`, EvmMerkleAnchor) of a DID document, if any. */
export function anchoringDeclaration(entry: LogEntry): AnchoringDeclaration | undefined {
  const service = entry.state.service?.find((s) => (Array.isArray(s.type) ? s.type.includes(ANCHOR_SERVICE_TYPE) : s.type === ANCHOR_SERVICE_TYPE));
  return service?.serviceEndpoint as AnchoringDeclaration | undefined;
}

export function declares(entry: LogEntry, target: { chainId: number; registry: Hex; anchorer: Hex }): boolean {
  const d = anchoringDeclaration(entry);
  return (
    d !== undefined &&
    d.chainId === target.chainId &&
    d.registry.toLowerCase() === target.registry.toLowerCase() &&
    d.anchorers.some((a) => a.toLowerCase() === target.anchorer.toLowerCase())
  );
}

export class PublisherHost {
  readonly store: HostStore;
  readonly #dids = new Map<string, DidRecord>();
  readonly #byFolder = new Map<string, string>();
  #indexDirty = false;

  private constructor(root: string) {
    this.store = new HostStore(root);
  }

  /** Loads every DID of the host's dids.json (logs and proofs). A missing folder is an empty host. */
  static async open(root: string): Promise<PublisherHost> {
    const host = new PublisherHost(root);
    const dids = await host.store.readIndex();
    await mapLimit(dids, 32, async (did) => {
      const text = await host.store.readLog(did);
      if (text === null) throw new UnknownDidError("dids.json names a DID whose log is missing", { details: did });
      const lines = text.split("\n").filter((l) => l !== "");
      const anchorsFile = await host.store.readAnchors(did);
      const anchors = anchorsFile?.anchors ?? [];
      host.#dids.set(did, {
        did,
        lines,
        entries: lines.map((l) => JSON.parse(l) as LogEntry),
        anchors,
        anchored: new Set(anchors.map((a) => a.versionId)),
        publishedLines: lines.length,
        logDirty: false,
        anchorsDirty: false,
      });
    });
    // Keep the index order, not the order the files happened to load in.
    const ordered = new Map(dids.map((d) => [d, host.#dids.get(d)!]));
    host.#dids.clear();
    for (const [d, r] of ordered) (host.#dids.set(d, r), host.#byFolder.set(didFolder(d), d));
    return host;
  }

  get root(): string {
    return this.store.root;
  }

  dids(): string[] {
    return [...this.#dids.keys()];
  }

  /** The DID published in a folder of the host (`passports/w-000001`), if any. */
  didAt(folder: string): string | undefined {
    return this.#byFolder.get(folder);
  }

  has(did: string): boolean {
    return this.#dids.has(did);
  }

  log(did: string): readonly LogEntry[] {
    return this.#get(did).entries;
  }

  anchors(did: string): readonly EntryAnchorProof[] {
    return this.#get(did).anchors;
  }

  /** Adds a new DID with its first entries. */
  add(did: string, entries: readonly LogEntry[]): void {
    if (this.#dids.has(did)) throw new DuplicateDidError("The DID is already on this host", { details: did });
    const folder = didFolder(did);
    const other = this.#byFolder.get(folder);
    if (other !== undefined) throw new DuplicateDidError("Another DID is already published in this folder", { details: `${folder}: ${other}` });
    this.#byFolder.set(folder, did);
    this.#dids.set(did, {
      did,
      lines: [],
      entries: [],
      anchors: [],
      anchored: new Set(),
      publishedLines: 0,
      logDirty: true,
      anchorsDirty: false,
    });
    this.#indexDirty = true;
    this.append(did, entries);
  }

  /** Appends entries (already signed and chained to the log's last entry) to a DID's log. */
  append(did: string, entries: readonly LogEntry[]): void {
    const record = this.#get(did);
    for (const entry of entries) {
      record.entries.push(entry);
      record.lines.push(JSON.stringify(entry));
    }
    if (entries.length > 0) record.logDirty = true;
  }

  /**
   * Every entry not yet in a did-anchors.json, in a stable order (index order, then log order), so that a
   * run interrupted before its proofs were written rebuilds the same batch and the same root.
   */
  unanchored(target?: { chainId: number; registry: Hex; anchorer: Hex }): { items: BatchItem[]; skipped: BatchItem[] } {
    const items: BatchItem[] = [];
    const skipped: BatchItem[] = [];
    for (const record of this.#dids.values()) {
      for (const entry of record.entries) {
        if (record.anchored.has(entry.versionId)) continue;
        const item = { did: record.did, versionId: entry.versionId };
        if (target === undefined || declares(entry, target)) items.push(item);
        else skipped.push(item);
      }
    }
    return { items, skipped };
  }

  /** Records the proofs of an anchored batch (in memory; `flush()` writes them). */
  applyBatch(batch: Batch, target: AnchorTarget): void {
    for (const leaf of batch.leaves) {
      const record = this.#get(leaf.did);
      if (record.anchored.has(leaf.versionId)) continue;
      record.anchored.add(leaf.versionId);
      record.anchors.push({
        versionId: leaf.versionId,
        leaf: leaf.leaf,
        proof: leaf.proof,
        root: batch.root,
        chainId: target.chainId,
        registry: target.registry,
        anchorer: target.anchorer,
        ...(target.batch === undefined ? {} : { batch: target.batch }),
        ...(target.txHash === undefined ? {} : { txHash: target.txHash }),
      });
      record.anchorsDirty = true;
    }
  }

  /**
   * Writes what changed: logs first (each checked against the published file: append only), then proofs,
   * then the index last, so a DID is listed only once its files exist.
   */
  async flush(options: { concurrency?: number } = {}): Promise<{ logs: number; anchors: number }> {
    const records = [...this.#dids.values()];
    const limit = options.concurrency ?? 16;
    const logs = records.filter((r) => r.logDirty);
    await mapLimit(logs, limit, async (r) => {
      await this.store.writeLog(r.did, `${r.lines.join("\n")}\n`);
      r.publishedLines = r.lines.length;
      r.logDirty = false;
    });
    const anchors = records.filter((r) => r.anchorsDirty);
    await mapLimit(anchors, limit, async (r) => {
      const file: AnchorsFile = { did: r.did, anchors: r.anchors };
      await this.store.writeAnchors(file);
      r.anchorsDirty = false;
    });
    if (this.#indexDirty) {
      await this.store.addToIndex(this.#dids.keys());
      this.#indexDirty = false;
    }
    return { logs: logs.length, anchors: anchors.length };
  }

  #get(did: string): DidRecord {
    const record = this.#dids.get(did);
    if (!record) throw new UnknownDidError("The DID is not on this host", { details: did });
    return record;
  }
}
