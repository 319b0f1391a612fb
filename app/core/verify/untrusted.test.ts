/**
 * verifyDid against hostile files, without a chain or a host: logs made here, a fake ChainReader that
 * counts what it is asked. What an invalid entry carries must not reach the verdict; what the files
 * claim must not cost chain reads that the checks would not allow.
 */
import { describe, expect, it } from "vitest";
import type { DidDocument } from "../types.ts";
import { appendEntry } from "../didwebvh/create.ts";
import { serializeLog } from "../didwebvh/log.ts";
import { at, makeLog } from "../didwebvh/testkit/logs.ts";
import type { ChainReader } from "../anchors/registry.ts";
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
