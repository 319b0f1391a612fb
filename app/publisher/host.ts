/**
 * The publisher's view of one host folder, held in memory and written back with `flush()`: the logs
 * (append-only; the published lines are kept verbatim and never re-serialised), the anchor proofs, and the
 * index. Commands load it, change it, flush it; the fixture generator does the same for thousands of DIDs
 * and flushes once per stage.
 */
import { ANCHOR_SERVICE_TYPE, type AnchoringDeclaration, type AnchorsFile, type EntryAnchorProof, type Hex, type LogEntry } from "../core/types.ts";
import { InvalidError } from "../core/errors.ts";
import type { Batch, BatchItem } from "./batch.ts";
import { checkLog, didFolder, HostFileFormatError, HostStore, mapLimit } from "./store.ts";

/** The DID is not (or already) on this host. */
export class UnknownDidError extends InvalidError {
  override readonly name = "UnknownDidError";
}
/** The host folder is missing, or lists no DID (nothing to anchor). */
export class EmptyHostError extends InvalidError {
  override readonly name = "EmptyHostError";
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
  /** Every DID of dids.json (loaded or not) and every DID added since. */
  readonly #index = new Set<string>();
  #indexDirty = false;

  private constructor(root: string) {
    this.store = new HostStore(root);
  }

  /**
   * Reads the host's dids.json and the logs and proofs of its DIDs (all, or only `dids`: a command that
   * works on one DID is not stopped by another DID's broken files). A missing folder is an empty host.
   * Every file that is read is checked: typed errors name the file (and the line of a log). With
   * `verify`, each loaded log must also verify as the resolver verifies it (hash chain, signatures, keys):
   * the publisher never builds on, anchors or publishes a log a verifier would refuse.
   */
  static async open(root: string, options: { dids?: readonly string[]; verify?: boolean } = {}): Promise<PublisherHost> {
    const host = new PublisherHost(root);
    const index = await host.store.readIndex();
    for (const d of index) {
      let folder: string;
      try {
        folder = didFolder(d);
      } catch (cause) {
        throw new HostFileFormatError("dids.json lists a DID that cannot be a folder of the host", { details: `${host.store.indexPath}: ${d}`, cause });
      }
      host.#index.add(d);
      host.#byFolder.set(folder, d);
    }
    const wanted = options.dids === undefined ? index : index.filter((d) => options.dids!.includes(d));
    const loaded = new Map<string, DidRecord>();
    await mapLimit(wanted, 32, async (did) => {
      const file = host.store.logPath(did);
      const text = await host.store.readLog(did);
      if (text === null) throw new UnknownDidError("dids.json names a DID whose log is missing", { details: `${did}: ${file}` });
      const lines = text.split("\n").filter((l) => l !== "");
      const entries = await checkLog(did, file, text, options.verify ? { witness: await host.store.readWitness(did) } : { verify: false });
      const anchorsFile = await host.store.readAnchors(did);
      const anchors = anchorsFile?.anchors ?? [];
      loaded.set(did, {
        did,
        lines,
        entries,
        anchors,
        anchored: new Set(anchors.map((a) => a.versionId)),
        publishedLines: lines.length,
        logDirty: false,
        anchorsDirty: false,
      });
    });
    // Keep the index order, not the order the files happened to load in.
    for (const d of wanted) host.#dids.set(d, loaded.get(d)!);
    return host;
  }

  get root(): string {
    return this.store.root;
  }

  /** Every DID of the host (dids.json and those added), loaded or not. */
  dids(): string[] {
    return [...this.#index];
  }

  /** The DID published in a folder of the host (`passports/w-000001`), if any. */
  didAt(folder: string): string | undefined {
    return this.#byFolder.get(folder);
  }

  has(did: string): boolean {
    return this.#index.has(did);
  }

  log(did: string): readonly LogEntry[] {
    return this.#get(did).entries;
  }

  anchors(did: string): readonly EntryAnchorProof[] {
    return this.#get(did).anchors;
  }

  /** Adds a new DID with its first entries. */
  add(did: string, entries: readonly LogEntry[]): void {
    if (this.#index.has(did)) throw new DuplicateDidError("The DID is already on this host", { details: did });
    const folder = didFolder(did);
    const other = this.#byFolder.get(folder);
    if (other !== undefined) throw new DuplicateDidError("Another DID is already published in this folder", { details: `${folder}: ${other}` });
    this.#byFolder.set(folder, did);
    this.#index.add(did);
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
      await this.store.addToIndex(this.#index);
      this.#indexDirty = false;
    }
    return { logs: logs.length, anchors: anchors.length };
  }

  #get(did: string): DidRecord {
    const record = this.#dids.get(did);
    if (!record) {
      if (this.#index.has(did)) throw new RangeError(`internal: ${did} was not loaded (PublisherHost.open dids)`);
      throw new UnknownDidError("The DID is not on this host", { details: `${did} is not in ${this.store.indexPath}` });
    }
    return record;
  }
}
