import { ed25519 } from "@noble/curves/ed25519.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import { afterEach, describe, expect, it } from "vitest";
import { hashText, keyHash } from "./hash.ts";
import { _useNobleOnly, decodeMultikey, encodeMultikey, multikeyOfDidKey, verifyEd25519 } from "./keys.ts";
import { signerFromSecretKey } from "./signer.ts";

// RFC 8032 section 7.1, TEST 2.
const SEED = hexToBytes("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
const PUB = hexToBytes("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
const MSG = hexToBytes("72");
const SIG = hexToBytes(
  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
);

afterEach(() => _useNobleOnly(false));

describe("Ed25519 keys", () => {
  it("encodes and decodes multikeys (z6Mk..., 0xed01 prefix)", () => {
    const mk = encodeMultikey(PUB);
    expect(mk.startsWith("z6Mk")).toBe(true);
    expect(decodeMultikey(mk)).toEqual(PUB);
    expect(() => decodeMultikey("z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc")).toThrow(); // X25519
    expect(() => decodeMultikey("not a key")).toThrow();
  });

  it("derives the RFC 8032 public key and signature from the seed", async () => {
    const signer = signerFromSecretKey(SEED);
    expect(decodeMultikey(signer.publicKeyMultibase)).toEqual(PUB);
    expect(signer.verificationMethod).toBe(`did:key:${signer.publicKeyMultibase}#${signer.publicKeyMultibase}`);
    expect(await signer.sign(MSG)).toEqual(SIG);
  });

  for (const path of ["WebCrypto", "noble"] as const) {
    it(`verifies strictly (RFC 8032) through ${path}`, async () => {
      _useNobleOnly(path === "noble");
      expect(await verifyEd25519(SIG, MSG, PUB)).toBe(true);
      expect(await verifyEd25519(SIG, hexToBytes("73"), PUB)).toBe(false);
      const flipped = SIG.slice();
      flipped[5]! ^= 1;
      expect(await verifyEd25519(flipped, MSG, PUB)).toBe(false);
      // S + L: the same point equation holds, but RFC 8032 requires S < L (malleability).
      const L = 2n ** 252n + 27742317777372353535851937790883648493n;
      let s = 0n;
      for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(SIG[32 + i]!);
      const sPlusL = s + L;
      const malleable = SIG.slice();
      for (let i = 0; i < 32; i++) malleable[32 + i] = Number((sPlusL >> BigInt(8 * i)) & 0xffn);
      expect(await verifyEd25519(malleable, MSG, PUB)).toBe(false);
      expect(await verifyEd25519(SIG.subarray(0, 63), MSG, PUB)).toBe(false);
    });
  }

  it("rejects non-canonical encodings of A and R (y >= p) on every path", async () => {
    const nonCanonicalY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xee : i === 31 ? 0x7f : 0xff)); // p + 1
    for (const noble of [false, true]) {
      _useNobleOnly(noble);
      expect(await verifyEd25519(SIG, MSG, nonCanonicalY)).toBe(false);
      const badR = SIG.slice();
      badR.set(nonCanonicalY, 0);
      expect(await verifyEd25519(badR, MSG, PUB)).toBe(false);
    }
  });

  it("agrees with noble on random signatures and keys", async () => {
    for (let i = 0; i < 20; i++) {
      const seed = ed25519.utils.randomSecretKey();
      const msg = crypto.getRandomValues(new Uint8Array(64));
      const sig = ed25519.sign(msg, seed);
      expect(await verifyEd25519(sig, msg, ed25519.getPublicKey(seed))).toBe(true);
    }
  });

  it("reads did:key DIDs and verification methods (the fragment must be the key)", () => {
    const mk = encodeMultikey(PUB);
    expect(multikeyOfDidKey(`did:key:${mk}`)).toBe(mk);
    expect(multikeyOfDidKey(`did:key:${mk}#${mk}`)).toBe(mk);
    expect(multikeyOfDidKey(`did:key:${mk}#other`)).toBeUndefined();
    expect(multikeyOfDidKey(`did:web:${mk}`)).toBeUndefined();
  });

  it("hashes keys for nextKeyHashes as base58btc(multihash(sha256(multikey)))", () => {
    // didwebvh-ts deriveNextKeyHash of this key (checked in interop.test.ts as well).
    const mk = encodeMultikey(PUB);
    expect(keyHash(mk)).toBe(hashText(mk));
    expect(keyHash(mk)).toMatch(/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/);
  });
});

describe("Ed25519 differential (property)", () => {
  it("the WebCrypto path, the noble fallback and noble strict (zip215: false) agree on mutated signatures and keys", async () => {
    const fc = (await import("fast-check")).default;
    const seed = ed25519.utils.randomSecretKey();
    const pub = ed25519.getPublicKey(seed);
    const msg = Uint8Array.from([1, 2, 3]);
    const sig = ed25519.sign(msg, seed);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 95 }), fc.integer({ min: 1, max: 255 }), async (position, xor) => {
        const s = sig.slice();
        const k = pub.slice();
        if (position < 64) s[position]! ^= xor;
        else k[position - 64]! ^= xor;
        const strict = (() => {
          try {
            return ed25519.verify(s, msg, k, { zip215: false });
          } catch {
            return false;
          }
        })();
        _useNobleOnly(false);
        const web = await verifyEd25519(s, msg, k);
        _useNobleOnly(true);
        const noble = await verifyEd25519(s, msg, k);
        expect([web, noble]).toEqual([strict, strict]);
      }),
      { numRuns: 150 },
    );
  });
});
