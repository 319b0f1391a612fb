import { describe, expect, it } from "vitest";
import { parseAnchorsFile } from "./file.ts";
import { leafHash } from "./leaf.ts";

const leaf = leafHash("did:webvh:x:h", "1-abc");
const good = {
  versionId: "1-abc",
  leaf,
  proof: [leafHash("a", "b")],
  root: leafHash("c", "d"),
  chainId: 31337,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  anchorer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  batch: "2025-01",
};
const file = (anchors: unknown[], extra: object = {}) => JSON.stringify({ did: "did:webvh:x:h", anchors, ...extra });
const errorOf = (text: string) => {
  try {
    parseAnchorsFile(text);
    return "parsed";
  } catch (e) {
    return (e as Error).name;
  }
};

describe("parseAnchorsFile", () => {
  it("parses a well-formed file and keeps known keys only", () => {
    const parsed = parseAnchorsFile(file([{ ...good, extra: 1, __proto__x: 2 }], { other: true }));
    expect(parsed).toEqual({ did: "did:webvh:x:h", anchors: [good] });
    expect(Object.keys(parsed.anchors[0]!)).not.toContain("extra");
  });

  it("accepts an empty list", () => {
    expect(parseAnchorsFile(file([])).anchors).toEqual([]);
  });

  it.each([
    ["not JSON", "{"],
    ["an array", "[]"],
    ["no did", JSON.stringify({ anchors: [] })],
    ["anchors not an array", JSON.stringify({ did: "did:x", anchors: {} })],
    ["short leaf", file([{ ...good, leaf: "0x1234" }])],
    ["leaf not hex", file([{ ...good, leaf: "0x" + "z".repeat(64) }])],
    ["proof not an array", file([{ ...good, proof: leaf }])],
    ["bad sibling", file([{ ...good, proof: [leaf, "0x00"] }])],
    ["too deep", file([{ ...good, proof: Array.from({ length: 65 }, () => leaf) }])],
    ["bad root", file([{ ...good, root: 7 }])],
    ["chainId string", file([{ ...good, chainId: "31337" }])],
    ["chainId zero", file([{ ...good, chainId: 0 }])],
    ["chainId fractional", file([{ ...good, chainId: 1.5 }])],
    ["registry too short", file([{ ...good, registry: "0x1234" }])],
    ["anchorer missing", file([{ ...good, anchorer: undefined }])],
    ["versionId malformed", file([{ ...good, versionId: "abc" }])],
    ["txHash malformed", file([{ ...good, txHash: "0x12" }])],
    ["entry not an object", file([null])],
  ])("rejects %s with AnchorsFileError", (_, text) => {
    expect(errorOf(text)).toBe("AnchorsFileError");
  });

  it("refuses more proofs of one versionId than the limit, and counts each versionId apart", () => {
    const eight = Array.from({ length: 8 }, (_, k) => ({ ...good, root: leafHash("root", String(k)) }));
    expect(parseAnchorsFile(file(eight)).anchors).toHaveLength(8);
    expect(errorOf(file([...eight, good]))).toBe("AnchorsFileError");
    expect(() => parseAnchorsFile(file([...eight, good]))).toThrow(/anchors\[8\]: more than 8 proofs of 1-abc/);
    const other = eight.map((a) => ({ ...a, versionId: "2-def" }));
    expect(parseAnchorsFile(file([...eight, ...other])).anchors).toHaveLength(16);
    expect(() => parseAnchorsFile(file([good, good, good]), { maxProofsPerVersion: 2 })).toThrow(/more than 2 proofs/);
  });

  it("enforces the anchor count limit", () => {
    expect(() => parseAnchorsFile(file([good, good]), { maxAnchors: 1 })).toThrow(/limit 1/);
  });
});
