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
import { readProvision, type ProvisionContracts } from "../../core/provisions/read.ts";
import { connectChain, type ChainConnection } from "../chain.ts";
import { HostStore } from "../store.ts";
import {
  createProvisionDid,
  deployProvisionContracts,
  goalReached,
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
