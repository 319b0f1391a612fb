/**
 * The auditor's settings: chain stage and its RPC endpoints (several, tried in order), the host origin
 * (which GS1 Digital Link hosts are accepted, where the bulk audit finds dids.json), the staleness
 * limit for cached chain data, and the pinned anchoring accounts and registries. Persisted to
 * localStorage; unknown or malformed stored values fall back to the defaults rather than breaking the app.
 * The storage is shared with the re-check records (offline/recheckStore.ts): when it is full, they give
 * way to the settings; when the settings still cannot be written, `saveFailed` says so (they apply until
 * the page is reloaded).
 */
import { CHAINS, type ChainStage } from "../chains.ts";
import { clearRecords } from "../offline/recheckStore.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import {
  acceptedOrigins,
  defaultSettings,
  effectiveHostOrigin,
  isStalenessHours,
  loadSettings,
  parseAddressList,
  parseRpcList,
  SETTINGS_KEY,
  verifyConfig,
  type SettingsData,
} from "./settingsData.ts";

/** The browser's "storage full" (QuotaExceededError; Firefox's older name and code). */
function isQuotaError(error: unknown): boolean {
  if (typeof DOMException === "undefined" || !(error instanceof DOMException)) return false;
  return error.name === "QuotaExceededError" || error.name === "NS_ERROR_DOM_QUOTA_REACHED" || error.code === 22 || error.code === 1014;
}

/**
 * Writes the settings' text; when the storage is full, drops the re-check records and tries once more.
 * False when they were not saved (still full, storage refused, or none).
 */
export function writeSettings(storage: Storage | undefined, text: string): boolean {
  if (!storage) return false;
  try {
    storage.setItem(SETTINGS_KEY, text);
    return true;
  } catch (error) {
    if (!isQuotaError(error)) return false;
  }
  // A re-check record is only a head start for a product opened again; the settings are not.
  clearRecords(storage);
  try {
    storage.setItem(SETTINGS_KEY, text);
    return true;
  } catch {
    return false;
  }
}

export class Settings {
  #data = $state<SettingsData>(defaultSettings());
  #saveFailed = $state(false);
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined = globalThis.localStorage) {
    this.#storage = storage;
    this.#data = loadSettings(storage);
  }

  get stage(): ChainStage { return this.#data.stage; }
  get chain() { return CHAINS[this.#data.stage]; }
  get rpcUrls(): string[] { return this.#data.rpcUrls[this.#data.stage]; }
  get stalenessHours(): number { return this.#data.stalenessHours; }
  get stalenessMs(): number { return this.#data.stalenessHours * 3_600_000; }
  get hostOrigin(): string { return this.#data.hostOrigin; }
  get trustedAnchorers(): string[] { return this.#data.trustedAnchorers; }
  /** The registries trusted on the current stage's chain. */
  get trustedRegistries(): string[] { return this.#data.trustedRegistries[this.#data.stage]; }
  /**
   * True when the last change could not be written to the storage (full even without the re-check
   * records, or refused): it applies to this page only, until it is reloaded.
   */
  get saveFailed(): boolean { return this.#saveFailed; }
  /** The host origin in effect: the configured one, else this app's origin. */
  get effectiveHostOrigin(): string { return effectiveHostOrigin(this.#data); }
  /** Origins whose GS1 Digital Links and app links are accepted. */
  get acceptedOrigins(): string[] { return acceptedOrigins(this.#data); }
  /** What the verification worker is given (settingsData.ts). */
  get verifyConfig(): VerifyConfig { return verifyConfig(this.#data); }

  rpcUrlsFor(stage: ChainStage): string[] { return this.#data.rpcUrls[stage]; }
  trustedRegistriesFor(stage: ChainStage): string[] { return this.#data.trustedRegistries[stage]; }

  setStage(stage: ChainStage): void {
    this.#data.stage = stage;
    this.#save();
  }
  /** Kept as loading would read them back: http(s) only, normalised, without duplicates (else the defaults). */
  setRpcUrls(stage: ChainStage, urls: string[]): void {
    const clean = parseRpcList(urls.join(" ")).urls;
    this.#data.rpcUrls[stage] = clean.length ? clean : [...CHAINS[stage].rpcUrls];
    this.#save();
  }
  setHostOrigin(origin: string): void {
    this.#data.hostOrigin = origin;
    this.#save();
  }
  /** Kept as loading would read them back: addresses only, without duplicates. */
  setTrustedAnchorers(addresses: string[]): void {
    this.#data.trustedAnchorers = parseAddressList(addresses.join(" ")).addresses;
    this.#save();
  }
  /** The registries trusted on `stage`'s chain, kept as loading would read them back. */
  setTrustedRegistries(stage: ChainStage, addresses: string[]): void {
    this.#data.trustedRegistries[stage] = parseAddressList(addresses.join(" ")).addresses;
    this.#save();
  }
  /** False (nothing changed) for a limit loading would refuse: not above 0, or above MAX_STALENESS_HOURS. */
  setStalenessHours(hours: number): boolean {
    if (!isStalenessHours(hours)) return false;
    this.#data.stalenessHours = hours;
    this.#save();
    return true;
  }
  reset(): void {
    this.#data = defaultSettings();
    this.#save();
  }
  /** A plain copy for the worker. */
  snapshot(): SettingsData { return $state.snapshot(this.#data); }

  #save(): void {
    // Not written (storage full or disabled): the settings still apply for this session, and the page says so.
    this.#saveFailed = !writeSettings(this.#storage, JSON.stringify($state.snapshot(this.#data)));
  }
}
