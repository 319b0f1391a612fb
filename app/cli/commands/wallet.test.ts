/**
 * `wallet link` / `wallet unlink` as a user runs them (`tsx app/cli/main.ts ...` in a child process), against
 * a real local chain (ports 8674-8675): each failure is told apart by its error's name on stderr.
 */
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { LocalChain } from "../../../scripts/chain.ts";
import { walletLinksAbi } from "../../contracts/abi.ts";
import { connectChain, type ChainConnection } from "../../publisher/chain.ts";
import { Keystore } from "../../publisher/keystore.ts";
import { deployProvisionContracts } from "../../publisher/provision/provision.ts";
import { startChainInRange } from "../../publisher/provision/testChain.ts";
import { runCli, TEST_KEYSTORE_PASSWORD } from "../lib/testing/cli.ts";

const PASSWORD = TEST_KEYSTORE_PASSWORD;
const DID = "did:webvh:QmExample:example.com:wallet-test";
let chain: LocalChain;
let dir: string;
let conn: ChainConnection;
let contractFlags: string[];

const cli = (...args: string[]) => runCli(args);

/** A keystore holding a new EVM key (cheap to open), and its account. */
async function keystore(name: string) {
  const file = path.join(dir, name);
  const key = generatePrivateKey();
  await Keystore.create(file, PASSWORD, { params: { N: 2 ** 10, r: 8, p: 1 }, secrets: { anchoringKey: key } });
  return { file, key, account: privateKeyToAccount(key) };
}

const linkOf = (wallet: Hex) => conn.publicClient.readContract({ address: contractFlags[3] as Hex, abi: walletLinksAbi, functionName: "linkOf", args: [wallet] });
const sentFrom = (wallet: Hex) => conn.publicClient.getTransactionCount({ address: wallet });

beforeAll(async () => {
  chain = await startChainInRange(8674, 8675);
  dir = await mkdtemp(path.join(os.tmpdir(), "wallet-cli-"));
  conn = await connectChain(chain.url);
  const contracts = await deployProvisionContracts(conn);
  contractFlags = ["--registry", contracts.provisionRegistry, "--wallet-links", contracts.walletLinks];
}, 90_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("wallet link / unlink", () => {
  it("a wallet without ETH for the gas is SenderUnfundedError naming the account, for link and for unlink; nothing is sent", async () => {
    const ks = await keystore("wallet.json");
    const wallet = ks.account.address;
    const send = (sub: "link" | "unlink") => cli("wallet", sub, "--rpc", chain.url, ...contractFlags, "--keystore", ks.file, ...(sub === "link" ? ["--did", DID] : []));

    const unfunded = await send("link");
    expect(unfunded.code).toBe(1);
    expect(unfunded.err).toContain("SenderUnfundedError");
    expect(unfunded.err).toContain(wallet);
    expect(unfunded.err).toContain("holds 0 ETH");
    expect(unfunded.err).not.toContain("ProvisionTransactionError");
    expect(unfunded.err).not.toContain("ChainUnreachableError");
    expect(await sentFrom(wallet)).toBe(0);

    // Funded, it links; a second link is the contract's refusal, named.
    const fund = await conn.walletClient.sendTransaction({ to: wallet, value: parseEther("1") });
    await conn.publicClient.waitForTransactionReceipt({ hash: fund });
    const linked = await send("link");
    expect(linked.code, linked.err).toBe(0);
    expect(JSON.parse(linked.out)).toMatchObject({ wallet, linked: DID, status: "success" });
    const twice = await send("link");
    expect(twice.code).toBe(1);
    expect(twice.err).toContain("ProvisionTransactionError");
    expect(twice.err).toContain("WalletAlreadyLinked");

    // Everything it holds sent away (legacy gas price: the transfer costs exactly 21000 x price): unlink is unfunded.
    const gasPrice = await conn.publicClient.getGasPrice();
    const balance = await conn.publicClient.getBalance({ address: wallet });
    const drain = await conn.walletClient.sendTransaction({ account: ks.account, to: conn.account.address, value: balance - 21_000n * gasPrice, gas: 21_000n, gasPrice, type: "legacy" });
    await conn.publicClient.waitForTransactionReceipt({ hash: drain });
    expect(await conn.publicClient.getBalance({ address: wallet })).toBe(0n);
    const nonce = await sentFrom(wallet);
    const unlink = await send("unlink");
    expect(unlink.code).toBe(1);
    expect(unlink.err).toContain("SenderUnfundedError");
    expect(unlink.err).toContain(wallet);
    expect(unlink.err).not.toContain("ProvisionTransactionError");
    expect(await sentFrom(wallet)).toBe(nonce);
    expect(await linkOf(wallet)).not.toBe(`0x${"0".repeat(64)}`);
  }, 120_000);

  it("a send the chain never receives is ChainUnreachableError, not a contract refusal", async () => {
    // The real chain behind a connection that drops every transaction sent: every read still reaches it.
    const proxy = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if ((JSON.parse(body) as { method: string }).method === "eth_sendRawTransaction") return void req.socket.destroy();
        void fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body })
          .then((r) => r.text())
          .then((text) => res.writeHead(200, { "content-type": "application/json" }).end(text));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const rpc = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const before = await sentFrom(conn.account.address);
      const r = await cli("wallet", "link", "--rpc", rpc, ...contractFlags, "--did", DID);
      expect(r.code).toBe(1);
      expect(r.err).toContain("ChainUnreachableError");
      expect(r.err).not.toContain("ProvisionTransactionError");
      expect(await sentFrom(conn.account.address)).toBe(before);
      expect(await linkOf(conn.account.address)).toBe(`0x${"0".repeat(64)}`);
    } finally {
      proxy.close();
    }
  }, 60_000);
});
