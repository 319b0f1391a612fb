/**
 * `fixtures --out DIR --rpc URL [--windows N] [--host HOST] [--seed S] [--registry ADDR] [--keystore FILE] [--json]`
 * Generates, anchors and publishes the Digital Product Passport dataset (fixtures/generate.ts).
 */
import { generateFixtures } from "../../../fixtures/generate.ts";
import type { Hex } from "../../core/types.ts";
import { describeError, keystorePath, openKeystore, output, progressBar, UsageError } from "../../publisher/cliSupport.ts";
import { parseCommand } from "../lib/command.ts";

export const summary = "Generate, anchor and publish the demo dataset of window passports (deterministic from a seed)";

const USAGE = `Usage: fixtures --out DIR --rpc URL [--windows N] [--host HOST] [--seed S] [--registry ADDR]
                [--keystore FILE] [--pending-every N] [--no-qr] [--json]

Creates N windows, each with a glass pane and a frame (3 did:webvh DIDs per window, >= 4 signed lifecycle
events each), anchors one Merkle batch per lifecycle stage in the AnchorRegistry (deployed when --registry
is missing or has no code), and writes the host folder: did.jsonl + did-anchors.json per DID, dids.json,
a GS1 Digital Link linkset per item (01/<gtin>/21/<serial>/linkset.json), a QR code per window
(qr/<serial>.svg and .png) and manifest.json. Keys derive from the seed; versionTimes from a fixed start
in 2025. Re-running with the same settings creates nothing and anchors nothing twice; an interrupted run
is finished from its journal and the chain.

  --out DIR           the host folder to write
  --rpc URL           JSON-RPC endpoint of the chain
  --windows N         number of windows (default 1000)
  --host HOST         host of the DIDs and Digital Links (default localhost:8787)
  --seed S            dataset seed (default "demo")
  --registry ADDR     AnchorRegistry address (default: the manifest's, else deploy)
  --keystore FILE     keystore with the anchoring key (or $PUBLISHER_KEYSTORE; password from
                      $PUBLISHER_KEYSTORE_PASSWORD or a prompt). Without one, only the local chain 31337 is
                      accepted and Hardhat's first development account signs.
  --pending-every N   every N-th window (and its glass) ends with an unanchored event (default 20, 0: none)
  --no-qr             skip the QR codes
  --json              print the manifest as one JSON object on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand("fixtures", USAGE, argv, {
    out: { type: "string" },
    rpc: { type: "string" },
    windows: { type: "string" },
    host: { type: "string" },
    seed: { type: "string" },
    registry: { type: "string" },
    keystore: { type: "string" },
    "pending-every": { type: "string" },
    "no-qr": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, (values) => {
    if (!values.out || !values.rpc) throw new UsageError("--out and --rpc are required");
    if (values.registry !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(values.registry)) throw new UsageError("--registry must be an address");
    for (const k of ["windows", "pending-every"] as const) {
      if (values[k] !== undefined && !/^\d+$/.test(values[k])) throw new UsageError(`--${k} must be a whole number`);
    }
  });
  if (typeof values === "number") return values;
  const bar = progressBar();
  try {
    const ksFile = keystorePath(values.keystore);
    let privateKey: Hex | undefined;
    if (ksFile !== undefined) {
      const ks = await openKeystore(ksFile);
      // None in the keystore: connectChain accepts only the local chain 31337 (development key).
      privateKey = ks.secrets.anchoringKey;
    }
    const manifest = await generateFixtures({
      out: values.out!, // required by the check above
      rpcUrl: values.rpc!,
      ...(values.windows === undefined ? {} : { windows: Number(values.windows) }),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values.seed === undefined ? {} : { seed: values.seed }),
      ...(values.registry === undefined ? {} : { registry: values.registry as Hex }),
      ...(values["pending-every"] === undefined ? {} : { pendingEvery: Number(values["pending-every"]) }),
      ...(privateKey === undefined ? {} : { privateKey }),
      qr: !values["no-qr"],
      onProgress: (stage, done, total) => bar.update(stage, done, total),
    });
    bar.end();
    const c = manifest.counts;
    output(
      values.json,
      manifest,
      [
        `${values.out}: ${c.dids} DIDs (${c.windows} windows), ${c.entries} log entries, ${c.anchoredEntries} anchored in ${manifest.batches.length} batches, ${c.pendingEntries} pending`,
        `registry ${manifest.registry} on chain ${manifest.chainId}, anchorer ${manifest.anchorer}; ${manifest.elapsedMs} ms`,
        `sample window: ${manifest.sample.window.did}`,
        `               ${manifest.sample.window.link}`,
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    bar.end();
    const e = describeError(error);
    process.stderr.write(`fixtures: ${e.name}: ${e.message}\n`);
    if (values.json) output(true, { error: e }, "");
    return 1;
  }
}
