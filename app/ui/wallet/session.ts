/**
 * One wallet session per page (per chain), kept while the user moves between tabs: the views mount and
 * unmount, the connection stays, and so does the account's state (its reads, a change signed and not
 * relayed yet, the transactions sent from this page, what was typed into its forms).
 */
import type { Settings } from "../state/settings.svelte.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import { loadProvisionsEnv, publicClientFor, viemChain, type ProvisionsEnv } from "../provision/env.ts";
import { AccountState } from "./account.svelte.ts";
import { WalletState } from "./wallet.svelte.ts";

interface Session {
  key: string;
  wallet: WalletState;
  /** The account state, for the host whose provisions.json it was built from. */
  account: { host: string; state: Promise<AccountState> } | null;
}

let session: Session | null = null;

export function walletSession(settings: Settings): WalletState {
  const key = `${settings.chain.chainId}|${settings.rpcUrls.join(",")}`;
  if (session?.key !== key) {
    session?.wallet.disconnect();
    const wallet = new WalletState(viemChain(settings), publicClientFor(settings));
    wallet.discover();
    session = { key, wallet, account: null };
  }
  return session.wallet;
}

/**
 * The session's account state (created once the host's provision contracts are known, then kept for as
 * long as the session and the host are the same). A failure to load them is not kept: the next call tries
 * again.
 */
export function accountSession(
  settings: Settings,
  verifyConfig: () => VerifyConfig,
  loadEnv: (settings: Settings) => Promise<ProvisionsEnv> = loadProvisionsEnv,
): Promise<AccountState> {
  const wallet = walletSession(settings);
  const s = session!;
  const host = settings.effectiveHostOrigin;
  if (s.account?.host !== host) {
    const state = loadEnv(settings).then((env) => new AccountState(wallet, env, verifyConfig));
    const entry = { host, state };
    s.account = entry;
    state.catch(() => {
      if (s.account === entry) s.account = null;
    });
  }
  return s.account!.state;
}
