import { describe, expect, it } from "vitest";
import { appendEntry, createLog } from "./create.ts";
import { parseLog, serializeLog } from "./log.ts";
import { makeLog, at, testSigner } from "./testkit/logs.ts";
import { verifyLog } from "./verify.ts";

describe("create + append + verify", () => {
  it("round trip: createLog + appendEntry x3 verifies, through did.jsonl text", async () => {
    const { did, log } = await makeLog(4, { host: "localhost:8787", path: "passports/w-000001" });
    expect(did).toMatch(/^did:webvh:Qm[1-9A-HJ-NP-Za-km-z]{44}:localhost%3A8787:passports:w-000001$/);
    const result = await verifyLog(parseLog(serializeLog(log)), { did, now: Date.UTC(2026, 0, 1) });
    expect(result.error).toBeUndefined();
    expect(result.did).toBe(did);
    expect(result.entries.map((e) => e.versionNumber)).toEqual([1, 2, 3, 4]);
    expect(result.entries[3]!.state.service).toHaveLength(3);
    expect(result.entries[0]!.parameters).toMatchObject({ method: "did:webvh:1.0", scid: result.scid, portable: false, ttl: 3600 });
    expect(result.deactivated).toBe(false);
  });

  it("is deterministic: same inputs, same log", async () => {
    const a = await makeLog(2);
    const b = await makeLog(2);
    expect(serializeLog(a.log)).toBe(serializeLog(b.log));
  });

  it("sets the proof's created to versionTime and proofPurpose to assertionMethod", async () => {
    const { log } = await makeLog(2);
    expect(log[1]!.proof[0]).toMatchObject({ created: at(1), proofPurpose: "assertionMethod", cryptosuite: "eddsa-jcs-2022" });
  });

  it("reports the first failure with its entry and keeps the valid prefix", async () => {
    const { did, log } = await makeLog(4);
    const tampered = structuredClone(log);
    (tampered[2]!.state as Record<string, unknown>).controller = "did:example:evil";
    const result = await verifyLog(tampered, { did });
    expect(result.entries).toHaveLength(2);
    expect(result.error?.name).toBe("HashChainError");
    expect(result.error?.entryIndex).toBe(2);
    expect(result.error?.versionId).toBe(log[2]!.versionId);
  });

  it("refuses to append with a key that is not authorised", async () => {
    const { log } = await makeLog(1);
    await expect(appendEntry(log, { signer: testSigner(99), document: (p) => p, versionTime: at(1) })).rejects.toMatchObject({
      name: "UnauthorizedKeyError",
    });
  });

  it("appends many entries in the same second with default times that are increasing and not in the future", async () => {
    const signer = testSigner(5);
    const { did, log } = await createLog({ host: "example.com", signer, document: () => ({}) });
    for (let i = 0; i < 5; i++) log.push(await appendEntry(log, { signer, document: (p) => p }));
    expect((await verifyLog(log, { did })).error).toBeUndefined();
  });

  it("refuses a versionTime that is not after the previous entry", async () => {
    const { log, signer } = await makeLog(2);
    await expect(appendEntry(log, { signer, document: (p) => p, versionTime: at(1) })).rejects.toMatchObject({ name: "VersionTimeError" });
  });

  it("verifies the SCID when a property name holds it (the replacement changes the key order)", async () => {
    const signer = testSigner(4);
    // "{SCID}-note" sorts after "Z-last" and "id" ('{' is 0x7b); once the placeholder is replaced by
    // the SCID ("Qm..."), it sorts first: the SCID check must re-sort (re-canonicalise).
    const { did, log } = await createLog({
      host: "example.com",
      signer,
      document: () => ({ "{SCID}-note": "a", "Z-last": "b" }),
      versionTime: at(0),
    });
    expect(Object.keys(log[0]!.state)).toContain(`${log[0]!.parameters.scid}-note`);
    expect((await verifyLog(log, { did })).error).toBeUndefined();
  });

  it("creates with placeholders replaced everywhere the DID appears", async () => {
    const signer = testSigner(3);
    const { did, log } = await createLog({
      host: "example.com",
      signer,
      document: (id) => ({ verificationMethod: [{ id: `${id}#key-1`, type: "Multikey", controller: id, publicKeyMultibase: signer.publicKeyMultibase }], assertionMethod: [`${id}#key-1`] }),
      versionTime: at(0),
    });
    expect(JSON.stringify(log[0])).not.toContain("{SCID}");
    expect(log[0]!.state.assertionMethod).toEqual([`${did}#key-1`]);
    expect((await verifyLog(log, { did })).error).toBeUndefined();
  });
});
