/**
 * The provider's command line end to end, as a user runs it (`tsx app/cli/main.ts ...` in a child
 * process), against a real local chain on 127.0.0.1:8653 and a temporary host folder.
 */
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexToBytes } from "@noble/hashes/utils.js";
import { parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { LocalChain } from "../../../scripts/chain.ts";
import { appendEntry } from "../../core/didwebvh/create.ts";
import { parseLog, serializeLog } from "../../core/didwebvh/log.ts";
import { signerFromSecretKey } from "../../core/didwebvh/signer.ts";
import { provisionMetadataHash, provisionService, PROVISION_SERVICE_FRAGMENT } from "../../core/provisions/metadata.ts";
import { readProvision } from "../../core/provisions/read.ts";
import { connectChain, type ChainConnection } from "../../publisher/chain.ts";
import { Keystore } from "../../publisher/keystore.ts";
import {
  deployProvisionContracts,
  registerProvision,
  relayStateChange,
  sendControllerAction,
  signStateChange,
  writeManifest,
} from "../../publisher/provision/provision.ts";
import { startChainInRange } from "../../publisher/provision/testChain.ts";
import { HostStore } from "../../publisher/store.ts";
import { runCli, TEST_KEYSTORE_PASSWORD } from "../lib/testing/cli.ts";

const PASSWORD = TEST_KEYSTORE_PASSWORD;
let chain: LocalChain;
let dir: string;

const cli = (...args: string[]) => runCli(args);

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

/** A keystore holding `key` (cheap to open), and the account. */
async function keystoreWith(name: string, key = generatePrivateKey()) {
  const file = path.join(dir, name);
  await Keystore.create(file, PASSWORD, { params: CHEAP, secrets: { anchoringKey: key } });
  return { file, key, account: privateKeyToAccount(key) };
}

/** Sends `eth` from the development account to `to`, and waits for it. */
async function fund(conn: ChainConnection, to: `0x${string}`, eth = "1"): Promise<void> {
  const hash = await conn.walletClient.sendTransaction({ to, value: parseEther(eth) });
  await conn.publicClient.waitForTransactionReceipt({ hash });
}

const exists = (file: string) => stat(file).then(() => true, () => false);

beforeAll(async () => {
  chain = await startChainInRange(8653, 8656);
  dir = await mkdtemp(path.join(os.tmpdir(), "provision-cli-"));
}, 90_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("provision and wallet commands", () => {
  it("keygen, register, start, stop, show; wallet link, show (two-sided), unlink", async () => {
    const cdn = path.join(dir, "cdn");
    const machineKs = path.join(dir, "machine.json");
    const providerKs = path.join(dir, "provider.json");
    const rpc = ["--rpc", chain.url];

    const keygen = await cli("provision", "keygen", "--machine-keystore", machineKs);
    expect(keygen.code, keygen.err).toBe(0);
    const { machine } = JSON.parse(keygen.out) as { machine: string };

    const reg = await cli(
      "provision", "register", ...rpc, "--cdn", cdn, "--host", "localhost:8654", "--id", "cli-1",
      "--endpoint", "https://cli-1.example/", "--tier", "gpu", "--country", "FR",
      "--machine-keystore", machineKs, "--keystore", providerKs, "--deploy",
    );
    expect(reg.code, reg.err).toBe(0);
    const registered = JSON.parse(reg.out) as { did: string; controller: string; didKeySaved: boolean };
    expect(registered.did).toMatch(/^did:webvh:[^:]+:localhost%3A8654:provisions:cli-1$/);
    expect(registered.didKeySaved).toBe(true);

    const bad = await cli("provision", "stop", ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("ProvisionStateError");

    for (const sub of ["start", "stop"]) {
      const r = await cli("provision", sub, ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
      expect(r.code, r.err).toBe(0);
    }
    // Signed on the machine, relayed by someone else (the development key pays).
    const signed = await cli("provision", "sign", "--to", "running", ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
    expect(signed.code, signed.err).toBe(0);
    expect(JSON.parse(signed.out)).toMatchObject({ type: "ProvisionStateChangeSignature", machine, to: "running", signer: machine, nonce: "2" });
    const relayed = await cli("provision", "relay", ...rpc, "--signed", signed.out);
    expect(relayed.code, relayed.err).toBe(0);
    const replay = await cli("provision", "relay", ...rpc, "--signed", signed.out);
    expect(replay.code).toBe(1);
    expect(replay.err).toContain("InvalidProvisionSignature");
    const show = await cli("provision", "show", ...rpc, "--cdn", cdn, "--machine", machine);
    expect(show.code, show.err).toBe(0);
    const shown = JSON.parse(show.out) as { provision: { state: string; did: string }; history: { kind: string; to?: string; by?: string }[] };
    expect(shown.provision).toMatchObject({ state: "running", did: registered.did });
    expect(shown.history.map((h) => h.to ?? h.kind)).toEqual(["registered", "running", "off", "running"]);
    expect(shown.history.filter((h) => h.by).every((h) => h.by === machine)).toBe(true);

    // The controller (the development key here) links its wallet to the provision DID, whose document
    // names it: linked on both sides.
    const before = await cli("wallet", "show", ...rpc, "--cdn", cdn, "--address", registered.controller, "--did", registered.did);
    expect(before.code).toBe(1);
    expect(JSON.parse(before.out).link.status).toBe("named");
    const link = await cli("wallet", "link", ...rpc, "--cdn", cdn, "--did", registered.did);
    expect(link.code, link.err).toBe(0);
    const after = await cli("wallet", "show", ...rpc, "--cdn", cdn, "--address", registered.controller);
    expect(after.code, after.err).toBe(0);
    const afterJson = JSON.parse(after.out);
    expect(afterJson.link).toMatchObject({ status: "linked", did: registered.did, document: { named: true, via: "alsoKnownAs" } });
    expect(afterJson.provisions.map((p: { machine: string }) => p.machine)).toEqual([machine]);
    const twice = await cli("wallet", "link", ...rpc, "--cdn", cdn, "--did", registered.did);
    expect(twice.code).toBe(1);
    expect(twice.err).toContain("WalletAlreadyLinked");
    expect((await cli("wallet", "unlink", ...rpc, "--cdn", cdn)).code).toBe(0);
    expect(JSON.parse((await cli("wallet", "show", ...rpc, "--cdn", cdn, "--address", registered.controller)).out).link.status).toBe("unlinked");

    // A registration request for another controller, produced on the machine.
    const consent = await cli("provision", "consent", ...rpc, "--cdn", cdn, "--did", registered.did, "--controller", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--machine-keystore", machineKs);
    expect(consent.code, consent.err).toBe(0);
    expect(JSON.parse(consent.out)).toMatchObject({ type: "ProvisionRegistrationRequest", machine, did: registered.did });
  }, 120_000);

  it("revoke-key, invalidate-nonce, transfer, accept, update-metadata from the controller's key; update-controller from the DID's publisher", async () => {
    const cdn = path.join(dir, "cdn-safety");
    const machineKs = path.join(dir, "machine-safety.json");
    const providerKs = path.join(dir, "provider-safety.json");
    const rpc = ["--rpc", chain.url];
    const { machine } = JSON.parse((await cli("provision", "keygen", "--machine-keystore", machineKs)).out) as { machine: string };
    const reg = await cli(
      "provision", "register", ...rpc, "--cdn", cdn, "--host", "localhost:8654", "--id", "safe-1",
      "--endpoint", "https://safe-1.example/", "--tier", "gpu", "--country", "FR",
      "--machine-keystore", machineKs, "--keystore", providerKs, "--deploy",
    );
    expect(reg.code, reg.err).toBe(0);
    const registered = JSON.parse(reg.out) as { did: string; controller: string; metadataHash: string };
    const at = [...rpc, "--cdn", cdn, "--machine", machine];

    // A signed change not relayed yet is cancelled.
    const pending = await cli("provision", "sign", "--to", "running", ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
    expect(pending.code, pending.err).toBe(0);
    const invalidated = await cli("provision", "invalidate-nonce", ...at);
    expect(invalidated.code, invalidated.err).toBe(0);
    expect(JSON.parse(invalidated.out)).toMatchObject({ machine, action: "invalidateNonce", sender: registered.controller, provision: { nonce: 1 } });
    const cancelled = await cli("provision", "relay", ...rpc, "--signed", pending.out);
    expect(cancelled.code).toBe(1);
    expect(cancelled.err).toContain("InvalidProvisionSignature");

    // The machine key is revoked: the machine can no longer start its provision.
    const revoked = await cli("provision", "revoke-key", ...at);
    expect(revoked.code, revoked.err).toBe(0);
    expect(JSON.parse(revoked.out).provision).toMatchObject({ machineKeyRevoked: true, nonce: 2 });
    const refused = await cli("provision", "start", ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("MachineKeyRevokedError");
    // Run again: the key is revoked already, which is what was asked (exit 0, nothing sent).
    const twice = await cli("provision", "revoke-key", ...at);
    expect(twice.code, twice.err).toBe(0);
    expect(JSON.parse(twice.out)).toMatchObject({ machine, action: "revokeMachineKey", unchanged: true, reason: "the machine key is already revoked" });
    expect(twice.out).not.toContain("txHash");
    // The controller still moves it, from its own key (changeState), without the machine's keystore.
    const byController = await cli("provision", "start", ...at);
    expect(byController.code, byController.err).toBe(0);
    expect(JSON.parse(byController.out)).toMatchObject({ machine, action: "changeState", to: "running", sender: registered.controller, provision: { state: "running" } });

    // Control passes to Hardhat account #1 (its key in its own keystore) in two steps.
    const nextKs = path.join(dir, "next-controller.json");
    await Keystore.create(nextKs, PASSWORD, {
      params: { N: 2 ** 10, r: 8, p: 1 },
      secrets: { anchoringKey: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" },
    });
    const next = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect((await cli("provision", "transfer", ...at)).code).toBe(2);
    expect((await cli("provision", "transfer", ...at, "--to", "nobody")).code).toBe(2);
    const offered = await cli("provision", "transfer", ...at, "--to", next);
    expect(offered.code, offered.err).toBe(0);
    expect(JSON.parse(offered.out).provision).toMatchObject({ controller: registered.controller, pendingController: next });
    const offeredAgain = await cli("provision", "transfer", ...at, "--to", next);
    expect(offeredAgain.code, offeredAgain.err).toBe(0);
    expect(JSON.parse(offeredAgain.out)).toMatchObject({ unchanged: true, provision: { pendingController: next } });
    const notOffered = await cli("provision", "accept", ...at);
    expect(notOffered.code).toBe(1);
    expect(notOffered.err).toContain("CallerNotPendingController");
    const accepted = await cli("provision", "accept", ...at, "--keystore", nextKs);
    expect(accepted.code, accepted.err).toBe(0);
    expect(JSON.parse(accepted.out).provision).toMatchObject({ controller: next, pendingController: null, nonce: 4 }); // revoke, invalidate, the controller's start, accept
    const acceptedAgain = await cli("provision", "accept", ...at, "--keystore", nextKs);
    expect(acceptedAgain.code, acceptedAgain.err).toBe(0);
    expect(JSON.parse(acceptedAgain.out)).toMatchObject({ unchanged: true, provision: { controller: next, nonce: 4 } });
    const formerController = await cli("provision", "invalidate-nonce", ...at);
    expect(formerController.code).toBe(1);
    expect(formerController.err).toContain("CallerNotController");

    // The metadata hash follows the DID document: unchanged at first, then after a new entry changes the tier.
    const same = await cli("provision", "update-metadata", ...at, "--keystore", nextKs);
    expect(same.code, same.err).toBe(0);
    expect(JSON.parse(same.out)).toMatchObject({ unchanged: true, metadataHash: registered.metadataHash });
    const provider = await Keystore.open(providerKs, PASSWORD);
    const updateKey = provider.secrets.dids[registered.did]!.updateKey;
    const signer = signerFromSecretKey(hexToBytes(provider.secrets.keys[updateKey]!));
    const store = new HostStore(cdn);
    const log = parseLog((await store.readLog(registered.did))!);
    const info = { provisionId: "safe-1", endpoint: "https://safe-1.example/", tier: "gpu-xl", country: "FR" };
    const entry = await appendEntry(log, {
      signer,
      document: (doc) => ({
        ...doc,
        service: (doc.service ?? []).map((s) => (s.id.endsWith(`#${PROVISION_SERVICE_FRAGMENT}`) ? provisionService(registered.did, info) : s)),
      }),
    });
    await store.writeLog(registered.did, serializeLog([...log, entry]));
    const updated = await cli("provision", "update-metadata", ...at, "--keystore", nextKs);
    expect(updated.code, updated.err).toBe(0);
    expect(JSON.parse(updated.out)).toMatchObject({ metadataHash: provisionMetadataHash(info), previous: registered.metadataHash, sender: next });

    // The DID document still names the former controller: show says invalid (exit 1) until the DID's
    // publisher (the provider's keystore holds the DID's key) appends an entry naming the new one.
    const stale = await cli("provision", "show", ...at);
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.out)).toMatchObject({ verdict: "invalid", reasons: [{ name: "ControllerTransferredError" }] });
    const renamed = await cli("provision", "update-controller", ...at, "--keystore", providerKs);
    expect(renamed.code, renamed.err).toBe(0);
    expect(JSON.parse(renamed.out)).toMatchObject({ machine, did: registered.did, controller: next, anchored: false });
    // This DID declares no anchoring: its entries stay pending.
    expect(renamed.err).toContain("declares no anchoring");
    const renamedAgain = await cli("provision", "update-controller", ...at, "--keystore", providerKs);
    expect(renamedAgain.code, renamedAgain.err).toBe(0);
    expect(JSON.parse(renamedAgain.out)).toMatchObject({ did: registered.did, controller: next, unchanged: true });
    expect(parseLog((await store.readLog(registered.did))!)).toHaveLength(log.length + 2);

    const show = await cli("provision", "show", ...at);
    expect(show.code, show.err).toBe(0);
    const shown = JSON.parse(show.out) as { verdict: string; reasons: { name: string }[]; provision: { controller: string; metadataHash: string }; history: { kind: string }[] };
    // Pending (the DID's own reason: not anchored), nothing of the provision's own.
    expect(shown.verdict).toBe("pending");
    expect(shown.reasons.map((r) => r.name)).toEqual(["NotAnchoredError"]);
    expect(shown.provision).toMatchObject({ controller: next, metadataHash: provisionMetadataHash(info) });
    expect(shown.history.map((h) => h.kind)).toEqual([
      "registered", "nonceInvalidated", "keyRevoked", "state", "controlProposed", "controlTransferred", "metadataUpdated",
    ]);
  }, 180_000);

  it("reads other chains without a key; refuses contracts that are not there, a revoked machine key, typos", async () => {
    // Set up in-process (fast): contracts, a machine (its keystore cheap to open), a registered provision.
    const conn = await connectChain(chain.url);
    const contracts = await deployProvisionContracts(conn);
    const machineKey = generatePrivateKey();
    const machine = privateKeyToAccount(machineKey);
    const machineKs = path.join(dir, "machine-mistakes.json");
    await Keystore.create(machineKs, PASSWORD, { params: { N: 2 ** 10, r: 8, p: 1 }, secrets: { anchoringKey: machineKey } });
    const did = "did:webvh:QmMistakes:localhost%3A8654:provisions:m-1";
    await registerProvision({ conn, contracts, machine, did, info: { provisionId: "m-1", endpoint: "https://m-1.example/", tier: "gpu", country: "FR" } });
    const cdn = path.join(dir, "cdn-mistakes");
    await mkdir(cdn, { recursive: true });
    const manifest = { chainId: conn.chainId, provisionRegistry: contracts.provisionRegistry, walletLinks: contracts.walletLinks, fromBlock: Number(contracts.fromBlock), machines: [machine.address] };
    await writeManifest(cdn, manifest);
    const manifestText = await readFile(path.join(cdn, "provisions.json"), "utf8");
    const at = ["--registry", contracts.provisionRegistry, "--wallet-links", contracts.walletLinks];
    const nowhere = "0x000000000000000000000000000000000000dEaD";

    // The same chain, seen as Sepolia (11155111) through a proxy: reading needs no key.
    const proxy = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const call = JSON.parse(body) as { id: number; method: string };
        const answer =
          call.method === "eth_chainId"
            ? Promise.resolve(JSON.stringify({ jsonrpc: "2.0", id: call.id, result: "0xaa36a7" }))
            : fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body }).then((r) => r.text());
        void answer.then((text) => res.writeHead(200, { "content-type": "application/json" }).end(text));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const sepolia = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    // A change signed for the real registry, sent to an address without a contract.
    const { from: _from, ...signed } = await signStateChange({ conn, contracts, machine: machine.address, signer: machine, to: "running" });
    const [show, relayNowhere, linkNowhere, redeploy, validForAbc, validForZero, machineTypo, controllerTypo] = await Promise.all([
      cli("provision", "show", "--rpc", sepolia, ...at, "--machine", machine.address),
      cli("provision", "relay", "--rpc", chain.url, "--signed", JSON.stringify({ ...signed, registry: nowhere })),
      cli("wallet", "link", "--rpc", chain.url, "--registry", contracts.provisionRegistry, "--wallet-links", nowhere, "--did", did),
      cli(
        "provision", "register", "--rpc", chain.url, "--cdn", cdn, "--host", "localhost:8654", "--id", "m-2",
        "--endpoint", "https://m-2.example/", "--tier", "gpu", "--country", "FR", "--machine-keystore", machineKs, "--deploy",
      ),
      cli("provision", "sign", "--to", "running", "--rpc", chain.url, "--cdn", cdn, "--machine-keystore", machineKs, "--valid-for", "abc"),
      cli("provision", "sign", "--to", "running", "--rpc", chain.url, "--cdn", cdn, "--machine-keystore", machineKs, "--valid-for", "0"),
      cli("provision", "show", "--rpc", chain.url, "--cdn", cdn, "--machine", "0x1234"),
      cli("provision", "consent", "--rpc", chain.url, "--cdn", cdn, "--did", did, "--controller", "0x70997970c51812dc3a010c7d01b50e0d17dc79cX", "--machine-keystore", machineKs),
    ]);
    proxy.close();
    // Read without a key. Its DID (a made-up SCID, published nowhere) is no provision's a verifier accepts: exit 1.
    expect(show.code, show.err).toBe(1);
    expect(JSON.parse(show.out)).toMatchObject({ provision: { machine: machine.address, did }, verdict: "invalid" });
    expect(relayNowhere.code).toBe(1);
    expect(relayNowhere.err).toContain("ContractMissingError");
    expect(linkNowhere.code).toBe(1);
    expect(linkNowhere.err).toContain("ContractMissingError");
    expect(redeploy.code).toBe(1);
    expect(redeploy.err).toContain("ProvisionsManifestInUseError");
    expect(redeploy.err).toContain("provisions.json");
    expect(await readFile(path.join(cdn, "provisions.json"), "utf8")).toBe(manifestText);
    for (const r of [validForAbc, validForZero, machineTypo, controllerTypo]) expect(r.code, r.err).toBe(2);

    // Once the machine key is revoked, the machine signs nothing.
    await sendControllerAction({ conn, contracts, machine: machine.address, action: { action: "revokeMachineKey" } });
    const revokedSign = await cli("provision", "sign", "--to", "running", "--rpc", chain.url, "--cdn", cdn, "--machine-keystore", machineKs);
    expect(revokedSign.code).toBe(1);
    expect(revokedSign.err).toContain("MachineKeyRevokedError");
    expect(revokedSign.out).toBe("");
  }, 120_000);

  it("start and stop run again once the state is reached exit 0 and send nothing; a move the state machine lacks still fails", async () => {
    const conn = await connectChain(chain.url);
    const contracts = await deployProvisionContracts(conn);
    const machineKs = await keystoreWith("machine-goal.json");
    const machine = machineKs.account;
    await registerProvision({ conn, contracts, machine, did: "did:webvh:QmGoal:localhost%3A8654:provisions:g-1", info: { provisionId: "g-1", endpoint: "https://g-1.example/", tier: "gpu", country: "FR" } });
    const at = ["--rpc", chain.url, "--registry", contracts.provisionRegistry, "--wallet-links", contracts.walletLinks];
    const byMachine = [...at, "--machine-keystore", machineKs.file];
    const byController = [...at, "--machine", machine.address];
    const nonce = async () => (await readProvision(conn.publicClient, contracts, machine.address))!.nonce;

    const notAllowed = await Promise.all([cli("provision", "stop", ...byMachine), cli("provision", "stop", ...byController)]);
    expect(notAllowed[0].code).toBe(1);
    expect(notAllowed[0].err).toContain("ProvisionStateError");
    expect(notAllowed[1].code).toBe(1);
    expect(notAllowed[1].err).toContain("InvalidStateTransition");

    await relayStateChange({ relayer: conn, contracts, machine, to: "running" });
    const before = await nonce();
    for (const r of await Promise.all([cli("provision", "start", ...byMachine), cli("provision", "start", ...byController)])) {
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ machine: machine.address, to: "running", unchanged: true, reason: "the provision is already running", provision: { state: "running" } });
      expect(r.err).toContain("already running");
    }
    expect(await nonce()).toBe(before);

    await relayStateChange({ relayer: conn, contracts, machine, to: "off" });
    for (const r of await Promise.all([cli("provision", "stop", ...byMachine), cli("provision", "stop", ...byController)])) {
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ to: "off", unchanged: true, provision: { state: "off" } });
    }
    expect(await nonce()).toBe(before + 1);
  }, 120_000);

  it("register: an unfunded sender is its own error naming the account; once funded, the re-run completes with the same DID, and a third run changes nothing", async () => {
    const conn = await connectChain(chain.url);
    const contracts = await deployProvisionContracts(conn);
    const cdn = path.join(dir, "cdn-unfunded");
    await writeManifest(cdn, { chainId: conn.chainId, provisionRegistry: contracts.provisionRegistry, walletLinks: contracts.walletLinks, fromBlock: Number(contracts.fromBlock), machines: [] });
    const machineKs = await keystoreWith("machine-unfunded.json");
    const provider = await keystoreWith("provider-unfunded.json");
    const register = (folder: string, ...more: string[]) =>
      cli(
        "provision", "register", "--rpc", chain.url, "--cdn", folder, "--host", "localhost:8654", "--id", "u-1",
        "--endpoint", "https://u-1.example/", "--tier", "gpu", "--country", "FR",
        "--machine-keystore", machineKs.file, "--keystore", provider.file, ...more,
      );
    const deployCdn = path.join(dir, "cdn-unfunded-deploy");
    const [first, deploying] = await Promise.all([register(cdn), register(deployCdn, "--deploy")]);
    for (const r of [first, deploying]) {
      expect(r.code).toBe(1);
      expect(r.err).toContain("SenderUnfundedError");
      expect(r.err).toContain(provider.account.address);
      expect(r.err).toContain("holds 0 ETH");
      expect(r.err).not.toContain("ChainUnreachableError");
    }
    // Nothing is published before the registration is sent; the DID made is kept (its key saved) for the re-run.
    const logFile = path.join(cdn, "provisions/u-1/did.jsonl");
    expect(await exists(logFile)).toBe(false);
    expect(await exists(path.join(deployCdn, "provisions.json"))).toBe(false);
    const made = Object.keys((await Keystore.open(provider.file, PASSWORD)).secrets.dids);
    expect(made).toHaveLength(1);

    await fund(conn, provider.account.address);
    const second = await register(cdn);
    expect(second.code, second.err).toBe(0);
    const done = JSON.parse(second.out) as { did: string; txHash: string | null; alreadyRegistered: boolean; didFrom: string; didKeySaved: boolean };
    expect(done).toMatchObject({ did: made[0], alreadyRegistered: false, didFrom: "staged", didKeySaved: true });
    expect(done.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await readProvision(conn.publicClient, contracts, machineKs.account.address)).toMatchObject({ did: made[0], controller: provider.account.address });
    const published = await readFile(logFile, "utf8");
    const { mtimeMs } = await stat(logFile);

    const third = await register(cdn);
    expect(third.code, third.err).toBe(0);
    expect(JSON.parse(third.out)).toMatchObject({ did: made[0], alreadyRegistered: true, txHash: null });
    expect(third.err).toContain("already registered");
    expect(await readFile(logFile, "utf8")).toBe(published);
    expect((await stat(logFile)).mtimeMs).toBe(mtimeMs);
    expect(JSON.parse(await readFile(path.join(cdn, "dids.json"), "utf8")).dids).toEqual([made[0]]);
    expect(JSON.parse(await readFile(path.join(cdn, "provisions.json"), "utf8")).machines).toEqual([machineKs.account.address]);
    expect(Object.keys((await Keystore.open(provider.file, PASSWORD)).secrets.dids)).toEqual(made);
    expect(await exists(path.join(cdn, ".publisher/staged/provisions/u-1"))).toBe(false);
  }, 180_000);

  it("register: a send the chain never received leaves a state the next run (same command, --deploy) completes, with the same DID and contracts", async () => {
    const conn = await connectChain(chain.url);
    const provider = await keystoreWith("provider-down.json");
    await fund(conn, provider.account.address);
    const machineKs = await keystoreWith("machine-down.json");
    // The chain as seen through a connection that fails from the third transaction on (the two deployments
    // go through, the registration never arrives): every read still reaches the real chain.
    let sent = 0;
    const proxy = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const call = JSON.parse(body) as { method: string };
        if (call.method === "eth_sendRawTransaction" && ++sent > 2) return void req.socket.destroy();
        void fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body })
          .then((r) => r.text())
          .then((text) => res.writeHead(200, { "content-type": "application/json" }).end(text));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const flaky = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const cdn = path.join(dir, "cdn-down");
    const register = (rpc: string) =>
      cli(
        "provision", "register", "--rpc", rpc, "--cdn", cdn, "--host", "localhost:8654", "--id", "d-1",
        "--endpoint", "https://d-1.example/", "--tier", "cpu", "--country", "DE",
        "--machine-keystore", machineKs.file, "--keystore", provider.file, "--deploy",
      );
    const first = await register(flaky);
    proxy.close();
    expect(first.code).toBe(1);
    expect(first.err).toContain("ChainUnreachableError");
    const logFile = path.join(cdn, "provisions/d-1/did.jsonl");
    expect(await exists(logFile)).toBe(false);
    const deployed = JSON.parse(await readFile(path.join(cdn, "provisions.json"), "utf8")) as { provisionRegistry: string; machines: string[] };
    expect(deployed.machines).toEqual([]);
    const made = Object.keys((await Keystore.open(provider.file, PASSWORD)).secrets.dids);
    expect(made).toHaveLength(1);

    const second = await register(chain.url);
    expect(second.code, second.err).toBe(0);
    expect(JSON.parse(second.out)).toMatchObject({ did: made[0], registry: deployed.provisionRegistry, alreadyRegistered: false, didFrom: "staged" });
    expect(JSON.parse(await readFile(path.join(cdn, "provisions.json"), "utf8"))).toMatchObject({ provisionRegistry: deployed.provisionRegistry, machines: [machineKs.account.address] });
    expect(parseLog(await readFile(logFile, "utf8"))[0]!.state.id).toBe(made[0]);

    const third = await register(chain.url);
    expect(third.code, third.err).toBe(0);
    expect(JSON.parse(third.out)).toMatchObject({ did: made[0], registry: deployed.provisionRegistry, alreadyRegistered: true, txHash: null });
  }, 180_000);

  it("explains usage", async () => {
    const r = await cli("provision", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("provision <subcommand>");
    for (const sub of ["revoke-key", "invalidate-nonce", "transfer --to ADDR", "accept", "update-metadata", "update-controller", "--trusted-registry [CHAIN:]ADDR"]) expect(r.out).toContain(sub);
    expect((await cli("wallet", "show")).code).toBe(2);
  });
});
