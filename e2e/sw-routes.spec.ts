/**
 * The service worker's static routes (public/sw-routes.js, Chromium's Static Routing API): once it is
 * installed, the app's hashed assets come straight from its precache and fetch() calls (a product's
 * linkset here; the DIDs' files and JSON-RPC in the worker) go to the network, neither running the
 * worker's code; the passport is still verified.
 */
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";

test("assets from the precache, data from the network, without the service worker's code", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const url = `${w.appUrl}/01/${window.gtin}/21/${window.serial}`;
  await page.goto(url);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  await page.goto(url);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  const sources = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((r) => {
      const t = r as PerformanceResourceTiming & { workerMatchedSourceType?: string; workerFinalSourceType?: string };
      return { path: new URL(r.name).pathname, matched: t.workerMatchedSourceType, final: t.workerFinalSourceType };
    }),
  );
  const scripts = sources.filter((s) => /^\/assets\/.*\.js$/.test(s.path));
  const linkset = sources.find((s) => s.path.endsWith("/linkset.json"));
  expect(scripts.length).toBeGreaterThan(0);
  for (const s of scripts) expect(s, s.path).toMatchObject({ matched: "cache", final: "cache" });
  expect(linkset).toMatchObject({ matched: "network", final: "network" });
});
