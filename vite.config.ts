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

export default defineConfig({
  root: "app/ui",
  define: {
    ...(stage ? { "import.meta.env.VITE_CHAIN_STAGE": JSON.stringify(stage) } : {}),
    ...(localRpc ? { "import.meta.env.VITE_LOCAL_RPC": JSON.stringify(localRpc) } : {}),
  },
  publicDir: "public",
  envDir: "../..",
  build: { outDir: "../../dist", emptyOutDir: true, target: "es2023", sourcemap: true },
  worker: { format: "es" },
  plugins: [
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
        start_url: ".",
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
