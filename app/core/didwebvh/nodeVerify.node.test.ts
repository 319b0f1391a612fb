import { ed25519 } from "@noble/curves/ed25519.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { serializeLog, parseLog } from "./log.ts";
import fc from "fast-check";
import { afterEach } from "vitest";
import { nobleSha256, useSha256 } from "./hash.ts";
import { nodeEd25519Verify, nodeEd25519VerifyAsync, nodeSha256 } from "./nodeVerify.node.ts";
import { makeLog } from "./testkit/logs.ts";
import { verifyLog } from "./verify.ts";

describe("nodeEd25519Verify", () => {
  it("verifies the RFC 8032 vector and rejects a changed message", () => {
    const pub = hexToBytes("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    const sig = hexToBytes("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    expect(nodeEd25519Verify(sig, hexToBytes("72"), pub)).toBe(true);
    expect(nodeEd25519Verify(sig, hexToBytes("73"), pub)).toBe(false);
  });
  it("agrees with noble on random keys, and verifyLog accepts it as its verifier", async () => {
    for (let i = 0; i < 10; i++) {
      const seed = ed25519.utils.randomSecretKey();
      const msg = crypto.getRandomValues(new Uint8Array(40));
      expect(nodeEd25519Verify(ed25519.sign(msg, seed), msg, ed25519.getPublicKey(seed))).toBe(true);
    }
    const { did, log } = await makeLog(3);
    expect((await verifyLog(log, { did, verifier: nodeEd25519Verify })).error).toBeUndefined();
    const bad = parseLog(serializeLog(log));
    bad[2]!.proof[0]!.proofValue = log[1]!.proof[0]!.proofValue;
    expect((await verifyLog(bad, { did, verifier: nodeEd25519Verify })).error).toMatchObject({ name: "SignatureError", entryIndex: 2 });
  });

  it("the thread-pool variant gives the same answers, and false (never a throw) for a key OpenSSL refuses", async () => {
    for (let i = 0; i < 10; i++) {
      const seed = ed25519.utils.randomSecretKey();
      const msg = crypto.getRandomValues(new Uint8Array(40));
      const sig = ed25519.sign(msg, seed);
      expect(await nodeEd25519VerifyAsync(sig, msg, ed25519.getPublicKey(seed))).toBe(true);
      const other = Uint8Array.from(msg);
      other[0]! ^= 1;
      expect(await nodeEd25519VerifyAsync(sig, other, ed25519.getPublicKey(seed))).toBe(false);
    }
    expect(await nodeEd25519VerifyAsync(new Uint8Array(64), new Uint8Array(1), new Uint8Array(5))).toBe(false);
    const { did, log } = await makeLog(3);
    expect((await verifyLog(log, { did, verifier: nodeEd25519VerifyAsync })).error).toBeUndefined();
    const bad = parseLog(serializeLog(log));
    bad[1]!.proof[0]!.proofValue = log[2]!.proof[0]!.proofValue;
    expect((await verifyLog(bad, { did, verifier: nodeEd25519VerifyAsync })).error).toMatchObject({ name: "SignatureError", entryIndex: 1 });
  });

});

describe("nodeSha256", () => {
  afterEach(() => useSha256(nobleSha256));
  it("gives noble's digests, whole and incremental with clones, on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string(), fc.string(), (a, b, c) => {
        expect(Buffer.from(nodeSha256.text(a + b))).toEqual(Buffer.from(nobleSha256.text(a + b)));
        const n = nodeSha256.create().update(a);
        const m = nobleSha256.create().update(a);
        expect(Buffer.from(n.clone().update(b).digest())).toEqual(Buffer.from(m.clone().update(b).digest()));
        expect(Buffer.from(n.update(c).digest())).toEqual(Buffer.from(m.update(c).digest()));
      }),
      { numRuns: 300 },
    );
  });
  it("verifyLog gives the same results with either provider, good logs and tampered ones", async () => {
    const { did, log } = await makeLog(4);
    const tampered = parseLog(serializeLog(log).replace("Inspected", "Inspectex"));
    const results = [];
    for (const p of [nobleSha256, nodeSha256]) {
      useSha256(p);
      const good = await verifyLog(log, { did });
      const bad = await verifyLog(tampered, { did });
      results.push({ good: [good.error, good.entries.length, good.scid], bad: [bad.error?.name, bad.error?.entryIndex, bad.entries.length] });
    }
    expect(results[0]!.good).toEqual([undefined, 4, expect.stringMatching(/^Qm/)]);
    expect(results[0]!.bad[0]).toBe("HashChainError");
    expect(results[1]).toEqual(results[0]);
  });
});
