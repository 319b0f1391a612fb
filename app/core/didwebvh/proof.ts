/**
 * Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C Data Integrity EdDSA Cryptosuites
 * v1.0, section 3.3): the signed bytes are sha256(JCS(proof options)) || sha256(JCS(unsecured document)),
 * where the proof options are the proof without `proofValue`; `proofValue` is multibase base58btc
 * (`z...`) of the 64-byte Ed25519 signature.
 */
import { decodeBase58, encodeBase58 } from "./base58.ts";
import type { DataIntegrityProof } from "../types.ts";
import { UnverifiableError } from "../errors.ts";
import { canonicalize } from "./jcs.ts";
import { sha256Text } from "./hash.ts";
import { decodeMultikey, ed25519InputWellFormed, multikeyOfDidKey, verifyEd25519, type Ed25519Verify, type Signer } from "./keys.ts";

/** The longest base58btc text of 64 bytes (64 bytes of 0xff). */
const MAX_SIGNATURE_BASE58 = 88;

/** The bytes an eddsa-jcs-2022 signature covers, from the canonical (JCS) text of the document. */
export function signingInput(proofOptions: Record<string, unknown>, canonicalDocument: string): Uint8Array {
  return signingInputFromHash(proofOptions, sha256Text(canonicalDocument));
}

/** The same, given sha256 of the canonical document (computed incrementally by the log verifier). */
export function signingInputFromHash(proofOptions: Record<string, unknown>, documentHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(sha256Text(canonicalize(proofOptions)), 0);
  out.set(documentHash, 32);
  return out;
}

export interface CreateProofOptions {
  /** ISO 8601 UTC; did:webvh log entries use the entry's versionTime. */
  created: string;
  proofPurpose?: string;
}

/** Sign `document` (without a proof) with `signer`: an eddsa-jcs-2022 DataIntegrityProof. */
export async function createProof(
  document: unknown,
  signer: Signer,
  options: CreateProofOptions,
): Promise<DataIntegrityProof> {
  const proofOptions = {
    type: "DataIntegrityProof" as const,
    cryptosuite: "eddsa-jcs-2022" as const,
    verificationMethod: signer.verificationMethod,
    created: options.created,
    proofPurpose: options.proofPurpose ?? "assertionMethod",
  };
  const signature = await signer.sign(signingInput(proofOptions, canonicalize(document)));
  return { ...proofOptions, proofValue: `z${encodeBase58(signature)}` };
}

const decodedKeys = new Map<string, Uint8Array>();

/** Forget decoded keys (benchmarks measure cold caches). */
export function clearDecodedKeys(): void {
  decodedKeys.clear();
}

/** Why a proof is not acceptable, or undefined when its form is. */
export function proofFormProblem(proof: unknown, purpose = "assertionMethod"): string | undefined {
  if (typeof proof !== "object" || proof === null || Array.isArray(proof)) return "proof is not an object";
  const p = proof as Record<string, unknown>;
  if (p.type !== "DataIntegrityProof") return `proof type ${JSON.stringify(p.type)} is not DataIntegrityProof`;
  if (p.cryptosuite !== "eddsa-jcs-2022") return `cryptosuite ${JSON.stringify(p.cryptosuite)} is not eddsa-jcs-2022`;
  if (p.proofPurpose !== purpose) return `proofPurpose ${JSON.stringify(p.proofPurpose)} is not ${purpose}`;
  if (typeof p.verificationMethod !== "string") return "verificationMethod is not a string";
  if (multikeyOfDidKey(p.verificationMethod) === undefined) {
    return `verificationMethod ${p.verificationMethod.slice(0, 120)} is not a did:key key`;
  }
  if (typeof p.proofValue !== "string" || !p.proofValue.startsWith("z")) return "proofValue is not multibase base58btc";
  if (p.created !== undefined && typeof p.created !== "string") return "created is not a string";
  return undefined;
}

/**
 * Check an eddsa-jcs-2022 proof over a document given as its canonical text. Returns undefined when
 * valid, or the reason it is not. Never throws for bad data; rejects with an UnverifiableError
 * (SignatureUncheckedError) when the signature could not be checked at all.
 */
export async function verifyProof(
  proof: DataIntegrityProof,
  canonicalDocument: string | { sha256: Uint8Array },
  purpose = "assertionMethod",
  verify: Ed25519Verify = verifyEd25519,
): Promise<string | undefined> {
  const problem = proofFormProblem(proof, purpose);
  if (problem) return problem;
  const multikey = multikeyOfDidKey(proof.verificationMethod)!;
  let publicKey: Uint8Array;
  let signature: Uint8Array;
  try {
    publicKey = decodedKeys.get(multikey) ?? decodeMultikey(multikey);
  } catch (error) {
    return (error as Error).message;
  }
  if (decodedKeys.size >= 4096) decodedKeys.clear();
  decodedKeys.set(multikey, publicKey);
  // 64 bytes are at most 88 base58 characters (each leading zero byte is one "1", the rest ~1.366 per
  // byte), so a longer value is refused before decoding it: base58 decoding is quadratic in the length
  // (a megabyte-long proofValue took 89 s).
  if (proof.proofValue.length > 1 + MAX_SIGNATURE_BASE58) return "proofValue is not a 64-byte Ed25519 signature";
  try {
    signature = decodeBase58(proof.proofValue.slice(1));
  } catch {
    return "proofValue is not valid base58btc";
  }
  if (signature.length !== 64) return "proofValue is not a 64-byte Ed25519 signature";
  const { proofValue: _omit, ...options } = proof;
  let input: Uint8Array;
  try {
    input =
      typeof canonicalDocument === "string"
        ? signingInput(options, canonicalDocument)
        : signingInputFromHash(options, canonicalDocument.sha256);
  } catch (error) {
    return `proof cannot be canonicalized: ${(error as Error).message}`;
  }
  if (!ed25519InputWellFormed(signature, publicKey)) return "signature is not a canonical Ed25519 signature (S >= L)";
  let ok: boolean;
  try {
    ok = await verify(signature, input, publicKey, multikey);
  } catch (error) {
    // A verifier that could not run says nothing about the signature: the caller gets that, typed.
    if (error instanceof UnverifiableError) throw error;
    ok = false;
  }
  return ok ? undefined : "signature does not verify";
}
