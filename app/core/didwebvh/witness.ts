/**
 * did-witness.json (did:webvh v1.0, "DID Witnesses"): `[{ versionId, proof: [DataIntegrityProof...] }]`,
 * each proof an eddsa-jcs-2022 proof by a witness's did:key over the document `{ "versionId": ... }`.
 * A valid proof for a published versionId approves that entry and every entry before it.
 */
import type { DataIntegrityProof } from "../types.ts";
import { WitnessError } from "./errors.ts";
import { canonicalize } from "./jcs.ts";
import type { Ed25519Verify, Signer } from "./keys.ts";
import { multikeyOfDidKey } from "./keys.ts";
import { createProof, verifyProof } from "./proof.ts";

export interface WitnessProofEntry {
  versionId: string;
  proof: DataIntegrityProof[];
}

/** Parse did-witness.json text (or an already parsed value). Throws WitnessError when malformed. */
export function parseWitnessFile(input: string | unknown): WitnessProofEntry[] {
  let value: unknown = input;
  if (typeof input === "string") {
    if (input.length > 16 * 1024 * 1024) throw new WitnessError("did-witness.json is too large");
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new WitnessError("did-witness.json is not valid JSON", { details: (error as Error).message });
    }
  }
  if (!Array.isArray(value)) throw new WitnessError("did-witness.json is not an array");
  value.forEach((item, i) => {
    const v = item as { versionId?: unknown; proof?: unknown } | null;
    if (typeof v !== "object" || v === null || typeof v.versionId !== "string" || !Array.isArray(v.proof)) {
      throw new WitnessError("did-witness.json item is not { versionId, proof: [] }", { details: `item ${i}` });
    }
  });
  return value as WitnessProofEntry[];
}

/** A witness's approval of `versionId` (and so of every entry before it). */
export async function createWitnessProof(signer: Signer, versionId: string, created: string): Promise<DataIntegrityProof> {
  return createProof({ versionId }, signer, { created });
}

/**
 * For each witness DID (`did:key:...`), the highest index (into `versionIds`) of a versionId it validly
 * approved. Proofs for versionIds not in `versionIds` (unpublished entries) are ignored, as the spec
 * requires; so are proofs from DIDs outside `witnesses` and proofs that fail (the spec lets a resolver
 * ignore those when the threshold is met anyway).
 */
export async function witnessApprovals(
  file: readonly WitnessProofEntry[],
  versionIds: readonly string[],
  witnesses: ReadonlySet<string>,
  verify?: Ed25519Verify,
): Promise<Map<string, number>> {
  const index = new Map(versionIds.map((v, i) => [v, i]));
  const best = new Map<string, number>();
  const checks: Promise<void>[] = [];
  for (const item of file) {
    const at = index.get(item.versionId);
    if (at === undefined) continue;
    const canonical = canonicalize({ versionId: item.versionId });
    for (const proof of item.proof) {
      const vm = (proof as { verificationMethod?: unknown } | null)?.verificationMethod;
      if (typeof vm !== "string") continue;
      const mk = multikeyOfDidKey(vm);
      if (mk === undefined) continue;
      const did = `did:key:${mk}`;
      if (!witnesses.has(did) || (best.get(did) ?? -1) >= at) continue;
      checks.push(
        verifyProof(proof, canonical, "assertionMethod", verify).then((problem) => {
          if (problem === undefined && (best.get(did) ?? -1) < at) best.set(did, at);
        }),
      );
    }
  }
  await Promise.all(checks);
  return best;
}
