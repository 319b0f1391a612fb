/**
 * A browser wallet without an extension, for Playwright: an EIP-1193 provider injected with
 * `addInitScript` and announced through EIP-6963, whose `request()` calls a function exposed with
 * `page.exposeFunction`. In Node, a viem local account (a Hardhat test key) signs (`personal_sign`,
 * `eth_signTypedData_v4`, `eth_sendTransaction` -> sign + `eth_sendRawTransaction`) and every other
 * `eth_*` call goes to the real local chain.
 *
 * Knobs for the error paths: `rejectNext(method)` answers the next such request with 4001 (the user
 * declined), and a wallet that starts on another chain answers `wallet_switchEthereumChain` with 4902
 * until the app adds the chain with `wallet_addEthereumChain`. `delayMs` makes every answer slow (a user
 * who takes time to approve), `hangNext(method)` leaves the next such request unanswered for good, and
 * `fn` (the exposed function's name) lets several test wallets live in one page.
 */
import type { Page } from "@playwright/test";
import {
  createPublicClient,
  createWalletClient,
  http,
  numberToHex,
  defineChain,
  type Hex,
  type PrivateKeyAccount,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** Hardhat's well-known test keys (public: never use them on a real chain). */
export const HARDHAT_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9f804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e0892a4d0e9f9",
] as const satisfies readonly Hex[];

export interface TestWalletOptions {
  /** The real chain the wallet sends to. */
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
  /** The chain the wallet is on at first (default: `chainId`). Another id simulates a wrong chain. */
  startChainId?: number;
  /** Whether the wallet already knows `chainId` (default true). False: switching answers 4902 until added. */
  knowsChain?: boolean;
  name?: string;
  rdns?: string;
  /** The name of the function exposed to the page (distinct per wallet when several are installed). */
  fn?: string;
}

interface RpcAnswer {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const ICON =
  "data:image/svg+xml;base64," +
  Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" rx="6" fill="#0b3d2e"/></svg>').toString("base64");

export class TestWallet {
  account: PrivateKeyAccount;
  /** Every request the page made, in order (method names), for assertions. */
  readonly requests: string[] = [];
  readonly #options: Required<TestWalletOptions>;
  readonly #known = new Set<number>();
  readonly #reject = new Map<string, number>();
  readonly #hang = new Map<string, number>();
  /** Every answer waits this long (a slow user, a slow wallet). */
  delayMs = 0;
  #currentChainId: number;
  #pages: Page[] = [];

  constructor(options: TestWalletOptions) {
    this.#options = {
      startChainId: options.chainId,
      knowsChain: true,
      name: "Test Wallet",
      rdns: "org.example.testwallet",
      fn: "__testWalletRequest",
      ...options,
    };
    this.account = privateKeyToAccount(options.privateKey);
    this.#currentChainId = this.#options.startChainId;
    this.#known.add(this.#options.startChainId);
    if (this.#options.knowsChain) this.#known.add(options.chainId);
  }

  get chainId(): number {
    return this.#currentChainId;
  }

  /** The next `count` requests of `method` are declined by the "user" (EIP-1193 code 4001). */
  rejectNext(method: string, count = 1): void {
    this.#reject.set(method, (this.#reject.get(method) ?? 0) + count);
  }

  /** The next `count` requests of `method` are never answered (a wallet whose prompt the user ignores). */
  hangNext(method: string, count = 1): void {
    this.#hang.set(method, (this.#hang.get(method) ?? 0) + count);
  }

  /** Installs the provider into the page (call before `page.goto`). */
  async install(page: Page): Promise<void> {
    this.#pages.push(page);
    const fn = this.#options.fn;
    await page.exposeFunction(fn, (method: string, params: unknown) => this.#handle(method, params));
    await page.addInitScript(
      ({ info, fn }) => {
        const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
        const provider = {
          isTestWallet: true,
          async request(args: { method: string; params?: unknown }): Promise<unknown> {
            const call = (window as unknown as Record<string, (m: string, p: unknown) => Promise<RpcAnswer>>)[fn]!;
            const answer = await call(args.method, args.params ?? []);
            if (answer.error) {
              throw Object.assign(new Error(answer.error.message), { code: answer.error.code, data: answer.error.data });
            }
            return answer.result;
          },
          on(event: string, listener: (...args: unknown[]) => void) {
            if (!listeners.has(event)) listeners.set(event, new Set());
            listeners.get(event)!.add(listener);
            return provider;
          },
          removeListener(event: string, listener: (...args: unknown[]) => void) {
            listeners.get(event)?.delete(listener);
            return provider;
          },
        };
        (window as unknown as Record<string, (e: string, v: unknown) => void>)[`${fn}Emit`] = (event, value) => {
          for (const l of listeners.get(event) ?? []) l(value);
        };
        const detail = Object.freeze({ info: Object.freeze(info), provider });
        const announce = (): void => {
          window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
        };
        window.addEventListener("eip6963:requestProvider", announce);
        announce();
      },
      { info: { uuid: crypto.randomUUID(), name: this.#options.name, icon: ICON, rdns: this.#options.rdns }, fn },
    );
  }

  /** Simulates the user picking another account inside the wallet (accountsChanged). */
  async userSwitchesAccount(privateKey: Hex): Promise<void> {
    this.account = privateKeyToAccount(privateKey);
    await this.#emit("accountsChanged", [this.account.address]);
  }

  /** Simulates the user switching chains inside the wallet. */
  async userSwitchesChain(chainId: number): Promise<void> {
    this.#known.add(chainId);
    this.#currentChainId = chainId;
    await this.#emit("chainChanged", numberToHex(chainId));
  }

  async #emit(event: string, value: unknown): Promise<void> {
    for (const page of this.#pages) {
      if (page.isClosed()) continue;
      await page.evaluate(
        ([f, e, v]) => (window as unknown as Record<string, (e: string, v: unknown) => void>)[`${f as string}Emit`]!(e as string, v),
        [this.#options.fn, event, value] as const,
      );
    }
  }

  async #handle(method: string, rawParams: unknown): Promise<RpcAnswer> {
    this.requests.push(method);
    const params = (Array.isArray(rawParams) ? rawParams : []) as unknown[];
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const hang = this.#hang.get(method) ?? 0;
    if (hang > 0) {
      this.#hang.set(method, hang - 1);
      return new Promise<RpcAnswer>(() => undefined);
    }
    const pending = this.#reject.get(method) ?? 0;
    if (pending > 0) {
      this.#reject.set(method, pending - 1);
      return { error: { code: 4001, message: "User rejected the request." } };
    }
    try {
      return { result: await this.#answer(method, params) };
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown; data?: unknown; cause?: { code?: unknown; data?: unknown } };
      const code = typeof err.code === "number" ? err.code : typeof err.cause?.code === "number" ? err.cause.code : -32603;
      const data = err.data ?? err.cause?.data;
      return { error: { code, message: String(err.message ?? e), ...(data === undefined ? {} : { data }) } };
    }
  }

  async #answer(method: string, params: unknown[]): Promise<unknown> {
    const address = this.account.address;
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [address];
      case "eth_chainId":
        return numberToHex(this.#currentChainId);
      case "net_version":
        return String(this.#currentChainId);
      case "wallet_revokePermissions":
        return null;
      case "wallet_switchEthereumChain": {
        const id = Number((params[0] as { chainId: string }).chainId);
        if (!this.#known.has(id)) throw Object.assign(new Error(`Unrecognized chain ID ${id}`), { code: 4902 });
        if (id !== this.#currentChainId) {
          this.#currentChainId = id;
          await this.#emit("chainChanged", numberToHex(id));
        }
        return null;
      }
      case "wallet_addEthereumChain": {
        const p = params[0] as { chainId: string; rpcUrls?: string[] };
        const id = Number(p.chainId);
        if (id !== this.#options.chainId) throw Object.assign(new Error(`This test wallet can only add chain ${this.#options.chainId}`), { code: -32602 });
        this.#known.add(id);
        return null;
      }
      case "personal_sign": {
        const [data, who] = params as [Hex, Hex];
        this.#assertSelf(who);
        return this.account.signMessage({ message: { raw: data } });
      }
      case "eth_signTypedData_v4": {
        const [who, json] = params as [Hex, string];
        this.#assertSelf(who);
        const typed = JSON.parse(json) as TypedDataDefinition & { types: Record<string, unknown> };
        const { EIP712Domain: _domain, ...types } = typed.types;
        return this.account.signTypedData({ ...typed, types } as TypedDataDefinition);
      }
      case "eth_sendTransaction": {
        const tx = params[0] as { from: Hex; to?: Hex; data?: Hex; value?: Hex; gas?: Hex };
        this.#assertSelf(tx.from);
        if (this.#currentChainId !== this.#options.chainId) {
          throw Object.assign(new Error(`The wallet is on chain ${this.#currentChainId}, which this test wallet cannot reach`), { code: 4901 });
        }
        return this.#sender().sendTransaction({
          account: this.account,
          chain: this.#chain(),
          ...(tx.to ? { to: tx.to } : {}),
          ...(tx.data ? { data: tx.data } : {}),
          ...(tx.value ? { value: BigInt(tx.value) } : {}),
          ...(tx.gas ? { gas: BigInt(tx.gas) } : {}),
        });
      }
      default:
        if (this.#currentChainId !== this.#options.chainId && method.startsWith("eth_")) {
          throw Object.assign(new Error(`The wallet is on chain ${this.#currentChainId}, which this test wallet cannot reach`), { code: 4901 });
        }
        return this.#reader().request({ method, params } as never);
    }
  }

  #assertSelf(who: string | undefined): void {
    if (!who || who.toLowerCase() !== this.account.address.toLowerCase()) {
      throw Object.assign(new Error(`This wallet does not hold ${who}`), { code: 4100 });
    }
  }

  #chainDef?: ReturnType<typeof defineChain>;
  #chain(): ReturnType<typeof defineChain> {
    this.#chainDef ??= defineChain({
      id: this.#options.chainId,
      name: "Local",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [this.#options.rpcUrl] } },
    });
    return this.#chainDef;
  }
  #reader() {
    return createPublicClient({ chain: this.#chain(), transport: http(this.#options.rpcUrl) });
  }
  #sender() {
    return createWalletClient({ chain: this.#chain(), transport: http(this.#options.rpcUrl) });
  }
}
