/**
 * Publishing a host folder to another place (a mounted CDN bucket, a web root): each source log verified
 * first as a resolver verifies it (a truncated, tampered or empty log is refused: PublishedLogError, nothing
 * written for that DID), logs only ever extended (HistoryRewriteError, nothing written for that DID), proofs
 * merged, every other file (linksets, QR codes, manifest) copied when changed, the index last. The
 * publisher's own state (.publisher/) stays behind.
 *
 * One run per destination at a time: two runs from different folders to one web root would each read the
 * served log or index, then write theirs, and the later write would drop what the other appended or listed.
 * The destination's lock (`DEST/.publisher/lock`, as a host folder's) exists only while a run writes.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { InvalidError } from "../core/errors.ts";
import { withFolderLock } from "./lock.ts";
import { checkLog, PublishedLogError } from "./store.ts";
import { ANCHORS_FILE, HostStore, INDEX_FILE, LOG_FILE, mapLimit, readFileOrNull, STATE_DIR, writeFileIfChanged } from "./store.ts";

export interface PublishResult {
  dids: number;
  logsWritten: number;
  anchorsWritten: number;
  filesCopied: number;
  /** DIDs not published, with the file concerned and why (`<ErrorName>: <message>`). */
  refused: { did: string; file: string; error: string; line?: number }[];
}

async function walk(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, entry.name);
    if (entry.isDirectory()) {
      if (rel === "" && entry.name === STATE_DIR) continue;
      out.push(...(await walk(dir, r)));
    } else if (entry.isFile() && !entry.name.includes(".tmp-")) out.push(r);
  }
  return out;
}

/** The destination is the source folder or inside it (each run would copy its own output again). */
export class PublishTargetError extends InvalidError {
  override readonly name = "PublishTargetError";
}

async function realFolder(dir: string): Promise<string> {
  // A destination not made yet: its nearest existing parent decides where it will be.
  const resolved = path.resolve(dir);
  try {
    return await fs.realpath(resolved);
  } catch {
    const parent = path.dirname(resolved);
    return parent === resolved ? resolved : path.join(await realFolder(parent), path.basename(resolved));
  }
}

export async function publishHost(from: string, to: string, onProgress?: (done: number, total: number) => void): Promise<PublishResult> {
  const [source, target] = await Promise.all([realFolder(from), realFolder(to)]);
  if (target === source || target.startsWith(source + path.sep)) {
    throw new PublishTargetError(`The destination ${to} is ${target === source ? "the source folder itself" : `inside the source folder ${from}`}`, {
      details: "publish copies a host folder to another place (a web root, a mounted bucket)",
    });
  }
  return withFolderLock(to, "publish", () => copyHost(from, to, onProgress));
}

async function copyHost(from: string, to: string, onProgress?: (done: number, total: number) => void): Promise<PublishResult> {
  const src = new HostStore(from);
  const dst = new HostStore(to);
  const dids = await src.readIndex();
  const result: PublishResult = { dids: dids.length, logsWritten: 0, anchorsWritten: 0, filesCopied: 0, refused: [] };
  const published: string[] = [];
  let done = 0;
  await mapLimit(dids, 16, async (did) => {
    let file = src.logPath(did);
    try {
      const log = await src.readLog(did);
      if (log === null) throw new PublishedLogError(`dids.json names ${did} but its log is missing`, { details: file });
      // Nothing of a DID is written unless its log verifies and its proofs parse.
      await checkLog(did, file, log, { witness: await src.readWitness(did) });
      file = src.anchorsPath(did);
      const anchors = await src.readAnchors(did);
      file = dst.logPath(did);
      const before = await dst.readLog(did);
      await dst.writeLog(did, log);
      if (before !== log) result.logsWritten++;
      if (anchors) {
        file = dst.anchorsPath(did);
        const beforeAnchors = await readFileOrNull(file);
        const merged = await dst.writeAnchors(anchors);
        if (beforeAnchors === null || JSON.stringify(JSON.parse(beforeAnchors)) !== JSON.stringify(merged)) result.anchorsWritten++;
      }
    } catch (error) {
      // A rewritten history, a log that does not verify, malformed proofs (all InvalidError): this DID only.
      if (error instanceof InvalidError) {
        result.refused.push({ did, file, error: `${error.name}: ${error.message}`, ...(error.line === undefined ? {} : { line: error.line }) });
        return;
      }
      throw error;
    }
    published.push(did);
    onProgress?.(++done, dids.length);
  });
  const skip = new Set([LOG_FILE, ANCHORS_FILE]);
  const files = (await walk(from)).filter((f) => !skip.has(path.basename(f)) && f !== INDEX_FILE);
  await mapLimit(files, 16, async (rel) => {
    const data = await fs.readFile(path.join(from, rel));
    if (await writeFileIfChanged(path.join(to, rel), data)) result.filesCopied++;
  });
  // Index last, in the source's order, and only DIDs whose files are there.
  const order = new Map(dids.map((d, i) => [d, i]));
  await dst.addToIndex(published.sort((a, b) => order.get(a)! - order.get(b)!));
  return result;
}
