/**
 * Where re-check records are kept (offline/recheck.ts): this origin's localStorage, one item per product DID
 * (its latest record) and an index of those DIDs, most recently stored last, each with the product link
 * (a GS1 Digital Link's linkset URL) it was opened by, when it was: a product opened again by its link can
 * then be re-checked while its linkset is read, the DID it names compared with the record's afterwards. localStorage rather than
 * IndexedDB because a reopened product's re-check must start at once: it is read synchronously, where
 * opening IndexedDB took 35-130 ms of a page load here. So the store is small and bounded: at most
 * MAX_RECORDS records of at most MAX_RECORD_CHARS each, the oldest dropped first, and when the storage is
 * full, older ones are dropped until the new one fits (or it is not kept). Nothing else in the storage is
 * touched. Everything here fails quietly: without a record, the product is verified in full.
 *
 * No imports beyond types: this module is in the page's entry chunk.
 */
import type { RecheckRecord } from "./recheck.ts";

export const RECORD_PREFIX = "verifier.recheck ";
export const INDEX_KEY = "verifier.rechecks";
export const MAX_RECORDS = 24;
/** A window's tree (three DIDs, their documents and entries) is 10-30 thousand characters. */
export const MAX_RECORD_CHARS = 256 * 1024;

/** One product with a record: its DID, and the link it was opened by (or null). */
type IndexEntry = [did: string, link: string | null];

function readIndex(storage: Storage): IndexEntry[] {
  try {
    const raw = storage.getItem(INDEX_KEY);
    const list: unknown = raw ? JSON.parse(raw) : [];
    if (!Array.isArray(list)) return [];
    return list.filter(
      (e): e is IndexEntry => Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && (e[1] === null || typeof e[1] === "string"),
    );
  } catch {
    return [];
  }
}

/** The DID whose record was made when it was opened by `link` (a linkset URL), if any. */
export function didOfLink(storage: Storage | undefined, link: string): string | undefined {
  try {
    return storage ? readIndex(storage).findLast(([, l]) => l === link)?.[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Are there any records (so that the re-check's code is worth loading at boot)? */
export function hasRecords(storage: Storage | undefined): boolean {
  try {
    return !!storage && readIndex(storage).length > 0;
  } catch {
    return false;
  }
}

/** The record kept for `did`, if it was stored under `key` (same settings, same build); else undefined. */
export function loadRecord(storage: Storage | undefined, did: string, key: string): RecheckRecord | undefined {
  try {
    const raw = storage?.getItem(RECORD_PREFIX + did);
    if (!raw) return undefined;
    const record = JSON.parse(raw) as RecheckRecord;
    return record && record.key === key && record.did === did ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps `record` as `did`'s (or, with null, forgets `did`'s); `link`: the product link it was opened by
 * (otherwise the link known from an earlier record of the same DID is kept).
 */
export function saveRecord(storage: Storage | undefined, did: string, record: RecheckRecord | null, link?: string): void {
  if (!storage) return;
  try {
    const all = readIndex(storage);
    const known = all.find(([d]) => d === did)?.[1] ?? null;
    const index = all.filter(([d]) => d !== did);
    const item = RECORD_PREFIX + did;
    const text = record && record.did === did ? JSON.stringify(record) : null;
    if (text === null || text.length > MAX_RECORD_CHARS) {
      storage.removeItem(item);
      storage.setItem(INDEX_KEY, JSON.stringify(index));
      return;
    }
    while (index.length >= MAX_RECORDS) storage.removeItem(RECORD_PREFIX + index.shift()![0]);
    for (;;) {
      try {
        storage.setItem(item, text);
        break;
      } catch {
        // full: the oldest record gives way; with none left, this one is not kept
        const oldest = index.shift()?.[0];
        if (oldest === undefined) {
          storage.removeItem(item);
          storage.setItem(INDEX_KEY, JSON.stringify(index));
          return;
        }
        storage.removeItem(RECORD_PREFIX + oldest);
      }
    }
    index.push([did, link ?? known]);
    storage.setItem(INDEX_KEY, JSON.stringify(index));
  } catch {
    // storage refused: no record
  }
}
