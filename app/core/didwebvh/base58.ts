/**
 * base58btc (the Bitcoin alphabet), as did:webvh uses it for SCIDs, entry hashes, multikeys and proof
 * values: the same encoding as `base58` of @scure/base, which base58.test.ts holds it to.
 *
 * Written here because verifying a log decodes a signature and encodes an entry hash per entry, and
 * @scure/base's generic radix conversion (arrays of numbers, a copy per step) was about 8 of the 97 MB
 * a 600-log audit allocated, and ~20 ms of its main thread; this is the classic in-place byte-array
 * conversion (O(n^2) on 32-64 bytes), allocating only its result.
 */

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** base58btc of `bytes` (each leading zero byte is a leading "1"). */
export function encodeBase58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // log(256) / log(58) < 1.366: digits needed for the rest.
  const size = (((bytes.length - zeros) * 1366) / 1000 + 1) | 0;
  const digits = new Uint8Array(size);
  let length = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    let k = 0;
    for (let j = size - 1; (carry !== 0 || k < length) && j >= 0; j--, k++) {
      carry += 256 * digits[j]!;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    length = k;
  }
  let out = "1".repeat(zeros);
  for (let j = size - length; j < size; j++) out += ALPHABET[digits[j]!];
  return out;
}

/** The bytes of a base58btc text. Throws a RangeError on any character outside the alphabet. */
export function decodeBase58(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text.charCodeAt(zeros) === 49 /* "1" */) zeros++;
  // log(58) / log(256) < 0.733: bytes needed for the rest.
  const size = (((text.length - zeros) * 733) / 1000 + 1) | 0;
  const bytes = new Uint8Array(size);
  let length = 0;
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let carry = code < 128 ? DIGIT[code]! : -1;
    if (carry < 0) throw new RangeError(`not a base58btc character at ${i}`);
    let k = 0;
    for (let j = size - 1; (carry !== 0 || k < length) && j >= 0; j--, k++) {
      carry += 58 * bytes[j]!;
      bytes[j] = carry & 0xff;
      carry >>>= 8;
    }
    length = k;
  }
  const out = new Uint8Array(zeros + length);
  out.set(bytes.subarray(size - length), zeros);
  return out;
}
