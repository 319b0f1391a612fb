import { describe, expect, it } from "vitest";
import { digitalLink, eventService, gtin14, gtinCheckDigit, linkset, passportDocument, withServices } from "./passport.ts";

describe("GTIN-14", () => {
  it("computes GS1 check digits (published examples)", () => {
    // GS1's own examples: 0061414199999 -> 6 ... and 9501101021037 (GTIN-13 as 13 digits of a GTIN-14 with 0 prefix).
    expect(gtin14("0061414112345")).toBe("00614141123452");
    expect(gtin14("1061414112345")).toBe("10614141123459");
    expect(gtinCheckDigit("0950110153000")).toBe(3);
    expect(() => gtinCheckDigit("12")).toThrow(RangeError);
  });
});

describe("Digital Link and linkset", () => {
  it("uses http for localhost and https elsewhere", () => {
    expect(digitalLink("localhost:8787", "00614141123452", "W 1")).toBe("http://localhost:8787/01/00614141123452/21/W%201");
    expect(digitalLink("id.example.com", "00614141123452", "W1")).toBe("https://id.example.com/01/00614141123452/21/W1");
  });
  it("linkset names the DID as describedby", () => {
    const ls = linkset("http://localhost:8787/01/x/21/y", "did:webvh:Qm:localhost%3A8787:p:w");
    expect(ls.linkset[0]).toMatchObject({ anchor: "http://localhost:8787/01/x/21/y", describedby: [{ href: "did:webvh:Qm:localhost%3A8787:p:w", type: "application/did+json" }] });
  });
});

describe("documents", () => {
  it("numbers events and replaces services by id", () => {
    const did = "did:webvh:{SCID}:h";
    const doc = passportDocument(did, { kind: "glass", name: "n", gtin: "g", serial: "s", manufacturer: "m" }, { chainId: 1, registry: "0x01", anchorers: ["0x02"] });
    const e1 = withServices(doc, [eventService(did, doc, { type: "Manufactured", time: "2025-01-01T00:00:00Z" })]);
    const e2 = withServices(e1, [eventService(did, e1, { type: "Installed", time: "2025-01-02T00:00:00Z" })]);
    expect(e2.service!.map((s) => s.id)).toEqual([`${did}#passport`, `${did}#anchoring`, `${did}#event-1`, `${did}#event-2`]);
  });
});
