/**
 * Deploys a contract on a Hardhat network and returns it typed by the ABI the app uses (app/contracts/abi.ts),
 * so the tests type-check without Hardhat's generated artifact types and exercise the exported ABIs.
 */
import type { HardhatViemHelpers } from "@nomicfoundation/hardhat-viem/types";
import { getContract, type Abi } from "viem";

export async function deployWithAbi<const TAbi extends Abi>(
  viem: HardhatViemHelpers,
  contractName: string,
  abi: TAbi,
  constructorArgs: unknown[] = [],
) {
  const { address } = await viem.deployContract(contractName, constructorArgs);
  const publicClient = await viem.getPublicClient();
  const [wallet] = await viem.getWalletClients();
  if (!wallet) throw new Error("the network has no accounts");
  return getContract({ address, abi, client: { public: publicClient, wallet } });
}
