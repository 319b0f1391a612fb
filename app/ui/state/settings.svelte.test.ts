import { describe, expect, it } from "vitest";
import { CHAINS } from "../chains.ts";
import { Settings } from "./settings.svelte.ts";
import { MemoryStorage } from "../testing/memoryStorage.ts";
import { INDEX_KEY, RECORD_PREFIX } from "../offline/recheckStore.ts";
import { MAX_STALENESS_HOURS, SETTINGS_KEY, normaliseOrigin, parseRpcList } from "./settingsData.ts";

describe("Settings", () => {
  it("defaults to the build's stage (local outside a production build) and its endpoints", () => {
    const s = new Settings(new MemoryStorage());
    expect(s.stage).toBe("local");
    expect(s.rpcUrls).toEqual(CHAINS.local.rpcUrls);
    expect(s.stalenessHours).toBe(24);
    expect(s.hostOrigin).toBe("");
  });

  it("persists every change and reads it back", () => {
    const storage = new MemoryStorage();
    const a = new Settings(storage);
    a.setStage("testnet");
    a.setRpcUrls("testnet", ["https://a.example/rpc", "https://b.example"]);
    a.setHostOrigin("https://cdn.example");
    a.setStalenessHours(2);
    const b = new Settings(storage);
    expect(b.stage).toBe("testnet");
    expect(b.chain.chainId).toBe(11155111);
    expect(b.rpcUrls).toEqual(["https://a.example/rpc", "https://b.example"]);
    expect(b.hostOrigin).toBe("https://cdn.example");
    expect(b.stalenessMs).toBe(2 * 3_600_000);
    b.reset();
    expect(new Settings(storage).stage).toBe("local");
  });

  it("ignores corrupt or hostile stored values instead of breaking", () => {
    const storage = new MemoryStorage();
    storage.setItem(
      SETTINGS_KEY,
      JSON.stringify({ stage: "moon", rpcUrls: { local: ["javascript:alert(1)"] }, hostOrigin: "javascript:x", stalenessHours: -5 }),
    );
    const s = new Settings(storage);
    expect(s.stage).toBe("local");
    expect(s.rpcUrls).toEqual(CHAINS.local.rpcUrls);
    expect(s.hostOrigin).toBe("");
    expect(s.stalenessHours).toBe(24);
    storage.setItem(SETTINGS_KEY, "{not json");
    expect(new Settings(storage).stage).toBe("local");
  });

  it("saves only a staleness limit that loads back: up to MAX_STALENESS_HOURS, refused above (nothing saved)", () => {
    const storage = new MemoryStorage();
    const a = new Settings(storage);
    expect(MAX_STALENESS_HOURS).toBe(8760);
    expect(a.setStalenessHours(MAX_STALENESS_HOURS)).toBe(true);
    expect(new Settings(storage).stalenessHours).toBe(MAX_STALENESS_HOURS);
    for (const bad of [10_000, MAX_STALENESS_HOURS + 0.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(a.setStalenessHours(bad), String(bad)).toBe(false);
      expect(a.stalenessHours).toBe(MAX_STALENESS_HOURS);
      expect(new Settings(storage).stalenessHours, String(bad)).toBe(MAX_STALENESS_HOURS);
    }
  });

  it("stores RPC endpoints normalised, one of each: what is saved is what loads back", () => {
    const storage = new MemoryStorage();
    const a = new Settings(storage);
    a.setRpcUrls("local", ["http://127.0.0.1:8745", "http://127.0.0.1:8745/", "HTTP://127.0.0.1:8745", "https://x.example:443/rpc"]);
    expect(a.rpcUrlsFor("local")).toEqual(["http://127.0.0.1:8745", "https://x.example/rpc"]);
    expect(new Settings(storage).rpcUrlsFor("local")).toEqual(["http://127.0.0.1:8745", "https://x.example/rpc"]);
  });
});

describe("input parsing", () => {
  it("keeps http(s) endpoints and names the rest", () => {
    expect(parseRpcList("http://127.0.0.1:8545\n https://x.example , ftp://y javascript:z")).toEqual({
      urls: ["http://127.0.0.1:8545", "https://x.example"],
      bad: ["ftp://y", "javascript:z"],
    });
  });
  it("normalises endpoints and drops duplicates, whichever way they were typed", () => {
    expect(parseRpcList("http://127.0.0.1:8745\nhttp://127.0.0.1:8745/\nhttp://127.0.0.1:8745").urls).toEqual(["http://127.0.0.1:8745"]);
    expect(parseRpcList("https://X.example/rpc https://x.example:443/rpc https://x.example/rpc/").urls).toEqual([
      "https://x.example/rpc",
      "https://x.example/rpc/",
    ]);
    expect(parseRpcList("https://x.example/?key=1 https://x.example/?key=1").urls).toEqual(["https://x.example/?key=1"]);
  });
  it("normalises a host origin, and refuses one with a path, query or user name rather than cut it off", () => {
    expect(normaliseOrigin("cdn.example")).toBe("https://cdn.example");
    expect(normaliseOrigin("http://localhost:8630/")).toBe("http://localhost:8630");
    // A mirror under a path cannot be used as one (GS1 links and DIDs map to the host's root): said, not cut.
    for (const withMore of ["cdn.example/path", "http://localhost:8752/sub/path", "https://cdn.example/?x=1", "https://u:p@cdn.example", "https://cdn.example/#a"]) {
      expect(normaliseOrigin(withMore), withMore).toBeNull();
    }
    expect(normaliseOrigin("")).toBe("");
    expect(normaliseOrigin("javascript:alert(1)")).toBeNull();
  });
});

describe("a build's presets (an operator's own CDN and nodes)", () => {
  it("VITE_HOST_ORIGIN and VITE_TESTNET_RPC / VITE_MAINNET_RPC become the defaults; Settings still change them; a preset that is not an origin is ignored", async () => {
    const { vi } = await import("vitest");
    vi.resetModules();
    vi.stubEnv("VITE_HOST_ORIGIN", "https://passports.example.com");
    vi.stubEnv("VITE_TESTNET_RPC", "https://rpc-a.example.com, https://rpc-b.example.com");
    vi.stubEnv("VITE_MAINNET_RPC", "https://eth.example.com");
    try {
      const { defaultSettings, loadSettings, acceptedOrigins } = await import("./settingsData.ts");
      const d = defaultSettings();
      expect(d.hostOrigin).toBe("https://passports.example.com");
      expect(d.rpcUrls.testnet).toEqual(["https://rpc-a.example.com", "https://rpc-b.example.com"]);
      expect(d.rpcUrls.mainnet).toEqual(["https://eth.example.com"]);
      // A new device scanning the CDN's GS1 link: accepted without typing anything.
      expect(acceptedOrigins(d)).toContain("https://passports.example.com");
      // What an auditor saved wins over the preset.
      const storage = new MemoryStorage();
      storage.setItem(SETTINGS_KEY, JSON.stringify({ hostOrigin: "https://mirror.example.org" }));
      expect(loadSettings(storage).hostOrigin).toBe("https://mirror.example.org");

      vi.resetModules();
      vi.stubEnv("VITE_HOST_ORIGIN", "https://passports.example.com/sub/path");
      expect((await import("./settingsData.ts")).defaultSettings().hostOrigin).toBe("");
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe("trusted anchorers", () => {
  it("are saved as addresses without duplicates, reach the worker's config only when set, and a preset gives the default", async () => {
    const { parseAddressList } = await import("./settingsData.ts");
    expect(parseAddressList("0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 0x70997970c51812dc3a010c7d01b50e0d17dc79c8\n0x12 nope")).toEqual({
      addresses: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
      bad: ["0x12", "nope"],
    });
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    expect(s.trustedAnchorers).toEqual([]);
    expect(s.verifyConfig.trustedAnchorers).toBeUndefined();
    s.setTrustedAnchorers(["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"]);
    expect(new Settings(storage).verifyConfig.trustedAnchorers).toEqual(["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]);
    // A stored list with anything that is not an address is not half-used: the default stands.
    storage.setItem(SETTINGS_KEY, JSON.stringify({ trustedAnchorers: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "javascript:x"] }));
    expect(new Settings(storage).trustedAnchorers).toEqual([]);

    const { vi } = await import("vitest");
    vi.resetModules();
    vi.stubEnv("VITE_TRUSTED_ANCHORERS", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    try {
      const { defaultSettings, verifyConfig } = await import("./settingsData.ts");
      expect(verifyConfig(defaultSettings()).trustedAnchorers).toEqual(["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe("trusted registries", () => {
  const REAL = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const FORGED = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
  it("are kept per stage as addresses without duplicates, reach the worker's config for the stage's chain only, and a stored list with anything else is not half-used", () => {
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    expect(s.trustedRegistries).toEqual([]);
    expect(s.verifyConfig.trustedRegistries).toBeUndefined();
    s.setTrustedRegistries("local", [REAL, REAL.toLowerCase()]);
    s.setTrustedRegistries("testnet", [FORGED]);
    const b = new Settings(storage);
    expect(b.trustedRegistries).toEqual([REAL]);
    expect(b.verifyConfig.trustedRegistries).toEqual({ [CHAINS.local.chainId]: [REAL] });
    b.setStage("testnet");
    expect(b.verifyConfig.trustedRegistries).toEqual({ [CHAINS.testnet.chainId]: [FORGED] });
    b.setStage("mainnet");
    expect(b.verifyConfig.trustedRegistries).toBeUndefined();
    // Emptied by the auditor: nothing pinned on that chain any more.
    b.setTrustedRegistries("testnet", []);
    expect(new Settings(storage).trustedRegistriesFor("testnet")).toEqual([]);

    storage.setItem(SETTINGS_KEY, JSON.stringify({ trustedRegistries: { local: [REAL, "javascript:x"], testnet: [FORGED], mainnet: "nope" } }));
    const c = new Settings(storage);
    expect([c.trustedRegistriesFor("local"), c.trustedRegistriesFor("testnet"), c.trustedRegistriesFor("mainnet")]).toEqual([[], [FORGED], []]);
  });

  it("TRUSTED_REGISTRIES presets the build's stage (its chain) only, and a malformed preset stops the build", async () => {
    const { vi } = await import("vitest");
    vi.resetModules();
    vi.stubEnv("VITE_TRUSTED_REGISTRIES", `${REAL},${REAL.toLowerCase()}`);
    vi.stubEnv("VITE_CHAIN_STAGE", "testnet");
    try {
      const { defaultSettings, verifyConfig } = await import("./settingsData.ts");
      const d = defaultSettings();
      expect(d.trustedRegistries).toEqual({ local: [], testnet: [REAL], mainnet: [] });
      expect(verifyConfig(d).trustedRegistries).toEqual({ [CHAINS.testnet.chainId]: [REAL] });
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
    const { trustedRegistriesPreset } = await import("../../../vite.config.ts");
    expect(trustedRegistriesPreset(undefined)).toBeUndefined();
    expect(trustedRegistriesPreset(` ${REAL}, ${FORGED} `)).toBe(`${REAL},${FORGED}`);
    expect(() => trustedRegistriesPreset(`${REAL},registry`)).toThrow(/TRUSTED_REGISTRIES must be 20-byte hex addresses/);
  });
});

/** A MemoryStorage that holds at most `limit` characters (keys and values), as a browser's localStorage. */
class FullStorage extends MemoryStorage {
  refuse: "quota" | "security" = "quota";
  constructor(readonly limit: number) {
    super();
  }
  used(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      const k = this.key(i)!;
      n += k.length + this.getItem(k)!.length;
    }
    return n;
  }
  override setItem(k: string, v: string) {
    if (this.refuse === "security") throw new DOMException("The operation is insecure.", "SecurityError");
    const before = this.getItem(k);
    if (this.used() - (before === null ? 0 : k.length + before.length) + k.length + String(v).length > this.limit)
      throw new DOMException("Setting the value exceeded the quota.", "QuotaExceededError");
    super.setItem(k, v);
  }
}

describe("saving when the storage is full", () => {
  /** Items of `prefix` until not one more character fits. */
  const fill = (storage: FullStorage, prefix: string) => {
    let i = 0;
    for (const size of [1000, 100, 10, 1])
      for (;;) {
        try {
          storage.setItem(`${prefix}${i++}`, "x".repeat(size));
        } catch {
          break;
        }
      }
  };

  it("the re-check records give way to the settings: they are removed and the settings saved", () => {
    const storage = new FullStorage(20_000);
    storage.setItem("verifier.linkset-dids", "kept");
    storage.setItem(INDEX_KEY, "[]");
    fill(storage, `${RECORD_PREFIX}did:webvh:x:`);
    const s = new Settings(storage);
    s.setStalenessHours(2);
    expect(s.saveFailed).toBe(false);
    expect(new Settings(storage).stalenessHours).toBe(2);
    const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i));
    expect(keys.sort()).toEqual(["verifier.linkset-dids", SETTINGS_KEY]);
  });

  it("still full without them (or refused): saveFailed, the settings apply until reload, and nothing else is removed", () => {
    const storage = new FullStorage(20_000);
    fill(storage, "other-app-data ");
    const before = storage.length;
    const s = new Settings(storage);
    s.setStalenessHours(2);
    expect(s.saveFailed).toBe(true);
    expect(s.stalenessHours).toBe(2);
    expect(new Settings(storage).stalenessHours).toBe(24);
    expect(storage.length).toBe(before);
    // Room again: the next change is saved, with the earlier one.
    storage.removeItem("other-app-data 0");
    storage.removeItem("other-app-data 1");
    s.setHostOrigin("https://cdn.example");
    expect(s.saveFailed).toBe(false);
    expect(new Settings(storage)).toMatchObject({ stalenessHours: 2, hostOrigin: "https://cdn.example" });

    // Storage turned off (not full): not saved, said so, and the re-check records are not touched.
    const off = new FullStorage(1_000_000);
    off.setItem(`${RECORD_PREFIX}did:webvh:y`, "{}");
    off.refuse = "security";
    const t = new Settings(off);
    t.setStage("testnet");
    expect(t.saveFailed).toBe(true);
    expect(off.getItem(`${RECORD_PREFIX}did:webvh:y`)).toBe("{}");
    expect(new Settings(undefined).saveFailed).toBe(false);
  });
});
