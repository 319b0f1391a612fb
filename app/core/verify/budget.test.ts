/**
 * A product's one download budget (verifyProduct's maxDownloadBytes, 32 MiB by default), against a real
 * HTTP server (port 8641) that counts the bytes it served: a window whose components stream junk without
 * end stops downloading at about the budget, the components it cut off are unverifiable
 * (DownloadBudgetError), those verified before keep their verdicts, and a genuine product is unaffected.
 * The passports are made here (signed did:webvh logs, one-leaf anchor proofs); the chain is a stand-in
 * that finds every root anchored (the chain is not what this is about).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AnchorsFile, DidDocument, Hex, LogEntry, ProductNode } from "../types.ts";
import { appendEntry, createLog } from "../didwebvh/create.ts";
import { verifyEd25519 } from "../didwebvh/keys.ts";
import { serializeLog } from "../didwebvh/log.ts";
import { at, testSigner } from "../didwebvh/testkit/logs.ts";
import { leafHash } from "../anchors/leaf.ts";
import type { AnchorQuery, ChainReader } from "../anchors/registry.ts";
import { DEFAULT_PRODUCT_MAX_BYTES } from "../fetch/budget.ts";
import { httpSource } from "../fetch/http.ts";
import { verifyProduct } from "./product.ts";

const PORT = 8641;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const HOST = `localhost:${PORT}`;
const MIB = 1024 * 1024;
const REGISTRY = `0x${"11".repeat(20)}` as Hex;
const ANCHORER = `0x${"22".repeat(20)}` as Hex;
const anchoring = { id: "#anchoring", type: "EvmMerkleAnchor", serviceEndpoint: { chainId: 1, registry: REGISTRY, anchorers: [ANCHORER] } };

/** Finds every root anchored (at block 7). */
const chain: ChainReader = { readAnchor: async (q: AnchorQuery) => ({ ...q, blockNumber: 7, timestamp: 1_735_689_600 }), readAt: () => undefined };
const source = httpSource({ origin: ORIGIN, timeoutMs: 10_000 });

/** Path on the server -> body, for the genuine passports. */
const files = new Map<string, string>();
/** Bytes the server wrote, per kind of answer, and every path asked for. */
const served = { junk: 0, genuine: 0, asked: [] as string[] };
/** How long junk waits before it starts (the genuine passports' files are in by then). */
let junkDelayMs = 0;
/** Junk streams still open. */
let openJunk = 0;
const junkClosed: (() => void)[] = [];

/** A junk component's DID: its files stream spaces after a "{" without end, with no Content-Length. */
const junkDid = (name: string) => `did:webvh:QmQ7d4Bq9uNpjFbFxxC3JMxTcx6kYd2kqN1F4o7wB8Ez4W:localhost%3A${PORT}:junk:${name}`;
const JUNK = Array.from({ length: 6 }, (_, i) => junkDid(`j${i}`));

let server: Server;
const dids = { window: "", glass: "", frame: "", hinge: "", plainWindow: "", plainGlass: "", plainFrame: "" };

/** A passport's files on the server: its log and a one-leaf proof per entry (root = leaf). */
function host(name: string, did: string, log: LogEntry[]): void {
  files.set(`/budget/${name}/did.jsonl`, serializeLog(log));
  const anchors: AnchorsFile = {
    did,
    anchors: log.map((e) => {
      const leaf = leafHash(did, e.versionId);
      return { versionId: e.versionId, leaf, proof: [], root: leaf, chainId: 1, registry: REGISTRY, anchorer: ANCHORER };
    }),
  };
  files.set(`/budget/${name}/did-anchors.json`, JSON.stringify(anchors));
}

const signer = testSigner(11);
let minute = 0;
async function passport(name: string, services: (did: string) => unknown[] = () => []): Promise<{ did: string; log: LogEntry[] }> {
  const { did, log } = await createLog({
    host: HOST,
    path: ["budget", name],
    signer,
    versionTime: at(minute++),
    document: (id) => ({ "@context": ["https://www.w3.org/ns/did/v1"], service: [anchoring, ...(services(id) as DidDocument["service"] & object)] }),
  });
  return { did, log };
}
async function nameParent(p: { did: string; log: LogEntry[] }, parent: string): Promise<void> {
  p.log.push(
    await appendEntry(p.log, {
      signer,
      versionTime: at(minute++),
      document: (prev) => ({ ...prev, service: [...(prev.service ?? []), { id: "#parent", type: "ProductParent", serviceEndpoint: parent }] }),
    }),
  );
}
const component = (did: string, i: number) => ({ id: `#component-${i}`, type: "ProductComponent", serviceEndpoint: did });

beforeAll(async () => {
  // The hostile product: window -> glass, frame (genuine, naming it back), 6 junk components; frame -> hinge.
  // The window names 8 components: all the head starts (maxPrefetch) a tree gets from log text, so the
  // hinge starts only once the frame is verified.
  const hinge = await passport("hinge");
  const frame = await passport("frame", () => [component(hinge.did, 1)]);
  const glass = await passport("glass");
  const window = await passport("window", () => [glass.did, frame.did, ...JUNK].map(component));
  await nameParent(glass, window.did);
  await nameParent(frame, window.did);
  await nameParent(hinge, frame.did);
  for (const [name, p] of Object.entries({ window, glass, frame, hinge })) host(name, p.did, p.log);
  Object.assign(dids, { window: window.did, glass: glass.did, frame: frame.did, hinge: hinge.did });
  // A genuine product with nothing hostile in it.
  const plainGlass = await passport("plain-glass");
  const plainFrame = await passport("plain-frame");
  const plainWindow = await passport("plain-window", () => [plainGlass.did, plainFrame.did].map(component));
  await nameParent(plainGlass, plainWindow.did);
  await nameParent(plainFrame, plainWindow.did);
  for (const [name, p] of Object.entries({ "plain-window": plainWindow, "plain-glass": plainGlass, "plain-frame": plainFrame })) host(name, p.did, p.log);
  Object.assign(dids, { plainWindow: plainWindow.did, plainGlass: plainGlass.did, plainFrame: plainFrame.did });

  server = createServer((req, res) => {
    const url = req.url ?? "";
    served.asked.push(url);
    const body = files.get(url);
    if (body !== undefined) {
      served.genuine += Buffer.byteLength(body);
      return res.writeHead(200, { "content-type": url.endsWith(".jsonl") ? "application/jsonl" : "application/json" }).end(body);
    }
    if (!url.startsWith("/junk/")) return res.writeHead(404).end("not found");
    // Junk: "{" and spaces, 64 KiB at a time, one chunk a turn of the event loop (the client reads in the
    // same process: sent faster than that, the bytes would wait in the sockets' kernel buffers, megabytes
    // each on loopback, unread), until the client goes away.
    openJunk++;
    res.on("close", () => {
      res.destroy();
      if (--openJunk === 0) junkClosed.splice(0).forEach((f) => f());
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk[0] = 0x7b;
    setTimeout(() => {
      res.writeHead(200, { "content-type": url.endsWith(".jsonl") ? "application/jsonl" : "application/json" });
      const push = () => {
        if (res.destroyed) return;
        served.junk += chunk.length;
        res.write(chunk, () => setImmediate(push));
      };
      push();
    }, junkDelayMs);
  });
  await new Promise<void>((r) => server.listen(PORT, "127.0.0.1", r));
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

beforeEach(() => {
  served.junk = 0;
  served.genuine = 0;
  served.asked.length = 0;
  junkDelayMs = 0;
});

const find = (node: ProductNode, did: string): ProductNode | undefined =>
  node.did === did ? node : node.children.map((c) => find(c, did)).find((n) => n !== undefined);
const shape = (n: ProductNode): unknown => [n.did, n.verdict, n.result.verdict, n.result.error?.name, n.children.map(shape)];
/** Resolves once no junk stream is open any more (each was cancelled by the client). */
const junkDone = () => new Promise<void>((r) => (openJunk === 0 && served.junk > 0 ? r() : junkClosed.push(r)));

describe("verifyProduct: one download budget for the whole tree", () => {
  it("junk components without end: the download stops at about the budget (32 MiB by default), they are unverifiable (DownloadBudgetError), the verified keep their verdicts, later passports are not even asked for", async () => {
    // The genuine passports' files are in before the junk starts; their signatures are checked only once
    // the junk is over, so that the hinge (named by the frame) is asked for after the budget is spent.
    junkDelayMs = 150;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const verifier = async (...args: Parameters<typeof verifyEd25519>) => (await gate, verifyEd25519(...args));
    const treeP = verifyProduct(dids.window, { source, chain, verifier });
    await junkDone();
    release();
    const tree = await treeP;

    // What the server sent: the budget, and no more than a little past it (what was under way when it
    // was spent); without the budget, 12 streams stopped each at its own 16 MiB limit: 192 MiB.
    expect(served.junk).toBeGreaterThanOrEqual(DEFAULT_PRODUCT_MAX_BYTES - served.genuine);
    expect(served.junk).toBeLessThan(DEFAULT_PRODUCT_MAX_BYTES + 4 * MIB);

    expect(tree.verdict).toBe("unverifiable");
    expect(tree.result.verdict).toBe("verified"); // the window itself
    expect(find(tree, dids.glass)!.verdict).toBe("verified");
    for (const did of JUNK) {
      const node = find(tree, did)!;
      expect(node.verdict, did).toBe("unverifiable");
      expect(node.result.error, did).toMatchObject({ name: "DownloadBudgetError", verdict: "unverifiable" });
      expect(node.result.error!.message).toContain("the download budget of 32 MiB (33554432 bytes)");
    }
    // The frame was verified before the budget ran out; the hinge it names was never fetched.
    const frame = find(tree, dids.frame)!;
    expect(frame.result.verdict).toBe("verified");
    expect(frame.verdict).toBe("unverifiable");
    expect(frame.children[0]!.result.error).toMatchObject({ name: "DownloadBudgetError", verdict: "unverifiable" });
    expect(frame.children[0]!.result.error!.message).toContain("not fetched");
    expect(served.asked.filter((u) => u.startsWith("/budget/hinge/"))).toEqual([]);
  });

  it("the budget is set with maxDownloadBytes, as the tree's other limits", async () => {
    junkDelayMs = 150;
    const tree = await verifyProduct(dids.window, { source, chain }, { maxDownloadBytes: 1 * MIB });
    await junkDone();
    expect(served.junk).toBeGreaterThanOrEqual(1 * MIB - served.genuine);
    expect(served.junk).toBeLessThan(1 * MIB + 4 * MIB);
    expect(tree.result.verdict).toBe("verified");
    expect(find(tree, dids.glass)!.verdict).toBe("verified");
    for (const did of JUNK) {
      expect(find(tree, did)!.result.error, did).toMatchObject({ name: "DownloadBudgetError" });
      expect(find(tree, did)!.result.error!.message).toContain("the download budget of 1 MiB (1048576 bytes)");
    }
  });

  it("a genuine product is unaffected: verified throughout, a few kilobytes, as without any budget", async () => {
    const tree = await verifyProduct(dids.plainWindow, { source, chain });
    expect(served.junk).toBe(0);
    expect(served.genuine).toBeLessThan(64 * 1024);
    expect(shape(tree)).toEqual([
      dids.plainWindow,
      "verified",
      "verified",
      undefined,
      [dids.plainGlass, dids.plainFrame].map((d) => [d, "verified", "verified", undefined, []]),
    ]);
    const unlimited = await verifyProduct(dids.plainWindow, { source, chain }, { maxDownloadBytes: Infinity });
    expect(shape(unlimited)).toEqual(shape(tree));
    // Even a budget of just what it weighs (both runs read the same files) is enough.
    const exact = await verifyProduct(dids.plainWindow, { source, chain }, { maxDownloadBytes: served.genuine / 2 });
    expect(shape(exact)).toEqual(shape(tree));
  });
});
