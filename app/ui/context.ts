/**
 * The app's shared state, one instance per concern, handed to views through Svelte context so that tab
 * views (including those of other folders, see tabs.ts) reach the settings without prop drilling.
 */
import { getContext, setContext } from "svelte";
import type { PassportState } from "./state/passport.svelte.ts";
import type { Settings } from "./state/settings.svelte.ts";
import type { Router } from "./router.svelte.ts";

export interface AppContext {
  settings: Settings;
  passport: PassportState;
  router: Router;
}

const KEY = Symbol("app");

export function setAppContext(ctx: AppContext): void {
  setContext(KEY, ctx);
}

export function appContext(): AppContext {
  const ctx = getContext<AppContext | undefined>(KEY);
  if (!ctx) throw new Error("appContext() used outside the app");
  return ctx;
}
