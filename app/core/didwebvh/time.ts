/** UTC ISO 8601 date-times as did:webvh v1.0 requires for versionTime (`Z` or `+00:00`). */

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|\+00:00)$/;

/** A parsed versionTime: whole milliseconds since the epoch, and the nanoseconds beyond them (0-999,999). */
export interface UtcTime {
  ms: number;
  subMs: number;
}

/**
 * A strict UTC ISO 8601 date-time, or undefined when it is not one. Years 0000-0099 are those years
 * (Date.UTC alone would read them as 1900-1999), in the proleptic Gregorian calendar.
 */
export function parseUtcTimeParts(value: string): UtcTime | undefined {
  const m = ISO_UTC.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) return undefined; // 2025-02-30
  date.setUTCHours(h, mi, s, 0);
  const fraction = (m[7] ?? ".").slice(1).padEnd(9, "0"); // nanoseconds, as digits
  return { ms: date.getTime() + Number(fraction.slice(0, 3)), subMs: Number(fraction.slice(3)) };
}

/** Milliseconds since the epoch of a strict UTC ISO 8601 date-time (sub-millisecond digits dropped), or undefined. */
export function parseUtcTime(value: string): number | undefined {
  return parseUtcTimeParts(value)?.ms;
}

/** Whether `a` is strictly after `b`, to the nanosecond that versionTime can write. */
export function isAfter(a: UtcTime, b: UtcTime): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.subMs > b.subMs);
}

/** `2025-01-23T04:12:36Z`: ISO 8601 UTC to the second, as log entries write it. */
export function formatUtcTime(time: Date | number | string): string {
  const date = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a time: ${String(time)}`);
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
