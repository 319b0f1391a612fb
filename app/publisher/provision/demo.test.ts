/** The demo's provisions, seeded on a real local chain (127.0.0.1:8651) into a temporary host folder. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import type { LocalChain } from "../../../scripts/chain.ts";
import { startChainInRange } from "./testChain.ts";
import { anchorRegistryAbi } from "../../contracts/abi.ts";
import { parseLog } from "../../core/didwebvh/log.ts";
import { verifyLog } from "../../core/didwebvh/verify.ts";
import { provisionInfoFromDocument, provisionMetadataHash } from "../../core/provisions/metadata.ts";
import { readProvision, readProvisionActivity } from "../../core/provisions/read.ts";
import { documentNamesWallet } from "../../core/provisions/walletLink.ts";
import type { AnchorsFile } from "../../core/types.ts";
import { connectChain } from "../chain.ts";
import { HostStore } from "../store.ts";
import { DEMO_CONTROLLER_KEY, DEMO_PROVISIONS, demoMachineKey, seedDemoProvisions } from "./demo.ts";
import { deployAnchorRegistry, ProvisionStateError, relayStateChange } from "./provision.ts";

let chain: LocalChain;
let dir: string;

beforeAll(async () => {
  chain = await startChainInRange(8651, 8652);
  dir = await mkdtemp(path.join(os.tmpdir(), "provisions-demo-"));
}, 90_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("seedDemoProvisions", () => {
  it("publishes, anchors and registers the demo provisions in their states, and is re-runnable", async () => {
    const conn = await connectChain(chain.url);
    const anchorRegistry = await deployAnchorRegistry(conn);
    const first = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir: dir, host: "localhost:8652", anchorRegistry });
    expect(first.provisions.map((p) => p.state)).toEqual(DEMO_PROVISIONS.map((p) => p.state));
    const manifest = JSON.parse(await readFile(path.join(dir, "provisions.json"), "utf8"));
    expect(manifest).toMatchObject({ chainId: 31337, provisionRegistry: first.manifest.provisionRegistry, machines: first.provisions.map((p) => p.machine) });
    const contracts = { chainId: 31337, provisionRegistry: first.manifest.provisionRegistry, walletLinks: first.manifest.walletLinks };
    const controller = privateKeyToAccount(DEMO_CONTROLLER_KEY).address;
    const store = new HostStore(dir);

    for (const p of first.provisions) {
      const view = (await readProvision(conn.publicClient, contracts, p.machine))!;
      expect(view.controller).toBe(controller);
      expect(view.did).toBe(p.did);
      // The log verifies, its document names the controller and the machine, and the chain's hash matches it.
      const log = parseLog((await store.readLog(p.did))!);
      const verified = await verifyLog(log, { did: p.did });
      expect(verified.error).toBeUndefined();
      const doc = log.at(-1)!.state;
      expect(documentNamesWallet(doc, 31337, controller)).toMatchObject({ named: true, via: "alsoKnownAs" });
      expect(documentNamesWallet(doc, 31337, p.machine)).toMatchObject({ named: true, via: "verificationMethod" });
      expect(provisionMetadataHash(provisionInfoFromDocument(doc)!)).toBe(view.metadataHash);
      // Every entry is anchored by the declared anchorer.
      const anchors = (await store.readAnchors(p.did)) as AnchorsFile;
      expect(anchors.anchors.map((a) => a.versionId)).toEqual(log.map((e) => e.versionId));
      const [timestamp] = await conn.publicClient.readContract({ address: anchorRegistry, abi: anchorRegistryAbi, functionName: "anchorOf", args: [conn.account.address, anchors.anchors[0]!.root] });
      expect(timestamp).toBeGreaterThan(0n);
    }
    expect(JSON.parse(await readFile(path.join(dir, "dids.json"), "utf8")).dids).toEqual(first.provisions.map((p) => p.did));

    // A second run (the contracts found through provisions.json) changes nothing.
    const again = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir: dir, host: "localhost:8652", anchorRegistry });
    expect(again.manifest).toEqual(first.manifest);
    expect(again.provisions).toEqual(first.provisions);
    const history = await readProvisionActivity(conn.publicClient, contracts, first.provisions[1]!.machine);
    expect(history.map((h) => (h.kind === "state" ? h.to : h.kind))).toEqual(["registered", "running", "off"]);

    // A move the state machine lacks is refused before anything is signed.
    const machine = privateKeyToAccount(demoMachineKey(DEMO_PROVISIONS[2]!.provisionId));
    await expect(relayStateChange({ relayer: conn, contracts, machine, to: "off" })).rejects.toBeInstanceOf(ProvisionStateError);
    // The allowed one, relayed by a third party.
    const moved = await relayStateChange({ relayer: conn, contracts, machine, to: "running" });
    expect(moved).toMatchObject({ from: "started", to: "running" });
  });
});
