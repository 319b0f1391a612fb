/**
 * One publisher run at a time per folder (and per keystore file): a lock file created with O_EXCL (`wx`)
 * holding the owner's pid, host name, command and start time, removed in a `finally`. Another run that
 * finds the lock fails at once with LockHeldError (naming the lock, its owner and its age), or, for the
 * short keystore save, waits a little first.
 *
 * A lock left by a killed process is taken over: same machine and its pid no longer runs (or the file is
 * unreadable and older than a minute, a crash between creating and writing it). The stale file is moved
 * aside with rename (atomic) and checked to be the one judged stale before it is deleted, so two runs
 * taking over the same stale lock cannot both win.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { InvalidError } from "../core/errors.ts";

/** Another run holds the lock (the folder or keystore is being written by it). */
export class LockHeldError extends InvalidError {
  override readonly name = "LockHeldError";
}

export interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
}

export interface HeldLock {
  readonly file: string;
  release(): Promise<void>;
}

/** An unreadable lock younger than this is being written by its owner; older, it was left by a crash. */
const UNREADABLE_GRACE_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

async function readOwner(file: string): Promise<{ owner: LockOwner | undefined; text: string; mtimeMs: number } | null> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([fs.readFile(file, "utf8"), fs.stat(file)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(o.pid) && typeof o.hostname === "string" && typeof o.startedAt === "string") {
      return { owner: { pid: o.pid!, hostname: o.hostname, command: String(o.command ?? "?"), startedAt: o.startedAt }, text, mtimeMs };
    }
  } catch {
    // Unreadable: judged by its age below.
  }
  return { owner: undefined, text, mtimeMs };
}

/** Moves a stale lock aside and deletes it, unless it changed since it was read (then it is put back). */
async function takeOver(file: string, staleText: string): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = await fs.readFile(aside, "utf8").catch(() => staleText);
  if (moved !== staleText) {
    // Another run took the stale lock over and made its own in between: give it back.
    await fs.link(aside, file).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
}

/**
 * Creates `file` exclusively for this process (its folder too, if missing). Throws LockHeldError when a
 * live run holds it; with `waitMs`, retries until then first.
 */
export async function acquireLock(file: string, options: { command: string; what: string; waitMs?: number }): Promise<HeldLock> {
  const me: LockOwner = { pid: process.pid, hostname: os.hostname(), command: options.command, startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(file, "wx", 0o644);
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        file,
        async release() {
          if (released) return;
          released = true;
          // Only our own lock: never delete one that a take-over replaced.
          const current = await fs.readFile(file, "utf8").catch(() => null);
          if (current === text) await fs.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const held = await readOwner(file);
    if (held === null) continue; // released in between
    const { owner } = held;
    const stale = owner
      ? owner.hostname === me.hostname && owner.pid !== process.pid && !alive(owner.pid)
      : Date.now() - held.mtimeMs > UNREADABLE_GRACE_MS;
    if (stale && attempt < 10) {
      await takeOver(file, held.text);
      continue;
    }
    if (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      continue;
    }
    const since = owner ? Date.parse(owner.startedAt) : held.mtimeMs;
    throw new LockHeldError(`Another publisher run holds the lock on ${options.what}`, {
      details: owner
        ? `${file}: pid ${owner.pid} on ${owner.hostname} (${owner.command}), held for ${age(Date.now() - since)}; if that process is gone for good, delete the lock file`
        : `${file}: unreadable lock file, ${age(Date.now() - since)} old; if no publisher runs, delete it`,
    });
  }
}

/** Runs `fn` holding the lock `file`, releasing it however `fn` ends. */
export async function withLock<T>(file: string, options: { command: string; what: string; waitMs?: number }, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(file, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export const FOLDER_LOCK = "lock";

/**
 * Runs `fn` holding the host folder's lock (`DIR/.publisher/lock`): one publisher run per folder at a time.
 * Folders created only to hold the lock are removed again when they are left empty (a failed run in a new
 * folder leaves nothing behind).
 */
export async function withFolderLock<T>(dir: string, command: string, fn: () => Promise<T>): Promise<T> {
  const stateDir = path.join(dir, ".publisher");
  const created: string[] = [];
  for (const d of [dir, stateDir]) if (!(await fs.stat(d).then(() => true, () => false))) created.push(d);
  try {
    return await withLock(path.join(stateDir, FOLDER_LOCK), { command, what: `the folder ${dir}` }, fn);
  } finally {
    for (const d of created.reverse()) await fs.rmdir(d).catch(() => undefined);
  }
}
