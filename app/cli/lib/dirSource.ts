/**
 * A FileSource over a local folder laid out as the DID's host serves it (Node only): a DID's file is
 * `<dir>/<path segments>/<file>` (or `<dir>/.well-known/<file>`), mapped exactly as didToUrl maps the DID
 * to a URL path. Refuses anything that would leave the folder, through `..` or a symbolic link.
 * The same limits and content checks as the HTTP source, with the same typed errors.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { parseDid } from "../../core/didwebvh/url.ts";
import { DEFAULT_MAX_BYTES, expectedStart, looksLikeJsonFile, type DidFileName, type FileSource } from "../../core/fetch/source.ts";
import { FileTooLargeError, UnexpectedContentError, HostUnreachableError } from "../../core/fetch/errors.ts";
import { InvalidError } from "../../core/errors.ts";

/** The DID maps to a place outside the folder (refused). */
export class HostPathError extends InvalidError {
  override readonly name = "HostPathError";
}

/**
 * The folder-relative path (with `/`) of `file` of `did`, as didToUrl maps it: the DID's decoded path
 * segments (parseDid refuses empty and dot segments, slashes and control characters in them), or
 * `.well-known` for a DID without a path. Built from the parsed DID rather than by parsing didToUrl's URL
 * back: an audit asks this for each of a DID's files, and the URL round trip was about 4% of its time.
 * Throws InvalidDidError.
 */
export function didRelativePath(did: string, file: DidFileName = "did.jsonl"): string {
  const segments = parseDid(did).path;
  return segments.length === 0 ? `.well-known/${file}` : `${segments.join("/")}/${file}`;
}

/**
 * What one walk of a folder found (`listFolder`): every did.jsonl, and which DID files exist, so that a
 * source given it answers "no such file" (did-anchors.json of a DID never anchored) without a system call
 * and reads a file the walk saw as a regular one without resolving its path again.
 */
export interface FolderListing {
  /** Every did.jsonl (folder-relative, `/`), sorted; not in dot-folders other than .well-known. */
  logs: string[];
  /** Folders walked ("" for the root): reached without following a symbolic link. */
  folders: ReadonlySet<string>;
  /** DID files (did.jsonl, did-anchors.json, did-witness.json) that are regular files in those folders. */
  regular: ReadonlySet<string>;
  /** Entries of those folders named as DID files that are not regular files (links, folders...). */
  other: ReadonlySet<string>;
}

const DID_FILES: ReadonlySet<string> = new Set<DidFileName>(["did.jsonl", "did-anchors.json", "did-witness.json"]);
// One decoder for every file: constructing a fatal TextDecoder per file cost more than decoding small ones.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A FileSource over a folder, and the same reads by folder-relative path. */
export interface DirSource extends FileSource {
  /**
   * The text of the file at `rel` (folder-relative, `/`-separated), with every check of `get`; null when
   * there is none. `file` names its kind (for the size limit).
   */
  getFile(rel: string, file: DidFileName): Promise<string | null>;
}

/**
 * `listing` (from `listFolder` of the same folder) spares the system calls of files it accounts for: in a
 * walked folder, a file it did not see is missing, and one it saw as a regular file is opened without
 * following a link (the folders on its way were walked without following any). Anything else takes the
 * full check (the path resolved, and refused if it leaves the folder).
 */
export function dirSource(dir: string, options: { maxBytes?: number; listing?: FolderListing } = {}): DirSource {
  const rootP = realpath(dir);
  const { listing } = options;
  const getFile = async (rel: string, file: DidFileName): Promise<string | null> => {
    const segments = rel.split("/");
    if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes(path.sep) || s.includes("\0")))
      throw new HostPathError("The DID maps outside the folder", { details: rel });
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES[file];
    if (listing && listing.folders.has(segments.slice(0, -1).join("/"))) {
      if (listing.regular.has(rel)) {
        // Changed since the walk (removed, replaced by a link), or not plainly UTF-8: the full check decides.
        return readListed(path.join(dir, ...segments), rel, maxBytes, file) ?? readChecked(await rootP, rel, segments, maxBytes, file);
      }
      // A name the walk saw as something else (a link, a folder) takes the full check; an unseen one is missing.
      if (listing.other.has(rel) || !DID_FILES.has(segments[segments.length - 1]!)) return readChecked(await rootP, rel, segments, maxBytes, file);
      return null;
    }
    return readChecked(await rootP, rel, segments, maxBytes, file);
  };
  return { getFile, get: async (did, file) => getFile(didRelativePath(did, file), file) };
}

/**
 * A file the walk saw as a regular one: its size checked first, then read and converted by Node in one
 * call (two system-call wrappers instead of four, and no decoder: the 600 logs of the audit bench read in
 * a fresh process in 18-25 ms against 29-51 ms, four runs each; the whole audit's time moves within its
 * noise). undefined where the full check must decide: the file is no longer a regular one, cannot be
 * read, or its text has a U+FFFD, which Node's conversion also puts in place of bytes that are not UTF-8
 * (the strict decoder then tells). Otherwise the same text and errors as `decode`.
 */
function readListed(full: string, rel: string, maxBytes: number, file: DidFileName): string | undefined {
  let size: number;
  try {
    const info = lstatSync(full);
    if (!info.isFile()) return undefined;
    size = info.size;
  } catch {
    return undefined;
  }
  if (size > maxBytes) throw new FileTooLargeError({ details: `${rel}: ${size} bytes, limit ${maxBytes}` });
  let text: string;
  try {
    // Flags may be open(2)'s number (Node's documentation); its types only say strings.
    text = readFileSync(full, { encoding: "utf8", flag: (constants.O_RDONLY | constants.O_NOFOLLOW) as unknown as string });
  } catch {
    return undefined;
  }
  if (text.includes("\ufffd")) return undefined;
  // Grown since it was measured.
  if (Buffer.byteLength(text) > maxBytes) throw new FileTooLargeError({ details: `${rel}: more than ${maxBytes} bytes` });
  // As the decoder does (and the HTTP source's): one leading byte order mark is not part of the text.
  return jsonText(rel, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
}

/** Reads an opened file (closing it) within the size limit. */
function readOpened(fd: number, rel: string, maxBytes: number): Buffer {
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new UnexpectedContentError({ details: `${rel} is not a file` });
    if (info.size > maxBytes) throw new FileTooLargeError({ details: `${rel}: ${info.size} bytes, limit ${maxBytes}` });
    const bytes = readFileSync(fd);
    if (bytes.length > maxBytes) throw new FileTooLargeError({ details: `${rel}: more than ${maxBytes} bytes` });
    return bytes;
  } finally {
    closeSync(fd);
  }
}

function decode(rel: string, bytes: Buffer, file: DidFileName): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new UnexpectedContentError({ details: `${rel} is not UTF-8 text`, cause: error });
  }
  return jsonText(rel, text, file);
}

/** `text`, unless it does not start as `file` must (the HTTP source's check). */
function jsonText(rel: string, text: string, file: DidFileName): string {
  if (!looksLikeJsonFile(text, file)) throw new UnexpectedContentError({ details: `${rel} does not start with ${expectedStart(file)}` });
  return text;
}

/** The file at `rel`, its real path checked to stay inside `root`; null when missing. */
function readChecked(root: string, rel: string, segments: string[], maxBytes: number, file: DidFileName): string | null {
  const target = path.join(root, ...segments);
  // Synchronous reads: these are small local files, and a command line reading thousands of them
  // gains more from five fewer thread-pool round trips each (shared with WebCrypto's signature jobs)
  // than it loses by blocking its event loop for the tens of microseconds of each read.
  let real: string;
  try {
    // A missing file (did-anchors.json of a DID never anchored, did-witness.json) is common: find out
    // without the cost of an exception.
    if (statSync(target, { throwIfNoEntry: false }) === undefined) return null;
    real = realpathSync.native(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw new HostUnreachableError({ details: `${target}: ${(error as Error).message}`, cause: error });
  }
  if (!real.startsWith(root + path.sep)) throw new HostPathError("The DID's file links outside the folder", { details: rel });
  return decode(rel, readOpened(openSync(real, "r"), rel, maxBytes), file);
}

/**
 * One synchronous walk of `dir` (several times faster than readdir's recursive mode: 3,000 logs, 28 ms
 * against 195 ms): every did.jsonl, sorted, not in dot-folders other than .well-known and not through
 * symbolic links to folders; and which DID files are there (see FolderListing).
 */
export function listFolder(dir: string): FolderListing {
  const logs: string[] = [];
  const folders = new Set<string>();
  const regular = new Set<string>();
  const other = new Set<string>();
  const walk = (rel: string) => {
    folders.add(rel);
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (DID_FILES.has(entry.name)) {
        if (entry.isFile()) regular.add(child);
        else other.add(child);
      }
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") || entry.name === ".well-known") walk(child);
      } else if (entry.name === "did.jsonl") logs.push(child);
    }
  };
  walk("");
  return { logs: logs.sort(), folders, regular, other };
}

/** Every did.jsonl under `dir`, folder-relative with `/`, sorted (listFolder's `logs`). */
export function findLogFiles(dir: string): string[] {
  return listFolder(dir).logs;
}
