/**
 * registerProvisionDid against a real local chain (127.0.0.1:8657-8660) and temporary host folders: what an
 * earlier run left behind is picked up, and what is not this provision's is never rewritten.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { LocalChain } from "../../../scripts/chain.ts";
import { signerFromSecretKey } from "../../core/didwebvh/signer.ts";
import { bytesToHex } from "@noble/hashes/utils.js";
import { parseLog } from "../../core/didwebvh/log.ts";
import { verifyLog } from "../../core/didwebvh/verify.ts";
import { checkProvision, didFactsFromVerdict } from "../../core/provisions/check.ts";
import { readProvision, readProvisionActivity, type ProvisionContracts } from "../../core/provisions/read.ts";
import { Keystore } from "../keystore.ts";
import { ChainUnreachableError, connectChain, type ChainConnection } from "../chain.ts";
import { HostStore } from "../store.ts";
import { TransactionRevertedError } from "../send.ts";
import {
  anchorLogs,
  createProvisionDid,
  deployProvisionContracts,
  goalReached,
  ProvisionTransactionError,
  sendControllerAction,
  updateProvisionController,
  withController,
  ProvisionDidConflictError,
  ProvisionRegistrationConflictError,
  publishLog,
  registerProvision,
  registerProvisionDid,
} from "./provision.ts";
import { startChainInRange } from "./testChain.ts";

let chain: LocalChain;
let dir: string;
let conn: ChainConnection;
let contracts: ProvisionContracts;

const HOST = "localhost:8657";
const info = (id: string, tier = "gpu") => ({ provisionId: id, endpoint: `https://${id}.example/`, tier, country: "FR" });
const newSigner = () => signerFromSecretKey(crypto.getRandomValues(new Uint8Array(32)));

beforeAll(async () => {
  chain = await startChainInRange(8657, 8660);
  dir = await mkdtemp(path.join(os.tmpdir(), "provision-lib-"));
  conn = await connectChain(chain.url);
  contracts = await deployProvisionContracts(conn);
}, 90_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("registerProvisionDid", () => {
  it("registers a DID an earlier version published before its send failed, without rewriting it", async () => {
    const store = new HostStore(path.join(dir, "published"));
    const machine = privateKeyToAccount(generatePrivateKey());
    const created = await createProvisionDid({ host: HOST, info: info("p-1"), chainId: conn.chainId, controller: conn.account.address, machine: machine.address, signer: newSigner() });
    await publishLog(store, created.did, created.log);
    const text = await readFile(store.logPath(created.did), "utf8");

    const result = await registerProvisionDid({ conn, contracts, machine, store, content: { host: HOST, info: info("p-1") }, newSigner: () => expect.unreachable() });
    expect(result).toMatchObject({ did: created.did, didFrom: "published", alreadyRegistered: false });
    expect((await readProvision(conn.publicClient, contracts, machine.address))?.did).toBe(created.did);
    expect(await readFile(store.logPath(created.did), "utf8")).toBe(text);
    expect(await store.readIndex()).toEqual([created.did]);
  });

  it("refuses a different DID at the provision's folder, and a machine registered with a DID this host does not have", async () => {
    const store = new HostStore(path.join(dir, "conflict"));
    const machine = privateKeyToAccount(generatePrivateKey());
    // The same --id, published earlier with another tier: not this provision's document.
    const other = await createProvisionDid({ host: HOST, info: info("c-1", "cpu"), chainId: conn.chainId, controller: conn.account.address, machine: machine.address, signer: newSigner() });
    await publishLog(store, other.did, other.log);
    const text = await readFile(store.logPath(other.did), "utf8");
    await expect(
      registerProvisionDid({ conn, contracts, machine, store, content: { host: HOST, info: info("c-1") }, newSigner }),
    ).rejects.toBeInstanceOf(ProvisionDidConflictError);
    expect(await readFile(store.logPath(other.did), "utf8")).toBe(text);
    expect(await readProvision(conn.publicClient, contracts, machine.address)).toBeNull();

    // A machine registered elsewhere (another DID): nothing made, nothing published here.
    const taken = privateKeyToAccount(generatePrivateKey());
    await registerProvision({ conn, contracts, machine: taken, did: "did:webvh:QmElsewhere:example.com:provisions:x", info: info("x") });
    const fresh = new HostStore(path.join(dir, "taken"));
    await expect(
      registerProvisionDid({ conn, contracts, machine: taken, store: fresh, content: { host: HOST, info: info("t-1") }, newSigner }),
    ).rejects.toBeInstanceOf(ProvisionRegistrationConflictError);
    expect(await fresh.readIndex()).toEqual([]);
  });

  it("goalReached: a goal already reached, never a move the state machine lacks", () => {
    const view = {
      machine: conn.account.address,
      controller: conn.account.address,
      did: "did:webvh:Qm:x",
      metadataHash: "0x01" as const,
      state: "started" as const,
      nonce: 0,
      updatedAt: 0,
      machineKeyRevoked: false,
      pendingController: null,
    };
    expect(goalReached(view, { action: "changeState", to: "off" }, view.controller)).toBeNull();
    expect(goalReached(view, { action: "changeState", to: "running" }, view.controller)).toBeNull();
    expect(goalReached({ ...view, state: "running" }, { action: "changeState", to: "running" }, view.controller)).toBe("the provision is already running");
    expect(goalReached({ ...view, machineKeyRevoked: true }, { action: "revokeMachineKey" }, view.controller)).not.toBeNull();
    expect(goalReached(view, { action: "invalidateNonce" }, view.controller)).toBeNull();
    expect(goalReached(view, { action: "acceptControl" }, view.controller)).not.toBeNull();
    expect(goalReached(view, { action: "acceptControl" }, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBeNull();
  });
});

describe("the provision library's transactions", () => {
  it("a revert no ABI decodes (a call to a contract without that function) is the contract's refusal, not an unreachable chain", async () => {
    const store = new HostStore(path.join(dir, "revert"));
    const machine = privateKeyToAccount(generatePrivateKey());
    const created = await createProvisionDid({ host: HOST, info: info("r-1"), chainId: conn.chainId, controller: conn.account.address, machine: machine.address, signer: newSigner() });
    // anchor(root) sent to the ProvisionRegistry: it holds code but has no such function, so the node
    // answers "execution reverted" with no data at all.
    const failure = await anchorLogs({ conn, anchorRegistry: contracts.provisionRegistry, store, logs: [{ did: created.did, log: created.log }] }).then(
      () => expect.unreachable("the call reverts"),
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ProvisionTransactionError);
    expect(failure).toBeInstanceOf(TransactionRevertedError);
    expect(failure).not.toBeInstanceOf(ChainUnreachableError);
    expect(failure).toMatchObject({ name: "ProvisionTransactionError", verdict: "invalid", errorName: undefined, txHash: undefined });
    expect(await store.readAnchors(created.did)).toBeNull();
  });
});

describe("updateProvisionController", () => {
  it("withController names the new controller in place of the former one on the provision's chain, keeping every other alias", () => {
    const doc = { id: "did:webvh:Qm:x", alsoKnownAs: ["https://example.com/me", `did:pkh:eip155:${conn.chainId}:0x${"11".repeat(20)}`, `did:pkh:eip155:1:0x${"22".repeat(20)}`] };
    const next = privateKeyToAccount(generatePrivateKey()).address;
    expect(withController(doc, conn.chainId, next).alsoKnownAs).toEqual([
      `did:pkh:eip155:${conn.chainId}:${next.toLowerCase()}`,
      "https://example.com/me",
      `did:pkh:eip155:1:0x${"22".repeat(20)}`,
    ]);
    expect(withController({ id: "did:webvh:Qm:y" }, conn.chainId, next).alsoKnownAs).toEqual([`did:pkh:eip155:${conn.chainId}:${next.toLowerCase()}`]);
  });

  it("after transfer and accept, appends one entry naming the new controller (signed with the DID's key from the keystore), only ever appending; run again, writes nothing", async () => {
    const folder = path.join(dir, "controller");
    const store = new HostStore(folder);
    const ks = await Keystore.create(path.join(dir, "controller-keys.json"), "pw", { params: { N: 2 ** 10, r: 8, p: 1 } });
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const signer = signerFromSecretKey(seed);
    ks.secrets.keys[signer.publicKeyMultibase] = bytesToHex(seed);
    const machine = privateKeyToAccount(generatePrivateKey());
    const created = await createProvisionDid({ host: HOST, info: info("u-1"), chainId: conn.chainId, controller: conn.account.address, machine: machine.address, signer });
    ks.secrets.dids[created.did] = { updateKey: signer.publicKeyMultibase };
    await ks.save();
    await publishLog(store, created.did, created.log);
    await registerProvision({ conn, contracts, machine, did: created.did, info: info("u-1") });
    const before = (await store.readLog(created.did))!;

    // Nothing to do while the registry's controller is the one the document names.
    const view0 = (await readProvision(conn.publicClient, contracts, machine.address))!;
    expect((await updateProvisionController({ ks, dir: folder, view: view0, chainId: conn.chainId })).entry).toBeNull();

    const successor = await connectChain(chain.url, generatePrivateKey());
    await conn.publicClient.waitForTransactionReceipt({ hash: await conn.walletClient.sendTransaction({ to: successor.account.address, value: 10n ** 18n }) });
    await sendControllerAction({ conn, contracts, machine: machine.address, action: { action: "transferControl", to: successor.account.address } });
    await sendControllerAction({ conn: successor, contracts, machine: machine.address, action: { action: "acceptControl" } });
    const view = (await readProvision(conn.publicClient, contracts, machine.address))!;
    const history = await readProvisionActivity(conn.publicClient, contracts, machine.address);
    const check = async () => {
      const log = parseLog((await store.readLog(created.did))!);
      const result = await verifyLog(log, { did: created.did });
      expect(result.error).toBeUndefined();
      // Valid and not anchored (this DID declares no anchoring): pending.
      return checkProvision({ view, history, did: didFactsFromVerdict({ verdict: "pending", document: result.entries.at(-1)!.state }, conn.chainId) });
    };
    expect((await check()).reasons.map((r) => r.name)).toEqual(["ControllerTransferredError"]);

    const updated = await updateProvisionController({ ks, dir: folder, view, chainId: conn.chainId });
    expect(updated).toMatchObject({ did: created.did, controller: successor.account.address, declaresAnchoring: false });
    expect(updated.named).toContain(conn.account.address.toLowerCase());
    const after = (await store.readLog(created.did))!;
    expect(after.startsWith(before)).toBe(true);
    expect(parseLog(after).map((e) => e.versionId)).toEqual([...created.log.map((e) => e.versionId), updated.entry!.versionId]);
    expect(await check()).toEqual({ verdict: "pending", reasons: [] });

    const again = await updateProvisionController({ ks, dir: folder, view, chainId: conn.chainId });
    expect(again.entry).toBeNull();
    expect(await store.readLog(created.did)).toBe(after);
  });
});
