import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildDid, didBaseUrl, didToUrl, parseDid } from "./url.ts";

const SCID = "QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste";

describe("DID to HTTPS transformation (spec examples)", () => {
  it.each([
    [`did:webvh:${SCID}:example.com`, "https://example.com/.well-known/did.jsonl"],
    [`did:webvh:${SCID}:issuer.example.com`, "https://issuer.example.com/.well-known/did.jsonl"],
    [`did:webvh:${SCID}:example.com:dids:issuer`, "https://example.com/dids/issuer/did.jsonl"],
    [`did:webvh:${SCID}:example.com%3A3000:dids:issuer`, "https://example.com:3000/dids/issuer/did.jsonl"],
    [`did:webvh:${SCID}:jp納豆.例.jp:用户`, "https://xn--jp-cd2fp15c.xn--fsq.jp/%E7%94%A8%E6%88%B7/did.jsonl"],
    [`did:webvh:${SCID}:localhost%3A8787:passports:w-000001`, "http://localhost:8787/passports/w-000001/did.jsonl"],
    [`did:webvh:${SCID}:example.com:a%20b`, "https://example.com/a%20b/did.jsonl"],
  ])("%s -> %s", (did, url) => {
    expect(didToUrl(did)).toBe(url);
  });

  it("maps did-witness.json beside did.jsonl, and the base URL without .well-known", () => {
    expect(didToUrl(`did:webvh:${SCID}:example.com`, "did-witness.json")).toBe("https://example.com/.well-known/did-witness.json");
    expect(didBaseUrl(`did:webvh:${SCID}:example.com`)).toBe("https://example.com");
    expect(didBaseUrl(`did:webvh:${SCID}:example.com:a:b`)).toBe("https://example.com/a/b");
  });

  it.each([
    ["wrong method", `did:web:example.com`],
    ["upper-case method", `did:WEBVH:${SCID}:example.com`],
    ["no domain", `did:webvh:${SCID}`],
    ["bad SCID", `did:webvh:abc:example.com`],
    ["IPv4 host", `did:webvh:${SCID}:127.0.0.1`],
    ["IPv4 host, other form", `did:webvh:${SCID}:0x7f.1`],
    ["IPv6 host", `did:webvh:${SCID}:[::1]`],
    ["dot-dot segment", `did:webvh:${SCID}:example.com:..:etc`],
    ["encoded dot-dot", `did:webvh:${SCID}:example.com:%2E%2E`],
    ["encoded slash", `did:webvh:${SCID}:example.com:a%2Fb`],
    ["empty segment", `did:webvh:${SCID}:example.com::a`],
    ["bad percent-encoding", `did:webvh:${SCID}:example.com:%E0%A4%A`],
    ["port zero", `did:webvh:${SCID}:example.com%3A0`],
    ["port too large", `did:webvh:${SCID}:example.com%3A65536`],
    ["query", `did:webvh:${SCID}:example.com?versionId=1`],
    ["fragment", `did:webvh:${SCID}:example.com#key`],
    ["path", `did:webvh:${SCID}:example.com/whois`],
    ["single-label host", `did:webvh:${SCID}:intranet`],
    ["double-encoded", `did:webvh:${SCID}:example.com%253A80`],
  ])("rejects %s", (_why, did) => {
    expect(() => parseDid(did)).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
  });

  it("builds DIDs from host and path (port percent-encoded)", () => {
    expect(buildDid(SCID, "localhost:8787", "passports/w-1")).toBe(`did:webvh:${SCID}:localhost%3A8787:passports:w-1`);
    expect(buildDid("{SCID}", "example.com")).toBe("did:webvh:{SCID}:example.com");
    expect(parseDid(`did:webvh:${SCID}:example.com%3A3000:a`)).toMatchObject({ scid: SCID, host: "example.com", port: 3000, path: ["a"] });
  });
});

describe("host names", () => {
  it("plain ASCII host names (taken as written) are exactly what the URL parser makes of them", () => {
    // toAsciiHost skips the URL parser for lower-case ASCII names without Punycode that end in a label
    // starting with a letter; here the parser itself is asked, for such names and for near misses.
    const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const last = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), last, (labels, tld) => {
        const domain = [...labels, tld].join(".");
        const viaUrl = (() => {
          try {
            return new URL(`https://${domain}/`).hostname;
          } catch {
            return "(refused)";
          }
        })();
        if (!domain.includes("xn--")) expect(viaUrl).toBe(domain);
        const parsed = (() => {
          try {
            return parseDid(`did:webvh:${SCID}:${domain}`).host;
          } catch {
            return "(refused)";
          }
        })();
        // The DID's own rules (labels, no leading or trailing hyphen) come after the host name; a name
        // they accept maps to the URL parser's host.
        if (parsed !== "(refused)") expect(parsed).toBe(viaUrl);
      }),
      { numRuns: 500 },
    );
  });
  it("names the fast path must leave to the URL parser still map as it says", () => {
    expect(parseDid(`did:webvh:${SCID}:Example.COM`).host).toBe("example.com");
    expect(parseDid(`did:webvh:${SCID}:xn--jp-cd2fp15c.xn--fsq.jp`).host).toBe("xn--jp-cd2fp15c.xn--fsq.jp");
    expect(() => parseDid(`did:webvh:${SCID}:xn--zz.example`)).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
    expect(() => parseDid(`did:webvh:${SCID}:example.123`)).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
    expect(() => parseDid(`did:webvh:${SCID}:1.2.3.4`)).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
    expect(() => parseDid(`did:webvh:${SCID}:example.0x1f`)).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
  });
});
