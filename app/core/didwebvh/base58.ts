/**
 * base58btc (the Bitcoin alphabet), as did:webvh uses it for SCIDs, entry hashes, multikeys and proof
 * values: the same encoding as `base58` of @scure/base, which base58.test.ts holds it to.
 *
 * Written here because verifying a log decodes a signature and encodes an entry hash per entry, and
 * @scure/base's generic radix conversion (arrays of numbers, a copy per step) was about 8 of the 97 MB
 * a 600-log audit allocated, and ~20 ms of its main thread. This is the classic in-place conversion, two
 * digits at a time: decoding folds pairs of base58 digits (58^2 = 3364) into 16-bit limbs, encoding folds
 * pairs of bytes into base-3364 limbs, so every intermediate stays a small integer (below 2^28) and the
 * loops run about 4 times fewer steps than byte by byte (64-byte signatures: 3000 decoded in ~5 ms warm
 * against ~23 ms; 3000 multihashes encoded in ~2 against ~10).
 */

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;
/** Each base-3364 limb (two base58 digits) as its two characters. */
const PAIR: string[] = [];
for (let v = 0; v < 3364; v++) PAIR.push(ALPHABET[(v / 58) | 0]! + ALPHABET[v % 58]!);

/** base58btc of `bytes` (each leading zero byte is a leading "1"). */
export function encodeBase58(bytes: Uint8Array): string {
  const n = bytes.length;
  let zeros = 0;
  while (zeros < n && bytes[zeros] === 0) zeros++;
  // Base-3364 limbs, most significant first (log(256) / log(3364) < 0.683: limbs per byte).
  const size = (((n - zeros) * 683) / 1000 + 2) | 0;
  const digits = new Uint16Array(size);
  let length = 0;
  // Pairs of bytes; an odd count starts with the first byte alone.
  for (let i = zeros; i < n; ) {
    const pair = i > zeros || ((n - zeros) & 1) === 0;
    let carry = pair ? (bytes[i]! << 8) | bytes[i + 1]! : bytes[i]!;
    const scale = pair ? 65536 : 256;
    i += pair ? 2 : 1;
    let k = 0;
    for (let j = size - 1; (carry !== 0 || k < length) && j >= 0; j--, k++) {
      carry += scale * digits[j]!;
      digits[j] = carry % 3364;
      carry = (carry / 3364) | 0;
    }
    length = k;
  }
  let out = "1".repeat(zeros);
  let j = size - length;
  while (j < size && digits[j] === 0) j++;
  if (j < size) {
    const top = digits[j++]!;
    out += top >= 58 ? PAIR[top]! : ALPHABET[top]!;
  }
  for (; j < size; j++) out += PAIR[digits[j]!]!;
  return out;
}

/** The bytes of a base58btc text. Throws a RangeError on any character outside the alphabet. */
export function decodeBase58(text: string): Uint8Array {
  const n = text.length;
  let zeros = 0;
  while (zeros < n && text.charCodeAt(zeros) === 49) zeros++;
  // 16-bit limbs, most significant first (log(58) / log(65536) < 0.367: limbs per character).
  const size = (((n - zeros) * 367) / 1000 + 2) | 0;
  const limbs = new Uint16Array(size);
  let length = 0;
  let i = zeros;
  const odd = (n - zeros) & 1;
  while (i < n) {
    const take = odd && i === zeros ? 1 : 2;
    let carry = 0;
    for (let end = i + take; i < end; i++) {
      const code = text.charCodeAt(i);
      const d = code < 128 ? DIGIT[code]! : -1;
      if (d < 0) throw new RangeError(`not a base58btc character at ${i}`);
      carry = carry * 58 + d;
    }
    const scale = take === 2 ? 3364 : 58;
    let k = 0;
    for (let j = size - 1; (carry !== 0 || k < length) && j >= 0; j--, k++) {
      carry += scale * limbs[j]!;
      limbs[j] = carry & 0xffff;
      carry >>>= 16;
    }
    length = k;
  }
  // Big-endian bytes, without the top limb's leading zero byte.
  let j = size - length;
  while (j < size && limbs[j] === 0) j++;
  const topBytes = j < size ? (limbs[j]! > 0xff ? 2 : 1) : 0;
  const out = new Uint8Array(zeros + (j < size ? (size - j - 1) * 2 + topBytes : 0));
  let o = zeros;
  if (topBytes === 2) out[o++] = limbs[j]! >> 8;
  if (topBytes) out[o++] = limbs[j++]! & 0xff;
  for (; j < size; j++) {
    out[o++] = limbs[j]! >> 8;
    out[o++] = limbs[j]! & 0xff;
  }
  return out;
}
