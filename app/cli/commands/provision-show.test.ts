/**
 * `provision show`: the provision's verdict against its DID (core checkProvision), as a user runs it
 * (`tsx app/cli/main.ts ...` in a child process), against a real local chain (ports 8686-8689) and a
 * temporary host folder holding the demo's provisions, anchored. Exit status as audit's: 0 verified or
 * pending, 1 invalid or unverifiable, 2 bad usage; the DID verified with the pins given
 * (--trusted-anchorer, --trusted-registry).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { LocalChain } from "../../../scripts/chain.ts";
import { leafHash } from "../../core/anchors/leaf.ts";
import { createRpcChainReader } from "../../core/anchors/registry.ts";
import { parseLog } from "../../core/didwebvh/log.ts";
import { signerFromSecretKey } from "../../core/didwebvh/signer.ts";
import { checkProvision, didFactsFromVerdict, type ProvisionReason } from "../../core/provisions/check.ts";
import { readProvision, readProvisionActivity, type ProvisionContracts } from "../../core/provisions/read.ts";
import type { Hex, Verdict } from "../../core/types.ts";
import { verifyDid } from "../../core/verify/verifyDid.ts";
import { deployForgedRegistry } from "../../core/verify/testkit/forgedRegistry.ts";
import { Keystore } from "../../publisher/keystore.ts";
import { dirSource } from "../lib/dirSource.ts";
import { nodeRpcFetch } from "../lib/rpcHttp.ts";
import { connectChain, HARDHAT_DEV_KEY, type ChainConnection } from "../../publisher/chain.ts";
import { DEMO_CONTROLLER_KEY, seedDemoProvisions, type SeedDemoResult } from "../../publisher/provision/demo.ts";
import { createProvisionDid, deployAnchorRegistry, publishLog, registerProvision, sendControllerAction } from "../../publisher/provision/provision.ts";
import { HostStore } from "../../publisher/store.ts";
import { registerMismatchedProvision, startChainInRange } from "../../publisher/provision/testChain.ts";
import { runCli, TEST_KEYSTORE_PASSWORD } from "../lib/testing/cli.ts";

const PASSWORD = TEST_KEYSTORE_PASSWORD;
const HOST = "show.localhost";

let chain: LocalChain;
let cdn: string;
/** The DID publisher's keystore lives here, away from the host folder. */
let keysDir: string;
let seeded: SeedDemoResult;
let contracts: ProvisionContracts;
let controller: ChainConnection;
let anchorRegistry: Hex;
/** The demo's anchoring account (Hardhat's account #0, which anchored the demo's DIDs). */
const ANCHORER = privateKeyToAccount(HARDHAT_DEV_KEY).address;

const cli = (...args: string[]) => runCli(args);

interface Shown {
  provision: { controller: string; did: string };
  verdict: Verdict;
  reasons: (ProvisionReason & Record<string, unknown>)[];
  did: { verdict: Verdict; error?: { name: string } };
  pinned: { anchorers: string[]; registries: string[] };
  history: { kind: string }[];
}

/** `provision show` of `machine` (from the host folder unless `where` says otherwise): its output and exit code. */
async function show(machine: string, ...where: string[]): Promise<{ shown: Shown; err: string; code: number }> {
  const r = await cli("provision", "show", "--rpc", chain.url, ...(where.length ? where : ["--cdn", cdn]), "--machine", machine);
  expect(r.out, r.err).not.toBe("");
  return { shown: JSON.parse(r.out) as Shown, err: r.err, code: r.code };
}

/** Both pins, as a deployment sets them: the demo's anchoring account and its AnchorRegistry. */
const pinned = () => ["--cdn", cdn, "--trusted-anchorer", ANCHORER, "--trusted-registry", anchorRegistry];

const UNPINNED_REGISTRY = 'provision show: note: no --trusted-registry: the registry the DID declares is believed, and anyone can deploy one that answers "anchored" to anything\n';
const UNPINNED_ANCHORER = "provision show: note: no --trusted-anchorer: any anchoring account the DID's own document authorises counts\n";

beforeAll(async () => {
  chain = await startChainInRange(8686, 8689);
  cdn = await mkdtemp(path.join(os.tmpdir(), "provision-show-"));
  keysDir = await mkdtemp(path.join(os.tmpdir(), "provision-show-keys-"));
  anchorRegistry = await deployAnchorRegistry(await connectChain(chain.url));
  seeded = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir: cdn, host: HOST, anchorRegistry });
  contracts = seeded.contracts;
  controller = await connectChain(chain.url, DEMO_CONTROLLER_KEY);
}, 120_000);

afterAll(async () => {
  await chain?.stop();
  if (cdn) await rm(cdn, { recursive: true, force: true });
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
});

describe("provision show: the provision's verdict against its DID", () => {
  it("verified when the DID is verified, names the controller and hashes to the registry's metadata; unverifiable when the DID's host cannot be read", async () => {
    const p = seeded.provisions[1]!;
    const { shown, err, code } = await show(p.machine, ...pinned());
    expect(code, err).toBe(0);
    expect(shown).toMatchObject({ verdict: "verified", reasons: [], did: { verdict: "verified" }, provision: { did: p.did }, pinned: { anchorers: [ANCHORER], registries: [anchorRegistry] } });
    expect(err).toBe("provision show: verified\n");
    // Without pins: the same verdict, and stderr says what is not pinned.
    const open = await show(p.machine);
    expect([open.code, open.shown.verdict, open.shown.pinned]).toEqual([0, "verified", { anchorers: [], registries: [] }]);
    expect(open.err).toBe(`${UNPINNED_REGISTRY}${UNPINNED_ANCHORER}provision show: verified\n`);

    // Without --cdn the DID is read from its host (show.localhost over HTTPS: nothing answers). Not checked, never invalid: exit 1.
    const away = await show(p.machine, "--registry", contracts.provisionRegistry, "--wallet-links", contracts.walletLinks);
    expect(away.code).toBe(1);
    expect(away.shown.verdict).toBe("unverifiable");
    expect(away.shown.did.verdict).toBe("unverifiable");
    expect(away.shown.reasons[0]?.verdict).toBe("unverifiable");
  }, 60_000);

  it("invalid with ControllerNotNamedError when the DID's document names another wallet, the DID itself pending", async () => {
    const { machine, stranger } = await registerMismatchedProvision({ host: HOST, dir: cdn, conn: controller, contracts, chainId: chain.chainId, provisionId: "show-mismatch-1" });

    const { shown, err, code } = await show(machine.address, ...pinned());
    expect(code).toBe(1);
    expect(shown.did.verdict).toBe("pending");
    expect(shown.verdict).toBe("invalid");
    expect(shown.reasons.map((r) => r.name)).toEqual(["ControllerNotNamedError"]);
    expect(shown.reasons[0]).toMatchObject({ controller: controller.account.address, documentNames: [stranger], offeredTo: null });
    expect(err).toMatch(/^provision show: invalid \(ControllerNotNamedError: The DID document does not name the controller wallet\)\n$/);
  }, 60_000);

  it("after control passed on: invalid with ControllerTransferredError, when and to whom, the DID itself still verified; update-controller appends an entry naming the new controller, and once anchored the provision is verified", async () => {
    const p = seeded.provisions[0]!;
    const successor = await connectChain(chain.url, generatePrivateKey());
    const fund = await controller.walletClient.sendTransaction({ account: controller.account, chain: controller.walletClient.chain, to: successor.account.address, value: 10n ** 18n });
    await controller.publicClient.waitForTransactionReceipt({ hash: fund });
    await sendControllerAction({ conn: controller, contracts, machine: p.machine, action: { action: "transferControl", to: successor.account.address } });

    // Offered, not accepted: the controller is still the one the document names.
    expect(await show(p.machine, ...pinned())).toMatchObject({ code: 0, shown: { verdict: "verified", reasons: [] } });

    const accepted = await sendControllerAction({ conn: successor, contracts, machine: p.machine, action: { action: "acceptControl" } });
    const block = await controller.publicClient.getBlock({ blockNumber: accepted.blockNumber });
    const { shown, err, code } = await show(p.machine, ...pinned());
    expect(code).toBe(1);
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

    // The DID's publisher (the keystore holding the DID's key) runs update-controller: one entry appended,
    // naming the new controller; the published history kept as it was.
    const seed = sha256(new TextEncoder().encode(`webvh-demo did key ${p.provisionId}`));
    const didKey = signerFromSecretKey(seed).publicKeyMultibase;
    const keystore = path.join(keysDir, "did-keys.json");
    await Keystore.create(keystore, PASSWORD, { params: { N: 2 ** 10, r: 8, p: 1 }, secrets: { keys: { [didKey]: bytesToHex(seed) }, dids: { [p.did]: { updateKey: didKey } } } });
    const store = new HostStore(cdn);
    const before = (await store.readLog(p.did))!;
    const update = () => cli("provision", "update-controller", "--rpc", chain.url, "--cdn", cdn, "--machine", p.machine, "--keystore", keystore);
    const updated = await update();
    expect(updated.code, updated.err).toBe(0);
    const appended = JSON.parse(updated.out) as { did: string; controller: string; versionId: string; anchored: boolean };
    expect(appended).toMatchObject({ did: p.did, controller: successor.account.address, anchored: false });
    expect(updated.err).toContain(`${appended.versionId} is not anchored yet (pending): run anchor --dir ${cdn}`);
    const after = (await store.readLog(p.did))!;
    expect(after.startsWith(before)).toBe(true);
    const entries = parseLog(after);
    expect(entries).toHaveLength(parseLog(before).length + 1);
    expect(entries.at(-1)!).toMatchObject({ versionId: appended.versionId, state: { alsoKnownAs: [`did:pkh:eip155:${chain.chainId}:${successor.account.address.toLowerCase()}`] } });

    // Pending until anchored, with no controller reason; run again, it writes nothing.
    const pendingShow = await show(p.machine, ...pinned());
    expect([pendingShow.code, pendingShow.shown.verdict, pendingShow.shown.did.verdict]).toEqual([0, "pending", "pending"]);
    expect(pendingShow.shown.reasons.map((r) => r.name)).not.toContain("ControllerTransferredError");
    const again = await update();
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ did: p.did, controller: successor.account.address, unchanged: true });
    expect(await store.readLog(p.did)).toBe(after);

    // Anchored as every update is (the publisher's anchor run), the provision is verified again.
    const anchored = await cli("anchor", "--dir", cdn, "--rpc", chain.url, "--registry", anchorRegistry, "--json");
    expect(anchored.code, anchored.err).toBe(0);
    expect(await show(p.machine, ...pinned())).toMatchObject({ code: 0, shown: { verdict: "verified", reasons: [], did: { verdict: "verified" }, provision: { controller: successor.account.address } } });
    // The core check itself, on the DID verified with both pins: no controller reason.
    const view = (await readProvision(controller.publicClient, contracts, p.machine))!;
    const history = await readProvisionActivity(controller.publicClient, contracts, p.machine);
    const verified = await verifyDid(p.did, {
      source: dirSource(cdn),
      chain: createRpcChainReader({ rpc: { [chain.chainId]: [chain.url] }, fetchFn: nodeRpcFetch }),
      now: new Date(),
      trustedAnchorers: [ANCHORER],
      trustedRegistries: { [chain.chainId]: [anchorRegistry] },
    });
    expect(verified.verdict).toBe("verified");
    const checked = checkProvision({ view, history, did: didFactsFromVerdict(verified, chain.chainId) });
    expect(checked).toEqual({ verdict: "verified", reasons: [] });
    expect(history.map((h) => h.kind)).toContain("controlTransferred");
  }, 120_000);

  it("--trusted-registry and --trusted-anchorer pin the DID's anchors as audit's do: a DID that declares a forger's registry is verified without them and invalid (exit 1) with them", async () => {
    // A provision whose DID declares a registry that answers "anchored" to anything, with the demo's real
    // anchoring account as anchorer, and a proof of a root nobody anchored.
    const fake = await deployForgedRegistry(chain.url, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"); // Hardhat's account #2, unlocked on the node
    const machine = privateKeyToAccount(generatePrivateKey());
    const info = { provisionId: "show-forged-1", endpoint: "https://show-forged-1.example/", tier: "gpu", country: "DE" };
    const created = await createProvisionDid({
      host: HOST,
      info,
      chainId: chain.chainId,
      controller: controller.account.address,
      machine: machine.address,
      signer: signerFromSecretKey(crypto.getRandomValues(new Uint8Array(32))),
      anchoring: { chainId: chain.chainId, registry: fake, anchorers: [ANCHORER] },
    });
    const store = new HostStore(cdn);
    await publishLog(store, created.did, created.log);
    const { versionId } = created.log[0]!;
    const leaf = leafHash(created.did, versionId);
    await store.writeAnchors({ did: created.did, anchors: [{ versionId, leaf, proof: [], root: leaf, chainId: chain.chainId, registry: fake, anchorer: ANCHORER }] });
    await registerProvision({ conn: controller, contracts, machine, did: created.did, info });
    const at = (...pins: string[]) => show(machine.address, "--cdn", cdn, ...pins);

    // Unpinned, or with the anchorer pinned alone, or a registry pinned on another chain only: the forger's registry is believed.
    const open = await at();
    expect([open.code, open.shown.verdict, open.shown.did.verdict]).toEqual([0, "verified", "verified"]);
    expect(open.err).toBe(`${UNPINNED_REGISTRY}${UNPINNED_ANCHORER}provision show: verified\n`);
    const anchorerOnly = await at("--trusted-anchorer", ANCHORER);
    expect([anchorerOnly.code, anchorerOnly.shown.verdict]).toEqual([0, "verified"]);
    expect(anchorerOnly.err).toBe(`${UNPINNED_REGISTRY}provision show: verified\n`);
    const elsewhere = await at("--trusted-anchorer", ANCHORER, "--trusted-registry", `1:${anchorRegistry}`);
    expect([elsewhere.code, elsewhere.shown.verdict, elsewhere.shown.pinned.registries]).toEqual([0, "verified", []]);
    expect(elsewhere.err).toBe(`${UNPINNED_REGISTRY}provision show: verified\n`);

    // The deployment's registry pinned (alone, on this chain, or with its chain id): invalid, exit 1.
    for (const pin of [anchorRegistry, `${chain.chainId}:${anchorRegistry.toLowerCase()}`]) {
      const { shown, err, code } = await at("--trusted-anchorer", ANCHORER, "--trusted-registry", pin);
      expect(code).toBe(1);
      expect(shown.did).toMatchObject({ verdict: "invalid", error: { name: "UntrustedRegistryError" } });
      expect(shown.verdict).toBe("invalid");
      expect(shown.reasons.map((r) => r.name)).toEqual(["UntrustedRegistryError"]);
      expect(err).toMatch(/^provision show: invalid \(UntrustedRegistryError: [^\n]+\)\n$/);
    }

    // A genuine provision with another anchoring account pinned: invalid, exit 1.
    const genuine = await show(seeded.provisions[2]!.machine, "--cdn", cdn, "--trusted-registry", anchorRegistry, "--trusted-anchorer", privateKeyToAccount(generatePrivateKey()).address);
    expect(genuine.code).toBe(1);
    expect(genuine.shown.reasons.map((r) => r.name)).toEqual(["UntrustedAnchorerError"]);

    // A pin that is not an address is a usage error (exit 2), as in audit.
    for (const bad of [["--trusted-anchorer", "0x1234"], ["--trusted-registry", `chain:${anchorRegistry}`]]) {
      const r = await cli("provision", "show", "--rpc", chain.url, "--cdn", cdn, "--machine", machine.address, ...bad);
      expect([r.code, r.out]).toEqual([2, ""]);
      expect(r.err).toContain(`${bad[0]} ${bad[1]} is not a 20-byte address`);
    }
  }, 120_000);
});
