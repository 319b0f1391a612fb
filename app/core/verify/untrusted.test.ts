/**
 * verifyDid against hostile files, without a chain or a host: logs made here, a fake ChainReader that
 * counts what it is asked. What an invalid entry carries must not reach the verdict; what the files
 * claim must not cost chain reads that the checks would not allow.
 */
import { describe, expect, it, vi } from "vitest";
import type { AnchorsFile, DidDocument, Hex } from "../types.ts";
import { appendEntry, createLog } from "../didwebvh/create.ts";
import { verifyEd25519 } from "../didwebvh/keys.ts";
import { serializeLog } from "../didwebvh/log.ts";
import { at, eventService, makeLog, testSigner } from "../didwebvh/testkit/logs.ts";
import { leafHash } from "../anchors/leaf.ts";
import { processProof } from "../anchors/path.ts";
import type { AnchorQuery, ChainReader } from "../anchors/registry.ts";
import type { FileSource } from "../fetch/source.ts";
import { newEvent } from "./document.ts";
import { verifyDid } from "./verifyDid.ts";

const noChain: ChainReader = { readAnchor: async () => null, readAt: () => undefined };
const files = (log: string, anchors: string | null = null): FileSource => ({
  get: async (_did, file) => (file === "did.jsonl" ? log : file === "did-anchors.json" ? anchors : null),
});
const nested = (depth: number) => JSON.parse('{"a":'.repeat(depth) + "1" + "}".repeat(depth)) as Record<string, unknown>;
const roundTrips = (value: unknown) => {
  expect(() => JSON.stringify(value)).not.toThrow();
  expect(() => structuredClone(value)).not.toThrow();
};

describe("what an entry carries into the verdict", () => {
  it("an invalid entry's event nested 100,000 deep: invalid for its shape, no event taken, the verdict serialisable", async () => {
    const { did, log } = await makeLog(2);
    const depth = 100_000;
    const deep = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    const lines = serializeLog(log).trimEnd().split("\n");
    lines[1] = lines[1]!.replace(
      '"service":[',
      `"service":[{"id":"#evil","type":"LifecycleEvent","serviceEndpoint":{"type":"Inspected","time":"2025-01-01T00:00:00Z","details":${deep}}},`,
    );
    const v = await verifyDid(did, { source: files(lines.join("\n") + "\n"), chain: noChain });
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ name: "EntryShapeError", entryIndex: 1 });
    expect(v.entries.map((e) => e.verdict)).toEqual(["pending", "invalid"]);
    expect(v.entries[1]!.event).toBeUndefined();
    roundTrips(v);
  });

  it("an entry after the valid prefix lends no event to the DID, however well formed", async () => {
    const { did, log } = await makeLog(3);
    const text = serializeLog(log).replace('"type":"Inspected","time":"2025-01-01T00:02:00Z"', '"type":"Decommissioned","time":"2025-01-01T00:02:00Z"');
    const v = await verifyDid(did, { source: files(text), chain: noChain });
    expect(v.verdict).toBe("invalid");
    expect(v.error).toMatchObject({ entryIndex: 2 });
    expect(v.entries.map((e) => e.event?.type)).toEqual([undefined, "Inspected", undefined]);
  });

  it("a valid entry whose event has nested details: the event is refused, a flat one beside it shown", async () => {
    const { did, log, signer } = await makeLog(2);
    const service = (prev: DidDocument, id: string, details: unknown) => ({
      ...prev,
      service: [...(prev.service ?? []), { id: `${prev.id}#${id}`, type: "LifecycleEvent", serviceEndpoint: { type: "Repaired", time: at(2), details } }],
    });
    // 200 levels: within JCS's 256, so the entry is valid and signed.
    log.push(await appendEntry(log, { signer, versionTime: at(2), document: (prev) => service(prev, "deep", nested(200)) }));
    log.push(await appendEntry(log, { signer, versionTime: at(3), document: (prev) => service(prev, "flat", { site: "Kiel", floor: 2, ok: true, parts: ["a", "b"] }) }));
    const v = await verifyDid(did, { source: files(serializeLog(log)), chain: noChain });
    expect(v.verdict).toBe("pending");
    expect(v.entries.map((e) => e.event?.type)).toEqual([undefined, "Inspected", undefined, "Repaired"]);
    expect(v.entries[3]!.event!.details).toEqual({ site: "Kiel", floor: 2, ok: true, parts: ["a", "b"] });
    roundTrips(v);
  });

  it("newEvent: details must be flat (strings, finite numbers, booleans, lists of strings); no depth is walked", () => {
    const doc = (details: unknown): DidDocument =>
      ({ id: "did:webvh:x:h", service: [{ id: "#e", type: "LifecycleEvent", serviceEndpoint: { type: "Inspected", time: at(1), details } }] }) as DidDocument;
    expect(newEvent(doc({ a: "x", b: 1, c: false, d: ["did:webvh:y:h"] }), undefined)?.details).toEqual({ a: "x", b: 1, c: false, d: ["did:webvh:y:h"] });
    expect(newEvent(doc(undefined), undefined)).toEqual({ type: "Inspected", time: at(1) });
    for (const bad of [nested(100_000), { a: { b: 1 } }, { a: [1] }, { a: [["x"]] }, { a: null }, { a: Infinity }, ["x"], "x"])
      expect(newEvent(doc(bad), undefined)).toBeUndefined();
  });
});

describe("chain reads asked for before the log is verified", () => {
  const REGISTRY = `0x${"11".repeat(20)}` as Hex;
  const ANCHORER = `0x${"22".repeat(20)}` as Hex;
  const hex32 = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
  /** A ChainReader that counts what it is asked and finds every root anchored. */
  const countingChain = () => {
    const roots: string[] = [];
    const chain: ChainReader = {
      readAnchor: async (q: AnchorQuery) => (roots.push(q.root), { ...q, blockNumber: 7, timestamp: 1_735_689_600 }),
      readAt: () => undefined,
    };
    return { roots, chain };
  };
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it("10,000 lines invalid from line 1 with 20,000 proofs: no chain read at all", async () => {
    const { did } = await makeLog(1);
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify({ versionId: `${i + 1}-x`, versionTime: "2025-01-01T00:00:00Z", parameters: {}, state: {}, proof: [{}] }),
    );
    const anchors = lines.flatMap((_, i) =>
      [1, 2].map((k) => ({ versionId: `${i + 1}-x`, leaf: hex32(i * 3 + k), proof: [], root: hex32(i * 3 + k), chainId: 1, registry: REGISTRY, anchorer: ANCHORER })),
    );
    const { roots, chain } = countingChain();
    const v = await verifyDid(did, { source: files(lines.join("\n") + "\n", JSON.stringify({ did, anchors })), chain });
    await settle();
    expect(v.verdict).toBe("invalid");
    expect(roots).toHaveLength(0);
  });

  it("the same, with proofs made to pass the local checks against lines that name the DID: a few reads, no more", async () => {
    const { did } = await makeLog(1);
    const state = { id: did, service: [{ id: "#anchoring", type: "EvmMerkleAnchor", serviceEndpoint: { chainId: 1, registry: REGISTRY, anchorers: [ANCHORER] } }] };
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify({ versionId: `${i + 1}-x`, versionTime: "2025-01-01T00:00:00Z", parameters: {}, state, proof: [{}] }),
    );
    const anchors = lines.flatMap((_, i) => {
      const versionId = `${i + 1}-x`;
      const leaf = leafHash(did, versionId);
      return [[], [hex32(i)]].map((proof) => ({ versionId, leaf, proof, root: processProof(leaf, proof), chainId: 1, registry: REGISTRY, anchorer: ANCHORER }));
    });
    const { roots, chain } = countingChain();
    const v = await verifyDid(did, { source: files(lines.join("\n") + "\n", JSON.stringify({ did, anchors })), chain });
    await settle();
    expect(v.verdict).toBe("invalid");
    expect(roots.length).toBeGreaterThan(0);
    expect(roots.length).toBeLessThanOrEqual(16);
  });

  it("an honest anchored log's reads are asked for while it is verified; with paths that miss their roots, never", async () => {
    const signer = testSigner(3);
    const anchoring = { id: "#anchoring", type: "EvmMerkleAnchor", serviceEndpoint: { chainId: 1, registry: REGISTRY, anchorers: [ANCHORER] } };
    const { did, log } = await createLog({ host: "example.com", signer, versionTime: at(0), document: () => ({ service: [anchoring] }) });
    for (let i = 1; i < 3; i++)
      log.push(await appendEntry(log, { signer, versionTime: at(i), document: (prev) => ({ ...prev, service: [...(prev.service ?? []), eventService(prev.id, i)] }) }));
    // One tree per entry (a batch of its own and a sibling): three roots.
    const honest: AnchorsFile = {
      did,
      anchors: log.map((e, i) => {
        const leaf = leafHash(did, e.versionId);
        return { versionId: e.versionId, leaf, proof: [hex32(i + 1)], root: processProof(leaf, [hex32(i + 1)]), chainId: 1, registry: REGISTRY, anchorer: ANCHORER };
      }),
    };
    const gated = () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const verifier = async (...args: Parameters<typeof verifyEd25519>) => (await gate, verifyEd25519(...args));
      return { release, verifier };
    };

    const { roots, chain } = countingChain();
    const g = gated();
    const verdictP = verifyDid(did, { source: files(serializeLog(log), JSON.stringify(honest)), chain, verifier: g.verifier });
    await vi.waitFor(() => expect(new Set(roots)).toEqual(new Set(honest.anchors.map((a) => a.root))));
    g.release();
    expect((await verdictP).verdict).toBe("verified");

    // The same proofs with one sibling changed each: no read before verification, and none after (step 3
    // stops at the path, ProofMismatchError).
    const bent = { did, anchors: honest.anchors.map((a, i) => ({ ...a, proof: [hex32(100 + i)] })) };
    const other = countingChain();
    const g2 = gated();
    const bentP = verifyDid(did, { source: files(serializeLog(log), JSON.stringify(bent)), chain: other.chain, verifier: g2.verifier });
    await settle();
    expect(other.roots).toHaveLength(0);
    g2.release();
    expect(await bentP).toMatchObject({ verdict: "invalid", error: { name: "ProofMismatchError" } });
    expect(other.roots).toHaveLength(0);
  });
});
