/**
 * One unit of an audit, done the same way on the main thread and in a worker thread: a DID (listed in
 * dids.json), or a did.jsonl found in a folder without dids.json. A found file is read once: the DID is
 * taken from its log, must map back to the file's place, and the text read is the log verified (it is the
 * very file the DID maps to).
 */
import type { ChainReader } from "../../core/anchors/registry.ts";
import type { Ed25519Verify } from "../../core/didwebvh/keys.ts";
import { DidMismatchError, LogParseError } from "../../core/didwebvh/errors.ts";
import { toVerifierError, type VerifierError } from "../../core/errors.ts";
import type { FileSource } from "../../core/fetch/source.ts";
import type { Verdict, VerdictReason } from "../../core/types.ts";
import { verifyDid } from "../../core/verify/verifyDid.ts";
import { didRelativePath, type DirSource } from "./dirSource.ts";

export type AuditItem = { did: string } | { file: string };

/** One line of the audit's report. */
export interface Row {
  did: string;
  verdict: Verdict;
  reason: VerdictReason | null;
  entries: number;
}

export interface AuditContext {
  source: FileSource;
  /** The folder, when auditing one (required for `{ file }` items). */
  dir?: DirSource;
  chain: ChainReader;
  verifier?: Ed25519Verify;
  /** The anchoring accounts trusted (audit --trusted-anchorer); see VerifyDidOptions.trustedAnchorers. */
  trustedAnchorers?: readonly string[];
  /** The registries trusted per chain id (audit --trusted-registry); see VerifyDidOptions.trustedRegistries. */
  trustedRegistries?: Readonly<Record<number, readonly string[]>>;
}

export function rowOfError(did: string, error: VerifierError): Row {
  return { did, verdict: error.verdict, reason: error.toJSON(), entries: 0 };
}

/** The DID of a log's text: the state.id of its last entry, or else of its first. */
function didOfLog(text: string): string | undefined {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  for (const line of [lines[lines.length - 1], lines[0]]) {
    try {
      const id = (JSON.parse(line ?? "") as { state?: { id?: unknown } } | null)?.state?.id;
      if (typeof id === "string") return id;
    } catch {
      // try the other line
    }
  }
  return undefined;
}

/** A source that answers `did`'s did.jsonl with `text` (already read) and asks `source` for the rest. */
function primed(source: FileSource, did: string, text: string): FileSource {
  return { get: (d, file) => (d === did && file === "did.jsonl" ? Promise.resolve(text) : source.get(d, file)) };
}

export async function auditItem(item: AuditItem, ctx: AuditContext): Promise<Row> {
  let did: string;
  let source = ctx.source;
  if ("did" in item) did = item.did;
  else {
    const rel = item.file;
    if (!ctx.dir) throw new TypeError("auditItem: a file item needs the folder");
    let text: string | null;
    try {
      text = await ctx.dir.getFile(rel, "did.jsonl");
    } catch (error) {
      return rowOfError(`(${rel})`, toVerifierError(error));
    }
    const found = text === null ? undefined : didOfLog(text);
    if (text === null || found === undefined) {
      return rowOfError(`(${rel})`, new LogParseError("No log entry with a state.id", { details: rel }));
    }
    did = found;
    let mapped: string;
    try {
      mapped = didRelativePath(did);
    } catch (error) {
      return rowOfError(did, toVerifierError(error));
    }
    if (mapped !== rel) {
      return rowOfError(
        did,
        new DidMismatchError("The log is not at the DID's place on the host", { details: `found at ${rel}, the DID maps to ${mapped}` }),
      );
    }
    source = primed(ctx.source, did, text);
  }
  const verdict = await verifyDid(did, {
    source,
    chain: ctx.chain,
    ...(ctx.verifier ? { verifier: ctx.verifier } : {}),
    ...(ctx.trustedAnchorers?.length ? { trustedAnchorers: ctx.trustedAnchorers } : {}),
    ...(ctx.trustedRegistries ? { trustedRegistries: ctx.trustedRegistries } : {}),
  });
  return { did: verdict.did, verdict: verdict.verdict, reason: verdict.error ?? null, entries: verdict.entries.length };
}
