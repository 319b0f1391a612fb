/**
 * The auditor's quality bar, measured in the real browser (Debian's Chromium) against the production build:
 * a window passport (3 DIDs) opened cold shows its verdict within 1 s including app load; opened again
 * (service worker and caches warm) within 200 ms. Real chain, real files over HTTP (ports 8690-8691), the
 * app's server in a process of its own as `npm start` runs it (lib/serverProcess.ts).
 *
 * Time is read in the page: performance.now() at the first frame after the product verdict is in the
 * document, i.e. since the navigation started (app load, its worker, the files and the chain included).
 * Opened again, that first verdict is a re-check (app/ui/offline/recheck.ts: every recorded file and registry
 * answer the same as at the full verification of the first visit); the time the full verification that
 * replaces it took is printed beside it. A third visit is timed too, for information: the goal is the
 * second's.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../playwright.config.ts";
import { loadManifest } from "../e2e/world.ts";
import { startLocalChain } from "../scripts/chain.ts";
import { startServerProcess } from "./lib/serverProcess.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PORTS = { app: 8690, chain: 8691 } as const;
const RUNS = Number(process.env.RUNS ?? 11);

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${err.slice(-2000)}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Recorded in the page, not by the test driver (whose round trips are not the user's wait): the first
 * animation frame after the product verdict enters the document, i.e. when it can be painted.
 */
function recordVerdictTime(): void {
  const w = window as unknown as { __verdictAt?: number };
  new MutationObserver((_, observer) => {
    if (!document.querySelector('[data-testid="product-verdict"]')) return;
    observer.disconnect();
    requestAnimationFrame(() => (w.__verdictAt = performance.now()));
  }).observe(document, { childList: true, subtree: true });
}

async function timeToVerdict(page: Page, url: string): Promise<{ ms: number; verdict: string | null; rechecked: boolean; fullMs: number }> {
  await page.goto(url);
  const verdict = page.getByTestId("product-verdict");
  await verdict.waitFor({ state: "visible", timeout: 20_000 });
  const ms = await page.waitForFunction(() => (window as unknown as { __verdictAt?: number }).__verdictAt).then((h) => h.jsonValue() as Promise<number>);
  const first = await verdict.getAttribute("data-verdict");
  // The full verification's answer (after a re-check, the one that replaces it).
  const fullMs = await page
    .waitForFunction(() => performance.getEntriesByName("passport:verdict")[0]?.startTime, undefined, { timeout: 20_000 })
    .then((h) => h.jsonValue() as Promise<number>);
  const rechecked = await page.evaluate(() => performance.getEntriesByName("passport:rechecked").length > 0);
  const full = await verdict.getAttribute("data-verdict");
  return { ms, verdict: first === full ? first : `${first} then ${full}`, rechecked, fullMs };
}

export default async function (): Promise<void> {
  const bin = path.join(ROOT, "node_modules", ".bin");
  const tmp = await mkdtemp(path.join(os.tmpdir(), "bench-browser-"));
  const chain = await startLocalChain({ port: PORTS.chain });
  const stops: (() => Promise<unknown>)[] = [() => chain.stop()];
  try {
    const distDir = path.join(tmp, "dist");
    const hostDir = path.join(tmp, "host");
    await Promise.all([
      run(path.join(bin, "vite"), ["build", "--outDir", distDir, "--emptyOutDir", "--logLevel", "error"], {
        CHAIN_STAGE: "local",
        LOCAL_RPC: chain.url,
      }),
      run(path.join(bin, "tsx"), ["app/cli/main.ts", "fixtures", "--out", hostDir, "--rpc", chain.url, "--windows", "10", "--host", `localhost:${PORTS.app}`]),
    ]);
    const manifest = await loadManifest(hostDir);
    const window = manifest.verifiedWindows[0];
    if (!window) throw new Error("the fixtures have no verified window");
    const app = await startServerProcess({ port: PORTS.app, appDir: distDir, cdnDir: hostDir, rpcOrigins: [chain.url] });
    stops.push(() => app.stop());
    const url = `${app.url.replace(/\/$/, "")}/01/${window.gtin}/21/${window.serial}`;

    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
    stops.push(() => browser.close());
    const cold: number[] = [];
    const warm: number[] = [];
    const warmFull: number[] = [];
    const thirds: number[] = [];
    let rechecks = 0;
    const verdicts = new Set<string | null>();
    for (let i = 0; i < RUNS; i++) {
      // Cold: a new profile (no HTTP cache, no service worker, no IndexedDB), phone-sized.
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      await page.addInitScript(recordVerdictTime);
      const first = await timeToVerdict(page, url);
      cold.push(first.ms);
      verdicts.add(first.verdict);
      // Opened again: the service worker installed, app shell and data cached.
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      const again = await timeToVerdict(page, url);
      warm.push(again.ms);
      warmFull.push(again.fullMs);
      if (again.rechecked) rechecks++;
      verdicts.add(again.verdict);
      // And a third time: Chromium compiles the app's modules without a code cache on the second visit
      // (and writes one then), and reads it from the third on.
      const third = await timeToVerdict(page, url);
      thirds.push(third.ms);
      verdicts.add(third.verdict);
      await context.close();
    }
    const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
    console.log(`window passport (3 DIDs), ${RUNS} runs, verdict(s) ${[...verdicts].join(", ")}, load average ${os.loadavg()[0]!.toFixed(1)}`);
    console.log(`  cold, including app load: ${fmt(cold)}   goal <= 1000 ms`);
    console.log(`  opened again (cached):    ${fmt(warm)}   goal <= 200 ms   (${rechecks} of ${RUNS} re-checked first)`);
    console.log(`    its full verification:  ${fmt(warmFull)}   (the answer that replaces the re-check)`);
    console.log(`  opened a third time:      ${fmt(thirds)}   (the app's code cache written on the second visit)`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}
