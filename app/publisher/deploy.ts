/**
 * The AnchorRegistry the publisher anchors into: used as configured when the address holds code, else
 * deployed from the bytecode in app/contracts/bytecode.ts (generated from contracts/AnchorRegistry.sol).
 */
import { getAddress } from "viem";
import { anchorRegistryAbi } from "../contracts/abi.ts";
import { anchorRegistryBytecode } from "../contracts/bytecode.ts";
import { InvalidError } from "../core/errors.ts";
import type { Hex } from "../core/types.ts";
import type { ChainConnection } from "./chain.ts";
import { deployContract } from "./send.ts";

/** The address configured as the registry holds no contract (and deploying was not allowed). */
export class RegistryMissingError extends InvalidError {
  override readonly name = "RegistryMissingError";
}

/** Does `address` hold contract code? */
export async function hasCode(conn: ChainConnection, address: Hex): Promise<boolean> {
  const code = await conn.publicClient.getCode({ address });
  return code !== undefined && code !== "0x";
}

/**
 * Deploys AnchorRegistry from the account and waits for it; returns its address. Its gas is checked against
 * the account's balance first (SenderUnfundedError, nothing sent); a reverted deployment is
 * TransactionRevertedError, a chain that does not answer ChainUnreachableError (send.ts).
 */
export async function deployRegistry(conn: ChainConnection): Promise<Hex> {
  return (await deployContract(conn, "Deploying the anchor registry", anchorRegistryAbi, anchorRegistryBytecode)).address;
}

/**
 * The registry to anchor into: `registry` when it holds code; otherwise a fresh deployment when
 * `deployIfMissing` (the default), else RegistryMissingError.
 */
export async function ensureRegistry(
  conn: ChainConnection,
  registry: Hex | undefined,
  options: { deployIfMissing?: boolean } = {},
): Promise<{ registry: Hex; deployed: boolean }> {
  if (registry !== undefined && (await hasCode(conn, registry))) return { registry: getAddress(registry), deployed: false };
  if (options.deployIfMissing === false) {
    throw new RegistryMissingError("No contract at the registry address", { details: `${registry ?? "(none)"} on chain ${conn.chainId}` });
  }
  return { registry: getAddress(await deployRegistry(conn)), deployed: true };
}
