/**
 * For tests: a local chain on the first free port of a range (this feature's ports are 8650-8669), so
 * two runs of the same suite at once (several people share one machine) do not collide.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import type { Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startLocalChain, type LocalChain } from "../../../scripts/chain.ts";
import { signerFromSecretKey } from "../../core/didwebvh/signer.ts";
import { HostStore } from "../store.ts";
import type { ProvisionContracts } from "../../core/provisions/read.ts";
import type { ChainConnection } from "../chain.ts";
import { createProvisionDid, publishLog, registerProvision } from "./provision.ts";

export async function startChainInRange(first: number, last: number): Promise<LocalChain> {
  let lastError: unknown;
  for (let port = first; port <= last; port++) {
    try {
      return await startLocalChain({ port });
    } catch (e) {
      lastError = e;
      if (!(e instanceof Error && /already answers|EADDRINUSE|did not start/.test(e.message))) throw e;
    }
  }
  throw new Error(`no free port for a local chain in ${first}-${last}: ${String(lastError)}`);
}

/**
 * For tests of a controller mismatch: a provision registered by `conn` (its controller) whose DID, published
 * under `dir` for `host` and valid but not anchored, names another wallet (`stranger`) as controller.
 */
export async function registerMismatchedProvision(o: {
  host: string;
  dir: string;
  conn: ChainConnection;
  contracts: ProvisionContracts;
  chainId: number;
  provisionId: string;
}): Promise<{ machine: LocalAccount; did: string; stranger: Hex }> {
  const stranger = privateKeyToAccount(generatePrivateKey()).address;
  const machine = privateKeyToAccount(generatePrivateKey());
  const info = { provisionId: o.provisionId, endpoint: `https://${o.provisionId}.example/`, tier: "edge", country: "FR" };
  const created = await createProvisionDid({
    host: o.host,
    info,
    chainId: o.chainId,
    controller: stranger,
    machine: machine.address,
    signer: signerFromSecretKey(sha256(new TextEncoder().encode(`mismatched provision ${o.host} ${o.provisionId}`))),
  });
  await publishLog(new HostStore(o.dir), created.did, created.log);
  await registerProvision({ conn: o.conn, contracts: o.contracts, machine, did: created.did, info });
  return { machine, did: created.did, stranger };
}
