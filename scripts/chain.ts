/**
 * Starts a real Hardhat node (EDR) on 127.0.0.1 as a child process and waits until it answers
 * JSON-RPC. Used by `npm start`, the end-to-end tests and the command line's tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export interface LocalChain {
  url: string;
  port: number;
  chainId: number;
  stop(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

/** Is something answering JSON-RPC at `url`? Returns its chain id, or null. */
export async function probeChain(url: string): Promise<number | null> {
  try {
    return Number(await rpc(url, "eth_chainId"));
  } catch {
    return null;
  }
}

export async function startLocalChain(options: { port?: number; timeoutMs?: number } = {}): Promise<LocalChain> {
  const port = options.port ?? 8545;
  const url = `http://127.0.0.1:${port}`;
  if ((await probeChain(url)) !== null) throw new Error(`port ${port} already answers JSON-RPC: stop that node first`);
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules/hardhat/dist/src/cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" } },
  );
  let log = "";
  child.stdout?.on("data", (d: Buffer) => { if (log.length < 20_000) log += d.toString(); });
  child.stderr?.on("data", (d: Buffer) => { if (log.length < 20_000) log += d.toString(); });
  let exited = false;
  child.once("exit", () => { exited = true; });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const chainId = await probeChain(url);
    if (chainId !== null) {
      return {
        url,
        port,
        chainId,
        stop: () =>
          new Promise<void>((resolve) => {
            if (exited) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
          }),
      };
    }
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the local chain did not start on ${url}:\n${log.slice(-2_000)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
