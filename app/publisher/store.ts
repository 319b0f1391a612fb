/**
 * The host folder: the static files a CDN serves, written so that a reader (or a crash) never sees a
 * half-written file, and so that a published log is only ever extended, never rewritten.
 *
 * Layout (the did:webvh mapping): `did:webvh:{SCID}:host:a:b` -> `<root>/a/b/did.jsonl`, with
 * `did-anchors.json` beside it; a DID without a path lives in `<root>/.well-known/`. `dids.json`
 * (`{ "dids": [did, ...] }`) at the root indexes the host. Publisher state that is not published (the
 * pending-batch journal) lives in `<root>/.publisher/`.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { parseAnchorsFile } from "../core/anchors/file.ts";
import { parseLog } from "../core/didwebvh/log.ts";
import { parseDidsIndex } from "../core/fetch/didsIndex.ts";
import { verifyLog } from "../core/didwebvh/verify.ts";
import { parseWitnessFile } from "../core/didwebvh/witness.ts";
import { InvalidError, VerifierError } from "../core/errors.ts";
import type { AnchorsFile, LogEntry } from "../core/types.ts";

export const LOG_FILE = "did.jsonl";
export const ANCHORS_FILE = "did-anchors.json";
export const INDEX_FILE = "dids.json";
export const WITNESS_FILE = "did-witness.json";
export const STATE_DIR = ".publisher";

/** Writing this log would change or drop a line already published: history is append-only. */
export class HistoryRewriteError extends InvalidError {
  override readonly name = "HistoryRewriteError";
}

/** The DID cannot be mapped to a folder of the host (not did:webvh, or a path that escapes the root). */
export class HostPathError extends InvalidError {
  override readonly name = "HostPathError";
}

/** A file of the host (or the publisher's state) exists but cannot be read (a folder in its place, no permission, ...). */
export class HostFileReadError extends InvalidError {
  override readonly name = "HostFileReadError";
}

/** A file could not be written (no permission, a read-only folder, a full disk, ...); names the file. */
export class HostFileWriteError extends InvalidError {
  override readonly name = "HostFileWriteError";
}

/** A JSON file of the host or of the publisher's state (dids.json, did-anchors.json, config, journal) is malformed. */
export class HostFileFormatError extends InvalidError {
  override readonly name = "HostFileFormatError";
}

/**
 * A DID's did.jsonl does not parse or does not verify (did:webvh v1.0, the core's verifyLog): truncated,
 * tampered, empty, another DID's. Names the DID, the file and the line; the core's error is the cause.
 */
export class PublishedLogError extends InvalidError {
  override readonly name = "PublishedLogError";
}

/**
 * Writes `data` to `file` atomically: a temporary file in the same folder, fsync, rename over the target.
 * Readers see the old file or the new one, never a mix; a crash leaves at most a stray `.tmp-*` file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { durable?: boolean } = {}): Promise<void> {
  try {
    await writeAtomic(file, data, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new HostFileWriteError("Cannot write the file", { details: `${file}: ${code}`, cause: error });
  }
}

async function writeAtomic(file: string, data: string | Uint8Array, options: { durable?: boolean }): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  const handle = await fs.open(tmp, "wx", 0o644);
  try {
    await handle.writeFile(data);
    // Durable (the default): on disk before it replaces the old file. Derived files that are cheap to
    // regenerate (linksets, QR codes) may skip the fsync; the rename alone still makes the swap atomic.
    if (options.durable !== false) await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}

/** Writes `data` atomically unless the file already holds exactly it (re-runs rewrite nothing); true when written. */
export async function writeFileIfChanged(file: string, data: string | Uint8Array, options: { durable?: boolean } = {}): Promise<boolean> {
  const before = await fs.readFile(file).catch(() => null);
  if (before !== null && before.equals(typeof data === "string" ? Buffer.from(data) : data)) return false;
  await writeFileAtomic(file, data, options);
  return true;
}

/** Reads a file, or `null` when it does not exist; HostFileReadError (naming the file) when it cannot be read. */
export async function readFileOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw new HostFileReadError("Cannot read the file", { details: `${file}: ${code ?? (error as Error).message}`, cause: error });
  }
}

/** Parses a JSON file's text; HostFileFormatError naming the file when it is not JSON. */
export function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HostFileFormatError("The file is not valid JSON (truncated?)", { details: `${file}: ${(cause as Error).message}`, cause });
  }
}

/**
 * Parses the text of a DID's did.jsonl (parseLog) and, unless `verify` is false, verifies it as the resolver
 * does (verifyLog with the DID and `witness`, its did-witness.json, when there is one). PublishedLogError
 * naming the DID, the file and the line when any of it fails; the entries when it all holds.
 */
export async function checkLog(
  did: string,
  file: string,
  text: string,
  { verify = true, witness: witnessText = null }: { verify?: boolean; witness?: string | null } = {},
): Promise<LogEntry[]> {
  const fail = (error: VerifierError): never => {
    const line = error.line ?? (error.entryIndex === undefined ? undefined : error.entryIndex + 1);
    throw new PublishedLogError(`The log of ${did} does not ${verify ? "verify" : "parse"}`, {
      ...(line === undefined ? {} : { line }),
      details: `${file}: ${error.name}: ${error.message}`,
      cause: error,
    });
  };
  let entries: LogEntry[];
  try {
    entries = parseLog(text);
    if (!verify) return entries;
    const witness = witnessText === null ? null : parseWitnessFile(witnessText);
    const result = await verifyLog(entries, { did, witness });
    if (result.error) fail(result.error);
    return entries;
  } catch (error) {
    if (error instanceof PublishedLogError) throw error;
    if (error instanceof VerifierError) return fail(error);
    throw error;
  }
}

/** `did:webvh:{SCID}:host%3Aport:a:b` -> `a/b` (relative folder of the host; `.well-known` when no path). */
export function didFolder(did: string): string {
  const parts = did.split(":");
  if (parts.length < 4 || parts[0] !== "did" || parts[1] !== "webvh") throw new HostPathError("Not a did:webvh DID", { details: did });
  let segments: string[];
  try {
    segments = parts.slice(4).map((s) => decodeURIComponent(s));
  } catch (cause) {
    throw new HostPathError("DID path segment is not valid percent-encoding", { details: did, cause });
  }
  for (const s of segments) {
    if (s === "" || s === "." || s === ".." || s.includes("/") || s.includes("\\")) {
      throw new HostPathError("DID path segment cannot be a folder", { details: did });
    }
  }
  return segments.length === 0 ? ".well-known" : segments.join("/");
}

/**
 * Checks that `next` extends `published` (the text of a did.jsonl): every line already published is
 * unchanged and still in its place. Throws HistoryRewriteError naming the first line that differs.
 */
export function assertExtends(published: string, next: string): void {
  const oldLines = splitLines(published);
  const newLines = splitLines(next);
  if (newLines.length < oldLines.length) {
    throw new HistoryRewriteError("The new log drops published entries", {
      details: `${oldLines.length} published, ${newLines.length} in the new log`,
    });
  }
  for (let i = 0; i < oldLines.length; i++) {
    if (oldLines[i] !== newLines[i]) {
      throw new HistoryRewriteError("The new log changes a published entry", { line: i + 1 });
    }
  }
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** The files of one host folder. */
export class HostStore {
  constructor(readonly root: string) {}

  logPath(did: string): string {
    return path.join(this.root, didFolder(did), LOG_FILE);
  }

  anchorsPath(did: string): string {
    return path.join(this.root, didFolder(did), ANCHORS_FILE);
  }

  statePath(name: string): string {
    return path.join(this.root, STATE_DIR, name);
  }

  readLog(did: string): Promise<string | null> {
    return readFileOrNull(this.logPath(did));
  }

  /** Writes the log text of `did`, refusing (HistoryRewriteError) anything that does not extend the published log. */
  async writeLog(did: string, text: string): Promise<void> {
    const file = this.logPath(did);
    const published = await readFileOrNull(file);
    if (published !== null) {
      assertExtends(published, text);
      if (published === text) return;
    }
    await writeFileAtomic(file, text);
  }

  witnessPath(did: string): string {
    return path.join(this.root, didFolder(did), WITNESS_FILE);
  }

  readWitness(did: string): Promise<string | null> {
    return readFileOrNull(this.witnessPath(did));
  }

  /** did-anchors.json as the verifier reads it (the core's parseAnchorsFile); HostFileFormatError naming the file. */
  async readAnchors(did: string): Promise<AnchorsFile | null> {
    const file = this.anchorsPath(did);
    const text = await readFileOrNull(file);
    if (text === null) return null;
    let parsed: AnchorsFile;
    try {
      parsed = parseAnchorsFile(text);
    } catch (cause) {
      throw new HostFileFormatError("Malformed did-anchors.json", { details: `${file}: ${(cause as Error).message}`, cause });
    }
    if (parsed.did !== did) throw new HostFileFormatError("did-anchors.json is about another DID", { details: `${file}: ${parsed.did}` });
    return parsed;
  }

  /**
   * Writes did-anchors.json, keeping every proof already published: a versionId already proven keeps its
   * first proof (an entry anchored twice, e.g. after a crash, is still one entry).
   */
  async writeAnchors(file: AnchorsFile): Promise<AnchorsFile> {
    const existing = await this.readAnchors(file.did);
    const merged: AnchorsFile = { did: file.did, anchors: [...(existing?.anchors ?? [])] };
    const known = new Set(merged.anchors.map((a) => a.versionId));
    for (const a of file.anchors) if (!known.has(a.versionId)) (merged.anchors.push(a), known.add(a.versionId));
    await writeFileAtomic(this.anchorsPath(file.did), `${JSON.stringify(merged, null, 1)}\n`);
    return merged;
  }

  get indexPath(): string {
    return path.join(this.root, INDEX_FILE);
  }

  /** The DIDs of dids.json ([] when there is none); HostFileFormatError naming the file when it is malformed. */
  async readIndex(): Promise<string[]> {
    const file = this.indexPath;
    const text = await readFileOrNull(file);
    if (text === null) return [];
    try {
      return parseDidsIndex(text, file);
    } catch (cause) {
      throw new HostFileFormatError("Malformed dids.json", { details: (cause as Error).message, cause });
    }
  }

  /** Adds DIDs to dids.json (never removes one; order of first publication). */
  async addToIndex(dids: Iterable<string>): Promise<string[]> {
    const current = await this.readIndex();
    const seen = new Set(current);
    let changed = false;
    for (const d of dids) if (!seen.has(d)) (current.push(d), seen.add(d), (changed = true));
    if (changed || !(await readFileOrNull(path.join(this.root, INDEX_FILE)))) {
      await writeFileAtomic(path.join(this.root, INDEX_FILE), `${JSON.stringify({ dids: current }, null, 1)}\n`);
    }
    return current;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}
