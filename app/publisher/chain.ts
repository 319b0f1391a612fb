/**
 * The publisher's connection to an EVM chain: a viem public client and a wallet client over HTTP for
 * one account. The registry's deployment is in deploy.ts.
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
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
/**
 * With `readOnly`, a missing key is no error: the connection gets a throwaway account of its own, which
 * holds nothing and is never asked to send (anchoring for another wallet only reads the chain).
 */
export async function connectChain(rpcUrl: string, privateKey?: Hex, options: { readOnly?: boolean } = {}): Promise<ChainConnection> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 1 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (cause) {
    throw new ChainUnreachableError("The chain does not answer", { details: rpcUrl, cause });
  }
  if (privateKey === undefined && options.readOnly) privateKey = generatePrivateKey();
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
