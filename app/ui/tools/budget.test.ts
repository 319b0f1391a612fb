/**
 * What the size budget counts, on a small built-app folder shaped as Vite writes it: the entry, what
 * index.html preloads, what the entry imports dynamically at boot (with the chunks Vite's preload helper
 * fetches for it), the verification worker, and their static imports; never a chunk the app imports
 * lazily (a tab).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measure } from "./budget.ts";

let dist: string;
let sub: string;
beforeAll(async () => {
  dist = await mkdtemp(path.join(tmpdir(), "budget-"));
  await mkdir(path.join(dist, "assets"));
  const files: Record<string, string> = {
    "index.html": '<html><head><script type="module" crossorigin src="/assets/index-A.js"></script></head></html>',
    "assets/index-A.js":
      'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/mount-B.js","assets/mount-B.css","assets/context-C.js"])))=>i.map(i=>d[i]);\n' +
      'import{s as x}from"./shared-D.js";x();__vitePreload(()=>import("./mount-B.js"),__vite__mapDeps([0,1,2]));',
    "assets/mount-B.js": 'import{c as y}from"./context-C.js";y();const tab=()=>import("./ScanView-E.js");',
    "assets/context-C.js": "export const c=()=>1;",
    "assets/shared-D.js": "export const s=()=>2;",
    "assets/ScanView-E.js": "export default 3;".repeat(1000),
    "assets/verify.worker-F.js": 'import{k}from"./keccak-G.js";k();',
    "assets/keccak-G.js": "export const k=()=>4;",
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dist, name), text);
  // The same app built for a sub-path (APP_BASE=/verifier/): index.html names /verifier/assets/...
  sub = await mkdtemp(path.join(tmpdir(), "budget-sub-"));
  await mkdir(path.join(sub, "assets"));
  for (const [name, text] of Object.entries(files))
    await writeFile(path.join(sub, name), name === "index.html" ? text.replace('src="/assets/', 'src="/verifier/assets/') : text);
  await writeFile(path.join(sub, "manifest.webmanifest"), JSON.stringify({ start_url: "/verifier/", scope: "/verifier/" }));
});
afterAll(async () => {
  await rm(dist, { recursive: true, force: true });
  await rm(sub, { recursive: true, force: true });
});

describe("measure", () => {
  it("counts the boot path and the worker, not the lazy tabs", async () => {
    const result = await measure(dist);
    expect(Object.keys(result.files).sort()).toEqual(
      ["assets/context-C.js", "assets/index-A.js", "assets/keccak-G.js", "assets/mount-B.js", "assets/shared-D.js", "assets/verify.worker-F.js"].sort(),
    );
    expect(result.total).toBe(Object.values(result.files).reduce((a, b) => a + b, 0));
    expect(result.ok).toBe(true);
  });

  it("counts the same files in a build for a sub-path (its base read from the manifest's scope)", async () => {
    const [root, under] = await Promise.all([measure(dist), measure(sub)]);
    expect(under.files).toEqual(root.files);
    expect(await measure(sub, "/verifier/")).toEqual(root);
  });
});
