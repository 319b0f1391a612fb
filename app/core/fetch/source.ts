/**
 * Where a DID's files come from: its host over HTTP(S) (`httpSource`), a mirror, a directory (the CLI's
 * Node-only `dirSource`), or an app's offline cache. Everything that verifies takes a FileSource.
 */
import type { DownloadBudget } from "./budget.ts";

/** The files of a did:webvh DID, beside each other at the DID's URL. */
export type DidFileName = "did.jsonl" | "did-anchors.json" | "did-witness.json";

/** How one read is made: what it counts against. */
export interface FileReadOptions {
  /**
   * The download budget of the verification this read is part of (verifyProduct's, one for the whole
   * tree): a source that downloads counts every byte it reads against it and stops past it
   * (DownloadBudgetError); once it is spent, it asks for nothing more. A source that reads nothing from
   * the network (a folder, a cached copy) may ignore it.
   */
  budget?: DownloadBudget;
}

export interface FileSource {
  /**
   * The file's text, or null when the host says it does not exist (HTTP 404).
   * Throws UnverifiableError subclasses when it could not be had (HostUnreachableError, FetchTimeoutError,
   * HttpStatusError, UnexpectedContentError, FileTooLargeError, DownloadBudgetError), InvalidDidError for
   * a malformed DID. A source that wraps another passes `options` on to it unchanged: the budget must
   * reach the source that downloads.
   */
  get(did: string, file: DidFileName, options?: FileReadOptions): Promise<string | null>;
  /**
   * Whether a file of `did` it gave was an older copy from a cache (an offline one), which may lack what
   * the host has published since: a check across DIDs (a component naming its parent) that then fails
   * could not be made, rather than failed. Sources that only read the host need not have it.
   */
  fromCache?(did: string): boolean;
}

/**
 * Default size limits per file (bytes). A product's files together are bounded too: DownloadBudget
 * (DEFAULT_PRODUCT_MAX_BYTES, 32 MiB), which verifyProduct passes with every read.
 */
export const DEFAULT_MAX_BYTES: Record<DidFileName, number> = {
  "did.jsonl": 16 * 1024 * 1024,
  "did-anchors.json": 16 * 1024 * 1024,
  "did-witness.json": 4 * 1024 * 1024,
};

/**
 * What a file of this kind must start with (its first non-white-space character): did.jsonl (a JSON object
 * per line) and did-anchors.json are objects; did-witness.json is an array (did:webvh v1.0, "The
 * did-witness.json file": `[{ "versionId": ..., "proof": [...] }]`). Refuses, early and by name, what a
 * host that answers every path with its HTML page sends.
 */
export function looksLikeJsonFile(text: string, file: DidFileName): boolean {
  return file === "did-witness.json" ? /^\s*\[/.test(text) : /^\s*\{/.test(text);
}

/** How looksLikeJsonFile's expectation reads in an error. */
export function expectedStart(file: DidFileName): string {
  return file === "did-witness.json" ? "a JSON array" : "a JSON object";
}
