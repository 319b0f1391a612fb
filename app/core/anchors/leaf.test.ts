import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeAbiParameters, keccak256 } from "viem";
import { leafHash } from "./leaf.ts";
import { entryLeaf } from "../../publisher/batch.ts";

/** The OpenZeppelin StandardMerkleTree leaf, written with viem's own keccak (a second implementation). */
function standardLeaf(did: string, versionId: string) {
  return keccak256(keccak256(encodeAbiParameters([{ type: "string" }, { type: "string" }], [did, versionId])));
}

describe("leafHash", () => {
  it("is the OpenZeppelin standard leaf of abi.encode(string did, string versionId)", () => {
    const did = "did:webvh:QmSCID:localhost%3A8787:passports:w-000001";
    const versionId = "1-QmHash";
    expect(leafHash(did, versionId)).toBe(standardLeaf(did, versionId));
    // pinned: the encoding must never change silently (published proofs depend on it)
    expect(leafHash(did, versionId)).toMatchInlineSnapshot(`"0xbd08a86fc9dcbd369f86242eea1acc07986162b456cb2ba7e7a93b73bce0b476"`);
  });

  it("agrees with viem's keccak on arbitrary (unicode, empty, long) strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ maxLength: 200 }), (did, versionId) => {
        expect(leafHash(did, versionId)).toBe(standardLeaf(did, versionId));
        expect(leafHash(did, versionId)).toBe(entryLeaf(did, versionId)); // the publisher's own encoder
      }),
      { numRuns: 200 },
    );
  });

  it("is not the single hash and depends on both fields and their order", () => {
    const single = keccak256(encodeAbiParameters([{ type: "string" }, { type: "string" }], ["a", "b"]));
    expect(leafHash("a", "b")).not.toBe(single);
    expect(leafHash("a", "b")).not.toBe(leafHash("b", "a"));
    expect(leafHash("ab", "")).not.toBe(leafHash("a", "b"));
  });
});
