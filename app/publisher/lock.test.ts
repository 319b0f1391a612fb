import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock, LockHeldError, withFolderLock } from "./lock.ts";

let dir: string;
beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "lock-test-"))));
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (a real one, so no live process can have it for a while). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("publisher lock", () => {
  it("a second run is refused with LockHeldError naming the lock, its owner and age; the lock goes when released", async () => {
    const file = path.join(dir, ".publisher", "lock");
    const lock = await acquireLock(file, { command: "append", what: "the folder" });
    const error = await acquireLock(file, { command: "anchor", what: "the folder" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(new RegExp(`pid ${process.pid} .*\\(append\\), held for \\d+ s`));
    await lock.release();
    await expect(fs.access(file)).rejects.toThrow();
    (await acquireLock(file, { command: "anchor", what: "the folder" })).release();
  });

  it("a lock left by a process that is gone is taken over", async () => {
    const file = path.join(dir, "lock");
    const stale = { pid: deadPid(), hostname: os.hostname(), command: "append", startedAt: "2025-01-01T00:00:00Z" };
    await fs.writeFile(file, JSON.stringify(stale));
    const lock = await acquireLock(file, { command: "append", what: "the folder" });
    expect(JSON.parse(await fs.readFile(file, "utf8")).pid).toBe(process.pid);
    await lock.release();
    // A live owner (this test's parent process) is not taken over.
    await fs.writeFile(file, JSON.stringify({ ...stale, pid: process.ppid }));
    await expect(acquireLock(file, { command: "append", what: "the folder" })).rejects.toBeInstanceOf(LockHeldError);
  });

  it("an unreadable lock is held while young, taken over when older than a minute", async () => {
    const file = path.join(dir, "lock");
    await fs.writeFile(file, "");
    await expect(acquireLock(file, { command: "append", what: "the folder" })).rejects.toThrow(/unreadable lock file/);
    const old = new Date(Date.now() - 120_000);
    await fs.utimes(file, old, old);
    await (await acquireLock(file, { command: "append", what: "the folder" })).release();
  });

  it("waits for a short-held lock when asked to", async () => {
    const file = path.join(dir, "lock");
    const lock = await acquireLock(file, { command: "keystore save", what: "the keystore" });
    setTimeout(() => void lock.release(), 200);
    await (await acquireLock(file, { command: "keystore save", what: "the keystore", waitMs: 5_000 })).release();
  });

  it("withFolderLock removes the folders it created when the run fails", async () => {
    const fresh = path.join(dir, "new-host");
    await expect(withFolderLock(fresh, "create", async () => { throw new Error("refused"); })).rejects.toThrow("refused");
    await expect(fs.access(fresh)).rejects.toThrow();
    await withFolderLock(fresh, "create", async () => fs.writeFile(path.join(fresh, "dids.json"), "{}"));
    expect(await fs.readdir(fresh)).toEqual(["dids.json"]);
  });
});
