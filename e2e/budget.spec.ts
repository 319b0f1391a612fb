/** The size budget of the build under test: JS before the first verdict <= 150 KB gzipped. */
import { expect, test } from "@playwright/test";
import { measure } from "../app/ui/tools/budget.ts";
import { world } from "./world.ts";

test("JavaScript before the first verdict stays within 150 KB gzipped", async ({}, info) => {
  const result = await measure(world().distDir);
  await info.attach("budget.json", { body: JSON.stringify(result, null, 1), contentType: "application/json" });
  console.log(`JS before the first verdict: ${(result.total / 1024).toFixed(1)} KB gzipped of ${result.budget / 1024} KB`, result.files);
  expect(Object.keys(result.files).some((f) => f.includes("verify.worker"))).toBe(true);
  expect(result.total).toBeLessThanOrEqual(result.budget);
});
