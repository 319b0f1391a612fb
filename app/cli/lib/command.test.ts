import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../publisher/cliSupport.ts";
import { parseCommand } from "./command.ts";

const OPTIONS = { dir: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } } as const;
const USAGE = "Usage: demo --dir DIR\n";

describe("parseCommand", () => {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  afterEach(() => {
    out.mockClear();
    err.mockClear();
  });

  it("returns the typed values when the flags pass the check", () => {
    expect(parseCommand("demo", USAGE, ["--dir", "x", "--json"], OPTIONS)).toEqual({ dir: "x", json: true, help: false });
    expect(err).not.toHaveBeenCalled();
  });

  it("--help prints the usage on stdout and asks for exit 0", () => {
    expect(parseCommand("demo", USAGE, ["-h"], OPTIONS, () => { throw new UsageError("never checked"); })).toBe(0);
    expect(out).toHaveBeenCalledWith(USAGE);
  });

  it("a failed check or an unknown flag: the reason and the usage on stderr, exit 2", () => {
    expect(parseCommand("demo", USAGE, [], OPTIONS, (v) => { if (!v.dir) throw new UsageError("--dir is required"); })).toBe(2);
    expect(err).toHaveBeenLastCalledWith(`demo: --dir is required\n\n${USAGE}`);
    expect(parseCommand("demo", USAGE, ["--nope"], OPTIONS)).toBe(2);
    expect(String(err.mock.lastCall?.[0])).toMatch(/^demo: Unknown option '--nope'/);
  });
});
