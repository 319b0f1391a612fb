import { svelte } from "@sveltejs/vite-plugin-svelte";
import { VitePWA } from "vite-plugin-pwa";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: "app/ui",
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
      workbox: { globPatterns: ["**/*.{js,css,html,png,svg,webmanifest,wasm}"], navigateFallback: "index.html" },
    }),
  ],
  test: {
    root: ".",
    include: ["app/**/*.test.ts", "fixtures/**/*.test.ts", "scripts/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
