/**
 * The chain sets the app knows, picked by `CHAIN_STAGE` (build time: `CHAIN_STAGE` or `VITE_CHAIN_STAGE`;
 * `local` for dev, the demo and the tests, `testnet` for a production build) and changeable in Settings.
 * Each stage lists several JSON-RPC endpoints; the verifier falls back from one to the next.
 */
export type ChainStage = "local" | "testnet" | "mainnet";
export const CHAIN_STAGES: readonly ChainStage[] = ["local", "testnet", "mainnet"];

export interface ChainConfig {
  stage: ChainStage;
  chainId: number;
  name: string;
  rpcUrls: string[];
  explorer?: string;
}

function splitList(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

// Build-time endpoints (comma-separated), for an operator's own nodes: VITE_LOCAL_RPC, VITE_TESTNET_RPC,
// VITE_MAINNET_RPC (LOCAL_RPC, TESTNET_RPC, MAINNET_RPC in vite.config.ts). Settings can still change them.
const localRpc = splitList(import.meta.env.VITE_LOCAL_RPC as string | undefined);
const testnetRpc = splitList(import.meta.env.VITE_TESTNET_RPC as string | undefined);
const mainnetRpc = splitList(import.meta.env.VITE_MAINNET_RPC as string | undefined);

/** The anchoring accounts a build pins (VITE_TRUSTED_ANCHORERS / TRUSTED_ANCHORERS, comma-separated). */
export const BUILD_TRUSTED_ANCHORERS = splitList(import.meta.env.VITE_TRUSTED_ANCHORERS as string | undefined);

/**
 * The AnchorRegistry contracts a build pins on the chain of its stage (CHAIN_STAGE), the operator's own
 * (VITE_TRUSTED_REGISTRIES / TRUSTED_REGISTRIES, comma-separated).
 */
export const BUILD_TRUSTED_REGISTRIES = splitList(import.meta.env.VITE_TRUSTED_REGISTRIES as string | undefined);

/** The passport host a build presets (VITE_HOST_ORIGIN / HOST_ORIGIN), so that no auditor has to type it. */
export const BUILD_HOST_ORIGIN = ((import.meta.env.VITE_HOST_ORIGIN as string | undefined) ?? "").trim();

export const CHAINS: Record<ChainStage, ChainConfig> = {
  local: {
    stage: "local",
    chainId: 31337,
    name: "Local chain (Hardhat)",
    rpcUrls: localRpc.length ? localRpc : ["http://127.0.0.1:8545"],
  },
  testnet: {
    stage: "testnet",
    chainId: 11155111,
    name: "Sepolia",
    rpcUrls: testnetRpc.length ? testnetRpc : ["https://ethereum-sepolia-rpc.publicnode.com", "https://sepolia.drpc.org", "https://rpc.sepolia.org"],
    explorer: "https://sepolia.etherscan.io",
  },
  mainnet: {
    stage: "mainnet",
    chainId: 1,
    name: "Ethereum",
    rpcUrls: mainnetRpc.length ? mainnetRpc : ["https://ethereum-rpc.publicnode.com", "https://eth.drpc.org", "https://cloudflare-eth.com"],
    explorer: "https://etherscan.io",
  },
};

export function isChainStage(value: unknown): value is ChainStage {
  return typeof value === "string" && (CHAIN_STAGES as readonly string[]).includes(value);
}

/** The stage the build picked; `local` when nothing says otherwise in development, `testnet` in production. */
export function defaultStage(): ChainStage {
  const fromBuild = import.meta.env.VITE_CHAIN_STAGE as string | undefined;
  if (isChainStage(fromBuild)) return fromBuild;
  return import.meta.env.PROD ? "testnet" : "local";
}

export function chainName(chainId: number): string {
  for (const c of Object.values(CHAINS)) if (c.chainId === chainId) return c.name;
  return `chain ${chainId}`;
}

/** Names of chains a wallet is often on (a wrong chain is named, not only numbered); the app's own come first. */
const KNOWN_CHAIN_NAMES: Readonly<Record<number, string>> = {
  1: "Ethereum",
  10: "OP Mainnet",
  56: "BNB Smart Chain",
  100: "Gnosis",
  137: "Polygon",
  8453: "Base",
  17000: "Holesky",
  42161: "Arbitrum One",
  84532: "Base Sepolia",
  11155111: "Sepolia",
};

/** A chain as a person reads it: "Polygon, chain 137"; "chain 5" when its name is not known here. */
export function chainLabel(chainId: number, app?: { id: number; name: string }): string {
  const name = app && app.id === chainId ? app.name : KNOWN_CHAIN_NAMES[chainId];
  return name ? `${name}, chain ${chainId}` : `chain ${chainId}`;
}
