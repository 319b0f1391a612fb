/**
 * The wallet tab's dashboard: each provision's verdict against its DID (core checkProvision), beside the
 * DID's own verdict, on a real local chain (Hardhat node, ports 8683-8685). The demo's provisions are
 * published into a temporary host folder and anchored, registered on real contracts; control is offered
 * and accepted on chain. The DID is verified by the core pipeline the app's worker runs (verifyDid over the
 * folder and the chain's JSON-RPC), called here without the Worker. The wallet is an EIP-1193 provider
 * that names its account and passes every other request to the node.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPublicClient, defineChain, http, type Chain, type PublicClient } from "viem";
import { generatePrivateKey } from "viem/accounts";
import type { LocalChain } from "../../../scripts/chain.ts";
import { connectChain, type ChainConnection } from "../../publisher/chain.ts";
import { DEMO_CONTROLLER_KEY, seedDemoProvisions, type SeedDemoResult } from "../../publisher/provision/demo.ts";
import { deployAnchorRegistry, sendControllerAction } from "../../publisher/provision/provision.ts";
import { registerMismatchedProvision, startChainInRange } from "../../publisher/provision/testChain.ts";
import { asControllerNotNamed, asControllerTransferred } from "../../core/provisions/check.ts";
import type { ProvisionContracts } from "../../core/provisions/read.ts";
import type { Hex } from "../../core/types.ts";
import type { Eip6963ProviderDetail } from "./eip1193.ts";

/** The host folder the DIDs' files are read from (set once seeded). */
const host = vi.hoisted(() => ({ dir: "" }));

vi.mock("../provision/env.ts", async (original) => {
  const { verifyDid } = await import("../../core/verify/verifyDid.ts");
  const { createRpcChainReader } = await import("../../core/anchors/registry.ts");
  const { dirSource } = await import("../../cli/lib/dirSource.ts");
  const env = await original<typeof import("../provision/env.ts")>();
  // What the worker does for a DID, over the host folder instead of HTTP.
  const verifyDidVerdict = (did: string, config: { rpc: Record<number, string[]> }) =>
    verifyDid(did, { source: dirSource(host.dir), chain: createRpcChainReader({ rpc: config.rpc }), now: new Date() });
  return {
    ...env,
    verifyDidVerdict,
    verifiedDocument: async (did: string, config: { rpc: Record<number, string[]> }) => {
      const v = await verifyDidVerdict(did, config);
      if (v.verdict === "invalid" || !v.document) throw new env.DocumentUnavailableError("The DID document could not be verified", { details: did });
      return v.document;
    },
  };
});

const { AccountState } = await import("./account.svelte.ts");
const { WalletState } = await import("./wallet.svelte.ts");

const HOST = "wallet-check.localhost";

let chain: LocalChain;
let viemChain: Chain;
let client: PublicClient;
let controller: ChainConnection;
let seeded: SeedDemoResult;
let contracts: ProvisionContracts;

/** An EIP-1193 wallet holding `address`: every request but the accounts goes to the node. */
function walletOf(address: Hex): Eip6963ProviderDetail {
  let id = 0;
  return {
    info: { uuid: crypto.randomUUID(), name: "Node wallet", icon: "", rdns: "org.example.nodewallet" },
    provider: {
      async request({ method, params }) {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
        const res = await fetch(chain.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
        });
        const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
        if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
        return body.result;
      },
    },
  };
}

/** The dashboard's state for `address`, read and every provision checked against its DID. */
async function dashboardOf(address: Hex) {
  const wallet = new WalletState(viemChain, client);
  await wallet.connect(walletOf(address));
  const account = new AccountState(wallet, { chain: viemChain, client, contracts, machines: [] }, () => ({ rpc: { [chain.chainId]: [chain.url] }, stalenessMs: 24 * 3600_000 }) as never);
  await account.refresh();
  expect(account.listStatus).toBe("ready");
  await vi.waitFor(() => expect(account.provisions.every((p) => p.check !== null)).toBe(true), { timeout: 30_000, interval: 50 });
  return account;
}

const rowOf = (account: InstanceType<typeof AccountState>, machine: Hex) => account.provisions.find((p) => p.machine === machine)!;

beforeAll(async () => {
  chain = await startChainInRange(8683, 8685);
  host.dir = await mkdtemp(path.join(os.tmpdir(), "wallet-check-"));
  viemChain = defineChain({ id: chain.chainId, name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [chain.url] } } });
  client = createPublicClient({ chain: viemChain, transport: http(chain.url), pollingInterval: 50 }) as PublicClient;
  const anchorRegistry = await deployAnchorRegistry(await connectChain(chain.url));
  // Anchored: the demo's DIDs are verified.
  seeded = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir: host.dir, host: HOST, anchorRegistry });
  contracts = seeded.contracts;
  controller = await connectChain(chain.url, DEMO_CONTROLLER_KEY);
}, 120_000);

afterAll(async () => {
  await chain?.stop();
  if (host.dir) await rm(host.dir, { recursive: true, force: true });
});

describe("the dashboard's verdict beside each provision", () => {
  it("is the provision's: verified when its DID is verified, names this wallet and hashes to the registry's metadata", async () => {
    const account = await dashboardOf(controller.account.address);
    expect(account.provisions.map((p) => p.machine).sort()).toEqual(seeded.provisions.map((p) => p.machine).sort());
    for (const p of account.provisions) {
      expect(p.verdict).toBe("verified");
      expect(p.check).toEqual({ verdict: "verified", reasons: [] });
    }
  }, 60_000);

  it("is invalid, with ControllerNotNamedError, when the DID's document names another wallet (the DID itself pending)", async () => {
    const { machine, stranger } = await registerMismatchedProvision({ host: HOST, dir: host.dir, conn: controller, contracts, chainId: chain.chainId, provisionId: "wallet-mismatch-1" });

    const row = rowOf(await dashboardOf(controller.account.address), machine.address);
    // Not anchored: the DID on its own is pending; the provision is not.
    expect(row.verdict).toBe("pending");
    expect(row.check?.verdict).toBe("invalid");
    expect(row.check?.reasons.map((r) => r.name)).toEqual(["ControllerNotNamedError"]);
    expect(asControllerNotNamed(row.check!.reasons[0]!)).toMatchObject({ controller: controller.account.address, documentNames: [stranger], offeredTo: null });
  }, 60_000);

  it("after control passed to this wallet: invalid with ControllerTransferredError (when, to whom, the former controller the document names)", async () => {
    const p = seeded.provisions[0]!;
    const successor = await connectChain(chain.url, generatePrivateKey());
    const fund = await controller.walletClient.sendTransaction({ account: controller.account, chain: controller.walletClient.chain, to: successor.account.address, value: 10n ** 18n });
    await client.waitForTransactionReceipt({ hash: fund });

    await sendControllerAction({ conn: controller, contracts, machine: p.machine, action: { action: "transferControl", to: successor.account.address } });
    // Offered, not accepted: still the controller's, whom the document names.
    const offered = rowOf(await dashboardOf(controller.account.address), p.machine);
    expect(offered.pendingController).toBe(successor.account.address);
    expect(offered.check).toEqual({ verdict: "verified", reasons: [] });

    const accepted = await sendControllerAction({ conn: successor, contracts, machine: p.machine, action: { action: "acceptControl" } });
    const block = await client.getBlock({ blockNumber: accepted.blockNumber });
    const dashboard = await dashboardOf(successor.account.address);
    const row = rowOf(dashboard, p.machine);
    expect(row.controller).toBe(successor.account.address);
    // The DID's log is still verified; its document names the former controller.
    expect(row.verdict).toBe("verified");
    expect(row.check?.verdict).toBe("invalid");
    expect(row.check?.reasons.map((r) => r.name)).toEqual(["ControllerTransferredError"]);
    expect(asControllerTransferred(row.check!.reasons[0]!)).toMatchObject({
      controller: successor.account.address,
      documentNames: [controller.account.address],
      transfer: { from: controller.account.address, to: successor.account.address, timestamp: Number(block.timestamp), blockNumber: Number(accepted.blockNumber), txHash: accepted.txHash },
    });
    // The history read for the check is the one the row's History shows.
    expect(dashboard.histories[p.machine]?.some((a) => a.kind === "controlTransferred")).toBe(true);

    // Read again (as after any transaction): the verdict stays, judged against the new read.
    await dashboard.refresh();
    expect(rowOf(dashboard, p.machine).check?.reasons.map((r) => r.name)).toEqual(["ControllerTransferredError"]);
    // The former controller's dashboard no longer lists it.
    expect((await dashboardOf(controller.account.address)).provisions.some((r) => r.machine === p.machine)).toBe(false);
  }, 90_000);
});
