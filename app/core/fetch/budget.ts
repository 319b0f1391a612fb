/**
 * A download budget: the most bytes one verification (a product's whole tree of passports) may read from
 * the network, across all its files. Each file has its own limit (DEFAULT_MAX_BYTES), but a tree of up
 * to 64 passports, each serving near-limit junk, would otherwise cost an auditor's phone hundreds of MiB.
 *
 * The budget counts the bytes a source actually read (each chunk of a body as it arrives, never what a
 * host declares in Content-Length), and is shared by every read of the verification, concurrent or not.
 * A read that takes it past its limit stops there (httpSource cancels the body: DownloadBudgetError);
 * once it is spent, no further request is made. So one verification downloads at most the limit plus one
 * chunk per body being read at that moment.
 */

/** A product verification's default budget: a genuine passport weighs kilobytes, a window's tree some dozens. */
export const DEFAULT_PRODUCT_MAX_BYTES = 32 * 1024 * 1024;

export class DownloadBudget {
  /** The most bytes all reads together may take. */
  readonly limit: number;
  #used = 0;

  /** `limit` in bytes (Infinity: no limit). Anything else than a number >= 0 is 0: nothing may be read. */
  constructor(limit: number = DEFAULT_PRODUCT_MAX_BYTES) {
    this.limit = limit >= 0 ? limit : 0;
  }

  /** Bytes read so far (may pass the limit by the chunk that overran it). */
  get used(): number {
    return this.#used;
  }

  /** Bytes left; 0 once spent. */
  get remaining(): number {
    return Math.max(0, this.limit - this.#used);
  }

  /** Whether nothing is left: a new read must not even be asked for. */
  get spent(): boolean {
    return this.#used >= this.limit;
  }

  /** Counts `bytes` just read; false when the total is now past the limit (the read must stop). */
  take(bytes: number): boolean {
    this.#used += bytes;
    return this.#used <= this.limit;
  }

  /** The budget as an error names it: "the download budget of 32 MiB (33554432 bytes)". */
  describe(): string {
    return `the download budget of ${mib(this.limit)} (${this.limit} bytes)`;
  }
}

function mib(bytes: number): string {
  if (bytes === Infinity) return "unlimited";
  const m = bytes / (1024 * 1024);
  return m >= 1 ? `${Number(m.toFixed(2))} MiB` : `${Number((bytes / 1024).toFixed(2))} KiB`;
}
