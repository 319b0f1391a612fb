import { describe, expect, it } from "vitest";
import { verifyLogs } from "./batch.ts";
import { serializeLog } from "./log.ts";
import { makeLog, testSigner } from "./testkit/logs.ts";

describe("verifyLogs", () => {
  it("verifies many logs concurrently, results in input order, bad ones with their typed error", async () => {
    const logs = await Promise.all([1, 2, 3, 4].map((n) => makeLog(n, { signer: testSigner(n) })));
    const items = logs.map(({ did, log }) => ({ text: serializeLog(log), options: { did } }));
    items.splice(2, 0, { text: "not json\n", options: { did: logs[0]!.did } });
    const results = await verifyLogs(items, { concurrency: 2 });
    expect(results.map((r) => r.entries.length)).toEqual([1, 2, 0, 3, 4]);
    expect(results.map((r) => r.error?.name)).toEqual([undefined, undefined, "LogParseError", undefined, undefined]);
    expect(results[3]!.did).toBe(logs[2]!.did);
  });
});
