/**
 * Hardhat 3 has no "warnings as errors" option: this test compiles every Solidity source of contracts/
 * (tests included) with the same solc package and settings, and fails on any warning or error, so a
 * compiler warning breaks `hardhat test` and `npm test`.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { SOLC_SETTINGS, SOLC_VERSION } from "../../hardhat.config.ts";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface SolcOutput {
  errors?: { severity: "error" | "warning" | "info"; formattedMessage: string; sourceLocation?: { file: string } }[];
}
interface Solc {
  version(): string;
  compile(input: string, callbacks: { import(path: string): { contents: string } | { error: string } }): string;
}

function solidityFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return solidityFiles(rel);
    return entry.name.endsWith(".sol") ? [rel] : [];
  });
}

it("compiles every contract and test with no compiler warning", () => {
  const solc = require("solc") as Solc;
  assert.ok(solc.version().startsWith(`${SOLC_VERSION}+`), `solc ${solc.version()} is not ${SOLC_VERSION}`);
  const files = solidityFiles("contracts");
  assert.ok(files.length >= 6, `found only ${files.join(", ")}`);
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(files.map((file) => [file, { content: readFileSync(path.join(ROOT, file), "utf8") }])),
    settings: { ...SOLC_SETTINGS, outputSelection: { "*": { "*": [] } } },
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import(importPath) {
        try {
          const file = importPath.startsWith("contracts/") ? path.join(ROOT, importPath) : require.resolve(importPath);
          return { contents: readFileSync(file, "utf8") };
        } catch (error) {
          return { error: String(error) };
        }
      },
    }),
  ) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity !== "info").map((e) => e.formattedMessage);
  assert.deepEqual(problems, [], problems.join("\n"));
});
