/**
 * verifyProduct's own logic (the tree, repeats, head starts) with verifyDid replaced by a stand-in that
 * "verifies" the documents given here: fast, and independent of signatures and chains (those are tested
 * with the real parts in verifyDid.test.ts).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DidDocument, DidVerdict } from "../types.ts";
import type { FileSource } from "../fetch/source.ts";
import type { ChainReader } from "../anchors/registry.ts";
import { verifyProduct } from "./product.ts";
import type { VerifyDidOptions } from "./verifyDid.ts";

const state = vi.hoisted(() => ({
  /** The verified document of each DID (absent: unverifiable). */
  docs: new Map<string, unknown>(),
  /** Every verifyDid call, by DID. */
  calls: [] as string[],
}));

vi.mock("./verifyDid.ts", () => ({
  verifyDid: async (did: string, o: VerifyDidOptions): Promise<DidVerdict> => {
    state.calls.push(did);
    await o.source.get(did, "did.jsonl");
    const document = state.docs.get(did) as DidDocument | undefined;
    if (document) o.onDocument?.(document);
    return document
      ? { did, url: "", verdict: "verified", entries: [], document }
      : { did, url: "", verdict: "unverifiable", entries: [], error: { name: "LogNotFoundError", verdict: "unverifiable", message: "no log", shortMessage: "no log" } };
  },
}));

const service = (type: string, serviceEndpoint: unknown, i: number) => ({ id: `#s${i}`, type, serviceEndpoint });
function doc(did: string, o: { components?: unknown[]; parent?: string } = {}): DidDocument {
  return {
    id: did,
    service: [
      ...(o.components ?? []).map((c, i) => service("ProductComponent", c, i)),
      ...(o.parent ? [service("ProductParent", o.parent, 99)] : []),
    ],
  } as unknown as DidDocument;
}

const W = "did:webvh:QmW:h:w";
const G = "did:webvh:QmG:h:g";
const F = "did:webvh:QmF:h:f";
const source: FileSource = { get: async () => "" };
const chain: ChainReader = { readAnchor: async () => null, readAt: () => undefined };

beforeEach(() => {
  state.docs.clear();
  state.calls.length = 0;
});

describe("verifyProduct: a component listed more than once", () => {
  it("is one child, verified once, said to be listed twice; the others are unchanged", async () => {
    state.docs.set(W, doc(W, { components: [G, F, G] }));
    state.docs.set(G, doc(G, { parent: W }));
    state.docs.set(F, doc(F, { parent: W }));
    const tree = await verifyProduct(W, { source, chain });
    expect(tree.verdict).toBe("verified");
    expect(tree.children.map((c) => [c.did, c.verdict, c.listed])).toEqual([
      [G, "verified", 2],
      [F, "verified", undefined],
    ]);
    expect(state.calls.filter((d) => d === G)).toHaveLength(1);
    // DIDs are unique among any node's children (the views key them so).
    expect(new Set(tree.children.map((c) => c.did)).size).toBe(tree.children.length);
  });

  it("a repeated component that is not a DID is one failed child too", async () => {
    state.docs.set(W, doc(W, { components: ["nope", "nope"] }));
    const tree = await verifyProduct(W, { source, chain });
    expect(tree.children).toHaveLength(1);
    expect(tree.children[0]).toMatchObject({ did: "nope", verdict: "invalid", listed: 2 });
  });
});

describe("verifyProduct: head starts from unverified log text are bounded", () => {
  const many = Array.from({ length: 63 }, (_, i) => `did:webvh:QmC${i}:h:c${i}`);
  /** A log whose (unverified) last line names `links` as components. */
  const logNaming = (links: string[]) => JSON.stringify({ state: doc(W, { components: links }) });

  it("a log naming 63 components, never verified: at most 8 of them are fetched", async () => {
    const asked: string[] = [];
    const hostile: FileSource = { get: async (d, f) => (asked.push(`${d}|${f}`), d === W ? logNaming(many) : "") };
    const tree = await verifyProduct(W, { source: hostile, chain });
    expect(tree.verdict).toBe("unverifiable");
    expect(tree.children).toEqual([]);
    expect(state.calls.filter((d) => d !== W)).toEqual(many.slice(0, 8));
    expect(asked.filter((a) => a !== `${W}|did.jsonl`)).toHaveLength(8);
  });

  it("the bound is the whole tree's, and the limit can be set", async () => {
    // Each prefetched component's own log names more: still 8 in all, not 8 per log.
    const chained: FileSource = { get: async (d) => (d === W ? logNaming(many.slice(0, 20)) : logNaming(many.slice(20))) };
    await verifyProduct(W, { source: chained, chain });
    expect(state.calls.filter((d) => d !== W)).toHaveLength(8);
    state.calls.length = 0;
    await verifyProduct(W, { source: chained, chain }, { maxPrefetch: 2 });
    expect(state.calls.filter((d) => d !== W)).toEqual(many.slice(0, 2));
  });

  it("once the parent is verified, every component its document names is verified", async () => {
    const twelve = many.slice(0, 12);
    state.docs.set(W, doc(W, { components: twelve }));
    for (const c of twelve) state.docs.set(c, doc(c, { parent: W }));
    const tree = await verifyProduct(W, { source: { get: async (d) => (d === W ? logNaming(twelve) : "") }, chain });
    expect(tree.verdict).toBe("verified");
    expect(tree.children.map((c) => c.did)).toEqual(twelve);
    expect(new Set(state.calls).size).toBe(13);
  });
});
