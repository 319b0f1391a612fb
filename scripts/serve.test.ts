import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normaliseBase, startServer, type RunningServer } from "./serve.ts";

let dir: string;
let server: RunningServer;
/** The same app and CDN, the app served under /verifier/ (a build with APP_BASE=/verifier/). */
let sub: RunningServer;

/** Raw request: fetch() would normalise `..` away before it reaches the server. */
function raw(pathname: string, headers: Record<string, string> = {}, method = "GET", port = server.port) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: pathname, method, headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "serve-test-"));
  const app = path.join(dir, "app");
  const cdn = path.join(dir, "cdn");
  await mkdir(path.join(app, "assets"), { recursive: true });
  await mkdir(path.join(cdn, "passports", "w1"), { recursive: true });
  await writeFile(path.join(app, "index.html"), "<!doctype html><title>app</title>");
  await writeFile(path.join(app, "assets", "index-abc123.js"), "console.log(1)");
  await writeFile(path.join(app, "manifest.webmanifest"), "{}");
  await writeFile(path.join(app, "sw.js"), "// sw");
  await writeFile(path.join(app, "assets", "verify.worker-def456.js"), "self.onmessage = () => {}");
  await writeFile(path.join(app, "dids.json"), '{"from":"app"}');
  await writeFile(path.join(cdn, "dids.json"), '{"from":"cdn"}');
  await writeFile(path.join(cdn, "passports", "w1", "did.jsonl"), '{"a":1}\n');
  await mkdir(path.join(cdn, "01", "09506000134352", "21", "ABC"), { recursive: true });
  await writeFile(path.join(cdn, "01", "09506000134352", "21", "ABC", "linkset.json"), '{"linkset":[]}');
  await writeFile(path.join(dir, "secret.txt"), "secret");
  await symlink(path.join(dir, "secret.txt"), path.join(cdn, "link.txt"));
  server = await startServer({ port: 0, appDir: app, cdnDir: cdn, rpcOrigins: ["http://127.0.0.1:8631/", "https://rpc.example/x"] });
  sub = await startServer({ port: 0, appDir: app, cdnDir: cdn, rpcOrigins: ["http://127.0.0.1:8631/"], base: "/verifier" });
});

afterAll(async () => {
  await server?.stop();
  await sub?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("startServer", () => {
  it("answers at http://localhost:PORT", async () => {
    expect(server.url).toBe(`http://localhost:${server.port}`);
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
  });

  it("serves the app's HTML with a strict CSP naming the RPC origins", async () => {
    const res = await raw("/");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:8631 https://rpc.example");
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers["cache-control"]).toBe("no-cache");
  });

  it("lets CDN files take precedence and types them", async () => {
    const dids = await raw("/dids.json");
    expect(dids.body).toBe('{"from":"cdn"}');
    expect(dids.headers["content-type"]).toMatch(/^application\/json/);
    expect(dids.headers["content-security-policy"]).toBeUndefined();
    const log = await raw("/passports/w1/did.jsonl");
    expect(log.status).toBe(200);
    expect(log.headers["content-type"]).toMatch(/^application\/jsonl/);
    expect(log.headers["cache-control"]).toBe("no-cache");
    expect(log.headers["access-control-allow-origin"]).toBe("*");
    const manifest = await raw("/manifest.webmanifest");
    expect(manifest.headers["content-type"]).toMatch(/^application\/manifest\+json/);
  });

  it("sends the same CSP on the app's scripts: a worker runs under its own script's policy, not the page's", async () => {
    const page = String((await raw("/")).headers["content-security-policy"]);
    expect(page).toContain("connect-src 'self' http://127.0.0.1:8631 https://rpc.example");
    for (const script of ["/assets/verify.worker-def456.js", "/sw.js", "/assets/index-abc123.js"]) {
      const res = await raw(script);
      expect(res.status, script).toBe(200);
      expect(res.headers["content-security-policy"], script).toBe(page);
    }
    // Revalidated (304) too, and under a base.
    const etag = String((await raw("/assets/verify.worker-def456.js")).headers.etag);
    expect((await raw("/assets/verify.worker-def456.js", { "if-none-match": etag })).headers["content-security-policy"]).toBe(page);
    const subPage = String((await raw("/verifier/", {}, "GET", sub.port)).headers["content-security-policy"]);
    expect((await raw("/verifier/assets/verify.worker-def456.js", {}, "GET", sub.port)).headers["content-security-policy"]).toBe(subPage);
    expect((await raw("/verifier/sw.js", {}, "GET", sub.port)).headers["content-security-policy"]).toBe(subPage);
  });

  it("marks hashed assets immutable", async () => {
    const res = await raw("/assets/index-abc123.js");
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(res.headers["content-type"]).toMatch(/^text\/javascript/);
  });

  it("falls back to index.html for app routes, not for missing data files", async () => {
    expect((await raw("/01/09506000134352/21/ABC")).body).toContain("<title>app</title>");
    expect((await raw("/p/did:webvh:x")).body).toContain("<title>app</title>");
    const missing = await raw("/passports/w2/did.jsonl");
    expect(missing.status).toBe(404);
    expect(missing.body).not.toContain("<title>");
  });

  it("never lists directories nor lets a path escape its root", async () => {
    expect((await raw("/passports/")).body).not.toContain("w1");
    expect((await raw("/passports/w1")).body).toContain("<title>app</title>"); // a route, not a listing
    for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/passports/..%2f..%2f..%2fsecret.txt", "/link.txt"]) {
      const res = await raw(p);
      expect(res.body, p).not.toContain("secret");
      expect(res.status, p).not.toBe(200);
    }
    expect((await raw("/a%00b")).status).toBe(400);
  });

  it("revalidates with ETag and refuses other methods", async () => {
    const first = await raw("/passports/w1/did.jsonl");
    const etag = String(first.headers.etag);
    expect((await raw("/passports/w1/did.jsonl", { "if-none-match": etag })).status).toBe(304);
    expect((await raw("/passports/w1/did.jsonl", {}, "POST")).status).toBe(405);
  });
});

describe("startServer under a base path (an app built with APP_BASE=/verifier/)", () => {
  const get = (pathname: string, headers: Record<string, string> = {}) => raw(pathname, headers, "GET", sub.port);

  it("serves the app, its assets, its service worker and its routes under the base", async () => {
    expect(sub.appUrl).toBe(`http://localhost:${sub.port}/verifier/`);
    const home = await get("/verifier/");
    expect(home.body).toContain("<title>app</title>");
    expect(String(home.headers["content-security-policy"])).toContain("connect-src 'self' http://127.0.0.1:8631");
    const asset = await get("/verifier/assets/index-abc123.js");
    expect(asset.body).toBe("console.log(1)");
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const sw = await get("/verifier/sw.js");
    expect(sw.body).toBe("// sw");
    expect(sw.headers["cache-control"]).toBe("no-cache");
    expect(sw.headers["service-worker-allowed"]).toBe("/verifier/");
    for (const route of ["/verifier/01/09506000134352/21/ABC", "/verifier/p/did:webvh:x", "/verifier/settings"]) {
      const res = await get(route, { accept: "text/html" });
      expect(res.status, route).toBe(200);
      expect(res.body, route).toContain("<title>app</title>");
    }
  });

  it("keeps the CDN at the host's root, and finds it under the base too (a product link's linkset)", async () => {
    expect((await get("/passports/w1/did.jsonl")).body).toBe('{"a":1}\n');
    expect((await get("/dids.json")).body).toBe('{"from":"cdn"}');
    const linkset = await get("/verifier/01/09506000134352/21/ABC/linkset.json");
    expect(linkset.status).toBe(200);
    expect(linkset.body).toBe('{"linkset":[]}');
    expect(linkset.headers["access-control-allow-origin"]).toBe("*");
    expect(linkset.headers["content-security-policy"]).toBeUndefined();
    expect((await get("/verifier/01/09506000134352/21/XYZ/linkset.json")).status).toBe(404);
  });

  it("serves no app outside the base: / and /verifier lead to /verifier/, other paths are 404", async () => {
    for (const p of ["/", "/verifier"]) {
      const res = await get(p, { accept: "text/html" });
      expect(res.status, p).toBe(302);
      expect(res.headers.location, p).toBe("/verifier/");
    }
    for (const p of ["/assets/index-abc123.js", "/sw.js", "/index.html", "/01/09506000134352/21/ABC", "/other/page"]) {
      const res = await get(p, { accept: "text/html" });
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toContain("<title>");
    }
    for (const p of ["/verifier/../secret.txt", "/verifier/%2e%2e/%2e%2e/secret.txt", "/verifier/link.txt"]) {
      const res = await get(p);
      expect(res.body, p).not.toContain("secret");
      expect(res.status, p).not.toBe(200);
    }
  });

  it("takes only a plain path as the base", () => {
    expect(normaliseBase(undefined)).toBe("/");
    expect(normaliseBase("verifier")).toBe("/verifier/");
    expect(normaliseBase("/a/b/")).toBe("/a/b/");
    for (const bad of ["./", "/../x/", "https://cdn.example/", "/a b/", "/a?b/"]) expect(() => normaliseBase(bad), bad).toThrow();
  });
});
