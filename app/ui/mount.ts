/** The app itself, loaded by main.ts once the verification worker is under way (worker/early.ts). */
import { mount } from "svelte";
import App from "./App.svelte";
import { whenIdle } from "./pwa.svelte.ts";
import { prepareTimeFormat } from "./verdicts.ts";
import "./app.css";

export function mountApp(): void {
  const target = document.getElementById("app");
  if (!target) throw new Error("#app missing from index.html");
  mount(App, { target });
  // While the verification runs in its worker, the page is idle: the formatter's first, slow build goes
  // there rather than into the verdict's render.
  whenIdle(prepareTimeFormat, 500);
}
