/**
 * `label --dir DIR --did DID [--did DID ...] [--link-base URL] [--app URL] [--json]`: the files a product's
 * QR code needs on the host (see app/publisher/label.ts).
 */
import { describeError, output, requireFolder, UsageError } from "../../publisher/cliSupport.ts";
import { writeLabel, type LabelResult } from "../../publisher/label.ts";
import { withFolderLock } from "../../publisher/lock.ts";
import { parseCommand } from "../lib/command.ts";

export const summary = "Write a product's GS1 Digital Link files: its linkset.json, its QR code and, for an app elsewhere, a forwarding page";

const USAGE = `Usage: label --dir DIR --did DID [--did DID ...] [--link-base URL] [--app URL] [--json]

For each passport DID of the host folder DIR (its log must verify), writes what the product's QR code
needs, from the GTIN and serial its passport states:
  DIR/01/<gtin>/21/<serial>/linkset.json   the RFC 9264 linkset naming the passport DID (the app reads it)
  DIR/qr/<gtin>-<serial>.svg and .png      the QR code of the GS1 Digital Link
  DIR/01/<gtin>/21/<serial>/index.html     with --app only: a page sending a phone's camera app on to
                                           the verifier's passport link (serve it as the folder's index)
Then \`publish\` copies them to the host. Re-runnable: files already as they should be are left alone.

  --link-base URL   where the Digital Link lives (default: the DID's host, https; http for localhost),
                    e.g. https://id.example.com or https://cdn.example.com/passports
  --app URL         the verifier app's URL, when it is not served at the link's origin
                    (e.g. https://verify.example.com/ or https://example.com/verifier/)
  --json            [{"did","link","opens","files"}] on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand(
    "label",
    USAGE,
    argv,
    {
      dir: { type: "string" },
      did: { type: "string", multiple: true },
      "link-base": { type: "string" },
      app: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    (values) => {
      if (!values.dir || !values.did?.length) throw new UsageError("--dir and --did are required");
    },
  );
  if (typeof values === "number") return values;
  try {
    const dir = values.dir!;
    await requireFolder(dir, "label");
    const results = await withFolderLock(dir, "label", async () => {
      const out: (LabelResult & { did: string })[] = [];
      for (const did of values.did!) {
        const r = await writeLabel(dir, did, {
          ...(values["link-base"] ? { linkBase: values["link-base"] } : {}),
          ...(values.app ? { app: values.app } : {}),
        });
        out.push({ did, ...r });
      }
      return out;
    });
    output(values.json, results, results.map((r) => `${r.did}\n  link ${r.link}${r.opens === r.link ? "" : `\n  opens ${r.opens}`}\n  ${r.files.join("\n  ")}`).join("\n"));
    return 0;
  } catch (error) {
    const e = describeError(error);
    process.stderr.write(`label: ${e.name}: ${e.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
