/** `npm run -s cli -- resolve`, run as a process on real files. */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeLog } from "../../core/didwebvh/log.ts";
import { at, makeLog } from "../../core/didwebvh/testkit/logs.ts";
import type { LogEntry } from "../../core/types.ts";

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../../..");
let dir: string;
let did: string;
let log: LogEntry[];

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(path.join(root, "node_modules/.bin/tsx"), ["app/cli/main.ts", "resolve", ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "resolve-cli-"));
  ({ did, log } = await makeLog(3, { host: "localhost:8787", path: "passports/w-000001" }));
  await writeFile(path.join(dir, "did.jsonl"), serializeLog(log));
  await writeFile(path.join(dir, "bad.jsonl"), serializeLog(log).replace("event-2", "event-X"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("cli resolve", () => {
  it("prints the W3C DID Resolution Result of the latest version", async () => {
    const { code, stdout } = await cli("--log", path.join(dir, "did.jsonl"));
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.didDocument.id).toBe(did);
    expect(result.didDocumentMetadata).toMatchObject({ versionId: log[2]!.versionId, created: at(0), updated: at(2), deactivated: false, ttl: "3600" });
    expect(result.didResolutionMetadata.contentType).toBe("application/did+ld+json");
  });

  it("selects versions by number, id and time", async () => {
    const file = path.join(dir, "did.jsonl");
    const byNumber = JSON.parse((await cli("--log", file, "--version-number", "1")).stdout);
    expect(byNumber.didDocumentMetadata.versionId).toBe(log[0]!.versionId);
    const byId = JSON.parse((await cli("--log", file, "--did", did, "--version-id", log[1]!.versionId)).stdout);
    expect(byId.didDocumentMetadata.versionNumber).toBe(2);
    const byTime = JSON.parse((await cli("--log", file, "--version-time", "2025-01-01T00:01:30Z")).stdout);
    expect(byTime.didDocumentMetadata.versionNumber).toBe(2);
    const missing = await cli("--log", file, "--version-number", "7");
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).didResolutionMetadata.error).toBe("notFound");
  });

  it("reports invalidDid with the reason and exit code 1 for a tampered log", async () => {
    const { code, stdout } = await cli("--log", path.join(dir, "bad.jsonl"), "--did", did);
    expect(code).toBe(1);
    const meta = JSON.parse(stdout).didResolutionMetadata;
    expect(meta).toMatchObject({ error: "invalidDid", errorName: "HashChainError" });
    expect(meta.problemDetails.detail).toContain("entry 3");
  });

  it("has --help, and exit code 2 for bad usage", async () => {
    const help = await cli("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--version-time");
    expect((await cli()).code).toBe(2);
    expect((await cli("--log", "x", "--version-number", "0")).code).toBe(2);
  });
});
