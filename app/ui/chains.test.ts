import { describe, expect, it } from "vitest";
import { chainLabel } from "./chains.ts";

describe("chainLabel", () => {
  it("names a chain a wallet is often on, the app's own by its configured name, and numbers the others", () => {
    expect(chainLabel(137)).toBe("Polygon, chain 137");
    expect(chainLabel(31337, { id: 31337, name: "Local chain (Hardhat)" })).toBe("Local chain (Hardhat), chain 31337");
    expect(chainLabel(1, { id: 31337, name: "Local chain (Hardhat)" })).toBe("Ethereum, chain 1");
    expect(chainLabel(5)).toBe("chain 5");
  });
});
