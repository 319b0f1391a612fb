/**
 * The Merkle leaf of one did:webvh log entry: the OpenZeppelin "standard" leaf
 * `keccak256(bytes.concat(keccak256(abi.encode(string did, string versionId))))`.
 * Double hashing keeps a 64-byte inner node from passing as a leaf (second pre-image).
 * `did` is the entry's `state.id`; `versionId` already commits to the entry and the chain before it.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { encodeAbiParameters, hexToBytes, bytesToHex } from "viem";
import type { Hex } from "../types.ts";

const LEAF_PARAMS = [{ type: "string" }, { type: "string" }] as const;

/** The leaf as bytes (32). */
export function leafBytes(did: string, versionId: string): Uint8Array {
  const encoded = hexToBytes(encodeAbiParameters(LEAF_PARAMS, [did, versionId]));
  return keccak_256(keccak_256(encoded));
}

/** The leaf as 0x-prefixed lower-case hex. */
export function leafHash(did: string, versionId: string): Hex {
  return bytesToHex(leafBytes(did, versionId));
}
