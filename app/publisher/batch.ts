/**
 * Merkle batches of log entries: one leaf per (did, versionId), sorted-pair keccak256 nodes (the scheme
 * OpenZeppelin's `MerkleProof.processProof` checks), built with merkletreejs.
 *
 * Leaf = keccak256(keccak256(abi.encode(string did, string versionId))) (the OpenZeppelin "standard" leaf).
 * Leaves keep their input order (no `sortLeaves`), so leaf i is entry i; proofs for all N leaves are read
 * from the tree's layers in O(N log N), each layer converted to hex once and the strings shared.
 *
 * Node-only (merkletreejs uses Buffer): the browser recomputes paths with @noble/hashes.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { abiEncodeTwoStrings, leafBytes } from "../core/anchors/leaf.ts";
import { MerkleTree } from "merkletreejs";
import type { Hex } from "../core/types.ts";

export interface BatchItem {
  did: string;
  versionId: string;
}

export interface BatchLeafProof extends BatchItem {
  leaf: Hex;
  /** Sibling hashes from the leaf up. */
  proof: Hex[];
}

export interface Batch {
  root: Hex;
  /** One per input item, in input order. */
  leaves: BatchLeafProof[];
}

export class EmptyBatchError extends Error {
  override readonly name = "EmptyBatchError";
  constructor() {
    super("a Merkle batch needs at least one leaf");
  }
}

export { abiEncodeTwoStrings };

/** The standard leaf of a log entry, as bytes. */
export function entryLeafBytes(did: string, versionId: string): Uint8Array {
  return leafBytes(did, versionId);
}

export function entryLeaf(did: string, versionId: string): Hex {
  return `0x${bytesToHex(entryLeafBytes(did, versionId))}`;
}

/** The node hash merkletreejs calls: keccak256 over the (already sorted and concatenated) pair. */
function hashNode(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** Builds the tree over precomputed leaves (bytes, in order) and returns the root and every proof. */
export function buildTree(leaves: readonly Uint8Array[]): { root: Hex; proofs: Hex[][]; leaves: Hex[] } {
  if (leaves.length === 0) throw new EmptyBatchError();
  const tree = new MerkleTree(leaves as Uint8Array[], hashNode, { sortPairs: true });
  const layers = tree.getLayers();
  // Each node converted to hex once; proofs share the strings.
  const hexLayers: Hex[][] = layers.map((layer) => layer.map((node) => `0x${node.toString("hex")}` as Hex));
  const depth = hexLayers.length - 1;
  const proofs: Hex[][] = new Array<Hex[]>(leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    const proof: Hex[] = [];
    let index = i;
    for (let level = 0; level < depth; level++) {
      const layer = hexLayers[level]!;
      const pair = index ^ 1;
      // An odd node at the end of a layer is promoted unchanged: no sibling at that level.
      if (pair < layer.length) proof.push(layer[pair]!);
      index >>>= 1;
    }
    proofs[i] = proof;
  }
  return { root: hexLayers[depth]![0]!, proofs, leaves: hexLayers[0]! };
}

/** One Merkle batch over log entries; leaf i is items[i]. */
export function buildBatch(items: readonly BatchItem[]): Batch {
  const leafBytes = items.map((item) => entryLeafBytes(item.did, item.versionId));
  const { root, proofs, leaves } = buildTree(leafBytes);
  return {
    root,
    leaves: items.map((item, i) => ({ did: item.did, versionId: item.versionId, leaf: leaves[i]!, proof: proofs[i]! })),
  };
}

/** OpenZeppelin `MerkleProof.processProof` (sorted pairs), for self-checks in the publisher. */
export function processProof(proof: readonly Hex[], leaf: Hex): Hex {
  let computed = hexToBytes32(leaf);
  for (const sibling of proof) {
    const s = hexToBytes32(sibling);
    const pair = new Uint8Array(64);
    if (compareBytes(computed, s) <= 0) {
      pair.set(computed, 0);
      pair.set(s, 32);
    } else {
      pair.set(s, 0);
      pair.set(computed, 32);
    }
    computed = keccak_256(pair);
  }
  return `0x${bytesToHex(computed)}`;
}

function hexToBytes32(hex: Hex): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 + i * 2, 4 + i * 2), 16);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
