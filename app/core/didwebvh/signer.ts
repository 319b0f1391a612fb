/**
 * Signing with Ed25519 (@noble/curves): what the publisher, the fixtures and the tests sign log entries
 * with. Apart from keys.ts so that verifying (the browser's worker) never loads the curve code when
 * WebCrypto has Ed25519.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { didKeyVerificationMethod, encodeMultikey, KeyFormatError, type Signer } from "./keys.ts";

/** A Signer from a 32-byte Ed25519 seed (the secret key of RFC 8032). */
export function signerFromSecretKey(seed: Uint8Array): Signer {
  if (seed.length !== 32) throw new KeyFormatError("Ed25519 secret key (seed) must be 32 bytes");
  const secret = Uint8Array.from(seed);
  const publicKeyMultibase = encodeMultikey(ed25519.getPublicKey(secret));
  return {
    verificationMethod: didKeyVerificationMethod(publicKeyMultibase),
    publicKeyMultibase,
    sign: (data) => Promise.resolve(ed25519.sign(data, secret)),
  };
}

/** A fresh random signer (tests, fixtures). */
export function randomSigner(): Signer {
  return signerFromSecretKey(ed25519.utils.randomSecretKey());
}
