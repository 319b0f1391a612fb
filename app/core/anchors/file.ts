/**
 * did-anchors.json, parsed strictly: a JSON object `{ did, anchors: EntryAnchorProof[] }` with 32-byte hex
 * leaves, roots and siblings, 20-byte hex addresses, positive chain ids, bounded sizes. Unknown keys are
 * ignored and never copied; the result is built from known keys only (no prototype pollution).
 * Any violation is AnchorsFileError (invalid): the host serves this file as the DID's proofs.
 */
import type { AnchorsFile, EntryAnchorProof, Hex } from "../types.ts";
import { AnchorsFileError } from "./errors.ts";
import { isBytes32Hex } from "./path.ts";

export interface AnchorsFileLimits {
  /** Most proofs in one file. Default 100,000. */
  maxAnchors?: number;
  /** Most siblings in one proof (tree depth). Default 64. */
  maxProofLength?: number;
  /**
   * Most proofs of one versionId. Default 8. Every proof of a valid entry that passes the local checks
   * costs a chain read, and a hostile host could otherwise pair one entry with a hundred thousand roots
   * of trees of its own making. A publisher proves an entry once (ours does), or once per anchorer.
   */
  maxProofsPerVersion?: number;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const VERSION_ID = /^[1-9]\d{0,9}-[^\s]{1,200}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseAnchorsFile(text: string, limits: AnchorsFileLimits = {}): AnchorsFile {
  const maxAnchors = limits.maxAnchors ?? 100_000;
  const maxProofLength = limits.maxProofLength ?? 64;
  const maxProofsPerVersion = limits.maxProofsPerVersion ?? 8;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AnchorsFileError({ details: `not JSON: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (!isObject(json)) throw new AnchorsFileError({ details: "not a JSON object" });
  if (typeof json.did !== "string" || !json.did.startsWith("did:") || json.did.length > 2048)
    throw new AnchorsFileError({ details: "`did` is not a DID" });
  if (!Array.isArray(json.anchors)) throw new AnchorsFileError({ details: "`anchors` is not an array" });
  if (json.anchors.length > maxAnchors)
    throw new AnchorsFileError({ details: `${json.anchors.length} anchors, limit ${maxAnchors}` });

  const perVersion = new Map<string, number>();
  const anchors = json.anchors.map((raw: unknown, i: number): EntryAnchorProof => {
    const bad = (what: string): never => {
      throw new AnchorsFileError({ details: `anchors[${i}]: ${what}` });
    };
    if (!isObject(raw)) return bad("not an object");
    const { versionId, leaf, proof, root, chainId, registry, anchorer, batch, txHash } = raw;
    if (typeof versionId !== "string" || !VERSION_ID.test(versionId)) return bad("`versionId` is not <number>-<hash>");
    const proofs = (perVersion.get(versionId) ?? 0) + 1;
    if (proofs > maxProofsPerVersion) bad(`more than ${maxProofsPerVersion} proofs of ${versionId.slice(0, 80)}`);
    perVersion.set(versionId, proofs);
    if (!isBytes32Hex(leaf)) bad("`leaf` is not 32 bytes of 0x-hex");
    if (!isBytes32Hex(root)) bad("`root` is not 32 bytes of 0x-hex");
    if (!Array.isArray(proof)) return bad("`proof` is not an array");
    if (proof.length > maxProofLength) bad(`\`proof\` has ${proof.length} siblings, limit ${maxProofLength}`);
    proof.forEach((p, j) => isBytes32Hex(p) || bad(`proof[${j}] is not 32 bytes of 0x-hex`));
    if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) bad("`chainId` is not a positive integer");
    if (typeof registry !== "string" || !ADDRESS.test(registry)) bad("`registry` is not a 20-byte 0x-hex address");
    if (typeof anchorer !== "string" || !ADDRESS.test(anchorer)) bad("`anchorer` is not a 20-byte 0x-hex address");
    if (batch !== undefined && (typeof batch !== "string" || batch.length > 200)) bad("`batch` is not a short string");
    if (txHash !== undefined && !isBytes32Hex(txHash)) bad("`txHash` is not 32 bytes of 0x-hex");
    return {
      versionId: versionId as string,
      leaf: (leaf as Hex).toLowerCase() as Hex,
      proof: (proof as Hex[]).map((p) => p.toLowerCase() as Hex),
      root: (root as Hex).toLowerCase() as Hex,
      chainId: chainId as number,
      registry: registry as Hex,
      anchorer: anchorer as Hex,
      ...(batch === undefined ? {} : { batch: batch as string }),
      ...(txHash === undefined ? {} : { txHash: txHash as Hex }),
    };
  });
  return { did: json.did, anchors };
}
