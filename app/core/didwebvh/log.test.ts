import { describe, expect, it } from "vitest";
import { LogLimitError, LogParseError } from "./errors.ts";
import { parseLog, serializeLog } from "./log.ts";
import type { LogEntry } from "../types.ts";

const entry = (n: number): LogEntry => ({
  versionId: `${n}-Qm`,
  versionTime: "2025-01-01T00:00:00Z",
  parameters: {},
  state: { id: "did:webvh:x:example.com" },
  proof: [{ type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022", verificationMethod: "v", created: "c", proofPurpose: "assertionMethod", proofValue: "z" }],
});

function errorOf(f: () => unknown): Error & { name: string; line?: number } {
  try {
    f();
  } catch (e) {
    return e as Error & { line?: number };
  }
  throw new Error("did not throw");
}

describe("parseLog / serializeLog", () => {
  it("round-trips JSON Lines, one compact entry per line ending in \\n", () => {
    const text = serializeLog([entry(1), entry(2)]);
    expect(text.split("\n")).toHaveLength(3);
    expect(text.endsWith("\n")).toBe(true);
    expect(parseLog(text)).toEqual([entry(1), entry(2)]);
    expect(parseLog(text.slice(0, -1))).toEqual([entry(1), entry(2)]); // no final newline
    expect(parseLog("")).toEqual([]);
  });

  it("names the line of a non-JSON, non-entry or empty line", () => {
    const good = JSON.stringify(entry(1));
    let e = errorOf(() => parseLog(`${good}\n{"versionId":`));
    expect([e.name, e.line]).toEqual(["LogParseError", 2]);
    e = errorOf(() => parseLog(`${good}\n[1,2]\n`));
    expect([e.name, e.line]).toEqual(["LogParseError", 2]);
    e = errorOf(() => parseLog(`${good}\n\n${good}\n`));
    expect([e.name, e.line]).toEqual(["LogParseError", 2]);
    e = errorOf(() => parseLog(`${JSON.stringify({ ...entry(1), extra: 1 })}\n`));
    expect([e.name, e.line]).toEqual(["LogParseError", 1]);
    expect(e).toBeInstanceOf(LogParseError);
  });

  it("enforces limits on size, line length and entry count", () => {
    const text = serializeLog([entry(1), entry(2), entry(3)]);
    expect(errorOf(() => parseLog(text, { maxBytes: 100 }))).toBeInstanceOf(LogLimitError);
    expect(errorOf(() => parseLog(text, { maxLineLength: 50 })).line).toBe(1);
    const tooMany = errorOf(() => parseLog(text, { maxEntries: 2 }));
    expect([tooMany.name, tooMany.line]).toEqual(["LogLimitError", 3]);
  });

  it("rejects __proto__ keys anywhere, so nothing can reach a prototype", () => {
    const bad = JSON.stringify(entry(1)).replace('"parameters":{}', '"parameters":{"__proto__":{"polluted":true}}');
    expect(errorOf(() => parseLog(bad)).name).toBe("LogParseError");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a line nesting a '__proto__' string 100,000 deep is a LogParseError, not a stack overflow", () => {
    const deep = `${"[".repeat(100_000)}"__proto__"${"]".repeat(100_000)}`;
    const line = JSON.stringify(entry(1)).replace('"parameters":{}', `"parameters":{"deep":${deep}}`);
    const error = errorOf(() => parseLog(`${JSON.stringify(entry(1))}\n${line}\n`));
    expect([error.name, error.line, error.message]).toEqual(["LogParseError", 2, "A log line nests deeper than 256 levels (line 2)"]);
    // Within the depth that canonicalisation allows, a __proto__ string is only a string.
    const shallow = JSON.stringify(entry(1)).replace('"parameters":{}', `"parameters":{"deep":${"[".repeat(200)}"__proto__"${"]".repeat(200)}}`);
    expect(parseLog(shallow)).toHaveLength(1);
  });
});
