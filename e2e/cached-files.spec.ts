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

test("bulk audit with the host's files blocked after a first audit: the same counts, and it says which rest on cached files", async ({ page }) => {
  const w = world();
  await page.goto(`${w.appUrl}/#/audit`);
  const audit = page.getByTestId("audit");
  await page.getByRole("button", { name: "Audit the host" }).click();
  await expect(audit).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  const counts = async () =>
    Object.fromEntries(await Promise.all(["verified", "pending", "invalid", "unverifiable"].map(async (v) => [v, await page.getByTestId(`count-${v}`).textContent()])));
  const live = await counts();
  await expect(page.getByTestId("audit-cached")).toHaveCount(0);
  await page.waitForTimeout(1_000); // the cache writes run after each verdict

  // The host's logs and proofs now fail (its dids.json still answers): the same verdicts, from the cache, said so.
  await page.route(/\/(did\.jsonl|did-anchors\.json)$/, (route) => route.abort("connectionrefused"));
  await page.getByRole("button", { name: "Audit the host" }).click();
  await expect(audit).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  expect(await counts()).toEqual(live);
  const dids = w.manifest.dids.length;
  await expect(page.getByTestId("audit-cached")).toContainText(`${dids} of these verdicts rest on files or chain reads cached on this device`);
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  const lines = (await import("node:fs/promises").then(async (fs) => fs.readFile(await csv.path(), "utf8"))).trim().split("\r\n");
  expect(lines[0]).toBe("did,verdict,entries,reason_name,reason,cached_files_read_at,cached_chain_read_at");
  const rows = lines.slice(1).map((l) => l.split(","));
  expect(rows).toHaveLength(dids);
  for (const r of rows) {
    expect(Date.parse(r[5]!), r[0]).toBeLessThanOrEqual(Date.now()); // each row names when its cached files were read
    expect(r[6], r[0]).toBe(""); // the chain answered live
  }
  const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download JSON lines" }).click()]);
  const jsonLines = (await import("node:fs/promises").then(async (fs) => fs.readFile(await json.path(), "utf8"))).trim().split("\n").map((l) => JSON.parse(l) as { cached?: { files?: string } });
  expect(jsonLines.slice(0, -1).every((l) => typeof l.cached?.files === "string")).toBe(true);
});
