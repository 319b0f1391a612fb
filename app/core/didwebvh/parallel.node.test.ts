import { describe, expect, it } from "vitest";
import { serializeLog } from "./log.ts";
import { LogVerifierPool, verifyLogsParallel } from "./parallel.node.ts";
import { makeLog, testSigner } from "./testkit/logs.ts";

describe("verifyLogsParallel (worker_threads)", () => {
  it("verifies logs on worker threads, results in input order, failures typed", async () => {
    const logs = await Promise.all([1, 2, 3].map((n) => makeLog(n + 1, { signer: testSigner(n) })));
    const jobs = logs.map(({ did, log }) => ({ did, text: serializeLog(log) }));
    jobs.push({ did: logs[0]!.did, text: serializeLog(logs[1]!.log) });
    const results = await verifyLogsParallel(jobs, { threads: 2, chunk: 1 });
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.entries)).toEqual([2, 3, 4, 0]);
    expect(results[3]!.error?.name).toBe("DidMismatchError");
  });

  it("a pool is reusable until closed", async () => {
    const pool = new LogVerifierPool(1);
    try {
      await pool.ready();
      const { did, log } = await makeLog(2);
      const text = serializeLog(log);
      expect((await pool.verify([{ did, text }]))[0]!.ok).toBe(true);
      expect((await pool.verify([{ did, text: text.replace("Inspected", "Inspectex") }]))[0]!.error?.name).toBe("HashChainError");
    } finally {
      await pool.close();
    }
  });
});
