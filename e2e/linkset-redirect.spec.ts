/**
 * A product link whose linkset is answered with a redirect: refused by design (not followed), and said so
 * in Chromium, where the request with redirect "manual" gives an opaque-redirect response, instead of
 * "the host could not be reached (Failed to fetch)" that a redirect "error" made of it.
 */
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";

test("a linkset answered with a redirect: the message says so, and the redirect is not followed", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const linkset = `${w.appUrl}/01/${window.gtin}/21/${window.serial}/linkset.json`;
  const followed: string[] = [];
  await page.route(`${w.appUrl}/moved/**`, (route) => {
    followed.push(route.request().url());
    return route.continue();
  });
  await page.route(linkset, (route) => route.fulfill({ status: 301, headers: { location: `${w.appUrl}/moved/linkset.json` } }));

  await page.goto(`${w.appUrl}/01/${window.gtin}/21/${window.serial}`);
  await expect(page.getByRole("alert")).toContainText(
    `Could not resolve GTIN ${window.gtin} serial ${window.serial}: the host answered the product's linkset with a redirect, which is not followed`,
    { timeout: 20_000 },
  );
  await expect(page.getByRole("alert")).not.toContainText("could not be reached");
  await expect(page.getByTestId("product-verdict")).toHaveCount(0);
  expect(followed).toEqual([]);
});
