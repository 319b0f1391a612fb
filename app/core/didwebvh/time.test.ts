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

describe("versionTime", () => {
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
