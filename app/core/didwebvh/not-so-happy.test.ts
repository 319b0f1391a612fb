/**
 * The not-so-happy path: hostile and broken logs. Whatever the input, parsing fails with a typed error
 * naming the line, or verification returns the valid prefix and a typed first failure; nothing throws
 * out of verifyLog, nothing hangs, nothing reaches a prototype.
 */
import { describe, expect, it } from "vitest";
import type { LogEntry } from "../types.ts";
import { appendEntry, createLog } from "./create.ts";
import { keyHash } from "./hash.ts";
import { parseLog, serializeLog } from "./log.ts";
import { resolveDid } from "./resolve.ts";
import { forgeNext } from "./testkit/forge.ts";
import { at, makeLog, testSigner } from "./testkit/logs.ts";
import { verifyLog } from "./verify.ts";

function parseError(text: string, limits = {}): { name: string; line?: number } {
  try {
    parseLog(text, limits);
  } catch (e) {
    return e as { name: string; line?: number };
  }
  return { name: "none" };
}

describe("hostile did.jsonl text", () => {
  it("truncated last line -> LogParseError naming it", async () => {
    const { log } = await makeLog(3);
    const text = serializeLog(log);
    expect(parseError(text.slice(0, text.length - 40))).toMatchObject({ name: "LogParseError", line: 3 });
  });
  it("non-JSON, JSON that is not an object, a byte-order mark, NUL bytes -> LogParseError", () => {
    expect(parseError("hello\n")).toMatchObject({ name: "LogParseError", line: 1 });
    expect(parseError('"a string"\n')).toMatchObject({ name: "LogParseError", line: 1 });
    expect(parseError("null\n")).toMatchObject({ name: "LogParseError", line: 1 });
    expect(parseError('\uFEFF{"versionId":"1"}\n').name).toBe("LogParseError");
    expect(parseError('{"versionId":"1-\u0000"}\n').name).toBe("LogParseError");
  });
  it("__proto__ keys at any depth are refused and pollute nothing", async () => {
    const { log } = await makeLog(1);
    const text = serializeLog(log).replace('"state":{', '"state":{"service":[{"__proto__":{"isAdmin":true}}],');
    expect(parseError(text)).toMatchObject({ name: "LogParseError", line: 1 });
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  });
  it("the publisher refuses to sign a __proto__ key, so it never writes a log that parseLog refuses", async () => {
    const signer = testSigner(1);
    const document = (id: string) => ({ "@context": ["https://www.w3.org/ns/did/v1"], controller: id, service: [JSON.parse('{"__proto__":[]}')] });
    await expect(createLog({ host: "example.com", signer, document, versionTime: at(0) })).rejects.toMatchObject({ name: "EntryShapeError", entryIndex: 0 });
    const { log } = await makeLog(1);
    const append = appendEntry(log, { signer, document: (prev) => ({ ...prev, service: [{ id: `${prev.id}#e`, type: "X", serviceEndpoint: JSON.parse('{"a":{"__proto__":1}}') }] }), versionTime: at(5) });
    await expect(append).rejects.toMatchObject({ name: "EntryShapeError", entryIndex: 1, message: expect.stringContaining("__proto__") });
  });
  it("constructor / prototype keys are plain data: they only break the hash", async () => {
    const { did, log } = await makeLog(2);
    const lines = serializeLog(log).split("\n");
    lines[1] = lines[1]!.replace('"state":{', '"state":{"constructor":{"prototype":{"x":1}},');
    const result = await verifyLog(parseLog(lines.join("\n")), { did });
    expect(result.error).toMatchObject({ name: "HashChainError", entryIndex: 1 });
    expect(({} as { x?: number }).x).toBeUndefined();
  });
  it("a huge line, a huge file, too many lines -> LogLimitError (unverifiable: the spec sets no limits), before any JSON parsing", async () => {
    const { log } = await makeLog(1);
    const huge = serializeLog(log).replace('"state":{', `"state":{"padding":"${"x".repeat(2 * 1024 * 1024)}",`);
    expect(parseError(huge)).toMatchObject({ name: "LogLimitError", line: 1, verdict: "unverifiable" });
    expect(parseError("x".repeat(1000), { maxBytes: 999 }).name).toBe("LogLimitError");
    expect(parseError(serializeLog([...log, ...log, ...log]), { maxEntries: 2 })).toMatchObject({ name: "LogLimitError", line: 3 });
  });
  it("deeply nested JSON cannot overflow the canonicaliser's stack", async () => {
    const { did, log } = await makeLog(1);
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const text = serializeLog(log).replace('"state":{', `"state":{"deep":${deep},`);
    const result = await verifyLog(parseLog(text), { did });
    expect(result.error?.name).toBe("EntryShapeError");
  });
  it("numbers JSON cannot carry (1e400 -> Infinity) and lone surrogates make the entry invalid", async () => {
    const { did, log } = await makeLog(1);
    for (const bad of ['"n":1e400,', '"s":"\\ud800",']) {
      const text = serializeLog(log).replace('"state":{', `"state":{${bad}`);
      expect((await verifyLog(parseLog(text), { did })).error?.name).toBe("EntryShapeError");
    }
  });
  it("CRLF line endings are tolerated (JSON white space); empty lines in the middle are not", async () => {
    const { did, log } = await makeLog(2);
    const crlf = serializeLog(log).replaceAll("\n", "\r\n");
    expect((await verifyLog(parseLog(crlf), { did })).error).toBeUndefined();
    expect(parseError(serializeLog(log).replace("\n", "\n\n"))).toMatchObject({ name: "LogParseError", line: 2 });
  });
});

describe("hostile log entries", () => {
  it("duplicated entry -> VersionNumberError at the copy", async () => {
    const { did, log } = await makeLog(2);
    const result = await verifyLog([log[0]!, log[1]!, log[1]!], { did });
    expect(result.error).toMatchObject({ name: "VersionNumberError", entryIndex: 2 });
    expect(result.entries).toHaveLength(2);
  });
  it("reordered entries -> VersionNumberError where the order breaks", async () => {
    const { did, log } = await makeLog(3);
    expect((await verifyLog([log[1]!, log[0]!, log[2]!], { did })).error).toMatchObject({ name: "VersionNumberError", entryIndex: 0 });
  });
  it("an entry renumbered to fill a gap -> HashChainError", async () => {
    const { did, log } = await makeLog(3);
    const gap = structuredClone([log[0]!, log[2]!]);
    gap[1]!.versionId = gap[1]!.versionId.replace(/^3-/, "2-");
    expect((await verifyLog(gap, { did })).error).toMatchObject({ name: "HashChainError", entryIndex: 1 });
  });
  it("signed with the wrong key -> UnauthorizedKeyError; a second, unauthorised proof too", async () => {
    const { did, log } = await makeLog(1);
    const wrong = await forgeNext(log, testSigner(66), { versionTime: at(1) });
    expect((await verifyLog([...log, wrong], { did })).error).toMatchObject({ name: "UnauthorizedKeyError", entryIndex: 1 });
    const good = await forgeNext(log, testSigner(1), { versionTime: at(1) });
    const twoProofs = { ...good, proof: [...good.proof, ...wrong.proof] };
    expect((await verifyLog([...log, twoProofs], { did })).error).toMatchObject({ name: "UnauthorizedKeyError", entryIndex: 1 });
  });
  it("a proof copied from another entry -> SignatureError", async () => {
    const { did, log } = await makeLog(3);
    const copied = structuredClone(log);
    copied[2]!.proof = copied[1]!.proof;
    expect((await verifyLog(copied, { did })).error).toMatchObject({ name: "SignatureError", entryIndex: 2 });
  });
  it("one tampered byte of the state -> HashChainError at that entry, prefix kept", async () => {
    const { did, log } = await makeLog(4);
    const text = serializeLog(log);
    const lines = text.split("\n");
    lines[2] = lines[2]!.replace('"Inspected"', '"Inspectec"');
    const result = await verifyLog(parseLog(lines.join("\n")), { did });
    expect(result.error).toMatchObject({ name: "HashChainError", entryIndex: 2, versionId: log[2]!.versionId });
    expect(result.entries.map((e) => e.versionId)).toEqual([log[0]!.versionId, log[1]!.versionId]);
  });
  it("empty proof array, proof not an array, malformed proofValue, unknown cryptosuite", async () => {
    const { did, log } = await makeLog(2);
    const variants: ((e: LogEntry) => void)[] = [
      (e) => (e.proof = []),
      (e) => ((e as unknown as { proof: unknown }).proof = e.proof[0]),
      (e) => (e.proof[0]!.proofValue = "zNOT-BASE58"),
      (e) => (e.proof[0]!.proofValue = "u" + e.proof[0]!.proofValue.slice(1)),
      (e) => ((e.proof[0] as { cryptosuite: string }).cryptosuite = "ecdsa-jcs-2019"),
      (e) => (e.proof[0]!.verificationMethod = "did:web:example.com#key-1"),
    ];
    for (const mutate of variants) {
      const copy = structuredClone(log);
      mutate(copy[1]!);
      const result = await verifyLog(copy, { did });
      expect(result.error?.verdict).toBe("invalid");
      expect(result.error?.entryIndex).toBe(1);
    }
  });
  it("a proofValue of a megabyte -> SignatureError at once (base58 decoding is quadratic: never tried)", async () => {
    const { did, log } = await makeLog(2);
    for (const value of ["z" + "2".repeat(1024 * 1024 - 4096), "z" + "1".repeat(65) + "2".repeat(23), "z" + "z".repeat(89)]) {
      const copy = structuredClone(log);
      copy[1]!.proof[0]!.proofValue = value;
      // Decoding the megabyte would take ~90 s here, past the test timeout: the refusal is a length check.
      const result = await verifyLog(copy, { did });
      expect(result.error?.name).toBe("SignatureError");
      expect(result.error?.entryIndex).toBe(1);
      expect(result.error?.details ?? result.error?.message).toMatch(/64-byte/);
    }
  });
  it("pre-rotation over 10,000 committed keys: the rotation to all of them is accepted, one more is refused", async () => {
    // Membership in the previous nextKeyHashes is a Set lookup: with Array.includes, 20,000 keys against
    // 20,000 hashes (one entry within the 1 MiB line limit) took 5 s.
    const signer = testSigner(2);
    const others = Array.from({ length: 9_999 }, (_, i) => `z6Mk${"A".repeat(40)}${String(i).padStart(6, "0")}`);
    const { did, log } = await makeLog(1, { parameters: { nextKeyHashes: [keyHash(signer.publicKeyMultibase), ...others.map(keyHash)] } });
    const rotate = (updateKeys: string[]) => forgeNext(log, signer, { versionTime: at(1), parameters: { updateKeys, nextKeyHashes: [] } });
    expect((await verifyLog([...log, await rotate([...others, signer.publicKeyMultibase])], { did })).error).toBeUndefined();
    const result = await verifyLog([...log, await rotate([...others, "z6MkNotCommitted", signer.publicKeyMultibase])], { did });
    expect(result.error?.name).toBe("PreRotationError");
    expect(result.error?.details).toBe("z6MkNotCommitted");
  });
  it("a long updateKeys list (looked up in a Set): a key in it signs the next entry, a key outside does not", async () => {
    const signer = testSigner(1);
    const others = Array.from({ length: 39 }, (_, i) => `z6Mk${"B".repeat(40)}${String(i).padStart(4, "0")}`);
    for (const keys of [[...others, signer.publicKeyMultibase], [signer.publicKeyMultibase, ...others]]) {
      const { did, log } = await makeLog(1, { signer, parameters: { updateKeys: keys } });
      expect((await verifyLog([...log, await forgeNext(log, signer, { versionTime: at(1) })], { did })).error).toBeUndefined();
      const outsider = await forgeNext(log, testSigner(7), { versionTime: at(1) });
      expect((await verifyLog([...log, outsider], { did })).error?.name).toBe("UnauthorizedKeyError");
    }
  });
  it("garbage in place of entries: verifyLog never throws", async () => {
    for (const garbage of [[null], [1], ["x"], [[]], [{}], [{ versionId: 1 }], []] as unknown as LogEntry[][]) {
      const result = await verifyLog(garbage);
      expect(result.error?.verdict).toBe("invalid");
      expect(result.entries).toHaveLength(0);
    }
  });
  it("a versionId with a huge version number or a second dash -> VersionNumberError", async () => {
    const { did, log } = await makeLog(2);
    for (const id of ["99999999999999999999-Qm", "2-Qm-x", "-2", "2-"]) {
      const copy = structuredClone(log);
      copy[1]!.versionId = id;
      expect((await verifyLog(copy, { did })).error?.name).toMatch(/VersionNumberError|HashChainError/);
    }
  });
  it("a log of another DID served at this DID's URL -> invalidDid, nothing resolved", async () => {
    const mine = await makeLog(1);
    const theirs = await makeLog(2, { signer: testSigner(9) });
    const result = await resolveDid(mine.did, serializeLog(theirs.log));
    expect(result.didResolutionMetadata).toMatchObject({ error: "invalidDid", errorName: "DidMismatchError" });
    expect(result.didDocument).toBeNull();
  });
});
