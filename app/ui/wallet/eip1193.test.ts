import { describe, expect, it } from "vitest";
import { discoverWallets, providerErrorCode, type Eip6963ProviderDetail } from "./eip1193.ts";

function announce(target: EventTarget, detail: unknown): void {
  target.dispatchEvent(Object.assign(new Event("eip6963:announceProvider"), { detail }));
}

const provider = { request: async () => null };
const info = (uuid: string, name: string) => ({ uuid, name, icon: "data:image/svg+xml,<svg/>", rdns: `org.${name}` });

describe("EIP-6963 discovery", () => {
  it("asks wallets to announce, lists each uuid once, ignores malformed announcements, and stops", () => {
    const target = new EventTarget();
    let requested = 0;
    target.addEventListener("eip6963:requestProvider", () => {
      requested++;
      announce(target, { info: info("a", "alpha"), provider });
    });
    const seen: (readonly Eip6963ProviderDetail[])[] = [];
    const stop = discoverWallets((list) => seen.push(list), target as unknown as Window);
    expect(requested).toBe(1);
    announce(target, { info: info("a", "alpha"), provider }); // duplicate
    announce(target, { info: { name: "no uuid" }, provider }); // malformed
    announce(target, { info: info("b", "beta") }); // no provider
    announce(target, { info: info("c", "gamma"), provider });
    expect(seen.map((l) => l.map((w) => w.info.name))).toEqual([["alpha"], ["alpha", "gamma"]]);
    stop();
    announce(target, { info: info("d", "delta"), provider });
    expect(seen).toHaveLength(2);
  });

  it("reads an error code through wrappers", () => {
    expect(providerErrorCode({ code: 4902 })).toBe(4902);
    expect(providerErrorCode(new Error("x", { cause: { code: 4001 } }))).toBe(4001);
    expect(providerErrorCode(new Error("x"))).toBeUndefined();
  });
});
