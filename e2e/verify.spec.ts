/**
 * Issue 2: the auditor opens a passport and sees the verdict of the window and of each component,
 * against a real chain and real files over HTTP.
 */
import path from "node:path";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { world } from "./world.ts";

const PHONE = { width: 390, height: 844 };
/** Screenshots land in test-results/screens/ (kept for people to look at). */
const shot = (info: TestInfo, name: string) => path.join(info.project.outputDir, "screens", name);
test.use({ viewport: PHONE });

const SETTINGS_KEY = "verifier.settings.v1";

/** Settings as a user would have saved them (before the app loads). */
async function presetSettings(page: Page, settings: Record<string, unknown>) {
  await page.addInitScript(
    ([key, value]) => {
      if (!sessionStorage.getItem("e2e-preset")) {
        localStorage.setItem(key!, value!);
        sessionStorage.setItem("e2e-preset", "1");
      }
    },
    [SETTINGS_KEY, JSON.stringify(settings)],
  );
}

function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return problems;
}

const productVerdict = (page: Page) => page.getByTestId("product-verdict");
const card = (page: Page, did: string) => page.locator(`article[data-did="${did}"]`);

test("a genuine passport: window, glass and frame are all verified", async ({ page }, info) => {
  const w = world();
  const problems = collectProblems(page);
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect(card(page, window.did)).toHaveAttribute("data-verdict", "verified");
  expect(window.components.length).toBeGreaterThanOrEqual(2);
  for (const c of window.components) await expect(card(page, c)).toHaveAttribute("data-verdict", "verified");
  const kinds = await page.locator("article[data-kind]").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
  expect(kinds).toEqual(expect.arrayContaining(["window", "glass", "frame"]));
  // No verdict element anywhere says anything but verified.
  const verdicts = await page.locator("[data-verdict]").evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute("data-verdict")))]);
  expect(verdicts).toEqual(["verified"]);
  // The lifecycle timeline, and on demand the computed root beside the anchored one.
  await expect(card(page, window.did).locator("ol.timeline li").first()).toBeVisible();
  await card(page, window.did).getByRole("button", { name: /entries and anchors/ }).click();
  const computed = card(page, window.did).getByTestId("computed-root").first();
  const claimed = card(page, window.did).getByTestId("claimed-root").first();
  await expect(computed).toHaveText(/^0x[0-9a-f]{64}$/);
  expect(await computed.textContent()).toBe(await claimed.textContent());
  await expect(card(page, window.did).getByText(/Block time/).first()).toBeVisible();
  await page.screenshot({ path: shot(info, "verified.png"), fullPage: true });
  expect(problems).toEqual([]);
});

test("the auditor is asked to compare the label's serial; a mismatch warns without touching the verdict", async ({ page }, info) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  const check = page.getByTestId("serial-check");
  await expect(check).toContainText(window.serial);
  await expect(check).toHaveAttribute("data-serial-match", "unanswered");
  // Keyboard only: Tab to the answer and press it.
  await check.getByRole("button", { name: "No, it differs" }).focus();
  await page.keyboard.press("Enter");
  await expect(check).toHaveAttribute("data-serial-match", "no");
  await expect(check.getByRole("alert")).toContainText("does not match this passport");
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "verified");
  await page.screenshot({ path: shot(info, "serial-mismatch.png"), fullPage: false });
  await check.getByRole("button", { name: "I misread it" }).click();
  await check.getByRole("button", { name: "Yes, it matches" }).click();
  await expect(check).toHaveAttribute("data-serial-match", "yes");
  await expect(check.getByRole("status")).toHaveText("The label matches this passport.");
});

/** Paths of the requests the page and its workers make, counted. */
function countRequests(page: Page): Map<string, number> {
  const counts = new Map<string, number>();
  page.context().on("request", (r) => {
    const p = new URL(r.url()).pathname;
    counts.set(p, (counts.get(p) ?? 0) + 1);
  });
  return counts;
}

test("a GS1 Digital Link of the host opens the same passport, resolved and verified once", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const counts = countRequests(page);
  const link = `/01/${window.gtin}/21/${encodeURIComponent(window.serial)}`;
  await page.goto(`${w.appUrl}${link}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect(card(page, window.did)).toBeVisible();
  // Asked at boot (worker/early.ts) and taken by the app: the linkset read once, the log fetched once.
  expect(counts.get(`${link}/linkset.json`)).toBe(1);
  const logPath = [...counts.keys()].find((p) => p.endsWith("/did.jsonl") && window.did.endsWith(p.split("/").slice(-2, -1)[0]!));
  expect(logPath).toBeDefined();
  expect(counts.get(logPath!)).toBe(1);
});

test("a GS1 Digital Link under saved settings: the early verification uses them, and is the one shown", async ({ page }) => {
  const w = world();
  await presetSettings(page, { stage: "local", rpcUrls: { local: [w.deadRpcUrl, w.rpcUrl] } });
  const window = w.manifest.verifiedWindows[0]!;
  const counts = countRequests(page);
  await page.goto(`${w.appUrl}/01/${window.gtin}/21/${encodeURIComponent(window.serial)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  const logs = [...counts.entries()].filter(([p]) => p.endsWith("/did.jsonl"));
  expect(logs.length).toBeGreaterThanOrEqual(3);
  for (const [p, n] of logs) expect(n, p).toBe(1);
});

test("one byte changed in an entry: invalid, naming the entry and the reason", async ({ page }, info) => {
  const w = world();
  // The tampered copy is served (with the app) on its own origin, which the app uses as the files' mirror.
  await presetSettings(page, { hostOrigin: w.tamperedUrl });
  await page.goto(`${w.tamperedUrl}/#/p/${encodeURIComponent(w.tamperedDid)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  const victim = card(page, w.tamperedDid);
  await expect(victim).toHaveAttribute("data-verdict", "invalid");
  const reason = victim.locator(".reason");
  await expect(reason).toHaveAttribute("data-error-name", /Error$/);
  await expect(reason).toContainText("entry 2");
  await page.screenshot({ path: shot(info, "invalid.png"), fullPage: true });
});

test("an entry appended after the last anchor: pending", async ({ page }, info) => {
  const w = world();
  // The global setup asks the fixtures for pending DIDs (--pending-every 2): none would be a failure of the
  // setup, not a reason to skip the case.
  const pending = w.manifest.pending[0];
  if (!pending) throw new Error("the fixtures have no pending DID");
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(pending.did)}`);
  await expect(card(page, pending.did)).toHaveAttribute("data-verdict", "pending", { timeout: 20_000 });
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "pending");
  await page.screenshot({ path: shot(info, "pending.png"), fullPage: true });
});

test("the chain endpoint unreachable: unverifiable, never verified or invalid", async ({ page }, info) => {
  const w = world();
  await presetSettings(page, { stage: "local", rpcUrls: { local: [w.deadRpcUrl] } });
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "unverifiable", { timeout: 30_000 });
  await expect(page.locator("ul.tree")).toBeVisible(); // the cards: the frame after the verdict's banner
  const verdicts = await page.locator("[data-verdict]").evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict")));
  expect(verdicts).not.toContain("verified");
  expect(verdicts).not.toContain("invalid");
  await page.screenshot({ path: shot(info, "unverifiable.png"), fullPage: true });
});

test("a dead first RPC endpoint falls back to the next one: still verified", async ({ page }) => {
  const w = world();
  await presetSettings(page, { stage: "local", rpcUrls: { local: [w.deadRpcUrl, w.rpcUrl] } });
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
});

test("the host unreachable: unverifiable, never verified or invalid", async ({ page }) => {
  const w = world();
  await presetSettings(page, { hostOrigin: "http://localhost:8648" });
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "unverifiable", { timeout: 30_000 });
  await expect(page.locator("[data-error-name]").first()).toHaveAttribute("data-error-name", /^(HostUnreachableError|FetchTimeoutError)$/);
  const verdicts = await page.locator("[data-verdict]").evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict")));
  expect(verdicts).not.toContain("verified");
  expect(verdicts).not.toContain("invalid");
});

test("hostile payloads are refused with a message, never opened", async ({ page }) => {
  const w = world();
  await page.goto(`${w.appUrl}/`);
  const input = page.getByLabel("Passport link or DID");
  for (const [payload, reason] of [
    ["javascript:alert(document.domain)", /javascript:/],
    ["<img src=x onerror=alert(1)>", /markup/],
    ["https://evil.example/01/09506000134352/21/1", /not a configured passport host/],
  ] as const) {
    await input.fill(payload);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByTestId("refused")).toContainText(reason);
    expect(page.url()).toBe(`${w.appUrl}/`);
    await expect(page.locator("img")).toHaveCount(0);
  }

  // Refused in place of a passport shown: the passport goes, and so does its address (a reload opens nothing).
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(productVerdict(page)).toHaveAttribute("data-verdict", "verified", { timeout: 30_000 });
  await input.fill("javascript:alert(1)");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("refused")).toContainText(/javascript:/);
  await expect(productVerdict(page)).toHaveCount(0);
  await expect.poll(() => new URL(page.url()).hash).toMatch(/^#?\/?$/);
  await page.reload();
  await expect(page.getByLabel("Passport link or DID")).toBeVisible();
  await page.waitForTimeout(500);
  await expect(productVerdict(page)).toHaveCount(0);
});
