/**
 * The gas report: deploys the contracts on Hardhat's in-process network, performs each operation once as
 * a user would, and prints ONE JSON object (operation -> gas used by its transaction) on stdout, nothing
 * else. Reference baselines (contracts/reference/) are measured in the same run. Exits 1 when an
 * operation exceeds its budget (the failures are listed on stderr).
 *
 *   npm run -s gas
 */
import { network } from "hardhat";
import { keccak256, toHex, type Hex } from "viem";

/** Gas budgets per operation: the design's targets (see contracts/*.sol NatSpec). */
export const GAS_BUDGETS: Record<string, number> = {
  anchor: 46_000,
  provisionStateChange: 32_000,
  provisionStateChangeSigned: 45_000,
  walletLink: 60_000,
};

/** A did:webvh DID of realistic length (SCID of 46 characters, a host and a path). */
const DID = "did:webvh:QmPEQVM1JPTyrvEgBcDXwjK4TeyLGSX1PxjgyeAisdWM1p:cdn.example.com:providers:acme:p-000001";

const { viem } = await network.create();
const publicClient = await viem.getPublicClient();
const [controller, machine, relayer, wallet, other] = await viem.getWalletClients();
if (!controller || !machine || !relayer || !wallet || !other) throw new Error("need 5 accounts");
const chainId = await publicClient.getChainId();

const gas: Record<string, number> = {};
async function measure(name: string, send: () => Promise<Hex>): Promise<void> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await send() });
  if (receipt.status !== "success") throw new Error(`${name} reverted`);
  gas[name] = Number(receipt.gasUsed);
}

// Anchoring: one Merkle root per batch.
const anchors = await viem.deployContract("AnchorRegistry");
const eas = await viem.deployContract("EasTimestampReference");
const eventOnly = await viem.deployContract("EventOnlyAnchorReference");
const root = keccak256(toHex("batch 1"));
await measure("anchor", () => anchors.write.anchor([root], { account: controller.account }));
await measure("reference.easTimestamp", () => eas.write.timestamp([root], { account: controller.account }));
await measure("reference.eventOnlyAnchor", () => eventOnly.write.anchor([root], { account: controller.account }));

// Provisions: register (with the machine's consent), a change by the controller, a relayed signed change.
const provisions = await viem.deployContract("ProvisionRegistry");
const domain = { name: "ProvisionRegistry", version: "1", chainId, verifyingContract: provisions.address } as const;
const deadline = 2n ** 40n;
const metadataHash = keccak256(toHex('{"tier":"gpu-a","country":"DE"}'));
const consent = await machine.signTypedData({
  account: machine.account,
  domain,
  types: {
    ProvisionRegistration: [
      { name: "machine", type: "address" },
      { name: "controller", type: "address" },
      { name: "did", type: "string" },
      { name: "metadataHash", type: "bytes32" },
      { name: "deadline", type: "uint256" },
    ],
  },
  primaryType: "ProvisionRegistration",
  message: { machine: machine.account.address, controller: controller.account.address, did: DID, metadataHash, deadline },
});
await measure("provisionRegister", () =>
  provisions.write.registerProvision([machine.account.address, DID, metadataHash, deadline, consent], {
    account: controller.account,
  }),
);
const RUNNING = 2;
const OFF = 3;
await measure("provisionStateChange", () =>
  provisions.write.changeState([machine.account.address, RUNNING], { account: controller.account }),
);
const nonce = await provisions.read.nonceOf([machine.account.address]);
const signature = await machine.signTypedData({
  account: machine.account,
  domain,
  types: {
    ProvisionStateChange: [
      { name: "machine", type: "address" },
      { name: "state", type: "uint8" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  },
  primaryType: "ProvisionStateChange",
  message: { machine: machine.account.address, state: OFF, nonce, deadline },
});
await measure("provisionStateChangeSigned", () =>
  provisions.write.changeStateSigned([machine.account.address, OFF, deadline, signature], { account: relayer.account }),
);

// Wallet links.
const links = await viem.deployContract("WalletLinks");
await measure("walletLink", () => links.write.link([DID], { account: wallet.account }));
await measure("walletUnlink", () => links.write.unlink({ account: wallet.account }));

process.stdout.write(`${JSON.stringify(gas, null, 2)}\n`);

const over = Object.entries(GAS_BUDGETS).filter(([name, budget]) => (gas[name] ?? Infinity) > budget);
for (const [name, budget] of over) console.error(`gas budget exceeded: ${name} used ${gas[name]} > ${budget}`);
if (over.length > 0) process.exitCode = 1;
