import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appendEntry, createLog } from "./create.ts";
import { testSigner } from "./testkit/logs.ts";
import { isAfter, parseUtcTime, parseUtcTimeParts } from "./time.ts";
import { verifyLog } from "./verify.ts";

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
};

/** The former implementation (a regular expression and a Date), kept as the oracle of the character-by-character one. */
function oracle(value: string) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|\+00:00)$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) return undefined;
  date.setUTCHours(h, mi, s, 0);
  const fraction = (m[7] ?? ".").slice(1).padEnd(9, "0");
  return { ms: date.getTime() + Number(fraction.slice(0, 3)), subMs: Number(fraction.slice(3)) };
}

describe("versionTime", () => {
  it("agrees with a Date-based reading on well-formed times and on near misses", () => {
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    const wellFormed = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.stringMatching(/^\.[0-9]{0,10}$/), { nil: "" }),
        fc.constantFrom("Z", "+00:00", "z", "+01:00", "", "Z "),
      )
      .map(([y, mo, d, h, mi, s, f, z]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${f}${z}`);
    // One character changed anywhere (a digit for a sign, a separator for a digit, a non-ASCII digit).
    const mutated = fc
      .tuple(wellFormed, fc.nat(), fc.constantFrom("-", "+", "T", ":", ".", " ", "a", "\u0661", "\uff10", "0", "9", ""))
      .map(([t, at, c]) => t.slice(0, at % (t.length + 1)) + c + t.slice((at % (t.length + 1)) + 1));
    fc.assert(
      fc.property(fc.oneof(wellFormed, mutated, fc.string({ maxLength: 40 })), (t) => {
        expect(parseUtcTimeParts(t)).toEqual(oracle(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it("years 0000-0099 are those years, not 1900-1999; leap days as the proleptic Gregorian calendar has them", () => {
    expect(parseUtcTime("0050-01-01T00:00:00Z")).toBe(utc(50, 1, 1));
    expect(parseUtcTime("0050-01-01T00:00:00Z")).toBeLessThan(parseUtcTime("1950-06-01T00:00:00Z")!);
    expect(parseUtcTime("0099-12-31T23:59:59Z")).toBeLessThan(parseUtcTime("0100-01-01T00:00:00Z")!);
    expect(parseUtcTime("0000-02-29T00:00:00Z")).toBe(utc(0, 2, 29)); // year 0 is a leap year (divisible by 400)
    for (const bad of ["0100-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2025-02-30T00:00:00Z", "0004-13-01T00:00:00Z"]) expect(parseUtcTime(bad), bad).toBeUndefined();
    expect(parseUtcTime("2000-02-29T12:34:56.789Z")).toBe(Date.UTC(2000, 1, 29, 12, 34, 56, 789));
    expect(parseUtcTime("2025-01-01T00:00:00+00:00")).toBe(Date.UTC(2025, 0, 1));
  });

  it("orders to the nanosecond that versionTime can write", () => {
    const t = (s: string) => parseUtcTimeParts(s)!;
    expect(t("2025-01-01T00:00:00.0001Z")).toEqual({ ms: Date.UTC(2025, 0, 1), subMs: 100_000 });
    expect(isAfter(t("2025-01-01T00:00:00.0002Z"), t("2025-01-01T00:00:00.0001Z"))).toBe(true);
    expect(isAfter(t("2025-01-01T00:00:00.000000002Z"), t("2025-01-01T00:00:00.000000001Z"))).toBe(true);
    expect(isAfter(t("2025-01-01T00:00:00.1Z"), t("2025-01-01T00:00:00.100000000Z"))).toBe(false);
    expect(isAfter(t("2025-01-01T00:00:00.001Z"), t("2025-01-01T00:00:00.000999999Z"))).toBe(true);
  });

  it("a log is checked with it: 0051 then 1950 is in order, 1950 then 0051 is not; sub-millisecond and 0099 -> 0100 steps are in order", async () => {
    const signer = testSigner(1);
    const logAt = async (first: string, second: string) => {
      const { did, log } = await createLog({ host: "example.com", signer, document: () => ({}), versionTime: first });
      const next = await appendEntry(log, { signer, versionTime: second, document: (doc) => doc });
      return verifyLog([...log, next], { did });
    };
    expect((await logAt("0051-01-01T00:00:00Z", "1950-06-01T00:00:00Z")).error).toBeUndefined();
    await expect(logAt("1950-06-01T00:00:00Z", "0051-01-01T00:00:00Z")).rejects.toMatchObject({ name: "VersionTimeError" });
    expect((await logAt("2025-01-01T00:00:00.0001Z", "2025-01-01T00:00:00.0002Z")).error).toBeUndefined();
    expect((await logAt("0099-01-01T00:00:00Z", "0100-01-01T00:00:00Z")).error).toBeUndefined();
  });
});
