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

/** First non-white-space character a file of this kind must start with (JSON object per line / JSON object). */
export function looksLikeJsonFile(text: string): boolean {
  return /^\s*\{/.test(text);
}
