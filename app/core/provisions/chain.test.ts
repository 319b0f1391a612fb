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
import { privateKeyToAccount } from "viem/accounts";
import { startLocalChain, type LocalChain } from "../../../scripts/chain.ts";
import { provisionRegistryAbi, walletLinksAbi } from "../../contracts/abi.ts";
import { provisionRegistryBytecode, walletLinksBytecode } from "../../contracts/bytecode.ts";
import type { Hex } from "../types.ts";
import { listProvisionsOf, readProvision, readProvisionHistory, readWalletActivity, readWalletClaim, type ProvisionContracts } from "./read.ts";
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
    const history = await readProvisionHistory(client, contracts, machine.address);
    expect(history.map((h) => (h.kind === "state" ? `${h.from}->${h.to}` : h.kind))).toEqual(["registered", "started->running", "running->off", "off->running"]);
    for (const h of history) if (h.kind === "state") expect(h.by).toBe(machine.address);
    expect(history.every((h) => h.timestamp > 1_600_000_000 && h.txHash.length === 66)).toBe(true);
    // Reading in tiny block ranges gives the same history.
    expect(await readProvisionHistory(client, { ...contracts, maxBlockRange: 2n }, machine.address)).toEqual(history);
    expect((await listProvisionsOf(client, contracts, controller.address)).map((p) => p.machine)).toEqual([machine.address]);
    expect(await listProvisionsOf(client, contracts, relayer.address)).toEqual([]);
    expect(await readProvision(client, contracts, relayer.address)).toBeNull();
    expect((await readWalletActivity(client, contracts, controller.address)).map((a) => a.kind)).toEqual(["registered"]);
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
    expect((await readWalletActivity(client, contracts, controller.address)).map((a) => a.kind)).toEqual(["unlinked", "linked", "registered"]);
  });
});
