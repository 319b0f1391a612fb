/**
 * Runs only the wallet/provision specs, without the main suite's global setup (they start their own
 * chain, build and server): `playwright test -c e2e/wallet/playwright.config.ts`. `npm run test:e2e`
 * runs them too, with everything else.
 */
import { defineConfig } from "@playwright/test";
import base from "../../playwright.config.ts";

const { globalSetup: _mainSuiteSetup, ...withoutGlobalSetup } = base;

export default defineConfig({
  ...withoutGlobalSetup,
  testDir: ".",
  outputDir: "../../test-results/wallet",
});
