/**
 * Our base58btc against @scure/base's (the library it replaces on the hot path): the same text for any
 * bytes, the same bytes back for any text of the alphabet, and a refusal for anything else.
 */
import { base58 } from "@scure/base";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase58, encodeBase58 } from "./base58.ts";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const refused = (f: () => unknown) => {
  try {
    f();
    return false;
  } catch {
    return true;
  }
};

describe("base58btc", () => {
  it("encodes as @scure/base does (leading zeros, empty, 32-64 byte keys and signatures) and decodes back", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.uint8Array({ minLength: 30, maxLength: 66 })).map(([z, b]) => Uint8Array.from([...new Array<number>(z).fill(0), ...b])),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const text = encodeBase58(b);
        expect(text).toBe(base58.encode(b));
        expect(decodeBase58(text)).toEqual(Uint8Array.from(b));
      }),
      { numRuns: 2000 },
    );
  });
  it("decodes any text of the alphabet as @scure/base does, and refuses the same others", () => {
    const text = fc.string({ unit: fc.constantFrom(...ALPHABET, "0", "O", "I", "l", "+", "/", " ", "é", "\u{1F600}"), maxLength: 100 });
    fc.assert(
      fc.property(text, (t) => {
        const theirs = refused(() => base58.decode(t));
        expect(refused(() => decodeBase58(t))).toBe(theirs);
        if (!theirs) expect(decodeBase58(t)).toEqual(base58.decode(t));
      }),
      { numRuns: 2000 },
    );
  });
  it("agrees on long inputs and on the largest digits (every limb at its maximum)", () => {
    const long = fc.oneof(fc.uint8Array({ minLength: 80, maxLength: 700 }), fc.integer({ min: 0, max: 700 }).map((n) => new Uint8Array(n).fill(0xff)));
    fc.assert(
      fc.property(long, (b) => {
        expect(encodeBase58(b)).toBe(base58.encode(b));
        expect(decodeBase58(base58.encode(b))).toEqual(b);
      }),
      { numRuns: 300 },
    );
    for (let n = 0; n <= 1000; n += 7) expect(decodeBase58("z".repeat(n))).toEqual(base58.decode("z".repeat(n)));
  });
  it("a 64-byte signature is at most 88 characters (proof.ts refuses longer proofValues undecoded)", () => {
    const signature = fc.tuple(fc.integer({ min: 0, max: 64 }), fc.uint8Array({ minLength: 64, maxLength: 64 })).map(([z, b]) => b.fill(0, 0, z));
    fc.assert(
      fc.property(signature, (b) => {
        expect(encodeBase58(b).length).toBeLessThanOrEqual(88);
      }),
    );
    expect(encodeBase58(new Uint8Array(64).fill(0xff))).toHaveLength(88);
  });
  it("known vectors", () => {
    expect(encodeBase58(new Uint8Array())).toBe("");
    expect(encodeBase58(Uint8Array.from([0, 0, 1]))).toBe("112");
    expect(encodeBase58(new TextEncoder().encode("Hello World!"))).toBe("2NEpo7TZRRrLZSi2U");
    expect(decodeBase58("111")).toEqual(new Uint8Array(3));
    expect(() => decodeBase58("0OIl")).toThrow(RangeError);
  });
});
