/**
 * The embedded demo's provisions: a provider (Hardhat test account #1, the controller) with three
 * provisions in three states, their DIDs published and anchored on the demo host, and the host's
 * provisions.json. Re-runnable: a published log is reused (never rewritten), a registered provision is
 * left as it is.
 *
 * The keys are derived from fixed strings: DEMO ONLY, on the local chain.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signerFromSecretKey } from "../../core/didwebvh/signer.ts";
import { readProvision, type ProvisionContracts } from "../../core/provisions/read.ts";
import type { ProvisionInfo } from "../../core/provisions/metadata.ts";
import type { ProvisionState } from "../../core/provisions/state.ts";
import type { Hex } from "../../core/types.ts";
import { connectChain, HARDHAT_DEV_KEY, type ChainConnection } from "../chain.ts";
import { HostStore } from "../store.ts";
import {
  anchorLogs,
  createProvisionDid,
  deployProvisionContracts,
  publishLog,
  readManifest,
  readPublishedLog,
  registerProvision,
  relayStateChange,
  writeManifest,
  type ProvisionsManifest,
} from "./provision.ts";

/** Hardhat's test account #1: the demo provider's wallet (import it into a browser wallet to try the dashboard). */
export const DEMO_CONTROLLER_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export const DEMO_PROVISIONS: readonly (ProvisionInfo & { state: ProvisionState })[] = [
  { provisionId: "eu-gpu-1", endpoint: "https://eu-gpu-1.compute.example/", tier: "gpu", country: "DE", state: "running" },
  { provisionId: "us-std-1", endpoint: "https://us-std-1.compute.example/", tier: "standard", country: "US", state: "off" },
  { provisionId: "jp-edge-1", endpoint: "https://jp-edge-1.compute.example/", tier: "edge", country: "JP", state: "started" },
];

/** The moves from `started` to `target`. */
function pathTo(target: ProvisionState): ProvisionState[] {
  return target === "running" ? ["running"] : target === "off" ? ["running", "off"] : [];
}

export function demoMachineKey(provisionId: string): Hex {
  return keccak256(stringToHex(`webvh-demo machine ${provisionId}`));
}

export interface SeedDemoOptions {
  rpcUrl: string;
  /** The host folder served as the CDN. */
  cdnDir: string;
  /** The host the DIDs live on, `localhost:8787`. */
  host: string;
  /** The AnchorRegistry: when given, the DIDs declare it and are anchored (their verdict is Verified). */
  anchorRegistry?: Hex;
  /** Key anchoring (and deploying); default Hardhat's development key on chain 31337. */
  anchorKey?: Hex;
  /** Existing provision contracts; default: those of the host's provisions.json when they are on this chain, else deployed. */
  contracts?: { provisionRegistry: Hex; walletLinks: Hex; fromBlock?: bigint };
  controllerKey?: Hex;
}

export interface SeedDemoResult {
  manifest: ProvisionsManifest;
  /** The provision contracts the manifest names, as the chain readers take them. */
  contracts: ProvisionContracts & { fromBlock: bigint };
  provisions: { provisionId: string; machine: Hex; did: string; state: ProvisionState }[];
}

/** The contracts of the host's provisions.json, when they are on this chain and hold code. */
async function hasCode(conn: ChainConnection, address: Hex): Promise<boolean> {
  const code = await conn.publicClient.getCode({ address });
  return code !== undefined && code !== "0x";
}

async function reusableContracts(conn: ChainConnection, cdnDir: string): Promise<SeedDemoOptions["contracts"] | null> {
  const manifest = await readManifest(cdnDir);
  if (!manifest || manifest.chainId !== conn.chainId) return null;
  if (!(await hasCode(conn, manifest.provisionRegistry)) || !(await hasCode(conn, manifest.walletLinks))) return null;
  return { provisionRegistry: manifest.provisionRegistry, walletLinks: manifest.walletLinks, fromBlock: BigInt(manifest.fromBlock) };
}

export async function seedDemoProvisions(options: SeedDemoOptions): Promise<SeedDemoResult> {
  const anchorConn = await connectChain(options.rpcUrl, options.anchorKey ?? HARDHAT_DEV_KEY);
  const controllerConn = await connectChain(options.rpcUrl, options.controllerKey ?? DEMO_CONTROLLER_KEY);
  const deployed = options.contracts ?? (await reusableContracts(anchorConn, options.cdnDir)) ?? (await deployProvisionContracts(anchorConn));
  const contracts = {
    chainId: anchorConn.chainId,
    provisionRegistry: deployed.provisionRegistry,
    walletLinks: deployed.walletLinks,
    fromBlock: deployed.fromBlock ?? 0n,
  };
  const store = new HostStore(options.cdnDir);
  const out: SeedDemoResult["provisions"] = [];
  const logs: { did: string; log: Awaited<ReturnType<typeof createProvisionDid>>["log"] }[] = [];

  for (const p of DEMO_PROVISIONS) {
    const machine = privateKeyToAccount(demoMachineKey(p.provisionId));
    const info: ProvisionInfo = { provisionId: p.provisionId, endpoint: p.endpoint, tier: p.tier, country: p.country };
    const created = await createProvisionDid({
      host: options.host,
      info,
      chainId: contracts.chainId,
      controller: controllerConn.account.address,
      machine: machine.address,
      signer: signerFromSecretKey(sha256(new TextEncoder().encode(`webvh-demo did key ${p.provisionId}`))),
      ...(options.anchorRegistry
        ? { anchoring: { chainId: contracts.chainId, registry: options.anchorRegistry, anchorers: [anchorConn.account.address] } }
        : {}),
      versionTime: "2026-01-05T09:00:00Z",
    });
    const did = created.did;
    const log = (await readPublishedLog(store, did)) ?? created.log;
    await publishLog(store, did, log);
    logs.push({ did, log });

    if (!(await readProvision(controllerConn.publicClient, contracts, machine.address))) {
      await registerProvision({ conn: controllerConn, contracts, machine, did, info });
      for (const to of pathTo(p.state)) await relayStateChange({ relayer: controllerConn, contracts, machine, to });
    }
    const now = await readProvision(controllerConn.publicClient, contracts, machine.address);
    out.push({ provisionId: p.provisionId, machine: machine.address, did, state: now?.state ?? "none" });
  }
  if (options.anchorRegistry) await anchorLogs({ conn: anchorConn, anchorRegistry: options.anchorRegistry, store, logs });
  const manifest = await writeManifest(options.cdnDir, {
    chainId: contracts.chainId,
    provisionRegistry: contracts.provisionRegistry,
    walletLinks: contracts.walletLinks,
    fromBlock: Number(contracts.fromBlock),
    machines: out.map((p) => p.machine),
  });
  return { manifest, contracts, provisions: out };
}
