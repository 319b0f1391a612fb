/** The provision cache's entries from before the page recorded the wallets a DID document names. */
import { describe, expect, it } from "vitest";
import { withoutUncheckableDid, type CachedProvision } from "./cache.ts";

const base: CachedProvision = { key: "31337:0xr:0xm", chainId: 31337, registry: "0x01", view: null, history: [], readAt: "2026-01-05T09:00:00Z", blockNumber: 3 };
const info = { provisionId: "eu-1", endpoint: "https://eu-1.example/", tier: "gpu", country: "DE" };

describe("withoutUncheckableDid", () => {
  it("drops an old entry's verified or pending DID part (its controller was never recorded): shown as not checked, not Verified", () => {
    // What the page cached before: the DID's verdict, its own controller check in `error`, no wallets.
    const old = { ...base, did: { verdict: "verified" as const, error: { name: "ControllerNotNamed", verdict: "invalid" as const, message: "m", shortMessage: "m" }, info, checkedAt: "2026-01-05T09:00:00Z" } };
    expect(withoutUncheckableDid(old)).toEqual(base);
    expect(withoutUncheckableDid({ ...base, did: { verdict: "pending", info, checkedAt: "x" } })).toEqual(base);
  });

  it("keeps an entry with the wallets, and an old one whose DID's verdict decides alone (invalid, unverifiable)", () => {
    const current = { ...base, did: { verdict: "verified" as const, info, wallets: [], checkedAt: "x" } };
    expect(withoutUncheckableDid(current)).toBe(current);
    const invalid = { ...base, did: { verdict: "invalid" as const, info: null, checkedAt: "x" } };
    expect(withoutUncheckableDid(invalid)).toBe(invalid);
    expect(withoutUncheckableDid(undefined)).toBeUndefined();
  });
});
