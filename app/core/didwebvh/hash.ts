/**
 * Hashes of did:webvh v1.0: `base58btc(multihash(sha2-256(bytes)))` for the SCID, the entryHash and the
 * pre-rotation key hashes. v1.0 permits SHA-256 (multihash code 0x12, length 0x20) only.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { base58 } from "@scure/base";

const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

let scratch = new Uint8Array(16 * 1024);

/**
 * Feed `text` as UTF-8 to a hash without allocating (a reused scratch buffer: the hash must consume
 * it before the next call, which noble's `update` does).
 */
export function updateUtf8<H extends { update(data: Uint8Array): H }>(hash: H, text: string): H {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
  const { written } = encoder.encodeInto(text, scratch);
  return hash.update(scratch.subarray(0, written));
}

/** base58btc (no multibase prefix) of the sha2-256 multihash of `bytes`. */
export function multihashSha256(bytes: Uint8Array): string {
  return multihashOfDigest(sha256(bytes));
}

/** base58btc of the sha2-256 multihash of a digest already computed. */
export function multihashOfDigest(digest: Uint8Array): string {
  const mh = new Uint8Array(34);
  mh[0] = 0x12;
  mh[1] = 0x20;
  mh.set(digest, 2);
  return base58.encode(mh);
}

/** The did:webvh hash of a text (its UTF-8 bytes): SCID, entryHash, nextKeyHashes entry. */
export function hashText(text: string): string {
  return multihashSha256(utf8(text));
}

/** The pre-rotation hash of a multikey: base58btc(multihash(sha256(multikey as UTF-8))). */
export function keyHash(multikey: string): string {
  return hashText(multikey);
}

/** True when `value` is a base58btc sha2-256 multihash, the only hash did:webvh v1.0 permits. */
export function isSha256Multihash(value: string): boolean {
  if (value.length !== 46 || !value.startsWith("Qm")) return false;
  try {
    const bytes = base58.decode(value);
    return bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20;
  } catch {
    return false;
  }
}
