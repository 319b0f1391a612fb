/**
 * The passport being audited: resolves what was opened (a DID, an app link, a GS1 Digital Link through its
 * linkset) to a DID, asks the worker to verify it, and holds the result (`$state.raw`: replaced, never
 * mutated). Failures that are not verdicts (a refused payload, a linkset that cannot be read) are kept apart
 * from verdicts: they never become "invalid" or "verified".
 */
import type { SerializedError } from "../../core/errors.ts";
import type { ProductNode, Verdict } from "../../core/types.ts";
import { parsePayload, resolveLinkset } from "../payload.ts";
import { takeEarlyLinkset } from "../worker/early.ts";
import type { RecheckNote } from "../offline/recheck.ts";
import { VerifyClient, WorkerFailure, type ProductAnswer } from "../worker/client.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import type { Settings } from "./settings.svelte.ts";

export type PassportStatus = "idle" | "resolving" | "verifying" | "done" | "refused" | "failed";

export class PassportState {
  #status = $state<PassportStatus>("idle");
  #did = $state<string | null>(null);
  #product = $state.raw<ProductNode | null>(null);
  #failure = $state.raw<SerializedError | null>(null);
  #message = $state<string | null>(null);
  #ms = $state<number | null>(null);
  #recheck = $state.raw<RecheckNote | null>(null);
  #revised = $state.raw<{ from: Verdict; to: Verdict | "failed" } | null>(null);
  readonly #settings: Settings;
  readonly #client: VerifyClient;
  #current: number | null = null;
  /** The settings the shown result was verified with. */
  #configKey = $state("");
  #generation = 0;

  constructor(settings: Settings, client = new VerifyClient()) {
    this.#settings = settings;
    this.#client = client;
  }

  /** Starts the verification worker ahead of the first passport (the auditor's first verdict comes sooner). */
  warm(): void {
    this.#client.warm(this.verifyConfig());
  }

  get status() { return this.#status; }
  get did() { return this.#did; }
  get product() { return this.#product; }
  /** Why verification could not run at all (always an unverifiable failure). */
  get failure() { return this.#failure; }
  /** A message for a refused payload or a linkset problem. */
  get message() { return this.#message; }
  get ms() { return this.#ms; }
  /**
   * Set while the result shown is a re-check against this device's last full verification (every file and
   * registry read the same); the full verification then runs and replaces it.
   */
  get recheck() { return this.#recheck; }
  /** Set when the full verification's answer differs from the re-checked verdict shown before it. */
  get revised() { return this.#revised; }
  get busy() { return this.#status === "resolving" || this.#status === "verifying"; }

  verifyConfig(): VerifyConfig {
    return this.#settings.verifyConfig;
  }

  /** Was the current result verified with other settings than those now in effect? */
  get outdated(): boolean {
    return this.#did !== null && this.#configKey !== JSON.stringify(this.verifyConfig());
  }

  /** Opens a scanned or pasted payload; returns the DID when it resolved to one. */
  async openPayload(text: string): Promise<string | null> {
    const gen = ++this.#generation;
    this.#reset();
    const p = parsePayload(text, this.#settings.acceptedOrigins);
    if (p.kind === "refused") {
      this.#status = "refused";
      this.#message = p.reason;
      return null;
    }
    if (p.kind === "did") return p.did;
    this.#status = "resolving";
    try {
      // A product link opened on this origin had its linkset requested at boot (worker/early.ts).
      const did = await (takeEarlyLinkset(p.linksetUrl) ?? resolveLinkset(p.linksetUrl, this.#settings.acceptedOrigins));
      if (gen !== this.#generation) return null;
      return did;
    } catch (e) {
      if (gen !== this.#generation) return null;
      this.#status = "failed";
      this.#message = `Could not resolve GTIN ${p.gtin} serial ${p.serial}: ${e instanceof Error ? e.message : String(e)}`;
      return null;
    }
  }

  /** Verifies a DID and its components. */
  async verify(did: string): Promise<void> {
    const gen = ++this.#generation;
    if (this.#current !== null) this.#client.cancel(this.#current);
    this.#reset();
    this.#did = did;
    this.#status = "verifying";
    const config = this.verifyConfig();
    this.#configKey = JSON.stringify(config);
    performance.mark("passport:verify");
    const asked = this.#client.verify(did, config, { record: true });
    const answer = await this.#await(gen, asked);
    if (!answer?.recheck) return;
    // Shown from the re-check; the full verification runs once the verdict is painted, and replaces it.
    // (A hidden page paints no frames: then after a short while.)
    await new Promise<void>((resolve) => {
      requestAnimationFrame(() => setTimeout(resolve, 0));
      setTimeout(resolve, 250);
    });
    if (gen !== this.#generation) return;
    const full = await this.#await(gen, this.#client.verifyFully(did, config, asked.id));
    if (gen !== this.#generation) return;
    const to = full ? full.product.verdict : this.#failure ? ("failed" as const) : null;
    if (to !== null && to !== answer.product.verdict) this.#revised = { from: answer.product.verdict, to };
  }

  /** Shows a verification's answer (or failure) unless another was asked since; the answer shown. */
  async #await(gen: number, { id, result }: { id: number; result: Promise<ProductAnswer> }): Promise<ProductAnswer | null> {
    this.#current = id;
    try {
      const answer = await result;
      if (gen !== this.#generation) return null;
      performance.mark(answer.recheck ? "passport:rechecked" : "passport:verdict");
      this.#product = answer.product;
      this.#ms = answer.ms;
      this.#recheck = answer.recheck ?? null;
      this.#status = "done";
      return answer;
    } catch (e) {
      if (gen !== this.#generation) return null;
      if (e instanceof DOMException && e.name === "AbortError") return null;
      this.#failure =
        e instanceof WorkerFailure
          ? e.error
          : { name: "UnexpectedError", verdict: "unverifiable", message: String(e), shortMessage: "Verification failed to run" };
      this.#product = null;
      this.#recheck = null;
      this.#status = "failed";
      return null;
    } finally {
      if (this.#current === id) this.#current = null;
    }
  }

  /**
   * A payload opened in place of the passport shown named no passport (refused, or its linkset could not
   * be read): the shown DID is forgotten (its verification, if under way, cancelled), its message kept.
   */
  detach(): void {
    if (this.#current !== null) this.#client.cancel(this.#current);
    this.#did = null;
  }

  clear(): void {
    ++this.#generation;
    if (this.#current !== null) this.#client.cancel(this.#current);
    this.#reset();
    this.#did = null;
  }

  #reset(): void {
    this.#status = "idle";
    this.#product = null;
    this.#failure = null;
    this.#message = null;
    this.#ms = null;
    this.#recheck = null;
    this.#revised = null;
  }
}
