import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { keccak256, stringToHex } from "viem";
import {
  checkProvisionInfo,
  provisionInfoFromDocument,
  provisionMetadataHash,
  provisionService,
  ProvisionInfoError,
  type ProvisionInfo,
} from "./metadata.ts";
import { isTransitionAllowed, PROVISION_STATES, startTarget, stateFromIndex, stateIndex, stopTarget } from "./state.ts";

const INFO: ProvisionInfo = { provisionId: "eu-1", endpoint: "https://eu-1.example/", tier: "gpu", country: "DE" };
const DID = "did:webvh:QmX:example.com:provisions:eu-1";

describe("provision metadata", () => {
  it("hashes the JCS form: key order and extra fields do not matter", () => {
    const expected = keccak256(stringToHex('{"country":"DE","endpoint":"https://eu-1.example/","provisionId":"eu-1","tier":"gpu"}'));
    expect(provisionMetadataHash(INFO)).toBe(expected);
    const shuffled = { tier: "gpu", country: "DE", provisionId: "eu-1", endpoint: "https://eu-1.example/", extra: "x" } as ProvisionInfo;
    expect(provisionMetadataHash(shuffled)).toBe(expected);
  });

  it("a different field gives a different hash", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (tier) => {
        fc.pre(tier !== INFO.tier);
        expect(provisionMetadataHash({ ...INFO, tier })).not.toBe(provisionMetadataHash(INFO));
      }),
    );
  });

  it("round-trips through the DID document's service", () => {
    const doc = { id: DID, service: [{ id: `${DID}#other`, type: "LinkedDomains", serviceEndpoint: "https://x" }, provisionService(DID, INFO)] };
    expect(provisionInfoFromDocument(doc)).toEqual(INFO);
    expect(provisionInfoFromDocument({ id: DID })).toBeNull();
  });

  it.each([
    [{ ...INFO, country: "de" }, "country"],
    [{ ...INFO, country: "DEU" }, "country"],
    [{ ...INFO, endpoint: "http://eu-1.example/" }, "https"],
    [{ ...INFO, endpoint: "javascript:alert(1)" }, "https"],
    [{ ...INFO, endpoint: "not a url" }, "not a URL"],
    [{ ...INFO, tier: "" }, "tier"],
    [{ ...INFO, provisionId: 7 }, "provisionId"],
    [null, "not an object"],
  ])("refuses %j", (info, words) => {
    expect(() => checkProvisionInfo(info)).toThrow(ProvisionInfoError);
    expect(() => checkProvisionInfo(info)).toThrow(words);
  });

  it("accepts http on localhost only", () => {
    expect(checkProvisionInfo({ ...INFO, endpoint: "http://localhost:9000/" }).endpoint).toBe("http://localhost:9000/");
  });
});

describe("provision states", () => {
  it("maps the Solidity enum both ways", () => {
    PROVISION_STATES.forEach((s, i) => {
      expect(stateIndex(s)).toBe(i);
      expect(stateFromIndex(i)).toBe(s);
    });
    expect(() => stateFromIndex(4)).toThrow(RangeError);
  });

  it("start and stop mean the allowed moves only", () => {
    expect(PROVISION_STATES.map(startTarget)).toEqual([null, "running", null, "running"]);
    expect(PROVISION_STATES.map(stopTarget)).toEqual([null, null, "off", null]);
    expect(isTransitionAllowed("off", "started")).toBe(false);
  });
});
