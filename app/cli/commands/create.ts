/**
 * `create --dir DIR --host HOST --path a/b --rpc URL --kind K --name N --gtin G --serial S --manufacturer M ...`
 * Creates a passport DID (did:webvh v1.0) with a new key from the keystore and publishes its first entry.
 */
import { buildDid, SCID_PLACEHOLDER } from "../../core/didwebvh/url.ts";
import { connectChain } from "../../publisher/chain.ts";
import { ensureRegistry } from "../../publisher/deploy.ts";
import { describeError, entryChanges, keystorePath, linkNotes, openKeystore, output, parseAddressFlag, parseTime, readConfig, UsageError, writeConfig } from "../../publisher/cliSupport.ts";
import { createPassportDid } from "../../publisher/didOps.ts";
import { DuplicateDidError, PublisherHost } from "../../publisher/host.ts";
import { withFolderLock } from "../../publisher/lock.ts";
import { didFolder } from "../../publisher/store.ts";
import { getAddress } from "viem";
import { ENTRY_FLAGS, parseCommand } from "../lib/command.ts";

export const summary = "Create a passport DID (did:webvh) in a host folder, signed with a new key from the keystore";

const USAGE = `Usage: create --dir DIR --host HOST --path a/b --rpc URL --kind KIND --name NAME --gtin GTIN
              --serial SERIAL --manufacturer NAME [--event TYPE [--detail k=v ...]] [--component DID ...]
              [--parent DID] [--prerotate] [--registry ADDR] [--anchorer ADDR] [--time ISO] [--keystore FILE] [--json]

Creates did:webvh:{SCID}:HOST:a:b with a new Ed25519 update key (kept in the keystore), a #passport
service, the #anchoring declaration (this chain, the registry, the keystore's anchoring account; on the
local chain 31337 without one, Hardhat's first development account), and optionally a first lifecycle
event and component / parent links. Writes DIR/a/b/did.jsonl and adds the DID to DIR/dids.json. The entry
is not anchored yet: run \`anchor\`. Links go both ways: a component must name its product as its
parent (\`append --did COMPONENT --parent DID\`), or the product verifies as invalid; create says what
the other side still lacks.

  --dir DIR          the host folder          --host HOST      e.g. example.com or localhost:8787
  --path a/b         the DID's path           --rpc URL        JSON-RPC endpoint of the anchoring chain
  --registry ADDR    AnchorRegistry (default: DIR/.publisher/config.json, else deployed and recorded there)
  --anchorer ADDR    the account that anchors this DID's entries, if not the keystore's: e.g. a browser
                     wallet (then \`anchor --anchorer ADDR\` prints what that wallet must send)
  --prerotate        commit to a next key (nextKeyHashes): every later entry rotates to it
  --time ISO         versionTime (default now)
  --keystore FILE    or $PUBLISHER_KEYSTORE (password: $PUBLISHER_KEYSTORE_PASSWORD or a prompt)
  --json             {"did","versionId","path"} on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand("create", USAGE, argv, {
    ...ENTRY_FLAGS,
    host: { type: "string" },
    path: { type: "string" },
    rpc: { type: "string" },
    registry: { type: "string" },
    kind: { type: "string" },
    name: { type: "string" },
    gtin: { type: "string" },
    serial: { type: "string" },
    manufacturer: { type: "string" },
    prerotate: { type: "boolean", default: false },
    anchorer: { type: "string" },
  }, (values) => {
    for (const k of ["dir", "host", "path", "rpc", "kind", "name", "gtin", "serial", "manufacturer"] as const) if (!values[k]) throw new UsageError(`--${k} is required`);
    if (!keystorePath(values.keystore)) throw new UsageError("--keystore FILE (or $PUBLISHER_KEYSTORE) is required");
    if (values.detail && !values.event) throw new UsageError("--detail needs --event");
    parseAddressFlag("registry", values.registry);
    parseAddressFlag("anchorer", values.anchorer);
  });
  if (typeof values === "number") return values;
  try {
    // Everything that can be checked here is checked before the keystore, the folder or the chain is
    // touched; the config and the host files are written only once the DID is made.
    const versionTime = parseTime(values.time);
    const changes = entryChanges(values, versionTime);
    const registryFlag = parseAddressFlag("registry", values.registry);
    const anchorerFlag = values.anchorer === undefined ? undefined : getAddress(parseAddressFlag("anchorer", values.anchorer)!);
    let folder: string;
    try {
      folder = didFolder(buildDid(SCID_PLACEHOLDER, values.host!, values.path!));
    } catch (error) {
      throw new UsageError(`--host ${values.host} --path ${values.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const dir = values.dir!;
    const { did, entry } = await withFolderLock(dir, "create", async () => {
      // Read under the lock: the previous run on this folder may just have saved the key this one needs.
      const ks = await openKeystore(keystorePath(values.keystore)!);
      const config = await readConfig(dir);
      const host = await PublisherHost.open(dir, { dids: [] });
      const taken = host.didAt(folder);
      if (taken !== undefined) throw new DuplicateDidError("Another DID is already published in this folder", { details: `${folder}: ${taken}` });
      const conn = await connectChain(values.rpc!, ks.secrets.anchoringKey);
      const { registry } = await ensureRegistry(conn, registryFlag ?? (config?.chainId === conn.chainId ? config.registry : undefined));
      const created = await createPassportDid({
        ks,
        host,
        hostName: values.host!,
        path: values.path!,
        info: { kind: values.kind!, name: values.name!, gtin: values.gtin!, serial: values.serial!, manufacturer: values.manufacturer! },
        anchoring: { chainId: conn.chainId, registry, anchorers: [anchorerFlag ?? conn.account.address] },
        changes,
        prerotate: values.prerotate,
        ...(versionTime ? { versionTime } : {}),
      });
      await host.flush();
      // The folder's host name is the first create's; a later create elsewhere does not rename it.
      const next = { chainId: conn.chainId, registry, host: config?.host ?? values.host! };
      if (JSON.stringify(next) !== JSON.stringify(config)) await writeConfig(dir, next);
      return created;
    });
    output(values.json, { did, versionId: entry.versionId, path: values.path }, `created ${did}\n  ${entry.versionId} (not anchored yet: run anchor)`);
    for (const note of await linkNotes(dir, did, changes)) process.stderr.write(`${note}\n`);
    return 0;
  } catch (error) {
    const e = describeError(error);
    process.stderr.write(`create: ${e.name}: ${e.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
