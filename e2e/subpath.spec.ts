/**
 * The app deployed under a sub-path (https://example.com/verifier/): built with APP_BASE=/verifier/ and
 * served by scripts/serve.ts under /verifier/ (its `base`), the host folder staying the web root (the
 * DIDs' files at http://localhost:8630/..., the world's host) and found under the base too (a product link
 * opened under /verifier/ reads its linkset at /verifier/01/.../linkset.json).
 * - a product link under the base (/verifier/01/<gtin>/21/<serial>) opens and verifies, and the address
 *   becomes /verifier/#/p/<did>; an app link under the base (/verifier/p/<did>) opens, typed or pasted;
 * - the manifest's start_url and scope are the base, its icons are found there;
 * - the service worker is /verifier/sw.js for the scope /verifier/; it serves the hashed assets from its
 *   precache (static routes), the passport opens offline after a first visit, and a new version is offered;
 * - the JavaScript before the first verdict stays within the budget.
 */
import { spawn } from "node:child_process";
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { measure } from "../app/ui/tools/budget.ts";
import { startServer, type RunningServer } from "../scripts/serve.ts";
import { world } from "./world.ts";

const BASE = "/verifier/";
const PORT = 8636;

let tmp: string;
let dist: string;
let server: RunningServer;

function build(outDir: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join("node_modules", ".bin", "vite"), ["build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}\n${err.slice(-3000)}`))));
  });
}

test.beforeAll(async () => {
  test.setTimeout(240_000);
  const w = world();
  tmp = await mkdtemp(path.join(os.tmpdir(), "e2e-subpath-"));
  dist = path.join(tmp, "dist");
  // The documented way: APP_BASE at build time.
  await build(dist, { APP_BASE: BASE, CHAIN_STAGE: "local", LOCAL_RPC: w.rpcUrl });
  // The DIDs' files are on the world's host (another origin): the CSP's connect-src lists it, with the chain.
  server = await startServer({ port: PORT, appDir: dist, cdnDir: w.hostDir, rpcOrigins: [w.rpcUrl, w.appUrl], base: BASE });
});

test.afterAll(async () => {
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("under /verifier/: product links open and verify, the service worker works offline, updates are offered", async ({ page, context }) => {
  test.setTimeout(120_000);
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const appUrl = `http://localhost:${PORT}${BASE}`;
  expect(server.appUrl).toBe(appUrl);
  const productLink = `${appUrl}01/${window.gtin}/21/${window.serial}`;
  const verdict = page.getByTestId("product-verdict");
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  // Nothing of the app (page, assets, manifest, icons, service worker, linkset) is missing under the base.
  page.on("response", (r) => {
    if (r.status() >= 400 && new URL(r.url()).port === String(PORT)) problems.push(`${r.status()} ${r.url()}`);
  });

  // A product link under the base: the linkset under the base, the passport verified, the address its route.
  const first = await page.goto(productLink);
  expect(first?.status()).toBe(200);
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  await expect(page.locator(`article[data-did="${window.did}"]`)).toBeVisible();
  await expect.poll(() => new URL(page.url())).toMatchObject({ pathname: BASE, hash: `#/p/${encodeURIComponent(window.did)}` });

  // The service worker under the base, for the base.
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const reg = await navigator.serviceWorker.getRegistration();
          return { scope: reg?.scope ?? null, script: reg?.active?.scriptURL ?? null };
        }),
      { timeout: 20_000 },
    )
    .toEqual({ scope: appUrl, script: `${appUrl}sw.js` });

  // The manifest: start_url and scope the base, its icons there.
  const manifestHref = await page.locator('link[rel="manifest"]').getAttribute("href");
  expect(manifestHref).toBe(`${BASE}manifest.webmanifest`);
  const manifest = (await (await page.request.get(new URL(manifestHref!, appUrl).href)).json()) as {
    start_url: string;
    scope: string;
    icons: { src: string }[];
  };
  const manifestUrl = new URL(manifestHref!, appUrl).href;
  expect(new URL(manifest.start_url, manifestUrl).href).toBe(appUrl);
  expect(new URL(manifest.scope, manifestUrl).href).toBe(appUrl);
  expect(manifest.icons.length).toBeGreaterThan(0);
  for (const icon of manifest.icons) {
    const url = new URL(icon.src, manifestUrl);
    expect(url.pathname.startsWith(BASE), url.pathname).toBe(true);
    const res = await page.request.get(url.href);
    expect(res.status(), url.href).toBe(200);
    expect(res.headers()["content-type"]).toBe("image/png");
  }

  // Once the service worker controls the page, the hashed assets under the base come from its precache.
  await page.reload();
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null)).toBe(`${appUrl}sw.js`);
  const scripts = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((r) => r as PerformanceResourceTiming & { workerFinalSourceType?: string })
      .filter((r) => /\.js$/.test(new URL(r.name).pathname))
      .map((r) => ({ path: new URL(r.name).pathname, final: r.workerFinalSourceType })),
  );
  expect(scripts.length).toBeGreaterThan(0);
  for (const s of scripts) {
    expect(s.path.startsWith(`${BASE}assets/`), s.path).toBe(true);
    expect(s, s.path).toMatchObject({ final: "cache" });
  }

  // An app link under the base, opened and pasted.
  await page.goto(`${appUrl}p/${encodeURIComponent(window.did)}`);
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  await expect.poll(() => new URL(page.url()).pathname).toBe(BASE);
  await page.goto(appUrl);
  await page.getByLabel("Passport link or DID").fill(`${appUrl}p/${encodeURIComponent(window.did)}`);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("refused")).toHaveCount(0);
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  expect(problems).toEqual([]);

  // Offline: the shell from the service worker, the linkset's DID remembered, the data from IndexedDB.
  await context.setOffline(true);
  await page.goto(productLink);
  await expect(page.getByTestId("offline-bar")).toBeVisible();
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  await expect(page.locator(`article[data-did="${window.did}"]`).getByTestId("offline")).toContainText(
    "Verified offline against chain data read at",
  );
  await context.setOffline(false);

  // A new version deployed under the base is offered (not forced).
  await appendFile(path.join(dist, "sw.js"), "\n// next release\n");
  await page.reload();
  await expect(page.getByRole("button", { name: "Update" })).toBeVisible({ timeout: 20_000 });
});

test("the build for /verifier/ stays within the JavaScript budget", async () => {
  const result = await measure(dist);
  expect(Object.keys(result.files).some((f) => f.includes("verify.worker"))).toBe(true);
  expect(result.total).toBeLessThanOrEqual(result.budget);
});
