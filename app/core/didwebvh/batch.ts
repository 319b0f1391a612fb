/**
 * Verify many did:webvh logs at once, in any JavaScript runtime: parsing and hashing run on the calling
 * thread while the signatures of up to `concurrency` logs are in flight together (WebCrypto runs them
 * off the main thread: the libuv pool in Node, the browser's crypto threads). For all cores in Node, see
 * parallel.node.ts; in the browser, run this inside the verification worker.
 */
import { VerifierError, toVerifierError } from "../errors.ts";
import { parseLog, type LogLimits } from "./log.ts";
import { verifyLog, type VerifyLogOptions, type VerifyLogResult } from "./verify.ts";

export interface LogItem {
  /** did.jsonl text. */
  text: string;
  options?: VerifyLogOptions;
}

export type BatchResult = VerifyLogResult | { did: string; scid: ""; entries: []; error: VerifierError; deactivated: false };

/** Results in the order of `items`; a log that cannot be parsed yields its parse error. */
export async function verifyLogs(
  items: readonly LogItem[],
  options: { concurrency?: number; limits?: LogLimits } = {},
): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(items.length);
  const concurrency = Math.max(1, options.concurrency ?? 32);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i]!;
      try {
        results[i] = await verifyLog(parseLog(item.text, options.limits), item.options);
      } catch (error) {
        results[i] = { did: item.options?.did ?? "", scid: "", entries: [], error: toVerifierError(error), deactivated: false };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
