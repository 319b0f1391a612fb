/** The app itself, loaded by main.ts once the verification worker is under way (worker/early.ts). */
import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

export function mountApp(): void {
  const target = document.getElementById("app");
  if (!target) throw new Error("#app missing from index.html");
  mount(App, { target });
}
