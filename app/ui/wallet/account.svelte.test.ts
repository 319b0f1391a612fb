/**
 * The wallet's state classes against a fake wallet (EIP-1193: slow, silent or declining on demand) and a
 * fake chain reader (whose reads can hang or fail): what the page shows comes from these states.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineChain, numberToHex, type PublicClient } from "viem";
import type { Hex } from "../../core/types.ts";
import type { Eip1193Provider, Eip6963ProviderDetail } from "./eip1193.ts";

const NAMED_DID = "did:webvh:QmSnuWmxptJZdLJpKRarxBMS2Ju2oANVrgbr2xWbie9b2D:names.example";
const OTHER_DID = "did:webvh:QmSnuWmxptJZdLJpKRarxBMS2Ju2oANVrgbr2xWbie9b2D:other.example";

vi.mock("../provision/env.ts", async (original) => ({
  ...(await original<typeof import("../provision/env.ts")>()),
  verifyDidVerdict: vi.fn(async (did: string) => ({ did, url: "", verdict: "verified", entries: [], document: { id: did } })),
  // The document of NAMED_DID names whichever wallet is connected (as alsoKnownAs); any other names none.
  verifiedDocument: vi.fn(async (did: string) => ({ id: did, alsoKnownAs: did === NAMED_DID ? [`did:pkh:eip155:31337:${connected.toLowerCase()}`] : [] })),
}));

const { AccountState } = await import("./account.svelte.ts");
const { WalletState } = await import("./wallet.svelte.ts");
const { accountSession } = await import("./session.ts");

const CHAIN_ID = 31337;
const chain = defineChain({ id: CHAIN_ID, name: "Local chain (Hardhat)", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: ["http://127.0.0.1:9"] } } });
const CONTROLLER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Hex;
const OTHER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" as Hex;
const MACHINE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Hex;
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex;
const LINKS = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as Hex;
let connected: Hex = CONTROLLER;

const later = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A chain reader: CONTROLLER controls MACHINE (running); reads answer, hang or fail as `mode` says. */
function fakeChain() {
  const state = { mode: "ok" as "ok" | "hang" | "fail", provisionState: 2 };
  const read = <T>(value: () => T): Promise<T> =>
    state.mode === "hang" ? never() : state.mode === "fail" ? Promise.reject(new Error("HTTP request failed: connection refused")) : Promise.resolve(value());
  const client = {
    getBlockNumber: () => read(() => 10n),
    getBlock: () => read(() => ({ timestamp: 1_700_000_000n })),
    getBalance: () => read(() => 10n ** 18n),
    getChainId: () => read(() => CHAIN_ID),
    getContractEvents: (a: { eventName: string; args: Record<string, string> }) =>
      read(() =>
        a.eventName === "ProvisionRegistered" && (a.args.controller === CONTROLLER || a.args.machine === MACHINE)
          ? [{ args: { machine: MACHINE, controller: CONTROLLER, did: NAMED_DID, metadataHash: `0x${"11".repeat(32)}` }, blockNumber: 1n, logIndex: 0, transactionHash: `0x${"aa".repeat(32)}` }]
          : [],
      ),
    readContract: (a: { functionName: string; args: readonly unknown[] }) =>
      read(() => {
        switch (a.functionName) {
          case "provisionOf":
            return { controller: CONTROLLER, did: NAMED_DID, metadataHash: `0x${"11".repeat(32)}`, state: state.provisionState, nonce: 3n, updatedAt: 1n };
          case "isMachineKeyRevoked":
            return false;
          case "pendingControllerOf":
            return "0x0000000000000000000000000000000000000000";
          case "linkOf":
            return `0x${"00".repeat(32)}`;
          default:
            throw new Error(`unexpected read ${a.functionName}`);
        }
      }),
    simulateContract: (a: Record<string, unknown>) => read(() => ({ request: { ...a, chain } })),
    waitForTransactionReceipt: () => read(() => ({ status: "success", blockNumber: 2n })),
  };
  return { state, client: client as unknown as PublicClient };
}

/** An EIP-1193 wallet: answers after `delayMs`, never answers the methods in `silent`, declines those in `decline`. */
function fakeWallet(name = "Fake Wallet") {
  const listeners = new Map<string, Set<(...args: never[]) => void>>();
  const w = {
    address: CONTROLLER as Hex,
    chainId: CHAIN_ID,
    delayMs: 0,
    silent: new Set<string>(),
    decline: new Set<string>(),
    knows: new Set<number>([CHAIN_ID]),
    requests: [] as string[],
    emit(event: string, value: unknown) {
      for (const l of listeners.get(event) ?? []) (l as (v: unknown) => void)(value);
    },
  };
  const provider: Eip1193Provider = {
    async request({ method, params }) {
      w.requests.push(method);
      if (w.silent.has(method)) return never();
      if (w.delayMs) await later(w.delayMs, null);
      if (w.decline.has(method)) throw Object.assign(new Error("User rejected the request."), { code: 4001 });
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [w.address];
        case "eth_chainId":
          return numberToHex(w.chainId);
        case "eth_sendTransaction":
          return `0x${"bb".repeat(32)}`;
        case "eth_signTypedData_v4":
          return `0x${"cc".repeat(64)}1b`;
        case "wallet_switchEthereumChain": {
          const id = Number((params as [{ chainId: string }])[0].chainId);
          if (!w.knows.has(id)) throw Object.assign(new Error("Unrecognized chain"), { code: 4902 });
          w.chainId = id;
          w.emit("chainChanged", numberToHex(id));
          return null;
        }
        case "wallet_addEthereumChain":
          w.knows.add(Number((params as [{ chainId: string }])[0].chainId));
          return null;
        default:
          return "0x0";
      }
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
    },
  };
  const detail: Eip6963ProviderDetail = { info: { uuid: crypto.randomUUID(), name, icon: "", rdns: `org.example.${name.replace(/\W/g, "").toLowerCase()}` }, provider };
  return { w, detail };
}

async function setup(options: { mode?: "ok" | "hang" | "fail" } = {}) {
  const chainReader = fakeChain();
  chainReader.state.mode = options.mode ?? "ok";
  const wallet = new WalletState(chain, chainReader.client);
  const fw = fakeWallet();
  await wallet.connect(fw.detail);
  const account = new AccountState(
    wallet,
    { chain, client: chainReader.client, contracts: { chainId: CHAIN_ID, provisionRegistry: REGISTRY, walletLinks: LINKS }, machines: [] },
    () => ({ rpc: {}, stalenessMs: 1000 }) as never,
  );
  return { wallet, account, fw, chainReader };
}

const sends = (fw: ReturnType<typeof fakeWallet>, method: string) => fw.w.requests.filter((r) => r === method).length;

beforeEach(() => {
  connected = CONTROLLER;
});

describe("AccountState: per-account data on an account switch", () => {
  it("forgets the previous account's provisions and link at once, says it is reading, and on a failed read says unknown", async () => {
    const { wallet, account, fw, chainReader } = await setup();
    await account.refresh();
    expect(account.listStatus).toBe("ready");
    expect(account.provisions.map((p) => p.machine)).toEqual([MACHINE]);
    expect(account.link?.wallet).toBe(CONTROLLER);

    // The user picks another account; the chain is slow to answer.
    chainReader.state.mode = "hang";
    connected = fw.w.address = OTHER;
    fw.w.emit("accountsChanged", [OTHER]);
    expect(wallet.address).toBe(OTHER);
    // Not one of the previous account's rows, even before a read starts.
    expect(account.provisions).toEqual([]);
    expect(account.link).toBeNull();
    void account.refresh();
    expect(account.listStatus).toBe("reading");
    expect(account.linkStatus).toBe("reading");

    // The reads fail: unknown (with the error), never "no provision".
    chainReader.state.mode = "fail";
    await account.refresh();
    expect(account.listStatus).toBe("failed");
    expect(account.linkStatus).toBe("failed");
    expect(account.error?.message).toContain("Could not read");
    expect(account.provisions).toEqual([]);
    expect(account.link).toBeNull();
  });

  it("with the RPC down from the start, a controller's provisions are unknown, not none", async () => {
    const { account } = await setup({ mode: "fail" });
    await account.refresh();
    expect(account.listStatus).toBe("failed");
    expect(account.error).not.toBeNull();
  });

  it("a signed change is forgotten on an account switch and once the signed changes are cancelled", async () => {
    const { account, fw } = await setup();
    await account.refresh();
    expect(await account.signChange(MACHINE, "off")).not.toBeNull();
    expect(account.signed?.machine).toBe(MACHINE);
    expect(await account.cancelSignedChanges(MACHINE)).toBe(true);
    expect(account.signed).toBeNull();

    await account.signChange(MACHINE, "off");
    expect(account.signed).not.toBeNull();
    fw.w.address = OTHER;
    fw.w.emit("accountsChanged", [OTHER]);
    expect(account.signed).toBeNull();
  });
});

describe("AccountState: one request at a time per action", () => {
  it("Start clicked twice while the wallet is slow sends one transaction", async () => {
    const { account, fw } = await setup();
    await account.refresh();
    fw.w.delayMs = 200;
    const first = account.changeState(MACHINE, "off");
    expect(account.busy(`state:${MACHINE}`)).toBe(true);
    const second = account.changeState(MACHINE, "off");
    expect(await second).toBe(false);
    expect(await first).toBe(true);
    expect(sends(fw, "eth_sendTransaction")).toBe(1);
    expect(account.busy(`state:${MACHINE}`)).toBe(false);
  });

  it("a signature asked twice while the wallet is slow is asked once, and says it waits for the wallet", async () => {
    const { account, fw } = await setup();
    await account.refresh();
    fw.w.delayMs = 200;
    const first = account.signChange(MACHINE, "off");
    await later(50, null);
    expect(account.signing).toEqual({ machine: MACHINE, to: "off" });
    expect(await account.signChange(MACHINE, "off")).toBeNull();
    expect(await first).not.toBeNull();
    expect(sends(fw, "eth_signTypedData_v4")).toBe(1);
    expect(account.signing).toBeNull();
  });
});

describe("Notices that no longer apply", () => {
  it("'Switch your wallet … first' goes once the wallet is on the app's chain", async () => {
    const { account, fw, wallet } = await setup();
    fw.w.chainId = 1;
    fw.w.emit("chainChanged", "0x1");
    expect(wallet.wrongChain).toBe(true);
    expect(await account.changeState(MACHINE, "off")).toBe(false);
    expect(account.notice).toBe("Switch your wallet to Local chain (Hardhat) first.");
    expect(await wallet.switchChain()).toBe(true);
    expect(account.notice).toBeNull();
  });

  it("a declined switch is cleared by chainChanged; a declined add-chain says so", async () => {
    const { fw, wallet } = await setup();
    fw.w.chainId = 5;
    fw.w.emit("chainChanged", "0x5");
    fw.w.decline.add("wallet_switchEthereumChain");
    expect(await wallet.switchChain()).toBe(false);
    expect(wallet.error).toBe("You declined switching to Local chain (Hardhat) in your wallet.");
    fw.w.chainId = CHAIN_ID;
    fw.w.emit("chainChanged", numberToHex(CHAIN_ID));
    expect(wallet.error).toBeNull();

    fw.w.decline.clear();
    fw.w.knows.delete(CHAIN_ID);
    fw.w.decline.add("wallet_addEthereumChain");
    fw.w.chainId = 5;
    fw.w.emit("chainChanged", "0x5");
    expect(await wallet.switchChain()).toBe(false);
    expect(wallet.error).toMatch(/^You declined adding Local chain \(Hardhat\) to your wallet/);
  });
});

describe("WalletState.connect: a wallet that never answers", () => {
  it("says which wallet it waits for, can be cancelled, and another wallet can be chosen", async () => {
    const wallet = new WalletState(chain, fakeChain().client);
    const silent = fakeWallet("Silent Wallet");
    silent.w.silent.add("eth_requestAccounts");
    const other = fakeWallet("Other Wallet");
    other.w.address = OTHER;
    void wallet.connect(silent.detail);
    expect(wallet.waitingFor?.info.name).toBe("Silent Wallet");
    wallet.cancelConnect();
    expect(wallet.status).toBe("disconnected");
    expect(wallet.waitingFor).toBeNull();

    void wallet.connect(silent.detail);
    await wallet.connect(other.detail);
    expect(wallet.status).toBe("connected");
    expect(wallet.current?.info.name).toBe("Other Wallet");
    expect(wallet.address).toBe(OTHER);
  });

  it("a late answer of an abandoned wallet changes nothing", async () => {
    const wallet = new WalletState(chain, fakeChain().client);
    const slow = fakeWallet("Slow Wallet");
    slow.w.delayMs = 100;
    const other = fakeWallet("Other Wallet");
    other.w.address = OTHER;
    const first = wallet.connect(slow.detail);
    await wallet.connect(other.detail);
    await first;
    expect(wallet.current?.info.name).toBe("Other Wallet");
    expect(wallet.address).toBe(OTHER);
  });
});

describe("AccountState.linkDid", () => {
  it("refuses a DID that is not did:webvh before asking the wallet anything", async () => {
    const { account, fw } = await setup();
    await account.refresh();
    expect(await account.linkDid("did:nonsense")).toBe(false);
    expect(account.notice).toMatch(/^Not a did:webvh DID/);
    expect(sends(fw, "eth_sendTransaction")).toBe(0);
  });

  it("holds back a link to a DID whose document does not name this wallet until confirmed", async () => {
    const { account, fw } = await setup();
    await account.refresh();
    expect(await account.linkDid(OTHER_DID)).toBe(false);
    expect(account.linkWarning).toMatchObject({ did: OTHER_DID, reason: "unnamed", account: `eip155:${CHAIN_ID}:${CONTROLLER.toLowerCase()}` });
    expect(sends(fw, "eth_sendTransaction")).toBe(0);
    account.cancelLink();
    expect(account.linkWarning).toBeNull();

    await account.linkDid(OTHER_DID);
    expect(await account.confirmLink()).toBe(true);
    expect(sends(fw, "eth_sendTransaction")).toBe(1);
    expect(account.linkWarning).toBeNull();

    // A document that names the wallet: sent at once.
    expect(await account.linkDid(NAMED_DID)).toBe(true);
    expect(sends(fw, "eth_sendTransaction")).toBe(2);
  });
});

describe("accountSession", () => {
  const g = globalThis as { window?: unknown };
  let hadWindow = false;
  beforeEach(() => {
    hadWindow = "window" in g;
    if (!hadWindow) g.window = new EventTarget();
  });
  afterEach(() => {
    if (!hadWindow) delete g.window;
  });

  it("keeps the account state (a signed change, drafts, transactions) while the session lasts", async () => {
    const settings = { chain: { chainId: CHAIN_ID, name: "Local chain (Hardhat)" }, rpcUrls: ["http://127.0.0.1:9"], effectiveHostOrigin: "http://localhost:1" } as never;
    const env = { chain, client: fakeChain().client, contracts: { chainId: CHAIN_ID, provisionRegistry: REGISTRY, walletLinks: LINKS }, machines: [] };
    const load = vi.fn(async () => env);
    const a = await accountSession(settings, () => ({}) as never, load);
    a.drafts.register = "half-typed";
    const b = await accountSession(settings, () => ({}) as never, load);
    expect(b).toBe(a);
    expect(b.drafts.register).toBe("half-typed");
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe("AccountState: offering control", () => {
  it("refuses the zero address and this wallet itself before asking the wallet; withdrawOffer sends transferControl to zero", async () => {
    const { account, fw, chainReader } = await setup();
    await account.refresh();
    const simulated: unknown[][] = [];
    const simulate = chainReader.client.simulateContract.bind(chainReader.client);
    (chainReader.client as unknown as { simulateContract: (a: { functionName: string; args: unknown[] }) => unknown }).simulateContract = (a) => {
      simulated.push([a.functionName, ...a.args]);
      return simulate(a as never);
    };
    expect(await account.offerControl(MACHINE, "0x0000000000000000000000000000000000000000")).toBe(false);
    expect(account.notice).toContain("Withdraw the offer");
    expect(await account.offerControl(MACHINE, CONTROLLER.toLowerCase())).toBe(false);
    expect(account.notice).toContain("already controls");
    expect(sends(fw, "eth_sendTransaction")).toBe(0);
    expect(simulated).toEqual([]);

    expect(await account.offerControl(MACHINE, OTHER)).toBe(true);
    expect(await account.withdrawOffer(MACHINE)).toBe(true);
    expect(simulated).toEqual([
      ["transferControl", MACHINE, OTHER],
      ["transferControl", MACHINE, "0x0000000000000000000000000000000000000000"],
    ]);
    expect(sends(fw, "eth_sendTransaction")).toBe(2);
  });
});
