/**
 * Cached files are never passed off as live: when only the passport host's files fail (blocked, while the
 * chain answers), the DIDs verified from cached files say so with their read time, and files older than the
 * staleness limit are not used (unverifiable, StaleCachedFileError). Without this, a log cached before a
 * newer entry (a "ReportedStolen" event) was shown Verified with a live chain read and no offline notice.
 * Service workers are blocked so that the page's routes see the verification worker's requests.
 */
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 }, serviceWorkers: "block" });

test("host's files blocked, chain live: verified offline from cached files read at <time>; older than the limit: unverifiable", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const hash = `#/p/${encodeURIComponent(window.did)}`;
  const verdict = page.getByTestId("product-verdict");
  const card = page.locator(`article[data-did="${window.did}"]`);

  await page.goto(`${w.appUrl}/${hash}`);
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect(card.getByTestId("files-cached")).toHaveCount(0);
  await page.waitForTimeout(1_000); // the cache writes run after the verdict

  await page.route(/\/(did\.jsonl|did-anchors\.json)$/, (route) => route.abort("connectionrefused"));
  await page.reload();
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect(card.getByTestId("files-cached")).toContainText("Verified offline from cached files read at");
  for (const component of window.components) {
    await expect(page.locator(`article[data-did="${component}"]`).getByTestId("files-cached")).toBeVisible();
  }
  // The chain was read live: its line says so, not offline.
  await expect(card.getByTestId("offline")).toHaveCount(0);

  // A staleness limit of 2 s: the cached files are now too old to be used.
  await page.goto(`${w.appUrl}/#/settings`);
  await page.getByLabel(/Staleness limit/).fill(String(2 / 3600));
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForTimeout(2_500);
  await page.goto(`${w.appUrl}/${hash}`);
  await expect(verdict).toHaveAttribute("data-verdict", "unverifiable", { timeout: 30_000 });
  await expect(card.locator(".reason")).toHaveAttribute("data-error-name", "StaleCachedFileError");
  const verdicts = await page.locator("[data-verdict]").evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict")));
  expect(verdicts).not.toContain("verified");
  expect(verdicts).not.toContain("invalid");
});
