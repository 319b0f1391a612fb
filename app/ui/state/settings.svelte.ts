/**
 * The auditor's settings: chain stage and its RPC endpoints (several, tried in order), the host origin
 * (which GS1 Digital Link hosts are accepted, where the bulk audit finds dids.json) and the staleness
 * limit for cached chain data. Persisted to localStorage; unknown or malformed stored values fall back to
 * the defaults rather than breaking the app.
 */
import { CHAINS, defaultStage, isChainStage, type ChainStage } from "../chains.ts";

export const SETTINGS_KEY = "verifier.settings.v1";
export const DEFAULT_STALENESS_HOURS = 24;

export interface SettingsData {
  stage: ChainStage;
  /** Per stage: the endpoints to try in order. */
  rpcUrls: Record<ChainStage, string[]>;
  /** Origin of the static host the passports live on; empty = this app's own origin. */
  hostOrigin: string;
  stalenessHours: number;
}

export function defaultSettings(): SettingsData {
  return {
    stage: defaultStage(),
    rpcUrls: {
      local: [...CHAINS.local.rpcUrls],
      testnet: [...CHAINS.testnet.rpcUrls],
      mainnet: [...CHAINS.mainnet.rpcUrls],
    },
    hostOrigin: "",
    stalenessHours: DEFAULT_STALENESS_HOURS,
  };
}

/** http(s) URLs only; returns the cleaned list (no blanks, no duplicates). */
export function parseRpcList(text: string): { urls: string[]; bad: string[] } {
  const urls: string[] = [];
  const bad: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    if (!raw) continue;
    try {
      const u = new URL(raw);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
      if (!urls.includes(u.href)) urls.push(raw);
    } catch {
      bad.push(raw);
    }
  }
  return { urls, bad };
}

export function normaliseOrigin(text: string): string | null {
  const t = text.trim();
  if (!t) return "";
  try {
    const u = new URL(t.includes("://") ? t : `https://${t}`);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.origin;
  } catch {
    return null;
  }
}

function load(storage: Storage | undefined): SettingsData {
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
    if (typeof s.stalenessHours === "number" && s.stalenessHours > 0 && s.stalenessHours <= 24 * 365)
      d.stalenessHours = s.stalenessHours;
  } catch {
    // Corrupt storage: defaults.
  }
  return d;
}

export class Settings {
  #data = $state<SettingsData>(defaultSettings());
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined = globalThis.localStorage) {
    this.#storage = storage;
    this.#data = load(storage);
  }

  get stage(): ChainStage { return this.#data.stage; }
  get chain() { return CHAINS[this.#data.stage]; }
  get rpcUrls(): string[] { return this.#data.rpcUrls[this.#data.stage]; }
  get stalenessHours(): number { return this.#data.stalenessHours; }
  get stalenessMs(): number { return this.#data.stalenessHours * 3_600_000; }
  get hostOrigin(): string { return this.#data.hostOrigin; }
  /** The host origin in effect: the configured one, else this app's origin. */
  get effectiveHostOrigin(): string { return this.#data.hostOrigin || globalThis.location?.origin || ""; }
  /** Origins whose GS1 Digital Links and app links are accepted. */
  get acceptedOrigins(): string[] {
    const set = new Set<string>([this.effectiveHostOrigin]);
    if (globalThis.location?.origin) set.add(globalThis.location.origin);
    return [...set].filter(Boolean);
  }

  rpcUrlsFor(stage: ChainStage): string[] { return this.#data.rpcUrls[stage]; }

  setStage(stage: ChainStage): void {
    this.#data.stage = stage;
    this.#save();
  }
  setRpcUrls(stage: ChainStage, urls: string[]): void {
    this.#data.rpcUrls[stage] = urls.length ? urls : [...CHAINS[stage].rpcUrls];
    this.#save();
  }
  setHostOrigin(origin: string): void {
    this.#data.hostOrigin = origin;
    this.#save();
  }
  setStalenessHours(hours: number): void {
    if (Number.isFinite(hours) && hours > 0) this.#data.stalenessHours = hours;
    this.#save();
  }
  reset(): void {
    this.#data = defaultSettings();
    this.#save();
  }
  /** A plain copy for the worker. */
  snapshot(): SettingsData { return $state.snapshot(this.#data); }

  #save(): void {
    try {
      this.#storage?.setItem(SETTINGS_KEY, JSON.stringify($state.snapshot(this.#data)));
    } catch {
      // Storage full or disabled: the settings still apply for this session.
    }
  }
}
