/**
 * The provision page's state against a real local chain (Hardhat node, this feature's ports 8666-8669):
 * the demo's provisions published (anchored, and not) into temporary host folders, registered on real
 * contracts, control offered and accepted on chain. The DID is verified by the core pipeline the app's
 * worker runs (verifyDid over the folder and the chain's JSON-RPC), called here without the Worker.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPublicClient, defineChain, http, type PublicClient } from "viem";
import { generatePrivateKey } from "viem/accounts";
import type { LocalChain } from "../../../scripts/chain.ts";
import { connectChain, type ChainConnection } from "../../publisher/chain.ts";
import { DEMO_CONTROLLER_KEY, seedDemoProvisions, type SeedDemoResult } from "../../publisher/provision/demo.ts";
import { deployAnchorRegistry, sendControllerAction } from "../../publisher/provision/provision.ts";
import { registerMismatchedProvision, startChainInRange } from "../../publisher/provision/testChain.ts";
import { asControllerNotNamed, asControllerTransferred } from "../../core/provisions/check.ts";
import type { ProvisionsEnv } from "./env.ts";

/** The host folder of each DID host (set once they are seeded). */
const folders = vi.hoisted(() => ({ byHost: new Map<string, string>() }));

vi.mock("./env.ts", async () => {
  const { verifyDid } = await import("../../core/verify/verifyDid.ts");
  const { createRpcChainReader } = await import("../../core/anchors/registry.ts");
  const { dirSource } = await import("../../cli/lib/dirSource.ts");
  const { parseDid } = await import("../../core/didwebvh/url.ts");
  return {
    // What the worker does for a DID, over the host folders instead of HTTP.
    verifyDidVerdict: async (did: string, config: { rpc: Record<number, string[]> }) => {
      const source = {
        get: (d: string, file: "did.jsonl" | "did-anchors.json" | "did-witness.json") => dirSource(folders.byHost.get(parseDid(d).host)!).get(d, file),
      };
      return verifyDid(did, { source, chain: createRpcChainReader({ rpc: config.rpc }), now: new Date() });
    },
  };
});

const { ProvisionPageState } = await import("./page.svelte.ts");

/** The two hosts' names (in the DIDs); their files are read from folders, never over HTTP. */
const ANCHORED_HOST = "anchored.localhost";
const PENDING_HOST = "pending.localhost";

let chain: LocalChain;
let anchoredDir: string;
let pendingDir: string;
let client: PublicClient;
let controller: ChainConnection;
let anchored: SeedDemoResult;
let pending: SeedDemoResult;

function pageFor(seeded: SeedDemoResult) {
  const env = { chain: client.chain!, client, contracts: seeded.contracts, machines: [] } as ProvisionsEnv;
  return new ProvisionPageState(env, () => ({ rpc: { [chain.chainId]: [chain.url] }, stalenessMs: 24 * 3600_000 }));
}

beforeAll(async () => {
  chain = await startChainInRange(8666, 8669);
  anchoredDir = await mkdtemp(path.join(os.tmpdir(), "provision-page-anchored-"));
  pendingDir = await mkdtemp(path.join(os.tmpdir(), "provision-page-pending-"));
  folders.byHost = new Map([[ANCHORED_HOST, anchoredDir], [PENDING_HOST, pendingDir]]);
  const viemChain = defineChain({ id: chain.chainId, name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [chain.url] } } });
  client = createPublicClient({ chain: viemChain, transport: http(chain.url), pollingInterval: 50 }) as PublicClient;
  const anchorConn = await connectChain(chain.url);
  const anchorRegistry = await deployAnchorRegistry(anchorConn);
  // Anchored: their DIDs are verified. Not anchored (another registry, another folder): pending.
  anchored = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir: anchoredDir, host: ANCHORED_HOST, anchorRegistry });
  pending = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir: pendingDir, host: PENDING_HOST });
  controller = await connectChain(chain.url, DEMO_CONTROLLER_KEY);
}, 120_000);

afterAll(async () => {
  await chain?.stop();
  for (const d of [anchoredDir, pendingDir]) if (d) await rm(d, { recursive: true, force: true });
});

describe("a provision checked against its DID", () => {
  it("is verified when the DID is verified, names the controller and hashes to the registry's metadata", async () => {
    const page = pageFor(anchored);
    await page.load(anchored.provisions[1]!.machine);
    expect(page.status).toBe("done");
    expect(page.data?.did?.verdict).toBe("verified");
    expect(page.check).toEqual({ verdict: "verified", reasons: [] });
  });

  it("is pending, with the DID's reason, when the DID is pending and agrees with the registry", async () => {
    const page = pageFor(pending);
    await page.load(pending.provisions[1]!.machine);
    expect(page.data?.did?.verdict).toBe("pending");
    expect(page.check?.verdict).toBe("pending");
    expect(page.check?.reasons.map((r) => r.name)).toEqual(["NotAnchoredError"]);
  });

  it("is invalid, not pending, when the DID's document names a wallet that is not the registry's controller", async () => {
    // A provision registered by the demo controller whose (valid, not yet anchored) DID names another wallet.
    const { machine, stranger } = await registerMismatchedProvision({ host: PENDING_HOST, dir: pendingDir, conn: controller, contracts: pending.contracts, chainId: chain.chainId, provisionId: "mismatch-1" });

    const page = pageFor(pending);
    await page.load(machine.address);
    // The DID on its own is pending (valid, not anchored yet): the page must not stop there.
    expect(page.data?.did?.verdict).toBe("pending");
    expect(page.check?.verdict).toBe("invalid");
    const reason = page.check!.reasons[0]!;
    expect(reason.name).toBe("ControllerNotNamedError");
    expect(asControllerNotNamed(reason)).toMatchObject({ controller: controller.account.address, documentNames: [stranger], offeredTo: null });
  });

  it("after control passed on, says when and to whom, and that the DID document was not updated", async () => {
    const p = anchored.provisions[0]!;
    const contracts = anchored.contracts;
    const successor = await connectChain(chain.url, generatePrivateKey());
    // Fund the successor so it can accept.
    const fund = await controller.walletClient.sendTransaction({ account: controller.account, chain: controller.walletClient.chain, to: successor.account.address, value: 10n ** 18n });
    await client.waitForTransactionReceipt({ hash: fund });

    await sendControllerAction({ conn: controller, contracts, machine: p.machine, action: { action: "transferControl", to: successor.account.address } });
    // Offered, not accepted: the registry's controller is still the one the document names.
    const offered = pageFor(anchored);
    await offered.load(p.machine);
    expect(offered.data?.view?.pendingController).toBe(successor.account.address);
    expect(offered.check).toEqual({ verdict: "verified", reasons: [] });

    const accepted = await sendControllerAction({ conn: successor, contracts, machine: p.machine, action: { action: "acceptControl" } });
    const block = await client.getBlock({ blockNumber: accepted.blockNumber });
    const page = pageFor(anchored);
    await page.load(p.machine);
    expect(page.data?.view?.controller).toBe(successor.account.address);
    // The DID itself is still verified; the provision is not: its document names the former controller.
    expect(page.data?.did?.verdict).toBe("verified");
    expect(page.check?.verdict).toBe("invalid");
    const reason = page.check!.reasons[0]!;
    expect(reason.name).toBe("ControllerTransferredError");
    expect(asControllerTransferred(reason)).toMatchObject({
      controller: successor.account.address,
      documentNames: [controller.account.address],
      transfer: { from: controller.account.address, to: successor.account.address, timestamp: Number(block.timestamp), blockNumber: Number(accepted.blockNumber), txHash: accepted.txHash },
    });
    expect(reason.shortMessage).toBe(
      `Control moved to ${successor.account.address} on ${new Date(Number(block.timestamp) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")}; the DID document has not been updated`,
    );
  }, 60_000);
});

