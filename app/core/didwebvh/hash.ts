/**
 * Hashes of did:webvh v1.0: `base58btc(multihash(sha2-256(bytes)))` for the SCID, the entryHash and the
 * pre-rotation key hashes. v1.0 permits SHA-256 (multihash code 0x12, length 0x20) only.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { decodeBase58, encodeBase58 } from "./base58.ts";

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

/** An incremental SHA-256 over text (fed as UTF-8). */
export interface TextHasher {
  update(text: string): TextHasher;
  /** An independent copy of the state so far. */
  clone(): TextHasher;
  digest(): Uint8Array;
}

/** Where SHA-256 comes from: @noble/hashes (every runtime) unless a faster one is registered. */
export interface Sha256Provider {
  text(text: string): Uint8Array;
  create(): TextHasher;
}

/** @noble/hashes' incremental SHA-256 as a TextHasher (a class: see NodeTextHasher in nodeVerify.node.ts). */
class NobleTextHasher implements TextHasher {
  private readonly h: ReturnType<typeof sha256.create>;
  constructor(h: ReturnType<typeof sha256.create>) {
    this.h = h;
  }
  update(text: string): this {
    updateUtf8(this.h, text);
    return this;
  }
  clone(): TextHasher {
    return new NobleTextHasher(this.h.clone());
  }
  digest(): Uint8Array {
    return this.h.digest();
  }
}

export const nobleSha256: Sha256Provider = {
  text: (text) => sha256(utf8(text)),
  create: () => new NobleTextHasher(sha256.create()),
};

let provider: Sha256Provider = nobleSha256;

/**
 * Use `p` for every did:webvh hash from now on. Node entry points register node:crypto's (native: no
 * JIT warm-up, about 3x faster on an entry); the browser keeps @noble/hashes.
 */
export function useSha256(p: Sha256Provider): void {
  provider = p;
}

/** SHA-256 of a text's UTF-8 bytes. */
export function sha256Text(text: string): Uint8Array {
  return provider.text(text);
}

/** An incremental SHA-256 (see TextHasher). */
export function sha256Hasher(): TextHasher {
  return provider.create();
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
  return encodeBase58(mh);
}

/** The did:webvh hash of a text (its UTF-8 bytes): SCID, entryHash, nextKeyHashes entry. */
export function hashText(text: string): string {
  return multihashOfDigest(provider.text(text));
}

/** The pre-rotation hash of a multikey: base58btc(multihash(sha256(multikey as UTF-8))). */
export function keyHash(multikey: string): string {
  return hashText(multikey);
}

/** True when `value` is a base58btc sha2-256 multihash, the only hash did:webvh v1.0 permits. */
export function isSha256Multihash(value: string): boolean {
  if (value.length !== 46 || !value.startsWith("Qm")) return false;
  try {
    const bytes = decodeBase58(value);
    return bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20;
  } catch {
    return false;
  }
}
