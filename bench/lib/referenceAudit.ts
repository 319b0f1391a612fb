/**
 * What a user of didwebvh-ts would run to audit a folder of logs: find every did.jsonl, read it, resolve
 * it with the library's resolveDIDFromLog and its fastest verifier (WebCrypto, keys imported once).
 * `tsx bench/lib/referenceAudit.ts DIR [--concurrent]` prints one JSON line {logs, valid, entries, ms};
 * `ms` counts from the start of the work (after module loading), as our `audit` does in its summary.
 * --concurrent resolves all logs at once instead of one after another.
 */
import { readFile } from "node:fs/promises";
import { findLogFiles } from "../../app/cli/lib/dirSource.ts";
import path from "node:path";
import { ref, webCryptoVerifier } from "../../app/core/didwebvh/testkit/reference.ts";

const [dir, flag] = process.argv.slice(2);
if (!dir) {
  process.stderr.write("usage: referenceAudit.ts DIR [--concurrent]\n");
  process.exit(2);
}
const started = performance.now();
// The same listing as our audit's (a fast synchronous walk), so that only the verification differs.
const files = findLogFiles(dir).map((f) => path.join(dir, f));
const verifier = webCryptoVerifier();
const check = async (file: string): Promise<number> => {
  const log = (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ref.DIDLogEntry);
  const r = await ref.resolveDIDFromLog(log, { verifier });
  return r.doc && r.meta.versionId === log[log.length - 1]!.versionId ? log.length : -1;
};
let results: number[];
if (flag === "--concurrent") results = await Promise.all(files.map(check));
else {
  results = [];
  for (const file of files) results.push(await check(file).catch(() => -1));
}
const ok = results.filter((n) => n > 0);
process.stdout.write(
  `${JSON.stringify({ logs: files.length, valid: ok.length, entries: ok.reduce((a, b) => a + b, 0), ms: Math.round(performance.now() - started) })}\n`,
);
