/**
 * A small static server for the built app (dist/) and a "CDN" folder (the publisher's host folder) at ONE
 * origin, bound to the loopback interface only (127.0.0.1 and, when the machine has it, ::1, so that
 * `http://localhost:PORT` works whichever address the browser tries first).
 *
 * - CDN files take precedence under their paths; then the app's files; then, for routes that are not files
 *   (`/01/<gtin>/21/<serial>`, `/p/...`: no extension, or a browser navigation), the app's index.html.
 *   A missing data file (`.../did.jsonl`) is a 404, never the app's HTML.
 * - `base` (`--base /verifier/`): the app built for a sub-path (vite.config.ts, APP_BASE=/verifier/) is served
 *   under it: `/verifier/assets/...`, `/verifier/sw.js`, and its routes `/verifier/01/...`, `/verifier/p/...`.
 *   The CDN folder stays the host's web root (the DIDs' files at their paths), and is also found under the
 *   base (`/verifier/01/<gtin>/21/<serial>/linkset.json`, the linkset of a product link opened under the
 *   base); `/` and `/verifier` redirect to `/verifier/`; other paths outside the base are the CDN's or 404.
 * - No directory listing, no traversal (decoded, normalised, and the real path must stay under the root).
 * - The app's HTML carries a strict Content-Security-Policy whose connect-src lists the configured RPC origins,
 *   and so do the app's scripts: a worker runs under the policy of its own script's response (not the page's),
 *   and the verification worker makes every host and RPC read; the service worker too.
 * - Cache-Control: hashed assets immutable for a year; HTML, the service worker, the manifest and all data
 *   `no-cache` (revalidated through ETag / Last-Modified: logs are append-only and change).
 *
 * CLI: `tsx scripts/serve.ts --app dist --cdn DIR [--port 8787] [--rpc URL ...] [--base /verifier/]`
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface ServeOptions {
  /** 0 picks a free port. */
  port: number;
  /** The built app (vite build's outDir). */
  appDir: string;
  /** The host folder (did.jsonl, did-anchors.json, dids.json, linksets, QR codes). Optional. */
  cdnDir?: string;
  /** Origins (or URLs) of the JSON-RPC endpoints the app may call; added to the CSP's connect-src. */
  rpcOrigins?: string[];
  /** The URL path the app is served under, as it was built (vite.config.ts, APP_BASE): "/" (default), "/verifier/". */
  base?: string;
}

export interface RunningServer {
  /** `http://localhost:PORT` */
  url: string;
  /** Where the app is: `http://localhost:PORT<base>`, e.g. `http://localhost:PORT/verifier/`. */
  appUrl: string;
  port: number;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "application/jsonl; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".csv": "text/csv; charset=utf-8",
};

/** Origins only (scheme://host:port), deduplicated; rejects anything that is not http(s). */
export function cspConnectOrigins(urls: readonly string[]): string[] {
  const out = new Set<string>();
  for (const u of urls) {
    const parsed = new URL(u);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`not an http(s) RPC URL: ${u}`);
    out.add(parsed.origin);
  }
  return [...out];
}

export function contentSecurityPolicy(rpcOrigins: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${cspConnectOrigins(rpcOrigins).join(" ")}`.trim(),
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** "/", or "/verifier/" from "verifier", "/verifier" or "/verifier/"; throws on anything but a plain path. */
export function normaliseBase(base: string | undefined): string {
  const v = (base ?? "/").trim();
  const b = `${v.startsWith("/") ? "" : "/"}${v}${v.endsWith("/") ? "" : "/"}`;
  if (!/^\/(?:[A-Za-z0-9._~-]+\/)*$/.test(b) || b.split("/").some((seg) => seg === "." || seg === ".."))
    throw new Error(`not a URL path to serve the app under: ${base}`);
  return b;
}

function cacheControl(kind: "app" | "cdn", urlPath: string): string {
  if (kind === "app" && urlPath.startsWith("/assets/")) return "public, max-age=31536000, immutable";
  return "no-cache";
}

/** Resolves a URL path under `root`, or null when it escapes it, is not a regular file or does not exist. */
async function resolveFile(root: string, urlPath: string): Promise<{ file: string; size: number; mtime: Date } | null> {
  const rel = path.posix.normalize(urlPath);
  if (rel.split("/").some((seg) => seg === "..")) return null;
  const candidate = path.join(root, rel);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;
  try {
    const real = await realpath(candidate);
    if (real !== root && !real.startsWith(root + path.sep)) return null;
    const st = await stat(real);
    if (!st.isFile()) return null;
    return { file: real, size: st.size, mtime: st.mtime };
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(body);
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const appRoot = await realpath(path.resolve(options.appDir));
  const cdnRoot = options.cdnDir ? await realpath(path.resolve(options.cdnDir)) : undefined;
  const csp = contentSecurityPolicy(options.rpcOrigins ?? []);
  const base = normaliseBase(options.base);
  const common = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(res, 405, "method not allowed\n", { ...common, allow: "GET, HEAD" });
    }
    let urlPath: string;
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      urlPath = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, "bad request\n", common);
    }
    if (urlPath.includes("\0") || urlPath.includes("\\") || !urlPath.startsWith("/")) {
      return send(res, 400, "bad request\n", common);
    }

    // The path within the app's base ("/verifier/assets/x.js" -> "/assets/x.js"); null outside it.
    const appPath = urlPath.startsWith(base) ? urlPath.slice(base.length - 1) : null;
    if (base !== "/" && (urlPath === "/" || `${urlPath}/` === base)) {
      return send(res, 302, "\n", { ...common, location: base });
    }

    let kind: "app" | "cdn" = "cdn";
    let found = cdnRoot && !urlPath.endsWith("/") ? await resolveFile(cdnRoot, urlPath) : null;
    if (!found && cdnRoot && appPath !== null && base !== "/" && !appPath.endsWith("/")) found = await resolveFile(cdnRoot, appPath);
    if (!found && appPath !== null) {
      kind = "app";
      found = appPath === "/" ? await resolveFile(appRoot, "/index.html") : await resolveFile(appRoot, appPath);
    }
    if (!found) {
      const last = urlPath.split("/").pop() ?? "";
      const navigation = (req.headers.accept ?? "").includes("text/html");
      if (appPath !== null && (!last.includes(".") || navigation)) found = await resolveFile(appRoot, "/index.html");
      if (!found) return send(res, 404, "not found\n", { ...common, "access-control-allow-origin": "*" });
    }

    const ext = path.extname(found.file).toLowerCase();
    const isHtml = ext === ".html";
    const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtime.getTime()).toString(16)}"`;
    const headers: Record<string, string> = {
      ...common,
      "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream",
      "cache-control": isHtml ? "no-cache" : cacheControl(kind, appPath ?? urlPath),
      etag,
      "last-modified": found.mtime.toUTCString(),
    };
    if (kind === "cdn") headers["access-control-allow-origin"] = "*";
    if (kind === "app" && (isHtml || ext === ".js" || ext === ".mjs")) headers["content-security-policy"] = csp;
    if (isHtml && kind === "app") {
      headers["permissions-policy"] = "camera=(self), microphone=(), geolocation=()";
      headers["cross-origin-opener-policy"] = "same-origin";
    }
    if (kind === "app" && appPath === "/sw.js") headers["service-worker-allowed"] = base;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      return void res.end();
    }
    headers["content-length"] = String(found.size);
    res.writeHead(200, headers);
    if (req.method === "HEAD") return void res.end();
    const stream = createReadStream(found.file);
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  };

  const listen = (server: Server, host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off("error", reject);
        const addr = server.address();
        resolve(typeof addr === "object" && addr ? addr.port : port);
      });
    });

  const servers: Server[] = [];
  const v4 = createServer(listener);
  const port = await listen(v4, "127.0.0.1", options.port);
  servers.push(v4);
  const v6 = createServer(listener);
  try {
    await listen(v6, "::1", port);
    servers.push(v6);
  } catch {
    // No IPv6 loopback here (or the port is taken there): 127.0.0.1 alone serves `localhost`.
  }
  for (const s of servers) s.keepAliveTimeout = 1_000;

  return {
    url: `http://localhost:${port}`,
    appUrl: `http://localhost:${port}${base}`,
    port,
    stop: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}

function parseArgs(argv: string[]): ServeOptions {
  const opts: ServeOptions = { port: 8787, appDir: "dist", rpcOrigins: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === "--help" || a === "-h") {
      console.log("usage: tsx scripts/serve.ts --app DIR [--cdn DIR] [--port N] [--rpc URL]... [--base /verifier/]");
      process.exit(0);
    }
    if (v === undefined) throw new Error(`missing value for ${a}`);
    if (a === "--port") opts.port = Number(v);
    else if (a === "--app") opts.appDir = v;
    else if (a === "--cdn") opts.cdnDir = v;
    else if (a === "--rpc") opts.rpcOrigins!.push(v);
    else if (a === "--base") opts.base = v;
    else throw new Error(`unknown option ${a}`);
    i++;
  }
  return opts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startServer(parseArgs(process.argv.slice(2)));
  console.log(`serving on ${server.appUrl}`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
