/**
 * The gas report: deploys the contracts on Hardhat's in-process network, performs each operation once as
 * a user would, and prints ONE JSON object (operation -> gas used by its transaction) on stdout, nothing
 * else. Reference baselines (contracts/reference/) are measured in the same run. Exits 1 when an
 * operation exceeds its budget (the failures are listed on stderr).
 *
 *   npm run -s gas
 */
import path from "node:path";
import { network } from "hardhat";
import { hashTypedData, keccak256, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { REGISTRATION_TYPES, STATE_CHANGE_TYPES } from "../app/core/provisions/typedData.ts";

/** Gas budgets per operation: the design's targets (see contracts/*.sol NatSpec). */
export const GAS_BUDGETS: Record<string, number> = {
  anchor: 46_000,
  provisionStateChange: 32_000,
  provisionStateChangeSigned: 45_000,
  provisionRevokeMachineKey: 32_000,
  provisionInvalidateNonce: 32_000,
  provisionTransferControl: 52_000,
  provisionAcceptControl: 33_000,
  provisionUpdateMetadataHash: 34_000,
  walletLink: 60_000,
};

/** A did:webvh DID of realistic length (SCID of 46 characters, a host and a path). */
const DID = "did:webvh:QmPEQVM1JPTyrvEgBcDXwjK4TeyLGSX1PxjgyeAisdWM1p:cdn.example.com:providers:acme:p-000001";


/** Deploys everything on a fresh in-process network and returns the gas used by each operation. */
export async function measureGas(): Promise<Record<string, number>> {
  const { viem } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [controller, machine, relayer, wallet] = await viem.getWalletClients();
  if (!controller || !machine || !relayer || !wallet) throw new Error("need 4 accounts");
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
    types: REGISTRATION_TYPES,
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
    types: STATE_CHANGE_TYPES,
    primaryType: "ProvisionStateChange",
    message: { machine: machine.account.address, state: OFF, nonce, deadline },
  });
  await measure("provisionStateChangeSigned", () =>
    provisions.write.changeStateSigned([machine.account.address, OFF, deadline, signature], { account: relayer.account }),
  );

  // The controller's safety operations: cancel a pending signature, hand over control (two steps), follow a
  // new DID document's metadata, revoke a leaked machine key.
  await measure("provisionInvalidateNonce", () =>
    provisions.write.invalidateNonce([machine.account.address], { account: controller.account }),
  );
  await measure("provisionTransferControl", () =>
    provisions.write.transferControl([machine.account.address, wallet.account.address], { account: controller.account }),
  );
  await measure("provisionAcceptControl", () => provisions.write.acceptControl([machine.account.address], { account: wallet.account }));
  await measure("provisionUpdateMetadataHash", () =>
    provisions.write.updateMetadataHash([machine.account.address, keccak256(toHex('{"tier":"gpu-b"}'))], { account: wallet.account }),
  );
  await measure("provisionRevokeMachineKey", () =>
    provisions.write.revokeMachineKey([machine.account.address], { account: wallet.account }),
  );

  // The same relayed change with a contract wallet (ERC-1271) as the machine: an extra call to the wallet.
  const owner = privateKeyToAccount(keccak256(toHex("gas report wallet owner")));
  const contractMachine = await viem.deployContract("TestERC1271Wallet", [owner.address]);
  const walletConsent = await owner.sign({
    hash: hashTypedData({
      domain,
      types: REGISTRATION_TYPES,
      primaryType: "ProvisionRegistration",
      message: { machine: contractMachine.address, controller: controller.account.address, did: DID, metadataHash, deadline },
    }),
  });
  await provisions.write.registerProvision([contractMachine.address, DID, metadataHash, deadline, walletConsent], {
    account: controller.account,
  });
  const walletSignature = await owner.sign({
    hash: hashTypedData({
      domain,
      types: STATE_CHANGE_TYPES,
      primaryType: "ProvisionStateChange",
      message: { machine: contractMachine.address, state: RUNNING, nonce: 0n, deadline },
    }),
  });
  await measure("provisionStateChangeSigned.erc1271", () =>
    provisions.write.changeStateSigned([contractMachine.address, RUNNING, deadline, walletSignature], {
      account: relayer.account,
    }),
  );

  // Wallet links.
  const links = await viem.deployContract("WalletLinks");
  await measure("walletLink", () => links.write.link([DID], { account: wallet.account }));
  await measure("walletUnlink", () => links.write.unlink({ account: wallet.account }));

  return gas;
}

/** The operations over budget, with what they used. */
export function overBudget(gas: Record<string, number>): { name: string; used: number; budget: number }[] {
  return Object.entries(GAS_BUDGETS)
    .map(([name, budget]) => ({ name, used: gas[name] ?? Number.POSITIVE_INFINITY, budget }))
    .filter(({ used, budget }) => used > budget);
}

async function main(): Promise<void> {
  const gas = await measureGas();
  process.stdout.write(`${JSON.stringify(gas, null, 2)}\n`);
  const over = overBudget(gas);
  for (const { name, used, budget } of over) console.error(`gas budget exceeded: ${name} used ${used} > ${budget}`);
  if (over.length > 0) process.exitCode = 1;
}

// Run only as the script itself (`hardhat run scripts/gas.ts`), not when contracts/test/gas.test.ts imports it.
if (process.argv.some((arg) => arg.endsWith(path.join("scripts", "gas.ts")))) {
  await main();
}
