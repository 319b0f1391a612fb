import { describe, expect, it } from "vitest";
import { hostOriginPreset } from "../../../vite.config.ts";

describe("build presets (vite.config.ts)", () => {
  it("HOST_ORIGIN is kept as an origin; anything else stops the build with the reason", () => {
    expect(hostOriginPreset(undefined)).toBeUndefined();
    expect(hostOriginPreset(" ")).toBeUndefined();
    expect(hostOriginPreset("https://Passports.Example.com/")).toBe("https://passports.example.com");
    expect(hostOriginPreset("http://localhost:8752")).toBe("http://localhost:8752");
    for (const bad of ["passports.example.com", "https://cdn.example.com/sub/path", "https://cdn.example.com/?x", "ftp://cdn.example.com", "javascript:alert(1)"]) {
      expect(() => hostOriginPreset(bad), bad).toThrow(/HOST_ORIGIN must be an http\(s\) origin without a path/);
    }
  });
});

describe("TRUSTED_ANCHORERS preset", () => {
  it("addresses, comma-separated; anything else stops the build", async () => {
    const { trustedAnchorersPreset } = await import("../../../vite.config.ts");
    expect(trustedAnchorersPreset(undefined)).toBeUndefined();
    expect(trustedAnchorersPreset("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, 0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBe(
      "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    );
    expect(() => trustedAnchorersPreset("0xf39F,manufacturer")).toThrow(/TRUSTED_ANCHORERS must be 20-byte hex addresses/);
  });
});
