/**
 * `provision show`: the provision's verdict against its DID (core checkProvision), as a user runs it
 * (`tsx app/cli/main.ts ...` in a child process), against a real local chain (ports 8686-8689) and a
 * temporary host folder holding the demo's provisions, anchored.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey } from "viem/accounts";
import type { LocalChain } from "../../../scripts/chain.ts";
import type { ProvisionReason } from "../../core/provisions/check.ts";
import type { ProvisionContracts } from "../../core/provisions/read.ts";
import type { Verdict } from "../../core/types.ts";
import { connectChain, type ChainConnection } from "../../publisher/chain.ts";
import { DEMO_CONTROLLER_KEY, seedDemoProvisions, type SeedDemoResult } from "../../publisher/provision/demo.ts";
import { deployAnchorRegistry, sendControllerAction } from "../../publisher/provision/provision.ts";
import { registerMismatchedProvision, startChainInRange } from "../../publisher/provision/testChain.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const HOST = "show.localhost";

let chain: LocalChain;
let cdn: string;
let seeded: SeedDemoResult;
let contracts: ProvisionContracts;
let controller: ChainConnection;

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "app/cli/main.ts"), ...args],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

interface Shown {
  provision: { controller: string; did: string };
  verdict: Verdict;
  reasons: (ProvisionReason & Record<string, unknown>)[];
  did: { verdict: Verdict; error?: { name: string } };
  history: { kind: string }[];
}

async function show(machine: string, ...where: string[]): Promise<{ shown: Shown; err: string }> {
  const r = await cli("provision", "show", "--rpc", chain.url, ...(where.length ? where : ["--cdn", cdn]), "--machine", machine);
  expect(r.code, r.err).toBe(0);
  return { shown: JSON.parse(r.out) as Shown, err: r.err };
}

beforeAll(async () => {
  chain = await startChainInRange(8686, 8689);
  cdn = await mkdtemp(path.join(os.tmpdir(), "provision-show-"));
  const anchorRegistry = await deployAnchorRegistry(await connectChain(chain.url));
  seeded = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir: cdn, host: HOST, anchorRegistry });
  contracts = {
    chainId: seeded.manifest.chainId,
    provisionRegistry: seeded.manifest.provisionRegistry,
    walletLinks: seeded.manifest.walletLinks,
    fromBlock: BigInt(seeded.manifest.fromBlock ?? 0),
  };
  controller = await connectChain(chain.url, DEMO_CONTROLLER_KEY);
}, 120_000);

afterAll(async () => {
  await chain?.stop();
  if (cdn) await rm(cdn, { recursive: true, force: true });
});

describe("provision show: the provision's verdict against its DID", () => {
  it("verified when the DID is verified, names the controller and hashes to the registry's metadata; unverifiable when the DID's host cannot be read", async () => {
    const p = seeded.provisions[1]!;
    const { shown, err } = await show(p.machine);
    expect(shown).toMatchObject({ verdict: "verified", reasons: [], did: { verdict: "verified" }, provision: { did: p.did } });
    expect(err).toBe("provision show: verified\n");

    // Without --cdn the DID is read from its host (show.localhost over HTTPS: nothing answers). Not checked, never invalid.
    const away = await show(p.machine, "--registry", contracts.provisionRegistry, "--wallet-links", contracts.walletLinks);
    expect(away.shown.verdict).toBe("unverifiable");
    expect(away.shown.did.verdict).toBe("unverifiable");
    expect(away.shown.reasons[0]?.verdict).toBe("unverifiable");
  }, 60_000);

  it("invalid with ControllerNotNamedError when the DID's document names another wallet, the DID itself pending", async () => {
    const { machine, stranger } = await registerMismatchedProvision({ host: HOST, dir: cdn, conn: controller, contracts, chainId: chain.chainId, provisionId: "show-mismatch-1" });

    const { shown, err } = await show(machine.address);
    expect(shown.did.verdict).toBe("pending");
    expect(shown.verdict).toBe("invalid");
    expect(shown.reasons.map((r) => r.name)).toEqual(["ControllerNotNamedError"]);
    expect(shown.reasons[0]).toMatchObject({ controller: controller.account.address, documentNames: [stranger], offeredTo: null });
    expect(err).toMatch(/^provision show: invalid \(ControllerNotNamedError: The DID document does not name the controller wallet\)\n$/);
  }, 60_000);

  it("after control passed on: invalid with ControllerTransferredError, when and to whom, the DID itself still verified", async () => {
    const p = seeded.provisions[0]!;
    const successor = await connectChain(chain.url, generatePrivateKey());
    const fund = await controller.walletClient.sendTransaction({ account: controller.account, chain: controller.walletClient.chain, to: successor.account.address, value: 10n ** 18n });
    await controller.publicClient.waitForTransactionReceipt({ hash: fund });
    await sendControllerAction({ conn: controller, contracts, machine: p.machine, action: { action: "transferControl", to: successor.account.address } });

    // Offered, not accepted: the controller is still the one the document names.
    expect((await show(p.machine)).shown).toMatchObject({ verdict: "verified", reasons: [] });

    const accepted = await sendControllerAction({ conn: successor, contracts, machine: p.machine, action: { action: "acceptControl" } });
    const block = await controller.publicClient.getBlock({ blockNumber: accepted.blockNumber });
    const { shown, err } = await show(p.machine);
    expect(shown.provision.controller).toBe(successor.account.address);
    expect(shown.did.verdict).toBe("verified");
    expect(shown.verdict).toBe("invalid");
    expect(shown.reasons.map((r) => r.name)).toEqual(["ControllerTransferredError"]);
    expect(shown.reasons[0]).toMatchObject({
      verdict: "invalid",
      controller: successor.account.address,
      documentNames: [controller.account.address],
      transfer: { from: controller.account.address, to: successor.account.address, timestamp: Number(block.timestamp), blockNumber: Number(accepted.blockNumber), txHash: accepted.txHash },
    });
    const when = new Date(Number(block.timestamp) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    expect(err).toBe(`provision show: invalid (ControllerTransferredError: Control moved to ${successor.account.address} on ${when}; the DID document has not been updated)\n`);
  }, 90_000);
});
