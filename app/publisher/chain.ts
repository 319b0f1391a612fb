/**
 * The publisher's connection to an EVM chain: a viem public client and a wallet client over HTTP for
 * one account, and the registry deployment.
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { anchorRegistryAbi } from "../contracts/abi.ts";
import { anchorRegistryBytecode } from "../contracts/bytecode.ts";
import { InvalidError, UnverifiableError } from "../core/errors.ts";
import type { Hex } from "../core/types.ts";

/** Hardhat's well-known first development account: public knowledge, only ever used on chain 31337. */
export const HARDHAT_DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const LOCAL_CHAIN_ID = 31337;

/** The chain could not be reached or refused the transaction. */
export class ChainUnreachableError extends UnverifiableError {
  override readonly name = "ChainUnreachableError";
}
/** No anchoring key: a real chain needs a keystore (the development key is for chain 31337 only). */
export class AnchoringKeyMissingError extends InvalidError {
  override readonly name = "AnchoringKeyMissingError";
}
/** The address configured as the registry holds no contract (and deploying was not allowed). */
export class RegistryMissingError extends InvalidError {
  override readonly name = "RegistryMissingError";
}

export interface ChainConnection {
  chainId: number;
  rpcUrl: string;
  account: Account & { address: Hex };
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
}

/**
 * Connects to `rpcUrl` with the anchoring key: the keystore's when given, else Hardhat's development
 * key on chain 31337 only; any other chain without a key is refused.
 */
export async function connectChain(rpcUrl: string, privateKey?: Hex): Promise<ChainConnection> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 1 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (cause) {
    throw new ChainUnreachableError("The chain does not answer", { details: rpcUrl, cause });
  }
  if (privateKey === undefined) {
    if (chainId !== LOCAL_CHAIN_ID) {
      throw new AnchoringKeyMissingError("No anchoring key for this chain", {
        details: `chain ${chainId} is not the local development chain (${LOCAL_CHAIN_ID}): pass --keystore with an anchoring key`,
      });
    }
    privateKey = HARDHAT_DEV_KEY;
  }
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const account = privateKeyToAccount(privateKey);
  const transport = http(rpcUrl, { retryCount: 2, batch: false });
  return {
    chainId,
    rpcUrl,
    account,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient<Transport, Chain>,
    walletClient: createWalletClient({ chain, transport, account, pollingInterval: 50 }),
  };
}

/** Does `address` hold contract code? */
export async function hasCode(conn: ChainConnection, address: Hex): Promise<boolean> {
  const code = await conn.publicClient.getCode({ address });
  return code !== undefined && code !== "0x";
}

/** Deploys AnchorRegistry from the account and waits for it; returns its address. */
export async function deployRegistry(conn: ChainConnection): Promise<Hex> {
  const hash = await conn.walletClient.deployContract({ abi: anchorRegistryAbi, bytecode: anchorRegistryBytecode });
  const receipt = await conn.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new ChainUnreachableError("Deploying the anchor registry failed", { details: hash });
  }
  return receipt.contractAddress;
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
