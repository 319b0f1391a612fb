/**
 * Against a real local chain (Hardhat node on 127.0.0.1:8650): the typed data is what the contract
 * checks, the state machine mirrors the contract's, reads and history come back from events, and
 * custom errors are decoded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  domainSeparator,
  hashTypedData,
  http,
  type PublicClient,
  type Chain,
  type Transport,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startLocalChain, type LocalChain } from "../../../scripts/chain.ts";
import { provisionRegistryAbi, walletLinksAbi } from "../../contracts/abi.ts";
import { provisionRegistryBytecode, walletLinksBytecode } from "../../contracts/bytecode.ts";
import { provisionRegistryV1Bytecode } from "./testdata/provisionRegistryV1.ts";
import type { Hex } from "../types.ts";
import {
  describeActivity,
  listProvisionsOf,
  readProvision,
  readProvisionActivity,
  readWalletClaim,
  readWalletEvents,
  type ProvisionContracts,
} from "./read.ts";
import { PROVISION_STATES, isTransitionAllowed, stateIndex } from "./state.ts";
import { deadlineIn, provisionRegistryDomain, registrationTypedData, stateChangeTypedData } from "./typedData.ts";
import { describeTxFailure } from "./txError.ts";
import { checkWalletLink } from "./linkCheck.ts";
import { pkhDid } from "./walletLink.ts";

const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9f804cdab365a",
] as const;
const controller = privateKeyToAccount(KEYS[0]);
const relayer = privateKeyToAccount(KEYS[1]);
const machine = privateKeyToAccount(KEYS[2]);
const DID = "did:webvh:QmTestScid:localhost%3A8651:provisions:m1";
const META = "0x1111111111111111111111111111111111111111111111111111111111111111" as Hex;

let chain: LocalChain;
let client: PublicClient<Transport, Chain>;
let contracts: ProvisionContracts;
let viemChain: Chain;

function wallet(account: typeof controller) {
  return createWalletClient({ account, chain: viemChain, transport: http(chain.url) });
}

beforeAll(async () => {
  // The first free of this suite's ports (the same suite may run twice at once on a shared machine).
  for (const port of [8650, 8657, 8658]) {
    try {
      chain = await startLocalChain({ port });
      break;
    } catch (e) {
      if (port === 8658) throw e;
    }
  }
  viemChain = defineChain({
    id: chain.chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.url] } },
  });
  client = createPublicClient({ chain: viemChain, transport: http(chain.url), pollingInterval: 50 });
  const w = wallet(controller);
  const h1 = await w.deployContract({ abi: provisionRegistryAbi, bytecode: provisionRegistryBytecode });
  const h2 = await w.deployContract({ abi: walletLinksAbi, bytecode: walletLinksBytecode });
  const [r1, r2] = await Promise.all([client.waitForTransactionReceipt({ hash: h1 }), client.waitForTransactionReceipt({ hash: h2 })]);
  contracts = { chainId: chain.chainId, provisionRegistry: r1.contractAddress!, walletLinks: r2.contractAddress! };
}, 90_000);

afterAll(async () => {
  await chain?.stop();
});

describe("typed data", () => {
  it("has the contract's domain separator", async () => {
    const onChain = await client.readContract({ address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "domainSeparator" });
    const domain = provisionRegistryDomain(chain.chainId, contracts.provisionRegistry);
    expect(domainSeparator({ domain })).toBe(onChain);
  });

  it("mirrors the contract's state machine", async () => {
    for (const from of PROVISION_STATES) {
      for (const to of PROVISION_STATES) {
        const onChain = await client.readContract({
          address: contracts.provisionRegistry,
          abi: provisionRegistryAbi,
          functionName: "isTransitionAllowed",
          args: [stateIndex(from), stateIndex(to)],
        });
        expect(isTransitionAllowed(from, to), `${from} -> ${to}`).toBe(onChain);
      }
    }
  });
});

describe("a provision's life, read back from the chain", () => {
  it("registers with the machine's consent, changes state by relayed signatures, and reads history", async () => {
    const deadline = deadlineIn(3600);
    const consent = await machine.signTypedData(
      registrationTypedData({ chainId: chain.chainId, registry: contracts.provisionRegistry, machine: machine.address, controller: controller.address, did: DID, metadataHash: META, deadline }),
    );
    const reg = await wallet(controller).writeContract({
      address: contracts.provisionRegistry,
      abi: provisionRegistryAbi,
      functionName: "registerProvision",
      args: [machine.address, DID, META, deadline, consent],
    });
    expect((await client.waitForTransactionReceipt({ hash: reg })).status).toBe("success");
    expect(await readProvision(client, contracts, machine.address)).toMatchObject({ controller: controller.address, did: DID, metadataHash: META, state: "started", nonce: 0 });

    for (const to of ["running", "off", "running"] as const) {
      const view = (await readProvision(client, contracts, machine.address))!;
      const typed = stateChangeTypedData({ chainId: chain.chainId, registry: contracts.provisionRegistry, machine: machine.address, to, nonce: BigInt(view.nonce), deadline });
      const sig = await machine.signTypedData(typed);
      const hash = await wallet(relayer).writeContract({
        address: contracts.provisionRegistry,
        abi: provisionRegistryAbi,
        functionName: "changeStateSigned",
        args: [machine.address, stateIndex(to), deadline, sig],
      });
      expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    }
    const history = await readProvisionActivity(client, contracts, machine.address);
    expect(history.map((h) => (h.kind === "state" ? `${h.from}->${h.to}` : h.kind))).toEqual(["registered", "started->running", "running->off", "off->running"]);
    for (const h of history) if (h.kind === "state") expect(h.by).toBe(machine.address);
    expect(history.every((h) => h.timestamp > 1_600_000_000 && h.txHash.length === 66)).toBe(true);
    // Reading in tiny block ranges gives the same history.
    expect(await readProvisionActivity(client, { ...contracts, maxBlockRange: 2n }, machine.address)).toEqual(history);
    expect((await listProvisionsOf(client, contracts, controller.address)).map((p) => p.machine)).toEqual([machine.address]);
    expect(await listProvisionsOf(client, contracts, relayer.address)).toEqual([]);
    expect(await readProvision(client, contracts, relayer.address)).toBeNull();
    expect((await readWalletEvents(client, contracts, controller.address)).map((a) => a.kind)).toEqual(["registered"]);
  });

  it("a replayed signature is refused, and the custom error is decoded", async () => {
    const view = (await readProvision(client, contracts, machine.address))!;
    expect(view.state).toBe("running");
    const deadline = deadlineIn(3600);
    // Signed for an old nonce: the contract sees another digest.
    const stale = await machine.signTypedData(
      stateChangeTypedData({ chainId: chain.chainId, registry: contracts.provisionRegistry, machine: machine.address, to: "off", nonce: BigInt(view.nonce - 1), deadline }),
    );
    const err = await client
      .simulateContract({ account: relayer, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "changeStateSigned", args: [machine.address, stateIndex("off"), deadline, stale] })
      .then(() => null, (e: unknown) => e);
    expect(describeTxFailure(err, provisionRegistryAbi)).toMatchObject({ kind: "reverted", errorName: "InvalidProvisionSignature" });
    // A move the state machine does not have.
    const bad = await client
      .simulateContract({ account: controller, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "changeState", args: [machine.address, stateIndex("started")] })
      .then(() => null, (e: unknown) => e);
    const failure = describeTxFailure(bad, provisionRegistryAbi);
    expect(failure).toMatchObject({ kind: "reverted", errorName: "InvalidStateTransition" });
    expect(failure.message).toContain("InvalidStateTransition");
    // The typed data hash is what a wallet signs (eth_signTypedData_v4 digest).
    expect(hashTypedData(stateChangeTypedData({ chainId: 1, registry: contracts.provisionRegistry, machine: machine.address, to: "off", nonce: 0n, deadline: 1n }))).not.toBe(
      hashTypedData(stateChangeTypedData({ chainId: chain.chainId, registry: contracts.provisionRegistry, machine: machine.address, to: "off", nonce: 0n, deadline: 1n })),
    );
  });
});

describe("wallet links, both sides", () => {
  it("is linked only when the chain claim and the document agree", async () => {
    const docs = new Map([[DID, { id: DID, alsoKnownAs: [pkhDid(chain.chainId, controller.address)] }]]);
    const resolveDocument = async (did: string) => {
      const d = docs.get(did);
      if (!d) throw new Error("not found");
      return d;
    };
    expect(await readWalletClaim(client, contracts, controller.address)).toBeNull();
    expect((await checkWalletLink({ client, contracts, wallet: controller.address, did: DID, resolveDocument })).status).toBe("named");

    const hash = await wallet(controller).writeContract({ address: contracts.walletLinks, abi: walletLinksAbi, functionName: "link", args: [DID] });
    await client.waitForTransactionReceipt({ hash });
    expect(await readWalletClaim(client, contracts, controller.address)).toMatchObject({ did: DID });
    const linked = await checkWalletLink({ client, contracts, wallet: controller.address, resolveDocument });
    expect(linked).toMatchObject({ status: "linked", did: DID, claimedOnChain: true, document: { named: true, via: "alsoKnownAs" } });

    // The relayer claims the same DID, but the document does not name it.
    const h2 = await wallet(relayer).writeContract({ address: contracts.walletLinks, abi: walletLinksAbi, functionName: "link", args: [DID] });
    expect((await client.waitForTransactionReceipt({ hash: h2 })).status).toBe("success");
    expect(await readWalletClaim(client, contracts, relayer.address)).toMatchObject({ did: DID });
    const relayerCheck = await checkWalletLink({ client, contracts, wallet: relayer.address, resolveDocument });
    expect(relayerCheck, JSON.stringify(relayerCheck)).toMatchObject({ status: "claimed" });

    // A document that cannot be resolved never yields "linked".
    docs.clear();
    const unresolved = await checkWalletLink({ client, contracts, wallet: controller.address, resolveDocument });
    expect(unresolved.status).toBe("claimed");
    expect(unresolved.documentError?.name).toBe("UnexpectedError");

    const h3 = await wallet(controller).writeContract({ address: contracts.walletLinks, abi: walletLinksAbi, functionName: "unlink" });
    await client.waitForTransactionReceipt({ hash: h3 });
    expect(await readWalletClaim(client, contracts, controller.address)).toBeNull();
    expect((await readWalletEvents(client, contracts, controller.address)).map((a) => a.kind)).toEqual(["unlinked", "linked", "registered"]);
  });
});

describe("the controller's safety operations, read back from the chain", () => {
  it("shows revocation, cancelled signatures, control offered and passed on, metadata updates; the new controller lists it", async () => {
    const m2 = privateKeyToAccount(generatePrivateKey());
    const deadline = deadlineIn(3600);
    const consent = await m2.signTypedData(
      registrationTypedData({ chainId: chain.chainId, registry: contracts.provisionRegistry, machine: m2.address, controller: controller.address, did: DID, metadataHash: META, deadline }),
    );
    const write = async (account: typeof controller, functionName: string, args: readonly unknown[]) => {
      const hash = await wallet(account).writeContract({
        address: contracts.provisionRegistry,
        abi: provisionRegistryAbi,
        functionName: functionName as "registerProvision",
        args: args as never,
      });
      expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    };
    const META2 = "0x2222222222222222222222222222222222222222222222222222222222222222" as Hex;
    await write(controller, "registerProvision", [m2.address, DID, META, deadline, consent]);
    await write(controller, "invalidateNonce", [m2.address]);
    await write(controller, "revokeMachineKey", [m2.address]);
    await write(controller, "transferControl", [m2.address, relayer.address]);
    expect(await readProvision(client, contracts, m2.address)).toMatchObject({
      controller: controller.address,
      pendingController: relayer.address,
      machineKeyRevoked: true,
      nonce: 2,
    });
    await write(relayer, "acceptControl", [m2.address]);
    await write(relayer, "updateMetadataHash", [m2.address, META2]);
    await write(relayer, "changeState", [m2.address, stateIndex("running")]);

    expect(await readProvision(client, contracts, m2.address)).toMatchObject({
      controller: relayer.address,
      pendingController: null,
      machineKeyRevoked: true,
      metadataHash: META2,
      state: "running",
      nonce: 4,
    });
    const activity = await readProvisionActivity(client, contracts, m2.address);
    expect(activity.map((a) => a.kind)).toEqual([
      "registered", "nonceInvalidated", "keyRevoked", "controlProposed", "controlTransferred", "metadataUpdated", "state",
    ]);
    expect(activity[1]).toMatchObject({ kind: "nonceInvalidated", nonce: 0 });
    expect(activity[2]).toMatchObject({ kind: "keyRevoked", controller: controller.address });
    expect(activity[3]).toMatchObject({ kind: "controlProposed", from: controller.address, to: relayer.address });
    expect(activity[4]).toMatchObject({ kind: "controlTransferred", from: controller.address, to: relayer.address });
    expect(activity[5]).toMatchObject({ kind: "metadataUpdated", metadataHash: META2 });
    expect(activity[6]).toMatchObject({ kind: "state", by: relayer.address });
    expect(activity.map(describeActivity)).toContain(`Control passed from ${controller.address} to ${relayer.address}`);
    // In tiny block ranges, the same.
    expect(await readProvisionActivity(client, { ...contracts, maxBlockRange: 2n }, m2.address)).toEqual(activity);

    // The provision is listed under its controller now, not under the one that registered it.
    expect((await listProvisionsOf(client, contracts, relayer.address)).map((p) => p.machine)).toEqual([m2.address]);
    expect((await listProvisionsOf(client, contracts, controller.address)).map((p) => p.machine)).not.toContain(m2.address);
    // Both wallets see the transfer in their activity.
    expect((await readWalletEvents(client, contracts, relayer.address)).map((a) => a.kind).slice(0, 4)).toEqual([
      "state", "controlTransferred", "controlProposed", "linked",
    ]);
    expect((await readWalletEvents(client, contracts, controller.address)).map((a) => a.kind).slice(0, 4)).toEqual([
      "controlTransferred", "controlProposed", "keyRevoked", "registered",
    ]);

    // A cancelled offer reads as such.
    await write(relayer, "transferControl", [m2.address, controller.address]);
    await write(relayer, "transferControl", [m2.address, "0x0000000000000000000000000000000000000000"]);
    const last = (await readProvisionActivity(client, contracts, m2.address)).at(-1)!;
    expect(last).toMatchObject({ kind: "controlProposed", from: relayer.address, to: null });
    expect(describeActivity(last)).toBe(`Control offer cancelled by ${relayer.address}`);
    expect((await readProvision(client, contracts, m2.address))?.pendingController).toBeNull();
  }, 60_000);
});

describe("a registry deployed before the safety operations", () => {
  it("still reads: nothing revoked, nothing pending, the same history", async () => {
    const hash = await wallet(controller).deployContract({ abi: provisionRegistryAbi, bytecode: provisionRegistryV1Bytecode });
    const old = { ...contracts, provisionRegistry: (await client.waitForTransactionReceipt({ hash })).contractAddress! };
    const m3 = privateKeyToAccount(generatePrivateKey());
    const deadline = deadlineIn(3600);
    const consent = await m3.signTypedData(
      registrationTypedData({ chainId: chain.chainId, registry: old.provisionRegistry, machine: m3.address, controller: controller.address, did: DID, metadataHash: META, deadline }),
    );
    const reg = await wallet(controller).writeContract({
      address: old.provisionRegistry,
      abi: provisionRegistryAbi,
      functionName: "registerProvision",
      args: [m3.address, DID, META, deadline, consent],
    });
    expect((await client.waitForTransactionReceipt({ hash: reg })).status).toBe("success");
    expect(await readProvision(client, old, m3.address)).toMatchObject({
      controller: controller.address,
      state: "started",
      machineKeyRevoked: false,
      pendingController: null,
    });
    expect((await readProvisionActivity(client, old, m3.address)).map((a) => a.kind)).toEqual(["registered"]);
    expect((await listProvisionsOf(client, old, controller.address)).map((p) => p.machine)).toEqual([m3.address]);
    // An endpoint that does not answer is still an error, not "not revoked".
    await expect(readProvision(client, { ...old, provisionRegistry: controller.address }, m3.address)).rejects.toThrow(/Could not read the provision/);
  }, 60_000);
});
