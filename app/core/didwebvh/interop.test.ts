/** Differential tests against the reference library didwebvh-ts, both ways. */
import { describe, expect, it } from "vitest";
import type { LogEntry } from "../types.ts";
import { keyHash } from "./hash.ts";
import { resolveDid } from "./resolve.ts";
import { serializeLog } from "./log.ts";
import { createLog } from "./create.ts";
import { forgeFirst } from "./testkit/forge.ts";
import { at, makeLog, testSigner } from "./testkit/logs.ts";
import { nobleVerifier, ref, referenceKey, referenceLog, webCryptoVerifier } from "./testkit/reference.ts";
import { verifyLog } from "./verify.ts";

describe("didwebvh-ts interop", () => {
  it("a log made by didwebvh-ts verifies in ours, and resolves to the same document", async () => {
    const { did, log } = await referenceLog({ entries: 5 });
    const ours = await verifyLog(log as unknown as LogEntry[], { did });
    expect(ours.error).toBeUndefined();
    expect(ours.entries).toHaveLength(5);
    const theirs = await ref.resolveDIDFromLog(log, { verifier: nobleVerifier });
    const resolved = await resolveDid(did, serializeLog(log as unknown as LogEntry[]));
    expect(resolved.didDocument).toEqual(theirs.doc);
    expect(resolved.didDocumentMetadata).toMatchObject({ versionId: theirs.meta.versionId, scid: theirs.meta.scid, created: theirs.meta.created, updated: theirs.meta.updated });
  });

  it("a log made by ours resolves in didwebvh-ts to the same document", async () => {
    const { did, log } = await makeLog(4);
    const theirs = await ref.resolveDIDFromLog(log as never, { verifier: webCryptoVerifier() });
    expect(theirs.did).toBe(did);
    const ours = await resolveDid(did, serializeLog(log));
    expect(ours.didResolutionMetadata.error).toBeUndefined();
    expect(ours.didDocument).toEqual(theirs.doc);
    expect(theirs.meta.versionId).toBe(log[3]!.versionId);
  });

  it("computes the same pre-rotation key hash as didwebvh-ts", async () => {
    const key = referenceKey();
    expect(keyHash(key.multikey)).toBe(await ref.deriveNextKeyHash(key.multikey));
  });
});

describe("didwebvh-ts interop: where we are stricter, and why (spec text quoted)", () => {
  async function referenceOk(log: LogEntry[]): Promise<boolean> {
    try {
      const r = await ref.resolveDIDFromLog(structuredClone(log) as never, { verifier: webCryptoVerifier() });
      return !!r.doc && !r.meta.error;
    } catch {
      return false;
    }
  }

  it("an unknown parameter: 'The parameters object MUST only include properties defined in the version ... being used'", async () => {
    const k = testSigner(1);
    const { entry } = await forgeFirst(
      {
        versionTime: at(0),
        parameters: { method: "did:webvh:1.0", scid: "{SCID}", updateKeys: [k.publicKeyMultibase], unknownParameter: true },
        state: { id: "did:webvh:{SCID}:example.com" },
      },
      k,
    );
    const ours = await verifyLog([entry]);
    expect(ours.error?.name).toBe("ParameterError");
    // didwebvh-ts ignores parameters it does not know.
    expect(await referenceOk([entry])).toBe(true);
  });

  it("a versionTime a minute ahead of the resolver's clock: 'The versionTime of the last entry MUST be earlier than the current time'", async () => {
    const soon = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const { log } = await createLog({ host: "example.com", signer: testSigner(1), document: () => ({}), versionTime: soon });
    expect((await verifyLog(log)).error?.name).toBe("VersionTimeError");
    // didwebvh-ts tolerates up to 5 minutes of clock skew; ours does only when asked (clockSkewMs).
    expect(await referenceOk(log)).toBe(true);
    expect((await verifyLog(log, { clockSkewMs: 5 * 60_000 })).error).toBeUndefined();
  });
});

describe("didwebvh-ts interop: witnesses and pre-rotation", () => {
  it("a witnessed log and did-witness.json made by didwebvh-ts verify in ours, and ours in theirs", async () => {
    const controller = referenceKey();
    const witnesses = [referenceKey(), referenceKey()];
    const witness = { threshold: 2, witnesses: witnesses.map((w) => ({ id: `did:key:${w.multikey}` })) };
    const created = await ref.createDID({
      domain: "example.com",
      signer: controller.signer,
      updateKeys: [controller.multikey],
      verificationMethods: [{ type: "Multikey", publicKeyMultibase: controller.multikey }],
      witness,
      created: "2025-01-01T00:00:00Z",
      verifier: webCryptoVerifier(),
    });
    const signers = Object.fromEntries(witnesses.map((w) => [`did:key:${w.multikey}`, w.signer]));
    const file = [await ref.signWitnessProofEntry({ versionId: created.log[0]!.versionId, witnesses: witness.witnesses, witnessSignersByDid: signers, created: "2025-01-01T00:00:00Z" })];
    const log = created.log as unknown as LogEntry[];
    const ours = await verifyLog(log, { did: created.did, witness: file as never });
    expect(ours.error).toBeUndefined();
    expect((await verifyLog(log, { did: created.did, witness: [] })).error?.name).toBe("WitnessError");
    const theirs = await ref.resolveDIDFromLog(created.log, { verifier: webCryptoVerifier(), witnessProofs: file });
    expect(theirs.doc?.id).toBe(created.did);
  });

  it("a pre-rotation log made by didwebvh-ts verifies in ours", async () => {
    const k1 = referenceKey();
    const k2 = referenceKey();
    const k3 = referenceKey();
    const created = await ref.createDID({
      domain: "example.com",
      signer: k1.signer,
      updateKeys: [k1.multikey],
      nextKeyHashes: [await ref.deriveNextKeyHash(k2.multikey)],
      verificationMethods: [{ type: "Multikey", publicKeyMultibase: k1.multikey }],
      created: "2025-01-01T00:00:00Z",
      verifier: webCryptoVerifier(),
    });
    const updated = await ref.updateDID({
      log: created.log,
      signer: k2.signer,
      updateKeys: [k2.multikey],
      nextKeyHashes: [await ref.deriveNextKeyHash(k3.multikey)],
      updated: "2025-01-01T00:01:00Z",
      verifier: webCryptoVerifier(),
    });
    const ours = await verifyLog(updated.log as unknown as LogEntry[], { did: created.did });
    expect(ours.error).toBeUndefined();
    expect(ours.entries[1]!.parameters.nextKeyHashes).toEqual([keyHash(k3.multikey)]);
  });
});
