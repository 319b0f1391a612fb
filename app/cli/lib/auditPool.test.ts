/**
 * runAudit's scheduling: the main thread alone, worker threads alone, and the main thread handing over to
 * a worker once it is loaded must all give the same rows, in the items' order, every item exactly once.
 * Real logs in a real folder; these logs declare no anchoring, so no chain read is made (a read would be
 * a bug here, and the reader below fails the test if asked).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainReader } from "../../core/anchors/registry.ts";
import { serializeLog } from "../../core/didwebvh/log.ts";
import { makeLog, testSigner } from "../../core/didwebvh/testkit/logs.ts";
import type { AuditItem, Row } from "./auditItem.ts";
import { runAudit } from "./auditPool.ts";
import { dirSource } from "./dirSource.ts";

const COUNT = 40;
let dir: string;
const items: AuditItem[] = [];
let tampered = 0;

const noReads: ChainReader = {
  readAnchor: () => Promise.reject(new Error("no chain read expected")),
  readAt: () => undefined,
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "audit-pool-"));
  for (let i = 0; i < COUNT; i++) {
    const { log } = await makeLog(1 + (i % 4), { signer: testSigner(100 + i), path: `p/d${i}` });
    const rel = `p/d${i}/did.jsonl`;
    await mkdir(path.join(dir, "p", `d${i}`), { recursive: true });
    // Every seventh log of two entries or more is tampered with (one byte of its last entry).
    let text = serializeLog(log);
    if (i % 7 === 3 && log.length > 1) {
      text = text.replace(/Inspected(?![\s\S]*Inspected)/, "Inspectex");
      tampered++;
    }
    await writeFile(path.join(dir, rel), text);
    items.push({ file: rel });
  }
  // And a log in the wrong place.
  await mkdir(path.join(dir, "p", "moved"), { recursive: true });
  await writeFile(path.join(dir, "p", "moved", "did.jsonl"), serializeLog((await makeLog(1, { path: "p/elsewhere" })).log));
  items.push({ file: "p/moved/did.jsonl" });
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function audit(workers: number, mainThreadHelps: boolean): Promise<Row[]> {
  const source = dirSource(dir);
  const rows: (Row | undefined)[] = new Array(items.length);
  let calls = 0;
  await runAudit(items, { workers, concurrency: 3, source: { kind: "dir", dir }, local: { source, dir: source, chain: noReads }, mainThreadHelps }, (i, row) => {
    expect(rows[i]).toBeUndefined();
    rows[i] = row;
    calls++;
  });
  expect(calls).toBe(items.length);
  return rows as Row[];
}

describe("runAudit", { timeout: 60_000 }, () => {
  it("main thread only, workers only, and main thread handing over: the same rows", async () => {
    const main = await audit(0, true);
    expect(tampered).toBeGreaterThan(3);
    expect(main.filter((r) => r.verdict === "pending")).toHaveLength(COUNT - tampered);
    expect(main.filter((r) => r.verdict === "invalid").map((r) => r.reason?.name).sort()).toEqual([
      "DidMismatchError",
      ...Array(tampered).fill("HashChainError"),
    ]);
    expect(await audit(2, false)).toEqual(main);
    expect(await audit(1, true)).toEqual(main);
  });
});
