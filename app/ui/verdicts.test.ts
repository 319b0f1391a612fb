/** formatTime: the user's locale, as Date.toLocaleString writes it, from ISO text or Unix seconds. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTime } from "./verdicts.ts";

const opts = { dateStyle: "medium", timeStyle: "short" } as const;

describe("formatTime", () => {
  it("writes what toLocaleString writes, for ISO times and Unix seconds", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2200-01-01T00:00:00Z"), noInvalidDate: true }), (d) => {
        expect(formatTime(d.toISOString())).toBe(d.toLocaleString(undefined, opts));
        const seconds = Math.floor(d.getTime() / 1000);
        expect(formatTime(seconds)).toBe(new Date(seconds * 1000).toLocaleString(undefined, opts));
      }),
    );
  });
  it("returns what it cannot read as it is", () => {
    expect(formatTime("not a time")).toBe("not a time");
    expect(formatTime(Number.NaN)).toBe("NaN");
  });
});
