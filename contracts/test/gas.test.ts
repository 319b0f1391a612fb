/** The gas budgets of scripts/gas.ts hold (a regression in gas fails `hardhat test`, not only `npm run gas`). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { GAS_BUDGETS, measureGas, overBudget } from "../../scripts/gas.ts";

it("every operation stays within its gas budget", async () => {
  const gas = await measureGas();
  for (const name of Object.keys(GAS_BUDGETS)) assert.ok(gas[name] !== undefined, `${name} was not measured`);
  assert.deepEqual(overBudget(gas), []);
  // The anchor records the submitter and the block number and still costs no more than EAS's timestamp.
  assert.ok(gas.anchor! <= gas["reference.easTimestamp"]! + 100, JSON.stringify(gas));
});
