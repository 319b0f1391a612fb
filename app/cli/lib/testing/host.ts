/**
 * Test support (Node only): a small real host of did:webvh passports, made with the did:webvh create API,
 * batched with merkletreejs, anchored by real transactions, written to a folder as a CDN would serve it,
 * and a tiny static HTTP server (127.0.0.1 only) for that folder. Each scenario is its own DID:
 *
 * genuine   3 entries, all in the anchored batch                      -> verified
 * covered   3 entries, only the newest in the batch                   -> verified (1, 2 via entry 3)
 * pending   2 entries anchored, a 3rd appended after the anchor       -> pending
 * tampered  anchored, then one byte of entry 2 changed on the host    -> invalid (entry 2)
 * badProof  anchored, then one sibling of its proof changed           -> invalid ProofMismatchError
 * rogue     root anchored by an address the DID does not declare      -> invalid UnauthorizedAnchorerError
 * unanchored the file claims the declared anchorer, who never anchored -> invalid RootNotAnchoredError
 * swapped   serves genuine's files in its place                       -> invalid DidMismatchError
 * window -> glass, frame (each naming the window as parent); window2 -> glass (which does not name it)
 * spa       not on disk: the server answers HTML for /spa/...           -> unverifiable
 */
import { createServer } from "node:http";
import { mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { MerkleTree } from "merkletreejs";
import { keccak256 } from "viem";
import { createLog, appendEntry } from "../../../core/didwebvh/create.ts";
import { type Signer } from "../../../core/didwebvh/keys.ts";
import { signerFromSecretKey } from "../../../core/didwebvh/signer.ts";
import { serializeLog } from "../../../core/didwebvh/log.ts";
import { leafHash } from "../../../core/anchors/leaf.ts";
import type { AnchorsFile, DidDocument, EntryAnchorProof, Hex, LifecycleEvent, LogEntry } from "../../../core/types.ts";
import type { AnchorChain } from "./anchorChain.ts";

export type Scenario =
  | "genuine"
  | "covered"
  | "pending"
  | "tampered"
  | "badProof"
  | "rogue"
  | "unanchored"
  | "swapped"
  | "window"
  | "glass"
  | "frame"
  | "window2";

export interface TestHost {
  dir: string;
  dids: Record<Scenario, string>;
  /** A DID whose URL the server answers with an HTML page (a SPA fallback). */
  spaDid: string;
  signer: Signer;
}

const T0 = Date.parse("2025-03-01T10:00:00Z");
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");

interface Draft {
  name: Scenario;
  did: string;
  log: LogEntry[];
}

export async function buildTestHost(options: { dir: string; host: string; chain: AnchorChain }): Promise<TestHost> {
  const { dir, host, chain } = options;
  const signer = signerFromSecretKey(new Uint8Array(32).fill(7));
  const declared = { chainId: chain.chain.chainId, registry: chain.registry, anchorers: [chain.accounts[0]!] };
  let minute = 0;

  const event = (n: number, e: LifecycleEvent) => ({ id: `#event-${n}`, type: "LifecycleEvent", serviceEndpoint: e });
  async function make(name: Scenario, entries: number, extra: (did: string) => DidDocument["service"] = () => []): Promise<Draft> {
    const created = await createLog({
      host,
      path: ["passports", name],
      signer,
      versionTime: iso(minute++),
      document: (did) => ({
        "@context": ["https://www.w3.org/ns/did/v1"],
        service: [
          { id: `${did}#anchoring`, type: "EvmMerkleAnchor", serviceEndpoint: declared },
          { id: `${did}#passport`, type: "ProductPassport", serviceEndpoint: { kind: name, name, gtin: "04012345000017", serial: name, manufacturer: "ACME" } },
          event(1, { type: "Manufactured", time: iso(minute), details: { location: "Berlin" } }),
          ...(extra(did) ?? []),
        ],
      }),
    });
    const log = [...created.log];
    for (let n = 2; n <= entries; n++) log.push(await next(log, n));
    return { name, did: created.did, log };
  }
  async function next(log: LogEntry[], n: number): Promise<LogEntry> {
    return appendEntry(log, {
      signer,
      versionTime: iso(minute++),
      document: (prev) => ({ ...prev, service: [...(prev.service ?? []), event(n, { type: n === 2 ? "Inspected" : "Installed", time: iso(minute), details: { location: "Hamburg" } })] }),
    });
  }

  const d: Partial<Record<Scenario, Draft>> = {};
  for (const name of ["genuine", "covered", "pending", "tampered", "badProof", "rogue", "unanchored", "swapped"] as const)
    d[name] = await make(name, name === "pending" ? 2 : name === "tampered" ? 2 : 3);
  const glass = await make("glass", 1, () => []);
  const frame = await make("frame", 1, () => []);
  // The window names its components; they name it back (their second entry adds the parent link).
  const windowDraft = await make("window", 1, () => [
    { id: "#component-1", type: "ProductComponent", serviceEndpoint: glass.did },
    { id: "#component-2", type: "ProductComponent", serviceEndpoint: frame.did },
  ]);
  for (const c of [glass, frame])
    c.log.push(
      await appendEntry(c.log, {
        signer,
        versionTime: iso(minute++),
        document: (prev) => ({ ...prev, service: [...(prev.service ?? []), { id: "#parent", type: "ProductParent", serviceEndpoint: windowDraft.did }] }),
      }),
    );
  const window2 = await make("window2", 1, () => [{ id: "#component-1", type: "ProductComponent", serviceEndpoint: glass.did }]);
  Object.assign(d, { window: windowDraft, glass, frame, window2 });
  const drafts = d as Record<Scenario, Draft>;

  // Batch 1, anchored by the declared anchorer: every entry of every DID except covered's first two
  // and the rogue/unanchored ones.
  type Item = { did: string; versionId: string; leaf: Hex };
  const items = (names: Scenario[], filter: (e: LogEntry, i: number, name: Scenario) => boolean = () => true): Item[] =>
    names.flatMap((name) =>
      drafts[name].log.filter((e, i) => filter(e, i, name)).map((e) => ({ did: e.state.id, versionId: e.versionId, leaf: leafHash(e.state.id, e.versionId) })),
    );
  const batch1 = items(["genuine", "covered", "pending", "tampered", "badProof", "window", "glass", "frame", "window2"], (_, i, name) => name !== "covered" || i === 2);
  const batch2 = items(["rogue", "unanchored"]);
  const proofs = new Map<string, EntryAnchorProof[]>();
  const anchorBatch = async (batch: Item[], from: Hex, claimed: (item: Item) => Hex, name: string) => {
    const tree = new MerkleTree(batch.map((b) => Buffer.from(b.leaf.slice(2), "hex")), (x: Buffer) => Buffer.from(keccak256(x).slice(2), "hex"), { sortPairs: true });
    const root = tree.getHexRoot() as Hex;
    await chain.anchor(from, root);
    batch.forEach((b, i) => {
      const p: EntryAnchorProof = {
        versionId: b.versionId,
        leaf: b.leaf,
        proof: tree.getHexProof(b.leaf, i) as Hex[],
        root,
        chainId: chain.chain.chainId,
        registry: chain.registry,
        anchorer: claimed(b),
        batch: name,
      };
      proofs.set(b.did, [...(proofs.get(b.did) ?? []), p]);
    });
  };
  await anchorBatch(batch1, chain.accounts[0]!, () => chain.accounts[0]!, "batch-1");
  const unanchoredDid = drafts.unanchored.did;
  await anchorBatch(batch2, chain.accounts[1]!, (b) => (b.did === unanchoredDid ? chain.accounts[0]! : chain.accounts[1]!), "batch-2");

  // After the anchor: pending gets a third entry that no batch holds.
  drafts.pending.log.push(await next(drafts.pending.log, 3));

  // Write the host.
  const write = async (name: Scenario, log: string, anchors: AnchorsFile) => {
    const folder = path.join(dir, "passports", name);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "did.jsonl"), log);
    await writeFile(path.join(folder, "did-anchors.json"), JSON.stringify(anchors, null, 1));
  };
  for (const name of Object.keys(drafts) as Scenario[]) {
    const { did, log } = drafts[name];
    let text = serializeLog(log);
    const anchors: AnchorsFile = { did, anchors: proofs.get(did) ?? [] };
    if (name === "tampered") {
      const lines = text.split("\n");
      lines[1] = lines[1]!.replace('"location":"Hamburg"', '"location":"Hamburh"'); // one byte
      if (!lines[1]!.includes("Hamburh")) throw new Error("tampering did not apply");
      text = lines.join("\n");
    }
    if (name === "badProof") {
      const p = anchors.anchors[1]!;
      const s = p.proof[0]!;
      p.proof[0] = `${s.slice(0, -1)}${s.endsWith("0") ? "1" : "0"}` as Hex;
    }
    if (name === "swapped") {
      const g = drafts.genuine;
      await write(name, serializeLog(g.log), { did: g.did, anchors: proofs.get(g.did) ?? [] });
      continue;
    }
    await write(name, text, anchors);
  }
  const dids = Object.fromEntries((Object.keys(drafts) as Scenario[]).map((n) => [n, drafts[n].did])) as Record<Scenario, string>;
  await writeFile(path.join(dir, "dids.json"), JSON.stringify({ dids: Object.values(dids) }));
  const spaDid = drafts.genuine.did.replace(":passports:genuine", ":spa:genuine");
  return { dir, dids, spaDid, signer };
}

const TYPES: Record<string, string> = { ".jsonl": "application/jsonl", ".json": "application/json" };

/** Serves `dir` on 127.0.0.1:`port`; `/spa/...` answers an HTML page with status 200, like a SPA host. */
export async function serveDir(dir: string, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const root = await realpath(dir);
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (pathname.startsWith("/spa/")) return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><title>app</title>");
    const file = path.resolve(root, `.${pathname}`);
    if (!file.startsWith(root + path.sep)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
