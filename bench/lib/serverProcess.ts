/**
 * The app's static server (scripts/serve.ts) in a process of its own, as `npm start` runs it beside the
 * browser: not in the benchmark's own process, whose event loop also carries Playwright's traffic with
 * the browser (every request of the page is reported to it). Sharing that loop delayed the server's
 * answers: a window passport opened again took a median 294 ms with the server in the benchmark's
 * process and 237 ms with it in its own (9 interleaved runs each, 2026-12-02).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ServerProcess {
  /** `http://localhost:PORT` */
  url: string;
  stop(): Promise<void>;
}

export function startServerProcess(options: { port: number; appDir: string; cdnDir: string; rpcOrigins: string[] }): Promise<ServerProcess> {
  const args = ["--import", "tsx", path.join(ROOT, "scripts", "serve.ts"), "--app", options.appDir, "--cdn", options.cdnDir, "--port", String(options.port)];
  for (const rpc of options.rpcOrigins) args.push("--rpc", rpc);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`scripts/serve.ts did not start within 30 s\n${err.slice(-2000)}`));
    }, 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`scripts/serve.ts exited (${code}) before serving\n${err.slice(-2000)}`));
    });
    // It prints "serving on <url>" once it listens.
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (!/serving on /.test(out)) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      resolve({
        url: `http://localhost:${options.port}`,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
