/**
 * Test support (Node only): the forgery that pinned registries stop. A real contract whose `anchorOf`
 * answers (1, 1) for anything (contracts/testing/ForgedAnchorRegistry.sol, compiled by the project's
 * Hardhat build), deployed on a real chain, and a passport made with the did:webvh create API that
 * declares that contract as its registry and the real manufacturer's account as its anchorer, with a
 * Merkle proof of its entries naming both. Nobody anchored anything, yet the declared registry "confirms"
 * it: without pinned registries, it verifies, trusted anchorers or not.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { concat, createPublicClient, createWalletClient, http, keccak256, type Hex } from "viem";
import { appendEntry, createLog } from "../../didwebvh/create.ts";
import { serializeLog } from "../../didwebvh/log.ts";
import { testSigner } from "../../didwebvh/testkit/logs.ts";
import { leafHash } from "../../anchors/leaf.ts";
import type { AnchorsFile, EntryAnchorProof, LogEntry } from "../../types.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const ARTIFACT = path.join(ROOT, "artifacts/contracts/testing/ForgedAnchorRegistry.sol/ForgedAnchorRegistry.json");

let built: Promise<void> | undefined;
/** The artifact, built by `hardhat build` (npm test builds before the unit tests; a lone vitest run may not). */
async function forgedBytecode(): Promise<Hex> {
  if (!existsSync(ARTIFACT)) {
    built ??= promisify(execFile)(path.join(ROOT, "node_modules/.bin/hardhat"), ["build", "--quiet"], { cwd: ROOT }).then(() => undefined);
    await built;
  }
  return (JSON.parse(await readFile(ARTIFACT, "utf8")) as { bytecode: Hex }).bytecode;
}

/** Deploys ForgedAnchorRegistry from `from` (an unlocked account of the node at `rpcUrl`); its address. */
export async function deployForgedRegistry(rpcUrl: string, from: Hex): Promise<Hex> {
  const transport = http(rpcUrl);
  const wallet = createWalletClient({ transport });
  const hash = await wallet.deployContract({ abi: [], bytecode: await forgedBytecode(), account: from, chain: null });
  const receipt = await createPublicClient({ transport }).waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("ForgedAnchorRegistry deployment produced no address");
  return receipt.contractAddress;
}

/** Sorted-pair keccak256, as OpenZeppelin's MerkleProof. */
const pair = (a: Hex, b: Hex): Hex => keccak256(a.toLowerCase() < b.toLowerCase() ? concat([a, b]) : concat([b, a]));

export interface ForgedPassport {
  did: string;
  log: LogEntry[];
  anchors: AnchorsFile;
}

/**
 * A two-entry passport at `dir/passports/<name>/` for `host`, named after a real product (GTIN, serial,
 * manufacturer), whose documents declare `{ chainId, registry, anchorers: [anchorer] }`. `proofs`:
 * "both" (each entry proven in a two-leaf tree whose root nobody anchored), "newest" (only the second
 * entry has a proof; the first counts via it), or "none" (an empty did-anchors.json).
 */
export async function writeForgedPassport(options: {
  dir: string;
  host: string;
  name?: string;
  chainId: number;
  registry: Hex;
  anchorer: Hex;
  proofs?: "both" | "newest" | "none";
}): Promise<ForgedPassport> {
  const name = options.name ?? "forged";
  const signer = testSigner(99);
  const declared = { chainId: options.chainId, registry: options.registry, anchorers: [options.anchorer] };
  const created = await createLog({
    host: options.host,
    path: ["passports", name],
    signer,
    versionTime: "2025-03-01T10:00:00Z",
    document: (did) => ({
      "@context": ["https://www.w3.org/ns/did/v1"],
      service: [
        { id: `${did}#anchoring`, type: "EvmMerkleAnchor", serviceEndpoint: declared },
        { id: `${did}#passport`, type: "ProductPassport", serviceEndpoint: { kind: "window", name, gtin: "04012345000017", serial: "genuine", manufacturer: "ACME" } },
        { id: "#event-1", type: "LifecycleEvent", serviceEndpoint: { type: "Manufactured", time: "2025-03-01T10:00:00Z" } },
      ],
    }),
  });
  const log = [...created.log];
  log.push(
    await appendEntry(log, {
      signer,
      versionTime: "2025-03-01T10:01:00Z",
      document: (prev) => ({ ...prev, service: [...(prev.service ?? []), { id: "#event-2", type: "LifecycleEvent", serviceEndpoint: { type: "Installed", time: "2025-03-01T10:01:00Z" } }] }),
    }),
  );
  const leaves = log.map((e) => leafHash(created.did, e.versionId));
  const root = pair(leaves[0]!, leaves[1]!);
  const proofOf = (i: number): EntryAnchorProof => ({
    versionId: log[i]!.versionId,
    leaf: leaves[i]!,
    proof: [leaves[1 - i]!],
    root,
    chainId: options.chainId,
    registry: options.registry,
    anchorer: options.anchorer,
    batch: "never-anchored",
  });
  const which = options.proofs ?? "both";
  const anchors: AnchorsFile = { did: created.did, anchors: which === "both" ? [proofOf(0), proofOf(1)] : which === "newest" ? [proofOf(1)] : [] };
  const folder = path.join(options.dir, "passports", name);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, "did.jsonl"), serializeLog(log));
  await writeFile(path.join(folder, "did-anchors.json"), JSON.stringify(anchors, null, 1));
  return { did: created.did, log, anchors };
}
