/**
 * One test per MUST of did:webvh v1.0 (identity.foundation/didwebvh/v1.0), named after it. Each invalid
 * log is made to fail exactly the rule under test: its hashes and signatures are otherwise right.
 */
import { describe, expect, it } from "vitest";
import type { LogEntry } from "../types.ts";
import { appendEntry, createLog } from "./create.ts";
import { keyHash } from "./hash.ts";
import { serializeLog } from "./log.ts";
import { didUrlPathToHttps, resolveDid } from "./resolve.ts";
import { forgeFirst, forgeNext } from "./testkit/forge.ts";
import { at, makeLog, testSigner } from "./testkit/logs.ts";
import { parseDid } from "./url.ts";
import { verifyLog, type VerifyLogResult } from "./verify.ts";
import { createWitnessProof, type WitnessProofEntry } from "./witness.ts";

const K1 = testSigner(1);
const K2 = testSigner(2);
const K3 = testSigner(3);
const didKey = (s: typeof K1) => `did:key:${s.publicKeyMultibase}`;

function expectFailure(result: VerifyLogResult, name: string, entryIndex: number | undefined) {
  expect(result.error?.name).toBe(name);
  expect(result.error?.verdict).toBe("invalid");
  if (entryIndex !== undefined) {
    expect(result.error?.entryIndex).toBe(entryIndex);
    expect(result.entries).toHaveLength(entryIndex);
  }
}

const firstBody = (parameters: Record<string, unknown> = {}, state: Record<string, unknown> = {}) => ({
  versionTime: at(0),
  parameters: { method: "did:webvh:1.0", scid: "{SCID}", updateKeys: [K1.publicKeyMultibase], ...parameters },
  state: { "@context": ["https://www.w3.org/ns/did/v1"], id: "did:webvh:{SCID}:example.com", ...state },
});

describe("Method-specific identifier", () => {
  it("a DID MUST begin with did:webvh (lowercase) and the SCID MUST be its first element", () => {
    expect(() => parseDid("did:WEBVH:QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste:example.com")).toThrow();
    expect(() => parseDid("did:webvh:example.com:QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste")).toThrow();
  });
  it("the domain MUST NOT include IP addresses, and a port's colon MUST be percent-encoded", () => {
    expect(() => parseDid("did:webvh:QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste:10.0.0.1")).toThrow();
    expect(parseDid("did:webvh:QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste:example.com:3000").path).toEqual(["3000"]);
    expect(parseDid("did:webvh:QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste:example.com%3A3000").port).toBe(3000);
  });
});

describe("The DID log file", () => {
  it("versionId MUST be the version number, a dash and the entryHash", async () => {
    const { did, log } = await makeLog(2);
    for (const bad of [log[1]!.versionId.replace("-", "_"), `02${log[1]!.versionId.slice(1)}`, `2-${log[1]!.versionId}`]) {
      const tampered = structuredClone(log);
      tampered[1]!.versionId = bad;
      expectFailure(await verifyLog(tampered, { did }), "VersionNumberError", 1);
    }
  });
  it("the version number MUST be 1 for the first entry and incremented by one for each entry", async () => {
    const { did, log } = await makeLog(1);
    const skipped = await forgeNext(log, K1, { versionTime: at(1) }, { number: 3 });
    expectFailure(await verifyLog([...log, skipped], { did }), "VersionNumberError", 1);
  });
  it("the entryHash MUST be verified (chained to the previous versionId)", async () => {
    const { did, log } = await makeLog(3);
    const swapped = [log[0]!, log[2]!, log[1]!];
    expectFailure(await verifyLog(swapped, { did }), "VersionNumberError", 1);
    const other = await makeLog(2, { signer: K1, host: "example.com" });
    const tampered = structuredClone(log);
    tampered[1]!.versionTime = at(1).replace("00Z", "01Z");
    expectFailure(await verifyLog(tampered, { did }), "HashChainError", 1);
    expect((await verifyLog(other.log, { did: other.did })).error).toBeUndefined();
  });
  it("versionTime MUST be a valid UTC ISO 8601 date-time", async () => {
    const { did, log } = await makeLog(1);
    for (const time of ["2025-01-01T00:02:00+02:00", "2025-01-01 00:02:00Z", "2025-02-30T00:00:00Z", "yesterday"]) {
      const bad = await forgeNext(log, K1, { versionTime: time });
      expectFailure(await verifyLog([...log, bad], { did }), "VersionTimeError", 1);
    }
  });
  it("versionTime MUST be greater than the previous entry's time", async () => {
    const { did, log } = await makeLog(1);
    const same = await forgeNext(log, K1, { versionTime: at(0) });
    expectFailure(await verifyLog([...log, same], { did }), "VersionTimeError", 1);
  });
  it("versionTime of the last entry MUST be earlier than the current time", async () => {
    const { did, log } = await makeLog(2);
    expectFailure(await verifyLog(log, { did, now: Date.parse(at(1)) - 1000 }), "VersionTimeError", 1);
    expect((await verifyLog(log, { did, now: Date.parse(at(1)) })).error).toBeUndefined();
  });
  it("each entry MUST be one JSON object per line with versionId, versionTime, parameters, state, proof", async () => {
    const { did, log } = await makeLog(2);
    const { proof: _p, ...noProof } = log[1]!;
    expectFailure(await verifyLog([log[0]!, noProof as LogEntry], { did }), "EntryShapeError", 1);
  });
});

describe("SCID generation and verification", () => {
  it("the SCID MUST be the hash of the preliminary first entry", async () => {
    const { scid, entry } = await forgeFirst(firstBody(), K1);
    expect((await verifyLog([entry])).scid).toBe(scid);
    const forged = await forgeFirst(firstBody(), K1, { scidOverride: "QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste" });
    expectFailure(await verifyLog([forged.entry]), "ScidMismatchError", 0);
  });
  it("the SCID's hash algorithm MUST be one the method version permits (sha2-256 multihash)", async () => {
    const forged = await forgeFirst(firstBody(), K1, { scidOverride: "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme" });
    expect((await verifyLog([forged.entry])).error?.verdict).toBe("invalid");
  });
  it("every version's state.id MUST carry the log's SCID", async () => {
    const { did, log } = await makeLog(1);
    const bad = await forgeNext(log, K1, { versionTime: at(1), state: { ...log[0]!.state, id: "did:webvh:QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste:example.com" } });
    expectFailure(await verifyLog([...log, bad], { did }), "ScidMismatchError", 1);
  });
});

describe("Read (resolve)", () => {
  it("the DID being resolved MUST match the top-level id of at least one version", async () => {
    const { log } = await makeLog(2);
    const other = await makeLog(1, { signer: K2 });
    const result = await verifyLog(log, { did: other.did });
    expect(result.error?.name).toBe("DidMismatchError");
    expect(result.entries).toHaveLength(0);
  });
  it("the DIDDoc MUST contain the top-level id", async () => {
    const { did, log } = await makeLog(1);
    const { id: _id, ...noId } = log[0]!.state;
    const bad = await forgeNext(log, K1, { versionTime: at(1), state: noId });
    expectFailure(await verifyLog([...log, bad], { did }), "DidMismatchError", 1);
  });
  it("a versionId query MUST match a full versionId, else notFound", async () => {
    const { did, log } = await makeLog(2);
    const text = serializeLog(log);
    expect((await resolveDid(did, text, { versionId: log[0]!.versionId })).didDocumentMetadata).toMatchObject({ versionNumber: 1 });
    expect((await resolveDid(did, text, { versionId: log[0]!.versionId.slice(0, 10) })).didResolutionMetadata.error).toBe("notFound");
  });
  it("a versionTime query MUST return the version active at that time, else notFound", async () => {
    const { did, log } = await makeLog(3);
    const text = serializeLog(log);
    expect((await resolveDid(did, text, { versionTime: at(1) })).didDocumentMetadata).toMatchObject({ versionNumber: 2 });
    expect((await resolveDid(did, text, { versionTime: "2030-01-01T00:00:00Z" })).didDocumentMetadata).toMatchObject({ versionNumber: 3 });
    expect((await resolveDid(did, text, { versionTime: "2024-12-31T00:00:00Z" })).didResolutionMetadata.error).toBe("notFound");
  });
  it("a query for a valid version MUST succeed even when later entries are invalid; the latest is then invalidDid", async () => {
    const { did, log } = await makeLog(3);
    const text = serializeLog(log).replace("event-2", "event-9");
    expect((await resolveDid(did, text, { versionNumber: 2 })).didResolutionMetadata.error).toBeUndefined();
    expect((await resolveDid(did, text)).didResolutionMetadata.error).toBe("invalidDid");
    expect((await resolveDid(did, text, { versionNumber: 3 })).didResolutionMetadata.error).toBe("invalidDid");
  });
  it("errors MUST use invalidDid and notFound", async () => {
    const { did } = await makeLog(1);
    expect((await resolveDid(did, null)).didResolutionMetadata.error).toBe("notFound");
    expect((await resolveDid("did:webvh:nope", "")).didResolutionMetadata.error).toBe("invalidDid");
    expect((await resolveDid(did, "{not json")).didResolutionMetadata).toMatchObject({ error: "invalidDid", errorName: "LogParseError" });
  });
  it("the resolved document MUST include the implicit #files and #whois services unless the DIDDoc defines them", async () => {
    const { did, log } = await makeLog(1, { host: "example.com", path: "dids/a" });
    const doc = (await resolveDid(did, serializeLog(log))).didDocument!;
    expect(doc.service).toEqual([
      { id: "#files", type: "relativeRef", serviceEndpoint: "https://example.com/dids/a" },
      { "@context": "https://identity.foundation/linked-vp/contexts/v1", id: "#whois", type: "LinkedVerifiablePresentation", serviceEndpoint: "https://example.com/dids/a/whois.vp" },
    ]);
    const own = await appendEntry(log, { signer: K1, document: (p) => ({ ...p, service: [{ id: `${p.id}#files`, type: "relativeRef", serviceEndpoint: "https://cdn.example.org/" }] }), versionTime: at(1) });
    const doc2 = (await resolveDid(did, serializeLog([...log, own]))).didDocument!;
    expect(doc2.service?.filter((s) => s.id.endsWith("#files"))).toEqual([{ id: `${did}#files`, type: "relativeRef", serviceEndpoint: "https://cdn.example.org/" }]);
  });
});

describe("DID URL resolution", () => {
  it("a DID URL with a path MUST resolve through the implicit #files service (no .well-known), unless overridden", async () => {
    const { did, log } = await makeLog(1);
    const doc = log[0]!.state;
    expect(didUrlPathToHttps(`${did}/governance/issuers.json`, doc)).toBe("https://example.com/governance/issuers.json");
    const own = { ...doc, service: [{ id: "#files", type: "relativeRef", serviceEndpoint: "https://cdn.example.org/files/" }] };
    expect(didUrlPathToHttps(`${did}/a.pdf`, own)).toBe("https://cdn.example.org/files/a.pdf");
    expect(() => didUrlPathToHttps(`${did}/../secret`, doc)).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
    // What a URL parser would turn into a dot-segment after the check: "\\" read as "/", tabs and newlines dropped.
    for (const sneaky of ["/..\\bob\\secret.json", "/a/..\\..\\x", "/.\t./bob", "/.\n./bob", "/x y"]) {
      expect(() => didUrlPathToHttps(`${did}${sneaky}`, doc), sneaky).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
    }
  });
  it("/whois MUST resolve to the implicit LinkedVP service's whois.vp, unless overridden", async () => {
    const { did, log } = await makeLog(1, { path: "dids/a" });
    expect(didUrlPathToHttps(`${did}/whois`, log[0]!.state)).toBe("https://example.com/dids/a/whois.vp");
    const own = { ...log[0]!.state, service: [{ id: `${did}#whois`, type: "LinkedVerifiablePresentation", serviceEndpoint: "https://vp.example.org/w.vp" }] };
    expect(didUrlPathToHttps(`${did}/whois`, own)).toBe("https://vp.example.org/w.vp");
    const ftp = { ...log[0]!.state, service: [{ id: "#files", type: "relativeRef", serviceEndpoint: "ftp://example.com/" }] };
    expect(() => didUrlPathToHttps(`${did}/x`, ftp)).toThrow(expect.objectContaining({ name: "InvalidDidError" }));
  });
});

describe("Parameters", () => {
  it("method MUST appear in the first entry", async () => {
    const { method: _m, ...params } = firstBody().parameters;
    const { entry } = await forgeFirst({ ...firstBody(), parameters: params }, K1);
    expectFailure(await verifyLog([entry]), "MethodVersionError", 0);
  });
  it("method MUST be a version this resolver implements (unknown versions rejected), never lower", async () => {
    for (const method of ["did:webvh:0.5", "did:webvh:2.0", "did:tdw:0.4", 1]) {
      const { entry } = await forgeFirst(firstBody({ method }), K1);
      expectFailure(await verifyLog([entry]), "MethodVersionError", 0);
    }
    const { did, log } = await makeLog(1);
    const later = await forgeNext(log, K1, { versionTime: at(1), parameters: { method: "did:webvh:1.1" } });
    expectFailure(await verifyLog([...log, later], { did }), "MethodVersionError", 1);
  });
  it("scid MUST appear in the first entry and MUST NOT appear in later entries", async () => {
    const { scid: _s, ...params } = firstBody().parameters;
    expectFailure(await verifyLog([(await forgeFirst({ ...firstBody(), parameters: params }, K1)).entry]), "ParameterError", 0);
    const { did, log } = await makeLog(1);
    const later = await forgeNext(log, K1, { versionTime: at(1), parameters: { scid: log[0]!.parameters.scid } });
    expectFailure(await verifyLog([...log, later], { did }), "ParameterError", 1);
  });
  it("updateKeys MUST appear in the first entry", async () => {
    const { updateKeys: _u, ...params } = firstBody().parameters;
    expectFailure(await verifyLog([(await forgeFirst({ ...firstBody(), parameters: params }, K1)).entry]), "ParameterError", 0);
  });
  it("parameters MUST only include properties defined by the method version", async () => {
    expectFailure(await verifyLog([(await forgeFirst(firstBody({ prerotation: true }), K1)).entry]), "ParameterError", 0);
  });
  it("parameter values MUST have the specified types (else the entry is rejected)", async () => {
    for (const bad of [{ portable: "yes" }, { updateKeys: "z6Mk" }, { ttl: -1 }, { ttl: 2 ** 31 + 1 }, { ttl: 1.5 }, { watchers: [1] }, { deactivated: 0 }]) {
      expectFailure(await verifyLog([(await forgeFirst(firstBody(bad), K1)).entry]), "ParameterError", 0);
    }
  });
  it("null values SHOULD be accepted as the parameter's default", async () => {
    const { entry } = await forgeFirst(firstBody({ watchers: null, witness: null, ttl: null, nextKeyHashes: null }), K1);
    const result = await verifyLog([entry]);
    expect(result.error).toBeUndefined();
    expect(result.entries[0]!.parameters).toMatchObject({ watchers: [], witness: {}, ttl: 3600, nextKeyHashes: [] });
  });
  it("ttl defaults to 3600 and resolvers MUST return it (as a string) with the watchers", async () => {
    const { did, log } = await makeLog(1, { parameters: { ttl: 60, watchers: ["https://watcher.example.org"] } });
    expect((await resolveDid(did, serializeLog(log))).didDocumentMetadata).toMatchObject({ ttl: "60", watchers: ["https://watcher.example.org"] });
  });
});

describe("Authorized keys", () => {
  it("each entry MUST be signed by a key in the active updateKeys", async () => {
    const { did, log } = await makeLog(1);
    const bad = await forgeNext(log, K2, { versionTime: at(1) });
    expectFailure(await verifyLog([...log, bad], { did }), "UnauthorizedKeyError", 1);
  });
  it("without pre-rotation, the active updateKeys are the previous entry's (a rotation takes effect after its entry)", async () => {
    const { did, log } = await makeLog(1);
    const selfSigned = await forgeNext(log, K2, { versionTime: at(1), parameters: { updateKeys: [K2.publicKeyMultibase] } });
    expectFailure(await verifyLog([...log, selfSigned], { did }), "UnauthorizedKeyError", 1);
    const rotated = await forgeNext(log, K1, { versionTime: at(1), parameters: { updateKeys: [K2.publicKeyMultibase] } });
    const next = await forgeNext([...log, rotated], K2, { versionTime: at(2) });
    expect((await verifyLog([...log, rotated, next], { did })).error).toBeUndefined();
    const oldKey = await forgeNext([...log, rotated], K1, { versionTime: at(2) });
    expectFailure(await verifyLog([...log, rotated, oldKey], { did }), "UnauthorizedKeyError", 2);
  });
  it("the proof MUST have proofPurpose assertionMethod", async () => {
    const { did, log } = await makeLog(1);
    const bad = await forgeNext(log, K1, { versionTime: at(1) }, { proofPurpose: "authentication" });
    expectFailure(await verifyLog([...log, bad], { did }), "SignatureError", 1);
  });
  it("the Data Integrity proof MUST be valid", async () => {
    const { did, log } = await makeLog(2);
    const tampered = structuredClone(log);
    const v = tampered[1]!.proof[0]!.proofValue;
    tampered[1]!.proof[0]!.proofValue = v.slice(0, 20) + (v[20] === "A" ? "B" : "A") + v.slice(21);
    expectFailure(await verifyLog(tampered, { did }), "SignatureError", 1);
  });
});

describe("Pre-rotation", () => {
  const withPrerotation = () => makeLog(1, { parameters: { nextKeyHashes: [keyHash(K2.publicKeyMultibase)] } });
  it("while active, every updateKeys key MUST hash to an entry of the previous nextKeyHashes", async () => {
    const { did, log } = await withPrerotation();
    const bad = await forgeNext(log, K3, { versionTime: at(1), parameters: { updateKeys: [K3.publicKeyMultibase], nextKeyHashes: [] } });
    expectFailure(await verifyLog([...log, bad], { did }), "PreRotationError", 1);
    const good = await appendEntry(log, { signer: K2, document: (p) => p, parameters: { updateKeys: [K2.publicKeyMultibase], nextKeyHashes: [keyHash(K3.publicKeyMultibase)] }, versionTime: at(1) });
    expect((await verifyLog([...log, good], { did })).error).toBeUndefined();
  });
  it("while active, updateKeys and nextKeyHashes MUST be present in every entry", async () => {
    const { did, log } = await withPrerotation();
    const noNext = await forgeNext(log, K2, { versionTime: at(1), parameters: { updateKeys: [K2.publicKeyMultibase] } });
    expectFailure(await verifyLog([...log, noNext], { did }), "PreRotationError", 1);
    const noKeys = await forgeNext(log, K2, { versionTime: at(1), parameters: { nextKeyHashes: [] } });
    expectFailure(await verifyLog([...log, noKeys], { did }), "PreRotationError", 1);
  });
  it("while active, the entry MUST be signed by a key of its own updateKeys", async () => {
    const { did, log } = await withPrerotation();
    const byOld = await forgeNext(log, K1, { versionTime: at(1), parameters: { updateKeys: [K2.publicKeyMultibase], nextKeyHashes: [] } });
    expectFailure(await verifyLog([...log, byOld], { did }), "UnauthorizedKeyError", 1);
  });
  it("nextKeyHashes set to [] turns pre-rotation off after that entry: the next one uses the non-pre-rotation rules", async () => {
    const { did, log } = await withPrerotation();
    const off = await appendEntry(log, { signer: K2, document: (p) => p, parameters: { updateKeys: [K2.publicKeyMultibase], nextKeyHashes: [] }, versionTime: at(1) });
    const plain = await appendEntry([...log, off], { signer: K2, document: (p) => p, parameters: { updateKeys: [K3.publicKeyMultibase] }, versionTime: at(2) });
    expect((await verifyLog([...log, off, plain], { did })).error).toBeUndefined();
  });
});

describe("Portability", () => {
  const move = async (portable: boolean, aka: boolean) => {
    const { did, log } = await makeLog(1, { parameters: { portable } });
    const moved = did.replace(":example.com", ":example.org");
    const entry = await forgeNext(log, K1, { versionTime: at(1), state: { ...log[0]!.state, id: moved, ...(aka ? { alsoKnownAs: [did] } : {}) } });
    return { did, moved, log: [...log, entry] };
  };
  it("a DID MAY move (same SCID) only when portable is true", async () => {
    const ok = await move(true, true);
    const result = await verifyLog(ok.log, { did: ok.moved });
    expect(result.error).toBeUndefined();
    expect(result.did).toBe(ok.moved);
    const notPortable = await move(false, true);
    expectFailure(await verifyLog(notPortable.log), "PortabilityError", 1);
  });
  it("a moved DID's DIDDoc MUST list the prior DID in alsoKnownAs", async () => {
    expectFailure(await verifyLog((await move(true, false)).log), "PortabilityError", 1);
  });
  it("portable can ONLY be set to true in the first entry, and once false never again true", async () => {
    const { did, log } = await makeLog(1);
    const later = await forgeNext(log, K1, { versionTime: at(1), parameters: { portable: true } });
    expectFailure(await verifyLog([...log, later], { did }), "ParameterError", 1);
  });
});

describe("Deactivate", () => {
  it("a deactivated DID MUST report deactivated: true and accept no further entries", async () => {
    const { did, log } = await makeLog(1);
    const off = await appendEntry(log, { signer: K1, document: (p) => p, parameters: { deactivated: true, updateKeys: [] }, versionTime: at(1) });
    const result = await resolveDid(did, serializeLog([...log, off]));
    expect(result.didDocumentMetadata).toMatchObject({ deactivated: true });
    expect((await verifyLog([...log, off])).deactivated).toBe(true);
    const after = await forgeNext([...log, off], K1, { versionTime: at(2), parameters: {} });
    expectFailure(await verifyLog([...log, off, after], { did }), "DeactivatedError", 2);
    await expect(appendEntry([...log, off], { signer: K1, document: (p) => p, versionTime: at(2) })).rejects.toMatchObject({ name: "DeactivatedError" });
  });
});

describe("Witnesses", () => {
  const W = [testSigner(40), testSigner(41), testSigner(42)];
  const witnessParam = (n: number, threshold: number) => ({ threshold, witnesses: W.slice(0, n).map((w) => ({ id: didKey(w) })) });
  const approve = async (log: LogEntry[], index: number, witnesses: typeof W): Promise<WitnessProofEntry> => ({
    versionId: log[index]!.versionId,
    proof: await Promise.all(witnesses.map((w) => createWitnessProof(w, log[index]!.versionId, log[index]!.versionTime))),
  });

  it("threshold MUST be between 1 and the number of witnesses; witnesses MUST be unique did:key DIDs", async () => {
    for (const witness of [{ threshold: 0, witnesses: [{ id: didKey(W[0]!) }] }, { threshold: 2, witnesses: [{ id: didKey(W[0]!) }] }, { threshold: 1, witnesses: [] }, { threshold: 1, witnesses: [{ id: "did:web:example.com" }] }, { threshold: 1, witnesses: [{ id: didKey(W[0]!) }, { id: didKey(W[0]!) }] }]) {
      expectFailure(await verifyLog([(await forgeFirst(firstBody({ witness }), K1)).entry]), "ParameterError", 0);
    }
  });
  it("entries with active witnesses MUST have a threshold of witness approvals", async () => {
    const { did, log } = await makeLog(2, { parameters: { witness: witnessParam(3, 2) } });
    const one = [await approve(log, 1, W.slice(0, 1))];
    expectFailure(await verifyLog(log, { did, witness: one }), "WitnessError", 0);
    const two = [await approve(log, 1, W.slice(0, 2))];
    expect((await verifyLog(log, { did, witness: two })).error).toBeUndefined();
  });
  it("any threshold-sized subset of the witnesses approves; each entry counts the approvals reaching it", async () => {
    const { did, log } = await makeLog(3, { parameters: { witness: witnessParam(3, 1) } });
    // One of three, the last listed, is enough for a threshold of 1.
    expect((await verifyLog(log, { did, witness: [await approve(log, 2, [W[2]!])] })).error).toBeUndefined();
    const { did: did2, log: log2 } = await makeLog(3, { parameters: { witness: witnessParam(3, 2) } });
    // W0 approves up to entry 3, W1 only entry 1: entry 2 has one approval of the two it needs.
    const partial = [await approve(log2, 2, [W[0]!]), await approve(log2, 0, [W[1]!])];
    expectFailure(await verifyLog(log2, { did: did2, witness: partial }), "WitnessError", 1);
  });
  it("a proof for a later published entry MUST count as approval of the earlier ones", async () => {
    const { did, log } = await makeLog(3, { parameters: { witness: witnessParam(2, 2) } });
    expect((await verifyLog(log, { did, witness: [await approve(log, 2, W.slice(0, 2))] })).error).toBeUndefined();
  });
  it("proofs for versionIds not in the log (unpublished) MUST be ignored", async () => {
    const { did, log } = await makeLog(3, { parameters: { witness: witnessParam(2, 2) } });
    const published = log.slice(0, 2);
    const ahead = [await approve(log, 2, W.slice(0, 2))];
    expectFailure(await verifyLog(published, { did, witness: ahead }), "WitnessError", 0);
  });
  it("witness proofs MUST be eddsa-jcs-2022 with proofPurpose assertionMethod, over the versionId", async () => {
    const { did, log } = await makeLog(1, { parameters: { witness: witnessParam(1, 1) } });
    const good = await approve(log, 0, [W[0]!]);
    const wrongPurpose = structuredClone(good);
    wrongPurpose.proof[0]!.proofPurpose = "authentication";
    expectFailure(await verifyLog(log, { did, witness: [wrongPurpose] }), "WitnessError", 0);
    const otherVersion = { versionId: log[0]!.versionId, proof: [await createWitnessProof(W[0]!, "1-QmOther", at(0))] };
    expectFailure(await verifyLog(log, { did, witness: [otherVersion] }), "WitnessError", 0);
  });
  it("turning witnessing on from {} MUST be witnessed by the new list; a replaced list takes effect after its entry", async () => {
    const { did, log } = await makeLog(1);
    const on = await appendEntry(log, { signer: K1, document: (p) => p, parameters: { witness: witnessParam(1, 1) }, versionTime: at(1) });
    const withOn = [...log, on];
    expectFailure(await verifyLog(withOn, { did, witness: [] }), "WitnessError", 1);
    expect((await verifyLog(withOn, { did, witness: [await approve(withOn, 1, [W[0]!])] })).error).toBeUndefined();
    // Replace W0 by W1: that entry is still witnessed by W0; the next by W1.
    const replace = await appendEntry(withOn, { signer: K1, document: (p) => p, parameters: { witness: { threshold: 1, witnesses: [{ id: didKey(W[1]!) }] } }, versionTime: at(2) });
    const withReplace = [...withOn, replace];
    expectFailure(await verifyLog(withReplace, { did, witness: [await approve(withReplace, 2, [W[1]!])] }), "WitnessError", 1);
    expect((await verifyLog(withReplace, { did, witness: [await approve(withReplace, 2, [W[0]!])] })).error).toBeUndefined();
  });
  it("without did-witness.json a witnessed log cannot be verified (unverifiable, not invalid)", async () => {
    const { did, log } = await makeLog(1, { parameters: { witness: witnessParam(1, 1) } });
    const result = await verifyLog(log, { did });
    expect(result.error).toMatchObject({ name: "WitnessProofsMissingError", verdict: "unverifiable", entryIndex: 0 });
  });
});

describe("Create", () => {
  it("the first versionTime MUST be before or equal to the current time; created logs MUST verify", async () => {
    const { did, log } = await createLog({ host: "example.com", signer: K1, document: () => ({}) });
    expect((await verifyLog(log, { did })).error).toBeUndefined();
  });
});
