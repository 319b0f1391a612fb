import fc from "fast-check";
import { concat, encodeAbiParameters, keccak256, type Hex as ViemHex } from "viem";
import { describe, expect, it } from "vitest";
import { leafHash } from "../core/anchors/leaf.ts";
import { processProof as coreProcessProof } from "../core/anchors/path.ts";
import { abiEncodeTwoStrings, buildBatch, EmptyBatchError, entryLeaf, processProof } from "./batch.ts";

/** OpenZeppelin MerkleProof.processProof, written independently with viem: commutative keccak of each pair. */
function ozProcessProof(proof: readonly ViemHex[], leaf: ViemHex): ViemHex {
  let computed = leaf;
  for (const sibling of proof) {
    computed = BigInt(computed) < BigInt(sibling) ? keccak256(concat([computed, sibling])) : keccak256(concat([sibling, computed]));
  }
  return computed;
}

const items = (n: number, salt = "") =>
  Array.from({ length: n }, (_, i) => ({ did: `did:webvh:QmScid${salt}${i}:localhost%3A8620:p:${i}`, versionId: `${(i % 5) + 1}-QmEntry${i}` }));

describe("leaf", () => {
  it("abi.encode(string,string) matches viem's encoder, for ascii, multi-byte and 32-byte-boundary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), fc.string({ maxLength: 70 }), (a, b) => {
        const ours = abiEncodeTwoStrings(a, b);
        const viem = encodeAbiParameters([{ type: "string" }, { type: "string" }], [a, b]);
        expect(`0x${Buffer.from(ours).toString("hex")}`).toBe(viem);
      }),
    );
    for (const len of [0, 31, 32, 33, 64]) {
      const s = "x".repeat(len);
      expect(`0x${Buffer.from(abiEncodeTwoStrings(s, s)).toString("hex")}`).toBe(
        encodeAbiParameters([{ type: "string" }, { type: "string" }], [s, s]),
      );
    }
  });

  it("is keccak256(keccak256(abi.encode(did, versionId)))", () => {
    const did = "did:webvh:QmX:example.com";
    const versionId = "1-QmY";
    expect(entryLeaf(did, versionId)).toBe(keccak256(keccak256(encodeAbiParameters([{ type: "string" }, { type: "string" }], [did, versionId]))));
  });
});

describe("buildBatch", () => {
  it("every proof of every size up to 70 reaches the root under OpenZeppelin's processProof", () => {
    for (let n = 1; n <= 70; n++) {
      const batch = buildBatch(items(n));
      expect(batch.leaves).toHaveLength(n);
      batch.leaves.forEach((leaf, i) => {
        expect(leaf.did).toBe(items(n)[i]!.did);
        expect(leaf.leaf).toBe(entryLeaf(leaf.did, leaf.versionId));
        expect(ozProcessProof(leaf.proof, leaf.leaf)).toBe(batch.root);
        expect(processProof(leaf.proof, leaf.leaf)).toBe(batch.root);
        expect(coreProcessProof(leaf.leaf, leaf.proof)).toBe(batch.root);
        expect(leaf.leaf).toBe(leafHash(leaf.did, leaf.versionId));
        expect(leaf.proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      });
    }
  });

  it("a single leaf is its own root with an empty proof", () => {
    const batch = buildBatch(items(1));
    expect(batch.root).toBe(batch.leaves[0]!.leaf);
    expect(batch.leaves[0]!.proof).toEqual([]);
  });

  it("a proof does not verify another leaf, and a tampered sibling misses the root", () => {
    const batch = buildBatch(items(9));
    const [a, b] = [batch.leaves[2]!, batch.leaves[7]!];
    expect(ozProcessProof(a.proof, b.leaf)).not.toBe(batch.root);
    const tampered = [...a.proof];
    tampered[1] = `0x${"11".repeat(32)}`;
    expect(ozProcessProof(tampered, a.leaf)).not.toBe(batch.root);
    expect(buildBatch(items(9, "other")).root).not.toBe(batch.root);
  });

  it("refuses an empty batch", () => {
    expect(() => buildBatch([])).toThrow(EmptyBatchError);
  });

  it("random batches: all proofs verify (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ did: fc.string({ minLength: 1 }), versionId: fc.string({ minLength: 1 }) }), { minLength: 1, maxLength: 200 }), (xs) => {
        const batch = buildBatch(xs);
        for (const leaf of batch.leaves) expect(ozProcessProof(leaf.proof, leaf.leaf)).toBe(batch.root);
      }),
      { numRuns: 30 },
    );
  });
});
