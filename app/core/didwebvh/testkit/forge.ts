/**
 * Test helpers that sign whatever they are given, valid or not (no parameter checks), so that a test
 * can make a log that fails exactly one rule while its hashes and signatures are right.
 */
import type { DataIntegrityProof, DidDocument, LogEntry } from "../../types.ts";
import { hashText } from "../hash.ts";
import { canonicalize } from "../jcs.ts";
import type { Signer } from "../keys.ts";
import { createProof } from "../proof.ts";
import { SCID_PLACEHOLDER } from "../url.ts";
import { entryHash } from "../verify.ts";

export interface Body {
  versionTime: string;
  parameters: Record<string, unknown>;
  state: Record<string, unknown>;
}

/** A first entry from a body written with `{SCID}` placeholders: SCID computed, replaced, hashed, signed. */
export async function forgeFirst(
  body: Body,
  signer: Signer,
  options: { proofPurpose?: string; scidOverride?: string } = {},
): Promise<{ scid: string; did: string; entry: LogEntry }> {
  const canonical = canonicalize({ versionId: SCID_PLACEHOLDER, ...body });
  const scid = options.scidOverride ?? hashText(canonical);
  const { versionId: _v, ...filled } = JSON.parse(canonical.replaceAll(SCID_PLACEHOLDER, scid)) as Body & { versionId: string };
  const entry = await signEntry(scid, 1, filled, signer, options);
  return { scid, did: (filled.state as DidDocument).id, entry };
}

/** Entry number `n` after `previousVersionId` (the SCID for n = 1), hashed and signed as given. */
export async function signEntry(
  previousVersionId: string,
  n: number,
  body: Body,
  signer: Signer,
  options: { proofPurpose?: string } = {},
): Promise<LogEntry> {
  const versionId = `${n}-${entryHash(body as unknown as LogEntry, previousVersionId)}`;
  const unsigned = { versionId, ...body };
  const proof: DataIntegrityProof = await createProof(unsigned, signer, {
    created: body.versionTime,
    ...(options.proofPurpose ? { proofPurpose: options.proofPurpose } : {}),
  });
  return { ...(unsigned as unknown as Omit<LogEntry, "proof">), proof: [proof] };
}

/** The next entry of `log` with `body` (defaults: state of the last entry, parameters {}). */
export async function forgeNext(
  log: readonly LogEntry[],
  signer: Signer,
  body: Partial<Body> & { versionTime: string },
  options: { proofPurpose?: string; number?: number } = {},
): Promise<LogEntry> {
  const last = log[log.length - 1]!;
  return signEntry(
    last.versionId,
    options.number ?? log.length + 1,
    { parameters: {}, state: structuredClone(last.state) as Record<string, unknown>, ...body },
    signer,
    options,
  );
}
