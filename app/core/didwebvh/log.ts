/**
 * did.jsonl: one log entry per line (JSON Lines). Parsing is bounded (bytes, line length, entries) and
 * never lets a key reach an object's prototype: JSON.parse makes `__proto__` an own property, and this
 * parser rejects such keys outright because later code (ours or a library's) might assign it.
 */
import type { LogEntry } from "../types.ts";
import { LogLimitError, LogParseError } from "./errors.ts";

export interface LogLimits {
  /** Total characters of the file. Default 16 MiB. */
  maxBytes?: number;
  /** Characters of one line. Default 1 MiB. */
  maxLineLength?: number;
  /** Entries. Default 10,000. */
  maxEntries?: number;
}

export const DEFAULT_LOG_LIMITS: Required<LogLimits> = {
  maxBytes: 16 * 1024 * 1024,
  maxLineLength: 1024 * 1024,
  maxEntries: 10_000,
};

const ENTRY_KEYS = ["versionId", "versionTime", "parameters", "state", "proof"] as const;

/** Nesting deeper than this cannot be canonicalised (jcs.ts) either: such an entry could never verify. */
const MAX_DEPTH = 256;

/**
 * Whether `value` has a `__proto__` key at any depth: walked with a stack of its own (no recursion, so no
 * stack overflow however deep the line nests), refusing nesting beyond MAX_DEPTH.
 */
export function protoKeyProblem(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > MAX_DEPTH) return `A log line nests deeper than ${MAX_DEPTH} levels`;
    if (Array.isArray(v)) {
      for (const item of v) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (key === "__proto__") return "A log line has a __proto__ key";
      stack.push({ value: (v as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}

// Module-level, not a closure made per call: see NodeTextHasher in nodeVerify.node.ts.
function isObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Why `value` is not a did:webvh log entry in form (exactly versionId, versionTime, parameters, state,
 * proof, with the right JSON types), or undefined.
 */
export function entryShapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "entry is not a JSON object";
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) return `unexpected property ${JSON.stringify(key).slice(0, 80)}`;
  }
  if (typeof entry.versionId !== "string") return "versionId is missing or not a string";
  if (typeof entry.versionTime !== "string") return "versionTime is missing or not a string";
  if (!isObject(entry.parameters)) return "parameters is missing or not an object";
  if (!isObject(entry.state)) return "state is missing or not an object";
  if (!Array.isArray(entry.proof) || entry.proof.length === 0) return "proof is missing or not a non-empty array";
  return undefined;
}

/** Parse did.jsonl into entries. Throws LogParseError (naming the 1-based line) or LogLimitError. */
export function parseLog(text: string, limits: LogLimits = {}): LogEntry[] {
  const { maxBytes, maxLineLength, maxEntries } = { ...DEFAULT_LOG_LIMITS, ...limits };
  if (typeof text !== "string") throw new LogParseError("The log is not text");
  if (text.length > maxBytes) {
    throw new LogLimitError("The log is too large", { details: `${text.length} > ${maxBytes} characters` });
  }
  const entries: LogEntry[] = [];
  let start = 0;
  let line = 0;
  const end = text.endsWith("\n") ? text.length - 1 : text.length;
  if (end <= 0) return entries;
  while (start <= end) {
    line++;
    let stop = text.indexOf("\n", start);
    if (stop === -1 || stop > end) stop = end;
    if (stop - start > maxLineLength) {
      throw new LogLimitError("A log line is too long", { line, details: `${stop - start} > ${maxLineLength} characters` });
    }
    if (entries.length >= maxEntries) {
      throw new LogLimitError("The log has too many entries", { line, details: `more than ${maxEntries}` });
    }
    const raw = text.slice(start, stop);
    if (raw.trim() === "") throw new LogParseError("Empty line in the log", { line });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new LogParseError("A log line is not valid JSON", { line, details: (error as Error).message, cause: error });
    }
    const problem = entryShapeProblem(value);
    if (problem) throw new LogParseError("A log line is not a log entry", { line, details: problem });
    if (raw.includes('"__proto__"')) {
      const unsafe = protoKeyProblem(value);
      if (unsafe) throw new LogParseError(unsafe, { line });
    }
    entries.push(value as LogEntry);
    start = stop + 1;
  }
  return entries;
}

/** did.jsonl text: one compact JSON entry per line, each line ending in \n. */
export function serializeLog(entries: readonly LogEntry[]): string {
  let out = "";
  for (const entry of entries) out += `${JSON.stringify(entry)}\n`;
  return out;
}
