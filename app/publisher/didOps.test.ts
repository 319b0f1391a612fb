import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keyHash } from "../core/didwebvh/keys.ts";
import { verifyLog } from "../core/didwebvh/verify.ts";
import type { AnchoringDeclaration } from "../core/types.ts";
import { appendPassportEntry, createPassportDid } from "./didOps.ts";
import { PublisherHost } from "./host.ts";
import { Keystore } from "./keystore.ts";
import { LockHeldError, withFolderLock } from "./lock.ts";
import { publishHost, PublishTargetError } from "./publish.ts";
import { HistoryRewriteError } from "./store.ts";

const ANCHORING: AnchoringDeclaration = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3", anchorers: ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"] };
const info = (kind: string) => ({ kind, name: kind, gtin: "00614141100019", serial: `${kind}-1`, manufacturer: "ACME" });

let dir: string;
let ks: Keystore;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "didops-test-"));
  ks = await Keystore.create(path.join(dir, "keys.json"), "pw", { params: { N: 2 ** 10, r: 8, p: 1 } });
});
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

describe("create and append with keystore keys", () => {
  it("pre-rotation: every entry moves to the committed key; the log verifies; the keystore follows", async () => {
    const host = await PublisherHost.open(path.join(dir, "host"));
    const { did } = await createPassportDid({ ks, host, hostName: "localhost:8626", path: "p/w1", info: info("window"), anchoring: ANCHORING, prerotate: true, changes: { event: { type: "Assembled", time: "2025-01-01T00:00:00Z" } } });
    const first = ks.secrets.dids[did]!;
    expect(host.log(did)[0]!.parameters.nextKeyHashes).toEqual([keyHash(first.nextKey!)]);
    for (const type of ["Installed", "Inspected"]) await appendPassportEntry({ ks, host, did, changes: { event: { type, time: "2025-01-02T00:00:00Z" } } });
    const log = host.log(did);
    expect(log[1]!.parameters.updateKeys).toEqual([first.nextKey]);
    expect(log[2]!.parameters.updateKeys).toEqual([ks.secrets.dids[did]!.updateKey]);
    const result = await verifyLog(log, { did });
    expect(result.error).toBeUndefined();
    expect(result.entries).toHaveLength(3);
    expect(log.at(-1)!.state.service!.filter((s) => s.type === "LifecycleEvent").map((s) => s.id)).toEqual([`${did}#event-1`, `${did}#event-2`, `${did}#event-3`]);
    // The keystore on disk has the new keys (saved before anything is published).
    const reopened = await Keystore.open(ks.file, "pw");
    expect(reopened.secrets.dids[did]).toEqual(ks.secrets.dids[did]);
  });

  it("plain rotation: the rotating entry is signed by the old key, the next by the new one", async () => {
    const host = await PublisherHost.open(path.join(dir, "host"));
    const { did } = await createPassportDid({ ks, host, hostName: "localhost:8626", path: "p/g1", info: info("glass"), anchoring: ANCHORING });
    const oldKey = ks.secrets.dids[did]!.updateKey;
    const { rotated } = await appendPassportEntry({ ks, host, did, rotate: true, changes: { parent: "did:webvh:QmX:localhost%3A8626:p:w1" } });
    expect(rotated).toBe(true);
    const newKey = ks.secrets.dids[did]!.updateKey;
    expect(newKey).not.toBe(oldKey);
    await appendPassportEntry({ ks, host, did, changes: { event: { type: "Inspected", time: "2025-01-03T00:00:00Z" } } });
    const log = host.log(did);
    expect(log[1]!.proof[0]!.verificationMethod).toContain(oldKey);
    expect(log[2]!.proof[0]!.verificationMethod).toContain(newKey);
    expect((await verifyLog(log, { did })).error).toBeUndefined();
  });
});

describe("keys are never lost when a log write fails or two runs race", () => {
  async function twoDids() {
    const host = await PublisherHost.open(path.join(dir, "host"));
    const pre = await createPassportDid({ ks, host, hostName: "localhost:8626", path: "p/w1", info: info("window"), anchoring: ANCHORING, prerotate: true, versionTime: "2025-01-01T00:00:00Z" });
    const plain = await createPassportDid({ ks, host, hostName: "localhost:8626", path: "p/g1", info: info("glass"), anchoring: ANCHORING, versionTime: "2025-01-01T00:00:00Z" });
    await host.flush();
    return { pre: pre.did, plain: plain.did };
  }
  /** Appends an event in a fresh run (keystore and host read from disk), as the command does. */
  async function appendRun(did: string, options: { rotate?: boolean; versionTime: string }, beforeWrite?: () => Promise<void>) {
    const runKs = await Keystore.open(ks.file, "pw");
    const host = await PublisherHost.open(path.join(dir, "host"));
    await beforeWrite?.();
    await appendPassportEntry({ ks: runKs, host, did, changes: { event: { type: "Inspected", time: options.versionTime } }, ...options });
    await host.flush();
    return host;
  }

  it("an append whose log write failed (keystore saved, log not) does not block the next append", async () => {
    const { pre, plain } = await twoDids();
    for (const [did, folder, rotate] of [[pre, "p/w1", false], [plain, "p/g1", true]] as const) {
      // The log cannot be written: once read, its path becomes a folder for the time of one append.
      const file = path.join(dir, "host", folder, "did.jsonl");
      const breakLog = async () => {
        await fs.rename(file, `${file}.aside`);
        await fs.mkdir(path.join(file, "x"), { recursive: true });
      };
      await expect(appendRun(did, { rotate, versionTime: "2025-01-02T00:00:00Z" }, breakLog)).rejects.toThrow();
      await fs.rm(file, { recursive: true });
      await fs.rename(`${file}.aside`, file);
      const host = await appendRun(did, { versionTime: "2025-01-03T00:00:00Z" });
      const result = await verifyLog(host.log(did), { did });
      expect(result.error).toBeUndefined();
      expect(result.entries).toHaveLength(2);
    }
  });

  it("two racing appends: one is refused (HistoryRewriteError), the key the log commits to stays in the keystore", async () => {
    const { pre } = await twoDids();
    const [ksA, ksB] = [await Keystore.open(ks.file, "pw"), await Keystore.open(ks.file, "pw")];
    const [hostA, hostB] = [await PublisherHost.open(path.join(dir, "host")), await PublisherHost.open(path.join(dir, "host"))];
    await appendPassportEntry({ ks: ksA, host: hostA, did: pre, changes: { event: { type: "A", time: "2025-01-02T00:00:00Z" } }, versionTime: "2025-01-02T00:00:00Z" });
    await appendPassportEntry({ ks: ksB, host: hostB, did: pre, changes: { event: { type: "B", time: "2025-01-02T00:00:00Z" } }, versionTime: "2025-01-02T00:00:00Z" });
    await hostA.flush();
    await expect(hostB.flush()).rejects.toBeInstanceOf(HistoryRewriteError);
    // B saved its keystore last; A's committed next key must still be in it.
    const committed = hostA.log(pre)[1]!.parameters.nextKeyHashes![0]!;
    const reopened = await Keystore.open(ks.file, "pw");
    expect(Object.keys(reopened.secrets.keys).map(keyHash)).toContain(committed);
    const host = await appendRun(pre, { versionTime: "2025-01-03T00:00:00Z" });
    const result = await verifyLog(host.log(pre), { did: pre });
    expect(result.error).toBeUndefined();
    expect(result.entries).toHaveLength(3);
  });
});

describe("publishHost", () => {
  it("copies a host, then refuses a rewritten log and leaves the published one intact", async () => {
    const from = path.join(dir, "host");
    const to = path.join(dir, "www");
    const host = await PublisherHost.open(from);
    const { did } = await createPassportDid({ ks, host, hostName: "localhost:8626", path: "p/g1", info: info("glass"), anchoring: ANCHORING });
    await appendPassportEntry({ ks, host, did, changes: { event: { type: "Inspected", time: "2025-01-03T00:00:00Z" } } });
    await host.flush();
    await fs.mkdir(path.join(from, ".publisher"), { recursive: true });
    await fs.writeFile(path.join(from, ".publisher", "config.json"), "{}");
    await fs.mkdir(path.join(from, "qr"), { recursive: true });
    await fs.writeFile(path.join(from, "qr", "x.svg"), "<svg/>");

    const first = await publishHost(from, to);
    expect(first).toMatchObject({ dids: 1, logsWritten: 1, filesCopied: 1, refused: [] });
    await expect(fs.access(path.join(to, ".publisher"))).rejects.toThrow();
    expect(JSON.parse(await fs.readFile(path.join(to, "dids.json"), "utf8"))).toEqual({ dids: [did] });
    const published = await fs.readFile(path.join(to, "p/g1/did.jsonl"), "utf8");

    // The source loses its second entry (e.g. a stale checkout): publishing it must not rewrite history.
    await fs.writeFile(path.join(from, "p/g1/did.jsonl"), `${published.split("\n")[0]}\n`);
    const second = await publishHost(from, to);
    expect(second.refused).toHaveLength(1);
    expect(second.logsWritten).toBe(0);
    expect(await fs.readFile(path.join(to, "p/g1/did.jsonl"), "utf8")).toBe(published);
    // And the store itself throws the typed error.
    const { HostStore } = await import("./store.ts");
    await expect(new HostStore(to).writeLog(did, "{}\n")).rejects.toBeInstanceOf(HistoryRewriteError);
  });
});

describe("publishHost: one run per destination, never into its own source", () => {
  it("a run from another folder writing the same web root holds it: this one writes nothing and says who", async () => {
    const to = path.join(dir, "www");
    const hosts = ["a", "b"].map((n) => path.join(dir, n));
    const dids: string[] = [];
    for (const [i, from] of hosts.entries()) {
      const host = await PublisherHost.open(from);
      dids.push((await createPassportDid({ ks, host, hostName: "localhost:8626", path: `p/g${i}`, info: info("glass"), anchoring: ANCHORING })).did);
      await host.flush();
    }
    expect((await publishHost(hosts[0]!, to)).refused).toEqual([]);

    await withFolderLock(to, "publish", async () => {
      const error = await publishHost(hosts[1]!, to).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockHeldError);
      expect((error as LockHeldError).details).toContain(`pid ${process.pid}`);
      await expect(fs.access(path.join(to, "p/g1"))).rejects.toThrow();
      expect(JSON.parse(await fs.readFile(path.join(to, "dids.json"), "utf8"))).toEqual({ dids: [dids[0]] });
    });

    // Its turn come, both DIDs are served and listed; the lock (and its folder) are gone again.
    expect((await publishHost(hosts[1]!, to)).refused).toEqual([]);
    expect(JSON.parse(await fs.readFile(path.join(to, "dids.json"), "utf8"))).toEqual({ dids: dids });
    await expect(fs.access(path.join(to, ".publisher"))).rejects.toThrow();
  });

  it("the source folder itself, or a folder inside it (through a symlink too), is refused before anything is written", async () => {
    const from = path.join(dir, "host");
    const host = await PublisherHost.open(from);
    await createPassportDid({ ks, host, hostName: "localhost:8626", path: "p/g1", info: info("glass"), anchoring: ANCHORING });
    await host.flush();
    await fs.symlink(from, path.join(dir, "alias"));
    const before = (await fs.readdir(from, { recursive: true })).sort();
    for (const to of [from, path.join(from, "."), path.join(dir, "alias"), path.join(from, "www"), path.join(dir, "alias", "p", "new")]) {
      await expect(publishHost(from, to), to).rejects.toBeInstanceOf(PublishTargetError);
    }
    expect((await fs.readdir(from, { recursive: true })).sort()).toEqual(before);
    // A sibling whose name starts with the source's is another folder.
    expect((await publishHost(from, `${from}-www`)).refused).toEqual([]);
  });
});

describe("publishHost verifies every source log before writing it", () => {
  it("a truncated last line or a tampered new line is refused with the DID, file and reason; the served log stays good", async () => {
    const from = path.join(dir, "host");
    const to = path.join(dir, "www");
    const host = await PublisherHost.open(from);
    const { did } = await createPassportDid({ ks, host, hostName: "localhost:8626", path: "p/g1", info: info("glass"), anchoring: ANCHORING, versionTime: "2025-01-01T00:00:00Z" });
    await host.flush();
    expect((await publishHost(from, to)).refused).toEqual([]);
    const served = await fs.readFile(path.join(to, "p/g1/did.jsonl"), "utf8");
    await appendPassportEntry({ ks, host, did, changes: { event: { type: "Inspected", time: "2025-01-03T00:00:00Z" } }, versionTime: "2025-01-03T00:00:00Z" });
    await host.flush();
    const source = path.join(from, "p/g1/did.jsonl");
    const good = await fs.readFile(source, "utf8");

    for (const bad of [good.slice(0, -30), good.replace('"type":"Inspected"', '"type":"Inspectid"')]) {
      await fs.writeFile(source, bad);
      const result = await publishHost(from, to);
      expect(result.logsWritten).toBe(0);
      expect(result.refused).toHaveLength(1);
      expect(result.refused[0]).toMatchObject({ did, file: source, line: 2 });
      expect(result.refused[0]!.error).toMatch(/^PublishedLogError: .*(LogParseError|HashChainError)/);
      expect(await fs.readFile(path.join(to, "p/g1/did.jsonl"), "utf8")).toBe(served);
    }
    // The good log is still publishable (nothing bad was served in its place).
    await fs.writeFile(source, good);
    expect(await publishHost(from, to)).toMatchObject({ logsWritten: 1, refused: [] });
    expect(await fs.readFile(path.join(to, "p/g1/did.jsonl"), "utf8")).toBe(good);
  });
});
