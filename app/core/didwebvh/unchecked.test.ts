/**
 * A signature that could not be checked at all is "unverifiable", never "invalid": the Ed25519 code failing
 * to load (the lazily loaded @noble/curves chunk, where WebCrypto has no Ed25519) proves nothing about
 * the log. A verifier that answers "no" still makes it invalid.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createWitnessProof } from "./witness.ts";
import { makeLog, testSigner } from "./testkit/logs.ts";
import { createLog } from "./create.ts";
import { SignatureUncheckedError } from "./errors.ts";
import { verifyLog } from "./verify.ts";

afterEach(() => {
  vi.doUnmock("@noble/curves/ed25519.js");
  vi.resetModules();
});

describe("signatures that could not be checked", () => {
  it("the noble fallback failing to load: unverifiable (SignatureUncheckedError), not a bad signature; it loads on the next try", async () => {
    const { did, log } = await makeLog(3);
    vi.resetModules();
    vi.doMock("@noble/curves/ed25519.js", () => {
      throw new Error("simulated: the chunk failed to load");
    });
    const keys = await import("./keys.ts");
    const { verifyLog: verifyFresh } = await import("./verify.ts");
    keys._useNobleOnly(true);
    const result = await verifyFresh(log, { did });
    expect(result.error).toMatchObject({ name: "SignatureUncheckedError", verdict: "unverifiable", entryIndex: undefined });
    expect(result.error!.message).toMatch(/^The Ed25519 verifier could not be loaded/);
    expect(result.entries).toHaveLength(0);

    // Once the chunk can be had again, the same log verifies (the failed import is not kept).
    vi.doUnmock("@noble/curves/ed25519.js");
    expect((await verifyFresh(log, { did })).error).toBeUndefined();
    keys._useNobleOnly(false);
  });

  it("an injected verifier that cannot run ends the valid prefix as unverifiable; one that says no, as invalid", async () => {
    const { did, log } = await makeLog(3);
    let calls = 0;
    const unavailableFromSecond = () => {
      if (++calls >= 2) throw new SignatureUncheckedError("The Ed25519 verifier could not be loaded");
      return true;
    };
    const unchecked = await verifyLog(log, { did, verifier: unavailableFromSecond });
    expect(unchecked.error).toMatchObject({ name: "SignatureUncheckedError", verdict: "unverifiable" });
    expect(unchecked.entries).toHaveLength(1);

    const refused = await verifyLog(log, { did, verifier: () => false });
    expect(refused.error).toMatchObject({ name: "SignatureError", verdict: "invalid", entryIndex: 0 });
    // A verifier failing in any other way is still read as "does not verify" (a key it refuses to import).
    const quirky = await verifyLog(log, { did, verifier: () => { throw new TypeError("bad key"); } });
    expect(quirky.error).toMatchObject({ name: "SignatureError", verdict: "invalid" });
  });

  it("witness approvals that could not be checked leave the witnessed entries unproven (unverifiable), not 'threshold not met'", async () => {
    const witness = testSigner(7);
    const { did, log } = await createLog({
      host: "example.com",
      path: ["w"],
      signer: testSigner(1),
      versionTime: "2025-04-01T00:00:00Z",
      parameters: { witness: { threshold: 1, witnesses: [{ id: witness.verificationMethod.split("#")[0]! }] } },
      document: () => ({}),
    });
    const approvals = [{ versionId: log[0]!.versionId, proof: [await createWitnessProof(witness, log[0]!.versionId, "2025-04-01T00:00:01Z")] }];
    expect((await verifyLog(log, { did, witness: approvals })).error).toBeUndefined();
    // The log's own signature checks out; the witness's cannot be checked.
    const logKey = testSigner(1).publicKeyMultibase;
    const verifier = (_s: Uint8Array, _m: Uint8Array, _k: Uint8Array, cacheKey?: string) => {
      if (cacheKey === logKey) return true;
      throw new SignatureUncheckedError("The Ed25519 verifier could not be loaded");
    };
    const result = await verifyLog(log, { did, witness: approvals, verifier });
    expect(result.error).toMatchObject({ name: "SignatureUncheckedError", verdict: "unverifiable" });
    expect(result.entries).toHaveLength(0);
  });
});
