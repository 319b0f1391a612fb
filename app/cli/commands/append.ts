/**
 * `append --dir DIR --did DID [--event TYPE [--detail k=v ...]] [--component DID ...] [--parent DID] [--rotate]`
 * Appends one signed entry to a DID's log (never rewriting what is published).
 */
import { describeError, entryChanges, keystorePath, linkNotes, openKeystore, output, parseTime, UsageError } from "../../publisher/cliSupport.ts";
import { appendPassportEntry } from "../../publisher/didOps.ts";
import { PublisherHost, UnknownDidError } from "../../publisher/host.ts";
import { withFolderLock } from "../../publisher/lock.ts";
import { ENTRY_FLAGS, parseCommand } from "../lib/command.ts";

export const summary = "Append a signed lifecycle event / link / key rotation to a passport DID's log";

const USAGE = `Usage: append --dir DIR --did DID [--event TYPE [--detail k=v ...]] [--component DID ...] [--parent DID]
              [--rotate] [--time ISO] [--keystore FILE] [--json]

Appends one entry to DID's did.jsonl in DIR, signed with its key from the keystore. A lifecycle event
becomes service #event-<n>; --component and --parent add links. Keys: with pre-rotation active (the DID
was created with --prerotate) every entry moves to the committed next key and commits to a fresh one;
without it, --rotate replaces the update key (the entry is signed by the current key). The published log
is only ever extended (HistoryRewriteError otherwise). The entry is not anchored yet: run \`anchor\`.

  --time ISO       versionTime (default now, after the previous entry)
  --keystore FILE  or $PUBLISHER_KEYSTORE (password: $PUBLISHER_KEYSTORE_PASSWORD or a prompt)
  --json           {"did","versionId","rotated"} on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand("append", USAGE, argv, {
    ...ENTRY_FLAGS,
    did: { type: "string" },
    rotate: { type: "boolean", default: false },
  }, (values) => {
    if (!values.dir || !values.did) throw new UsageError("--dir and --did are required");
    if (!values.event && !values.component && !values.parent && !values.rotate) throw new UsageError("nothing to append: --event, --component, --parent or --rotate");
    if (!keystorePath(values.keystore)) throw new UsageError("--keystore FILE (or $PUBLISHER_KEYSTORE) is required");
    if (values.detail && !values.event) throw new UsageError("--detail needs --event");
  });
  if (typeof values === "number") return values;
  try {
    const versionTime = parseTime(values.time);
    const changes = entryChanges(values, versionTime);
    const did = values.did!;
    // One run per folder; only this DID's files are read, and its log must verify before it is extended.
    const { entry, rotated } = await withFolderLock(values.dir!, "append", async () => {
      // Read under the lock: the previous run on this folder may just have saved the key this one needs.
      const ks = await openKeystore(keystorePath(values.keystore)!);
      const host = await PublisherHost.open(values.dir!, { dids: [did], verify: true });
      if (!host.has(did)) throw new UnknownDidError("The DID is not on this host", { details: `${did} is not in ${host.store.indexPath}` });
      const appended = await appendPassportEntry({
        ks,
        host,
        did,
        changes,
        rotate: values.rotate,
        ...(versionTime ? { versionTime } : {}),
      });
      await host.flush();
      return appended;
    });
    output(values.json, { did, versionId: entry.versionId, rotated }, `appended ${entry.versionId}${rotated ? " (update key rotated)" : ""} to ${did}`);
    for (const note of await linkNotes(values.dir!, did, changes)) process.stderr.write(`${note}\n`);
    return 0;
  } catch (error) {
    const e = describeError(error);
    process.stderr.write(`append: ${e.name}: ${e.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
