/**
 * The provision pages read before, in IndexedDB: what the chain said (with the block and the time it was
 * read) and the DID's verdict, so a provision opened offline is shown from here, dated.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { ProvisionInfo } from "../../core/provisions/metadata.ts";
import type { ProvisionActivity, ProvisionView } from "../../core/provisions/read.ts";
import type { Hex, Verdict, VerdictReason } from "../../core/types.ts";

export interface CachedProvision {
  /** Lower-case machine address (the key). */
  key: string;
  chainId: number;
  registry: Hex;
  view: ProvisionView | null;
  history: ProvisionActivity[];
  /** When the chain data was read (ISO time) and at which block. */
  readAt: string;
  blockNumber: number;
  did?: { verdict: Verdict; error?: VerdictReason; info: ProvisionInfo | null; checkedAt: string };
}

interface Schema extends DBSchema {
  provisions: { key: string; value: CachedProvision };
}

let db: Promise<IDBPDatabase<Schema>> | null = null;

function open(): Promise<IDBPDatabase<Schema>> {
  db ??= openDB<Schema>("provisions-cache", 1, {
    upgrade(d) {
      d.createObjectStore("provisions", { keyPath: "key" });
    },
  });
  return db;
}

export function cacheKey(chainId: number, registry: Hex, machine: Hex): string {
  return `${chainId}:${registry.toLowerCase()}:${machine.toLowerCase()}`;
}

export async function getCached(key: string): Promise<CachedProvision | undefined> {
  try {
    return await (await open()).get("provisions", key);
  } catch {
    return undefined;
  }
}

export async function putCached(entry: CachedProvision): Promise<void> {
  try {
    await (await open()).put("provisions", $state_snapshot(entry));
  } catch {
    // private mode or quota: the page still works online
  }
}

/** A plain copy (no proxies) for IndexedDB's structured clone. */
function $state_snapshot<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
