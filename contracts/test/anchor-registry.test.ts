import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { network } from "hardhat";
import { MerkleTree } from "merkletreejs";
import { anchorRegistryAbi } from "../../app/contracts/abi.ts";
import { deployWithAbi } from "./deploy.ts";
import { encodeAbiParameters, getAddress, keccak256, toHex, type Hex } from "viem";

/** The leaf of a did:webvh log entry, computed off chain as the publisher does. */
function leafOf(did: string, versionId: string): Hex {
  return keccak256(keccak256(encodeAbiParameters([{ type: "string" }, { type: "string" }], [did, versionId])));
}

const bytesOf = (hex: Hex) => Buffer.from(hex.slice(2), "hex");
const keccakBuffer = (data: Buffer) => bytesOf(keccak256(data));

describe("AnchorRegistry", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [honest, frontRunner] = await viem.getWalletClients();
  assert.ok(honest && frontRunner);
  let registry: Awaited<ReturnType<typeof deployWithAbi<typeof anchorRegistryAbi>>>;

  before(async () => {
    registry = await deployWithAbi(viem, "AnchorRegistry", anchorRegistryAbi);
  });

  it("anchors a root and reads back its block time and number", async () => {
    const root = keccak256(toHex("batch a"));
    const hash = await registry.write.anchor([root], { account: honest.account });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const [timestamp, blockNumber] = await registry.read.anchorOf([honest.account.address, root]);
    assert.equal(timestamp, block.timestamp);
    assert.equal(blockNumber, receipt.blockNumber);
    const events = await registry.getEvents.RootAnchored({}, { fromBlock: receipt.blockNumber });
    assert.deepEqual(
      events.map((e) => e.args),
      [{ anchorer: getAddress(honest.account.address), root }],
    );
    assert.deepEqual(await registry.read.anchorOf([frontRunner.account.address, root]), [0n, 0n]);
  });

  it("reverts by custom error on a repeat and on the zero root", async () => {
    const root = keccak256(toHex("batch b"));
    await registry.write.anchor([root], { account: honest.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.anchor([root], { account: honest.account }),
      registry,
      "RootAlreadyAnchored",
      [honest.account.address, root],
    );
    await viem.assertions.revertWithCustomError(
      registry.write.anchor([`0x${"00".repeat(32)}`], { account: honest.account }),
      registry,
      "ZeroRoot",
    );
  });

  it("gives a front-runner nothing: the honest anchor still succeeds with its own time", async () => {
    const root = keccak256(toHex("batch c"));
    // The front-runner copies the root out of the mempool and gets mined first.
    await viem.assertions.emitWithArgs(
      registry.write.anchor([root], { account: frontRunner.account }),
      registry,
      "RootAnchored",
      [frontRunner.account.address, root],
    );
    const [frontTime] = await registry.read.anchorOf([frontRunner.account.address, root]);
    await networkHelpers.time.increase(600);
    await viem.assertions.emitWithArgs(
      registry.write.anchor([root], { account: honest.account }),
      registry,
      "RootAnchored",
      [honest.account.address, root],
    );
    const [honestTime] = await registry.read.anchorOf([honest.account.address, root]);
    assert.ok(honestTime >= frontTime + 600n, `${honestTime} vs ${frontTime}`);
    assert.equal((await registry.read.anchorOf([frontRunner.account.address, root]))[0], frontTime);
  });

  it("verifies on chain the proofs of a merkletreejs sorted-pair tree of did:webvh entries", async () => {
    const did = "did:webvh:QmPEQVM1JPTyrvEgBcDXwjK4TeyLGSX1PxjgyeAisdWM1p:localhost%3A8787:passports:w-000001";
    const versionIds = Array.from({ length: 7 }, (_, i) => `${i + 1}-QmHash${i}`);
    const leaves = versionIds.map((v) => leafOf(did, v));
    assert.equal(await registry.read.leafOf([did, versionIds[0]!]), leaves[0]);
    const tree = new MerkleTree(leaves.map(bytesOf), keccakBuffer, { sortPairs: true });
    const root = tree.getHexRoot() as Hex;
    const proofOf = (i: number) => tree.getHexProof(bytesOf(leaves[i]!), i) as Hex[];
    assert.equal(await registry.read.verifyLeaf([honest.account.address, root, proofOf(0), leaves[0]!]), false);
    await registry.write.anchor([root], { account: honest.account });
    for (let i = 0; i < leaves.length; i++) {
      assert.equal(await registry.read.verifyLeaf([honest.account.address, root, proofOf(i), leaves[i]!]), true);
    }
    // A proof for another leaf, a leaf of another DID, and a root anchored by someone else all fail.
    assert.equal(await registry.read.verifyLeaf([honest.account.address, root, proofOf(1), leaves[0]!]), false);
    assert.equal(
      await registry.read.verifyLeaf([honest.account.address, root, proofOf(0), leafOf(`${did}x`, versionIds[0]!)]),
      false,
    );
    assert.equal(await registry.read.verifyLeaf([frontRunner.account.address, root, proofOf(0), leaves[0]!]), false);
    // verifyEntry computes the leaf from the entry itself.
    assert.equal(await registry.read.verifyEntry([honest.account.address, root, proofOf(3), did, versionIds[3]!]), true);
    assert.equal(await registry.read.verifyEntry([honest.account.address, root, proofOf(3), did, versionIds[2]!]), false);
    // The forgery verifyLeaf warns about: an inner node passes as a "leaf" with the rest of its path, but no
    // entry hashes to it, so verifyEntry cannot be fooled the same way.
    const layers = tree.getHexLayers() as Hex[][];
    const inner = layers[1]![0]!;
    const innerProof = proofOf(0).slice(1);
    assert.equal(await registry.read.verifyLeaf([honest.account.address, root, innerProof, inner]), true);
  });
});
