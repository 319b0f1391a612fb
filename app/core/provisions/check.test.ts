/**
 * A provision against its DID: the verdict's rules (Invalid when the document contradicts the registry,
 * Unverifiable only when the DID could not be checked, Verified only when everything agrees), on plain
 * data. The same check on a real chain, through the app's page state: app/ui/provision/page.svelte.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { DidDocument, Hex } from "../types.ts";
import {
  asControllerNotNamed,
  asControllerTransferred,
  checkProvision,
  ControllerNotNamedError,
  ControllerTransferredError,
  didFactsFromVerdict,
  type ProvisionDidFacts,
} from "./check.ts";
import { provisionMetadataHash, provisionService, type ProvisionInfo } from "./metadata.ts";
import type { EventPlace, ProvisionActivity, ProvisionView } from "./read.ts";
import { caip10, pkhDid } from "./walletLink.ts";

const CHAIN = 31337;
const DID = "did:webvh:QmScid:example.com:provisions:eu-1";
const A = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as Hex;
const B = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Hex;
const C = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Hex;
const STRANGER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as Hex;
const MACHINE = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" as Hex;
const INFO: ProvisionInfo = { provisionId: "eu-1", endpoint: "https://eu-1.example/", tier: "gpu", country: "DE" };
const NOT_ANCHORED = { name: "NotAnchoredError", verdict: "pending", message: "Not anchored yet (entry 2)", shortMessage: "Not anchored yet" } as const;

function view(over: Partial<ProvisionView> = {}): ProvisionView {
  return {
    machine: MACHINE,
    controller: A,
    did: DID,
    metadataHash: provisionMetadataHash(INFO),
    state: "running",
    nonce: 1,
    updatedAt: 1_767_600_000,
    machineKeyRevoked: false,
    pendingController: null,
    ...over,
  };
}

/** The document as the publisher writes it: the controller as did:pkh, the machine as a verification method. */
function doc(controller: Hex | null, info: ProvisionInfo | null = INFO): DidDocument {
  return {
    id: DID,
    ...(controller ? { alsoKnownAs: [pkhDid(CHAIN, controller)] } : {}),
    verificationMethod: [{ id: `${DID}#machine`, type: "EcdsaSecp256k1RecoveryMethod2020", controller: DID, blockchainAccountId: caip10(CHAIN, MACHINE) }],
    ...(info ? { service: [provisionService(DID, info)] } : {}),
  };
}

function facts(controller: Hex | null, verdict: "verified" | "pending" = "verified", info: ProvisionInfo | null = INFO): ProvisionDidFacts {
  return didFactsFromVerdict({ verdict, ...(verdict === "pending" ? { error: NOT_ANCHORED } : {}), document: doc(controller, info) }, CHAIN);
}

let block = 10;
function place(timestamp = 1_767_600_000 + block): EventPlace {
  block += 1;
  return { blockNumber: block, logIndex: 0, txHash: `0x${block.toString(16).padStart(64, "0")}` as Hex, timestamp };
}
const registered = (controller: Hex): ProvisionActivity => ({ kind: "registered", machine: MACHINE, controller, did: DID, metadataHash: provisionMetadataHash(INFO), ...place() });
const transferred = (from: Hex, to: Hex, timestamp?: number): ProvisionActivity => ({ kind: "controlTransferred", machine: MACHINE, from, to, ...place(timestamp) });
const proposed = (from: Hex, to: Hex): ProvisionActivity => ({ kind: "controlProposed", machine: MACHINE, from, to, ...place() });

describe("checkProvision: the DID's own verdict when everything agrees", () => {
  it("verified: the DID is verified, names the controller, and its description hashes to the registry's", () => {
    expect(checkProvision({ view: view(), history: [registered(A)], did: facts(A) })).toEqual({ verdict: "verified", reasons: [] });
  });

  it("pending, with the DID's reason: valid, names the controller, newest entries not anchored yet", () => {
    expect(checkProvision({ view: view(), history: [registered(A)], did: facts(A, "pending") })).toEqual({ verdict: "pending", reasons: [NOT_ANCHORED] });
  });

  it("the controller named as a verification method's account counts too, whatever the address case", () => {
    const d = doc(null);
    d.verificationMethod!.push({ id: `${DID}#owner`, type: "EcdsaSecp256k1RecoveryMethod2020", controller: DID, blockchainAccountId: `eip155:${CHAIN}:${A.toLowerCase()}` });
    expect(checkProvision({ view: view(), history: [], did: didFactsFromVerdict({ verdict: "verified", document: d }, CHAIN) }).verdict).toBe("verified");
  });

  it("an offer of control not accepted yet changes nothing: the controller is still the one named", () => {
    expect(checkProvision({ view: view({ pendingController: B }), history: [registered(A), proposed(A, B)], did: facts(A) }).verdict).toBe("verified");
  });
});

describe("checkProvision: the DID's verdict decides when the DID is invalid or could not be checked", () => {
  it("an invalid DID is invalid with its own reason, whatever its document says", () => {
    const error = { name: "HashChainError", verdict: "invalid", message: "Broken hash chain (entry 2)", shortMessage: "Broken hash chain" } as const;
    const did = didFactsFromVerdict({ verdict: "invalid", error, document: doc(STRANGER) }, CHAIN);
    expect(checkProvision({ view: view(), history: [], did })).toEqual({ verdict: "invalid", reasons: [error] });
  });

  it("an unverifiable DID is unverifiable (never invalid: its document was not established), with its reason", () => {
    const error = { name: "RpcUnreachableError", verdict: "unverifiable", message: "The chain could not be reached", shortMessage: "The chain could not be reached" } as const;
    const did = didFactsFromVerdict({ verdict: "unverifiable", error, document: doc(STRANGER) }, CHAIN);
    expect(checkProvision({ view: view(), history: [], did })).toEqual({ verdict: "unverifiable", reasons: [error] });
  });

  it("a verified DID without its document is unverifiable, never verified", () => {
    const r = checkProvision({ view: view(), history: [], did: { verdict: "verified", info: INFO } });
    expect(r.verdict).toBe("unverifiable");
    expect(r.reasons.map((x) => x.name)).toEqual(["ProvisionDocumentUnreadError"]);
  });
});

describe("checkProvision: invalid when the verified document contradicts the registry", () => {
  it("a pending DID whose document names another wallet is invalid (ControllerNotNamedError), not pending", () => {
    const r = checkProvision({ view: view(), history: [registered(A)], did: facts(STRANGER, "pending") });
    expect(r.verdict).toBe("invalid");
    expect(r.reasons.map((x) => x.name)).toEqual(["ControllerNotNamedError"]);
    // The machine's own account (a verification method) is not offered as the wallet the document names.
    expect(asControllerNotNamed(r.reasons[0]!)).toMatchObject({ controller: A, documentNames: [STRANGER], offeredTo: null, verdict: "invalid" });
    expect(r.reasons[0]!.message).toBe(`The DID document does not name the controller wallet: the registry's controller is ${A}; it names ${STRANGER}`);
  });

  it("a verified DID whose document names no controller wallet at all is invalid", () => {
    const r = checkProvision({ view: view(), history: [registered(A)], did: facts(null) });
    expect(r.verdict).toBe("invalid");
    expect(asControllerNotNamed(r.reasons[0]!)).toMatchObject({ documentNames: [] });
    expect(r.reasons[0]!.details).toBe(`the registry's controller is ${A}; it names no controller wallet`);
  });

  it("after control passed on, a document naming the former controller says when and to whom (ControllerTransferredError)", () => {
    const at = Date.UTC(2026, 0, 7, 10, 30) / 1000;
    const moved = transferred(A, B, at);
    const r = checkProvision({ view: view({ controller: B }), history: [registered(A), proposed(A, B), moved], did: facts(A) });
    expect(r.verdict).toBe("invalid");
    expect(r.reasons).toHaveLength(1);
    const reason = asControllerTransferred(r.reasons[0]!)!;
    expect(reason).toMatchObject({ name: "ControllerTransferredError", verdict: "invalid", controller: B, documentNames: [A] });
    expect(reason.transfer).toEqual({ from: A, to: B, timestamp: at, blockNumber: moved.blockNumber, txHash: moved.txHash });
    expect(reason.shortMessage).toBe(`Control moved to ${B} on 2026-01-07T10:30:00Z; the DID document has not been updated`);
    expect(asControllerNotNamed(reason)).toBeNull();
  });

  it("after two transfers, a document naming the first controller is told of the last transfer", () => {
    const last = transferred(B, C);
    const r = checkProvision({ view: view({ controller: C }), history: [registered(A), transferred(A, B), last], did: facts(A, "pending") });
    expect(asControllerTransferred(r.reasons[0]!)?.transfer).toMatchObject({ from: B, to: C, txHash: last.txHash });
  });

  it("after a transfer, a document naming a wallet that never had control is a plain mismatch", () => {
    const r = checkProvision({ view: view({ controller: B }), history: [registered(A), transferred(A, B)], did: facts(STRANGER) });
    expect(r.reasons.map((x) => x.name)).toEqual(["ControllerNotNamedError"]);
  });

  it("a document naming the wallet control is offered to, before it accepted, says so", () => {
    const r = checkProvision({ view: view({ pendingController: B }), history: [registered(A), proposed(A, B)], did: facts(B) });
    expect(r.verdict).toBe("invalid");
    expect(asControllerNotNamed(r.reasons[0]!)).toMatchObject({ controller: A, documentNames: [B], offeredTo: B });
  });

  it("a description that does not hash to the registry's metadata hash is invalid (MetadataMismatchError)", () => {
    const r = checkProvision({ view: view({ metadataHash: `0x${"22".repeat(32)}` }), history: [], did: facts(A) });
    expect(r.verdict).toBe("invalid");
    expect(r.reasons.map((x) => x.name)).toEqual(["MetadataMismatchError"]);
  });

  it("a document with no provision description, or a malformed one, is invalid", () => {
    expect(checkProvision({ view: view(), history: [], did: facts(A, "verified", null) }).reasons.map((x) => x.name)).toEqual(["ProvisionInfoMissingError"]);
    const bad = didFactsFromVerdict({ verdict: "verified", document: { ...doc(A), service: [provisionService(DID, { ...INFO, country: "Germany" })] } }, CHAIN);
    expect(bad.infoError?.name).toBe("ProvisionInfoError");
    expect(checkProvision({ view: view(), history: [], did: bad }).reasons.map((x) => x.name)).toEqual(["ProvisionInfoError"]);
  });

  it("every contradiction is listed, the controller's first", () => {
    const r = checkProvision({ view: view({ metadataHash: `0x${"22".repeat(32)}` }), history: [], did: facts(STRANGER) });
    expect(r.reasons.map((x) => x.name)).toEqual(["ControllerNotNamedError", "MetadataMismatchError"]);
  });
});

describe("the typed reasons", () => {
  it("are VerifierErrors that lead to invalid, and serialize their data for the page", () => {
    const e = new ControllerNotNamedError(A, [B], null);
    expect(e.verdict).toBe("invalid");
    expect(e.toJSON()).toMatchObject({ name: "ControllerNotNamedError", controller: A, documentNames: [B], offeredTo: null });
    const t = new ControllerTransferredError(B, [A], { from: A, to: B, timestamp: 0, blockNumber: 1, txHash: "0x01" });
    expect(t.toJSON()).toMatchObject({ name: "ControllerTransferredError", transfer: { from: A, to: B } });
    expect(structuredClone(t.toJSON())).toEqual(t.toJSON());
  });
});
