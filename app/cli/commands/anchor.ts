/**
 * `anchor --dir DIR --rpc URL [--registry ADDR] [--keystore FILE] [--batch NAME] [--json]`
 * Anchors every unanchored entry of a host as one Merkle batch and writes the proofs (re-runnable).
 */
import { anchorPending } from "../../publisher/anchor.ts";
import { connectChain } from "../../publisher/chain.ts";
import { ensureRegistry } from "../../publisher/deploy.ts";
import { describeError, keystorePath, openKeystore, output, parseAddressFlag, readConfig, requireFolder, UsageError, writeConfig } from "../../publisher/cliSupport.ts";
import { EmptyHostError, PublisherHost } from "../../publisher/host.ts";
import { withFolderLock } from "../../publisher/lock.ts";
import { getAddress } from "viem";
import { parseCommand } from "../lib/command.ts";

export const summary = "Anchor every unanchored log entry of a host folder as one Merkle root, then write the proofs";

const USAGE = `Usage: anchor --dir DIR --rpc URL [--registry ADDR] [--keystore FILE] [--anchorer ADDR] [--batch NAME] [--json]

Collects every entry of the host's DIDs (dids.json) that no did-anchors.json proves yet, builds one Merkle
batch (sorted-pair keccak256, OpenZeppelin standard leaves), sends anchor(root) to the AnchorRegistry from
the anchoring account, and writes each DID's did-anchors.json. Entries whose own document declares another
chain, registry or anchorer are left out (reported as skipped).

Safe to re-run: a journal (DIR/.publisher/pending-batch.json) is written before the transaction; if a run
stops after the transaction, the next run finds the root on chain (anchorOf) and writes the proofs without
sending again. Nothing is ever anchored twice.

  --registry ADDR   AnchorRegistry (default: DIR/.publisher/config.json; deployed if it has no code)
  --keystore FILE   anchoring account (or $PUBLISHER_KEYSTORE); without one only the local chain 31337 is
                    accepted, with Hardhat's first development account
  --anchorer ADDR   anchor from another wallet (a browser wallet, a hardware wallet, a multisig): the
                    entries whose documents declare ADDR (create --anchorer) are batched, and the
                    transaction ADDR must send is printed (to the registry, anchor(root)) instead of sent;
                    in the app: Wallet, "Anchor a batch". Run this command again once it is mined: the
                    proofs are written then. No key is needed for this.
  --batch NAME      a label stamped into the proofs
  --json            {"batches":[{"root","entries","dids","sent","txHash","blockNumber","timestamp"}],
                     "waiting":[{"root","entries","dids","from","to","data"}],"skipped":n}
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand("anchor", USAGE, argv, {
    dir: { type: "string" },
    rpc: { type: "string" },
    registry: { type: "string" },
    keystore: { type: "string" },
    anchorer: { type: "string" },
    batch: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, (values) => {
    if (!values.dir || !values.rpc) throw new UsageError("--dir and --rpc are required");
    parseAddressFlag("registry", values.registry);
    parseAddressFlag("anchorer", values.anchorer);
  });
  if (typeof values === "number") return values;
  try {
    const dir = values.dir!;
    // Everything local is checked before the chain is contacted: the folder, its index, every log
    // (verified as a resolver would), the proofs, the config.
    await requireFolder(dir, "anchor");
    const ksFile = keystorePath(values.keystore);
    // No anchoring key (no keystore, or none in it): connectChain accepts only the local chain 31337.
    const privateKey = ksFile ? (await openKeystore(ksFile)).secrets.anchoringKey : undefined;
    const { result, registry, conn, anchorer } = await withFolderLock(dir, "anchor", async () => {
      const host = await PublisherHost.open(dir, { verify: true });
      if (host.dids().length === 0) throw new EmptyHostError("No DIDs to anchor: the folder has no dids.json, or it lists no DID", { details: host.store.indexPath });
      const config = await readConfig(dir);
      const anchorer = values.anchorer === undefined ? undefined : getAddress(parseAddressFlag("anchorer", values.anchorer)!);
      // For another wallet the chain is only read (no key needed), and the registry must exist already.
      const conn = await connectChain(values.rpc!, privateKey, { readOnly: anchorer !== undefined });
      const external = anchorer !== undefined && anchorer.toLowerCase() !== conn.account.address.toLowerCase();
      const { registry, deployed } = await ensureRegistry(conn, parseAddressFlag("registry", values.registry) ?? (config?.chainId === conn.chainId ? config.registry : undefined), {
        deployIfMissing: !external,
      });
      if (deployed || config?.registry !== registry) await writeConfig(dir, { ...config, chainId: conn.chainId, registry });
      const result = await anchorPending({
        host,
        conn,
        registry,
        ...(anchorer ? { anchorer } : {}),
        ...(values.batch ? { batch: values.batch } : {}),
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      return { result, registry, conn, anchorer: anchorer ?? conn.account.address };
    });
    const lines = result.batches.map((b) => `${b.sent ? "anchored" : "recovered"} ${b.entries} entries of ${b.dids} DIDs: root ${b.root} at block ${b.blockNumber}${b.txHash ? ` (tx ${b.txHash})` : ""}`);
    for (const w of result.waiting) {
      lines.push(
        `waiting for ${w.from} to anchor ${w.entries} entries of ${w.dids} DIDs: root ${w.root}`,
        `  send from ${w.from} on chain ${conn.chainId}: to ${w.to}, data ${w.data}`,
        `  (in the app: Wallet, "Anchor a batch", root ${w.root}); then run this command again to write the proofs`,
      );
    }
    if (lines.length === 0) lines.push("nothing to anchor: every entry already has its proof");
    if (result.skipped.length > 0) lines.push(`skipped ${result.skipped.length} entries whose document declares another chain, registry or anchorer`);
    output(values.json, { registry, chainId: conn.chainId, anchorer, batches: result.batches, waiting: result.waiting, skipped: result.skipped.length }, lines.join("\n"));
    return 0;
  } catch (error) {
    const e = describeError(error);
    process.stderr.write(`anchor: ${e.name}: ${e.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
