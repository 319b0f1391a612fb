import { ed25519 } from "@noble/curves/ed25519.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { serializeLog, parseLog } from "./log.ts";
import { nodeEd25519Verify } from "./nodeVerify.node.ts";
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
});
