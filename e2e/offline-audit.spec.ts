/**
 * Issue 5: offline verification from the cache (service worker shell + IndexedDB data) with the staleness
 * limit, and the bulk audit whose counts must equal the command line's `audit`.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, test, type Page, type Route } from "@playwright/test";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 } });

function cliAudit(cdn: string, rpc: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join("node_modules", ".bin", "tsx"), ["app/cli/main.ts", "audit", "--cdn", cdn, "--rpc", rpc, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", () => {
      const lines = out.trim().split("\n");
      try {
        resolve(JSON.parse(lines[lines.length - 1]!) as Record<string, number>);
      } catch (e) {
        reject(new Error(`unexpected audit output: ${out.slice(-500)}`, { cause: e }));
      }
    });
  });
}

/** A first visit to a verified window's passport: its data cached, the service worker installed. */
async function firstVisit(page: Page) {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const hash = `#/p/${encodeURIComponent(window.did)}`;
  await page.goto(`${w.appUrl}/${hash}`);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  return { w, window, hash };
}

test("offline: verified against cached chain data, then unverifiable once older than the limit", async ({ page, context }, info) => {
  const { w, window, hash } = await firstVisit(page);
  await page.reload();
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await context.setOffline(true);
  await page.reload(); // the shell from the service worker's precache, the data from IndexedDB
  await expect(page.getByTestId("offline-bar")).toBeVisible();
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  await expect(page.locator(`article[data-did="${window.did}"]`).getByTestId("offline")).toContainText(
    "Verified offline against chain data read at",
  );
  await page.screenshot({ path: path.join(info.project.outputDir, "screens", "offline.png") });

  // The staleness limit: a few seconds, then the cached chain data is too old.
  await page.goto(`${w.appUrl}/#/settings`);
  await page.getByLabel(/Staleness limit/).fill(String(2 / 3600));
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForTimeout(2_500);
  await page.goto(`${w.appUrl}/${hash}`);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "unverifiable", { timeout: 30_000 });
  // Past the limit neither the cached files nor the cached chain data are used; the files are asked first.
  await expect(page.locator(`article[data-did="${window.did}"] .reason`)).toHaveAttribute("data-error-name", /^Stale(CachedFile|ChainData)Error$/);
  const verdicts = await page.locator("[data-verdict]").evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict")));
  expect(verdicts).not.toContain("verified");
  expect(verdicts).not.toContain("invalid");
  await context.setOffline(false);
});

test("offline: a product opened before opens again from its code's link; one never opened says why and keeps its link", async ({ page, context }) => {
  const w = world();
  const seen = w.manifest.verifiedWindows[0]!;
  const unseen = w.manifest.dids.find((d) => d.kind === "window" && d.did !== seen.did)!;
  const link = (d: { gtin: string; serial: string }) => `${w.appUrl}/01/${d.gtin}/21/${d.serial}`;
  const verdict = page.getByTestId("product-verdict");
  await page.goto(link(seen));
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  expect(new URL(page.url())).toMatchObject({ pathname: "/", hash: `#/p/${encodeURIComponent(seen.did)}` });
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  await context.setOffline(true);
  await page.goto(link(seen)); // the shell from the precache, the linkset's DID remembered, the data from IndexedDB
  await expect(page.getByTestId("offline-bar")).toBeVisible();
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  await expect(page.locator(`article[data-did="${seen.did}"]`).getByTestId("offline")).toContainText("Verified offline against chain data read at");

  await page.goto(link(unseen));
  await expect(page.getByRole("alert")).toContainText(`Could not resolve GTIN ${unseen.gtin} serial ${unseen.serial}: the host could not be reached`);
  await expect(verdict).toHaveCount(0);
  expect(new URL(page.url()).pathname).toBe(`/01/${unseen.gtin}/21/${unseen.serial}`);
  await context.setOffline(false);
  await page.reload(); // the link kept in the address bar: a reload tries again
  await expect(verdict).toHaveAttribute("data-verdict", /^(verified|pending)$/, { timeout: 30_000 });
});

test("bulk audit: counts equal the command line's, with progress and downloads", async ({ page }, info) => {
  const w = world();
  const [cli] = await Promise.all([cliAudit(w.appUrl, w.rpcUrl), page.goto(`${w.appUrl}/#/audit`)]);
  await page.getByRole("button", { name: "Audit the host" }).click();
  const audit = page.getByTestId("audit");
  await expect(audit).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  for (const key of ["verified", "pending", "invalid", "unverifiable", "entries"] as const) {
    await expect(page.getByTestId(`count-${key}`), key).toHaveText(String(cli[key]));
  }
  expect(cli.dids).toBe(w.manifest.dids.length);
  expect(cli.pending).toBe(w.manifest.pending.length);
  await expect(page.locator("#audit-progress")).toHaveAttribute("value", String(cli.dids));
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  const csv = await download.path().then((p) => import("node:fs/promises").then((fs) => fs.readFile(p, "utf8")));
  expect(csv.trim().split("\r\n")).toHaveLength(cli.dids! + 1);
  await page.screenshot({ path: path.join(info.project.outputDir, "screens", "audit.png"), fullPage: true });

  // Leaving the view (to open a passport it lists, say) and coming back keeps the results and the report.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Verify" }).click();
  await expect(audit).toHaveCount(0);
  await page.goBack();
  await expect(audit).toHaveAttribute("data-status", "done");
  for (const key of ["verified", "pending", "invalid", "unverifiable", "entries"] as const) {
    await expect(page.getByTestId(`count-${key}`), key).toHaveText(String(cli[key]));
  }
  await expect(page.getByRole("link", { name: "Download CSV" })).toBeVisible();
});

test("a network that answers too slowly: the cached copy within seconds, said to be offline", async ({ page, context }) => {
  const { w, window, hash } = await firstVisit(page);

  // One bar of signal: the host's files and the chain's endpoint take a minute to answer.
  const stalled: (() => Promise<void>)[] = [];
  const stall = async (route: Route) => {
    await new Promise<void>((release) => stalled.push(async () => release()));
    await route.fallback().catch(() => undefined);
  };
  await context.route(/\/passports\/.*\.(jsonl|json)$/, stall);
  await context.route(`${w.rpcUrl}/**`, stall);
  await context.route(w.rpcUrl, stall);
  const started = Date.now();
  await page.reload();
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 9_000 });
  expect(Date.now() - started).toBeLessThan(9_000);
  expect(stalled.length).toBeGreaterThan(0); // the slow requests were indeed made, and held
  await expect(page.locator(`article[data-did="${window.did}"]`).getByTestId("offline")).toContainText(
    "Verified offline against chain data read at",
  );
  await context.unrouteAll({ behavior: "ignoreErrors" });
  for (const release of stalled) await release();
});
