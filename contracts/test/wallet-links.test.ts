import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { walletLinksAbi } from "../../app/contracts/abi.ts";
import { deployWithAbi } from "./deploy.ts";
import { getAddress, keccak256, toHex, zeroHash } from "viem";

const DID = "did:webvh:QmPEQVM1JPTyrvEgBcDXwjK4TeyLGSX1PxjgyeAisdWM1p:localhost%3A8787:people:alice";

describe("WalletLinks", async () => {
  const { viem } = await network.create();
  const [alice, bob] = await viem.getWalletClients();
  assert.ok(alice && bob);

  it("links a wallet to a DID, exposes the hash and the DID in the event, and unlinks", async () => {
    const links = await deployWithAbi(viem, "WalletLinks", walletLinksAbi);
    const didHash = keccak256(toHex(DID));
    await viem.assertions.emitWithArgs(
      links.write.link([DID], { account: alice.account }),
      links,
      "WalletLinked",
      [getAddress(alice.account.address), didHash, DID],
    );
    assert.equal(await links.read.linkOf([alice.account.address]), didHash);
    assert.equal(await links.read.isLinked([alice.account.address, DID]), true);
    assert.equal(await links.read.isLinked([bob.account.address, DID]), false);
    await viem.assertions.revertWithCustomErrorWithArgs(
      links.write.link([`${DID}2`], { account: alice.account }),
      links,
      "WalletAlreadyLinked",
      [getAddress(alice.account.address), didHash],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      links.write.unlink({ account: bob.account }),
      links,
      "WalletNotLinked",
      [getAddress(bob.account.address)],
    );
    await viem.assertions.revertWithCustomError(links.write.link([""], { account: bob.account }), links, "EmptyDid");
    await viem.assertions.emitWithArgs(
      links.write.unlink({ account: alice.account }),
      links,
      "WalletUnlinked",
      [getAddress(alice.account.address), didHash],
    );
    assert.equal(await links.read.linkOf([alice.account.address]), zeroHash);
  });
});
