/**
 * Issue 3's interoperability promise at the level a user sees it: a folder of logs made by the reference
 * library didwebvh-ts (createDID + updateDID), laid out as their host would serve them, is audited by our
 * `audit` command (a real process, a real Hardhat node on port 8682). None may be invalid or unverifiable:
 * they carry no anchoring, so each is a valid log whose entries are pending.
 */
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceLog } from "../../core/didwebvh/testkit/reference.ts";
import { startLocalChain, type LocalChain } from "../../../scripts/chain.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const LOGS = 30;

let chain: LocalChain;
let dir: string;
const made: string[] = [];

function audit(): Promise<{ code: number; rows: Record<string, unknown>[] }> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, "node_modules/.bin/tsx"),
      ["app/cli/main.ts", "audit", "--cdn", dir, "--rpc", chain.url, "--json"],
      { cwd: ROOT, timeout: 90_000 },
      (error, stdout) => {
        const rows = stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, rows });
      },
    );
  });
}

beforeAll(async () => {
  chain = await startLocalChain({ port: 8682 });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "reference-logs-"));
  for (let i = 0; i < LOGS; i++) {
    const { did, log } = await referenceLog({ domain: "example.com", paths: ["logs", `d${i}`], entries: 1 + (i % 5) });
    const folder = path.join(dir, "logs", `d${i}`);
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, "did.jsonl"), log.map((entry) => JSON.stringify(entry)).join("\n") + "\n");
    made.push(did);
  }
}, 120_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("audit over a folder of logs made by didwebvh-ts", { timeout: 120_000 }, () => {
  it("accepts every log: none invalid, none unverifiable; each DID found where its URL says", async () => {
    const { code, rows } = await audit();
    const summary = rows.pop()!;
    expect(summary).toMatchObject({ dids: LOGS, invalid: 0, unverifiable: 0 });
    const expectedEntries = Array.from({ length: LOGS }, (_, i) => 1 + (i % 5)).reduce((a, b) => a + b, 0);
    expect(summary.entries).toBe(expectedEntries);
    expect(new Set(rows.map((r) => r.did))).toEqual(new Set(made));
    for (const row of rows) expect(["verified", "pending"]).toContain(row.verdict);
    expect(code).toBe(0);
  });
});
