/**
 * `npm start`: the whole demo on this machine.
 *  1. a local EVM chain on 127.0.0.1:8545 (Hardhat node; an existing chain 31337 there is reused),
 *  2. the demo passports generated, anchored and published into .demo/cdn (the "CDN"),
 *  3. the app built (`vite build`, local chain stage, the demo's AnchorRegistry pinned as its trusted
 *     registry, TRUSTED_REGISTRIES) and served with .demo/cdn at http://localhost:8787,
 *  4. the URL, a demo window's passport URL and a QR code of it printed. Ctrl-C stops everything.
 *
 * Options: --windows N (default 50, or $DEMO_WINDOWS), --skip-build (serve the existing dist/).
 * Environment: DEMO_CHAIN_PORT (8545), DEMO_APP_PORT (8787), DEMO_CDN_DIR (.demo/cdn).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import QRCode from "qrcode";
import { FixturesMismatchError, generateFixtures, type FixtureManifest } from "../fixtures/generate.ts";
import { seedDemoProvisions } from "../app/publisher/provision/demo.ts";
import { probeChain, startLocalChain, type LocalChain } from "./chain.ts";
import { startServer, type RunningServer } from "./serve.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The demo's ports and folder; the environment overrides them (tests run on their own ports).
const CHAIN_PORT = Number(process.env.DEMO_CHAIN_PORT ?? 8545);
const APP_PORT = Number(process.env.DEMO_APP_PORT ?? 8787);
const RPC = `http://127.0.0.1:${CHAIN_PORT}`;
const CDN = path.resolve(process.env.DEMO_CDN_DIR ?? path.join(ROOT, ".demo", "cdn"));
const DIST = path.join(ROOT, "dist");

const say = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Builds the app for the local chain, pinning the demo's registry: a passport that declares a registry of
 * its own making (whose anchorOf may say "anchored" to anything) is then invalid, as in a real deployment.
 */
async function runVite(registry: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        CHAIN_STAGE: "local",
        LOCAL_RPC: RPC,
        VITE_CHAIN_STAGE: "local",
        VITE_LOCAL_RPC: RPC,
        TRUSTED_REGISTRIES: registry,
        VITE_TRUSTED_REGISTRIES: registry,
      },
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
}

/** Was dist/ built with `registry` pinned (its address is in the built code)? */
function builtFor(registry: string): boolean {
  const assets = path.join(DIST, "assets");
  if (!existsSync(assets)) return false;
  return readdirSync(assets).some((f) => f.endsWith(".js") && readFileSync(path.join(assets, f), "utf8").includes(registry));
}

async function demoData(windows: number, freshChain: boolean): Promise<FixtureManifest> {
  // A fresh chain knows none of the old anchors: start the demo host over.
  if (freshChain) await fs.rm(CDN, { recursive: true, force: true });
  const generate = () =>
    generateFixtures({
      out: CDN,
      rpcUrl: RPC,
      windows,
      host: `localhost:${APP_PORT}`,
      onProgress: (stage, done, total) => {
        if (done === total) say(`  ${stage}`);
      },
    });
  try {
    return await generate();
  } catch (error) {
    if (error instanceof FixturesMismatchError) {
      say(`  the existing demo host does not match this chain or settings (${error.shortMessage}): generating it again`);
      await fs.rm(CDN, { recursive: true, force: true });
      return generate();
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { windows: { type: "string" }, "skip-build": { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    say("usage: npm start [-- --windows N] [-- --skip-build]");
    return;
  }
  const windows = Number(values.windows ?? process.env.DEMO_WINDOWS ?? 50);
  if (!Number.isSafeInteger(windows) || windows < 1) throw new Error("--windows must be a positive integer");

  let chain: LocalChain | undefined;
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("\nstopping...");
    await server?.stop().catch(() => {});
    await chain?.stop().catch(() => {});
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));

  try {
    const existing = await probeChain(RPC);
    if (existing === 31337) {
      say(`chain: reusing the local chain already answering on ${RPC}`);
    } else if (existing !== null) {
      throw new Error(`${RPC} answers as chain ${existing}, not the local chain 31337: stop it first`);
    } else {
      say(`chain: starting a local Hardhat node on ${RPC}`);
      chain = await startLocalChain({ port: CHAIN_PORT });
    }

    say(`demo data: ${windows} windows (x3 passports) into ${path.relative(ROOT, CDN)}`);
    const manifest = await demoData(windows, chain !== undefined);
    say(`  ${manifest.counts.dids} DIDs, ${manifest.counts.entries} entries, ${manifest.batches.length} batches anchored in ${manifest.registry}, ${manifest.counts.pendingEntries} pending (${manifest.elapsedMs} ms)`);
    say("demo provisions: registering and anchoring the demo compute provisions");
    const provisions = await seedDemoProvisions({ rpcUrl: RPC, cdnDir: CDN, host: `localhost:${APP_PORT}`, anchorRegistry: manifest.registry });
    say(`  ${provisions.provisions.map((p) => `${p.provisionId} (${p.state})`).join(", ")}`);

    if (values["skip-build"] && existsSync(path.join(DIST, "index.html")) && builtFor(manifest.registry)) say("app: using the existing dist/");
    else {
      if (values["skip-build"]) say("app: the existing dist/ does not pin this chain's registry: building it again");
      say(`app: vite build (local chain stage, trusted registry ${manifest.registry})`);
      await runVite(manifest.registry);
    }

    server = await startServer({ port: APP_PORT, appDir: DIST, cdnDir: CDN, rpcOrigins: [RPC] });
    const sample = manifest.sample.window;
    const passportUrl = sample.link.replace(`localhost:${APP_PORT}`, `localhost:${server.port}`);
    const qr = await QRCode.toString(passportUrl, { type: "terminal", small: true, errorCorrectionLevel: "L" });
    process.stdout.write(
      [
        "",
        `Passport Verifier:  ${server.url}/`,
        `A window passport:  ${passportUrl}`,
        `   (its DID:        ${sample.did})`,
        ...(manifest.sample.pendingWindow ? [`A pending window:   ${manifest.sample.pendingWindow.link}`] : []),
        `Chain:              ${RPC} (chain 31337), AnchorRegistry ${manifest.registry} (the app's trusted registry)`,
        `Audit from a shell: npm run -s cli -- audit --cdn ${path.relative(process.cwd(), CDN) || "."} --rpc ${RPC} --trusted-registry ${manifest.registry}`,
        "",
        qr,
        "Ctrl-C stops the server and the chain.",
        "",
      ].join("\n"),
    );
  } catch (error) {
    say(`npm start failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    await stop(1);
  }
}

await main();
