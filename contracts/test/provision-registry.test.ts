import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { provisionRegistryAbi } from "../../app/contracts/abi.ts";
import { deployWithAbi } from "./deploy.ts";
import { domainSeparator, getAddress, hashTypedData, keccak256, toHex, type Address, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { REGISTRATION_TYPES, STATE_CHANGE_TYPES } from "../../app/core/provisions/typedData.ts";

const State = { None: 0, Started: 1, Running: 2, Off: 3 } as const;
const DID = "did:webvh:QmPEQVM1JPTyrvEgBcDXwjK4TeyLGSX1PxjgyeAisdWM1p:cdn.example.com:providers:acme:p-000001";
const META = keccak256(toHex('{"tier":"gpu-a","country":"DE"}'));
const FAR = 2n ** 40n;


describe("ProvisionRegistry", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [controller, relayer, stranger] = await viem.getWalletClients();
  assert.ok(controller && relayer && stranger);
  const chainId = await publicClient.getChainId();

  async function deploy() {
    const registry = await deployWithAbi(viem, "ProvisionRegistry", provisionRegistryAbi);
    const domain = { name: "ProvisionRegistry", version: "1", chainId, verifyingContract: registry.address } as const;
    return { registry, domain };
  }
  type Deployed = Awaited<ReturnType<typeof deploy>>;

  /** A machine key (a viem local account) consents, the controller's wallet registers. */
  async function register({ registry, domain }: Deployed, machine: LocalAccount) {
    const consent = await machine.signTypedData({
      domain,
      types: REGISTRATION_TYPES,
      primaryType: "ProvisionRegistration",
      message: { machine: machine.address, controller: controller!.account.address, did: DID, metadataHash: META, deadline: FAR },
    });
    await registry.write.registerProvision([machine.address, DID, META, FAR, consent], { account: controller!.account });
  }

  async function signChange({ registry, domain }: Deployed, signer: LocalAccount, machine: Address, state: number, deadline = FAR) {
    const nonce = await registry.read.nonceOf([machine]);
    return signer.signTypedData({
      domain,
      types: STATE_CHANGE_TYPES,
      primaryType: "ProvisionStateChange",
      message: { machine, state, nonce, deadline },
    });
  }

  it("registers with the machine's consent and exposes the provision, the EIP-712 types and domain", async () => {
    const deployed = await deploy();
    const { registry, domain } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const p = await registry.read.provisionOf([machine.address]);
    assert.equal(p.controller, getAddress(controller.account.address));
    assert.equal(p.state, State.Started);
    assert.equal(p.nonce, 0);
    assert.equal(p.did, DID);
    assert.equal(p.metadataHash, META);
    assert.equal(
      await registry.read.STATE_CHANGE_TYPE(),
      "ProvisionStateChange(address machine,uint8 state,uint256 nonce,uint256 deadline)",
    );
    const [, name, version, domainChainId, verifyingContract] = await registry.read.eip712Domain();
    assert.deepEqual([name, version, domainChainId, verifyingContract], ["ProvisionRegistry", "1", BigInt(chainId), getAddress(registry.address)]);
    // viem's EIP-712 domain hashing and the contract's agree.
    assert.equal(await registry.read.domainSeparator(), domainSeparator({ domain }));
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerProvision([machine.address, DID, META, FAR, "0x"], { account: stranger.account }),
      registry,
      "ProvisionAlreadyRegistered",
      [getAddress(machine.address)],
    );
  });

  it("rejects a squatter who registers a machine without its consent", async () => {
    const deployed = await deploy();
    const { registry, domain } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    const consentForController = await machine.signTypedData({
      domain,
      types: REGISTRATION_TYPES,
      primaryType: "ProvisionRegistration",
      message: { machine: machine.address, controller: controller.account.address, did: DID, metadataHash: META, deadline: FAR },
    });
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerProvision([machine.address, DID, META, FAR, consentForController], { account: stranger.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
  });

  it("lets the controller move the state and rebuilds the history from the events", async () => {
    const deployed = await deploy();
    const { registry } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const fromBlock = await publicClient.getBlockNumber();
    for (const to of [State.Running, State.Off, State.Running]) {
      await registry.write.changeState([machine.address, to], { account: controller.account });
    }
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeState([machine.address, State.Started], { account: controller.account }),
      registry,
      "InvalidStateTransition",
      [getAddress(machine.address), State.Running, State.Started],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeState([machine.address, State.Off], { account: stranger.account }),
      registry,
      "UnauthorizedStateChange",
      [getAddress(machine.address), getAddress(stranger.account.address)],
    );
    const registered = await registry.getEvents.ProvisionRegistered({ machine: machine.address }, { fromBlock: 0n });
    assert.equal(registered.length, 1);
    assert.equal(registered[0]!.args.did, DID);
    const changes = await registry.getEvents.ProvisionStateChanged({ machine: machine.address }, { fromBlock });
    assert.deepEqual(
      changes.map((e) => [e.args.from, e.args.to, e.args.by]),
      [
        [State.Started, State.Running, getAddress(controller.account.address)],
        [State.Running, State.Off, getAddress(controller.account.address)],
        [State.Off, State.Running, getAddress(controller.account.address)],
      ],
    );
    assert.equal(await registry.read.nonceOf([machine.address]), 3n);
  });

  it("relays a change signed with signTypedData by the machine key, once, before its deadline", async () => {
    const deployed = await deploy();
    const { registry } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const sig = await signChange(deployed, machine, machine.address, State.Running);
    await viem.assertions.emitWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, sig], { account: relayer.account }),
      registry,
      "ProvisionStateChanged",
      [getAddress(machine.address), State.Started, State.Running, getAddress(machine.address)],
    );
    await registry.write.changeState([machine.address, State.Off], { account: controller.account });
    // Off -> Running is legal, but the signature was for nonce 0: no replay.
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, sig], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
    const now = (await publicClient.getBlock()).timestamp;
    const soon = now + 60n;
    const expiring = await signChange(deployed, machine, machine.address, State.Running, soon);
    await networkHelpers.time.increase(120);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, soon, expiring], { account: relayer.account }),
      registry,
      "ExpiredSignature",
      [soon],
    );
    const byStranger = await signChange(deployed, privateKeyToAccount(generatePrivateKey()), machine.address, State.Running);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, byStranger], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
    // A signature made for another deployment (another verifyingContract) does not work here.
    const other = await deploy();
    await register(other, machine);
    await registry.write.changeState([machine.address, State.Running], { account: controller.account });
    const forOther = await signChange(other, machine, machine.address, State.Running);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Off, FAR, forOther], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
  });

  it("accepts an ERC-1271 contract wallet as the machine", async () => {
    const deployed = await deploy();
    const { registry, domain } = deployed;
    const owner = privateKeyToAccount(generatePrivateKey());
    const wallet = await viem.deployContract("TestERC1271Wallet", [owner.address]);
    // The wallet's owner signs the EIP-712 digest; the wallet vouches for it through isValidSignature.
    const consentDigest = hashTypedData({
      domain,
      types: REGISTRATION_TYPES,
      primaryType: "ProvisionRegistration",
      message: { machine: wallet.address, controller: controller.account.address, did: DID, metadataHash: META, deadline: FAR },
    });
    await registry.write.registerProvision([wallet.address, DID, META, FAR, await owner.sign({ hash: consentDigest })], {
      account: controller.account,
    });
    const changeDigest = (state: number, nonce: bigint): Hex =>
      hashTypedData({ domain, types: STATE_CHANGE_TYPES, primaryType: "ProvisionStateChange", message: { machine: wallet.address, state, nonce, deadline: FAR } });
    await registry.write.changeStateSigned([wallet.address, State.Running, FAR, await owner.sign({ hash: changeDigest(State.Running, 0n) })], {
      account: relayer.account,
    });
    assert.equal((await registry.read.provisionOf([wallet.address])).state, State.Running);
    const impostor = privateKeyToAccount(generatePrivateKey());
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([wallet.address, State.Off, FAR, await impostor.sign({ hash: changeDigest(State.Off, 1n) })], {
        account: relayer.account,
      }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(wallet.address)],
    );
  });
  it("EIP-7702: a machine key that delegated its EOA keeps signing through its delegate's ERC-1271; a delegate without it cannot", async () => {
    const deployed = await deploy();
    const { registry } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const account7702 = await viem.deployContract("Test7702Account");
    const noWallet = await viem.deployContract("AnchorRegistry");
    // The machine key authorises a delegation (EIP-7702); the relayer's type-4 transaction installs it.
    const delegate = async (contractAddress: Address) => {
      const authorization = await machine.signAuthorization({ chainId, contractAddress, nonce: await publicClient.getTransactionCount({ address: machine.address }) });
      const hash = await relayer.sendTransaction({ to: relayer.account.address, authorizationList: [authorization] });
      await publicClient.waitForTransactionReceipt({ hash });
      return publicClient.getCode({ address: machine.address });
    };
    assert.equal(await delegate(account7702.address), `0xef0100${account7702.address.slice(2).toLowerCase()}`);
    // With code, SignatureChecker asks the machine's ERC-1271: the delegate vouches for its own key.
    await registry.write.changeStateSigned([machine.address, State.Running, FAR, await signChange(deployed, machine, machine.address, State.Running)], {
      account: relayer.account,
    });
    assert.equal((await registry.read.provisionOf([machine.address])).state, State.Running);
    // Another key's signature is still refused through the delegate.
    const stranger7702 = await signChange(deployed, privateKeyToAccount(generatePrivateKey()), machine.address, State.Off);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Off, FAR, stranger7702], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
    // Delegated to code that has no isValidSignature, the machine key's own signature no longer counts:
    // the controller's transactions (and revokeMachineKey) remain the way out (contracts/README.md).
    await delegate(noWallet.address);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Off, FAR, await signChange(deployed, machine, machine.address, State.Off)], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
    await registry.write.changeState([machine.address, State.Off], { account: controller.account });
    assert.equal((await registry.read.provisionOf([machine.address])).state, State.Off);
  });

  it("refuses an expired registration consent", async () => {
    const { registry, domain } = await deploy();
    const machine = privateKeyToAccount(generatePrivateKey());
    const soon = (await publicClient.getBlock()).timestamp + 60n;
    const consent = await machine.signTypedData({
      domain,
      types: REGISTRATION_TYPES,
      primaryType: "ProvisionRegistration",
      message: { machine: machine.address, controller: controller.account.address, did: DID, metadataHash: META, deadline: soon },
    });
    await networkHelpers.time.increase(120);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerProvision([machine.address, DID, META, soon, consent], { account: controller.account }),
      registry,
      "ExpiredSignature",
      [soon],
    );
  });

  it("revokes a leaked machine key: its signatures are refused, the controller's still work", async () => {
    const deployed = await deploy();
    const { registry } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const pending = await signChange(deployed, machine, machine.address, State.Running);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.revokeMachineKey([machine.address], { account: stranger.account }),
      registry,
      "CallerNotController",
      [getAddress(machine.address), getAddress(stranger.account.address)],
    );
    await viem.assertions.emitWithArgs(
      registry.write.revokeMachineKey([machine.address], { account: controller.account }),
      registry,
      "MachineKeyRevoked",
      [getAddress(machine.address), getAddress(controller.account.address)],
    );
    assert.equal(await registry.read.isMachineKeyRevoked([machine.address]), true);
    assert.equal(await registry.read.nonceOf([machine.address]), 1n);
    // The signature given before the revocation died with the nonce; a fresh one is refused as revoked.
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, pending], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
    const fresh = await signChange(deployed, machine, machine.address, State.Running);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, fresh], { account: relayer.account }),
      registry,
      "RevokedMachineKey",
      [getAddress(machine.address)],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.revokeMachineKey([machine.address], { account: controller.account }),
      registry,
      "MachineKeyAlreadyRevoked",
      [getAddress(machine.address)],
    );
    // The controller (a Hardhat account signing with eth_signTypedData_v4) still signs, and still sends.
    const byController = await controller.signTypedData({
      account: controller.account,
      domain: deployed.domain,
      types: STATE_CHANGE_TYPES,
      primaryType: "ProvisionStateChange",
      message: { machine: machine.address, state: State.Running, nonce: 1n, deadline: FAR },
    });
    await viem.assertions.emitWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, byController], { account: relayer.account }),
      registry,
      "ProvisionStateChanged",
      [getAddress(machine.address), State.Started, State.Running, getAddress(controller.account.address)],
    );
    await registry.write.changeState([machine.address, State.Off], { account: controller.account });
    assert.equal((await registry.read.provisionOf([machine.address])).state, State.Off);
  });

  it("cancels a pending signed change with invalidateNonce", async () => {
    const deployed = await deploy();
    const { registry } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const pending = await signChange(deployed, machine, machine.address, State.Running);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.invalidateNonce([machine.address], { account: relayer.account }),
      registry,
      "CallerNotController",
      [getAddress(machine.address), getAddress(relayer.account.address)],
    );
    await viem.assertions.emitWithArgs(
      registry.write.invalidateNonce([machine.address], { account: controller.account }),
      registry,
      "NonceInvalidated",
      [getAddress(machine.address), 0n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, pending], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
    assert.equal((await registry.read.provisionOf([machine.address])).nonce, 1);
  });

  it("transfers control in two steps; the old controller's signatures die", async () => {
    const deployed = await deploy();
    const { registry, domain } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const next = stranger;
    const oldSigned = await controller.signTypedData({
      account: controller.account,
      domain,
      types: STATE_CHANGE_TYPES,
      primaryType: "ProvisionStateChange",
      message: { machine: machine.address, state: State.Running, nonce: 0n, deadline: FAR },
    });
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.transferControl([machine.address, next.account.address], { account: next.account }),
      registry,
      "CallerNotController",
      [getAddress(machine.address), getAddress(next.account.address)],
    );
    await viem.assertions.emitWithArgs(
      registry.write.transferControl([machine.address, next.account.address], { account: controller.account }),
      registry,
      "ControlTransferStarted",
      [getAddress(machine.address), getAddress(controller.account.address), getAddress(next.account.address)],
    );
    assert.equal(await registry.read.pendingControllerOf([machine.address]), getAddress(next.account.address));
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.acceptControl([machine.address], { account: relayer.account }),
      registry,
      "CallerNotPendingController",
      [getAddress(machine.address), getAddress(relayer.account.address)],
    );
    await viem.assertions.emitWithArgs(
      registry.write.acceptControl([machine.address], { account: next.account }),
      registry,
      "ControlTransferred",
      [getAddress(machine.address), getAddress(controller.account.address), getAddress(next.account.address)],
    );
    const p = await registry.read.provisionOf([machine.address]);
    assert.equal(p.controller, getAddress(next.account.address));
    assert.equal(p.nonce, 1);
    assert.equal(await registry.read.pendingControllerOf([machine.address]), "0x0000000000000000000000000000000000000000");
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeStateSigned([machine.address, State.Running, FAR, oldSigned], { account: relayer.account }),
      registry,
      "InvalidProvisionSignature",
      [getAddress(machine.address)],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.changeState([machine.address, State.Running], { account: controller.account }),
      registry,
      "UnauthorizedStateChange",
      [getAddress(machine.address), getAddress(controller.account.address)],
    );
    await registry.write.changeState([machine.address, State.Running], { account: next.account });
    // A proposal can be cancelled with the zero address.
    await registry.write.transferControl([machine.address, controller.account.address], { account: next.account });
    await registry.write.transferControl([machine.address, "0x0000000000000000000000000000000000000000"], { account: next.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.acceptControl([machine.address], { account: controller.account }),
      registry,
      "CallerNotPendingController",
      [getAddress(machine.address), getAddress(controller.account.address)],
    );
  });

  it("updates the metadata hash, by the controller only", async () => {
    const deployed = await deploy();
    const { registry } = deployed;
    const machine = privateKeyToAccount(generatePrivateKey());
    await register(deployed, machine);
    const updated = keccak256(toHex('{"tier":"gpu-b","country":"FR"}'));
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.updateMetadataHash([machine.address, updated], { account: stranger.account }),
      registry,
      "CallerNotController",
      [getAddress(machine.address), getAddress(stranger.account.address)],
    );
    await viem.assertions.emitWithArgs(
      registry.write.updateMetadataHash([machine.address, updated], { account: controller.account }),
      registry,
      "ProvisionMetadataUpdated",
      [getAddress(machine.address), updated],
    );
    const p = await registry.read.provisionOf([machine.address]);
    assert.equal(p.metadataHash, updated);
    assert.equal(p.nonce, 0);
  });
});
