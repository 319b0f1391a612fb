/**
 * `audit` as a user runs it: a real CLI process (tsx app/cli/main.ts) over a host folder and over HTTP,
 * against a real Hardhat node (ports 8614-8616).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { sendEndless } from "../../core/fetch/endless.node.ts";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startAnchorChain, type AnchorChain } from "../lib/testing/anchorChain.ts";
import { buildTestHost, serveDir, type TestHost } from "../lib/testing/host.ts";
import { deployForgedRegistry, writeForgedPassport } from "../../core/verify/testkit/forgedRegistry.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CHAIN_PORT = 8614;
const HTTP_PORT = 8615;
const ENDLESS_PORT = 8616;

let chain: AnchorChain;
let host: TestHost;
let dir: string;
let server: { url: string; stop(): Promise<void> };

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(ROOT, "node_modules/.bin/tsx"), ["app/cli/main.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const jsonLines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  chain = await startAnchorChain(CHAIN_PORT);
  dir = await mkdtemp(path.join(tmpdir(), "audit-host-"));
  host = await buildTestHost({ dir: path.join(dir, "host"), host: `localhost:${HTTP_PORT}`, chain });
  server = await serveDir(path.join(dir, "host"), HTTP_PORT);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const EXPECTED: Record<string, [string, string | null]> = {
  genuine: ["verified", null],
  covered: ["verified", null],
  pending: ["pending", "NotAnchoredError"],
  tampered: ["invalid", "HashChainError"],
  badProof: ["invalid", "ProofMismatchError"],
  rogue: ["invalid", "UnauthorizedAnchorerError"],
  unanchored: ["invalid", "RootNotAnchoredError"],
  swapped: ["invalid", "DidMismatchError"],
  window: ["verified", null],
  glass: ["verified", null],
  frame: ["verified", null],
  window2: ["verified", null],
};

// Each test spawns CLI processes (a second or two each, more on a loaded machine).
describe("audit (CLI process)", { timeout: 120_000 }, () => {
  it("--json over a folder with dids.json: one line per DID, then the summary; exit 1 (some invalid)", async () => {
    const { code, stdout, stderr } = await cli("audit", "--cdn", path.join(dir, "host"), "--rpc", chain.chain.url, "--json");
    expect(stderr).toBe("");
    expect(code).toBe(1);
    const lines = jsonLines(stdout);
    const summary = lines.pop()!;
    const byDid = new Map(lines.map((l) => [l.did as string, l]));
    for (const [name, [verdict, reason]] of Object.entries(EXPECTED)) {
      const line = byDid.get(host.dids[name as keyof TestHost["dids"]])!;
      expect([name, line.verdict, (line.reason as { name?: string } | null)?.name ?? null]).toEqual([name, verdict, reason]);
    }
    expect(summary).toMatchObject({ dids: 12, verified: 6, pending: 1, invalid: 5, unverifiable: 0, ms: expect.any(Number) });
    expect(summary.entries).toBe(29);
  });

  it("on worker threads (chain reads shared on the main thread), the same verdicts in the same order", async () => {
    const one = await cli("audit", "--cdn", path.join(dir, "host"), "--rpc", chain.chain.url, "--json", "--workers", "1");
    const two = await cli("audit", "--cdn", path.join(dir, "host"), "--rpc", chain.chain.url, "--json", "--workers", "2", "--concurrency", "3");
    expect(two.code).toBe(1);
    const strip = (out: string) => jsonLines(out).slice(0, -1);
    expect(strip(two.stdout)).toEqual(strip(one.stdout));
    expect(strip(two.stdout)).toHaveLength(12);
    // chain failures cross the thread boundary under their own names
    const down = await cli("audit", "--cdn", path.join(dir, "host"), "--rpc", "http://127.0.0.1:8619", "--json", "--workers", "2", "--timeout", "2000");
    expect(jsonLines(down.stdout).find((l) => l.did === host.dids.genuine)).toMatchObject({ verdict: "unverifiable", reason: { name: "RpcUnreachableError" } });
  });

  it("--trusted-anchorer: the anchored DIDs count only when anchored by a trusted account, on the main thread and on workers", async () => {
    const other = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const base = ["audit", "--cdn", path.join(dir, "host"), "--rpc", chain.chain.url, "--json"];
    const trustedOk = await cli(...base, "--trusted-anchorer", other, "--trusted-anchorer", chain.accounts[0]!.toLowerCase());
    expect(jsonLines(trustedOk.stdout).pop()).toMatchObject({ verified: 6, pending: 1, invalid: 5 });
    for (const workers of [[], ["--workers", "2"]]) {
      const untrusted = await cli(...base, "--trusted-anchorer", other, ...workers);
      const lines = jsonLines(untrusted.stdout);
      expect(lines.pop()).toMatchObject({ dids: 12, verified: 0 });
      expect(lines.find((l) => l.did === host.dids.genuine)).toMatchObject({ verdict: "invalid", reason: { name: "UntrustedAnchorerError" } });
    }
    const bad = await cli(...base, "--trusted-anchorer", "0x1234");
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("--trusted-anchorer 0x1234 is not a 20-byte address")]);
  });

  it("--trusted-registry: a passport declaring a forger's registry (anchorOf answers yes to anything) and the manufacturer as anchorer is verified even with --trusted-anchorer; pinned, invalid UntrustedRegistryError, on the main thread and on workers", async () => {
    const manufacturer = chain.accounts[0]!;
    const chainId = chain.chain.chainId;
    const fake = await deployForgedRegistry(chain.chain.url, chain.accounts[2]!);
    const forgedDir = path.join(dir, "forged");
    const forged = await writeForgedPassport({ dir: forgedDir, host: `localhost:${HTTP_PORT}`, chainId, registry: fake, anchorer: manufacturer });
    const audit = (cdn: string, ...more: string[]) => cli("audit", "--cdn", cdn, "--rpc", chain.chain.url, "--json", "--trusted-anchorer", manufacturer, ...more);

    const before = await audit(forgedDir);
    expect([before.code, jsonLines(before.stdout)[0]]).toEqual([0, { did: forged.did, verdict: "verified", reason: null }]);
    for (const [pin, workers] of [[chain.registry, []], [`${chainId}:${chain.registry.toLowerCase()}`, ["--workers", "2"]]] as const) {
      const after = await audit(forgedDir, "--trusted-registry", pin, ...workers);
      expect([after.code, jsonLines(after.stdout)[0]]).toEqual([1, { did: forged.did, verdict: "invalid", reason: expect.objectContaining({ name: "UntrustedRegistryError", entryIndex: 0 }) }]);
    }
    // A registry trusted on another chain only pins nothing on this one.
    expect(jsonLines((await audit(forgedDir, "--trusted-registry", `1:${chain.registry}`)).stdout)[0]).toMatchObject({ verdict: "verified" });

    // The genuine host: the same verdicts with its registry pinned; none verified with another one pinned.
    const base = ["audit", "--cdn", path.join(dir, "host"), "--rpc", chain.chain.url, "--json"];
    expect(jsonLines((await cli(...base, "--trusted-registry", fake, "--trusted-registry", chain.registry)).stdout).pop()).toMatchObject({ dids: 12, verified: 6, pending: 1, invalid: 5 });
    const other = jsonLines((await cli(...base, "--trusted-registry", fake)).stdout);
    expect(other.pop()).toMatchObject({ dids: 12, verified: 0 });
    expect(other.find((l) => l.did === host.dids.genuine)).toMatchObject({ verdict: "invalid", reason: { name: "UntrustedRegistryError" } });

    for (const wrong of ["0x1234", `0:${chain.registry}`, `chain:${chain.registry}`]) {
      const bad = await cli(...base, "--trusted-registry", wrong);
      expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining(`--trusted-registry ${wrong} is not a 20-byte address`)]);
    }
  });

  it("over HTTP (the host's base URL), the same verdicts", async () => {
    const { code, stdout } = await cli("audit", "--cdn", server.url, "--rpc", chain.chain.url, "--json");
    expect(code).toBe(1);
    expect(jsonLines(stdout).pop()).toMatchObject({ dids: 12, verified: 6, pending: 1, invalid: 5, unverifiable: 0 });
  });

  it("a host whose dids.json never ends: refused at the limit (64 MiB), not buffered", async () => {
    const endless = createServer((_, res) => sendEndless(res));
    await new Promise<void>((r) => endless.listen(ENDLESS_PORT, "127.0.0.1", r));
    try {
      const r = await cli("audit", "--cdn", `http://127.0.0.1:${ENDLESS_PORT}`, "--rpc", chain.chain.url, "--json");
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("larger than 64 MiB");
    } finally {
      endless.closeAllConnections();
      await new Promise((r) => endless.close(r));
    }
  });
  it("a folder without dids.json: DIDs found by walking, a log in the wrong place is invalid; all good -> exit 0", async () => {
    const walk = path.join(dir, "walk");
    for (const name of ["genuine", "pending"]) await cp(path.join(dir, "host", "passports", name), path.join(walk, "passports", name), { recursive: true });
    const ok = await cli("audit", "--cdn", walk, "--rpc", chain.chain.url, "--json");
    expect(ok.code).toBe(0);
    expect(jsonLines(ok.stdout).pop()).toMatchObject({ dids: 2, verified: 1, pending: 1 });

    await mkdir(path.join(walk, "elsewhere"), { recursive: true });
    await cp(path.join(dir, "host", "passports", "genuine", "did.jsonl"), path.join(walk, "elsewhere", "did.jsonl"));
    const bad = await cli("audit", "--cdn", walk, "--rpc", chain.chain.url, "--json");
    expect(bad.code).toBe(1);
    const lines = jsonLines(bad.stdout);
    expect(lines.pop()).toMatchObject({ dids: 3, invalid: 1 });
    expect(lines.find((l) => l.verdict === "invalid")).toMatchObject({ reason: { name: "DidMismatchError" } });
  });

  it("an unreachable RPC makes anchored DIDs unverifiable, never invalid by itself", async () => {
    const { code, stdout } = await cli("audit", "--cdn", path.join(dir, "host"), "--rpc", "http://127.0.0.1:8619", "--json", "--timeout", "2000");
    expect(code).toBe(1);
    const lines = jsonLines(stdout);
    const summary = lines.pop()!;
    const genuine = lines.find((l) => l.did === host.dids.genuine)!;
    expect(genuine).toMatchObject({ verdict: "unverifiable", reason: { name: "RpcUnreachableError" } });
    // what needs no chain is still judged: the tampered log, the swapped files, the bad proof, the rogue anchorer
    expect(summary).toMatchObject({ verified: 0, pending: 0, invalid: 4, unverifiable: 8 });
  });

  it("the readable table, --help, unknown commands and bad usage", async () => {
    const table = await cli("audit", "--cdn", path.join(dir, "host"), "--rpc", chain.chain.url);
    expect(table.stdout).toMatch(/^VERDICT/);
    expect(table.stdout).toMatch(/12 DIDs, 29 entries: 6 verified, 1 pending, 5 invalid, 0 unverifiable/);
    const help = await cli("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/audit\s+Verify every DID/);
    expect((await cli("audit", "--help")).stdout).toMatch(/Exit status/);
    const unknown = await cli("no-such-command");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command: no-such-command/);
    expect((await cli("audit", "--cdn", dir)).code).toBe(2); // no --rpc
    // a host that cannot be listed: one clear line, exit 1
    const down = await cli("audit", "--cdn", "http://127.0.0.1:8619", "--rpc", chain.chain.url);
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split("\n")).toHaveLength(1);
    expect(down.stderr).toMatch(/^audit: error: cannot fetch http:\/\/127\.0\.0\.1:8619\/dids\.json/);
  });
});
