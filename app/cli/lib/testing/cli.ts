/**
 * Test support (Node only): the command line run as a user runs it, in a process of its own (`tsx
 * app/cli/main.ts ...`), with the publisher's keystore password in its environment. Resolves with the exit
 * code and what it printed; never rejects.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The keystore password the tests' keystores are made with. */
export const TEST_KEYSTORE_PASSWORD = "correct horse battery staple";

export function runCli(args: readonly string[], o: { timeoutMs?: number } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "app/cli/main.ts"), ...args],
      { cwd: ROOT, env: { ...process.env, PUBLISHER_KEYSTORE_PASSWORD: TEST_KEYSTORE_PASSWORD }, timeout: o.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}
