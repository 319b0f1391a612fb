/**
 * What the wallet and provision views share: the app's chain as a viem Chain, a public client over the
 * configured RPC endpoints (tried in order), the provision contracts (from the host's provisions.json,
 * written by the publisher), and DID verification through the app's worker.
 */
import { createPublicClient, defineChain, fallback, http, isAddress, type Chain, type PublicClient } from "viem";
import type { ProvisionContracts } from "../../core/provisions/read.ts";
import type { DidDocument, DidVerdict, Hex } from "../../core/types.ts";
import { UnverifiableError } from "../../core/errors.ts";
import { readTextLimited } from "../../core/fetch/http.ts";
import { VerifyClient, WorkerFailure } from "../worker/client.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import type { Settings } from "../state/settings.svelte.ts";

export const PROVISIONS_MANIFEST = "provisions.json";

export interface ProvisionsEnv {
  chain: Chain;
  client: PublicClient;
  contracts: ProvisionContracts;
  /** Machines the host lists (a directory; the chain is the authority). */
  machines: Hex[];
}

/** The host publishes no provisions.json, or one for another chain. */
export class ProvisionsConfigError extends UnverifiableError {
  override readonly name = "ProvisionsConfigError";
}

export function viemChain(settings: Settings): Chain {
  const c = settings.chain;
  return defineChain({
    id: c.chainId,
    name: c.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: settings.rpcUrls } },
    ...(c.explorer ? { blockExplorers: { default: { name: "Explorer", url: c.explorer } } } : {}),
  });
}

export function publicClientFor(settings: Settings): PublicClient {
  const chain = viemChain(settings);
  return createPublicClient({
    chain,
    transport: fallback(settings.rpcUrls.map((url) => http(url, { timeout: 8_000, retryCount: 0 }))),
    pollingInterval: 500,
  }) as PublicClient;
}

function parseManifest(value: unknown, chainId: number): { contracts: ProvisionContracts; machines: Hex[] } {
  const m = value as Partial<Record<string, unknown>> | null;
  if (!m || typeof m !== "object") throw new ProvisionsConfigError("provisions.json is not an object");
  const { provisionRegistry, walletLinks } = m;
  if (typeof provisionRegistry !== "string" || !isAddress(provisionRegistry) || typeof walletLinks !== "string" || !isAddress(walletLinks)) {
    throw new ProvisionsConfigError("provisions.json does not name the contracts");
  }
  if (m.chainId !== chainId) {
    throw new ProvisionsConfigError("The host's provisions are on another chain", { details: `provisions.json: ${String(m.chainId)}, app: ${chainId}` });
  }
  const machines = Array.isArray(m.machines) ? m.machines.filter((x): x is Hex => typeof x === "string" && isAddress(x)) : [];
  const fromBlock = typeof m.fromBlock === "number" && m.fromBlock >= 0 ? BigInt(m.fromBlock) : 0n;
  return { contracts: { chainId, provisionRegistry, walletLinks, fromBlock }, machines };
}

const MANIFEST_CACHE_KEY = "provisions.manifest.v1";
/** The largest provisions.json read. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Loads provisions.json from the host (the cached copy when offline). */
export async function loadProvisionsEnv(settings: Settings): Promise<ProvisionsEnv> {
  const url = new URL(PROVISIONS_MANIFEST, `${settings.effectiveHostOrigin}/`).href;
  let raw: unknown;
  try {
    const res = await fetch(url, { credentials: "omit", cache: "no-cache" });
    if (!res.ok) throw new ProvisionsConfigError(`The host has no ${PROVISIONS_MANIFEST}`, { details: `${res.status} ${url}` });
    // Read up to the limit and no further (a manifest is a few KB); JSON.parse's error says what is wrong.
    raw = JSON.parse(await readTextLimited(res, MAX_MANIFEST_BYTES, url));
    try {
      localStorage.setItem(MANIFEST_CACHE_KEY, JSON.stringify({ url, raw }));
    } catch {
      // storage full or disabled
    }
  } catch (e) {
    const cached = localStorage.getItem(MANIFEST_CACHE_KEY);
    const parsed = cached ? (JSON.parse(cached) as { url: string; raw: unknown }) : null;
    if (!parsed || parsed.url !== url) {
      if (e instanceof ProvisionsConfigError) throw e;
      throw new ProvisionsConfigError(`Could not read ${PROVISIONS_MANIFEST} from the host`, { details: String(e), cause: e });
    }
    raw = parsed.raw;
  }
  const { contracts, machines } = parseManifest(raw, settings.chain.chainId);
  return { chain: viemChain(settings), client: publicClientFor(settings), contracts, machines };
}

let verifier: VerifyClient | null = null;

/** Verifies a DID through the app's worker; the DID's verdict and its current document. */
export async function verifyDidVerdict(did: string, config: VerifyConfig): Promise<DidVerdict> {
  verifier ??= new VerifyClient();
  try {
    const { product } = await verifier.verify(did, config).result;
    return product.result;
  } catch (e) {
    if (e instanceof WorkerFailure) {
      return { did, url: "", verdict: e.error.verdict, error: e.error, entries: [] };
    }
    throw e;
  }
}

/** A verified DID's document, for the wallet-link check; throws when the DID is not valid and current. */
export async function verifiedDocument(did: string, config: VerifyConfig): Promise<DidDocument> {
  const v = await verifyDidVerdict(did, config);
  if (v.verdict === "invalid" || !v.document) {
    throw new DocumentUnavailableError(`The DID document could not be ${v.verdict === "invalid" ? "verified" : "read"}`, {
      details: v.error?.message ?? did,
    });
  }
  return v.document;
}

export class DocumentUnavailableError extends UnverifiableError {
  override readonly name = "DocumentUnavailableError";
}
