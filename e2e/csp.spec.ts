/** Every tab of the app, served by scripts/serve.ts with its strict CSP, loads without a CSP violation. */
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";

test("no tab violates the Content-Security-Policy", async ({ page }) => {
  const w = world();
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.exposeFunction("reportCsp", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { reportCsp(v: string): void }).reportCsp(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const response = await page.goto(`${w.appUrl}/`);
  expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
  // The navigation is the app's, mounted after the page's load event (its entry imports the UI): wait for
  // it, since evaluateAll does not (a CI run once read no tab at all).
  const links = page.locator("nav a");
  await expect(links.first()).toBeVisible();
  const tabs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
  expect(tabs.length).toBeGreaterThanOrEqual(4);
  for (const href of tabs) {
    await page.goto(`${w.appUrl}/${href}`);
    await page.waitForLoadState("networkidle");
    await expect(page.locator("main")).not.toContainText("failed to load");
  }
  expect(violations).toEqual([]);
  // The detector itself works: an inline style attribute is a violation it reports.
  await page.evaluate(() => document.body.setAttribute("style", "color: red"));
  await expect.poll(() => violations.length).toBeGreaterThan(0);
});
