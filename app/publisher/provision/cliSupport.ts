/**
 * What the `provision` and `wallet` commands share: where the contracts are (flags or the host's
 * provisions.json), which keys sign (encrypted keystores; Hardhat's development keys on chain 31337
 * only), and reading a DID's verified document (from the host folder or over HTTP).
 */
import { isAddress } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { didToUrl } from "../../core/didwebvh/url.ts";
import { parseLog } from "../../core/didwebvh/log.ts";
import { verifyLog } from "../../core/didwebvh/verify.ts";
import { InvalidError, UnverifiableError } from "../../core/errors.ts";
import type { ProvisionContracts } from "../../core/provisions/read.ts";
import type { DidDocument, Hex } from "../../core/types.ts";
import { Keystore, readPassword } from "../keystore.ts";
import { HostStore } from "../store.ts";
import type { ChainConnection } from "../chain.ts";
import { readManifest, requireContract } from "./provision.ts";

export class UsageError extends InvalidError {
  override readonly name = "UsageError";
}
export class DidDocumentError extends UnverifiableError {
  override readonly name = "DidDocumentError";
}

/**
 * The contracts: `--registry` and `--wallet-links`, else the host folder's provisions.json. Both must hold
 * code on the connection's chain (a typo'd address, or another chain's deployment, is refused:
 * a transaction sent there would "succeed" and change nothing).
 */
export async function contractsFrom(
  conn: Pick<ChainConnection, "chainId" | "publicClient">,
  flags: { registry?: string | undefined; "wallet-links"?: string | undefined; cdn?: string | undefined },
): Promise<ProvisionContracts> {
  const manifest = flags.cdn ? await readManifest(flags.cdn) : null;
  const registry = flags.registry ?? manifest?.provisionRegistry;
  const links = flags["wallet-links"] ?? manifest?.walletLinks;
  if (!registry || !isAddress(registry) || !links || !isAddress(links)) {
    throw new UsageError("Where are the contracts? Pass --registry and --wallet-links, or --cdn DIR with a provisions.json");
  }
  const { chainId } = conn;
  if (manifest && manifest.chainId !== chainId) {
    throw new UsageError("The host's provisions.json is for another chain", { details: `${manifest.chainId}, the RPC serves ${chainId}` });
  }
  await requireContract(conn.publicClient, registry, "ProvisionRegistry");
  await requireContract(conn.publicClient, links, "WalletLinks");
  return { chainId, provisionRegistry: registry, walletLinks: links, fromBlock: BigInt(manifest?.fromBlock ?? 0) };
}

/**
 * The EVM key of a keystore file (its `anchoringKey`: the account that keystore sends or signs with).
 * A machine keeps its own keystore, holding only its key.
 */
export async function evmKeyFrom(file: string): Promise<Hex> {
  const ks = await Keystore.open(file, await readPassword());
  const key = ks.secrets.anchoringKey;
  if (!key) throw new UsageError("This keystore holds no EVM key", { details: file });
  return key;
}

export async function accountFrom(file: string): Promise<PrivateKeyAccount> {
  return privateKeyToAccount(await evmKeyFrom(file));
}

/** The DID's current document, after verifying its log: from the host folder when given, else over HTTP(S). */
export async function verifiedDocumentOf(did: string, cdn?: string): Promise<DidDocument> {
  let text: string | null;
  if (cdn) {
    text = await new HostStore(cdn).readLog(did);
  } else {
    const res = await fetch(didToUrl(did)).catch((e: unknown) => {
      throw new DidDocumentError("The DID's host could not be reached", { details: String(e), cause: e });
    });
    text = res.ok ? await res.text() : null;
  }
  if (text === null) throw new DidDocumentError("The DID's log was not found", { details: did });
  const result = await verifyLog(parseLog(text), { did });
  const last = result.entries.at(-1);
  if (result.error) throw result.error;
  if (!last) throw new DidDocumentError("The DID's log is empty", { details: did });
  return last.state;
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 1)}\n`);
}
