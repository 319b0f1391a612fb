/**
 * `resolve`: resolve a did:webvh DID from a local did.jsonl (and did-witness.json) and print the W3C DID
 * Resolution Result as JSON. Exit code 0 when resolved, 1 when the result carries an error
 * (`invalidDid` / `notFound`), 2 for bad usage.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parseLog } from "../../core/didwebvh/log.ts";
import { resolutionFailure, resolveDid, type DidResolutionResult, type ResolveOptions } from "../../core/didwebvh/resolve.ts";

export const summary = "Resolve a did:webvh DID from did.jsonl and print its W3C DID Resolution Result";

const USAGE = `Usage: npm run -s cli -- resolve --log FILE [--witness FILE] [--did DID]
                           [--version-number N | --version-id ID | --version-time T]

Verifies the did:webvh v1.0 log FILE (did.jsonl; "-" reads standard input) and prints the W3C DID
Resolution Result (didDocument, didDocumentMetadata, didResolutionMetadata) as JSON on standard output.

Options:
  --log FILE            the DID log (did.jsonl)
  --witness FILE        did-witness.json, required when the log uses witnesses
  --did DID             the DID to resolve (default: the id of the log's last entry)
  --version-number N    resolve version N
  --version-id ID       resolve the version with this versionId
  --version-time T      resolve the version active at ISO 8601 time T
  --now T               the resolver's clock (ISO 8601), for reproducible results; default: now
  -h, --help            this help

Exit code: 0 resolved; 1 the result has didResolutionMetadata.error (invalidDid or notFound); 2 bad usage.`;

async function readText(file: string): Promise<string | null> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** The DID a log is about when none is given: the id of its last entry that has one. */
function lastDid(text: string): string | undefined {
  try {
    const entries = parseLog(text);
    for (let i = entries.length - 1; i >= 0; i--) {
      const id = entries[i]?.state?.id;
      if (typeof id === "string") return id;
    }
  } catch {
    // The resolution below reports why the log cannot be read.
  }
  return undefined;
}

function usage(message: string): number {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        log: { type: "string" },
        witness: { type: "string" },
        did: { type: "string" },
        "version-number": { type: "string" },
        "version-id": { type: "string" },
        "version-time": { type: "string" },
        now: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.log) return usage("--log FILE is required");
  const selectors = [values["version-number"], values["version-id"], values["version-time"]].filter((v) => v !== undefined);
  if (selectors.length > 1) return usage("Give at most one of --version-number, --version-id, --version-time");

  const options: ResolveOptions = {};
  if (values["version-number"] !== undefined) {
    if (!/^[1-9]\d*$/.test(values["version-number"])) return usage("--version-number must be a positive integer");
    options.versionNumber = Number(values["version-number"]);
  }
  if (values["version-id"] !== undefined) options.versionId = values["version-id"];
  if (values["version-time"] !== undefined) {
    if (Number.isNaN(Date.parse(values["version-time"]))) return usage("--version-time must be an ISO 8601 date-time");
    options.versionTime = values["version-time"];
  }
  if (values.now !== undefined) {
    if (Number.isNaN(Date.parse(values.now))) return usage("--now must be an ISO 8601 date-time");
    options.now = values.now;
  }

  const logText = await readText(values.log);
  if (values.witness !== undefined) {
    const witness = await readText(values.witness);
    if (witness === null) return usage(`--witness ${values.witness}: no such file`);
    options.witness = witness;
  }
  const did = values.did ?? (logText === null ? undefined : lastDid(logText));
  let result: DidResolutionResult;
  if (did === undefined) {
    if (logText === null) result = resolutionFailure("notFound", `No DID log at ${values.log}`);
    else {
      try {
        parseLog(logText);
        result = resolutionFailure("invalidDid", "No log entry names a DID; give --did");
      } catch (error) {
        const e = error as Error;
        result = resolutionFailure("invalidDid", e.message, e.name);
      }
    }
  } else {
    result = await resolveDid(did, logText, options);
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.didResolutionMetadata.error ? 1 : 0;
}
