/**
 * The re-check records' store: bounded, oldest out first, a full storage makes room from the records only
 * (never from the app's other items), and nothing kept under other settings or another build is returned.
 */
import { describe, expect, it } from "vitest";
import type { RecheckRecord } from "./recheck.ts";
import { INDEX_KEY, MAX_RECORD_CHARS, MAX_RECORDS, MAX_TOTAL_CHARS, RECORD_PREFIX, clearRecords, didOfLink, hasRecords, loadRecord, saveRecord } from "./recheckStore.ts";

/** Storage with a quota in characters (keys and values), as browsers enforce one. */
class QuotaStorage implements Storage {
  readonly items = new Map<string, string>();
  constructor(readonly quota = Infinity) {}
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  getItem(k: string) { return this.items.get(k) ?? null; }
  removeItem(k: string) { this.items.delete(k); }
  setItem(k: string, v: string) {
    const used = [...this.items].reduce((n, [key, value]) => n + (key === k ? 0 : key.length + value.length), 0);
    if (used + k.length + v.length > this.quota) throw new DOMException("full", "QuotaExceededError");
    this.items.set(k, v);
  }
}

const record = (did: string, key = `k-${did}`, pad = 0): RecheckRecord => ({
  key,
  did,
  verifiedAt: 1,
  files: [{ did, file: "did.jsonl", sha256: "0".repeat(64), bytes: 2 }],
  anchors: [],
  product: { did, verdict: "verified", children: [], result: { did, url: "", verdict: "verified", entries: [], ...(pad ? { error: { name: "x", verdict: "verified", message: "p".repeat(pad), shortMessage: "" } as never } : {}) } },
});

describe("recheckStore", () => {
  it("keeps a product's latest record, returned only under the same key (settings and build)", () => {
    const s = new QuotaStorage();
    expect(hasRecords(s)).toBe(false);
    saveRecord(s, "did:a", record("did:a", "k1"));
    expect(hasRecords(s)).toBe(true);
    expect(loadRecord(s, "did:a", "k1")?.did).toBe("did:a");
    expect(loadRecord(s, "did:a", "k2")).toBeUndefined();
    expect(loadRecord(s, "did:b", "k1")).toBeUndefined();
    saveRecord(s, "did:a", record("did:a", "k2"));
    expect(loadRecord(s, "did:a", "k1")).toBeUndefined();
    expect(loadRecord(s, "did:a", "k2")?.key).toBe("k2");
    saveRecord(s, "did:a", null);
    expect(loadRecord(s, "did:a", "k2")).toBeUndefined();
    expect(hasRecords(s)).toBe(false);
  });

  it("at most MAX_RECORDS, oldest stored first out; a record stored again is the newest", () => {
    const s = new QuotaStorage();
    for (let i = 0; i < MAX_RECORDS; i++) saveRecord(s, `did:${i}`, record(`did:${i}`));
    saveRecord(s, "did:0", record("did:0")); // 0 again: now the newest, 1 the oldest
    saveRecord(s, "did:new", record("did:new"));
    expect(loadRecord(s, "did:1", "k-did:1")).toBeUndefined();
    expect(loadRecord(s, "did:0", "k-did:0")).toBeDefined();
    expect(loadRecord(s, "did:new", "k-did:new")).toBeDefined();
    expect(JSON.parse(s.getItem(INDEX_KEY)!)).toHaveLength(MAX_RECORDS);
    expect([...s.items.keys()].filter((k) => k.startsWith(RECORD_PREFIX))).toHaveLength(MAX_RECORDS);
  });

  it("a full storage: older records give way, the app's other items never; too large a record is not kept", () => {
    const s = new QuotaStorage(30_000);
    s.setItem("verifier.settings", "x".repeat(10_000));
    for (const d of ["a", "b", "c"]) saveRecord(s, `did:${d}`, record(`did:${d}`, `k-did:${d}`, 7_000));
    expect(loadRecord(s, "did:a", "k-did:a")).toBeUndefined(); // made room for c
    expect(loadRecord(s, "did:b", "k-did:b")).toBeDefined();
    expect(loadRecord(s, "did:c", "k-did:c")).toBeDefined();
    expect(s.getItem("verifier.settings")).toHaveLength(10_000);
    saveRecord(s, "did:huge", record("did:huge", "k", 25_000)); // cannot fit even alone
    expect(loadRecord(s, "did:huge", "k")).toBeUndefined();
    expect(s.getItem("verifier.settings")).toHaveLength(10_000);
    saveRecord(s, "did:over", record("did:over", "k", MAX_RECORD_CHARS));
    expect(s.getItem(RECORD_PREFIX + "did:over")).toBeNull();
  });

  it("the records together stay within MAX_TOTAL_CHARS, oldest out, whatever room the storage has", () => {
    const s = new QuotaStorage();
    const big = 60_000;
    const n = Math.ceil(MAX_TOTAL_CHARS / big) + 3;
    for (let i = 0; i < n; i++) saveRecord(s, `did:${i}`, record(`did:${i}`, `k-did:${i}`, big));
    const kept = [...s.items].filter(([k]) => k.startsWith(RECORD_PREFIX));
    expect(kept.reduce((total, [, v]) => total + v.length, 0)).toBeLessThanOrEqual(MAX_TOTAL_CHARS);
    expect(loadRecord(s, `did:${n - 1}`, `k-did:${n - 1}`)).toBeDefined();
    expect(loadRecord(s, "did:0", "k-did:0")).toBeUndefined();
  });

  it("a record whose index cannot be written is removed with it; strays are swept; all can be cleared", () => {
    const s = new QuotaStorage();
    saveRecord(s, "did:a", record("did:a"), "https://h/01/1/21/a/linkset.json");
    expect(didOfLink(s, "https://h/01/1/21/a/linkset.json")).toBe("did:a");
    // The index refuses to grow (the storage is full for it): b is not kept, a stays whole.
    const setItem = s.setItem.bind(s);
    s.setItem = (k, v) => {
      if (k === INDEX_KEY && v.includes("did:b")) throw new DOMException("full", "QuotaExceededError");
      setItem(k, v);
    };
    saveRecord(s, "did:b", record("did:b"));
    s.setItem = setItem;
    const keys = [...s.items.keys()].filter((k) => k.startsWith(RECORD_PREFIX));
    const index = JSON.parse(s.getItem(INDEX_KEY)!) as [string][];
    expect(keys.sort()).toEqual(index.map(([d]) => RECORD_PREFIX + d).sort()); // no record without its index entry
    expect(s.getItem(`${RECORD_PREFIX}did:b`)).toBeNull();
    // A stray item (another tab's, a failed write's) is swept by the next write.
    s.items.set(`${RECORD_PREFIX}did:stray`, "{}");
    saveRecord(s, "did:c", record("did:c"));
    expect(s.getItem(`${RECORD_PREFIX}did:stray`)).toBeNull();
    // And all can go at once, the rest of the storage untouched.
    s.items.set("verifier.settings", "{}");
    clearRecords(s);
    expect([...s.items.keys()]).toEqual(["verifier.settings"]);
  });

  it("broken or foreign items read as no record; a refusing storage is no record, never an exception", () => {
    const s = new QuotaStorage();
    s.setItem(INDEX_KEY, "{not json");
    s.setItem(RECORD_PREFIX + "did:a", "[1,2");
    expect(hasRecords(s)).toBe(false);
    expect(loadRecord(s, "did:a", "k")).toBeUndefined();
    s.setItem(RECORD_PREFIX + "did:b", JSON.stringify(record("did:other", "k")));
    expect(loadRecord(s, "did:b", "k")).toBeUndefined();
    const refusing = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); }, removeItem() { throw new Error("denied"); } } as unknown as Storage;
    expect(() => saveRecord(refusing, "did:a", record("did:a"))).not.toThrow();
    expect(loadRecord(refusing, "did:a", "k")).toBeUndefined();
    expect(hasRecords(refusing)).toBe(false);
    expect(hasRecords(undefined)).toBe(false);
  });
});
