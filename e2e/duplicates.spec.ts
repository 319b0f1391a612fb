/**
 * Repeats a host or a publisher can put in what the app renders must not stop the view:
 * - a window whose signed document names the same component twice (`create --component G --component G`):
 *   one component, verified once, said to be named twice (it left the page on "Verifying…" for ever when the
 *   components were keyed by DID);
 * - a log served with its last line repeated: Invalid, and "Show entries and anchors" still opens (the entries
 *   were keyed by versionId).
 * The passports are made here with the command line in a folder of their own, anchored on the world's chain,
 * and served at the world's host (localhost:8630, paths under /dup-e2e/) by routing their requests: the
 * world's own folder (counted by other specs) is untouched. Service workers are blocked so that the page's
 * routes see the verification worker's requests.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 }, serviceWorkers: "block" });

/** What the PWA bar throws with service workers blocked (no registration): not this spec's concern. */

const ROOT = path.resolve(import.meta.dirname, "..");

function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), ["app/cli/main.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`cli ${args[0]} exited ${code}: ${err.slice(-800)}`))));
  });
}

let dir = "";
let window = "";
let glass = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const w = world();
  dir = await mkdtemp(path.join(tmpdir(), "e2e-dup-"));
  const env = { PUBLISHER_KEYSTORE: path.join(dir, "keystore.json"), PUBLISHER_KEYSTORE_PASSWORD: "e2e-duplicates-password" };
  await cli(["keystore", "init"], env);
  const host = new URL(w.appUrl).host;
  // Anchored in the world's registry: the only one the app under test trusts (TRUSTED_REGISTRIES).
  const common = ["--dir", path.join(dir, "host"), "--host", host, "--rpc", w.rpcUrl, "--registry", w.registry, "--manufacturer", "Dup Ltd", "--json"];
  glass = (JSON.parse(await cli(["create", ...common, "--path", "dup-e2e/g", "--kind", "glass", "--name", "Pane", "--gtin", "09506000134352", "--serial", "G1"], env)) as { did: string }).did;
  window = (
    JSON.parse(
      await cli(
        ["create", ...common, "--path", "dup-e2e/w", "--kind", "window", "--name", "Twice", "--gtin", "09506000134369", "--serial", "W1", "--component", glass, "--component", glass],
        env,
      ),
    ) as { did: string }
  ).did;
  await cli(["append", "--dir", path.join(dir, "host"), "--did", glass, "--parent", window], env);
  await cli(["anchor", "--dir", path.join(dir, "host"), "--rpc", w.rpcUrl], env);
});

test.afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Serves this spec's folder at the world's host under /dup-e2e/; a missing file is a 404. */
async function serveOurs(page: Page) {
  await page.route(/\/dup-e2e\/.*\.jsonl?$/, async (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname);
    const body = await readFile(path.join(dir, "host", rel)).catch(() => null);
    await route.fulfill(
      body === null
        ? { status: 404, headers: { "access-control-allow-origin": "*" }, body: "" }
        : { status: 200, headers: { "content-type": "application/json", "access-control-allow-origin": "*" }, body },
    );
  });
}

test("a component named twice: one component, verified once, said to be named twice", async ({ page }) => {
  const errors: string[] = [];
  // Service workers are blocked here: the app must run without one, with no page error.
  page.on("pageerror", (e) => void errors.push(e.message));
  await serveOurs(page);
  await page.goto(`${world().appUrl}/#/p/${encodeURIComponent(window)}`);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect(page.locator(`article[data-did="${glass}"]`)).toHaveCount(1);
  await expect(page.locator(`article[data-did="${glass}"]`)).toHaveAttribute("data-verdict", "verified");
  await expect(page.getByTestId("listed")).toContainText("Named 2 times");
  expect(errors).toEqual([]);
});

test("a log with its last line repeated: Invalid, and its entries and anchors still open", async ({ page }) => {
  const w = world();
  const victim = w.manifest.verifiedWindows[0]!;
  const log = await readFile(path.join(w.hostDir, new URL(victim.url).pathname), "utf8");
  const lines = log.trimEnd().split("\n");
  const doubled = `${[...lines, lines[lines.length - 1]].join("\n")}\n`;
  const errors: string[] = [];
  // Service workers are blocked here: the app must run without one, with no page error.
  page.on("pageerror", (e) => void errors.push(e.message));
  await page.route(victim.url, (route) =>
    route.fulfill({ status: 200, headers: { "content-type": "application/json", "access-control-allow-origin": "*" }, body: doubled }),
  );
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(victim.did)}`);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  const card = page.locator(`article[data-did="${victim.did}"]`);
  await card.getByRole("button", { name: /Show entries and anchors/ }).click();
  await expect(card.locator("ol.entries > li")).toHaveCount(lines.length + 1);
  expect(errors).toEqual([]);
  // The page still answers.
  await card.getByRole("button", { name: /Hide entries and anchors/ }).click();
  await expect(card.locator("ol.entries")).toHaveCount(0);
});
