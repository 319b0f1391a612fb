import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** The compiler comes from the `solc` npm package (its wasm build): no download at build time. */
export const SOLC_VERSION = "0.8.37";
/** Compiler settings, shared with contracts/test/no-warnings.test.ts (which fails on any warning). */
export const SOLC_SETTINGS = { optimizer: { enabled: true, runs: 10_000 }, evmVersion: "cancun" } as const;

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: require.resolve("solc/soljson.js"),
        settings: SOLC_SETTINGS,
      },
    },
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
      // Each run is a sequence of `depth` random handler calls with the invariants checked after each one;
      // a handler call that reverts fails the test (handlers assert what they expect with require).
      invariant: { runs: 64, depth: 32, failOnRevert: true },
    },
  },
  paths: {
    sources: "contracts",
    tests: { solidity: "contracts", nodejs: "contracts/test" },
  },
  networks: {
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
  },
});
