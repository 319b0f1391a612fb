/**
 * The pipeline end to end with the real parts: a Hardhat node with the AnchorRegistry, passports made
 * with the did:webvh create API, a merkletreejs batch anchored by a real transaction, files served over
 * HTTP by a real server (ports 8611-8612).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnchorChain, type AnchorChain } from "../../cli/lib/testing/anchorChain.ts";
import { buildTestHost, serveDir, type TestHost } from "../../cli/lib/testing/host.ts";
import { createRpcChainReader } from "../anchors/registry.ts";
import { httpSource } from "../fetch/http.ts";
import { verifyDid } from "./verifyDid.ts";
import { componentHintsOfLog, verifyProduct } from "./product.ts";
import { verifyEd25519 } from "../didwebvh/keys.ts";
import { deployForgedRegistry, writeForgedPassport } from "./testkit/forgedRegistry.ts";

const CHAIN_PORT = 8611;
const HTTP_PORT = 8612;

let chain: AnchorChain;
let host: TestHost;
let server: { url: string; stop(): Promise<void> };
let dir: string;
let deps: Parameters<typeof verifyDid>[1];

beforeAll(async () => {
  chain = await startAnchorChain(CHAIN_PORT);
  dir = await mkdtemp(path.join(tmpdir(), "verify-host-"));
  host = await buildTestHost({ dir, host: `localhost:${HTTP_PORT}`, chain });
  server = await serveDir(dir, HTTP_PORT);
  deps = {
    source: httpSource({ timeoutMs: 5_000 }), // the DIDs' own URLs: http://localhost:8612/passports/...
    chain: createRpcChainReader({ rpc: { [chain.chain.chainId]: [chain.chain.url] } }),
  };
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("verifyDid against a real host and chain", () => {
  it("genuine: every entry verified with the chain's block time and anchorer", async () => {
    const v = await verifyDid(host.dids.genuine, deps);
    expect(v.verdict).toBe("verified");
    expect(v.error).toBeUndefined();
    expect(v.url).toBe(`http://localhost:${HTTP_PORT}/passports/genuine/did.jsonl`);
    expect(v.entries.map((e) => e.verdict)).toEqual(["verified", "verified", "verified"]);
    expect(v.entries.map((e) => e.event?.type)).toEqual(["Manufactured", "Inspected", "Installed"]);
    for (const e of v.entries) {
      expect(e.anchor!.computedRoot).toBe(e.anchor!.claimedRoot);
      expect(e.anchor!.record).toMatchObject({ anchorer: chain.accounts[0], chainId: chain.chain.chainId });
      expect(e.anchor!.record!.timestamp).toBeGreaterThan(0);
    }
    expect(v.document?.id).toBe(host.dids.genuine);
    expect(v.chainReadAt).toMatchObject({ offline: false, blockNumber: expect.any(Number) });
  });

  it("a device clock a little behind (under 5 minutes) still verifies; further behind is the spec's future-time error", async () => {
    const newest = Date.parse((await verifyDid(host.dids.genuine, deps)).entries.at(-1)!.versionTime);
    const behind = await verifyDid(host.dids.genuine, { ...deps, now: newest - 2 * 60_000 });
    expect(behind.verdict).toBe("verified");
    const strict = await verifyDid(host.dids.genuine, { ...deps, now: newest - 2 * 60_000, clockSkewMs: 0 });
    expect(strict.verdict).toBe("invalid");
    expect(strict.error).toMatchObject({ name: "VersionTimeError" });
    const farBehind = await verifyDid(host.dids.genuine, { ...deps, now: newest - 10 * 60_000 });
    expect(farBehind.error).toMatchObject({ name: "VersionTimeError" });
  });

  it("covered: entries without their own proof are verified via the later anchored entry", async () => {
    const v = await verifyDid(host.dids.covered, deps);
    expect(v.verdict).toBe("verified");
    expect(v.entries.map((e) => [e.verdict, e.anchoredVia])).toEqual([
      ["verified", 2],
      ["verified", 2],
      ["verified", undefined],
    ]);
  });

  it("an entry appended after the anchor is pending, the DID pending with a NotAnchoredError reason", async () => {
    const v = await verifyDid(host.dids.pending, deps);
    expect(v.verdict).toBe("pending");
    expect(v.entries.map((e) => e.verdict)).toEqual(["verified", "verified", "pending"]);
    expect(v.error).toMatchObject({ name: "NotAnchoredError", verdict: "pending", entryIndex: 2 });
  });

  it("one byte changed in entry 2: invalid, naming entry 2; entry 1 still verified", async () => {
    const v = await verifyDid(host.dids.tampered, deps);
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "HashChainError", verdict: "invalid", entryIndex: 1 });
    expect(v.entries.map((e) => e.verdict)).toEqual(["verified", "invalid"]);
  });

  it("a changed proof sibling: invalid ProofMismatchError, computed root shown beside the claimed one", async () => {
    const v = await verifyDid(host.dids.badProof, deps);
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "ProofMismatchError", entryIndex: 1 });
    const e = v.entries[1]!;
    expect(e.anchor!.computedRoot).not.toBe(e.anchor!.claimedRoot);
    // entry 3's own proof is fine, but entry 2's false claim is not excused by it
    expect(v.entries.map((x) => x.verdict)).toEqual(["verified", "invalid", "verified"]);
  });

  it("a root anchored by an undeclared address: invalid UnauthorizedAnchorerError", async () => {
    const v = await verifyDid(host.dids.rogue, deps);
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "UnauthorizedAnchorerError", entryIndex: 0 });
  });

  it("trusted anchorers pinned: anchored by one of them verifies; by an account the passport itself declares but the verifier does not trust, invalid", async () => {
    const mine = chain.accounts[0]!;
    const other = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect((await verifyDid(host.dids.genuine, { ...deps, trustedAnchorers: [other, mine.toLowerCase()] })).verdict).toBe("verified");
    // Anyone can make a passport that declares, and anchors from, an account of its own: pinned, it proves nothing.
    const v = await verifyDid(host.dids.genuine, { ...deps, trustedAnchorers: [other] });
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "UntrustedAnchorerError", entryIndex: 0 });
    expect(v.error!.details).toContain(other);
    // An empty list pins nothing.
    expect((await verifyDid(host.dids.genuine, { ...deps, trustedAnchorers: [] })).verdict).toBe("verified");
  });

  it("a forged registry (a real contract whose anchorOf answers (1, 1) for anything) declared by the passport: Verified, even with the manufacturer's account pinned; with the registry pinned, invalid UntrustedRegistryError, and never read", async () => {
    const manufacturer = chain.accounts[0]!;
    const forger = chain.accounts[2]!;
    const fake = await deployForgedRegistry(chain.chain.url, forger);
    const chainId = chain.chain.chainId;
    const forged = await writeForgedPassport({ dir, host: `localhost:${HTTP_PORT}`, name: "forged", chainId, registry: fake, anchorer: manufacturer });
    const covered = await writeForgedPassport({ dir, host: `localhost:${HTTP_PORT}`, name: "forged-covered", chainId, registry: fake, anchorer: manufacturer, proofs: "newest" });
    const unproven = await writeForgedPassport({ dir, host: `localhost:${HTTP_PORT}`, name: "forged-unproven", chainId, registry: fake, anchorer: manufacturer, proofs: "none" });
    // A reader of its own: the shared one's reads are pinned to a block from before the forged contract existed.
    const deps = { source: httpSource({ timeoutMs: 5_000 }), chain: createRpcChainReader({ rpc: { [chainId]: [chain.chain.url] } }) };

    // The defect: the manufacturer's account pinned, the passport's own registry "confirms" an anchor nobody made.
    const before = await verifyDid(forged.did, { ...deps, trustedAnchorers: [manufacturer] });
    expect(before.verdict).toBe("verified");
    expect(before.entries[0]!.anchor!.record).toMatchObject({ registry: fake, anchorer: manufacturer, timestamp: 1, blockNumber: 1 });

    // Pinned to the real registry: invalid, whoever is named as anchorer, and the forged contract is never asked.
    const reads: string[] = [];
    const counting = { ...deps.chain, readAnchor: (q: Parameters<typeof deps.chain.readAnchor>[0]) => (reads.push(q.registry), deps.chain.readAnchor(q)) };
    const pinned = { ...deps, chain: counting, trustedAnchorers: [manufacturer], trustedRegistries: { [chainId]: [chain.registry.toLowerCase()] } };
    const v = await verifyDid(forged.did, pinned);
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "UntrustedRegistryError", verdict: "invalid", entryIndex: 0 });
    expect(v.error!.details).toContain(fake);
    expect(v.entries.map((e) => [e.verdict, e.error?.name])).toEqual([["invalid", "UntrustedRegistryError"], ["invalid", "UntrustedRegistryError"]]);
    expect(v.entries[0]!.anchor).toMatchObject({ registry: fake, record: null });
    // An entry without a proof of its own is not verified via a later one, and one never proven is not pending:
    // its own declaration names the untrusted registry.
    const c = await verifyDid(covered.did, pinned);
    expect(c.entries.map((e) => [e.verdict, e.error?.name])).toEqual([["invalid", "UntrustedRegistryError"], ["invalid", "UntrustedRegistryError"]]);
    expect((await verifyDid(covered.did, deps)).entries.map((e) => [e.verdict, e.anchoredVia])).toEqual([["verified", 1], ["verified", undefined]]);
    const u = await verifyDid(unproven.did, pinned);
    expect(u.verdict).toBe("invalid");
    expect(u.error).toMatchObject({ name: "UntrustedRegistryError", entryIndex: 0 });
    expect((await verifyDid(unproven.did, deps)).verdict).toBe("pending");
    expect(reads.filter((r) => r.toLowerCase() === fake.toLowerCase())).toEqual([]);

    // The genuine passport, in the pinned registry (checksummed or not), still verifies.
    expect((await verifyDid(host.dids.genuine, pinned)).verdict).toBe("verified");
    expect((await verifyDid(host.dids.genuine, { ...deps, trustedRegistries: { [chainId]: [fake, chain.registry] } })).verdict).toBe("verified");
    // A registry trusted on another chain only, or an empty list, pins nothing on this one.
    expect((await verifyDid(forged.did, { ...deps, trustedRegistries: { 1: [chain.registry] } })).verdict).toBe("verified");
    expect((await verifyDid(forged.did, { ...deps, trustedRegistries: { [chainId]: [] } })).verdict).toBe("verified");
    // Pinned to the forged one instead: the genuine passport is the untrusted one.
    const genuine = await verifyDid(host.dids.genuine, { ...deps, trustedRegistries: { [chainId]: [fake] } });
    expect(genuine.error).toMatchObject({ name: "UntrustedRegistryError", entryIndex: 0 });
  });

  it("a proof claiming the declared anchorer, who never anchored that root: invalid RootNotAnchoredError", async () => {
    const v = await verifyDid(host.dids.unanchored, deps);
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "RootNotAnchoredError" });
    expect(v.entries[0]!.anchor!.record).toBeNull();
  });

  it("another DID's files served in its place: invalid DidMismatchError", async () => {
    const v = await verifyDid(host.dids.swapped, deps);
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "DidMismatchError" });
    // Every entry is invalid, and none lends its lifecycle event (another product's) to this DID.
    expect(v.entries.length).toBeGreaterThan(0);
    expect(v.entries.every((e) => e.verdict === "invalid" && e.event === undefined)).toBe(true);
    const genuine = await verifyDid(host.dids.genuine, deps);
    expect(genuine.entries.some((e) => e.event)).toBe(true);
  });

  it("RPC unreachable: unverifiable, never invalid", async () => {
    const offline = { ...deps, chain: createRpcChainReader({ rpc: { [chain.chain.chainId]: ["http://127.0.0.1:8619"] }, timeoutMs: 2_000 }) };
    const v = await verifyDid(host.dids.genuine, offline);
    expect(v.verdict).toBe("unverifiable");
    expect(v.error).toMatchObject({ name: "RpcUnreachableError", verdict: "unverifiable" });
    // the log is still checked: a tampered log is invalid whatever the chain does
    expect((await verifyDid(host.dids.tampered, offline)).verdict).toBe("invalid");
  });

  it("the host answers HTML (SPA fallback): unverifiable UnexpectedContentError", async () => {
    const v = await verifyDid(host.spaDid, deps);
    expect(v.verdict).toBe("unverifiable");
    expect(v.error).toMatchObject({ name: "UnexpectedContentError" });
  });

  it("no log at the URL: unverifiable LogNotFoundError; a malformed DID: invalid", async () => {
    const missing = host.dids.genuine.replace(":genuine", ":nothing-here");
    expect((await verifyDid(missing, deps)).error).toMatchObject({ name: "LogNotFoundError", verdict: "unverifiable" });
    expect((await verifyDid("did:webvh:nope", deps)).verdict).toBe("invalid");
  });
});

describe("verifyProduct", () => {
  it("window -> glass, frame: all verified", async () => {
    const tree = await verifyProduct(host.dids.window, deps);
    expect(tree.verdict).toBe("verified");
    expect(tree.children.map((c) => [c.did, c.verdict])).toEqual([
      [host.dids.glass, "verified"],
      [host.dids.frame, "verified"],
    ]);
  });

  it("a passport naming a component that names another parent: that child invalid ComponentLinkError", async () => {
    const tree = await verifyProduct(host.dids.window2, deps);
    expect(tree.result.verdict).toBe("verified");
    expect(tree.verdict).toBe("invalid");
    expect(tree.children[0]!.result.error).toMatchObject({ name: "ComponentLinkError" });
  });

  it("the same with either log from an offline cache (an older copy may predate the link): unverifiable, not invalid", async () => {
    for (const cachedDid of [host.dids.window2, undefined]) {
      const source = { get: deps.source.get.bind(deps.source), fromCache: (d: string) => cachedDid === undefined || d === cachedDid };
      const tree = await verifyProduct(host.dids.window2, { ...deps, source });
      expect(tree.verdict).toBe("unverifiable");
      expect(tree.children[0]!.result.error).toMatchObject({ name: "ComponentLinkUncheckedError", verdict: "unverifiable" });
    }
  });

  it("hints give components a head start, never a place in the tree", async () => {
    // The window's log is held back until released: with hints, the glass's log is asked for meanwhile;
    // without, only once the window's log has been read and verified.
    const gated = () => {
      const asked: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const source = {
        get: async (d: string, f: Parameters<typeof deps.source.get>[1]) => {
          asked.push(`${d}|${f}`);
          if (d === host.dids.window && f === "did.jsonl") await gate;
          return deps.source.get(d, f);
        },
      };
      return { asked, release, deps: { ...deps, source } };
    };
    const tick = () => new Promise((r) => setTimeout(r, 20));
    const shape = (n: Awaited<ReturnType<typeof verifyProduct>>): unknown => [n.did, n.verdict, n.children.map(shape)];

    const without = gated();
    const plainP = verifyProduct(host.dids.window, without.deps);
    await tick();
    expect(without.asked).not.toContain(`${host.dids.glass}|did.jsonl`);
    without.release();
    const plain = await plainP;

    const withHints = gated();
    const hintedP = verifyProduct(host.dids.window, withHints.deps, { hints: Promise.resolve([host.dids.glass, host.dids.window2]) });
    await tick();
    expect(withHints.asked).toContain(`${host.dids.glass}|did.jsonl`);
    expect(withHints.asked).toContain(`${host.dids.window2}|did.jsonl`); // verified for nothing...
    withHints.release();
    expect(shape(await hintedP)).toEqual(shape(plain)); // ...and not in the tree
    // Hints that fail to come (a cache that cannot be read) change nothing either.
    expect(shape(await verifyProduct(host.dids.window, deps, { hints: Promise.reject(new Error("no cache")) }))).toEqual(shape(plain));
  });

  it("a passport's components are asked for once its log's text is in, before that log is verified", async () => {
    // Every signature check waits for the gate: nothing is verified, yet the components named by the
    // window's newest entry have their logs asked for; and the tree is the same as without a gate.
    const asked: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const source = {
      get: (d: string, f: Parameters<typeof deps.source.get>[1]) => {
        asked.push(`${d}|${f}`);
        return deps.source.get(d, f);
      },
    };
    const verifier = async (...args: Parameters<typeof verifyEd25519>) => {
      await gate;
      return verifyEd25519(...args);
    };
    const treeP = verifyProduct(host.dids.window, { ...deps, source, verifier });
    await vi.waitFor(() => expect(asked).toContain(`${host.dids.glass}|did.jsonl`));
    expect(asked).toContain(`${host.dids.frame}|did.jsonl`);
    release();
    const tree = await treeP;
    expect(tree.verdict).toBe("verified");
    expect(tree.children.map((c) => c.did).sort()).toEqual([host.dids.glass, host.dids.frame].sort());
  });

  it("the chain reads a log's proofs need are asked for while the log is verified, and the verdict waits for the checks", async () => {
    const reads: string[] = [];
    const chain = {
      readAnchor: (q: Parameters<typeof deps.chain.readAnchor>[0]) => {
        reads.push(q.root);
        return deps.chain.readAnchor(q);
      },
      readAt: (id: number) => deps.chain.readAt(id),
    };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let released = false;
    const verifier = async (...args: Parameters<typeof verifyEd25519>) => {
      await gate;
      return verifyEd25519(...args);
    };
    const verdictP = verifyDid(host.dids.window, { ...deps, chain, verifier }).then((v) => {
      expect(released).toBe(true); // no verdict before the signatures are checked
      return v;
    });
    await vi.waitFor(() => expect(reads.length).toBeGreaterThan(0));
    released = true;
    release();
    const verdict = await verdictP;
    expect(verdict.verdict).toBe("verified");
    // The reads step 3 makes are the ones already asked for (the reader shares them): the same roots.
    const anchored = new Set(verdict.entries.filter((e) => e.anchor && !e.anchoredVia).map((e) => e.anchor!.claimedRoot.toLowerCase()));
    expect(new Set(reads)).toEqual(anchored);
  });

  it("an anchors file repeating each proof the most times allowed (8): at most two early reads per entry", async () => {
    const text = (await deps.source.get(host.dids.window, "did-anchors.json"))!;
    const file = JSON.parse(text) as { anchors: unknown[] };
    const hostile = JSON.stringify({ ...file, anchors: file.anchors.flatMap((a) => Array.from({ length: 8 }, () => a)) });
    const log = (await deps.source.get(host.dids.window, "did.jsonl"))!;
    const entries = log.trim().split("\n").length;
    let reads = 0;
    const chain = { ...deps.chain, readAnchor: (q: Parameters<typeof deps.chain.readAnchor>[0]) => (reads++, deps.chain.readAnchor(q)) };
    const source = { get: async (d: string, f: Parameters<typeof deps.source.get>[1]) => (f === "did-anchors.json" ? hostile : deps.source.get(d, f)) };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const verifier = async (...args: Parameters<typeof verifyEd25519>) => (await gate, verifyEd25519(...args));
    const verdictP = verifyDid(host.dids.window, { ...deps, source, chain, verifier });
    await vi.waitFor(() => expect(reads).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(reads).toBeLessThanOrEqual(2 * entries);
    release();
    await verdictP;
  });

  it("an anchors file with more than 8 proofs of one entry: invalid (AnchorsFileError), and no chain read", async () => {
    const text = (await deps.source.get(host.dids.window, "did-anchors.json"))!;
    const file = JSON.parse(text) as { anchors: unknown[] };
    const hostile = JSON.stringify({ ...file, anchors: [...file.anchors, ...Array.from({ length: 8 }, () => file.anchors[0])] });
    let reads = 0;
    const chain = { ...deps.chain, readAnchor: (q: Parameters<typeof deps.chain.readAnchor>[0]) => (reads++, deps.chain.readAnchor(q)) };
    const source = { get: async (d: string, f: Parameters<typeof deps.source.get>[1]) => (f === "did-anchors.json" ? hostile : deps.source.get(d, f)) };
    const v = await verifyDid(host.dids.window, { ...deps, source, chain });
    expect(v.verdict).toBe("invalid");
    expect(v.error?.name).toBe("AnchorsFileError");
    expect(reads).toBe(0);
  });

  it("componentHintsOfLog: the newest entry's components, unverified; nothing from what is not an entry", () => {
    const entry = (links: unknown[]) =>
      JSON.stringify({ state: { id: "did:webvh:x:h", service: links.map((l, i) => ({ id: `#c${i}`, type: "ProductComponent", serviceEndpoint: l })) } });
    expect(componentHintsOfLog(`${entry(["did:webvh:a:h"])}\n${entry(["did:webvh:b:h", 7])}\n\n`)).toEqual(["did:webvh:b:h"]);
    expect(componentHintsOfLog("")).toEqual([]);
    expect(componentHintsOfLog("not json")).toEqual([]);
    expect(componentHintsOfLog('{"state":null}')).toEqual([]);
    expect(componentHintsOfLog('{"state":"x"}')).toEqual([]);
  });

  it("limits the tree's size: beyond maxNodes the rest is unverifiable, not dropped", async () => {
    const tree = await verifyProduct(host.dids.window, deps, { maxNodes: 2 });
    expect(tree.children.map((c) => c.verdict)).toEqual(["verified", "unverifiable"]);
    expect(tree.children[1]!.result.error).toMatchObject({ name: "ProductTooLargeError" });
  });
});

describe("verifyDid: the anchors file and witnesses (the real host, with some files served differently)", () => {
  /** The real HTTP source, except the files given here (as a host serving other content would). */
  const overlay = (files: Record<string, string | null | Error>): Parameters<typeof verifyDid>[1]["source"] => ({
    async get(did, file) {
      const key = `${did}|${file}`;
      if (key in files) {
        const v = files[key]!;
        if (v instanceof Error) throw v;
        return v;
      }
      return deps.source.get(did, file);
    },
  });
  const anchorsOf = async (did: string) => JSON.parse((await deps.source.get(did, "did-anchors.json"))!) as import("../types.ts").AnchorsFile;

  it("a malformed did-anchors.json: invalid AnchorsFileError", async () => {
    const g = host.dids.genuine;
    const v = await verifyDid(g, { ...deps, source: overlay({ [`${g}|did-anchors.json`]: '{"did":"x","anchors":[{"leaf":"0x12"}]}' }) });
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "AnchorsFileError" });
  });

  it("did-anchors.json of another DID: invalid DidMismatchError", async () => {
    const g = host.dids.genuine;
    const other = JSON.stringify(await anchorsOf(host.dids.covered));
    const v = await verifyDid(g, { ...deps, source: overlay({ [`${g}|did-anchors.json`]: other }) });
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "DidMismatchError" });
  });

  it("no did-anchors.json: every entry pending", async () => {
    const g = host.dids.genuine;
    const v = await verifyDid(g, { ...deps, source: overlay({ [`${g}|did-anchors.json`]: null }) });
    expect(v.verdict).toBe("pending");
    expect(v.entries.every((e) => e.verdict === "pending" && e.error?.name === "NotAnchoredError")).toBe(true);
  });

  it("did-anchors.json could not be fetched: the log's entries unverifiable, not pending", async () => {
    const g = host.dids.genuine;
    const { FetchTimeoutError } = await import("../fetch/errors.ts");
    const v = await verifyDid(g, { ...deps, source: overlay({ [`${g}|did-anchors.json`]: new FetchTimeoutError() }) });
    expect(v.verdict).toBe("unverifiable");
    expect(v.error).toMatchObject({ name: "FetchTimeoutError" });
  });

  it("a leaf that is not the entry's: invalid LeafMismatchError", async () => {
    const g = host.dids.genuine;
    const file = await anchorsOf(g);
    file.anchors[0]!.leaf = file.anchors[1]!.leaf;
    const v = await verifyDid(g, { ...deps, source: overlay({ [`${g}|did-anchors.json`]: JSON.stringify(file) }) });
    expect(v.error).toMatchObject({ name: "LeafMismatchError", entryIndex: 0 });
  });

  it("a proof on another registry than the declared one: invalid AnchorDeclarationMismatchError", async () => {
    const g = host.dids.genuine;
    const file = await anchorsOf(g);
    const elsewhere = await chain.deployRegistry();
    for (const a of file.anchors) a.registry = elsewhere;
    const v = await verifyDid(g, { ...deps, source: overlay({ [`${g}|did-anchors.json`]: JSON.stringify(file) }) });
    expect(v.error).toMatchObject({ name: "AnchorDeclarationMismatchError", entryIndex: 0 });
  });

  it("a witnessed DID: verified with did-witness.json, unverifiable without, invalid with a forged approval", async () => {
    const { createLog } = await import("../didwebvh/create.ts");
    const { signerFromSecretKey } = await import("../didwebvh/signer.ts");
    const { serializeLog } = await import("../didwebvh/log.ts");
    const { createWitnessProof } = await import("../didwebvh/witness.ts");
    const { leafHash } = await import("../anchors/leaf.ts");
    const witnessSigner = signerFromSecretKey(new Uint8Array(32).fill(9));
    const witnessId = witnessSigner.verificationMethod.split("#")[0]!;
    const created = await createLog({
      host: `localhost:${HTTP_PORT}`,
      path: ["passports", "witnessed"],
      signer: host.signer,
      versionTime: "2025-04-01T00:00:00Z",
      parameters: { witness: { threshold: 1, witnesses: [{ id: witnessId }] } },
      document: (d) => ({ service: [{ id: `${d}#anchoring`, type: "EvmMerkleAnchor", serviceEndpoint: { chainId: chain.chain.chainId, registry: chain.registry, anchorers: [chain.accounts[0]!] } }] }),
    });
    const entry = created.log[0]!;
    const leaf = leafHash(created.did, entry.versionId);
    await chain.anchor(chain.accounts[0]!, leaf); // a one-leaf tree: the root is the leaf, the proof empty
    const anchors = JSON.stringify({
      did: created.did,
      anchors: [{ versionId: entry.versionId, leaf, proof: [], root: leaf, chainId: chain.chain.chainId, registry: chain.registry, anchorer: chain.accounts[0]! }],
    });
    const approval = [{ versionId: entry.versionId, proof: [await createWitnessProof(witnessSigner, entry.versionId, "2025-04-01T00:00:01Z")] }];
    const forged = [{ versionId: entry.versionId, proof: [await createWitnessProof(host.signer, entry.versionId, "2025-04-01T00:00:01Z")] }];
    const files = (witness: unknown) =>
      overlay({
        [`${created.did}|did.jsonl`]: serializeLog(created.log),
        [`${created.did}|did-anchors.json`]: anchors,
        [`${created.did}|did-witness.json`]: witness === null ? null : JSON.stringify(witness),
      });
    const ok = await verifyDid(created.did, { ...deps, source: files(approval) });
    expect([ok.verdict, ok.error?.name, ok.error?.message]).toEqual(["verified", undefined, undefined]);
    const missing = await verifyDid(created.did, { ...deps, source: files(null) });
    expect(missing).toMatchObject({ verdict: "unverifiable", error: { name: "WitnessProofsMissingError" } });
    const bad = await verifyDid(created.did, { ...deps, source: files(forged) });
    expect(bad).toMatchObject({ verdict: "invalid", error: { name: "WitnessError" } });
  });

  it("a deactivated DID says so", async () => {
    const { createLog, appendEntry } = await import("../didwebvh/create.ts");
    const { serializeLog } = await import("../didwebvh/log.ts");
    const created = await createLog({ host: `localhost:${HTTP_PORT}`, path: ["passports", "retired"], signer: host.signer, versionTime: "2025-05-01T00:00:00Z", document: () => ({}) });
    const log = [...created.log, await appendEntry(created.log, { signer: host.signer, versionTime: "2025-05-02T00:00:00Z", parameters: { deactivated: true }, document: (d) => d })];
    const v = await verifyDid(created.did, { ...deps, source: overlay({ [`${created.did}|did.jsonl`]: serializeLog(log) }) });
    expect(v).toMatchObject({ verdict: "pending", deactivated: true });
    expect((await verifyDid(host.dids.genuine, deps)).deactivated).toBeUndefined();
  });

  it("property: any one character of a genuine log changed -> invalid (never verified, never unverifiable)", async () => {
    const g = host.dids.genuine;
    const text = (await deps.source.get(g, "did.jsonl"))!;
    const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: text.length - 2 }), printable, async (at, ch) => {
        fc.pre(text[at] !== ch && text[at] !== "\n");
        const changed = text.slice(0, at) + ch + text.slice(at + 1);
        const v = await verifyDid(g, { ...deps, source: overlay({ [`${g}|did.jsonl`]: changed }) });
        expect(v.verdict).toBe("invalid");
      }),
      { numRuns: 40 },
    );
  });
});
