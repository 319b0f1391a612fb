// First: the verification worker starts loading before the app is evaluated (see worker/early.ts).
import "./worker/early.ts";
import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("#app missing from index.html");
mount(App, { target });
