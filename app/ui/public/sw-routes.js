/*
 * Imported by the service worker (vite.config.ts: workbox.importScripts). Where the browser has the
 * Service Worker Static Routing API (Chromium 123+), requests that need none of the worker's code skip
 * it: starting its script and dispatching a fetch event cost a slow phone's CPU on every request.
 * - fetch() calls (request destination ""): the DIDs' files, linksets, dids.json and JSON-RPC go to the
 *   network as they would without a service worker (the worker never answered them: the offline copies
 *   are in the verification worker's IndexedDB cache);
 * - the app's hashed assets (`<scope>assets/*`): straight from the precache Workbox filled (its cache keeps
 *   them under their plain URLs); one that is not there goes to the network.
 * Navigations still go through the worker (the app shell for every route). Elsewhere: no change.
 */
self.addEventListener("install", (event) => {
  if (typeof event.addRoutes !== "function" || typeof URLPattern !== "function") return;
  const scope = self.registration.scope;
  const precache = `workbox-precache-v2-${scope}`;
  // The assets are under the scope: /assets/, or /verifier/assets/ for an app built for /verifier/
  // (vite.config.ts, APP_BASE). The base is a plain path; URLPattern's syntax characters escaped all the same.
  const assets = `${new URL(scope).pathname.replace(/[\\:*?+(){}]/g, "\\$&")}assets/*`;
  event.waitUntil(
    event
      .addRoutes([
        { condition: { requestDestination: "" }, source: "network" },
        { condition: { urlPattern: new URLPattern({ pathname: assets }) }, source: { cacheName: precache } },
      ])
      .catch(() => undefined),
  );
});
