/**
 * Issue 5: cancelling the bulk audit part way. The e2e host's DIDs are verified for real (files over HTTP, the
 * local chain) in the app's workers; the only thing the test controls is when the host answers each did.jsonl:
 * page.route holds every did.jsonl request (the workers' requests are the page's) and lets a few through, so
 * the audit is part way, deterministically, when Cancel is pressed. The expected verdicts come from the
 * published files (world.ts), not from the app.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test, type Download, type Page } from "@playwright/test";
import { world, type PublishedDid } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 } });

const VERDICTS = ["verified", "pending", "invalid", "unverifiable"] as const;
type Counts = Record<(typeof VERDICTS)[number] | "entries", number>;

/** What `audit` must say of these DIDs, from their files: fully anchored -> verified, entries after the last anchor -> pending. */
function expected(dids: PublishedDid[]): Counts {
  const c: Counts = { verified: 0, pending: 0, invalid: 0, unverifiable: 0, entries: 0 };
  for (const d of dids) {
    if (d.anchored === d.entries) c.verified++;
    else if (d.anchored > 0) c.pending++;
    else throw new Error(`${d.did} has no anchored entry: the fixtures changed`);
    c.entries += d.entries;
  }
  return c;
}

async function shown(page: Page): Promise<Counts> {
  const c = {} as Counts;
  for (const k of [...VERDICTS, "entries"] as const) c[k] = Number(await page.getByTestId(`count-${k}`).textContent());
  return c;
}

const text = (d: Download) => d.path().then((p) => readFile(p, "utf8"));

test("bulk audit cancelled part way: it stops, shows and offers the partial results; a new audit then completes", async ({ page }, info) => {
  const w = world();
  const all = w.manifest.dids;
  const byPath = new Map(all.map((d) => [new URL(d.url).pathname, d]));
  const dirs = all.map((d) => new URL(d.url).pathname.replace(/did\.jsonl$/, ""));
  /** The audit's traffic, from the page or its workers: requests for the DIDs' files and their answers, chain reads. */
  const traffic: string[] = [];
  const file = (url: string) => {
    const u = new URL(url);
    return u.origin === new URL(w.appUrl).origin && dirs.some((d) => u.pathname.startsWith(d)) ? u.pathname : null;
  };
  page.on("request", (r) => {
    if (file(r.url())) traffic.push(`request ${file(r.url())}`);
    else if (new URL(r.url()).origin === new URL(w.rpcUrl).origin) traffic.push(`chain ${r.postData()?.slice(0, 120)}`);
  });
  page.on("requestfinished", (r) => {
    if (file(r.url())) traffic.push(`answered ${file(r.url())}`);
  });
  const held: { path: string; release: () => void }[] = [];
  const hold = /\/did\.jsonl$/;
  await page.route(hold, async (route) => {
    await new Promise<void>((release) => held.push({ path: new URL(route.request().url()).pathname, release }));
    await route.continue().catch(() => undefined); // the request may be gone (its worker terminated)
  });

  await page.goto(`${w.appUrl}/#/audit`);
  const audit = page.getByTestId("audit");
  const progress = page.locator("#audit-progress");
  await page.getByRole("button", { name: "Audit the host" }).click();
  await expect(audit).toHaveAttribute("data-status", "running");
  await expect(progress).toHaveAttribute("max", String(all.length));

  // Let three DIDs' logs through while more wait: the audit is part way.
  const K = 3;
  await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(K);
  const released = held.splice(0, K);
  released.forEach((h) => h.release());
  const done = released.map((h) => byPath.get(h.path)!);
  expect(done.every(Boolean)).toBe(true);
  await expect(progress).toHaveAttribute("value", String(K), { timeout: 10_000 });
  expect(await shown(page)).toEqual(expected(done));

  // The recorder sees the workers' traffic: the released logs were answered, the held ones not.
  await expect.poll(() => released.filter((h) => traffic.includes(`answered ${h.path}`)).length).toBe(K);
  for (const h of held) expect(traffic).not.toContain(`answered ${h.path}`);

  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(audit).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByRole("button", { name: "Cancel" })).toHaveCount(0);
  await expect(audit.locator("label")).toHaveText(`${K} of ${all.length} DIDs (cancelled)`);
  const atCancel = traffic.length;

  // The run has stopped: the held logs are let through now, and nothing follows (no file answered, no chain read,
  // no progress): the workers that asked for them are gone.
  held.splice(0).forEach((h) => h.release());
  await page.waitForTimeout(750);
  expect(traffic.slice(atCancel)).toEqual([]);
  await expect(progress).toHaveAttribute("value", String(K));
  await expect(audit).toHaveAttribute("data-status", "cancelled");
  const partial = await shown(page);
  expect(partial).toEqual(expected(done));
  await page.screenshot({ path: path.join(info.project.outputDir, "screens", "audit-cancelled.png"), fullPage: true });

  // The partial report: the same rows as the counts shown, in the CLI's formats.
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  expect(csv.suggestedFilename()).toBe("audit-partial.csv");
  const lines = (await text(csv)).trim().split("\r\n");
  expect(lines[0]).toBe("did,verdict,entries,reason_name,reason,cached_files_read_at,cached_chain_read_at");
  const rows = lines.slice(1).map((l) => l.split(","));
  expect(rows.map((r) => r[0]).sort()).toEqual(done.map((d) => d.did).sort());
  for (const v of VERDICTS) expect(rows.filter((r) => r[1] === v).length, v).toBe(partial[v]);
  expect(rows.reduce((n, r) => n + Number(r[2]), 0)).toBe(partial.entries);
  const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download JSON lines" }).click()]);
  const jsonLines = (await text(json)).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(jsonLines).toHaveLength(K + 1);
  expect(jsonLines.at(-1)).toMatchObject({ dids: K, ...partial });

  // A new audit, with the host answering at once, runs to the end with the full counts.
  await page.unroute(hold);
  await page.getByRole("button", { name: "Audit the host" }).click();
  await expect(audit).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  await expect(progress).toHaveAttribute("value", String(all.length));
  expect(await shown(page)).toEqual(expected(all));
  expect(expected(all).pending).toBe(w.manifest.pending.length);
  const [full] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  expect(full.suggestedFilename()).toBe("audit.csv");
  expect((await text(full)).trim().split("\r\n")).toHaveLength(all.length + 1);
});
