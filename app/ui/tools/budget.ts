/**
 * The size budget: JavaScript needed before the first verdict, gzipped, must stay <= 150 KB. That is
 * the entry script with everything index.html preloads for it, what the entry itself imports dynamically
 * (main.ts loads the app that way, at boot), plus the verification worker (the verdict is computed
 * there); each with its static imports. Lazy chunks (scanner, audit, wallet, provisions, workbox-window),
 * imported dynamically by the app, are not counted: they load only when used.
 *
 * `tsx app/ui/tools/budget.ts [DIST]` prints one JSON object and exits 1 when over budget.
 */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUDGET_BYTES = 150 * 1024;

/**
 * The path the build in `dist` is served under (vite.config.ts, APP_BASE): its manifest's scope, which
 * vite-plugin-pwa sets to the base; `/` without one.
 */
async function baseOf(dist: string): Promise<string> {
  try {
    const scope = (JSON.parse(await readFile(path.join(dist, "manifest.webmanifest"), "utf8")) as { scope?: unknown }).scope;
    return typeof scope === "string" && scope.startsWith("/") && scope.endsWith("/") ? scope : "/";
  } catch {
    return "/";
  }
}

export async function measure(
  dist: string,
  base?: string,
): Promise<{ files: Record<string, number>; total: number; budget: number; ok: boolean }> {
  const html = await readFile(path.join(dist, "index.html"), "utf8");
  const prefix = base ?? (await baseOf(dist));
  // index.html names the scripts under the base: /assets/x.js, or /verifier/assets/x.js for a build for
  // /verifier/; the file is dist/assets/x.js either way.
  const file = (url: string) => (url.startsWith(prefix) ? url.slice(prefix.length) : url.replace(/^\//, ""));
  const refs = new Set<string>();
  for (const m of html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)) refs.add(file(m[1]!));
  // The entry scripts' own dynamic imports load at boot: import("./x.js"), and the chunks Vite's preload
  // helper fetches with them (__vite__mapDeps: ["assets/x.js", ...]).
  for (const m of html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"/g)) {
    const entry = file(m[1]!);
    const code = await readFile(path.join(dist, entry), "utf8");
    for (const d of code.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+\.js)["']\s*\)/g))
      refs.add(path.posix.normalize(path.posix.join(path.posix.dirname(entry), d[1]!)));
    const deps = /__vite__mapDeps=[^;]*?\[([^\]]*)\]/.exec(code)?.[1] ?? "";
    for (const d of deps.matchAll(/["']([^"']+\.js)["']/g)) refs.add(path.posix.normalize(d[1]!));
  }
  const workers = (await readdir(path.join(dist, "assets"))).filter((f) => /^verify\.worker-.*\.js$/.test(f));
  if (workers.length !== 1) throw new Error(`expected one verify.worker chunk, found ${workers.length}`);
  refs.add(`assets/${workers[0]}`);
  // Static imports of those chunks (import "./x.js" / from "./x.js"), transitively.
  const queue = [...refs];
  while (queue.length) {
    const file = queue.pop()!;
    const code = await readFile(path.join(dist, file), "utf8");
    for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"()]*?from\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g)) {
      const dep = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
      if (!refs.has(dep)) {
        refs.add(dep);
        queue.push(dep);
      }
    }
  }
  const files: Record<string, number> = {};
  let total = 0;
  for (const f of refs) {
    const size = gzipSync(await readFile(path.join(dist, f)), { level: 9 }).length;
    files[f] = size;
    total += size;
  }
  return { files, total, budget: BUDGET_BYTES, ok: total <= BUDGET_BYTES };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await measure(path.resolve(process.argv[2] ?? "dist"));
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}
