/**
 * At a phone's width (390 x 844) no page scrolls sideways: long ids (DIDs, versionIds, hashes, machine
 * addresses, URLs) wrap instead of widening the page past the screen. And the keyboard focus ring is
 * visible (>= 3:1, WCAG 2.2) both on the dark header and on the light page.
 */
import { expect, test, type Page } from "@playwright/test";
import { expectNoSidewaysScroll } from "./layout.ts";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 } });

const productVerdict = (page: Page) => page.getByTestId("product-verdict");

/** The cards' "Show entries and anchors" buttons, once the tree is shown (the frame after the verdict's banner). */
async function detailsButtons(page: Page) {
  await expect(page.locator("ul.tree")).toBeVisible();
  return page.getByRole("button", { name: /^Show entries and anchors/ });
}

/** Opens a passport and every "entries and anchors" list of its cards. */
async function openPassportWithDetails(page: Page, did: string, verdict: string) {
  const w = world();
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", verdict, { timeout: 20_000 });
  const buttons = await detailsButtons(page);
  const n = await buttons.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) await buttons.first().click(); // each click turns one into "Hide ..."
  await expect(page.locator("ol.entries").first()).toBeVisible();
}

test("a verified passport with its entries and anchors open", async ({ page }) => {
  const window = world().manifest.verifiedWindows[0]!;
  await openPassportWithDetails(page, window.did, "verified");
  await expectNoSidewaysScroll(page, "verified passport, details open");
});

test("a pending passport with its entries and anchors open (the 'not anchored yet' reasons)", async ({ page }) => {
  const pending = world().manifest.pending.find((d) => d.kind === "window") ?? world().manifest.pending[0];
  if (!pending) throw new Error("the fixtures have no pending DID");
  await openPassportWithDetails(page, pending.did, "pending");
  await expect(page.locator("ol.entries li[data-verdict=pending] .reason").first()).toBeVisible();
  await expectNoSidewaysScroll(page, "pending passport, details open");
});

/** Settings as a user would have saved them (before the app loads). */
async function presetSettings(page: Page, settings: Record<string, unknown>) {
  await page.addInitScript(
    ([value]) => {
      if (!sessionStorage.getItem("e2e-preset")) {
        localStorage.setItem("verifier.settings.v1", value!);
        sessionStorage.setItem("e2e-preset", "1");
      }
    },
    [JSON.stringify(settings)],
  );
}

test("an invalid passport (one byte changed) with its entries and anchors open", async ({ page }) => {
  const w = world();
  await presetSettings(page, { hostOrigin: w.tamperedUrl });
  await page.goto(`${w.tamperedUrl}/#/p/${encodeURIComponent(w.tamperedDid)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  const buttons = await detailsButtons(page);
  for (let n = await buttons.count(); n > 0; n--) await buttons.first().click();
  await expectNoSidewaysScroll(page, "invalid passport, details open");
});

test("an unverifiable passport (its chain endpoint unreachable) with its details open, and a refused payload", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  await presetSettings(page, { stage: "local", rpcUrls: { local: [`${w.deadRpcUrl}/${"rpc-path-".repeat(12)}`] } });
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "unverifiable", { timeout: 30_000 });
  const buttons = await detailsButtons(page);
  for (let n = await buttons.count(); n > 0; n--) await buttons.first().click();
  await expectNoSidewaysScroll(page, "unverifiable (dead RPC)");

  await page.goto(`${w.appUrl}/#/`);
  await page.getByLabel("Passport link or DID").fill(`https://evil.example/01/09506000134352/21/${"1".repeat(120)}`);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("refused")).toBeVisible();
  await expectNoSidewaysScroll(page, "a refused payload");
});

test("an unverifiable passport: its host unreachable", async ({ page }) => {
  const w = world();
  await presetSettings(page, { hostOrigin: "http://localhost:8648" });
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(w.manifest.verifiedWindows[0]!.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "unverifiable", { timeout: 30_000 });
  await expectNoSidewaysScroll(page, "unverifiable (host unreachable)");
});

test("the other pages: audit after a run, settings with long endpoints, scan, wallet, provisions, home", async ({ page }) => {
  const w = world();
  await page.goto(`${w.appUrl}/#/audit`);
  await page.getByRole("button", { name: "Audit the host" }).click();
  await expect(page.getByTestId("audit")).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  await expectNoSidewaysScroll(page, "audit after a run");

  await page.goto(`${w.appUrl}/#/settings`);
  // A long address refused: the error message names it whole.
  await page.getByLabel(/RPC endpoints/).fill(`ftp://${"a".repeat(60)}.example/rpc/${"x".repeat(80)}`);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectNoSidewaysScroll(page, "settings with errors");

  for (const hash of ["#/", "#/scan", "#/wallet", "#/provision"]) {
    await page.goto(`${w.appUrl}/${hash}`);
    await page.waitForLoadState("networkidle");
    await expect(page.locator("main")).not.toContainText("Loading…");
    await expectNoSidewaysScroll(page, hash);
  }
});

/** WCAG relative luminance and contrast ratio of two rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const BRAND = "rgb(11, 61, 46)"; // the header's green (#0b3d2e)
const PAGE = "rgb(244, 246, 245)"; // the page (--bg)

/** The focused element's ring, and the background inside it (its own, or its nearest opaque ancestor's). */
async function focusRing(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const s = getComputedStyle(el);
    const opaque = (e: Element | null): string => {
      for (; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (!bg.startsWith("rgba(0, 0, 0, 0")) return bg;
      }
      return "rgb(255, 255, 255)";
    };
    return {
      text: (el.textContent ?? "").trim(),
      visible: el.matches(":focus-visible") && s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
      color: s.outlineColor,
      offset: parseFloat(s.outlineOffset),
      own: opaque(el),
      around: opaque(el.parentElement),
    };
  });
}

test("the keyboard focus ring reaches 3:1 on the dark header and on the light page", async ({ page }) => {
  const w = world();
  await page.goto(`${w.appUrl}/#/settings`);
  await expect(page.getByRole("button", { name: "Save" })).toBeVisible();

  // The skip link (shown over the header), the title, a tab and the current tab, reached with the keyboard.
  const seen: string[] = [];
  for (let i = 0; i < 9; i++) {
    await page.keyboard.press("Tab");
    const r = await focusRing(page);
    if (!(await page.evaluate(() => !!document.activeElement?.closest("header.top, .skip")))) break;
    seen.push(r.text);
    expect(r.visible, r.text).toBe(true);
    // Drawn outside the element: against the header's green (the skip link floats over it too); drawn
    // inside (offset < 0): against the element's own background.
    const against = r.offset < 0 ? [r.own] : [BRAND];
    if (r.offset >= 0 && r.text !== "Skip to content") expect(r.around, r.text).toBe(BRAND);
    for (const bg of against) expect(contrast(r.color, bg), `${r.text}: ${r.color} on ${bg}`).toBeGreaterThanOrEqual(3);
    // The current tab is light: a ring outside it would also touch the page below, inside it does not.
    if (r.own === PAGE) expect(r.offset, r.text).toBeLessThan(0);
  }
  expect(seen).toEqual(expect.arrayContaining(["Skip to content", "Passport Verifier", "Verify", "Settings"]));

  // On the light page: the Save button's ring, outside it, on the page.
  await page.getByLabel(/Staleness limit/).focus();
  await page.keyboard.press("Tab");
  const save = await focusRing(page);
  expect(save.text).toBe("Save");
  expect(save.visible).toBe(true);
  expect(save.around).toBe(PAGE);
  expect(contrast(save.color, PAGE), `${save.color} on the page`).toBeGreaterThanOrEqual(3);
});
