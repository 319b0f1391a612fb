/**
 * Ed25519 keys of did:webvh v1.0: multikeys (`z6Mk...`: multibase base58btc of 0xed 0x01 + 32 bytes),
 * signing from a 32-byte seed, and verification.
 *
 * Verification uses WebCrypto (`crypto.subtle`, in browsers and Node 22; Node runs it on the libuv
 * thread pool, so independent verifications run in parallel), importing each public key once. Where
 * WebCrypto has no Ed25519 it falls back to @noble/curves with `zip215: false` (RFC 8032 strict). Both
 * paths first reject what RFC 8032 rejects before any curve arithmetic: a signature that is not 64 bytes,
 * or whose S is not below the group order L.
 */
import { decodeBase58, encodeBase58 } from "./base58.ts";
import { SignatureUncheckedError } from "./errors.ts";

export { keyHash } from "./hash.ts";

/** What the publisher signs log entries with. */
export interface Signer {
  /** `did:key:{multikey}#{multikey}` */
  verificationMethod: string;
  /** The Ed25519 multikey `z6Mk...`. */
  publicKeyMultibase: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export class KeyFormatError extends TypeError {
  override readonly name = "KeyFormatError";
}

/** `z` + base58btc(0xed 0x01 + publicKey). */
export function encodeMultikey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new KeyFormatError("Ed25519 public key must be 32 bytes");
  const bytes = new Uint8Array(34);
  bytes[0] = 0xed;
  bytes[1] = 0x01;
  bytes.set(publicKey, 2);
  return `z${encodeBase58(bytes)}`;
}

/** The 32-byte Ed25519 public key of a multikey; throws KeyFormatError for anything else. */
export function decodeMultikey(multikey: string): Uint8Array {
  if (typeof multikey !== "string" || !multikey.startsWith("z6Mk") || multikey.length > 60) {
    throw new KeyFormatError(`Not an Ed25519 multikey: ${String(multikey).slice(0, 60)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = decodeBase58(multikey.slice(1));
  } catch {
    throw new KeyFormatError("Multikey is not valid base58btc");
  }
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) {
    throw new KeyFormatError("Multikey is not an Ed25519 public key (0xed01 + 32 bytes)");
  }
  return bytes.subarray(2);
}

/** `did:key:{mk}#{mk}`, the verification method did:webvh proofs name. */
export function didKeyVerificationMethod(multikey: string): string {
  return `did:key:${multikey}#${multikey}`;
}

/**
 * The multikey named by a did:key DID or verification method (`did:key:{mk}` or `did:key:{mk}#{mk}`);
 * the fragment, when present, must equal the key. Returns undefined when malformed.
 */
export function multikeyOfDidKey(value: string): string | undefined {
  if (typeof value !== "string" || !value.startsWith("did:key:")) return undefined;
  const rest = value.slice(8);
  const hash = rest.indexOf("#");
  const mk = hash === -1 ? rest : rest.slice(0, hash);
  if (hash !== -1 && rest.slice(hash + 1) !== mk) return undefined;
  if (!/^z[1-9A-HJ-NP-Za-km-z]+$/.test(mk)) return undefined;
  return mk;
}

// Group order L of edwards25519, little-endian bytes.
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** RFC 8032 section 5.1.7 step 1: S (the second half, little-endian) must be below L. */
function sIsCanonical(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = L[i]!;
    if (s < l) return true;
    if (s > l) return false;
  }
  return false; // S == L
}

type Subtle = SubtleCrypto;
const subtle: Subtle | undefined = globalThis.crypto?.subtle;
let webCryptoEd25519: boolean | undefined = subtle ? undefined : false;
const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_MAX = 4096;

function importKey(publicKey: Uint8Array, cacheKey: string): Promise<CryptoKey> {
  let key = keyCache.get(cacheKey);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    key = subtle!.importKey("raw", publicKey as Uint8Array<ArrayBuffer>, { name: "Ed25519" }, false, ["verify"]);
    keyCache.set(cacheKey, key);
    key.catch(() => keyCache.delete(cacheKey));
  }
  return key;
}

// The fallback is loaded when first needed: where WebCrypto has Ed25519 (Node 22, current browsers) the
// verification worker then neither loads nor initialises @noble/curves (it is bundled apart).
let noble: Promise<typeof import("@noble/curves/ed25519.js")> | undefined;

async function nobleVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  let curve: (typeof import("@noble/curves/ed25519.js"))["ed25519"];
  try {
    ({ ed25519: curve } = await (noble ??= import("@noble/curves/ed25519.js")));
  } catch (error) {
    // Not an answer about the signature: the check could not run (the next call tries the import again).
    noble = undefined;
    throw new SignatureUncheckedError("The Ed25519 verifier could not be loaded", { details: (error as Error)?.message, cause: error });
  }
  try {
    return curve.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * An Ed25519 verification function (the default is `verifyEd25519`; Node callers may inject one over
 * node:crypto, see parallel.node.ts). Called only for well-formed input (64-byte signature with S < L,
 * 32-byte key); `cacheKey` identifies the key (its multikey).
 */
export type Ed25519Verify = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  cacheKey?: string,
) => Promise<boolean> | boolean;

/**
 * RFC 8032's checks before any curve arithmetic: 64-byte signature with S < L, 32-byte public key, and
 * canonical point encodings (y < p) for A and R, so that every backend (OpenSSL behind WebCrypto or
 * node:crypto, noble) rejects the same non-canonical inputs.
 */
export function ed25519InputWellFormed(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature.length === 64 &&
    publicKey.length === 32 &&
    sIsCanonical(signature) &&
    yIsCanonical(publicKey, 0) &&
    yIsCanonical(signature, 0)
  );
}

/** The 32 bytes at `offset` encode y < p = 2^255 - 19 (the sign bit of x ignored). */
function yIsCanonical(bytes: Uint8Array, offset: number): boolean {
  if ((bytes[offset + 31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (bytes[offset + i] !== 0xff) return true;
  return bytes[offset]! < 0xed;
}

/**
 * Verify an Ed25519 signature (RFC 8032, strict). Never throws for bad input: returns false. Throws
 * SignatureUncheckedError (unverifiable) only when no verifier could run.
 * `cacheKey` (e.g. the multikey) lets the imported WebCrypto key be reused.
 */
export async function verifyEd25519(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  cacheKey?: string,
): Promise<boolean> {
  if (!ed25519InputWellFormed(signature, publicKey)) return false;
  if (webCryptoEd25519 !== false) {
    try {
      const key = await importKey(publicKey, cacheKey ?? encodeBase58(publicKey));
      const ok = await subtle!.verify(
        { name: "Ed25519" },
        key,
        signature as Uint8Array<ArrayBuffer>,
        message as Uint8Array<ArrayBuffer>,
      );
      webCryptoEd25519 = true;
      return ok;
    } catch (error) {
      // NotSupportedError: this WebCrypto has no Ed25519 -> noble from now on. Any other failure (a key
      // this WebCrypto refuses to import, an engine quirk) is decided by noble for this call: its answer
      // is the RFC 8032 one either way.
      if (webCryptoEd25519 === undefined && (error as Error)?.name === "NotSupportedError") webCryptoEd25519 = false;
    }
  }
  return nobleVerify(signature, message, publicKey);
}

/** Forget imported keys (benchmarks measure cold caches). */
export function clearKeyCache(): void {
  keyCache.clear();
}

/** Force the @noble/curves path (tests of the fallback). */
export function _useNobleOnly(on: boolean): void {
  webCryptoEd25519 = on ? false : subtle ? undefined : false;
}
