/**
 * Test support (Node only): a real Hardhat node with the AnchorRegistry deployed, and anchoring through
 * real transactions sent from the node's unlocked dev accounts with viem.
 */
import { createPublicClient, createWalletClient, http, type Hex } from "viem";
import { startLocalChain, type LocalChain } from "../../../../scripts/chain.ts";
import { anchorRegistryAbi } from "../../../contracts/abi.ts";
import { anchorRegistryBytecode } from "../../../contracts/bytecode.ts";

export interface AnchorChain {
  chain: LocalChain;
  registry: Hex;
  /** Dev accounts of the node (unlocked). */
  accounts: Hex[];
  /** Sends `anchor(root)` from `from` and waits for the receipt; returns the block number. */
  anchor(from: Hex, root: Hex): Promise<bigint>;
  /** Deploys another registry (e.g. to test a declaration mismatch). */
  deployRegistry(): Promise<Hex>;
  stop(): Promise<void>;
}

export async function startAnchorChain(port: number): Promise<AnchorChain> {
  const chain = await startLocalChain({ port });
  try {
    const transport = http(chain.url);
    const publicClient = createPublicClient({ transport });
    const wallet = createWalletClient({ transport });
    const accounts = (await wallet.getAddresses()) as Hex[];
    const deployRegistry = async (): Promise<Hex> => {
      const hash = await wallet.deployContract({
        abi: anchorRegistryAbi,
        bytecode: anchorRegistryBytecode as Hex,
        account: accounts[0]!,
        chain: null,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (!receipt.contractAddress) throw new Error("AnchorRegistry deployment produced no address");
      return receipt.contractAddress;
    };
    const registry = await deployRegistry();
    return {
      chain,
      registry,
      accounts,
      deployRegistry,
      async anchor(from, root) {
        const hash = await wallet.writeContract({
          address: registry,
          abi: anchorRegistryAbi,
          functionName: "anchor",
          args: [root],
          account: from,
          chain: null,
        });
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new Error(`anchor(${root}) reverted`);
        return receipt.blockNumber;
      },
      stop: () => chain.stop(),
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}
