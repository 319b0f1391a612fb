/**
 * A host's dids.json (`{ "dids": [did, ...] }`): the listing the command line's `audit` and the app's bulk
 * audit both start from, read and checked the same way by both.
 */
import { readTextLimited } from "./http.ts";

/** The largest dids.json read (about a million DIDs): read no further than this. */
export const DIDS_INDEX_MAX_BYTES = 64 * 1024 * 1024;

/** The DIDs a dids.json text lists, each once; an Error naming `where` for anything else. */
export function parseDidsIndex(text: string, where: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not JSON: ${(error as Error).message}`);
  }
  const dids = (json as { dids?: unknown } | null)?.dids;
  if (!Array.isArray(dids) || !dids.every((d) => typeof d === "string")) throw new Error(`${where} is not { "dids": [string, ...] }`);
  return [...new Set(dids as string[])];
}

/**
 * The DIDs of a host's answer for its dids.json (`url`): an HTTP error, a body over the limit (read no
 * further), a body that could not be read, or one that is not a listing is an Error saying which.
 */
export async function readDidsIndex(response: Response, url: string): Promise<string[]> {
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}: a static host cannot be listed without dids.json`);
  let text: string;
  try {
    text = await readTextLimited(response, DIDS_INDEX_MAX_BYTES, url);
  } catch (error) {
    if ((error as Error)?.name === "FileTooLargeError") throw new Error(`${url} is larger than ${DIDS_INDEX_MAX_BYTES / 1024 / 1024} MiB`, { cause: error });
    throw new Error(`cannot read ${url}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  return parseDidsIndex(text, url);
}
