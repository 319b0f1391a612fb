/**
 * JCS (RFC 8785) canonicalisation + SHA-256, as signing and verifying an eddsa-jcs-2022 proof need it:
 * ours against the reference library's (didwebvh-ts uses json-canonicalize), on the same entry, in one run.
 */
import { canonicalize } from "../app/core/didwebvh/jcs.ts";
import { signingInput } from "../app/core/didwebvh/proof.ts";
import { ref } from "../app/core/didwebvh/testkit/reference.ts";
import { SAMPLE_ENTRY } from "../app/core/didwebvh/testkit/sampleEntry.ts";

const proofOptions = {
  type: "DataIntegrityProof",
  cryptosuite: "eddsa-jcs-2022",
  verificationMethod: "did:key:z6Mk#z6Mk",
  created: "2025-01-01T00:00:00Z",
  proofPurpose: "assertionMethod",
} as const;

export default async function (): Promise<void> {
  const ITER = 2_000;
  const round = async (f: () => unknown): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < ITER; i++) await f();
    return performance.now() - t;
  };
  const ours = () => signingInput(proofOptions, canonicalize(SAMPLE_ENTRY));
  const theirs = () => ref.prepareDataForSigning(SAMPLE_ENTRY, proofOptions);
  // Best of 7 interleaved rounds, so that a burst of load from other processes does not decide it.
  let best = { ours: Infinity, theirs: Infinity };
  for (let r = 0; r < 7; r++) {
    best = { ours: Math.min(best.ours, await round(ours)), theirs: Math.min(best.theirs, await round(theirs)) };
  }
  const us = (ms: number) => ((ms * 1000) / ITER).toFixed(1);
  console.log(`JCS + sha256 of a log entry: ours ${us(best.ours)} us, didwebvh-ts (json-canonicalize) ${us(best.theirs)} us, ratio ${(best.theirs / best.ours).toFixed(2)}x`);
}
