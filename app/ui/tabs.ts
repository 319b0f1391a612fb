/**
 * The app's tabs (navigation entries). Built-in tabs are listed here; a feature folder adds its own tab by
 * creating `app/ui/<folder>/tab.ts` that exports `tab: AppTab` - it is picked up automatically (no edit of
 * this file or of App.svelte), and its view is loaded lazily when first opened (it costs nothing before
 * the first verdict). See app/ui/README.md.
 */
import type { Component } from "svelte";

export interface AppTab {
  /** Route: `#/<id>`. Lowercase letters, digits and dashes. */
  id: string;
  /** Navigation label. */
  label: string;
  /** Position in the navigation (built-ins: verify 0, audit 20, settings 90). */
  order: number;
  /** The view, loaded on demand: `() => import("./WalletView.svelte")`. */
  load: () => Promise<{ default: Component }>;
}

const builtins: AppTab[] = [
  { id: "audit", label: "Audit", order: 20, load: () => import("./views/AuditView.svelte") },
  { id: "settings", label: "Settings", order: 90, load: () => import("./views/SettingsView.svelte") },
];

const plugins = import.meta.glob<AppTab>("./*/tab.ts", { eager: true, import: "tab" });

export const tabs: AppTab[] = [...builtins, ...Object.values(plugins)]
  .filter((t) => /^[a-z0-9-]+$/.test(t.id) && t.id !== "p")
  .sort((a, b) => a.order - b.order);
