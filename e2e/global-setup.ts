/**
 * The end-to-end world, built for real once per run:
 * - a Hardhat node on 127.0.0.1:8631 (scripts/chain.ts);
 * - the AnchorRegistry deployed on it, which the fixtures generator (`cli fixtures --registry`) publishes
 *   and anchors passports with into a temp host folder for host localhost:8630, with its manifest (which
 *   DIDs are windows, which are pending, ...);
 * - a copy of that host folder in which one entry of a window's did.jsonl has one byte changed;
 * - `vite build` (CHAIN_STAGE=local, the local stage pointed at the test chain, TRUSTED_REGISTRIES the
 *   registry deployed above, as a deployment pins its own) into a temp dir;
 * - scripts/serve.ts serving the app with the genuine host on :8630 and with the tampered copy on :8632
 *   (the app there is set to use its own origin as the mirror the files are fetched from).
 * What the specs need is passed in process.env.E2E_WORLD (JSON, see World in ./world.ts).
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createWalletClient, http, type Hex } from "viem";
import { anchorRegistryAbi } from "../app/contracts/abi.ts";
import { anchorRegistryBytecode } from "../app/contracts/bytecode.ts";
import { startLocalChain } from "../scripts/chain.ts";
import { startServer } from "../scripts/serve.ts";
import { loadManifest, type World } from "./world.ts";
import { CAMERA_FILES, writeQrY4m } from "./y4m.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PORTS = { app: 8630, chain: 8631, tampered: 8632, deadRpc: 8649 } as const;

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${err.slice(-4000)}\n${out.slice(-2000)}`)),
    );
  });
}

/** Changes one byte inside the JSON of entry `index` (0-based) of a did.jsonl: still JSON, wrong hash. */
export function tamperLog(text: string, index: number): string {
  const lines = text.split("\n");
  const line = lines[index];
  if (!line) throw new Error(`no entry ${index + 1} to tamper`);
  // Flip one character of the versionTime's seconds digit (stays a valid date): 2025-...:SS -> another digit.
  const at = line.indexOf('"versionTime":"') + '"versionTime":"'.length + 18;
  const ch = line[at];
  if (!ch || !/\d/.test(ch)) throw new Error("unexpected versionTime layout");
  lines[index] = line.slice(0, at) + (ch === "0" ? "1" : "0") + line.slice(at + 1);
  return lines.join("\n");
}

/** Deploys the AnchorRegistry from the node's first (unlocked) account, before the build needs its address. */
async function deployRegistry(rpcUrl: string): Promise<Hex> {
  const transport = http(rpcUrl);
  const wallet = createWalletClient({ transport });
  const [from] = await wallet.getAddresses();
  const hash = await wallet.deployContract({ abi: anchorRegistryAbi, bytecode: anchorRegistryBytecode as Hex, account: from!, chain: null });
  const receipt = await createPublicClient({ transport }).waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("AnchorRegistry deployment produced no address");
  return receipt.contractAddress;
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = path.join(ROOT, "node_modules", ".bin");
  const tmp = await mkdtemp(path.join(os.tmpdir(), "e2e-"));
  const hostDir = path.join(tmp, "host");
  const tamperedDir = path.join(tmp, "tampered");
  const distDir = path.join(tmp, "dist");
  const chain = await startLocalChain({ port: PORTS.chain });
  const stops: (() => Promise<void>)[] = [() => chain.stop()];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (!process.env.E2E_KEEP) await rm(tmp, { recursive: true, force: true });
  };
  try {
    // The app pins the registry its passports are anchored in (e2e/settings.spec.ts checks the pin).
    const registry = await deployRegistry(chain.url);
    const build = run(path.join(bin, "vite"), ["build", "--outDir", distDir, "--emptyOutDir", "--logLevel", "warn"], {
      CHAIN_STAGE: "local",
      LOCAL_RPC: chain.url,
      TRUSTED_REGISTRIES: registry,
    });
    await run(path.join(bin, "tsx"), [
      "app/cli/main.ts", "fixtures", "--out", hostDir, "--rpc", chain.url, "--windows", "3", "--host", `localhost:${PORTS.app}`,
      "--pending-every", "2", "--registry", registry,
    ]);
    const manifest = await loadManifest(hostDir);

    // The tampered copy: one byte of the second entry of a verified window's log.
    await cp(hostDir, tamperedDir, { recursive: true });
    const victim = manifest.verifiedWindows[0];
    if (!victim) throw new Error("the fixtures have no verified window");
    const logPath = path.join(tamperedDir, ...new URL(victim.url).pathname.split("/").filter(Boolean));
    await writeFile(logPath, tamperLog(await readFile(logPath, "utf8"), 1));

    // Fake camera videos: the window's GS1 Digital Link QR code, and a hostile payload.
    const window = manifest.verifiedWindows[0]!;
    const cameras = CAMERA_FILES;
    await writeQrY4m(cameras.genuine, `http://localhost:${PORTS.app}/01/${window.gtin}/21/${window.serial}`);
    await writeQrY4m(cameras.hostile, "javascript:alert(document.cookie)");

    await build;
    const rpcOrigins = [chain.url, `http://127.0.0.1:${PORTS.deadRpc}`];
    const app = await startServer({ port: PORTS.app, appDir: distDir, cdnDir: hostDir, rpcOrigins });
    stops.push(() => app.stop());
    const tampered = await startServer({ port: PORTS.tampered, appDir: distDir, cdnDir: tamperedDir, rpcOrigins });
    stops.push(() => tampered.stop());

    const world: World = {
      appUrl: app.url,
      tamperedUrl: tampered.url,
      rpcUrl: chain.url,
      deadRpcUrl: `http://127.0.0.1:${PORTS.deadRpc}`,
      hostDir,
      manifest,
      tamperedDid: victim.did,
      distDir,
      registry,
    };
    process.env.E2E_WORLD = JSON.stringify(world);
    return teardown;
  } catch (e) {
    await teardown();
    throw e;
  }
}
