/**
 * EIP-1193 provider and EIP-6963 multi-wallet discovery, with no dependency.
 *
 * EIP-6963: the page dispatches `eip6963:requestProvider`; every wallet answers (and announces on its
 * own when it loads) with `eip6963:announceProvider`, whose detail is `{ info, provider }`.
 */

export interface Eip1193RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

export interface Eip1193Provider {
  request(args: Eip1193RequestArguments): Promise<unknown>;
  on?(event: string, listener: (...args: never[]) => void): void;
  removeListener?(event: string, listener: (...args: never[]) => void): void;
}

export interface Eip6963ProviderInfo {
  /** A UUIDv4, unique per page session. */
  uuid: string;
  name: string;
  /** A data: URI (image). */
  icon: string;
  /** Reverse DNS name of the wallet (`io.metamask`). */
  rdns: string;
}

export interface Eip6963ProviderDetail {
  info: Eip6963ProviderInfo;
  provider: Eip1193Provider;
}

/** EIP-1193 / EIP-1474 error codes the app reacts to. */
export const USER_REJECTED = 4001;
export const UNAUTHORIZED = 4100;
export const UNSUPPORTED_METHOD = 4200;
export const DISCONNECTED = 4900;
export const CHAIN_DISCONNECTED = 4901;
/** MetaMask's "unrecognized chain id" from wallet_switchEthereumChain: add it first. */
export const UNRECOGNIZED_CHAIN = 4902;

/** The `code` of an EIP-1193 error, looked up through viem's wrappers (`cause`) too. */
export function providerErrorCode(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "number") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isDetail(value: unknown): value is Eip6963ProviderDetail {
  if (value === null || typeof value !== "object") return false;
  const { info, provider } = value as Partial<Eip6963ProviderDetail>;
  return (
    info !== undefined &&
    typeof info.uuid === "string" &&
    typeof info.name === "string" &&
    typeof info.rdns === "string" &&
    provider !== undefined &&
    typeof provider.request === "function"
  );
}

/**
 * Listens for announced wallets and asks every wallet to announce itself. `onChange` receives the
 * list (one entry per uuid, in announcement order) each time it grows. Returns a function that stops
 * listening.
 */
export function discoverWallets(
  onChange: (wallets: readonly Eip6963ProviderDetail[]) => void,
  target: Window = window,
): () => void {
  const found = new Map<string, Eip6963ProviderDetail>();
  const onAnnounce = (event: Event): void => {
    const detail = (event as CustomEvent<unknown>).detail;
    if (!isDetail(detail) || found.has(detail.info.uuid)) return;
    found.set(detail.info.uuid, Object.freeze({ info: { ...detail.info }, provider: detail.provider }));
    onChange([...found.values()]);
  };
  target.addEventListener("eip6963:announceProvider", onAnnounce);
  target.dispatchEvent(new Event("eip6963:requestProvider"));
  return () => target.removeEventListener("eip6963:announceProvider", onAnnounce);
}
