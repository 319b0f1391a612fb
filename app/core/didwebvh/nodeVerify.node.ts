/**
 * Node only: Ed25519 verification through node:crypto (OpenSSL, the same code WebCrypto uses in Node),
 * synchronous, on the calling thread: no thread-pool hop per signature. For worker threads, where each
 * thread already has a core to itself. Keys are imported once (by multikey).
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { Ed25519Verify } from "./keys.ts";

// DER SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const keys = new Map<string, KeyObject>();

/** Forget imported keys. */
export function clearNodeKeys(): void {
  keys.clear();
}

export const nodeEd25519Verify: Ed25519Verify = (signature, message, publicKey, cacheKey) => {
  const id = cacheKey ?? Buffer.from(publicKey).toString("hex");
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= 4096) keys.clear();
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
    keys.set(id, key);
  }
  return verify(null, message, key, signature);
};
