/**
 * The offline cache's size in the real IndexedDB (the unit tests use an in-memory store): every cached file
 * is sized and dated for the least-recently-used budget (index `lru`), a file over the 4 MiB cap is read
 * and verified but not cached, and a cache written by the previous version (1: no sizes) is brought into the
 * budget when this version opens it. Service workers are blocked so that the page's routes see the
 * verification worker's requests.
 */
import { expect, test, type Page } from "@playwright/test";
import { world } from "./world.ts";

test.use({ viewport: { width: 390, height: 844 }, serviceWorkers: "block" });

interface Row {
  key: string;
  size?: number | undefined;
  used?: string | undefined;
  readTime: string;
}

/** The cached files' rows (no texts) and the files store's index names, read in the page. */
function cachedRows(page: Page): Promise<{ version: number; indexes: string[]; rows: Row[] }> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("verifier-cache");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const store = db.transaction("files").objectStore("files");
          const all = store.getAll();
          all.onsuccess = () => {
            const rows = (all.result as { key: string; size?: number; used?: string; readTime: string }[]).map(({ key, size, used, readTime }) => ({ key, size, used, readTime }));
            resolve({ version: db.version, indexes: [...store.indexNames], rows });
            db.close();
          };
        };
      }),
  );
}

/**
 * A cache as version 1 of the app wrote it (no sizes, no index), made anew in the page: `files` rows, and
 * `oldAnchors` registry reads (keys `junk|<n>`) read long ago.
 */
function versionOneCache(page: Page, fill: { files?: { key: string; text: string; readTime: string }[]; oldAnchors?: number }): Promise<void> {
  return page.evaluate(
    ({ files, oldAnchors }) =>
      new Promise<void>((resolve, reject) => {
        indexedDB.deleteDatabase("verifier-cache");
        const open = indexedDB.open("verifier-cache", 1);
        open.onupgradeneeded = () => {
          open.result.createObjectStore("files", { keyPath: "key" });
          open.result.createObjectStore("anchors", { keyPath: "key" });
        };
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(["files", "anchors"], "readwrite");
          for (const row of files) tx.objectStore("files").put(row);
          for (let i = 0; i < oldAnchors; i++) tx.objectStore("anchors").put({ key: `junk|${i}`, record: null, readTime: "2020-01-01T00:00:00.000Z", blockNumber: 1 });
          tx.oncomplete = () => (open.result.close(), resolve());
        };
      }),
    { files: fill.files ?? [], oldAnchors: fill.oldAnchors ?? 0 },
  );
}

test("cached files are sized and dated for the budget; a file over 4 MiB is not cached", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const anchorsUrl = window.url.replace(/did\.jsonl$/, "did-anchors.json");
  // The window's proofs served with 5 MiB of padding: still valid JSON, the same proofs.
  await page.route(anchorsUrl, async (route) => {
    const res = await route.fetch();
    const file = (await res.json()) as Record<string, unknown>;
    await route.fulfill({ response: res, body: JSON.stringify({ ...file, padding: "x".repeat(5 * 1024 * 1024) }) });
  });
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", /verified|invalid/, { timeout: 20_000 });
  await expect.poll(async () => (await cachedRows(page)).rows.some((r) => r.key === `${window.did}|did.jsonl`), { timeout: 10_000 }).toBe(true);
  const { version, indexes, rows } = await cachedRows(page);
  expect(version).toBe(2);
  expect(indexes).toContain("lru");
  for (const r of rows) {
    expect(r.size).toBeGreaterThan(0);
    expect(r.used).toBe(r.readTime);
  }
  expect(rows.map((r) => r.key)).not.toContain(`${window.did}|did-anchors.json`);
  // Its components' proofs, of ordinary size, are cached.
  expect(rows.map((r) => r.key)).toContain(`${window.components[0]}|did-anchors.json`);
});

test("a cache written by version 1 is sized when this version opens it", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/manifest.webmanifest`); // this origin, without the app (nothing opens the cache)
  await versionOneCache(page, {
    files: [
      { key: "did:webvh:QmOld:example.com|did.jsonl", text: "héllo", readTime: "2026-01-01T00:00:00.000Z" },
      { key: "did:webvh:QmBig:example.com|did.jsonl", text: "x".repeat(4 * 1024 * 1024 + 1), readTime: "2026-01-01T00:00:00.000Z" },
    ],
  });
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect.poll(async () => (await cachedRows(page)).version, { timeout: 10_000 }).toBe(2);
  const { rows } = await cachedRows(page);
  const old = rows.find((r) => r.key === "did:webvh:QmOld:example.com|did.jsonl");
  expect(old).toMatchObject({ size: "did:webvh:QmOld:example.com|did.jsonl".length + 6, used: "2026-01-01T00:00:00.000Z" });
  expect(rows.map((r) => r.key)).not.toContain("did:webvh:QmBig:example.com|did.jsonl");
});

test("cached registry reads are kept to 50,000, the oldest read first out", async ({ page }) => {
  test.setTimeout(60_000);
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/manifest.webmanifest`); // this origin, without the app (nothing opens the cache)
  // A cache holding one read more than the limit, all read long ago (a bulk audit of a hostile host).
  await versionOneCache(page, { oldAnchors: 50_001 });
  await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  const anchors = () =>
    page.evaluate(
      () =>
        new Promise<{ count: number; junk: number }>((resolve, reject) => {
          const open = indexedDB.open("verifier-cache");
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const store = open.result.transaction("anchors").objectStore("anchors");
            const all = store.getAllKeys();
            all.onsuccess = () => {
              const keys = all.result as string[];
              resolve({ count: keys.length, junk: keys.filter((k) => k.startsWith("junk|")).length });
              open.result.close();
            };
          };
        }),
    );
  // This visit's reads are kept; as many of the oldest as it wrote went.
  await expect.poll(anchors, { timeout: 20_000 }).toMatchObject({ count: 50_000 });
  const { junk } = await anchors();
  expect(junk).toBeLessThan(50_000);
});
