/**
 * The auditor's settings as plain data (no Svelte): their defaults, how they are read from localStorage
 * (unknown or malformed values fall back to the defaults), and what verification takes from them. Shared
 * by the Settings state (settings.svelte.ts) and the boot code (worker/early.ts), which starts verifying a
 * product link before the app is evaluated: both must derive the very same configuration.
 */
import { BUILD_HOST_ORIGIN, BUILD_TRUSTED_ANCHORERS, BUILD_TRUSTED_REGISTRIES, CHAINS, defaultStage, isChainStage, type ChainStage } from "../chains.ts";
import type { VerifyConfig } from "../worker/protocol.ts";

export const SETTINGS_KEY = "verifier.settings.v1";
export const DEFAULT_STALENESS_HOURS = 24;
/** The longest staleness limit accepted, in hours (a year): what is saved beyond it would not load back. */
export const MAX_STALENESS_HOURS = 24 * 365;

/** A staleness limit that can be saved and loaded: a number of hours above 0, at most MAX_STALENESS_HOURS. */
export function isStalenessHours(hours: unknown): hours is number {
  return typeof hours === "number" && Number.isFinite(hours) && hours > 0 && hours <= MAX_STALENESS_HOURS;
}

export interface SettingsData {
  stage: ChainStage;
  /** Per stage: the endpoints to try in order. */
  rpcUrls: Record<ChainStage, string[]>;
  /** Origin of the static host the passports live on; empty = this app's own origin. */
  hostOrigin: string;
  stalenessHours: number;
  /**
   * The anchoring accounts trusted (checksummed or not, compared without case); empty: any account a
   * passport's own document authorises. See VerifyConfig.trustedAnchorers.
   */
  trustedAnchorers: string[];
  /**
   * Per stage (so per chain): the AnchorRegistry contracts trusted on that chain; empty: the registry each
   * passport itself declares. See VerifyConfig.trustedRegistries. Trusted anchorers protect only with it.
   */
  trustedRegistries: Record<ChainStage, string[]>;
}

export function defaultSettings(): SettingsData {
  const stage = defaultStage();
  return {
    stage,
    rpcUrls: {
      local: [...CHAINS.local.rpcUrls],
      testnet: [...CHAINS.testnet.rpcUrls],
      mainnet: [...CHAINS.mainnet.rpcUrls],
    },
    // A build's preset host (the operator's CDN), if it is an origin; Settings can change it.
    hostOrigin: normaliseOrigin(BUILD_HOST_ORIGIN) ?? "",
    stalenessHours: DEFAULT_STALENESS_HOURS,
    trustedAnchorers: parseAddressList(BUILD_TRUSTED_ANCHORERS.join(" ")).addresses,
    // A build's registries are those of the chain it is built for.
    trustedRegistries: { local: [], testnet: [], mainnet: [], [stage]: parseAddressList(BUILD_TRUSTED_REGISTRIES.join(" ")).addresses },
  };
}

/**
 * An http(s) endpoint in one spelling (the URL parser's: lower-case scheme and host, default port dropped),
 * without the lone "/" of an empty path ("http://h:1/" and "http://h:1" are one endpoint); null otherwise.
 */
export function normaliseRpcUrl(raw: string): string | null {
  try {
    const u = new URL(raw);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.pathname === "/" && !u.search && !u.hash ? u.href.slice(0, -1) : u.href;
  } catch {
    return null;
  }
}

/** http(s) URLs only; returns the cleaned list (normalised, no blanks, no duplicates). */
export function parseRpcList(text: string): { urls: string[]; bad: string[] } {
  const urls: string[] = [];
  const bad: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    if (!raw) continue;
    const url = normaliseRpcUrl(raw);
    if (url === null) bad.push(raw);
    else if (!urls.includes(url)) urls.push(url);
  }
  return { urls, bad };
}

/**
 * `https://host[:port]` from what was typed (scheme optional), "" for nothing, null for anything else: not
 * http(s), or with a path, query, fragment or user name, which would otherwise be dropped without a word.
 */
export function normaliseOrigin(text: string): string | null {
  const t = text.trim();
  if (!t) return "";
  try {
    const u = new URL(t.includes("://") ? t : `https://${t}`);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    if (u.pathname !== "/" || u.search || u.hash || u.username || u.password || /[?#]$/.test(t)) return null;
    return u.origin;
  } catch {
    return null;
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** 20-byte hex addresses (whitespace or comma separated), without duplicates; what is not one, in `bad`. */
export function parseAddressList(text: string): { addresses: string[]; bad: string[] } {
  const addresses: string[] = [];
  const bad: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    if (!raw) continue;
    if (!ADDRESS.test(raw)) bad.push(raw);
    else if (!addresses.some((a) => a.toLowerCase() === raw.toLowerCase())) addresses.push(raw);
  }
  return { addresses, bad };
}

/** The settings stored in `storage`, else the defaults. */
export function loadSettings(storage: Storage | undefined): SettingsData {
  const d = defaultSettings();
  try {
    const raw = storage?.getItem(SETTINGS_KEY);
    if (!raw) return d;
    const s = JSON.parse(raw) as Partial<SettingsData>;
    if (isChainStage(s.stage)) d.stage = s.stage;
    for (const stage of ["local", "testnet", "mainnet"] as const) {
      const list = s.rpcUrls?.[stage];
      if (Array.isArray(list) && list.length && list.every((u) => typeof u === "string")) {
        const { urls } = parseRpcList(list.join(" "));
        if (urls.length) d.rpcUrls[stage] = urls;
      }
    }
    if (typeof s.hostOrigin === "string") d.hostOrigin = normaliseOrigin(s.hostOrigin) ?? "";
    if (isStalenessHours(s.stalenessHours)) d.stalenessHours = s.stalenessHours;
    if (Array.isArray(s.trustedAnchorers) && s.trustedAnchorers.every((a) => typeof a === "string")) {
      const { addresses, bad } = parseAddressList(s.trustedAnchorers.join(" "));
      if (bad.length === 0) d.trustedAnchorers = addresses;
    }
    // As the anchorers: a stage's stored list with anything that is not an address is not half-used.
    for (const stage of ["local", "testnet", "mainnet"] as const) {
      const list = s.trustedRegistries?.[stage];
      if (Array.isArray(list) && list.every((a) => typeof a === "string")) {
        const { addresses, bad } = parseAddressList(list.join(" "));
        if (bad.length === 0) d.trustedRegistries[stage] = addresses;
      }
    }
  } catch {
    // Corrupt storage: defaults.
  }
  return d;
}

/** The host origin in effect: the configured one, else this app's origin. */
export function effectiveHostOrigin(d: SettingsData): string {
  return d.hostOrigin || globalThis.location?.origin || "";
}

/** Origins whose GS1 Digital Links and app links are accepted. */
export function acceptedOrigins(d: SettingsData): string[] {
  const set = new Set<string>([effectiveHostOrigin(d)]);
  if (globalThis.location?.origin) set.add(globalThis.location.origin);
  return [...set].filter(Boolean);
}

/**
 * What the verification worker is given: the stage's chain and endpoints, the staleness limit, the host,
 * the pinned anchorers and the stage's pinned registries (its chain is the only one the worker reads).
 */
export function verifyConfig(d: SettingsData): VerifyConfig {
  const chainId = CHAINS[d.stage].chainId;
  const registries = d.trustedRegistries[d.stage];
  return {
    rpc: { [chainId]: [...d.rpcUrls[d.stage]] },
    stalenessMs: d.stalenessHours * 3_600_000,
    ...(d.hostOrigin ? { hostOrigin: d.hostOrigin } : {}),
    ...(d.trustedAnchorers.length ? { trustedAnchorers: [...d.trustedAnchorers] } : {}),
    ...(registries.length ? { trustedRegistries: { [chainId]: [...registries] } } : {}),
  };
}
