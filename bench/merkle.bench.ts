/**
 * Merkle batch at publisher scale: a 1,000,000-leaf batch with every proof, timed beside the raw cost of
 * the same hashing in the same run (3 keccak256 per leaf for the double-hashed leaf and its abi.encode
 * input, plus N-1 node hashes over 64 bytes). Goal: the batch within 2x of the raw hashing.
 *
 * `export default async function` is the contract of bench/run.ts; `tsx bench/merkle.bench.ts [N]` runs it alone.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { abiEncodeTwoStrings, buildBatch } from "../app/publisher/batch.ts";

function items(n: number): { did: string; versionId: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    did: `did:webvh:QmTs3xJmEwfYKtHDtKaeYDuLRSvk9sBuQPD9rAMs5PAPaz:cdn.example.com:passports:w-${String(i).padStart(7, "0")}`,
    versionId: `${(i % 7) + 1}-QmQq6Kg4ZZ1p49aGsj1sBm9RYnHUDwJZQMVDQrCmkGAwyf`,
  }));
}

/** The hashing alone: leaf = keccak(keccak(abi.encode)), then N-1 keccak over 64-byte pairs. */
function rawHashing(input: readonly { did: string; versionId: string }[]): number {
  const t0 = performance.now();
  const pair = new Uint8Array(64);
  let acc = new Uint8Array(32);
  for (const { did, versionId } of input) acc = keccak_256(keccak_256(abiEncodeTwoStrings(did, versionId)));
  for (let i = 0; i < input.length - 1; i++) {
    pair.set(acc, i & 1 ? 32 : 0);
    acc = keccak_256(pair);
  }
  return performance.now() - t0;
}

export default async function merkleBench(n = 1_000_000): Promise<void> {
  const input = items(n);
  // Warm up both paths (JIT) on a small batch.
  buildBatch(input.slice(0, 2_000));
  rawHashing(input.slice(0, 2_000));

  // Raw hashing before and after the batch, the faster of the two: the machine's load drifts (other
  // processes share the cores), and the batch should be compared with the hashing at its best.
  const rawBefore = rawHashing(input);
  const t0 = performance.now();
  const batch = buildBatch(input);
  const built = performance.now() - t0;
  const rawAfter = rawHashing(input);
  const raw = Math.min(rawBefore, rawAfter);
  const proofs = batch.leaves.reduce((sum, l) => sum + l.proof.length, 0);
  const ratio = built / raw;
  console.log(
    JSON.stringify({
      bench: "merkle",
      leaves: n,
      keccakCalls: 3 * n + (n - 1),
      rawHashingMs: Math.round(raw),
      rawHashingRunsMs: [Math.round(rawBefore), Math.round(rawAfter)],
      batchWithAllProofsMs: Math.round(built),
      ratio: Number(ratio.toFixed(2)),
      goal: "ratio <= 2",
      met: ratio <= 2,
      proofHashes: proofs,
      root: batch.root,
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await merkleBench(process.argv[2] ? Number(process.argv[2]) : undefined);
}
