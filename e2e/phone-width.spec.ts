/**
 * At a phone's width (390 x 844) no page scrolls sideways: long ids (DIDs, versionIds, hashes, machine
 * addresses, URLs) wrap instead of widening the page past the screen.
 */
import { expect, test, type Page } from "@playwright/test";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 } });

/** The document is no wider than the viewport (nothing to scroll sideways to). */
async function expectNoSidewaysScroll(page: Page, what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${what}: the page is ${scrollWidth} px wide at ${innerWidth} px`).toBeLessThanOrEqual(innerWidth);
}

const productVerdict = (page: Page) => page.getByTestId("product-verdict");

/** Opens a passport and every "entries and anchors" list of its cards. */
async function openPassportWithDetails(page: Page, did: string, verdict: string) {
  const w = world();
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", verdict, { timeout: 20_000 });
  const buttons = page.getByRole("button", { name: /^Show entries and anchors/ });
  const n = await buttons.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) await buttons.first().click(); // each click turns one into "Hide ..."
  await expect(page.locator("ol.entries").first()).toBeVisible();
}

test("a verified passport with its entries and anchors open", async ({ page }) => {
  const window = world().manifest.verifiedWindows[0]!;
  await openPassportWithDetails(page, window.did, "verified");
  await expectNoSidewaysScroll(page, "verified passport, details open");
});

test("a pending passport with its entries and anchors open (the 'not anchored yet' reasons)", async ({ page }) => {
  const pending = world().manifest.pending.find((d) => d.kind === "window") ?? world().manifest.pending[0];
  if (!pending) throw new Error("the fixtures have no pending DID");
  await openPassportWithDetails(page, pending.did, "pending");
  await expect(page.locator("ol.entries li[data-verdict=pending] .reason").first()).toBeVisible();
  await expectNoSidewaysScroll(page, "pending passport, details open");
});
