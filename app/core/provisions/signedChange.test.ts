import { describe, expect, it } from "vitest";
import { parseSignedChange, SIGNED_CHANGE_TYPE, SignedChangeError } from "./signedChange.ts";

const GOOD = {
  type: SIGNED_CHANGE_TYPE,
  chainId: 31337,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  machine: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  to: "running",
  nonce: "2",
  deadline: "1900000000",
  signer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  signature: "0x1234",
};

describe("parseSignedChange", () => {
  it("accepts a well-formed change", () => {
    expect(parseSignedChange(JSON.stringify(GOOD))).toEqual(GOOD);
  });

  it.each([
    ["not json", "{"],
    ["another type", JSON.stringify({ ...GOOD, type: "X" })],
    ["state none", JSON.stringify({ ...GOOD, to: "none" })],
    ["unknown state", JSON.stringify({ ...GOOD, to: "paused" })],
    ["numeric nonce", JSON.stringify({ ...GOOD, nonce: 2 })],
    ["bad machine", JSON.stringify({ ...GOOD, machine: "0x01" })],
    ["bad signature", JSON.stringify({ ...GOOD, signature: "zz" })],
  ])("refuses %s", (_what, text) => {
    expect(() => parseSignedChange(text)).toThrow(SignedChangeError);
  });
});
