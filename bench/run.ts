/**
 * `npm run bench`: runs every bench/*.bench.ts in turn (each `export default async function (): Promise<void>`
 * printing its own figures). `npm run bench -- didwebvh` runs only the files whose name contains "didwebvh".
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error("No bench/*.bench.ts matched");
  process.exitCode = 1;
}
for (const file of files) {
  console.log(`\n== ${file}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default?: () => Promise<void> };
  if (typeof mod.default !== "function") {
    console.error(`${file}: no default export function`);
    process.exitCode = 1;
    continue;
  }
  await mod.default();
}
