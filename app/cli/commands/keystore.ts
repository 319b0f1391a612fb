/**
 * `keystore init|info|set-anchoring-key --keystore FILE`: the publisher's encrypted keystore
 * (app/publisher/keystore.ts). Secrets are never printed; `info` shows public keys and the anchoring address.
 */
import { parseArgs } from "node:util";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import type { Hex } from "../../core/types.ts";
import { describeError, keyHash, keystorePath, output, UsageError } from "../../publisher/cliSupport.ts";
import { DEFAULT_SCRYPT, Keystore, readPassword } from "../../publisher/keystore.ts";

export const summary = "Create or inspect the publisher's encrypted keystore (DID keys, anchoring account)";

const USAGE = `Usage: keystore init --keystore FILE [--anchoring-key-env VAR | --new-anchoring-key] [--json]
       keystore info --keystore FILE [--json]
       keystore set-anchoring-key --keystore FILE (--anchoring-key-env VAR | --new-anchoring-key) [--json]

The keystore holds the DIDs' Ed25519 keys (current and pre-rotated next) and the EVM account that sends
anchor transactions, encrypted with XChaCha20-Poly1305 under a scrypt key (N=2^17, r=8, p=1). The
password comes from $PUBLISHER_KEYSTORE_PASSWORD or a prompt; FILE from --keystore or $PUBLISHER_KEYSTORE.
No command prints a secret.

  --anchoring-key-env VAR   import the anchoring private key (0x + 64 hex) from the environment variable VAR
  --new-anchoring-key       generate a new anchoring account (fund it before anchoring on a real chain)
  --json                    one JSON object on stdout
`;

export async function run(argv: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        keystore: { type: "string" },
        "anchoring-key-env": { type: "string" },
        "new-anchoring-key": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length !== 1 || !["init", "info", "set-anchoring-key"].includes(positionals[0]!)) throw new UsageError("one of init, info, set-anchoring-key");
    if (!keystorePath(values.keystore)) throw new UsageError("--keystore FILE (or $PUBLISHER_KEYSTORE) is required");
    if (values["anchoring-key-env"] && values["new-anchoring-key"]) throw new UsageError("--anchoring-key-env or --new-anchoring-key, not both");
  } catch (error) {
    process.stderr.write(`keystore: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const file = keystorePath(values.keystore)!;
  const anchoringKey = (): Hex | undefined => {
    if (values["new-anchoring-key"]) return generatePrivateKey();
    const name = values["anchoring-key-env"];
    if (name === undefined) return undefined;
    const key = process.env[name];
    if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError(`$${name} does not hold a private key (0x + 64 hex digits)`);
    return key as Hex;
  };
  try {
    const command = positionals[0];
    let ks: Keystore;
    if (command === "init") {
      const key = anchoringKey();
      ks = await Keystore.create(file, await readPassword({ confirm: true }), { params: DEFAULT_SCRYPT, secrets: key ? { anchoringKey: key } : {} });
    } else {
      ks = await Keystore.open(file, await readPassword());
      if (command === "set-anchoring-key") {
        const key = anchoringKey();
        if (!key) throw new UsageError("--anchoring-key-env VAR or --new-anchoring-key");
        ks.secrets.anchoringKey = key;
        await ks.save();
      }
    }
    const info = {
      file,
      anchoringAddress: ks.secrets.anchoringKey ? privateKeyToAccount(ks.secrets.anchoringKey).address : null,
      keys: Object.keys(ks.secrets.keys).length,
      dids: Object.entries(ks.secrets.dids).map(([did, k]) => ({ did, updateKey: k.updateKey, ...(k.nextKey ? { nextKeyHash: keyHash(k.nextKey) } : {}) })),
    };
    output(values.json, info, `${file}: ${info.keys} keys, ${info.dids.length} DIDs, anchoring account ${info.anchoringAddress ?? "(none)"}`);
    return 0;
  } catch (error) {
    const e = describeError(error);
    process.stderr.write(`keystore: ${e.name}: ${e.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
