/**
 * Issue 6 in a real Chromium: a browser wallet (the injected test wallet: EIP-6963 + EIP-1193, signing
 * in Node with a Hardhat test key) connects, links its wallet to a DID (both sides), registers a
 * provision from a machine's consent, starts and stops provisions (state chips follow), declines a
 * signature (4001), is asked to switch (and add) the chain; a provision's public page is verified, then
 * shown offline from the cache.
 *
 * Self-contained: its own chain (127.0.0.1:8660), build and server (localhost:8661); the next ports of
 * its range when those are taken.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startLocalChain, type LocalChain } from "../../scripts/chain.ts";
import { startServer, type RunningServer } from "../../scripts/serve.ts";
import { signerFromSecretKey } from "../../app/core/didwebvh/signer.ts";
import { REGISTRATION_REQUEST_TYPE, type RegistrationRequest } from "../../app/core/provisions/registrationRequest.ts";
import { provisionMetadataHash } from "../../app/core/provisions/metadata.ts";
import { deadlineIn, registrationTypedData } from "../../app/core/provisions/typedData.ts";
import { connectChain } from "../../app/publisher/chain.ts";
import { HostStore } from "../../app/publisher/store.ts";
import { DEMO_CONTROLLER_KEY, seedDemoProvisions, type SeedDemoResult } from "../../app/publisher/provision/demo.ts";
import { anchorLogs, createProvisionDid, deployAnchorRegistry, publishLog } from "../../app/publisher/provision/provision.ts";
import { expectNoSidewaysScroll } from "../layout.ts";
import { HARDHAT_KEYS, TestWallet } from "./testWallet.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** This suite's ports (tried in turn, so that two runs at once on a shared machine do not collide). */
const PORTS = { chain: [8660, 8662, 8664], app: [8661, 8663, 8665] } as const;
let HOST: string;

let tmp: string;
let chain: LocalChain;
let server: RunningServer;
let seeded: SeedDemoResult;
let registrationRequest: RegistrationRequest;
let anchorRegistryAddress: `0x${string}`;

function build(outDir: string, rpc: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/vite"), ["build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], {
      cwd: ROOT,
      env: { ...process.env, CHAIN_STAGE: "local", LOCAL_RPC: rpc },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}: ${err.slice(-3000)}`))));
  });
}

async function firstFree<T>(ports: readonly number[], start: (port: number) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const port of ports) {
    try {
      return await start(port);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  tmp = await mkdtemp(path.join(os.tmpdir(), "e2e-wallet-"));
  const cdnDir = path.join(tmp, "host");
  const distDir = path.join(tmp, "dist");
  await mkdir(cdnDir, { recursive: true });
  await mkdir(distDir, { recursive: true });
  chain = await firstFree(PORTS.chain, (port) => startLocalChain({ port }));
  // The server first (its port names the DIDs' host); it serves the build once it is there.
  server = await firstFree(PORTS.app, (port) => startServer({ port, appDir: distDir, cdnDir, rpcOrigins: [chain.url] }));
  HOST = `localhost:${server.port}`;
  const built = build(distDir, chain.url);
  const conn = await connectChain(chain.url);
  const anchorRegistry = await deployAnchorRegistry(conn);
  anchorRegistryAddress = anchorRegistry;
  seeded = await seedDemoProvisions({ rpcUrl: chain.url, cdnDir, host: HOST, anchorRegistry });

  // A new provision, published and anchored, for the wallet to register: its machine signs the
  // consent (what `provision consent` prints on the machine).
  const controller = privateKeyToAccount(DEMO_CONTROLLER_KEY).address;
  const machine = privateKeyToAccount(generatePrivateKey());
  const info = { provisionId: "e2e-new-1", endpoint: "https://e2e-new-1.example/", tier: "performance", country: "NL" };
  const created = await createProvisionDid({
    host: HOST,
    info,
    chainId: chain.chainId,
    controller,
    machine: machine.address,
    signer: signerFromSecretKey(crypto.getRandomValues(new Uint8Array(32))),
    anchoring: { chainId: chain.chainId, registry: anchorRegistry, anchorers: [conn.account.address] },
  });
  const store = new HostStore(cdnDir);
  await publishLog(store, created.did, created.log);
  await anchorLogs({ conn, anchorRegistry, store, logs: [{ did: created.did, log: created.log }] });
  const deadline = deadlineIn(3600);
  const metadataHash = provisionMetadataHash(info);
  const typed = { chainId: chain.chainId, registry: seeded.manifest.provisionRegistry, machine: machine.address, controller, did: created.did, metadataHash, deadline };
  registrationRequest = {
    type: REGISTRATION_REQUEST_TYPE,
    ...typed,
    deadline: deadline.toString(),
    signature: await machine.signTypedData(registrationTypedData(typed)),
  };

  await built;
});

test.afterAll(async () => {
  await server?.stop();
  await chain?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** What each page a test opened printed, and what its wallet was asked: printed when the test fails. */
const opened: { page: Page; lines: string[]; wallet: TestWallet }[] = [];

test.afterEach(async ({}, testInfo) => {
  const pages = opened.splice(0);
  if (testInfo.status === testInfo.expectedStatus) return;
  for (const [i, { page, lines, wallet }] of pages.entries()) {
    const state = page.isClosed()
      ? "(closed)"
      : await page.evaluate(() => ({
          url: location.href,
          notice: document.querySelector("[data-testid=account-notice]")?.textContent ?? null,
          txs: [...document.querySelectorAll("[data-testid=tx]")].map((e) => `${e.getAttribute("data-status")}: ${e.textContent?.trim()}`),
          alerts: [...document.querySelectorAll("[role=alert]")].map((e) => e.textContent?.trim()),
        })).catch((e: unknown) => `(unreadable: ${String(e)})`);
    const body = [`page state: ${JSON.stringify(state)}`, `wallet requests: ${wallet.requests.join(", ")}`, "console:", ...lines].join("\n");
    await testInfo.attach(`page-${i + 1}`, { body, contentType: "text/plain" });
    console.log(`--- ${testInfo.title}, page ${i + 1} ---\n${body}`);
  }
});

async function openWithWallet(browser: Browser, hash: string, options: Partial<ConstructorParameters<typeof TestWallet>[0]> = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const page = await context.newPage();
  const wallet = new TestWallet({ rpcUrl: chain.url, chainId: chain.chainId, privateKey: DEMO_CONTROLLER_KEY, ...options });
  const lines: string[] = [];
  page.on("console", (m) => lines.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => lines.push(`[pageerror] ${e.stack ?? e.message}`));
  opened.push({ page, lines, wallet });
  await wallet.install(page);
  await page.addInitScript(
    ([rpc]) => {
      if (!localStorage.getItem("verifier.settings.v1")) {
        localStorage.setItem("verifier.settings.v1", JSON.stringify({ stage: "local", rpcUrls: { local: [rpc] }, hostOrigin: "", stalenessHours: 24 }));
      }
    },
    [chain.url],
  );
  await page.goto(`${server.url}/${hash}`);
  return { context, page, wallet };
}

async function connect(page: Page, key: `0x${string}` = DEMO_CONTROLLER_KEY) {
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("wallet-address")).toHaveText(privateKeyToAccount(key).address);
}

const provision = (page: Page, machine: string) => page.locator(`[data-testid="provision"][data-machine="${machine}"]`);

/**
 * Opens one of the dashboard's folded forms as a user does: once the page has read the wallet's provisions
 * (until then the sections above it still grow and shrink), then checks that it opened. A CI run once saw a
 * form stay closed after a click made while the page was still filling in; 32 local runs of that test did not.
 */
async function openSection(page: Page, summary: string) {
  await expect(page.getByRole("heading", { name: "Your provisions" })).toBeVisible();
  await expect(page.getByTestId("provisions-reading")).toHaveCount(0);
  await expect(page.getByTestId("provisions-unknown")).toHaveCount(0);
  await page.getByText(summary).click();
  await expect(page.locator("details", { hasText: summary })).toHaveAttribute("open", "");
}
const machineOf = (id: string) => seeded.provisions.find((p) => p.provisionId === id)!;

test("connect: the wallet is discovered (EIP-6963), its panel and its provisions appear", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  await expect(page.getByTestId("wallet-balance")).toContainText("ETH");
  await expect(page.getByTestId("wallet-chain")).toContainText(String(chain.chainId));
  for (const p of seeded.provisions) {
    await expect(provision(page, p.machine).getByTestId("state-chip")).toHaveAttribute("data-state", p.state);
    // The provision's verdict (checked against its DID), beside the DID's own.
    await expect(provision(page, p.machine).getByTestId("provision-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
    await expect(provision(page, p.machine).getByTestId("did-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified");
  }
  expect(wallet.requests).toContain("eth_requestAccounts");
  await expectNoSidewaysScroll(page, "the wallet and its provisions");

  // The user picks another account in the wallet (accountsChanged): the panel and dashboard follow.
  const other = privateKeyToAccount(HARDHAT_KEYS[5]);
  await wallet.userSwitchesAccount(HARDHAT_KEYS[5]);
  await expect(page.getByTestId("wallet-address")).toHaveText(other.address);
  await expect(page.getByText("This wallet controls no provision.")).toBeVisible();
  await expect(page.getByTestId("provision")).toHaveCount(0);
  await context.close();
});

test("link: linked only once both the chain and the DID document agree; unlink", async ({ browser }) => {
  const { context, page } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const did = machineOf("eu-gpu-1").did;
  await page.getByLabel("DID to link this wallet to").fill(did);
  await page.getByRole("button", { name: "Check" }).click();
  // The document names the wallet, the chain does not yet: not linked.
  await expect(page.getByTestId("link-status")).toHaveAttribute("data-status", "named");
  await page.getByLabel("DID to link this wallet to").fill(did);
  await page.getByRole("button", { name: "Link", exact: true }).click();
  await expect(page.getByTestId("tx").first()).toHaveAttribute("data-status", "confirmed");
  await expect(page.getByTestId("link-status")).toHaveAttribute("data-status", "linked", { timeout: 20_000 });
  await expect(page.getByTestId("link-did")).toHaveText(did);
  await page.getByRole("button", { name: "Unlink" }).click();
  // The document still names the wallet, but the chain no longer says so: not linked.
  await expect(page.getByTestId("link-status")).toHaveAttribute("data-status", "named", { timeout: 20_000 });
  await expect(page.getByTestId("link-status")).toContainText("Not linked");
  await context.close();
});

test("register: a machine's consent is checked against its DID and registered from the wallet", async ({ browser }) => {
  const { context, page } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  await openSection(page, "Register a provision");
  await page.getByLabel(/Registration request/).fill(JSON.stringify(registrationRequest));
  await page.getByRole("button", { name: "Register", exact: true }).click();
  // A refusal is a notice: fail with its text rather than wait for a transaction that will not come.
  await expect(page.getByTestId("tx").or(page.getByTestId("account-notice")).first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("account-notice")).toHaveCount(0);
  await expect(page.getByTestId("tx").first()).toHaveAttribute("data-status", "confirmed", { timeout: 20_000 });
  await expect(provision(page, registrationRequest.machine).getByTestId("state-chip")).toHaveAttribute("data-state", "started");
  await context.close();
});

test("start and stop: the transaction is followed and the state chip follows", async ({ browser }) => {
  const { context, page } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const row = provision(page, machineOf("jp-edge-1").machine);
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "started");
  await row.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.getByTestId("tx").first()).toHaveAttribute("data-status", "confirmed");
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "running");
  await row.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "off");
  await row.getByRole("button", { name: "History" }).click();
  await expect(row.getByTestId("history").locator("li")).toHaveCount(3);
  // The wallet's own activity mixes its provisions: each line names its provision.
  const activity = page.getByRole("region", { name: "Recent activity with our contracts" });
  await expect(activity.locator('li[data-kind="state"]', { hasText: "running → off" }).first().getByTestId("activity-provision")).toHaveText("jp-edge-1:");
  await context.close();
});

test("a declined signature (4001) is shown as such and changes nothing", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const row = provision(page, machineOf("us-std-1").machine);
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "off");
  wallet.rejectNext("eth_sendTransaction");
  await row.getByRole("button", { name: "Start", exact: true }).click();
  const tx = page.getByTestId("tx").first();
  await expect(tx).toHaveAttribute("data-status", "rejected");
  await expect(tx).toContainText("You declined the request in your wallet.");
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "off");
  await context.close();
});

test("sign for a relayer (EIP-712, declined once), then anyone relays it and the state follows", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const machine = machineOf("us-std-1").machine;
  const row = provision(page, machine);
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "off");
  wallet.rejectNext("eth_signTypedData_v4");
  await row.getByRole("button", { name: "Sign start for a relayer" }).click();
  await expect(page.getByTestId("account-notice")).toHaveText("You declined the signature in your wallet: nothing was signed.");
  await expect(page.getByTestId("signed-change")).toHaveCount(0);
  await row.getByRole("button", { name: "Sign start for a relayer" }).click();
  const signed = await page.getByTestId("signed-change").textContent();
  expect(JSON.parse(signed!)).toMatchObject({ type: "ProvisionStateChangeSignature", machine, to: "running", nonce: "2" });
  expect(wallet.requests.filter((r) => r === "eth_signTypedData_v4")).toHaveLength(2);
  expect(wallet.requests).not.toContain("eth_sendTransaction");

  // Another wallet, not the controller, relays it and pays the gas.
  const relayerKey = HARDHAT_KEYS[4];
  const other = await openWithWallet(browser, "#/wallet", { privateKey: relayerKey });
  await connect(other.page, relayerKey);
  // The relayer controls nothing, and relays all the same.
  await expect(other.page.getByText("This wallet controls no provision.")).toBeVisible();
  await openSection(other.page, "Relay a signed state change");
  await other.page.getByLabel(/Signed state change/).fill(signed!);
  await other.page.getByRole("button", { name: "Relay", exact: true }).click();
  await expect(other.page.getByTestId("tx").first()).toHaveAttribute("data-status", "confirmed");
  // Replaying the same signature (the form is still open, emptied once the relay went through): the
  // nonce moved on, the contract refuses with a decoded reason.
  await expect(other.page.getByLabel(/Signed state change/)).toHaveValue("");
  await other.page.getByLabel(/Signed state change/).fill(signed!);
  await other.page.getByRole("button", { name: "Relay", exact: true }).click();
  const refused = other.page.getByTestId("tx").first();
  await expect(refused).toHaveAttribute("data-status", "failed");
  await expect(refused).toHaveAttribute("data-error-name", "InvalidProvisionSignature");
  // In words, not as a raw call.
  await expect(refused).toContainText("the signature is not valid for this provision now");
  await other.context.close();

  await page.reload();
  await connect(page);
  await expect(provision(page, machine).getByTestId("state-chip")).toHaveAttribute("data-state", "running");
  await context.close();
});

test("a wallet on another chain is asked to switch, and adds the chain when it does not know it (4902)", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet", { startChainId: 1, knowsChain: false });
  await connect(page);
  await expect(page.getByTestId("wrong-chain")).toContainText(`Your wallet is on Ethereum, chain 1; this app uses Local chain (Hardhat), chain ${chain.chainId}.`);
  await page.getByRole("button", { name: /^Switch to/ }).click();
  await expect(page.getByTestId("wrong-chain")).toHaveCount(0);
  expect(wallet.requests).toEqual(expect.arrayContaining(["wallet_switchEthereumChain", "wallet_addEthereumChain"]));
  expect(wallet.chainId).toBe(chain.chainId);
  // The user moves to another chain inside the wallet (chainChanged): the app notices and asks again.
  await wallet.userSwitchesChain(5);
  await expect(page.getByTestId("wrong-chain")).toContainText("Your wallet is on chain 5");
  await page.getByRole("button", { name: /^Switch to/ }).click();
  await expect(page.getByTestId("wrong-chain")).toHaveCount(0);
  await context.close();
});

test("a provision's page: verified DID, state, tier, country, history; then offline from the cache", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(
    ([rpc]) => {
      if (!localStorage.getItem("verifier.settings.v1")) {
        localStorage.setItem("verifier.settings.v1", JSON.stringify({ stage: "local", rpcUrls: { local: [rpc] }, hostOrigin: "", stalenessHours: 24 }));
      }
    },
    [chain.url],
  );
  const p = machineOf("eu-gpu-1");
  // The host's list first: its machine addresses wrap at a phone's width.
  await page.goto(`${server.url}/#/provision`);
  await expect(page.getByRole("link", { name: p.machine })).toBeVisible();
  await expectNoSidewaysScroll(page, "the provisions listed by the host");
  await page.goto(`${server.url}/#/provision/${p.machine}`);
  const view = page.getByTestId("provision-page");
  await expect(view.getByTestId("state-chip")).toHaveAttribute("data-state", "running");
  await expect(view.getByTestId("controller")).toHaveText(privateKeyToAccount(DEMO_CONTROLLER_KEY).address);
  await expect(view.getByTestId("did-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  // The provision against its DID: the document names the controller and hashes to the registry's metadata.
  await expect(view.getByTestId("provision-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified");
  await expect(view.getByTestId("tier")).toHaveText("gpu");
  await expect(view.getByTestId("country")).toHaveText("DE");
  await expect(view.getByText("the chain's hash matches the DID document")).toBeVisible();
  await expect(view.getByTestId("history").locator("li")).toHaveCount(2);
  await expectNoSidewaysScroll(page, "a provision's page");

  // Installed as a PWA: controlled by the service worker, then offline.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload();
  await expect(view.getByTestId("did-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await context.setOffline(true);
  await page.reload();
  await expect(view.getByTestId("from-cache")).toContainText("chain data read at", { timeout: 20_000 });
  await expect(view.getByTestId("state-chip")).toHaveAttribute("data-state", "running");
  await expect(view.getByTestId("did-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified");
  await expect(view.getByTestId("provision-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified");

  // A machine not registered when last read: offline, that answer too says it comes from the cache.
  await context.setOffline(false);
  const unknown = privateKeyToAccount(generatePrivateKey()).address;
  await page.goto(`${server.url}/#/provision/${unknown}`);
  await expect(view.getByTestId("not-registered")).toBeVisible({ timeout: 20_000 });
  await expect(view.getByTestId("from-cache")).toHaveCount(0);
  await context.setOffline(true);
  await page.reload();
  await expect(view.getByTestId("not-registered")).toBeVisible({ timeout: 20_000 });
  await expect(view.getByTestId("from-cache")).toContainText("chain data read at");
  await context.close();
});

test("the controller revokes a leaked machine key and offers control to another wallet, which accepts; the pages say so", async ({ browser }) => {
  const p = machineOf("eu-gpu-1");
  const successorKey = HARDHAT_KEYS[4];
  const successor = privateKeyToAccount(successorKey).address;
  const controller = privateKeyToAccount(DEMO_CONTROLLER_KEY).address;
  const { context, page } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const row = provision(page, p.machine);
  await row.getByText("Machine key and control").click();
  // Revoking cannot be undone: it asks first.
  await row.getByRole("button", { name: "Revoke the machine key…" }).click();
  await expect(row.getByRole("alert")).toContainText("Revoke for good?");
  await row.getByRole("button", { name: "Revoke for good" }).click();
  await expect(row.getByTestId("key-revoked")).toBeVisible({ timeout: 20_000 });
  await expect(row.getByRole("button", { name: "Revoke the machine key…" })).toBeDisabled();
  await row.getByLabel("Offer control to").fill(successor);
  await row.getByRole("button", { name: "Offer control" }).click();
  await expect(row.getByTestId("control-offered")).toContainText(successor, { timeout: 20_000 });
  await expectNoSidewaysScroll(page, "the wallet's provisions with the machine key and control opened");

  // The public page and its history.
  await page.goto(`${server.url}/#/provision/${p.machine}`);
  const view = page.getByTestId("provision-page");
  await expect(view.getByTestId("machine-key")).toContainText("revoked by the controller", { timeout: 20_000 });
  await expect(view.getByTestId("pending-controller")).toContainText(successor);
  await expect(view.getByTestId("controller")).toHaveText(controller);
  // Offered, not accepted: the controller is still the one the DID document names.
  await expect(view.getByTestId("provision-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  const history = view.getByTestId("history");
  await expect(history.locator('li[data-kind="keyRevoked"]')).toContainText("Machine key revoked");
  await expect(history.locator('li[data-kind="controlProposed"]')).toContainText(`Control offered by ${controller} to ${successor}`);
  await expectNoSidewaysScroll(page, "a provision's page with a revoked key and an offer of control");
  await context.close();

  // The other wallet accepts: the provision is now its own.
  const other = await openWithWallet(browser, "#/wallet", { privateKey: successorKey });
  await connect(other.page, successorKey);
  await expect(provision(other.page, p.machine)).toHaveCount(0);
  await openSection(other.page, "Accept control of a provision");
  await other.page.getByLabel("Machine address of a provision").fill(p.machine);
  await other.page.getByRole("button", { name: "Accept control" }).click();
  await expect(provision(other.page, p.machine)).toBeVisible({ timeout: 20_000 });
  await expect(provision(other.page, p.machine).getByTestId("key-revoked")).toBeVisible();
  await expect(provision(other.page, p.machine).getByTestId("control-offered")).toHaveCount(0);
  // Its dashboard says at once that the DID document still names the former controller.
  const mine = provision(other.page, p.machine);
  await expect(mine.getByTestId("provision-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  await expect(mine.locator('[data-error-name="ControllerTransferredError"]')).toContainText(successor);
  await expect(mine.locator('[data-error-name="ControllerTransferredError"]')).toContainText(controller);
  await expect(mine.getByTestId("did-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified");
  await expectNoSidewaysScroll(other.page, "the dashboard after control passed to this wallet");

  // The public page: the DID's own log is still verified, but its document names the former controller, so
  // the provision is invalid and says when control moved and to whom (the DID document was not updated).
  await other.page.goto(`${server.url}/#/provision/${p.machine}`);
  const moved = other.page.getByTestId("provision-page");
  await expect(moved.getByTestId("controller")).toHaveText(successor, { timeout: 20_000 });
  const verdict = moved.getByTestId("provision-verdict");
  await expect(verdict.locator("[data-verdict]")).toHaveAttribute("data-verdict", "invalid", { timeout: 20_000 });
  await expect(verdict.locator('[data-error-name="ControllerTransferredError"]')).toContainText(successor);
  await expect(verdict.locator('[data-error-name="ControllerTransferredError"]')).toContainText(controller);
  await expect(moved.getByTestId("did-verdict").locator("[data-verdict]")).toHaveAttribute("data-verdict", "verified");
  await expectNoSidewaysScroll(other.page, "a provision's page after control passed on");
  await other.context.close();
});

/** The app's RPC endpoint, as the page reaches it (the test wallet reads and sends from Node, not through the page). */
const appRpc = (url: URL) => url.origin === new URL(chain.url).origin;

test("an account switch: the previous account's provisions and link go at once; reading, then unknown when the RPC fails, never none", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  await expect(page.getByTestId("provision").first()).toBeVisible();
  await expect(page.getByTestId("link-status")).toBeVisible();
  // From now on the page's RPC answers late, then not at all.
  await page.route(appRpc, async (route) => {
    await new Promise((r) => setTimeout(r, 2500));
    await route.abort().catch(() => undefined);
  });
  await wallet.userSwitchesAccount(HARDHAT_KEYS[5]);
  await expect(page.getByTestId("provision")).toHaveCount(0);
  await expect(page.getByTestId("provisions-reading")).toBeVisible();
  await expect(page.getByTestId("link-status")).toHaveAttribute("data-status", "reading");
  await expect(page.getByTestId("provisions-unknown")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("link-status")).toHaveAttribute("data-status", "unknown");
  await expect(page.getByTestId("activity-unknown")).toBeVisible();
  await expect(page.getByText("This wallet controls no provision.")).toHaveCount(0);
  await expect(page.getByText("No events.")).toHaveCount(0);
  await expect(page.getByTestId("provision")).toHaveCount(0);
  await context.close();
});

test("with the RPC down from the start, a controller is told its provisions are unknown, not that it has none", async ({ browser }) => {
  const { context, page } = await openWithWallet(browser, "#/wallet");
  await page.route(appRpc, (route) => route.abort());
  await connect(page);
  await expect(page.getByTestId("provisions-unknown")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("provisions-unknown")).toContainText("could not be read");
  await expect(page.getByText("This wallet controls no provision.")).toHaveCount(0);
  await expect(page.getByText("No events.")).toHaveCount(0);
  await context.close();
});

test("a slow wallet: Start and a signature are each asked once, their buttons wait, and the page says it waits", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const row = provision(page, registrationRequest.machine);
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "started");
  const count = (m: string) => wallet.requests.filter((r) => r === m).length;
  const sent = count("eth_sendTransaction");
  wallet.delayMs = 1500;
  const start = row.getByRole("button", { name: "Start", exact: true });
  await start.click();
  await expect(start).toBeDisabled();
  await start.click({ force: true }); // a second click on the disabled button does nothing
  await expect(page.getByTestId("tx").first()).toHaveAttribute("data-status", "confirmed", { timeout: 20_000 });
  await expect(row.getByTestId("state-chip")).toHaveAttribute("data-state", "running");
  expect(count("eth_sendTransaction")).toBe(sent + 1);
  await expect(page.getByTestId("tx")).toHaveCount(1);

  const signs = count("eth_signTypedData_v4");
  const sign = row.getByRole("button", { name: "Sign stop for a relayer" });
  await sign.click();
  await expect(row.getByTestId("signing")).toContainText("Waiting for your wallet…");
  await expect(sign).toBeDisabled();
  await sign.click({ force: true });
  await expect(page.getByTestId("signed-change")).toBeVisible({ timeout: 20_000 });
  await expect(row.getByTestId("signing")).toHaveCount(0);
  expect(count("eth_signTypedData_v4")).toBe(signs + 1);
  wallet.delayMs = 0;
  await context.close();
});

test("notices that no longer apply go: switch first, declined adding the chain, once the wallet is on the app's chain", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet", { startChainId: 1, knowsChain: false });
  await connect(page);
  const row = provision(page, registrationRequest.machine);
  await row.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(page.getByTestId("account-notice")).toHaveText(/^Switch your wallet to .* first\.$/);
  wallet.rejectNext("wallet_addEthereumChain");
  await page.getByRole("button", { name: /^Switch to/ }).click();
  await expect(page.getByTestId("wallet-error")).toContainText("You declined adding");
  await page.getByRole("button", { name: /^Switch to/ }).click();
  await expect(page.getByTestId("wrong-chain")).toHaveCount(0);
  await expect(page.getByTestId("wallet-error")).toHaveCount(0);
  await expect(page.getByTestId("account-notice")).toHaveCount(0);
  // The switch button is gone: the chain's status has the focus.
  await expect(page.getByTestId("wallet-chain")).toBeFocused();

  // The user moves away inside the wallet, is told to switch, then switches back inside the wallet.
  await wallet.userSwitchesChain(5);
  wallet.rejectNext("wallet_switchEthereumChain");
  await page.getByRole("button", { name: /^Switch to/ }).click();
  await expect(page.getByTestId("wallet-error")).toContainText("You declined switching");
  await row.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(page.getByTestId("account-notice")).toBeVisible();
  await wallet.userSwitchesChain(chain.chainId);
  await expect(page.getByTestId("wallet-error")).toHaveCount(0);
  await expect(page.getByTestId("account-notice")).toHaveCount(0);
  await context.close();
});

test("leaving the Wallet tab and coming back keeps a signed change, what was typed and the transactions", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const row = provision(page, registrationRequest.machine);
  wallet.rejectNext("eth_sendTransaction");
  await row.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(page.getByTestId("tx").first()).toHaveAttribute("data-status", "rejected");
  await row.getByRole("button", { name: "Sign stop for a relayer" }).click();
  const signed = await page.getByTestId("signed-change").textContent();
  await openSection(page, "Register a provision");
  await page.getByLabel(/Registration request/).fill("half-typed request");
  await page.getByLabel("DID to link this wallet to").fill("did:webvh:half");

  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("signed-change")).toHaveCount(0);
  await page.getByRole("link", { name: "Wallet" }).click();
  await expect(page.getByTestId("signed-change")).toHaveText(signed!);
  await expect(page.getByTestId("tx")).toHaveCount(1);
  await expect(page.getByTestId("tx").first()).toHaveAttribute("data-status", "rejected");
  await expect(page.getByLabel("DID to link this wallet to")).toHaveValue("did:webvh:half");
  await openSection(page, "Register a provision");
  await expect(page.getByLabel(/Registration request/)).toHaveValue("half-typed request");
  await context.close();
});

test("a wallet that never answers the connection: the page says it waits for it, it can be cancelled, another wallet connects", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const page = await context.newPage();
  const silent = new TestWallet({ rpcUrl: chain.url, chainId: chain.chainId, privateKey: DEMO_CONTROLLER_KEY });
  const second = new TestWallet({ rpcUrl: chain.url, chainId: chain.chainId, privateKey: HARDHAT_KEYS[4], name: "Second Wallet", rdns: "org.example.second", fn: "__secondWalletRequest" });
  await silent.install(page);
  await second.install(page);
  await page.addInitScript(
    ([rpc]) => localStorage.setItem("verifier.settings.v1", JSON.stringify({ stage: "local", rpcUrls: { local: [rpc] }, hostOrigin: "", stalenessHours: 24 })),
    [chain.url],
  );
  await page.goto(`${server.url}/#/wallet`);
  silent.hangNext("eth_requestAccounts");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("connect-waiting")).toContainText("Waiting for Test Wallet");
  await expect(page.getByRole("button", { name: "Connect Test Wallet" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Connect Second Wallet" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("connect-waiting")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Connect Test Wallet" })).toBeEnabled();

  silent.hangNext("eth_requestAccounts");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("connect-waiting")).toBeVisible();
  await page.getByRole("button", { name: "Connect Second Wallet" }).click();
  await expect(page.getByTestId("wallet-address")).toHaveText(privateKeyToAccount(HARDHAT_KEYS[4]).address);
  expect(second.requests).toContain("eth_requestAccounts");
  await context.close();
});

test("link: a DID that is not did:webvh is refused, and one whose document does not name the wallet is held back until confirmed", async ({ browser }) => {
  const key = HARDHAT_KEYS[3]; // funded (it pays the gas of the claim at the end)
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet", { privateKey: key });
  await connect(page, key);
  const input = page.getByLabel("DID to link this wallet to");
  await input.fill("did:nonsense");
  await page.getByRole("button", { name: "Link", exact: true }).click();
  await expect(page.getByTestId("account-notice")).toContainText("Not a did:webvh DID");
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByTestId("account-notice")).toContainText("Not a did:webvh DID");
  expect(wallet.requests).not.toContain("eth_sendTransaction");

  // eu-gpu-1's document names its controller, not this wallet.
  await input.fill(machineOf("eu-gpu-1").did);
  await page.getByRole("button", { name: "Link", exact: true }).click();
  const warning = page.getByTestId("link-warning");
  await expect(warning).toHaveAttribute("data-reason", "unnamed", { timeout: 20_000 });
  await expect(warning).toContainText("The DID document does not name this wallet.");
  await expect(warning.getByRole("button", { name: "Claim it on chain anyway" })).toBeFocused();
  expect(wallet.requests).not.toContain("eth_sendTransaction");
  await warning.getByRole("button", { name: "Don't link" }).click();
  await expect(warning).toHaveCount(0);
  await expect(input).toBeFocused();

  await page.getByRole("button", { name: "Link", exact: true }).click();
  await warning.getByRole("button", { name: "Claim it on chain anyway" }).click();
  await expect(page.getByTestId("tx").first()).toHaveAttribute("data-status", "confirmed", { timeout: 20_000 });
  await expect(page.getByTestId("link-status")).toHaveAttribute("data-status", "claimed", { timeout: 20_000 });
  expect(wallet.requests.filter((r) => r === "eth_sendTransaction")).toHaveLength(1);
  await context.close();
});

test("keyboard focus follows: Connect, Revoke…, Keep it, Revoke for good, Disconnect", async ({ browser }) => {
  const { context, page } = await openWithWallet(browser, "#/wallet");
  await page.getByRole("button", { name: "Connect Test Wallet" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Your wallet" })).toBeFocused();
  const row = provision(page, machineOf("jp-edge-1").machine);
  await row.getByText("Machine key and control").click();
  await row.getByRole("button", { name: "Revoke the machine key…" }).focus();
  await page.keyboard.press("Enter");
  // The question's safe answer has the focus: a second Enter revokes nothing.
  await expect(row.getByRole("button", { name: "Keep it" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(row.getByRole("button", { name: "Revoke the machine key…" })).toBeFocused();
  await page.keyboard.press("Enter");
  await row.getByRole("button", { name: "Revoke for good" }).focus();
  await page.keyboard.press("Enter");
  await expect(row.getByText("Machine key and control")).toBeFocused();
  await expect(row.getByTestId("key-revoked")).toBeVisible({ timeout: 20_000 });
  // Per-provision buttons say which provision they act on.
  await expect(row.getByRole("button", { name: "Start", exact: true })).toHaveAccessibleDescription(/jp-edge-1|0x/);
  await page.getByRole("button", { name: "Disconnect" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Connect a wallet" })).toBeFocused();
  await context.close();
});

test("anchor a batch: the root the publisher printed is sent from the wallet and anchored by it; asked again, nothing is sent", async ({ browser }) => {
  const { context, page, wallet } = await openWithWallet(browser, "#/wallet");
  await connect(page);
  const { createPublicClient, http } = await import("viem");
  const { anchorRegistryAbi } = await import("../../app/contracts/abi.ts");
  const client = createPublicClient({ transport: http(chain.url) });
  const me = privateKeyToAccount(DEMO_CONTROLLER_KEY).address;
  const root = generatePrivateKey(); // any 32 bytes: what anchor --anchorer printed
  const section = page.getByRole("region", { name: "Anchor a batch" });
  await expect(section.getByText(`anchor --anchorer ${me}`)).toBeVisible();

  // Malformed input is refused before the wallet is asked.
  await section.getByLabel("Merkle root").fill("0x1234");
  await section.getByLabel("Anchor registry").fill(anchorRegistryAddress);
  await section.getByRole("button", { name: "Anchor from this wallet" }).click();
  await expect(page.getByTestId("account-notice")).toContainText("The root is not 32 bytes in hex");
  // A registry address with no contract on this chain.
  await section.getByLabel("Merkle root").fill(root);
  await section.getByLabel("Anchor registry").fill("0x000000000000000000000000000000000000dEaD");
  await section.getByRole("button", { name: "Anchor from this wallet" }).click();
  await expect(page.getByTestId("account-notice")).toContainText("There is no contract at 0x000000000000000000000000000000000000dEaD");
  const sends = () => wallet.requests.filter((m) => m === "eth_sendTransaction").length;
  const sentBefore = sends();

  await section.getByLabel("Anchor registry").fill(anchorRegistryAddress.toLowerCase());
  await section.getByRole("button", { name: "Anchor from this wallet" }).click();
  await expect(section.getByTestId("anchor-status")).toContainText(`Anchored: root ${root} at block`, { timeout: 20_000 });
  await expect(section.getByTestId("anchor-status")).toBeFocused();
  const [timestamp] = await client.readContract({ address: anchorRegistryAddress, abi: anchorRegistryAbi, functionName: "anchorOf", args: [me, root] });
  expect(timestamp).toBeGreaterThan(0n);
  expect(sends()).toBe(sentBefore + 1);

  await section.getByRole("button", { name: "Anchor from this wallet" }).click();
  await expect(section.getByTestId("anchor-status")).toContainText(`Already anchored by this wallet: root ${root}`);
  expect(sends()).toBe(sentBefore + 1);
  await expectNoSidewaysScroll(page, "the anchor panel");
  await context.close();
});
