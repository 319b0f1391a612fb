import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertExtends, didFolder, HistoryRewriteError, HostFileWriteError, HostPathError, HostStore, writeFileAtomic } from "./store.ts";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "store-test-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const DID = "did:webvh:QmAbc:localhost%3A8620:passports:w-000001";

describe("didFolder", () => {
  it("maps the DID path to folders and a bare host to .well-known", () => {
    expect(didFolder(DID)).toBe("passports/w-000001");
    expect(didFolder("did:webvh:QmAbc:example.com")).toBe(".well-known");
  });
  it("refuses other methods and segments that escape the root", () => {
    expect(() => didFolder("did:web:example.com")).toThrow(HostPathError);
    expect(() => didFolder("did:webvh:QmAbc:example.com:..:etc")).toThrow(HostPathError);
    expect(() => didFolder("did:webvh:QmAbc:example.com:a%2F..%2Fb")).toThrow(HostPathError);
    expect(() => didFolder("did:webvh:QmAbc:example.com:%E0%A4%A")).toThrow(HostPathError);
  });
});

describe("history is append-only", () => {
  it("accepts an extension, refuses a changed, dropped or reordered line", () => {
    const a = '{"v":1}\n{"v":2}\n';
    expect(() => assertExtends(a, a)).not.toThrow();
    expect(() => assertExtends(a, `${a}{"v":3}\n`)).not.toThrow();
    expect(() => assertExtends(a, '{"v":1}\n')).toThrow(HistoryRewriteError);
    expect(() => assertExtends(a, '{"v":1}\n{"v":9}\n{"v":3}\n')).toThrow(HistoryRewriteError);
    expect(() => assertExtends(a, '{"v":2}\n{"v":1}\n')).toThrow(HistoryRewriteError);
  });

  it("HostStore.writeLog refuses to rewrite the published log and leaves it untouched", async () => {
    const store = new HostStore(dir);
    await store.writeLog(DID, "line1\nline2\n");
    await store.writeLog(DID, "line1\nline2\nline3\n");
    const before = await fs.readFile(store.logPath(DID), "utf8");
    const error = await store.writeLog(DID, "line1\nEVIL\nline3\nline4\n").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryRewriteError);
    expect((error as HistoryRewriteError).name).toBe("HistoryRewriteError");
    expect((error as HistoryRewriteError).line).toBe(2);
    expect(await fs.readFile(store.logPath(DID), "utf8")).toBe(before);
  });
});

describe("atomic writes", () => {
  it("replaces the file whole and leaves no temporary file behind", async () => {
    const file = path.join(dir, "a", "b", "x.json");
    await writeFileAtomic(file, "old");
    await writeFileAtomic(file, "new");
    expect(await fs.readFile(file, "utf8")).toBe("new");
    expect(await fs.readdir(path.dirname(file))).toEqual(["x.json"]);
  });

  it("concurrent readers only ever see a whole old or whole new file", async () => {
    const file = path.join(dir, "big.json");
    const a = "a".repeat(2_000_000);
    const b = "b".repeat(3_000_000);
    await writeFileAtomic(file, a);
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        const text = await fs.readFile(file, "utf8");
        seen.add(text === a ? "a" : text === b ? "b" : `torn:${text.length}`);
      }
    })();
    for (let i = 0; i < 6; i++) await writeFileAtomic(file, i % 2 ? a : b);
    writing = false;
    await reader;
    expect([...seen].filter((s) => s.startsWith("torn"))).toEqual([]);
  });

  it("a failed write leaves the published file as it was", async () => {
    const file = path.join(dir, "f.txt");
    await writeFileAtomic(file, "kept");
    // The target is a directory now: rename fails after the temporary file was written.
    const target = path.join(dir, "d");
    await fs.mkdir(path.join(target, "child"), { recursive: true });
    const error = await writeFileAtomic(target, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostFileWriteError);
    expect((error as Error).message).toMatch(new RegExp(`^Cannot write the file: ${target}: (EISDIR|ENOTEMPTY|EEXIST)$`));
    expect(await fs.readdir(dir)).toEqual(expect.arrayContaining(["d", "f.txt"]));
    expect((await fs.readdir(dir)).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(await fs.readFile(file, "utf8")).toBe("kept");
  });
});

describe("index and anchors", () => {
  it("dids.json only grows, in order of first publication", async () => {
    const store = new HostStore(dir);
    await store.addToIndex(["b", "a"]);
    await store.addToIndex(["a", "c"]);
    expect(JSON.parse(await fs.readFile(path.join(dir, "dids.json"), "utf8"))).toEqual({ dids: ["b", "a", "c"] });
  });

  it("did-anchors.json keeps the first proof of a versionId", async () => {
    const store = new HostStore(dir);
    const hex = (byte: string, n: number) => `0x${byte.repeat(n)}` as `0x${string}`;
    const proof = (versionId: string, root: `0x${string}`) => ({
      versionId, leaf: root, proof: [], root, chainId: 31337, registry: hex("0a", 20), anchorer: hex("0b", 20),
    });
    await store.writeAnchors({ did: DID, anchors: [proof("1-a", hex("01", 32))] });
    const merged = await store.writeAnchors({ did: DID, anchors: [proof("1-a", hex("02", 32)), proof("2-b", hex("03", 32))] });
    expect(merged.anchors.map((a) => [a.versionId, a.root])).toEqual([["1-a", hex("01", 32)], ["2-b", hex("03", 32)]]);
    expect(await store.readAnchors(DID)).toEqual(merged);
  });
});
