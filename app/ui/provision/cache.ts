/**
 * The provision pages read before, in IndexedDB: what the chain said (with the block and the time it was
 * read) and the DID's verdict, so a provision opened offline is shown from here, dated.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { ProvisionDidFacts } from "../../core/provisions/check.ts";
import type { ProvisionActivity, ProvisionView } from "../../core/provisions/read.ts";
import type { Hex } from "../../core/types.ts";

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
  /** The DID's verdict and what its document says (the wallets it names included), when it was checked. */
  did?: ProvisionDidFacts & { checkedAt: string };
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
    return withoutUncheckableDid(await (await open()).get("provisions", key));
  } catch {
    return undefined;
  }
}

/**
 * An entry cached before the page recorded the wallets a DID document names lacks what the provision is
 * checked against (its `did.error` could even be the page's own old controller check): its DID part is
 * dropped (shown as not checked) unless the DID's verdict alone decides (invalid, unverifiable).
 */
export function withoutUncheckableDid(entry: CachedProvision | undefined): CachedProvision | undefined {
  const did = entry?.did;
  if (!entry || !did || Array.isArray(did.wallets) || did.verdict === "invalid" || did.verdict === "unverifiable") return entry;
  const { did: _dropped, ...rest } = entry;
  return rest;
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
