/**
 * A product opened again on this device (its QR code's link): re-checked at once against the record of its
 * last full verification (every file the same, byte for byte; every registry read the same), shown so, then
 * verified in full, which replaces it. Anything changed since is never shown from the record: a component's
 * log served altered goes straight to the full verification (Invalid), and that record is dropped.
 * Service workers are blocked so that the page's routes see the page's and the worker's requests.
 */
import { expect, test, type Page } from "@playwright/test";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 }, serviceWorkers: "block" });

/** Every state the product verdict went through: its verdict, and whether it was shown as a re-check. */
function recordVerdictStates(): void {
  const w = window as unknown as { __states: string[] };
  w.__states = [];
  new MutationObserver(() => {
    const banner = document.querySelector('[data-testid="product-verdict"]');
    if (!banner) return;
    const state = `${banner.getAttribute("data-verdict")}${document.querySelector('[data-testid="rechecked"]') ? " (re-checked)" : ""}`;
    if (w.__states.at(-1) !== state) w.__states.push(state);
  }).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
}

const states = (page: Page) => page.evaluate(() => (window as unknown as { __states: string[] }).__states);
const marks = (page: Page) => page.evaluate(() => performance.getEntriesByType("mark").map((m) => m.name));
/** How many products have a re-check record (offline/recheckStore.ts). */
const records = (page: Page) => page.evaluate(() => (JSON.parse(localStorage.getItem("verifier.rechecks") ?? "[]") as string[]).length);

/** The log with one character of its last proof changed: its signature no longer verifies. */
function altered(log: string): string {
  const at = log.lastIndexOf('"proofValue":"z') + 30;
  return log.slice(0, at) + (log[at] === "A" ? "B" : "A") + log.slice(at + 1);
}

/** A window's product link opened for the first time: verified in full, and recorded. */
async function firstVisit(page: Page) {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const link = `${w.appUrl}/01/${window.gtin}/21/${window.serial}`;
  const verdict = page.getByTestId("product-verdict");
  await page.addInitScript(recordVerdictStates);
  await page.goto(link);
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect.poll(() => records(page), { timeout: 10_000 }).toBe(1);
  return { w, window, link, verdict };
}

test("opened again: re-checked at once, then verified in full; a component changed since: never from the record", async ({ page }) => {
  test.setTimeout(90_000);
  // First visit: verified in full, and recorded.
  const { w, window, link, verdict } = await firstVisit(page);
  await expect(page.getByText(/Checked in \d+ ms\./)).toBeVisible();
  expect(await states(page)).toEqual(["verified"]);

  // Opened again: the re-check's verdict first, then the full verification's, the same.
  await page.goto(link); // the QR code scanned again
  await expect(page.getByText(/Checked in \d+ ms\./)).toBeVisible({ timeout: 20_000 });
  expect(await states(page)).toEqual(["verified (re-checked)", "verified"]);
  expect(await marks(page)).toEqual(expect.arrayContaining(["passport:rechecked", "passport:verdict"]));
  await expect(page.getByTestId("rechecked")).toHaveCount(0);

  // One component's log served altered: no re-check answer, the full verification says Invalid.
  const glass = w.manifest.dids.find((d) => d.did === window.components[0])!;
  await page.route(`**${new URL(glass.url).pathname}`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: altered(await response.text()) });
  });
  await page.goto(link); // the QR code scanned again
  await expect(verdict).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  expect(await states(page)).toEqual(["invalid"]);
  expect(await marks(page)).not.toContain("passport:rechecked");
  // That record is gone: the next visit, with the genuine log again, is verified in full first.
  await expect.poll(() => records(page), { timeout: 10_000 }).toBe(0);
  await page.unroute(`**${new URL(glass.url).pathname}`);
  await page.goto(link); // the QR code scanned again
  await expect(verdict).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  expect(await states(page)).toEqual(["verified"]);
  await expect.poll(() => records(page), { timeout: 10_000 }).toBe(1);
  await page.goto(link); // the QR code scanned again
  await expect(page.getByText(/Checked in \d+ ms\./)).toBeVisible({ timeout: 20_000 });
  expect(await states(page)).toEqual(["verified (re-checked)", "verified"]);

  // The page reloaded: its address is now the passport's route (#/p/<did>), re-checked the same way.
  expect(new URL(page.url()).hash).toMatch(/^#\/p\/did%3Awebvh%3A/);
  await page.reload();
  await expect(page.getByText(/Checked in \d+ ms\./)).toBeVisible({ timeout: 20_000 });
  expect(await states(page)).toEqual(["verified (re-checked)", "verified"]);
});

test("a re-checked verdict the full verification revises: an alert says so, and the result takes the focus", async ({ page }) => {
  test.setTimeout(60_000);
  const { w, window, link, verdict } = await firstVisit(page);

  // The host changes the glass pane's log between the re-check's read (the first) and the worker's.
  const glass = w.manifest.dids.find((d) => d.did === window.components[0])!;
  let served = 0;
  await page.route(`**${new URL(glass.url).pathname}`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: served++ === 0 ? await response.text() : altered(await response.text()) });
  });
  await page.goto(link); // the QR code scanned again
  await expect(verdict).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  expect(await states(page)).toEqual(["verified (re-checked)", "invalid"]);
  await expect(page.getByTestId("revised")).toHaveText("The full verification found Invalid; the re-check had shown Verified.");
  await expect(page.getByTestId("revised")).toHaveAttribute("role", "alert");
  await expect(verdict.getByRole("heading")).toBeFocused();
  expect(served).toBeGreaterThanOrEqual(2);
});
