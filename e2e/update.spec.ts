/**
 * Issue 5: a new version of the app is offered, never forced: the service worker of a new build waits,
 * the page shows an update prompt, and "Update" activates it (then the page reloads under it).
 */
import { appendFile, cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startServer } from "../scripts/serve.ts";
import { world } from "./world.ts";

test("a new version waits for the user's consent, then takes over", async ({ page }) => {
  const w = world();
  const dir = await mkdtemp(path.join(os.tmpdir(), "e2e-update-"));
  await cp(w.distDir, dir, { recursive: true });
  const server = await startServer({ port: 8633, appDir: dir, rpcOrigins: [w.rpcUrl] });
  try {
    await page.goto(`${server.url}/`);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await expect(page.getByRole("button", { name: "Update" })).toHaveCount(0);

    // A new build is deployed (any byte of the service worker changes).
    await appendFile(path.join(dir, "sw.js"), "\n// next release\n");
    await page.reload();
    const update = page.getByRole("button", { name: "Update" });
    await expect(update).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole("alert")).toContainText("A new version of the verifier is ready");
    // Not forced: the old version still controls the page.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting !== null)).toBe(true);

    await Promise.all([page.waitForEvent("load"), update.click()]);
    await expect
      .poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null), { timeout: 10_000 })
      .toBeNull();
    await expect(page.getByRole("button", { name: "Update" })).toHaveCount(0);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
