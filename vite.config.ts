import { svelte } from "@sveltejs/vite-plugin-svelte";
import { VitePWA } from "vite-plugin-pwa";
import { defineConfig } from "vitest/config";

/**
 * `CHAIN_STAGE` (or `VITE_CHAIN_STAGE`) picks the app's default chain set: `local` for dev, the demo and
 * the tests, `testnet` by default for a production build (see app/ui/chains.ts). `LOCAL_RPC` (or
 * `VITE_LOCAL_RPC`, comma-separated) overrides the local stage's endpoints.
 */
const stage = process.env.CHAIN_STAGE ?? process.env.VITE_CHAIN_STAGE;
const localRpc = process.env.LOCAL_RPC ?? process.env.VITE_LOCAL_RPC;

/**
 * An operator's presets, so that no auditor has to type them in Settings (which can still change them):
 * `HOST_ORIGIN` (or `VITE_HOST_ORIGIN`), the passport host's origin, e.g. https://passports.example.com;
 * `TESTNET_RPC` / `MAINNET_RPC` (or `VITE_...`, comma-separated), the stages' endpoints.
 */
const testnetRpc = process.env.TESTNET_RPC ?? process.env.VITE_TESTNET_RPC;
const mainnetRpc = process.env.MAINNET_RPC ?? process.env.VITE_MAINNET_RPC;
export function hostOriginPreset(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.pathname !== "/" || url.search || url.hash || url.username || /[?#]$/.test(value))
    throw new Error(`HOST_ORIGIN must be an http(s) origin without a path, such as https://passports.example.com, not ${JSON.stringify(raw)}`);
  return url.origin;
}
const hostOrigin = hostOriginPreset(process.env.HOST_ORIGIN ?? process.env.VITE_HOST_ORIGIN);

/** `TRUSTED_ANCHORERS` (or `VITE_TRUSTED_ANCHORERS`): the manufacturers' anchoring accounts, comma-separated. */
export function trustedAnchorersPreset(raw: string | undefined): string | undefined {
  const list = (raw ?? "").split(/[\s,]+/).filter(Boolean);
  if (list.length === 0) return undefined;
  const bad = list.filter((a) => !/^0x[0-9a-fA-F]{40}$/.test(a));
  if (bad.length) throw new Error(`TRUSTED_ANCHORERS must be 20-byte hex addresses, comma-separated; not ${bad.map((b) => JSON.stringify(b)).join(", ")}`);
  return list.join(",");
}
const trustedAnchorers = trustedAnchorersPreset(process.env.TRUSTED_ANCHORERS ?? process.env.VITE_TRUSTED_ANCHORERS);

/**
 * `TRUSTED_REGISTRIES` (or `VITE_TRUSTED_REGISTRIES`): the AnchorRegistry contracts the passports are
 * anchored in, on the chain of the build's stage (CHAIN_STAGE), comma-separated. Without it, a passport's
 * own declared registry is believed, and trusted anchorers can be defeated by a registry that lies.
 */
export function trustedRegistriesPreset(raw: string | undefined): string | undefined {
  const list = (raw ?? "").split(/[\s,]+/).filter(Boolean);
  if (list.length === 0) return undefined;
  const bad = list.filter((a) => !/^0x[0-9a-fA-F]{40}$/.test(a));
  if (bad.length) throw new Error(`TRUSTED_REGISTRIES must be 20-byte hex addresses, comma-separated; not ${bad.map((b) => JSON.stringify(b)).join(", ")}`);
  return list.join(",");
}
const trustedRegistries = trustedRegistriesPreset(process.env.TRUSTED_REGISTRIES ?? process.env.VITE_TRUSTED_REGISTRIES);

/**
 * The URL path the app is served under: `/` (the default) for https://example.com/, `/verifier/` for
 * https://example.com/verifier/. Set it with `APP_BASE=/verifier/ npm run build` (or `VITE_BASE`, or Vite's
 * own `vite build --base /verifier/`). It must be an absolute path: the app's links to a product
 * (`<base>01/<gtin>/21/<serial>`, `<base>p/<did>`) are pages one or more folders below the base, where a
 * relative base (`./`) would resolve the assets, the manifest and the service worker in the wrong place.
 * The service worker is `<base>sw.js` with the scope `<base>`; the manifest's start_url and scope are the base.
 */
const BASE_PATH = /^\/(?:[A-Za-z0-9._~-]+\/)*$/;
export function appBase(raw: string | undefined): string {
  const value = raw?.trim();
  if (!value) return "/";
  const base = `${value.startsWith("/") ? "" : "/"}${value}${value.endsWith("/") ? "" : "/"}`;
  if (!BASE_PATH.test(base) || base.split("/").some((seg) => seg === "." || seg === ".."))
    throw new Error(
      `the app's base (APP_BASE, VITE_BASE or --base) must be an absolute URL path such as /verifier/ (letters, digits, ` +
        `"-", "_", ".", "~"), not ${JSON.stringify(raw)}: a relative base breaks the product links' deeper paths`,
    );
  return base;
}
const base = appBase(process.env.APP_BASE ?? process.env.VITE_BASE);

export default defineConfig({
  root: "app/ui",
  base,
  define: {
    ...(stage ? { "import.meta.env.VITE_CHAIN_STAGE": JSON.stringify(stage) } : {}),
    ...(localRpc ? { "import.meta.env.VITE_LOCAL_RPC": JSON.stringify(localRpc) } : {}),
    ...(testnetRpc ? { "import.meta.env.VITE_TESTNET_RPC": JSON.stringify(testnetRpc) } : {}),
    ...(mainnetRpc ? { "import.meta.env.VITE_MAINNET_RPC": JSON.stringify(mainnetRpc) } : {}),
    ...(hostOrigin ? { "import.meta.env.VITE_HOST_ORIGIN": JSON.stringify(hostOrigin) } : {}),
    ...(trustedAnchorers ? { "import.meta.env.VITE_TRUSTED_ANCHORERS": JSON.stringify(trustedAnchorers) } : {}),
    ...(trustedRegistries ? { "import.meta.env.VITE_TRUSTED_REGISTRIES": JSON.stringify(trustedRegistries) } : {}),
  },
  publicDir: "public",
  envDir: "../..",
  build: { outDir: "../../dist", emptyOutDir: true, target: "es2023", sourcemap: true },
  worker: { format: "es" },
  plugins: [
    {
      // `vite build --base` overrides APP_BASE: whichever set it, the base must be an absolute path.
      name: "app-base",
      configResolved(config) {
        if (config.command === "build") appBase(config.base);
      },
    },
    svelte(),
    VitePWA({
      registerType: "prompt",
      injectRegister: false,
      manifest: {
        name: "Passport Verifier",
        short_name: "Verifier",
        description: "Verify did:webvh Digital Product Passports anchored on an EVM chain",
        theme_color: "#0b3d2e",
        background_color: "#ffffff",
        display: "standalone",
        // start_url and scope: vite-plugin-pwa's defaults, the base (whichever way it was set). The icons'
        // URLs are relative to the manifest's, `<base>manifest.webmanifest`.
        icons: [
          { src: "icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,png,svg,webmanifest,wasm}"],
        // Static routes (Chromium): fetch() calls and hashed assets skip the worker's code (public/sw-routes.js).
        importScripts: ["sw-routes.js"],
        navigateFallback: "index.html",
        // Data files (did.jsonl, *.json, QR images of the host) are never answered with the app's HTML.
        navigateFallbackDenylist: [/\.[a-z0-9]+$/i],
      },
    }),
  ],
  test: {
    root: ".",
    include: ["app/**/*.test.ts", "fixtures/**/*.test.ts", "scripts/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
