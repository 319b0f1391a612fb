/**
 * Node only: Ed25519 verification and SHA-256 through node:crypto (OpenSSL, the same code WebCrypto uses
 * in Node), keys imported once (by multikey).
 *
 * - `nodeEd25519Verify`: synchronous, on the calling thread: no thread-pool hop per signature. For worker
 *   threads, where each thread already has a core to itself.
 * - `nodeEd25519VerifyAsync`: on the libuv thread pool (crypto.verify with a callback), so that the
 *   signatures of many logs run on every core while the calling thread parses and hashes. It costs the
 *   calling thread about a third of what WebCrypto's `subtle.verify` does per signature in Node (no WebIDL
 *   conversions, no promise job wrapper), measured in bench/didwebvh.bench.ts.
 */
import { createPublicKey, hash, verify, type KeyObject } from "node:crypto";
import { useSha256, type Sha256Provider, type TextHasher } from "./hash.ts";
import type { Ed25519Verify } from "./keys.ts";

// DER SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }.
export const ED25519_SPKI_PREFIX_HEX = "302a300506032b6570032100";
const SPKI_PREFIX = Buffer.from(ED25519_SPKI_PREFIX_HEX, "hex");
const keys = new Map<string, KeyObject>();

/** Forget imported keys. */
export function clearNodeKeys(): void {
  keys.clear();
}

function keyObject(publicKey: Uint8Array, cacheKey: string | undefined): KeyObject {
  const id = cacheKey ?? Buffer.from(publicKey).toString("hex");
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= 4096) keys.clear();
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
    keys.set(id, key);
  }
  return key;
}

export const nodeEd25519Verify: Ed25519Verify = (signature, message, publicKey, cacheKey) =>
  verify(null, message, keyObject(publicKey, cacheKey), signature);

export const nodeEd25519VerifyAsync: Ed25519Verify = (signature, message, publicKey, cacheKey) =>
  new Promise<boolean>((resolve) => {
    try {
      verify(null, message, keyObject(publicKey, cacheKey), signature, (error, ok) => resolve(!error && ok));
    } catch {
      resolve(false);
    }
  });

/**
 * SHA-256 through node:crypto (native), for useSha256 (hash.ts), with its one-shot `hash`: the texts are
 * a few KB, and a Hash object per text (created, updated, copied, digested: a native call each) cost more
 * than hashing a shared prefix twice. The incremental hasher therefore only gathers its text.
 */
export const nodeSha256: Sha256Provider = {
  text: (text) => hash("sha256", text, "buffer"),
  create: () => new NodeTextHasher(""),
};

/**
 * The gathered text, hashed once when digested. A class, not an object of arrow functions: the command
 * line runs under tsx, whose esbuild keeps function names by redefining `name` on every closure created,
 * a cost per entry (two hashers an entry) that methods on a prototype do not pay.
 */
class NodeTextHasher implements TextHasher {
  // A field, not a parameter property: worker threads load the core with Node's type stripping, which
  // takes erasable syntax only.
  private text: string;
  constructor(text: string) {
    this.text = text;
  }
  update(more: string): this {
    this.text += more;
    return this;
  }
  clone(): TextHasher {
    return new NodeTextHasher(this.text);
  }
  digest(): Uint8Array {
    return hash("sha256", this.text, "buffer");
  }
}

/** A Node process verifying did:webvh: node:crypto's SHA-256 for every hash (call once, at start). */
export function useNodeCrypto(): void {
  useSha256(nodeSha256);
}
