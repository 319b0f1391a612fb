/**
 * One provision's public page: what the chain says now (controller, state, DID, metadata hash, history
 * from events), what its DID says (verdict, tier, country, endpoint, the wallets it names) and the
 * provision's verdict: whether the two agree (core/provisions/check.ts). Each
 * successful read is cached (IndexedDB); when the chain cannot be read, the cached read is shown with
 * its time.
 */
import { isAddress, getAddress } from "viem";
import { toVerifierError, type SerializedError } from "../../core/errors.ts";
import { checkProvision, didFactsFromVerdict, type ProvisionCheck } from "../../core/provisions/check.ts";
import { provisionMetadataHash } from "../../core/provisions/metadata.ts";
import { readProvision, readProvisionActivity } from "../../core/provisions/read.ts";
import type { Hex } from "../../core/types.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import { cacheKey, getCached, putCached, type CachedProvision } from "./cache.ts";
import { verifyDidVerdict, type ProvisionsEnv } from "./env.ts";

export type PageStatus = "idle" | "loading" | "done" | "notfound" | "failed";

export class ProvisionPageState {
  status = $state<PageStatus>("idle");
  data = $state.raw<CachedProvision | null>(null);
  /** True when `data` comes from the cache because the chain could not be read now. */
  fromCache = $state(false);
  /** Why the chain could not be read (when it could not). */
  failure = $state.raw<SerializedError | null>(null);
  verifying = $state(false);
  #generation = 0;

  readonly #env: ProvisionsEnv;
  readonly #verifyConfig: () => VerifyConfig;

  constructor(env: ProvisionsEnv, verifyConfig: () => VerifyConfig) {
    this.#env = env;
    this.#verifyConfig = verifyConfig;
  }

  /**
   * The provision checked against its DID (controller named, description hashing to the registry's hash,
   * the DID's own verdict): null until the DID was checked. Recomputed from what is shown, so a newer
   * chain read is never judged by a check made against an older one.
   */
  get check(): ProvisionCheck | null {
    const d = this.data;
    if (!d?.view || !d.did) return null;
    return checkProvision({ view: d.view, history: d.history, did: d.did });
  }

  /** Does the chain's metadata hash match the DID document's description? null until both are known. */
  get metadataAgrees(): boolean | null {
    const d = this.data;
    if (!d?.view || !d.did?.info) return null;
    return provisionMetadataHash(d.did.info) === d.view.metadataHash;
  }

  async load(machineText: string): Promise<void> {
    const gen = ++this.#generation;
    this.failure = null;
    this.fromCache = false;
    this.data = null;
    if (!isAddress(machineText)) {
      this.status = "failed";
      this.failure = { name: "InvalidAddress", verdict: "invalid", message: "Not a machine address", shortMessage: "Not a machine address" };
      return;
    }
    const machine = getAddress(machineText);
    const { client, contracts } = this.#env;
    const key = cacheKey(contracts.chainId, contracts.provisionRegistry, machine);
    this.status = "loading";
    let entry: CachedProvision;
    try {
      const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
      const [view, history] = await Promise.all([
        readProvision(client, contracts, machine),
        readProvisionActivity(client, contracts, machine),
      ]);
      if (gen !== this.#generation) return;
      const previous = await getCached(key);
      entry = {
        key,
        chainId: contracts.chainId,
        registry: contracts.provisionRegistry,
        view,
        history,
        readAt: new Date().toISOString(),
        blockNumber: Number(blockNumber),
        ...(previous?.did && previous.view?.did === view?.did ? { did: previous.did } : {}),
      };
      await putCached(entry);
    } catch (e) {
      if (gen !== this.#generation) return;
      const cached = await getCached(key);
      this.failure = toVerifierError(e).toJSON();
      if (!cached) {
        this.status = "failed";
        return;
      }
      this.data = cached;
      this.fromCache = true;
      this.status = cached.view ? "done" : "notfound";
      return;
    }
    this.data = entry;
    this.status = entry.view ? "done" : "notfound";
    if (entry.view) await this.#verifyDid(gen, entry);
  }

  async #verifyDid(gen: number, entry: CachedProvision): Promise<void> {
    const view = entry.view;
    if (!view) return;
    this.verifying = true;
    try {
      const v = await verifyDidVerdict(view.did, this.#verifyConfig());
      if (gen !== this.#generation) return;
      // The DID's own verdict and reason, and what its document says; the provision's verdict is `check`.
      const next: CachedProvision = {
        ...entry,
        did: { ...didFactsFromVerdict(v, entry.chainId), checkedAt: new Date().toISOString() },
      };
      this.data = next;
      await putCached(next);
    } finally {
      if (gen === this.#generation) this.verifying = false;
    }
  }
}

export function machineFromHash(hash: string): Hex | null {
  const m = /^#\/provision\/(0x[0-9a-fA-F]{40})\/?$/.exec(hash);
  return m ? (m[1] as Hex) : null;
}
