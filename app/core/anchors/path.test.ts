import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MerkleTree } from "merkletreejs";
import { keccak256 } from "viem";
import { bytes32FromHex, hashPair, isBytes32Hex, processProof } from "./path.ts";
import { leafHash } from "./leaf.ts";

const keccakBuf = (data: Buffer) => Buffer.from(keccak256(data).slice(2), "hex");

function tree(leaves: `0x${string}`[]) {
  return new MerkleTree(leaves.map((l) => Buffer.from(l.slice(2), "hex")), keccakBuf, { sortPairs: true });
}

const leavesArb = fc.array(fc.tuple(fc.string(), fc.string()), { minLength: 1, maxLength: 40 }).map((pairs) =>
  pairs.map(([d, v], i) => leafHash(`did:webvh:${d}`, `${i + 1}-${v}`)),
);

describe("processProof", () => {
  it("reaches merkletreejs's root for every leaf of random trees (1 leaf, odd and even sizes)", () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const t = tree(leaves);
        const root = t.getHexRoot();
        leaves.forEach((leaf, i) => {
          expect(processProof(leaf, t.getHexProof(leaf, i) as `0x${string}`[])).toBe(root);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("a one-leaf tree's root is the leaf itself (empty proof)", () => {
    const leaf = leafHash("did:webvh:x:h", "1-a");
    expect(tree([leaf]).getHexRoot()).toBe(leaf);
    expect(processProof(leaf, [])).toBe(leaf);
  });

  it("a changed sibling or leaf misses the root", () => {
    const leaves = Array.from({ length: 7 }, (_, i) => leafHash("did:webvh:x:h", `${i + 1}-v`));
    const t = tree(leaves);
    const proof = t.getHexProof(leaves[3]!, 3) as `0x${string}`[];
    const flipped = [...proof];
    flipped[1] = (flipped[1]!.slice(0, -1) + (flipped[1]!.endsWith("0") ? "1" : "0")) as `0x${string}`;
    expect(processProof(leaves[3]!, flipped)).not.toBe(t.getHexRoot());
    expect(processProof(leaves[2]!, proof)).not.toBe(t.getHexRoot());
  });

  it("hashPair is commutative", () => {
    const a = bytes32FromHex(leafHash("a", "1"));
    const b = bytes32FromHex(leafHash("b", "2"));
    expect(hashPair(a, b)).toEqual(hashPair(b, a));
  });

  it("rejects malformed hex with RangeError", () => {
    expect(() => processProof("0x12" as `0x${string}`, [])).toThrow(RangeError);
    expect(() => processProof(leafHash("a", "b"), ["0xzz" as `0x${string}`])).toThrow(RangeError);
    expect(isBytes32Hex(leafHash("a", "b"))).toBe(true);
    expect(isBytes32Hex("0x" + "g".repeat(64))).toBe(false);
  });
});
