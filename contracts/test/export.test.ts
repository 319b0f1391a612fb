/**
 * app/contracts/abi.ts and app/contracts/bytecode.ts are generated from the Hardhat artifacts: this test fails
 * when they are out of date with the Solidity sources (run `hardhat run scripts/export-contracts.ts`).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { it } from "node:test";
import { artifacts } from "hardhat";
import { ABI_FILE, BYTECODE_FILE, renderContractModules, type ArtifactReader } from "../../scripts/export-contracts.ts";
import { anchorRegistryAbi } from "../../app/contracts/abi.ts";
import { anchorRegistryBytecode } from "../../app/contracts/bytecode.ts";

it("app/contracts/abi.ts and bytecode.ts match the compiled contracts", async () => {
  const rendered = await renderContractModules(artifacts as unknown as ArtifactReader);
  const hint = "out of date: run `hardhat run scripts/export-contracts.ts` and commit app/contracts/";
  assert.ok((await readFile(ABI_FILE, "utf8")) === rendered.abi, `app/contracts/abi.ts is ${hint}`);
  assert.ok((await readFile(BYTECODE_FILE, "utf8")) === rendered.bytecode, `app/contracts/bytecode.ts is ${hint}`);
  // And the modules load as the app imports them.
  assert.ok(anchorRegistryAbi.some((item) => item.type === "function" && item.name === "anchorOf"));
  assert.match(anchorRegistryBytecode, /^0x[0-9a-f]+$/);
});
