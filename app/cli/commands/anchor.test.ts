/**
 * The publisher's commands as a user runs them: real CLI processes (tsx app/cli/main.ts) against a real
 * Hardhat node (port 8790): keystore -> create -> append -> anchor (twice) -> publish -> audit, and fixtures.
 */
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keystore } from "../../publisher/keystore.ts";
import { startLocalChain, type LocalChain } from "../../../scripts/chain.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CHAIN_PORT = 8790;

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
    for (const name of ["keystore", "create", "append", "anchor", "label", "publish", "fixtures"]) {
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
    // The glass does not name the window back yet: the window would verify as invalid. Said, with the command.
    expect(win.stderr).toContain(`note: ${glassDid} does not name ${windowDid} as its parent yet; until it does, ${windowDid} verifies as invalid. Run: append --dir ${hostDir} --did ${glassDid} --parent ${windowDid}`);
    const link = await cli("append", ...common, "--did", glassDid, "--parent", windowDid, "--event", "Assembled", "--json");
    expect(link.code, link.stderr).toBe(0);
    expect(link.stderr).not.toContain("note:"); // both sides linked now
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

  it("anchoring from another wallet: the transaction is printed, not sent; once that wallet sent it, the next run writes the proofs", async () => {
    const { createWalletClient, http } = await import("viem");
    const { privateKeyToAccount } = await import("viem/accounts");
    const { hardhat } = await import("viem/chains");
    // Hardhat's development account #2 stands for the browser wallet: the keystore never holds its key.
    const wallet = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9971804af2a7b");
    const hostDir = path.join(dir, "wallet-host");
    const www = path.join(dir, "wallet-www");
    const created = await cli("create", "--dir", hostDir, "--host", "localhost:8628", "--path", "p/g-w", "--rpc", chain.url, "--kind", "glass", "--name", "Glass", "--gtin", "00614141200016", "--serial", "GW", "--manufacturer", "ACME", "--anchorer", wallet.address.toLowerCase(), "--json");
    expect(created.code, created.stderr).toBe(0);
    const did = json(created.stdout).did as string;

    const first = await cli("anchor", "--dir", hostDir, "--rpc", chain.url, "--anchorer", wallet.address, "--json");
    expect(first.code, first.stderr).toBe(0);
    const out = json(first.stdout);
    expect(out).toMatchObject({ anchorer: wallet.address, batches: [], skipped: 0 });
    expect(out.waiting).toHaveLength(1);
    const waiting = out.waiting[0];
    expect(waiting).toMatchObject({ entries: 1, dids: 1, from: wallet.address, to: out.registry });
    await expect(fs.access(path.join(hostDir, "p/g-w/did-anchors.json"))).rejects.toThrow();
    // Asked again before the wallet sent it: the same root, still waiting, nothing new batched.
    const again = json((await cli("anchor", "--dir", hostDir, "--rpc", chain.url, "--anchorer", wallet.address, "--json")).stdout);
    expect(again.waiting.map((w: { root: string }) => w.root)).toEqual([waiting.root]);
    const human = await cli("anchor", "--dir", hostDir, "--rpc", chain.url, "--anchorer", wallet.address);
    expect(human.stdout).toContain(`send from ${wallet.address} on chain 31337: to ${out.registry}, data ${waiting.data}`);

    // The wallet (given some ether first) sends exactly what was printed.
    await fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_setBalance", params: [wallet.address, "0xde0b6b3a7640000"] }) });
    const client = createWalletClient({ account: wallet, chain: hardhat, transport: http(chain.url) });
    await client.sendTransaction({ to: waiting.to, data: waiting.data });

    const done = await cli("anchor", "--dir", hostDir, "--rpc", chain.url, "--anchorer", wallet.address, "--json");
    expect(done.code, done.stderr).toBe(0);
    expect(json(done.stdout)).toMatchObject({ waiting: [], batches: [{ root: waiting.root, entries: 1, sent: false, resumed: true }] });
    expect((await cli("publish", "--from", hostDir, "--to", www)).code).toBe(0);
    const audit = await cli("audit", "--cdn", www, "--rpc", chain.url, "--json");
    expect(audit.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((l) => l.did === did)?.verdict).toBe("verified");
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

describe("publisher commands refuse bad input, name the file, and lose nothing", { timeout: 180_000 }, () => {
  let base: string;
  let glassDid: string;
  let windowDid: string;
  const blockNumber = async () => {
    const res = await fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) });
    return Number(((await res.json()) as { result: string }).result);
  };
  /** A copy of the base host folder (a glass DID, and a pre-rotated window DID with two entries). */
  const copy = async (name: string) => {
    const to = path.join(dir, name);
    await fs.cp(base, to, { recursive: true });
    return to;
  };
  const folderOf = (did: string) => did.split(":").slice(4).join("/");
  const logOf = (host: string, did: string) => path.join(host, folderOf(did), "did.jsonl");
  const product = (p: string) => ["--kind", "glass", "--name", "Glass", "--gtin", "00614141200016", "--serial", p, "--manufacturer", "ACME", "--path", p];

  beforeAll(async () => {
    base = path.join(dir, "base");
    const g = await cli("create", "--dir", base, "--host", "localhost:8628", "--rpc", chain.url, ...product("q/g-1"), "--json");
    expect(g.code, g.stderr).toBe(0);
    glassDid = json(g.stdout).did;
    const w = await cli("create", "--dir", base, "--host", "localhost:8628", "--rpc", chain.url, ...product("q/w-1"), "--prerotate", "--json");
    expect(w.code, w.stderr).toBe(0);
    windowDid = json(w.stdout).did;
    const a = await cli("append", "--dir", base, "--did", windowDid, "--event", "Installed", "--json");
    expect(a.code, a.stderr).toBe(0);
  }, 120_000);

  it("a live run's folder lock refuses append (LockHeldError naming the lock and its age); a dead run's lock is taken over", async () => {
    const host = await copy("locked");
    const lock = path.join(host, ".publisher", "lock");
    const before = await fs.readFile(logOf(host, windowDid), "utf8");
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, hostname: os.hostname(), command: "append", startedAt: new Date(Date.now() - 5_000).toISOString() }));
    const held = await cli("append", "--dir", host, "--did", windowDid, "--event", "Inspected");
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/^append: LockHeldError: Another publisher run holds the lock .*held for \d+ s/);
    expect(held.stderr).toContain(lock);
    expect(await fs.readFile(logOf(host, windowDid), "utf8")).toBe(before);
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    await fs.writeFile(lock, JSON.stringify({ pid: Number(gone.stdout), hostname: os.hostname(), command: "append", startedAt: new Date().toISOString() }));
    const taken = await cli("append", "--dir", host, "--did", windowDid, "--event", "Inspected");
    expect(taken.code, taken.stderr).toBe(0);
    await expect(fs.access(lock)).rejects.toThrow();
  });

  it("append and anchor refuse a log tampered on line 2 (HashChainError), writing and sending nothing", async () => {
    const host = await copy("tampered");
    const file = logOf(host, windowDid);
    const tampered = (await fs.readFile(file, "utf8")).replace('"type":"Installed"', '"type":"Installee"');
    await fs.writeFile(file, tampered);
    const block = await blockNumber();
    const append = await cli("append", "--dir", host, "--did", windowDid, "--event", "Inspected");
    expect(append.code).toBe(1);
    expect(append.stderr).toMatch(/PublishedLogError: The log of .* does not verify \(line 2\): .*did\.jsonl: HashChainError/);
    expect(append.stderr).toContain(file);
    const anchor = await cli("anchor", "--dir", host, "--rpc", chain.url);
    expect(anchor.code).toBe(1);
    expect(anchor.stderr).toMatch(/HashChainError/);
    expect(await fs.readFile(file, "utf8")).toBe(tampered);
    expect(await blockNumber()).toBe(block);
  });

  it("anchor refuses a missing folder and an empty log before touching the chain, creating nothing", async () => {
    const block = await blockNumber();
    const missing = path.join(dir, "no-such-folder");
    const r = await cli("anchor", "--dir", missing, "--rpc", chain.url, "--json");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EmptyHostError: No host folder to anchor: .*no-such-folder/);
    await expect(fs.access(missing)).rejects.toThrow();
    const host = await copy("empty-log");
    await fs.writeFile(logOf(host, glassDid), "");
    const empty = await cli("anchor", "--dir", host, "--rpc", chain.url);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`The log of ${glassDid} does not verify`);
    expect(empty.stderr).toContain("EmptyLogError");
    const noIndex = path.join(dir, "no-index");
    await fs.mkdir(noIndex);
    const none = await cli("anchor", "--dir", noIndex, "--rpc", chain.url);
    expect(none.stderr).toMatch(/EmptyHostError: No DIDs to anchor/);
    expect(await fs.readdir(noIndex)).toEqual([]);
    expect(await blockNumber()).toBe(block);
  });

  it("malformed files are named (and the line of a log); another DID's broken log does not block append", async () => {
    const host = await copy("malformed");
    const windowLog = logOf(host, windowDid);
    const good = await fs.readFile(windowLog, "utf8");
    await fs.writeFile(windowLog, good.slice(0, -20));
    const truncated = await cli("append", "--dir", host, "--did", windowDid, "--event", "Inspected");
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain(`(line 2): ${windowLog}: LogParseError`);
    await fs.writeFile(windowLog, good);

    const glassLog = logOf(host, glassDid);
    await fs.rm(glassLog);
    await fs.mkdir(glassLog);
    const other = await cli("append", "--dir", host, "--did", windowDid, "--event", "Inspected");
    expect(other.code, other.stderr).toBe(0);
    const anchor = await cli("anchor", "--dir", host, "--rpc", chain.url);
    expect(anchor.stderr).toMatch(new RegExp(`HostFileReadError: Cannot read the file: ${glassLog}: EISDIR`));

    await fs.writeFile(path.join(host, ".publisher", "config.json"), '{"chainId":31337,"regis');
    await fs.rm(glassLog, { recursive: true });
    await fs.copyFile(logOf(base, glassDid), glassLog);
    const config = await cli("anchor", "--dir", host, "--rpc", chain.url);
    expect(config.stderr).toMatch(/HostFileFormatError: The file is not valid JSON \(truncated\?\): .*config\.json/);
    await fs.writeFile(path.join(host, "dids.json"), '{"dids":["did:');
    const index = await cli("append", "--dir", host, "--did", windowDid, "--event", "Inspected");
    expect(index.stderr).toMatch(/HostFileFormatError: .*dids\.json/);
  });

  it("create: a bad --registry is a usage error; a failed create changes no file and contacts no chain", async () => {
    const r = await cli("create", "--dir", path.join(dir, "reg"), "--host", "localhost:8628", "--rpc", chain.url, ...product("r/1"), "--registry", "0x1234");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^create: --registry 0x1234 is not a 20-byte address/);
    await expect(fs.access(path.join(dir, "reg"))).rejects.toThrow();

    const block = await blockNumber();
    const fresh = path.join(dir, "evil");
    const evil = await cli("create", "--dir", fresh, "--host", "localhost:8628", "--rpc", chain.url, ...product("../evil"));
    expect(evil.code).toBe(2);
    await expect(fs.access(fresh)).rejects.toThrow();

    const host = await copy("duplicate");
    const configFile = path.join(host, ".publisher", "config.json");
    const [configBefore, ksBefore] = [await fs.readFile(configFile, "utf8"), await fs.readFile(path.join(dir, "keys.json"), "utf8")];
    const dup = await cli("create", "--dir", host, "--host", "other.example", "--rpc", chain.url, ...product("q/g-1"));
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/DuplicateDidError/);
    expect(await fs.readFile(configFile, "utf8")).toBe(configBefore);
    expect(await fs.readFile(path.join(dir, "keys.json"), "utf8")).toBe(ksBefore);
    expect(await blockNumber()).toBe(block);
  });

  it("publish refuses a tampered source log (exit 1, REFUSED with the file); the served log stays", async () => {
    const host = await copy("pub-src");
    const www = path.join(dir, "pub-www");
    expect((await cli("publish", "--from", host, "--to", www)).code).toBe(0);
    const served = await fs.readFile(logOf(www, windowDid), "utf8");
    const ok = await cli("append", "--dir", host, "--did", windowDid, "--event", "Inspected");
    expect(ok.code, ok.stderr).toBe(0);
    const file = logOf(host, windowDid);
    await fs.writeFile(file, (await fs.readFile(file, "utf8")).replace('"type":"Inspected"', '"type":"Inspectid"'));
    const pub = await cli("publish", "--from", host, "--to", www);
    expect(pub.code).toBe(1);
    expect(pub.stdout).toContain(`REFUSED ${windowDid} (${file}, line 3): PublishedLogError`);
    expect(await fs.readFile(logOf(www, windowDid), "utf8")).toBe(served);
  });
});
