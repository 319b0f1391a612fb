/**
 * Where a DID's files come from: its host over HTTP(S) (`httpSource`), a mirror, a directory (the CLI's
 * Node-only `dirSource`), or an app's offline cache. Everything that verifies takes a FileSource.
 */

/** The files of a did:webvh DID, beside each other at the DID's URL. */
export type DidFileName = "did.jsonl" | "did-anchors.json" | "did-witness.json";

export interface FileSource {
  /**
   * The file's text, or null when the host says it does not exist (HTTP 404).
   * Throws UnverifiableError subclasses when it could not be had (HostUnreachableError, FetchTimeoutError,
   * HttpStatusError, UnexpectedContentError, FileTooLargeError), InvalidDidError for a malformed DID.
   */
  get(did: string, file: DidFileName): Promise<string | null>;
}

/** Default size limits per file (bytes). */
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
