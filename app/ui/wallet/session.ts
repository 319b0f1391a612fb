/**
 * One wallet session per page (per chain), kept while the user moves between tabs: the views mount and
 * unmount, the connection stays.
 */
import type { Settings } from "../state/settings.svelte.ts";
import { publicClientFor, viemChain } from "../provision/env.ts";
import { WalletState } from "./wallet.svelte.ts";

let session: { key: string; wallet: WalletState } | null = null;

export function walletSession(settings: Settings): WalletState {
  const key = `${settings.chain.chainId}|${settings.rpcUrls.join(",")}`;
  if (session?.key !== key) {
    session?.wallet.disconnect();
    const wallet = new WalletState(viemChain(settings), publicClientFor(settings));
    wallet.discover();
    session = { key, wallet };
  }
  return session.wallet;
}
