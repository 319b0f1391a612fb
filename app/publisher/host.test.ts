import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendEntry, createLog } from "../core/didwebvh/create.ts";
import type { AnchoringDeclaration, Hex } from "../core/types.ts";
import { buildBatch } from "./batch.ts";
import { DuplicateDidError, PublisherHost } from "./host.ts";
import { passportDocument } from "./passport.ts";
import { nodeSigner } from "./signer.ts";
import { HostFileFormatError, HostFileReadError, PublishedLogError } from "./store.ts";

const OURS: AnchoringDeclaration = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3", anchorers: ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"] };
const target = { chainId: OURS.chainId, registry: OURS.registry, anchorer: OURS.anchorers[0]! };
const signer = nodeSigner(new Uint8Array(32).fill(7));

async function didWith(anchoring: AnchoringDeclaration, p: string, entries: number) {
  const { did, log } = await createLog({
    host: "localhost:8626",
    path: p,
    signer,
    document: (d) => passportDocument(d, { kind: "glass", name: "g", gtin: "1", serial: p, manufacturer: "m" }, anchoring),
    versionTime: "2025-01-01T00:00:00Z",
  });
  for (let i = 1; i < entries; i++) log.push(await appendEntry(log, { signer, document: (prev) => prev, versionTime: `2025-01-0${i + 1}T00:00:00Z` }));
  return { did, log };
}

let dir: string;
beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "host-test-"))));
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

describe("PublisherHost", () => {
  it("lists unanchored entries in index then log order, leaves out entries declaring another anchorer, and round-trips through disk", async () => {
    const host = await PublisherHost.open(dir);
    const a = await didWith(OURS, "p/a", 3);
    const b = await didWith({ ...OURS, anchorers: ["0x0000000000000000000000000000000000000001" as Hex] }, "p/b", 1);
    const c = await didWith(OURS, "p/c", 2);
    host.add(a.did, a.log);
    host.add(b.did, b.log);
    host.add(c.did, c.log);
    const { items, skipped } = host.unanchored(target);
    expect(items.map((i) => `${i.did === a.did ? "a" : "c"}${i.versionId[0]}`)).toEqual(["a1", "a2", "a3", "c1", "c2"]);
    expect(skipped).toEqual([{ did: b.did, versionId: b.log[0]!.versionId }]);

    const batch = buildBatch(items.slice(0, 2));
    host.applyBatch(batch, { ...target, batch: "first" });
    await host.flush();
    const again = await PublisherHost.open(dir);
    expect(again.dids()).toEqual([a.did, b.did, c.did]);
    expect(again.didAt("p/c")).toBe(c.did);
    expect(again.anchors(a.did).map((x) => x.versionId)).toEqual([a.log[0]!.versionId, a.log[1]!.versionId]);
    expect(again.unanchored(target).items).toHaveLength(3);
    expect(await fs.readFile(path.join(dir, "p/a/did.jsonl"), "utf8")).toBe(`${a.log.map((e) => JSON.stringify(e)).join("\n")}\n`);
  });

  it("refuses a second DID in the same folder", async () => {
    const host = await PublisherHost.open(dir);
    const a = await didWith(OURS, "p/a", 1);
    host.add(a.did, a.log);
    expect(() => host.add(a.did, a.log)).toThrow(DuplicateDidError);
    const other = await didWith({ ...OURS, chainId: 1 }, "p/a", 1);
    expect(() => host.add(other.did, other.log)).toThrow(DuplicateDidError);
  });
});

describe("PublisherHost.open checks what it reads", () => {
  async function twoOnDisk() {
    const host = await PublisherHost.open(dir);
    const a = await didWith(OURS, "p/a", 2);
    const b = await didWith(OURS, "p/b", 1);
    host.add(a.did, a.log);
    host.add(b.did, b.log);
    await host.flush();
    return { a: a.did, b: b.did, logA: path.join(dir, "p/a/did.jsonl"), logB: path.join(dir, "p/b/did.jsonl") };
  }

  it("a log tampered on line 2 is refused with the core's reason, the DID, the file and the line (verify)", async () => {
    const { a, logA } = await twoOnDisk();
    const text = await fs.readFile(logA, "utf8");
    await fs.writeFile(logA, text.replace(/"versionTime":"2025-01-02T00:00:00Z"/, '"versionTime":"2025-01-02T00:00:01Z"'));
    const error = await PublisherHost.open(dir, { verify: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishedLogError);
    expect((error as PublishedLogError).line).toBe(2);
    expect((error as Error).message).toContain(a);
    expect((error as Error).message).toContain(logA);
    expect((error as Error).message).toContain("HashChainError");
  });

  it("an empty log is refused when verifying", async () => {
    const { logA } = await twoOnDisk();
    await fs.writeFile(logA, "");
    await expect(PublisherHost.open(dir, { verify: true })).rejects.toThrow(/EmptyLogError/);
  });

  it("a truncated log, did-anchors.json or dids.json names the file (and the line); not a bare SyntaxError", async () => {
    const { logA } = await twoOnDisk();
    const text = await fs.readFile(logA, "utf8");
    await fs.writeFile(logA, text.slice(0, -40));
    const error = await PublisherHost.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishedLogError);
    expect((error as Error).message).toMatch(new RegExp(`\\(line 2\\): ${logA.replaceAll("/", "\\/")}: LogParseError`));
    await fs.writeFile(logA, text);

    await fs.writeFile(path.join(dir, "p/a/did-anchors.json"), '{"did":"did:webvh:');
    await expect(PublisherHost.open(dir)).rejects.toThrow(new RegExp(`${HostFileFormatError.name}|did-anchors.json`));
    await expect(PublisherHost.open(dir)).rejects.toBeInstanceOf(HostFileFormatError);
    await fs.rm(path.join(dir, "p/a/did-anchors.json"));

    await fs.writeFile(path.join(dir, "dids.json"), '{"dids":["did:webvh:');
    const indexError = await PublisherHost.open(dir).catch((e: unknown) => e);
    expect(indexError).toBeInstanceOf(HostFileFormatError);
    expect((indexError as Error).message).toContain(path.join(dir, "dids.json"));
  });

  it("another DID's broken files do not stop a run that works on one DID", async () => {
    const { a, b, logB } = await twoOnDisk();
    await fs.rm(logB);
    await fs.mkdir(logB);
    const error = await PublisherHost.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostFileReadError);
    expect((error as Error).message).toContain(logB);
    const host = await PublisherHost.open(dir, { dids: [a], verify: true });
    expect(host.log(a)).toHaveLength(2);
    expect(host.has(b)).toBe(true);
    expect(host.didAt("p/b")).toBe(b);
  });
});
