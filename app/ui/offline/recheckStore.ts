/**
 * Where re-check records are kept (offline/recheck.ts): this origin's localStorage, one item per product DID
 * (its latest record) and an index of those DIDs, most recently stored last, each with the product link
 * (a GS1 Digital Link's linkset URL) it was opened by, when it was, and its size: a product opened again by
 * its link can then be re-checked while its linkset is read, the DID it names compared with the record's
 * afterwards. localStorage rather than IndexedDB because a reopened product's re-check must start at once:
 * it is read synchronously, where opening IndexedDB took 35-130 ms of a page load here.
 *
 * localStorage is small (about 5 million characters per origin) and shared with the app's settings, so the
 * records are bounded well within it: at most MAX_RECORDS records, MAX_RECORD_CHARS each (a window's tree
 * of three DIDs is about 23 thousand characters), MAX_TOTAL_CHARS together, the oldest dropped first; when
 * the storage is full all the same, older records give way (never anything else), and a record whose index
 * could not be written is removed with it. Items of this prefix that the index does not name (left by a
 * failed write, or another tab) are swept on each write. Everything here fails quietly: without a record,
 * the product is verified in full.
 *
 * No imports beyond types: this module is in the page's entry chunk.
 */
import type { RecheckRecord } from "./recheck.ts";

export const RECORD_PREFIX = "verifier.recheck ";
export const INDEX_KEY = "verifier.rechecks";
export const MAX_RECORDS = 24;
export const MAX_RECORD_CHARS = 96 * 1024;
export const MAX_TOTAL_CHARS = 1_000_000;

/** One product with a record: its DID, the link it was opened by (or null), the record's length. */
type IndexEntry = [did: string, link: string | null, chars: number];

function readIndex(storage: Storage): IndexEntry[] {
  try {
    const raw = storage.getItem(INDEX_KEY);
    const list: unknown = raw ? JSON.parse(raw) : [];
    if (!Array.isArray(list)) return [];
    return list.filter(
      (e): e is IndexEntry =>
        Array.isArray(e) && e.length === 3 && typeof e[0] === "string" && (e[1] === null || typeof e[1] === "string") && Number.isSafeInteger(e[2]),
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

/** Every re-check item that `index` does not name. */
function orphans(storage: Storage, index: readonly IndexEntry[]): string[] {
  const named = new Set(index.map(([did]) => RECORD_PREFIX + did));
  const found: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(RECORD_PREFIX) && !named.has(key)) found.push(key);
  }
  return found;
}

/** Removes every re-check record (the settings need the room, say). */
export function clearRecords(storage: Storage | undefined): void {
  if (!storage) return;
  try {
    for (const key of orphans(storage, [])) storage.removeItem(key);
    storage.removeItem(INDEX_KEY);
  } catch {
    // storage refused
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
    for (const key of orphans(storage, index)) if (key !== item) storage.removeItem(key);
    const text = record && record.did === did ? JSON.stringify(record) : null;
    const writeIndex = () => storage.setItem(INDEX_KEY, JSON.stringify(index));
    if (text === null || text.length > MAX_RECORD_CHARS) {
      storage.removeItem(item);
      writeIndex();
      return;
    }
    const dropOldest = () => storage.removeItem(RECORD_PREFIX + index.shift()![0]);
    while (index.length >= MAX_RECORDS) dropOldest();
    while (index.length && index.reduce((n, e) => n + e[2], text.length) > MAX_TOTAL_CHARS) dropOldest();
    for (;;) {
      try {
        storage.setItem(item, text);
        index.push([did, link ?? known, text.length]);
        writeIndex();
        return;
      } catch {
        // full: the oldest record gives way; with none left, this one is not kept
        if (index.at(-1)?.[0] === did) index.pop();
        storage.removeItem(item);
        if (index.length === 0) {
          writeIndex();
          return;
        }
        dropOldest();
      }
    }
  } catch {
    // storage refused: no record
  }
}
