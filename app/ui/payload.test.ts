import { describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { MemoryStorage } from "./testing/memoryStorage.ts";
import {
  didFromLinkset,
  didOfLinksetResponse,
  isPayloadPath,
  LinksetUnreachableError,
  linksetMemory,
  parsePayload,
  passportHash,
  resolveLinkset,
  validGtin,
} from "./payload.ts";

const HOST = "http://localhost:8630";
const DID = "did:webvh:QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG:localhost%3A8630:passports:w-000001";

describe("parsePayload", () => {
  it("accepts a did:webvh DID", () => {
    expect(parsePayload(`  ${DID}\n`, [HOST])).toEqual({ kind: "did", did: DID });
  });

  it("accepts app links of a configured host, hash or path form", () => {
    expect(parsePayload(`${HOST}/${passportHash(DID)}`, [HOST])).toEqual({ kind: "did", did: DID });
    expect(parsePayload(`${HOST}/p/${encodeURIComponent(DID)}`, [HOST])).toEqual({ kind: "did", did: DID });
  });

  it("accepts app links of an app served under a sub-path (APP_BASE=/verifier/)", () => {
    expect(parsePayload(`${HOST}/verifier/${passportHash(DID)}`, [HOST])).toEqual({ kind: "did", did: DID });
    expect(parsePayload(`${HOST}/verifier/p/${encodeURIComponent(DID)}`, [HOST])).toEqual({ kind: "did", did: DID });
    expect(parsePayload(`${HOST}/apps/verifier/p/${encodeURIComponent(DID)}`, [HOST])).toEqual({ kind: "did", did: DID });
    expect(parsePayload(`${HOST}/verifier/01/09506000134352/21/W-000001`, [HOST])).toEqual({
      kind: "gs1",
      gtin: "09506000134352",
      serial: "W-000001",
      linksetUrl: `${HOST}/verifier/01/09506000134352/21/W-000001/linkset.json`,
    });
    // A GS1 link under a folder named "p" is still a GS1 link, not an app link.
    expect(parsePayload(`${HOST}/p/01/09506000134352/21/W-000001`, [HOST])).toMatchObject({ kind: "gs1" });
    expect(parsePayload(`${HOST}/verifier/p/did%3Aweb%3Ax`, [HOST])).toMatchObject({ kind: "refused", reason: /does not name/ });
    expect(parsePayload(`${HOST}/verifier/p/`, [HOST])).toMatchObject({ kind: "refused", reason: /not a product link/ });
  });

  it("turns a GS1 Digital Link of a configured host into its linkset URL", () => {
    expect(parsePayload(`${HOST}/01/09506000134352/21/W-000001?x=1`, [HOST])).toEqual({
      kind: "gs1",
      gtin: "09506000134352",
      serial: "W-000001",
      linksetUrl: `${HOST}/01/09506000134352/21/W-000001/linkset.json`,
    });
    // a 13-digit GTIN is padded to 14
    const p = parsePayload(`${HOST}/01/9506000134352/21/7`, [HOST]);
    expect(p.kind === "gs1" && p.gtin).toBe("09506000134352");
  });

  it.each([
    ["javascript:alert(1)", /javascript:/],
    ["JaVaScRiPt:alert(1)", /javascript:/],
    ["data:text/html,<b>x</b>", /markup/],
    ["<script>alert(1)</script>", /markup/],
    ["https://evil.example/01/09506000134352/21/1", /not a configured passport host/],
    [`https://localhost:8630/01/09506000134352/21/1`, /not a configured passport host/],
    ["did:web:example.com", /only did:webvh/],
    ["did:webvh:short:host", /only did:webvh/],
    [`${HOST}/some/page`, /not a product link/],
    [`${HOST}/01/09506000134353/21/1`, /check digit/],
    [`http://user:pw@localhost:8630/01/09506000134352/21/1`, /credentials/],
    [`${HOST}/p/did%3Aweb%3Ax`, /does not name a did:webvh/],
    ["hello world", /neither/],
    ["", /Nothing/],
    ["x".repeat(5000), /far more data/],
  ])("refuses %s", (input, reason) => {
    const p = parsePayload(input, [HOST]);
    expect(p.kind).toBe("refused");
    expect(p.kind === "refused" && p.reason).toMatch(reason);
  });
});

describe("isPayloadPath", () => {
  it("sees a product link in the page's own path, under the app's base", () => {
    for (const p of ["/01/09506000134352/21/W1", "/p/did:webvh:x"]) expect(isPayloadPath(p, "/"), p).toBe(true);
    for (const p of ["/", "/index.html", "/x/01/1/21/2", "/pp/x"]) expect(isPayloadPath(p, "/"), p).toBe(false);
    for (const p of ["/verifier/01/09506000134352/21/W1", "/verifier/p/did:webvh:x"]) expect(isPayloadPath(p, "/verifier/"), p).toBe(true);
    for (const p of ["/verifier/", "/01/09506000134352/21/W1", "/p/did:webvh:x", "/other/01/1/21/2"])
      expect(isPayloadPath(p, "/verifier/"), p).toBe(false);
    expect(isPayloadPath("/01/09506000134352/21/W1")).toBe(true); // this build's base: /
  });
});

describe("validGtin", () => {
  it("checks the GS1 mod-10 check digit", () => {
    for (const g of ["09506000134352", "00614141100019", "4006381333931", "96385074"]) expect(validGtin(g), g).toBe(true);
    for (const g of ["09506000134353", "4006381333932", "1234567", "abcdefgh"]) expect(validGtin(g), g).toBe(false);
  });
});

describe("didFromLinkset", () => {
  it("finds the passport DID among the linkset's targets", () => {
    const linkset = {
      linkset: [
        {
          anchor: `${HOST}/01/09506000134352/21/W-000001`,
          "https://gs1.org/voc/pip": [{ href: `${HOST}/${passportHash(DID)}`, type: "text/html" }],
          "https://gs1.org/voc/sustainabilityInfo": [{ href: DID }],
        },
      ],
    };
    expect(didFromLinkset(linkset, [HOST])).toBe(DID);
  });

  it("ignores foreign and hostile targets", () => {
    const linkset = { linkset: [{ anchor: "x", rel: [{ href: "javascript:alert(1)" }, { href: "https://evil.example/#/p/x" }] }] };
    expect(didFromLinkset(linkset, [HOST])).toBeNull();
    expect(didFromLinkset({ nope: 1 }, [HOST])).toBeNull();
    expect(didFromLinkset(null, [HOST])).toBeNull();
  });
});

describe("didOfLinksetResponse / resolveLinkset", () => {
  const linkset = JSON.stringify({ linkset: [{ anchor: "x", "https://gs1.org/voc/sustainabilityInfo": [{ href: DID }] }] });
  const json = (body: string, status = 200, type = "application/linkset+json") => new Response(body, { status, headers: { "content-type": type } });

  it("the passport DID of a linkset; a clear reason for anything else", async () => {
    expect(await didOfLinksetResponse(json(linkset), [HOST])).toBe(DID);
    await expect(didOfLinksetResponse(json("nope", 404), [HOST])).rejects.toThrow("the host answered 404 for the product's linkset");
    await expect(didOfLinksetResponse(json("<html>", 200, "text/html"), [HOST])).rejects.toThrow("did not answer JSON");
    await expect(didOfLinksetResponse(json("{not json"), [HOST])).rejects.toThrow("the product's linkset is not JSON");
    await expect(didOfLinksetResponse(json(" ".repeat(70 * 1024)), [HOST])).rejects.toThrow("too large");
    await expect(didOfLinksetResponse(json('{"linkset":[]}'), [HOST])).rejects.toThrow("names no passport DID");
  });

  it("a host streaming without end: cut off at the limit, not buffered", async () => {
    let sent = 0;
    const server: Server = createServer((_, res) => {
      res.writeHead(200, { "content-type": "application/linkset+json" });
      const chunk = " ".repeat(16 * 1024);
      const more = () => {
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 * 1024) res.once("drain", more);
      };
      res.on("error", () => undefined);
      more();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      await expect(resolveLinkset(`http://127.0.0.1:${port}/01/x/linkset.json`, [HOST])).rejects.toThrow("the product's linkset is too large");
      expect(sent).toBeLessThan(16 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a host answering with a redirect: said so, not 'could not be reached', and never followed", async () => {
    const requested: string[] = [];
    const server: Server = createServer((req, res) => {
      requested.push(req.url ?? "");
      if (req.url?.startsWith("/moved/")) res.writeHead(200, { "content-type": "application/linkset+json" }).end(linkset);
      else res.writeHead(301, { location: `/moved${req.url}` }).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const url = `http://127.0.0.1:${port}/01/09506000134352/21/W1/linkset.json`;
    try {
      const error = await resolveLinkset(url, [HOST], 2000, null).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(LinksetUnreachableError);
      expect((error as Error).message).toBe("the host answered the product's linkset with a redirect, which is not followed");
      expect(requested).toEqual(["/01/09506000134352/21/W1/linkset.json"]);
      // An answer, not silence: a DID remembered from an earlier read does not hide it.
      const memory = linksetMemory(new MemoryStorage());
      memory!.set(url, DID);
      await expect(resolveLinkset(url, [HOST], 2000, memory)).rejects.toThrow("with a redirect, which is not followed");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a browser's opaque-redirect response (fetch with redirect: manual) is a redirect, not a status 0", async () => {
    const opaque = { type: "opaqueredirect", status: 0, ok: false, url: "", headers: new Headers(), body: null } as unknown as Response;
    await expect(didOfLinksetResponse(opaque, [HOST])).rejects.toThrow(
      "the host answered the product's linkset with a redirect, which is not followed",
    );
  });

  it("a host that never answers: a timeout, not a wait without end", async () => {
    const server: Server = createServer(() => undefined); // takes the request, never answers
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      await expect(resolveLinkset(`http://127.0.0.1:${port}/01/x/linkset.json`, [HOST], 200)).rejects.toThrow("did not answer within 0.2 s");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("resolveLinkset remembers what it read, for when the host answers nothing", () => {
  const linkset = JSON.stringify({ linkset: [{ anchor: "x", "https://gs1.org/voc/sustainabilityInfo": [{ href: DID }] }] });
  /** mode: "ok" answers the linkset, "404" a 404, "silent" never answers. */
  let mode: "ok" | "404" | "silent" = "ok";
  const withServer = async (run: (url: string) => Promise<void>) => {
    const server: Server = createServer((_, res) => {
      if (mode === "ok") res.writeHead(200, { "content-type": "application/linkset+json" }).end(linkset);
      else if (mode === "404") res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      await run(`http://127.0.0.1:${port}/01/09506000134352/21/W1/linkset.json`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  };

  it("offline: the DID read from the same linkset before; nothing for a linkset never read", async () => {
    const memory = linksetMemory(new MemoryStorage());
    let url = "";
    await withServer(async (u) => {
      url = u;
      mode = "ok";
      expect(await resolveLinkset(u, [HOST], 2000, memory)).toBe(DID);
    });
    // The server is gone: its port refuses connections.
    expect(await resolveLinkset(url, [HOST], 2000, memory)).toBe(DID);
    await expect(resolveLinkset(url.replace("W1", "W2"), [HOST], 2000, memory)).rejects.toThrow("the host could not be reached");
    await expect(resolveLinkset(url, [HOST], 2000, null)).rejects.toThrow("the host could not be reached");
  });

  it("never hides an answer: a 404 stays a 404 though the DID was remembered", async () => {
    const memory = linksetMemory(new MemoryStorage());
    await withServer(async (url) => {
      mode = "ok";
      await resolveLinkset(url, [HOST], 2000, memory);
      mode = "404";
      await expect(resolveLinkset(url, [HOST], 2000, memory)).rejects.toThrow("the host answered 404");
    });
  });

  it("a host too slow: the remembered DID after the short wait, not the long timeout", async () => {
    const memory = linksetMemory(new MemoryStorage());
    await withServer(async (url) => {
      mode = "ok";
      await resolveLinkset(url, [HOST], 2000, memory);
      mode = "silent";
      // The host's own timeout (60 s) is beyond the test's (30 s): only the short wait can answer in time.
      expect(await resolveLinkset(url, [HOST], 60_000, memory, 100)).toBe(DID);
      await expect(resolveLinkset(url, [HOST], 200, null)).rejects.toThrow("did not answer within 0.2 s");
    });
  });

  it("the memory: bounded, newest kept; a malformed or non-DID stored value is ignored", () => {
    const storage = new MemoryStorage();
    const memory = linksetMemory(storage)!;
    for (let i = 0; i < 505; i++) memory.set(`${HOST}/l${i}`, DID);
    expect(memory.get(`${HOST}/l0`)).toBeNull();
    expect(memory.get(`${HOST}/l4`)).toBeNull();
    expect(memory.get(`${HOST}/l5`)).toBe(DID);
    expect(memory.get(`${HOST}/l504`)).toBe(DID);
    storage.setItem("verifier:linksets", JSON.stringify({ a: "javascript:alert(1)", b: 7 }));
    expect(memory.get("a")).toBeNull();
    expect(memory.get("b")).toBeNull();
    expect(memory.get("toString")).toBeNull();
    storage.setItem("verifier:linksets", "{not json");
    expect(memory.get("a")).toBeNull();
    memory.set("a", DID);
    expect(memory.get("a")).toBe(DID);
  });
});
