import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { fileUrl, httpSource } from "./http.ts";
import { DownloadBudget } from "./budget.ts";

const PORT = 8613;
const SCID = "QmQ7d4Bq9uNpjFbFxxC3JMxTcx6kYd2kqN1F4o7wB8Ez4W";
const did = (path: string) => `did:webvh:${SCID}:localhost%3A${PORT}:${path}`;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const LOG = '{"versionId":"1-x"}\n';

let server: Server;
/** Every request the server was asked, by path. */
const asked: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "";
    asked.push(url);
    if (url === "/ok/did.jsonl") return res.writeHead(200, { "content-type": "application/jsonl" }).end(LOG);
    if (url === "/ok/did-anchors.json") return res.writeHead(200, { "content-type": "application/json" }).end('{"did":"x","anchors":[]}');
    // did-witness.json is an array (the spec's data model); an object there is not that file.
    if (url === "/witnessed/did-witness.json") return res.writeHead(200, { "content-type": "application/json" }).end(' [{"versionId":"1-x","proof":[]}]');
    if (url === "/object-witness/did-witness.json") return res.writeHead(200, { "content-type": "application/json" }).end('{"versionId":"1-x"}');
    if (url === "/array-log/did.jsonl") return res.writeHead(200, { "content-type": "application/jsonl" }).end('[{"versionId":"1-x"}]');
    if (url.startsWith("/spa/")) return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><html></html>");
    if (url.startsWith("/untyped-html/")) return res.writeHead(200).end("<!doctype html><html></html>");
    if (url.startsWith("/empty/")) return res.writeHead(200).end("");
    if (url.startsWith("/latin1/")) return res.writeHead(200).end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    if (url.startsWith("/error/")) return res.writeHead(503).end("busy");
    if (url.startsWith("/declared-big/")) return res.writeHead(200, { "content-length": "5000" }).end("{".padEnd(5000, " "));
    if (url.startsWith("/streamed-big/")) {
      // no content-length: chunks keep coming; the reader must stop past the limit, not read it all
      res.writeHead(200, { "content-type": "application/jsonl" });
      let sent = 0;
      const tick = () => {
        if (res.destroyed || sent > 50_000_000) return res.end();
        sent += 64 * 1024;
        res.write("{".padEnd(64 * 1024, " "), () => setImmediate(tick));
      };
      tick();
      return;
    }
    if (url.startsWith("/stall-body/")) {
      res.writeHead(200, { "content-type": "application/jsonl" });
      res.write("{");
      return; // never ends
    }
    if (url.startsWith("/stall-headers/")) return; // never answers
    res.writeHead(404).end("not found");
  });
  await new Promise<void>((r) => server.listen(PORT, "127.0.0.1", r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const failure = (p: Promise<unknown>) =>
  p.then(
    (v) => ({ ok: v }),
    (e: { name: string; verdict: string }) => ({ name: e.name, verdict: e.verdict }),
  );

describe("fileUrl", () => {
  it("maps as didToUrl does, and keeps the DID's path under an origin override", () => {
    expect(fileUrl(did("a:b"), "did.jsonl")).toBe(`http://localhost:${PORT}/a/b/did.jsonl`);
    expect(fileUrl(did("a:b"), "did-anchors.json", "http://mirror.example/base/")).toBe("http://mirror.example/base/a/b/did-anchors.json");
    expect(fileUrl(`did:webvh:${SCID}:example.com`, "did.jsonl", ORIGIN)).toBe(`${ORIGIN}/.well-known/did.jsonl`);
  });
});

describe("httpSource", () => {
  const source = httpSource({ origin: ORIGIN, timeoutMs: 1_000, maxBytes: 1_000 });

  it("returns the file's text, and null for 404", async () => {
    expect(await source.get(did("ok"), "did.jsonl")).toBe(LOG);
    expect(await source.get(did("ok"), "did-anchors.json")).toBe('{"did":"x","anchors":[]}');
    expect(await source.get(did("ok"), "did-witness.json")).toBeNull();
  });

  it("fetches from the DID's own URL without an origin", async () => {
    // localhost may resolve to ::1 first; Node's fetch falls back to 127.0.0.1
    expect(await httpSource({ timeoutMs: 2_000 }).get(did("ok"), "did.jsonl")).toBe(LOG);
  });

  it("HTML, empty or non-UTF-8 answers are UnexpectedContentError (unverifiable)", async () => {
    for (const path of ["spa", "untyped-html", "empty", "latin1"]) {
      expect(await failure(source.get(did(path), "did.jsonl"))).toEqual({ name: "UnexpectedContentError", verdict: "unverifiable" });
    }
  });

  it("did-witness.json is a JSON array (did:webvh v1.0): read as one; an object, an array log or HTML in place of either is refused", async () => {
    expect(await source.get(did("witnessed"), "did-witness.json")).toBe(' [{"versionId":"1-x","proof":[]}]');
    for (const [path, file] of [["object-witness", "did-witness.json"], ["spa", "did-witness.json"], ["array-log", "did.jsonl"]] as const) {
      const e = await source.get(did(path), file).catch((x: unknown) => x);
      expect(e, path).toMatchObject({ name: "UnexpectedContentError", verdict: "unverifiable" });
      if (path !== "spa") expect((e as Error).message).toContain(file === "did-witness.json" ? "does not start with a JSON array" : "does not start with a JSON object");
    }
  });

  it("other statuses are HttpStatusError", async () => {
    const e = await source.get(did("error"), "did.jsonl").catch((x: unknown) => x);
    expect(e).toMatchObject({ name: "HttpStatusError", status: 503, verdict: "unverifiable" });
  });

  it("stops reading past the size limit, declared or streamed", async () => {
    expect(await failure(source.get(did("declared-big"), "did.jsonl"))).toEqual({ name: "FileTooLargeError", verdict: "unverifiable" });
    const t0 = Date.now();
    expect(await failure(source.get(did("streamed-big"), "did.jsonl"))).toEqual({ name: "FileTooLargeError", verdict: "unverifiable" });
    expect(Date.now() - t0).toBeLessThan(900); // did not wait for 50 MB
  });

  it("times out on stalled headers or a stalled body", async () => {
    const quick = httpSource({ origin: ORIGIN, timeoutMs: 300 });
    expect(await failure(quick.get(did("stall-headers"), "did.jsonl"))).toEqual({ name: "FetchTimeoutError", verdict: "unverifiable" });
    expect(await failure(quick.get(did("stall-body"), "did.jsonl"))).toEqual({ name: "FetchTimeoutError", verdict: "unverifiable" });
  });

  it("an unreachable host is HostUnreachableError", async () => {
    const down = httpSource({ origin: "http://127.0.0.1:8619", timeoutMs: 2_000 });
    expect(await failure(down.get(did("ok"), "did.jsonl"))).toEqual({ name: "HostUnreachableError", verdict: "unverifiable" });
  });

  it("a malformed DID is InvalidDidError", async () => {
    expect(await failure(source.get("did:webvh:short:localhost", "did.jsonl"))).toMatchObject({ name: "InvalidDidError", verdict: "invalid" });
  });
});

describe("httpSource with a read's download budget", () => {
  // The per-file limits are the defaults (16 MiB): only the budget stops these reads.
  const roomy = httpSource({ origin: ORIGIN, timeoutMs: 2_000 });
  const small = httpSource({ origin: ORIGIN, timeoutMs: 1_000, maxBytes: 1_000 });
  const KIB = 1024;

  it("counts the bytes it read; a 404 costs nothing", async () => {
    const budget = new DownloadBudget(1_000);
    expect(await roomy.get(did("ok"), "did.jsonl", { budget })).toBe(LOG);
    expect(await roomy.get(did("ok"), "did-witness.json", { budget })).toBeNull();
    expect(budget.used).toBe(LOG.length);
  });

  it("a body without a length stops mid-stream once the budget is overrun (DownloadBudgetError naming it), not at its own limit", async () => {
    const budget = new DownloadBudget(300 * KIB);
    budget.take(100 * KIB); // what other files of the same verification read
    const t0 = Date.now();
    const e = (await roomy.get(did("streamed-big"), "did.jsonl", { budget }).catch((x: unknown) => x)) as Error & { verdict: string };
    expect(e).toMatchObject({ name: "DownloadBudgetError", verdict: "unverifiable" });
    expect(e.message).toContain("the download budget of 300 KiB (307200 bytes)");
    expect(budget.used).toBeGreaterThan(300 * KIB);
    expect(budget.used).toBeLessThanOrEqual(300 * KIB + 128 * KIB); // at most a chunk past it
    expect(Date.now() - t0).toBeLessThan(900); // did not wait for 50 MB
  });

  it("a declared length beyond what is left is refused unread; the per-file limit still comes first", async () => {
    const budget = new DownloadBudget(4_000);
    expect(await failure(roomy.get(did("declared-big"), "did.jsonl", { budget }))).toEqual({ name: "DownloadBudgetError", verdict: "unverifiable" });
    expect(budget.used).toBe(0);
    const plenty = new DownloadBudget(1_000_000);
    expect(await failure(small.get(did("declared-big"), "did.jsonl", { budget: plenty }))).toEqual({ name: "FileTooLargeError", verdict: "unverifiable" });
    expect(await failure(small.get(did("streamed-big"), "did.jsonl", { budget: plenty }))).toEqual({ name: "FileTooLargeError", verdict: "unverifiable" });
  });

  it("once the budget is spent, nothing more is asked of the host", async () => {
    const budget = new DownloadBudget(10);
    budget.take(10);
    const before = asked.length;
    const e = await roomy.get(did("ok"), "did.jsonl", { budget }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: "DownloadBudgetError", verdict: "unverifiable" });
    expect((e as Error).message).toMatch(/did\.jsonl not fetched: the download budget of 0\.01 KiB \(10 bytes\) is spent/);
    expect(asked.length).toBe(before);
  });

  it("reads sharing one budget stop together at about it", async () => {
    const budget = new DownloadBudget(512 * KIB);
    const reads = ["a", "b", "c", "d"].map((n) => roomy.get(did(`streamed-big:${n}`), "did.jsonl", { budget }));
    const outcomes = await Promise.all(reads.map(failure));
    expect(outcomes).toEqual(reads.map(() => ({ name: "DownloadBudgetError", verdict: "unverifiable" })));
    expect(budget.used).toBeLessThanOrEqual(512 * KIB + 4 * 128 * KIB);
  });

});
