/**
 * The bulk audit's listing step against real HTTP servers: a dids.json that is not one, and one that never
 * ends (read up to 64 MiB and no further, as the command line's `audit`). The verification itself runs in
 * Web Workers: e2e/audit.spec.ts covers it in Chromium.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendEndless } from "../../core/fetch/endless.node.ts";
import { AuditState } from "./audit.svelte.ts";

let server: Server;
let origin = "";
/** The paths of requests to /silent/... whose connection the client has closed. */
const silentClosed = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith("/endless/")) return sendEndless(res);
    if (req.url?.startsWith("/silent")) return void req.socket.once("close", () => silentClosed.add(req.url!)); // never answers
    if (req.url?.startsWith("/html/")) return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><p>no");
    if (req.url?.startsWith("/null/")) return res.writeHead(200, { "content-type": "application/json" }).end("null");
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const config = { rpc: { 31337: ["http://127.0.0.1:9"] }, stalenessMs: 1000 };

describe("AuditState listing a host", () => {
  it("a dids.json that never ends: failed at the limit, with the reason", async () => {
    const audit = new AuditState();
    await audit.start(`${origin}/endless`, config, 1);
    expect(audit.status).toBe("failed");
    expect(audit.message).toContain("larger than 64 MiB");
  });
  it("a host that never answers: failed after the listing timeout, with the reason", async () => {
    const audit = new AuditState();
    await audit.start(`${origin}/silent`, config, 1, { listTimeoutMs: 300 });
    expect(audit.status).toBe("failed");
    expect(audit.message).toContain("did not answer within 0.3 s");
  });
  it("a cancel while listing stops the request itself", async () => {
    const audit = new AuditState();
    const started = audit.start(`${origin}/silent-cancelled`, config, 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(audit.status).toBe("listing");
    audit.cancel();
    await started;
    expect(audit.status).toBe("cancelled");
    await expect.poll(() => silentClosed.has("/silent-cancelled/dids.json")).toBe(true);
  });
  it("no dids.json, HTML, or JSON that is not a list: failed with the reason, nothing started", async () => {
    for (const [path, reason] of [["missing", "HTTP 404"], ["html", "JSON"], ["null", 'is not { "dids"']] as const) {
      const audit = new AuditState();
      await audit.start(`${origin}/${path}`, config, 1);
      expect(audit.status).toBe("failed");
      expect(audit.message).toContain(reason);
      expect(audit.total).toBe(0);
    }
  });
});
