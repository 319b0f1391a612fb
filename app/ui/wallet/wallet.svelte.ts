/**
 * The connected browser wallet: discovery (EIP-6963), connection (EIP-1193), the chain it is on,
 * switching or adding the app's chain (4902 -> wallet_addEthereumChain), and reacting to
 * accountsChanged / chainChanged / disconnect. Reads (balance) go through the app's own RPC endpoint,
 * never through the wallet; the wallet only signs and sends.
 */
import {
  createWalletClient,
  custom,
  getAddress,
  numberToHex,
  type Chain,
  type PublicClient,
  type WalletClient,
  type Account,
  type Transport,
} from "viem";
import {
  discoverWallets,
  providerErrorCode,
  UNRECOGNIZED_CHAIN,
  USER_REJECTED,
  type Eip1193Provider,
  type Eip6963ProviderDetail,
} from "./eip1193.ts";
import type { Hex } from "../../core/types.ts";

export type WalletStatus = "disconnected" | "connecting" | "connected";

export class WalletState {
  wallets = $state.raw<readonly Eip6963ProviderDetail[]>([]);
  status = $state<WalletStatus>("disconnected");
  /** The wallet in use (its EIP-6963 info), when connected. */
  current = $state.raw<Eip6963ProviderDetail | null>(null);
  address = $state<Hex | null>(null);
  /** The chain the wallet is on (may differ from the app's chain). */
  chainId = $state<number | null>(null);
  balance = $state<bigint | null>(null);
  /** What went wrong last, in words a person reads; cleared by the next successful action. */
  error = $state<string | null>(null);

  readonly chain: Chain;
  readonly #publicClient: PublicClient;
  #stopDiscovery: (() => void) | null = null;
  #unsubscribe: (() => void) | null = null;
  /** The connection attempt in progress: an older one's late answer is ignored. */
  #attempt = 0;

  /** Connected, but on another chain than the app's. */
  get wrongChain(): boolean {
    return this.status === "connected" && this.chainId !== null && this.chainId !== this.chain.id;
  }

  constructor(chain: Chain, publicClient: PublicClient) {
    this.chain = chain;
    this.#publicClient = publicClient;
  }

  /** Starts EIP-6963 discovery (call once the page is up). */
  discover(target: Window = window): void {
    this.#stopDiscovery?.();
    this.#stopDiscovery = discoverWallets((list) => (this.wallets = list), target);
  }

  /** The wallet asked to connect, while it has not answered (a wallet may never answer: cancel, or pick another). */
  get waitingFor(): Eip6963ProviderDetail | null {
    return this.status === "connecting" ? this.current : null;
  }

  /**
   * Asks `detail` for its accounts. Another wallet may be picked while one has not answered (its late
   * answer is then ignored), and `cancelConnect()` stops waiting.
   */
  async connect(detail: Eip6963ProviderDetail): Promise<void> {
    this.#detach();
    const attempt = ++this.#attempt;
    this.status = "connecting";
    this.error = null;
    this.current = detail;
    try {
      const accounts = (await detail.provider.request({ method: "eth_requestAccounts" })) as string[];
      if (attempt !== this.#attempt) return;
      const first = accounts[0];
      if (!first) throw new Error("the wallet returned no account");
      const chainId = Number(await detail.provider.request({ method: "eth_chainId" }));
      if (attempt !== this.#attempt) return;
      this.address = getAddress(first);
      this.chainId = chainId;
      this.#attach(detail.provider);
      this.status = "connected";
      void this.refreshBalance();
    } catch (e) {
      if (attempt !== this.#attempt) return;
      this.#reset();
      this.error =
        providerErrorCode(e) === USER_REJECTED ? "You declined the connection in your wallet." : `Could not connect: ${message(e)}`;
    }
  }

  /** Stops waiting for a wallet that has not answered the connection request (its answer, if any, is ignored). */
  cancelConnect(): void {
    if (this.status !== "connecting") return;
    this.#attempt++;
    this.#reset();
  }

  /** Forgets the wallet on our side (EIP-1193 has no standard "disconnect" request). */
  disconnect(): void {
    const provider = this.current?.provider;
    this.#attempt++;
    this.#reset();
    this.error = null;
    // Best effort (EIP-2255): let wallets that support it drop the permission too.
    provider?.request({ method: "wallet_revokePermissions", params: [{ eth_accounts: {} }] }).catch(() => undefined);
  }

  /** Asks the wallet to switch to the app's chain; adds the chain first when the wallet does not know it. */
  async switchChain(): Promise<boolean> {
    const provider = this.current?.provider;
    if (!provider) return false;
    this.error = null;
    const chainIdHex = numberToHex(this.chain.id);
    let step = "switch" as "switch" | "add";
    try {
      try {
        await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: chainIdHex }] });
      } catch (e) {
        if (providerErrorCode(e) !== UNRECOGNIZED_CHAIN) throw e;
        step = "add";
        await provider.request({
          method: "wallet_addEthereumChain",
          params: [
            {
              chainId: chainIdHex,
              chainName: this.chain.name,
              nativeCurrency: this.chain.nativeCurrency,
              rpcUrls: this.chain.rpcUrls.default.http,
              ...(this.chain.blockExplorers ? { blockExplorerUrls: [this.chain.blockExplorers.default.url] } : {}),
            },
          ],
        });
        step = "switch";
        await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: chainIdHex }] });
      }
      this.chainId = Number(await provider.request({ method: "eth_chainId" }));
      if (this.chainId === this.chain.id) this.error = null;
      return this.chainId === this.chain.id;
    } catch (e) {
      if (this.chainId === this.chain.id) return true; // it got there anyway (chainChanged): nothing to report
      const declined = providerErrorCode(e) === USER_REJECTED;
      this.error =
        step === "add"
          ? declined
            ? `You declined adding ${this.chain.name} to your wallet: it cannot switch to a chain it does not know.`
            : `Could not add ${this.chain.name} to your wallet: ${message(e)}`
          : declined
            ? `You declined switching to ${this.chain.name} in your wallet.`
            : `Could not switch to ${this.chain.name}: ${message(e)}`;
      return false;
    }
  }

  async refreshBalance(): Promise<void> {
    const address = this.address;
    if (!address) return;
    try {
      const balance = await this.#publicClient.getBalance({ address });
      if (this.address === address) this.balance = balance;
    } catch {
      this.balance = null;
    }
  }

  /** A viem wallet client bound to the connected account and the app's chain; null when not ready. */
  walletClient(): WalletClient<Transport, Chain, Account> | null {
    const provider = this.current?.provider;
    if (!provider || !this.address || this.status !== "connected") return null;
    return createWalletClient({ account: this.address, chain: this.chain, transport: custom(provider) });
  }

  #attach(provider: Eip1193Provider): void {
    const onAccounts = (accounts: string[]): void => {
      const first = accounts[0];
      if (!first) return this.#reset();
      this.address = getAddress(first);
      this.balance = null;
      this.error = null;
      void this.refreshBalance();
    };
    const onChain = (chainId: string): void => {
      this.chainId = Number(chainId);
      // What went wrong with switching no longer applies once the wallet is on another chain.
      this.error = null;
      void this.refreshBalance();
    };
    const onDisconnect = (): void => this.#reset();
    provider.on?.("accountsChanged", onAccounts as (...args: never[]) => void);
    provider.on?.("chainChanged", onChain as (...args: never[]) => void);
    provider.on?.("disconnect", onDisconnect);
    this.#unsubscribe = () => {
      provider.removeListener?.("accountsChanged", onAccounts as (...args: never[]) => void);
      provider.removeListener?.("chainChanged", onChain as (...args: never[]) => void);
      provider.removeListener?.("disconnect", onDisconnect);
    };
  }

  #detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #reset(): void {
    this.#detach();
    this.status = "disconnected";
    this.current = null;
    this.address = null;
    this.chainId = null;
    this.balance = null;
  }
}

function message(e: unknown): string {
  if (e !== null && typeof e === "object") {
    const short = (e as { shortMessage?: unknown }).shortMessage;
    if (typeof short === "string") return short;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === "string") return msg;
  }
  return String(e);
}
