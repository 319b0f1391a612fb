/** UTC ISO 8601 date-times as did:webvh v1.0 requires for versionTime (`Z` or `+00:00`). */

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|\+00:00)$/;

/** Milliseconds since the epoch of a strict UTC ISO 8601 date-time, or undefined when it is not one. */
export function parseUtcTime(value: string): number | undefined {
  const m = ISO_UTC.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0);
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return undefined; // 2025-02-30
  return ms;
}

/** `2025-01-23T04:12:36Z`: ISO 8601 UTC to the second, as log entries write it. */
export function formatUtcTime(time: Date | number | string): string {
  const date = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a time: ${String(time)}`);
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
