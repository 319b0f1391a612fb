/**
 * The Merkle leaf of one did:webvh log entry: the OpenZeppelin "standard" leaf
 * `keccak256(bytes.concat(keccak256(abi.encode(string did, string versionId))))`.
 * Double hashing keeps a 64-byte inner node from passing as a leaf (second pre-image).
 * `did` is the entry's `state.id`; `versionId` already commits to the entry and the chain before it.
 *
 * The ABI encoding of two strings is written out here (checked against viem's encodeAbiParameters in
 * leaf.test.ts) rather than taken from viem: importing viem's root costs a Node worker thread about half a
 * second of loading, for these twenty lines.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import type { Hex } from "../types.ts";
import { bytesToHex32 } from "./path.ts";

/** abi.encode(string a, string b) as bytes (two dynamic strings: two offsets, then length + padded data each). */
export function abiEncodeTwoStrings(a: string, b: string): Uint8Array {
  const ab = utf8ToBytes(a);
  const bb = utf8ToBytes(b);
  const padA = Math.ceil(ab.length / 32) * 32;
  const padB = Math.ceil(bb.length / 32) * 32;
  const out = new Uint8Array(64 + 32 + padA + 32 + padB);
  const view = new DataView(out.buffer);
  const offsetB = 64 + 32 + padA;
  // Lengths and offsets are far below 2^32: write them in the last 4 bytes of their 32-byte words.
  view.setUint32(28, 64);
  view.setUint32(60, offsetB);
  view.setUint32(64 + 28, ab.length);
  out.set(ab, 96);
  view.setUint32(offsetB + 28, bb.length);
  out.set(bb, offsetB + 32);
  return out;
}

/** The leaf as bytes (32). */
export function leafBytes(did: string, versionId: string): Uint8Array {
  return keccak_256(keccak_256(abiEncodeTwoStrings(did, versionId)));
}

/** The leaf as 0x-prefixed lower-case hex. */
export function leafHash(did: string, versionId: string): Hex {
  return bytesToHex32(leafBytes(did, versionId));
}
