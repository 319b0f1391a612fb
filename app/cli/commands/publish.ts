/**
 * `publish --from DIR --to DEST [--json]`: copies a host folder to where it is served, append-only.
 */
import { describeError, output, progressBar, requireFolder, UsageError } from "../../publisher/cliSupport.ts";
import { withFolderLock } from "../../publisher/lock.ts";
import { publishHost } from "../../publisher/publish.ts";
import { parseCommand } from "../lib/command.ts";

export const summary = "Copy a host folder to its served location, refusing any log that would rewrite published history";

const USAGE = `Usage: publish --from DIR --to DEST [--json]

Copies the host folder DIR to DEST (a mounted bucket, a web root): each did.jsonl only if it verifies (as
\`resolve\` verifies it: a truncated or tampered log is refused) and extends the one already at DEST (a DID
whose history would change is refused; refusals are reported with the file and why, exit 1; nothing of a
refused DID is written), did-anchors.json merged
(proofs already published are kept), other files (linksets, QR codes, manifest.json) when changed, and
dids.json last. Every file is written atomically. DIR/.publisher (the journal, the config) stays behind.
One run at a time per source and per destination (DEST/.publisher/lock exists while a run writes);
DEST may not be DIR or inside it.

  --json   {"dids","logsWritten","anchorsWritten","filesCopied","refused":[{"did","file","error","line"}]} on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand(
    "publish",
    USAGE,
    argv,
    { from: { type: "string" }, to: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    (values) => {
      if (!values.from || !values.to) throw new UsageError("--from and --to are required");
    },
  );
  if (typeof values === "number") return values;
  const bar = progressBar();
  try {
    const from = values.from!;
    await requireFolder(from, "publish");
    // The source does not change under the copy: publisher runs on it wait their turn.
    const result = await withFolderLock(from, "publish", () => publishHost(from, values.to!, (d, n) => bar.update("DIDs", d, n)));
    bar.end();
    const human = [
      `${values.to}: ${result.dids} DIDs, ${result.logsWritten} logs and ${result.anchorsWritten} proof files written, ${result.filesCopied} other files copied`,
      ...result.refused.map((r) => `REFUSED ${r.did} (${r.file}${r.line === undefined ? "" : `, line ${r.line}`}): ${r.error}`),
    ].join("\n");
    output(values.json, result, human);
    return result.refused.length > 0 ? 1 : 0;
  } catch (error) {
    bar.end();
    const e = describeError(error);
    process.stderr.write(`publish: ${e.name}: ${e.message}\n`);
    return 1;
  }
}
