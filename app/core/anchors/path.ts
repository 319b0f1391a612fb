/**
 * Recomputing a Merkle root from a leaf and its proof: sorted-pair keccak256, the scheme OpenZeppelin's
 * `MerkleProof.processProof` uses (and merkletreejs with `sortPairs: true`), so a contract can check the
 * same proof. Works on bytes inside the loop; hex only at the edges.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import type { Hex } from "../types.ts";

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/** Is `value` a 0x-prefixed 32-byte hex string? */
export function isBytes32Hex(value: unknown): value is Hex {
  return typeof value === "string" && HEX32.test(value);
}

/** 0x-prefixed 32-byte hex -> bytes. Throws RangeError on anything else. */
export function bytes32FromHex(hex: string): Uint8Array {
  if (!HEX32.test(hex)) throw new RangeError(`expected 32 bytes as 0x-prefixed hex, got ${JSON.stringify(hex).slice(0, 80)}`);
  return hexToBytes(hex.slice(2));
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
export function bytesToHex32(bytes: Uint8Array): Hex {
  let s = "0x";
  for (const b of bytes) s += HEX_DIGITS[b];
  return s as Hex;
}

/** a < b, as unsigned big-endian 32-byte numbers. */
function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y;
  }
  return false;
}

/** keccak256 of the two nodes, smaller first (OpenZeppelin `Hashes.commutativeKeccak256`). */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  if (lessThan(b, a)) {
    buf.set(b, 0);
    buf.set(a, 32);
  } else {
    buf.set(a, 0);
    buf.set(b, 32);
  }
  return keccak_256(buf);
}

/** The root reached from `leaf` through `proof` (sibling hashes from the leaf up). Bytes in, bytes out. */
export function processProofBytes(leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let node = leaf;
  for (const sibling of proof) node = hashPair(node, sibling);
  return node;
}

/** The root reached from `leaf` through `proof`, as hex. Throws RangeError on malformed hex. */
export function processProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return bytesToHex32(processProofBytes(bytes32FromHex(leaf), proof.map(bytes32FromHex)));
}
