import { describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import type { DidDocument, Hex } from "../types.ts";
import { provisionMetadataHash, provisionService } from "./metadata.ts";
import {
  checkRequestAgainstDocument,
  consentSigner,
  parseRegistrationRequest,
  REGISTRATION_REQUEST_TYPE,
  RegistrationRequestError,
  type RegistrationRequest,
} from "./registrationRequest.ts";
import { registrationTypedData } from "./typedData.ts";
import { caip10, pkhDid } from "./walletLink.ts";

const machine = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9f804cdab365a");
const controller = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Hex;
const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex;
const DID = "did:webvh:QmX:localhost%3A8787:provisions:p1";
const INFO = { provisionId: "p1", endpoint: "https://p1.example/", tier: "edge", country: "JP" };
const DOC: DidDocument = {
  id: DID,
  alsoKnownAs: [pkhDid(31337, controller)],
  verificationMethod: [{ id: `${DID}#machine`, controller: DID, blockchainAccountId: caip10(31337, machine.address) }],
  service: [provisionService(DID, INFO)],
};

async function request(overrides: Partial<RegistrationRequest> = {}): Promise<RegistrationRequest> {
  const typed = { chainId: 31337, registry, machine: machine.address, controller, did: DID, metadataHash: provisionMetadataHash(INFO), deadline: 2_000_000_000n };
  return {
    type: REGISTRATION_REQUEST_TYPE,
    ...typed,
    deadline: typed.deadline.toString(),
    signature: await machine.signTypedData(registrationTypedData(typed)),
    ...overrides,
  };
}

describe("registration requests", () => {
  it("parse, recover the machine, and agree with the DID document", async () => {
    const req = parseRegistrationRequest(JSON.stringify(await request()));
    expect(await consentSigner(req)).toBe(machine.address);
    expect(() => checkRequestAgainstDocument(req, DOC)).not.toThrow();
  });

  it("a consent for another controller does not recover the machine", async () => {
    const req = await request();
    expect(await consentSigner({ ...req, controller: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" })).not.toBe(machine.address);
  });

  it("refuses malformed requests by name", async () => {
    const good = await request();
    for (const bad of [
      "not json",
      JSON.stringify({ ...good, type: "Other" }),
      JSON.stringify({ ...good, machine: "0x12" }),
      JSON.stringify({ ...good, metadataHash: "0x1234" }),
      JSON.stringify({ ...good, deadline: 5 }),
      JSON.stringify({ ...good, chainId: -1 }),
    ]) {
      expect(() => parseRegistrationRequest(bad)).toThrow(RegistrationRequestError);
    }
  });

  it("refuses a document that does not name the controller, the machine, or has other metadata", async () => {
    const req = await request();
    expect(() => checkRequestAgainstDocument(req, { ...DOC, alsoKnownAs: [] })).toThrow("controller");
    expect(() => checkRequestAgainstDocument(req, { ...DOC, verificationMethod: [] })).toThrow("machine");
    expect(() => checkRequestAgainstDocument(req, { ...DOC, service: [provisionService(DID, { ...INFO, country: "US" })] })).toThrow("metadata hash");
    expect(() => checkRequestAgainstDocument({ ...req, did: `${DID}x` }, DOC)).toThrow("not the requested DID");
  });
});
