/**
 * The publisher's own transactions (deploying the AnchorRegistry, anchoring a root) fail with an error
 * named for what went wrong: an unfunded sender, the contract's refusal, a chain that never got the
 * transaction. Run as a user runs them (`tsx app/cli/main.ts create|anchor` in a child process) against a
 * real local chain (ports 8676-8677); the chain is only ever reached through the real node.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, http as httpTransport, parseEther, toFunctionSelector, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { LocalChain } from "../../scripts/chain.ts";
import { anchorRegistryAbi } from "../contracts/abi.ts";
import { connectChain, type ChainConnection } from "./chain.ts";
import { deployRegistry } from "./deploy.ts";
import { Keystore } from "./keystore.ts";
import { startChainInRange } from "./provision/testChain.ts";
import { runCli, TEST_KEYSTORE_PASSWORD } from "../cli/lib/testing/cli.ts";

const PASSWORD = TEST_KEYSTORE_PASSWORD;
const ANCHOR = toFunctionSelector("anchor(bytes32)");
let chain: LocalChain;
let dir: string;
let conn: ChainConnection;
let registry: Hex;

const cli = (...args: string[]) => runCli(args, { timeoutMs: 90_000 });

/** A keystore whose anchoring key is new (cheap to open), its account, and a folder for its host. */
async function publisher(name: string, eth?: string) {
  const file = path.join(dir, `${name}.json`);
  const key = generatePrivateKey();
  await Keystore.create(file, PASSWORD, { params: { N: 2 ** 10, r: 8, p: 1 }, secrets: { anchoringKey: key } });
  const account = privateKeyToAccount(key);
  if (eth) await fund(account.address, eth);
  return { file, key, account, host: path.join(dir, name) };
}

async function fund(to: Hex, eth: string): Promise<void> {
  const hash = await conn.walletClient.sendTransaction({ to, value: parseEther(eth) });
  await conn.publicClient.waitForTransactionReceipt({ hash });
}

/** `create` one passport in `host`, anchored by the keystore's account, into `registry` when given. */
function create(p: { file: string; host: string }, rpc: string, registryFlag?: Hex) {
  return cli(
    "create", "--dir", p.host, "--host", "localhost:8676", "--path", "p/g-1", "--rpc", rpc, "--kind", "glass", "--name", "Glass",
    "--gtin", "00614141200016", "--serial", "G1", "--manufacturer", "ACME", "--keystore", p.file, "--json",
    ...(registryFlag ? ["--registry", registryFlag] : []),
  );
}

const anchor = (p: { file: string; host: string }, rpc = chain.url) => cli("anchor", "--dir", p.host, "--rpc", rpc, "--keystore", p.file, "--json");
const sentFrom = (address: Hex) => conn.publicClient.getTransactionCount({ address });
const exists = (file: string) => stat(file).then(() => true, () => false);
const anchorsFiles = async (host: string) => (await readdir(host, { recursive: true })).filter((f) => f.endsWith("did-anchors.json"));

/**
 * The real chain behind a connection whose JSON-RPC calls pass through `before` first (which may act on
 * the real chain itself, or return "drop" to close the connection unanswered).
 */
async function throughProxy(before: (call: { method: string; params?: unknown[] }) => Promise<"drop" | void>) {
  const proxy = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      void before(JSON.parse(body) as { method: string; params?: unknown[] }).then((verdict) => {
        if (verdict === "drop") return void req.socket.destroy();
        return fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body })
          .then((r) => r.text())
          .then((text) => res.writeHead(200, { "content-type": "application/json" }).end(text));
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, close: () => proxy.close() };
}

beforeAll(async () => {
  chain = await startChainInRange(8676, 8677);
  dir = await mkdtemp(path.join(os.tmpdir(), "publisher-send-"));
  conn = await connectChain(chain.url);
  registry = await deployRegistry(conn);
}, 90_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the publisher's transactions", { timeout: 180_000 }, () => {
  it("deploying the registry from an account without ETH is SenderUnfundedError naming the account; nothing is sent", async () => {
    const p = await publisher("deploy-unfunded");
    const r = await create(p, chain.url);
    expect(r.code).toBe(1);
    expect(r.err).toContain("create: SenderUnfundedError: Deploying the anchor registry");
    expect(r.err).toContain(p.account.address);
    expect(r.err).toContain("holds 0 ETH");
    expect(r.err).not.toContain("ChainUnreachableError");
    expect(await sentFrom(p.account.address)).toBe(0);
  });

  it("anchoring from an account without ETH is SenderUnfundedError, the journal kept; funded, the same command anchors", async () => {
    const p = await publisher("anchor-unfunded");
    const created = await create(p, chain.url, registry);
    expect(created.code, created.err).toBe(0);
    const r = await anchor(p);
    expect(r.code).toBe(1);
    expect(r.err).toContain("anchor: SenderUnfundedError: Anchoring 1 entries");
    expect(r.err).toContain(p.account.address);
    expect(r.err).toContain("holds 0 ETH");
    expect(r.err).not.toContain("ChainUnreachableError");
    expect(await sentFrom(p.account.address)).toBe(0);
    expect(await exists(path.join(p.host, ".publisher/pending-batch.json"))).toBe(true);
    expect(await anchorsFiles(p.host)).toEqual([]);

    await fund(p.account.address, "1");
    const again = await anchor(p);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out).batches).toMatchObject([{ entries: 1, sent: true }]);
    expect(await anchorsFiles(p.host)).toHaveLength(1);
  });

  it("a root the same account anchored meanwhile is TransactionRevertedError naming RootAlreadyAnchored; the next run writes the proofs without sending", async () => {
    const p = await publisher("anchor-race", "1");
    expect((await create(p, chain.url, registry)).code).toBe(0);
    // Another run with the same key (another copy of the folder) anchors the same root just before this one sends.
    const other = createWalletClient({ account: privateKeyToAccount(p.key), transport: httpTransport(chain.url) });
    let raced: Hex | undefined;
    const proxy = await throughProxy(async ({ method, params }) => {
      const data = (params?.[0] as { data?: string; input?: string } | undefined)?.data ?? (params?.[0] as { input?: string } | undefined)?.input;
      if (raced || (method !== "eth_call" && method !== "eth_estimateGas") || !data?.startsWith(ANCHOR)) return;
      const root = `0x${data.slice(10, 74)}` as Hex;
      raced = await other.writeContract({ address: registry, abi: anchorRegistryAbi, functionName: "anchor", args: [root], chain: null });
      await conn.publicClient.waitForTransactionReceipt({ hash: raced });
    });
    let r;
    try {
      r = await anchor(p, proxy.url);
    } finally {
      proxy.close();
    }
    expect(raced).toBeDefined();
    expect(r.code).toBe(1);
    expect(r.err).toContain("anchor: TransactionRevertedError");
    expect(r.err).toContain("RootAlreadyAnchored");
    expect(r.err).not.toContain("ChainUnreachableError");
    expect(await sentFrom(p.account.address)).toBe(1); // only the other run's transaction
    expect(await anchorsFiles(p.host)).toEqual([]);

    const again = await anchor(p);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out).batches).toMatchObject([{ entries: 1, sent: false, resumed: true, txHash: raced }]);
    expect(await sentFrom(p.account.address)).toBe(1);
  });

  it("an anchor the chain never receives is ChainUnreachableError; the next run sends it", async () => {
    const p = await publisher("anchor-dropped", "1");
    expect((await create(p, chain.url, registry)).code).toBe(0);
    const proxy = await throughProxy(async ({ method }) => (method === "eth_sendRawTransaction" ? "drop" : undefined));
    let r;
    try {
      r = await anchor(p, proxy.url);
    } finally {
      proxy.close();
    }
    expect(r.code).toBe(1);
    expect(r.err).toContain("anchor: ChainUnreachableError");
    expect(await sentFrom(p.account.address)).toBe(0);

    const again = await anchor(p);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out).batches).toMatchObject([{ entries: 1, sent: true, resumed: true }]);
  });
});
