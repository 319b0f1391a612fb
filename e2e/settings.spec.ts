/** The Settings page saves only what loads back: the same values after a reload. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 } });

test("a staleness limit above a year is refused with a message; one within it survives a reload", async ({ page }) => {
  const w = world();
  await page.goto(`${w.appUrl}/#/settings`);
  const stale = page.getByLabel(/Staleness limit/);
  await stale.fill("10000");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("at most 8760");
  await expect(page.getByText("Saved.")).toHaveCount(0);
  await page.reload();
  await expect(stale).toHaveValue("24");

  await stale.fill("8760");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(stale).toHaveValue("8760");
});

test("the same RPC endpoint typed twice (with and without its trailing slash) is saved once", async ({ page }) => {
  const w = world();
  await page.goto(`${w.appUrl}/#/settings`);
  const rpc = page.getByLabel(/RPC endpoints/);
  await rpc.fill(`${w.rpcUrl}\n${w.rpcUrl}/\n${w.deadRpcUrl}/`);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const expected = `${w.rpcUrl.replace(/\/$/, "")}\n${w.deadRpcUrl.replace(/\/$/, "")}`;
  await expect(rpc).toHaveValue(expected);
  await page.reload();
  await expect(rpc).toHaveValue(expected);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("verifier.settings.v1")!) as { rpcUrls: { local: string[] } });
  expect(stored.rpcUrls.local).toEqual(expected.split("\n"));
});

test("trusted anchoring accounts: a passport anchored by another account is invalid, and says why; the manufacturer's account verifies it", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/settings`);
  const anchorers = page.getByLabel(/Trusted anchoring accounts/);
  await anchorers.fill("not-an-address");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("Not 20-byte addresses");
  await anchorers.fill("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  const verdict = page.getByTestId("product-verdict");
  await expect(verdict).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  await expect(page.locator(`article[data-did="${window.did}"]`)).toContainText("an account this verifier does not trust");

  // The demo's passports are anchored by Hardhat's first development account: trusted, they verify.
  await page.goto(`${w.appUrl}/#/settings`);
  await anchorers.fill("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
});

/** The registry the world's passports are anchored in, as their own did-anchors.json names it. */
async function worldRegistry(w: ReturnType<typeof world>): Promise<string> {
  const window = w.manifest.verifiedWindows[0]!;
  const log = path.join(w.hostDir, ...new URL(window.url).pathname.split("/").filter(Boolean));
  const anchors = JSON.parse(await readFile(path.join(path.dirname(log), "did-anchors.json"), "utf8")) as { anchors: { registry: string }[] };
  return anchors.anchors[0]!.registry;
}

test("trusted registries: the build pins the passports' registry; pinned to another, a passport is invalid and says why; the defaults verify it again", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const registry = await worldRegistry(w);
  await page.goto(`${w.appUrl}/#/settings`);
  const registries = page.getByLabel(/Trusted registries for local/);
  // The build's preset (TRUSTED_REGISTRIES, e2e/global-setup.ts).
  expect((await registries.inputValue()).toLowerCase()).toBe(registry.toLowerCase());
  await registries.fill("not-an-address");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("Registries not 20-byte addresses");
  await registries.fill("0x000000000000000000000000000000000000dEaD");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  const verdict = page.getByTestId("product-verdict");
  await expect(verdict).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  await expect(page.locator(`article[data-did="${window.did}"] [data-error-name="UntrustedRegistryError"]`).first()).toBeVisible();

  await page.goto(`${w.appUrl}/#/settings`);
  await page.getByRole("button", { name: "Restore defaults" }).click();
  await expect(page.getByText("Defaults restored.")).toBeVisible();
  expect((await registries.inputValue()).toLowerCase()).toBe(registry.toLowerCase());
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
});

test("a full storage: the re-check records give way to the settings; when even that is not enough, the page says they were not saved", async ({ page }) => {
  const w = world();
  await page.goto(`${w.appUrl}/#/settings`);
  /** Items of `prefix` in this origin's localStorage until not one more character fits (Chromium: its real quota). */
  const fill = (prefix: string) =>
    page.evaluate((prefix) => {
      let i = 0;
      for (const size of [1 << 20, 1 << 16, 4096, 256, 16, 1])
        for (;;) {
          try {
            localStorage.setItem(`${prefix}${i++}`, "x".repeat(size));
          } catch {
            break;
          }
        }
    }, prefix);
  const stale = page.getByLabel(/Staleness limit/);
  const anchorers = page.getByLabel(/Trusted anchoring accounts/);

  await page.evaluate(() => localStorage.setItem("verifier.rechecks", "[]"));
  await fill("verifier.recheck did:webvh:filler:");
  await stale.fill("12");
  await anchorers.fill("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("verifier.recheck")));
  expect(left).toEqual([]);

  // Full of what is not ours to remove: not saved, and said so; the settings apply until reload.
  await fill("another-app ");
  await anchorers.fill("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("could not be saved");
  await expect(page.getByText("Saved.")).toHaveCount(0);
  await page.reload();
  await expect(stale).toHaveValue("12");
  await expect(anchorers).toHaveValue("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  await page.evaluate(() => localStorage.clear());
});
