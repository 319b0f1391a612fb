/**
 * The publisher's commands as a user runs them: real CLI processes (tsx app/cli/main.ts) against a real
 * Hardhat node (port 8627): keystore -> create -> append -> anchor (twice) -> publish -> audit, and fixtures.
 */
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keystore } from "../../publisher/keystore.ts";
import { startLocalChain, type LocalChain } from "../../../scripts/chain.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CHAIN_PORT = 8627;

let chain: LocalChain;
let dir: string;
let env: NodeJS.ProcessEnv;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(ROOT, "node_modules/.bin/tsx"), ["app/cli/main.ts", ...args], { cwd: ROOT, env, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
const json = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, any>;

beforeAll(async () => {
  chain = await startLocalChain({ port: CHAIN_PORT });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "publisher-cli-"));
  // A keystore with cheap scrypt parameters (the commands keep the file's parameters).
  await Keystore.create(path.join(dir, "keys.json"), "cli-test-password", { params: { N: 2 ** 10, r: 8, p: 1 } });
  env = { ...process.env, PUBLISHER_KEYSTORE: path.join(dir, "keys.json"), PUBLISHER_KEYSTORE_PASSWORD: "cli-test-password" };
}, 120_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("publisher commands", { timeout: 180_000 }, () => {
  it("every command answers --help", async () => {
    for (const name of ["keystore", "create", "append", "anchor", "publish", "fixtures"]) {
      const r = await cli(name, "--help");
      expect(r.code, name).toBe(0);
      expect(r.stdout).toMatch(/^Usage: /);
    }
    expect((await cli("anchor")).code).toBe(2);
  });

  it("create, append, anchor twice, publish, audit", async () => {
    const hostDir = path.join(dir, "host");
    const www = path.join(dir, "www");
    const common = ["--dir", hostDir];
    const glass = await cli("create", ...common, "--host", "localhost:8628", "--path", "p/g-1", "--rpc", chain.url, "--kind", "glass", "--name", "Glass", "--gtin", "00614141200016", "--serial", "G1", "--manufacturer", "ACME", "--event", "Manufactured", "--detail", "plant=Flensburg", "--json");
    expect(glass.code, glass.stderr).toBe(0);
    const glassDid = json(glass.stdout).did as string;
    const win = await cli("create", ...common, "--host", "localhost:8628", "--path", "p/w-1", "--rpc", chain.url, "--kind", "window", "--name", "Window", "--gtin", "00614141100019", "--serial", "W1", "--manufacturer", "ACME", "--event", "Assembled", "--component", glassDid, "--prerotate", "--json");
    expect(win.code, win.stderr).toBe(0);
    const windowDid = json(win.stdout).did as string;
    const link = await cli("append", ...common, "--did", glassDid, "--parent", windowDid, "--event", "Assembled", "--json");
    expect(link.code, link.stderr).toBe(0);
    const rotate = await cli("append", ...common, "--did", windowDid, "--event", "Installed", "--detail", "floor=3", "--json");
    expect(json(rotate.stdout).rotated).toBe(true);

    const a1 = await cli("anchor", ...common, "--rpc", chain.url, "--json");
    expect(a1.code, a1.stderr).toBe(0);
    expect(json(a1.stdout).batches).toHaveLength(1);
    expect(json(a1.stdout).batches[0]).toMatchObject({ entries: 4, dids: 2, sent: true });
    const a2 = await cli("anchor", ...common, "--rpc", chain.url, "--json");
    expect(json(a2.stdout).batches).toEqual([]);

    const pending = await cli("append", ...common, "--did", windowDid, "--event", "Inspected", "--json");
    expect(pending.code, pending.stderr).toBe(0);
    const pub = await cli("publish", "--from", hostDir, "--to", www, "--json");
    expect(pub.code, pub.stderr).toBe(0);
    expect(json(pub.stdout)).toMatchObject({ dids: 2, logsWritten: 2, anchorsWritten: 2, refused: [] });

    const audit = await cli("audit", "--cdn", www, "--rpc", chain.url, "--json");
    const lines = audit.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.find((l) => l.did === glassDid).verdict).toBe("verified");
    expect(lines.find((l) => l.did === windowDid).verdict).toBe("pending");
    expect(lines.at(-1)).toMatchObject({ dids: 2, verified: 1, pending: 1, invalid: 0, unverifiable: 0 });

    // No secret in anything the commands wrote or printed.
    const info = await cli("keystore", "info", "--json");
    const ks = await Keystore.open(path.join(dir, "keys.json"), "cli-test-password");
    const seeds = Object.values(ks.secrets.keys);
    expect(seeds.length).toBe(json(info.stdout).keys);
    for (const out of [glass, win, link, rotate, a1, a2, pending, pub, info]) for (const seed of seeds) expect(out.stdout + out.stderr).not.toContain(seed);
  });

  it("fixtures --json: a small dataset the audit finds verified and pending", async () => {
    const out = path.join(dir, "fx");
    const r = await cli("fixtures", "--out", out, "--rpc", chain.url, "--windows", "4", "--host", "localhost:8628", "--json");
    expect(r.code, r.stderr).toBe(0);
    const manifest = json(r.stdout);
    expect(manifest.counts).toMatchObject({ dids: 12, windows: 4 });
    const audit = await cli("audit", "--cdn", out, "--rpc", chain.url, "--json");
    expect(audit.stdout.trim().split("\n").map((l) => JSON.parse(l)).at(-1)).toMatchObject({ dids: 12, verified: 10, pending: 2, invalid: 0, unverifiable: 0 });
  });
});
