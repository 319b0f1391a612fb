/**
 * The Content-Security-Policy applies to the verification worker, not only to the page: a dedicated worker
 * runs under the policy of its own script's response, and the worker makes every host and JSON-RPC read.
 * With an RPC endpoint that the policy's connect-src does not list, the worker's reads never leave the
 * browser (the endpoint sees no request at all, not even a CORS preflight) and the verdict is unverifiable.
 */
import { createServer, type Server } from "node:http";
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";

/** An endpoint outside the served CSP's connect-src (global-setup lists the chain and the dead RPC only). */
const OUTSIDE_PORT = 8637;

let outside: Server;
const seen: string[] = [];

test.beforeAll(async () => {
  outside = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    // Would let the browser through if it ever asked (CORS granted), and then answers nothing useful.
    res.writeHead(req.method === "OPTIONS" ? 204 : 500, {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "POST, GET",
      "access-control-allow-headers": "*",
    });
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    outside.once("error", reject);
    outside.listen(OUTSIDE_PORT, "127.0.0.1", () => resolve());
  });
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => (outside ? outside.close(() => resolve()) : resolve()));
});

test("a worker's read from an origin outside connect-src is blocked", async ({ page }) => {
  const w = world();
  const rpc = `http://127.0.0.1:${OUTSIDE_PORT}`;
  await page.addInitScript(
    ([value]) => {
      if (!sessionStorage.getItem("e2e-preset")) {
        localStorage.setItem("verifier.settings.v1", value!);
        sessionStorage.setItem("e2e-preset", "1");
      }
    },
    [JSON.stringify({ stage: "local", rpcUrls: { local: [rpc] } })],
  );
  const workers: string[] = [];
  page.on("worker", (wk) => workers.push(wk.url()));
  const window = w.manifest.verifiedWindows[0]!;
  const response = await page.goto(`${w.appUrl}/#/p/${encodeURIComponent(window.did)}`);
  const pagePolicy = response?.headers()["content-security-policy"];
  expect(pagePolicy).toContain("connect-src 'self'");
  expect(pagePolicy).not.toContain(rpc);

  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "unverifiable", { timeout: 30_000 });
  // The worker read the host's files (same origin) and tried the chain: its reads of the RPC were refused.
  await page.waitForTimeout(500);
  expect(seen).toEqual([]);
  // Because the worker's script carries the page's policy.
  const verifyWorker = workers.find((u) => /\/assets\/verify\.worker-[^/]+\.js$/.test(new URL(u).pathname));
  expect(verifyWorker).toBeDefined();
  expect((await page.request.get(verifyWorker!)).headers()["content-security-policy"]).toBe(pagePolicy);
});
