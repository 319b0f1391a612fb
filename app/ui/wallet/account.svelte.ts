/**
 * The connected wallet's view of our contracts: its recent activity (from events), its wallet link with
 * the two-sided status, and, as a provider, its provisions with their states, histories and verdicts
 * (each provision checked against its DID, core/provisions/check.ts); the actions it signs (link, unlink,
 * register, start, stop), each tracked by TransactionsState.
 */
import { getAddress, isAddress, zeroAddress } from "viem";
import { anchorRegistryAbi, provisionRegistryAbi, walletLinksAbi } from "../../contracts/abi.ts";
import { toVerifierError, type SerializedError } from "../../core/errors.ts";
import { parseDid } from "../../core/didwebvh/url.ts";
import { checkWalletLink, type WalletLinkCheck } from "../../core/provisions/linkCheck.ts";
import { checkProvision, didFactsFromVerdict, type ProvisionCheck, type ProvisionDidFacts } from "../../core/provisions/check.ts";
import type { ProvisionInfo } from "../../core/provisions/metadata.ts";
import {
  listProvisionsOf,
  readProvision,
  readProvisionActivity,
  readWalletEvents,
  type ProvisionActivity,
  type ProvisionView,
} from "../../core/provisions/read.ts";
import {
  checkRequestAgainstDocument,
  parseRegistrationRequest,
  RegistrationRequestError,
} from "../../core/provisions/registrationRequest.ts";
import { stateIndex, type ProvisionState } from "../../core/provisions/state.ts";
import { caip10, documentNamesWallet } from "../../core/provisions/walletLink.ts";
import { parseSignedChange, SIGNED_CHANGE_TYPE, SignedChangeError, type SignedStateChange } from "../../core/provisions/signedChange.ts";
import { deadlineIn, stateChangeTypedData } from "../../core/provisions/typedData.ts";
import { describeTxFailure } from "../../core/provisions/txError.ts";
import type { Hex, Verdict } from "../../core/types.ts";
import { verifiedDocument, verifyDidVerdict, type ProvisionsEnv } from "../provision/env.ts";
import type { VerifyConfig } from "../worker/protocol.ts";
import { TransactionsState } from "./transactions.svelte.ts";
import type { WalletState } from "./wallet.svelte.ts";

export interface ProvisionRow extends ProvisionView {
  info: ProvisionInfo | null;
  /** The DID's own verdict (its log); null until its DID was verified. */
  verdict: Verdict | null;
  /** What the DID's verdict and document say (wallets named, description); null until its DID was verified. */
  didFacts: ProvisionDidFacts | null;
  /**
   * The provision's verdict: the registry's side against its DID (checkProvision), recomputed whenever the
   * row's chain read or DID facts change; null until its DID was verified.
   */
  check: ProvisionCheck | null;
}

/** The row with its provision's verdict, from what the row shows and `history` (the registry's events). */
function withCheck(row: Omit<ProvisionRow, "check">, history: readonly ProvisionActivity[]): ProvisionRow {
  return { ...row, check: row.didFacts ? checkProvision({ view: row, history, did: row.didFacts }) : null };
}

/** Whether the check found the document not naming the controller: only then does the history change the reason. */
function controllerReason(check: ProvisionCheck): boolean {
  return check.reasons.some((r) => r.name === "ControllerNotNamedError" || r.name === "ControllerTransferredError");
}

/** What is known of the connected account's provisions, activity or link: still reading, read, or unknown (the read failed). */
export type ReadStatus = "reading" | "ready" | "failed";

/** What the connected account's chain reads found, for the address they were read for. */
interface AccountData {
  address: Hex;
  activity: readonly ProvisionActivity[];
  provisions: readonly ProvisionRow[];
  histories: Record<string, readonly ProvisionActivity[]>;
  /** Null: not read (yet), or the read failed. */
  link: WalletLinkCheck | null;
  /** Whether the activity and the provisions were read for `address`. */
  listed: boolean;
  /** The last state change this wallet signed for a relayer (EIP-712), to hand over. */
  signed: SignedStateChange | null;
  /** A link whose DID document does not name this wallet, waiting for the user's confirmation. */
  linkWarning: LinkWarning | null;
}

/** Linking to a DID whose document does not name the wallet (or could not be checked) only claims it. */
export interface LinkWarning {
  did: string;
  /** `unnamed`: the verified document does not name this wallet; `unchecked`: it could not be verified. */
  reason: "unnamed" | "unchecked";
  /** The account the document would have to name (CAIP-10), and what went wrong when unchecked. */
  account: string;
  details?: string;
}

/** What the user types into the wallet's forms, kept while the views come and go. */
export interface AccountDrafts {
  link: string;
  anchorRoot: string;
  anchorRegistry: string;
  register: string;
  relay: string;
  accept: string;
  offerTo: Record<string, string>;
}

export class AccountState {
  readonly tx = new TransactionsState();
  readonly drafts = $state<AccountDrafts>({ link: "", anchorRoot: "", anchorRegistry: "", register: "", relay: "", accept: "", offerTo: {} });
  loading = $state(false);

  #data = $state.raw<AccountData | null>(null);
  #error = $state.raw<{ key: string; error: SerializedError } | null>(null);
  #notice = $state.raw<{ key: string; text: string } | null>(null);
  /** The actions whose wallet request (and transaction) is in flight, by key. */
  #busy = $state.raw<ReadonlySet<string>>(new Set());
  /** A root this wallet anchored (or had anchored before), for the address that did. */
  #anchored = $state.raw<{ address: Hex; root: Hex; registry: Hex; blockNumber: number; already: boolean } | null>(null);
  /** The provision whose state change waits for the wallet's signature. */
  #signing = $state.raw<{ address: Hex; machine: Hex; to: ProvisionState } | null>(null);

  readonly #wallet: WalletState;
  readonly #env: ProvisionsEnv;
  readonly #verifyConfig: () => VerifyConfig;
  #generation = 0;

  constructor(wallet: WalletState, env: ProvisionsEnv, verifyConfig: () => VerifyConfig) {
    this.#wallet = wallet;
    this.#env = env;
    this.#verifyConfig = verifyConfig;
  }

  get env(): ProvisionsEnv {
    return this.#env;
  }

  /** The data read for the connected address; none while another address's data is all there is. */
  get #current(): AccountData | null {
    const d = this.#data;
    return d && d.address === this.#wallet.address ? d : null;
  }

  #patch(address: Hex, patch: Partial<AccountData>): void {
    const d = this.#data;
    if (d && d.address === address) this.#data = { ...d, ...patch };
  }

  /** Which address and chain a notice or a read failure is about: it no longer applies once either changes. */
  get #key(): string {
    return `${this.#wallet.address}|${this.#wallet.chainId}`;
  }

  get activity(): readonly ProvisionActivity[] {
    return this.#current?.activity ?? [];
  }
  get provisions(): readonly ProvisionRow[] {
    return this.#current?.provisions ?? [];
  }
  get histories(): Record<string, readonly ProvisionActivity[]> {
    return this.#current?.histories ?? {};
  }
  get link(): WalletLinkCheck | null {
    return this.#current?.link ?? null;
  }
  get signed(): SignedStateChange | null {
    return this.#current?.signed ?? null;
  }
  get linkWarning(): LinkWarning | null {
    return this.#current?.linkWarning ?? null;
  }

  /** The provisions and activity of the connected address: read, still reading, or unknown (with `error`). */
  get listStatus(): ReadStatus {
    if (this.#current?.listed) return "ready";
    return this.error && !this.loading ? "failed" : "reading";
  }
  /** The identity link of the connected address: read, still reading, or unknown (with `error`). */
  get linkStatus(): ReadStatus {
    if (this.#current?.link) return "ready";
    return this.error && !this.loading ? "failed" : "reading";
  }

  /** A failure to read (not a verdict) for the connected address and chain: shown as such. */
  get error(): SerializedError | null {
    const e = this.#error;
    return e && e.key === this.#key ? e.error : null;
  }
  set error(error: SerializedError | null) {
    this.#error = error ? { key: this.#key, error } : null;
  }

  /** A refused input (a malformed registration request, a declined signature, ...), while it still applies. */
  get notice(): string | null {
    const n = this.#notice;
    return n && n.key === this.#key ? n.text : null;
  }
  set notice(text: string | null) {
    this.#notice = text === null ? null : { key: this.#key, text };
  }

  /** Whether the action `key` (see the methods) waits for the wallet or its transaction. */
  busy(key: string): boolean {
    return this.#busy.has(key);
  }

  /** The provision (and target state) whose signature the wallet is being asked for. */
  get signing(): { machine: Hex; to: ProvisionState } | null {
    const s = this.#signing;
    return s && s.address === this.#wallet.address ? { machine: s.machine, to: s.to } : null;
  }

  /** Runs `action` unless the same action is already in flight (a second click sends nothing). */
  async #once<T>(key: string, idle: T, action: () => Promise<T>): Promise<T> {
    if (this.#busy.has(key)) return idle;
    this.#busy = new Set([...this.#busy, key]);
    try {
      return await action();
    } finally {
      const next = new Set(this.#busy);
      next.delete(key);
      this.#busy = next;
    }
  }

  /**
   * Re-reads everything for the connected address. Another address than the one last read starts from
   * nothing (never showing the previous account's provisions or link while, or after, its reads fail).
   */
  async refresh(linkDid?: string): Promise<void> {
    const address = this.#wallet.address;
    const gen = ++this.#generation;
    if (!address) {
      this.#data = null;
      this.#error = null;
      this.loading = false;
      return;
    }
    if (this.#data?.address !== address) {
      this.#data = { address, activity: [], provisions: [], histories: {}, link: null, listed: false, signed: null, linkWarning: null };
    }
    this.loading = true;
    this.error = null;
    const { client, contracts } = this.#env;
    try {
      const [activity, views] = await Promise.all([
        readWalletEvents(client, contracts, address),
        listProvisionsOf(client, contracts, address),
      ]);
      if (gen !== this.#generation) return;
      const previous = new Map(this.provisions.map((p) => [p.machine, p]));
      this.#patch(address, {
        activity,
        // A row keeps its document's details until they are read again; its verdict is checked against this read.
        provisions: views.map((v) => {
          const before = previous.get(v.machine);
          const row = { ...v, info: before?.info ?? null, verdict: before?.verdict ?? null, didFacts: before?.didFacts ?? null };
          return withCheck(row, this.histories[v.machine] ?? []);
        }),
        listed: true,
      });
      void this.#fillProvisionDocuments(gen, address);
      const link = await checkWalletLink({
        client,
        contracts,
        wallet: address,
        ...(linkDid ? { did: linkDid } : {}),
        resolveDocument: (did) => verifiedDocument(did, this.#verifyConfig()),
      });
      if (gen === this.#generation) this.#patch(address, { link });
    } catch (e) {
      if (gen === this.#generation) this.error = toVerifierError(e).toJSON();
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
    void this.#wallet.refreshBalance();
  }

  /**
   * Verifies each provision's DID and checks the provision against it. The registry's history is read only
   * when the document does not name the controller: it tells a transfer of control the document missed
   * (ControllerTransferredError) from a document naming another wallet (ControllerNotNamedError).
   */
  async #fillProvisionDocuments(gen: number, address: Hex): Promise<void> {
    const { client, contracts } = this.#env;
    const stale = () => gen !== this.#generation || this.#wallet.address !== address;
    for (const p of this.provisions) {
      const v = await verifyDidVerdict(p.did, this.#verifyConfig()).catch((e: unknown) => {
        const error = toVerifierError(e);
        return { verdict: error.verdict, error: error.toJSON() };
      });
      if (stale()) return;
      const didFacts = didFactsFromVerdict(v, contracts.chainId);
      let history = this.histories[p.machine] ?? [];
      if (controllerReason(checkProvision({ view: p, history, did: didFacts }))) {
        // Read again even when held: a transfer accepted since the last read must be in it.
        const read = await readProvisionActivity(client, contracts, p.machine).catch(() => null);
        if (stale()) return;
        if (read) {
          history = read;
          this.#patch(address, { histories: { ...this.histories, [p.machine]: read } });
        }
      }
      this.#patch(address, {
        provisions: this.provisions.map((row) =>
          row.machine === p.machine ? withCheck({ ...row, info: didFacts.info, verdict: v.verdict, didFacts }, history) : row,
        ),
      });
    }
  }

  async loadHistory(machine: Hex): Promise<void> {
    const address = this.#wallet.address;
    if (!address) return;
    try {
      const h = await readProvisionActivity(this.#env.client, this.#env.contracts, machine);
      this.#patch(address, {
        histories: { ...this.histories, [machine]: h },
        // The verdict's reason (a transfer of control) is judged by the newest history.
        provisions: this.provisions.map((row) => (row.machine === machine ? withCheck(row, h) : row)),
      });
    } catch (e) {
      if (this.#wallet.address === address) this.error = toVerifierError(e).toJSON();
    }
  }

  /** The root last anchored from this wallet through anchorRoot (or found already anchored by it). */
  get anchored(): { root: Hex; registry: Hex; blockNumber: number; already: boolean } | null {
    const a = this.#anchored;
    return a && a.address === this.#wallet.address ? a : null;
  }

  /**
   * Anchors a batch from this wallet: sends `anchor(root)` to the AnchorRegistry, as the publisher's
   * `anchor --anchorer <this wallet>` printed it (the publisher then writes the proofs). Checks first that
   * the registry is a contract on this chain and that this wallet has not anchored the root already (then
   * nothing is sent). Key "anchor".
   */
  anchorRoot(rootText: string, registryText: string): Promise<boolean> {
    return this.#once("anchor", false, async () => {
      this.notice = null;
      const root = rootText.trim();
      const registry = registryText.trim();
      if (!/^0x[0-9a-fA-F]{64}$/.test(root)) {
        this.notice = "The root is not 32 bytes in hex (0x and 64 hex digits), as the publisher's anchor command prints it.";
        return false;
      }
      if (!isAddress(registry, { strict: false })) {
        this.notice = "The registry is not an address (0x and 40 hex digits), as the publisher's anchor command prints it.";
        return false;
      }
      const address = this.#wallet.address;
      const wc = this.#walletClient();
      if (!wc || !address) return false;
      const { client, chain } = this.#env;
      const at = getAddress(registry);
      const anchorOf = async () => {
        const [timestamp, blockNumber] = await client.readContract({ address: at, abi: anchorRegistryAbi, functionName: "anchorOf", args: [address, root as Hex] });
        return timestamp === 0n ? null : Number(blockNumber);
      };
      try {
        const code = await client.getCode({ address: at });
        if (!code || code === "0x") {
          this.notice = `There is no contract at ${at} on ${chain.name}: check the registry address and the chain.`;
          return false;
        }
        const before = await anchorOf();
        if (before !== null) {
          this.#anchored = { address, root: root as Hex, registry: at, blockNumber: before, already: true };
          return true;
        }
      } catch (e) {
        this.error = toVerifierError(e).toJSON();
        return false;
      }
      const ok = await this.#send(`Anchor root ${root.slice(0, 10)}…`, anchorRegistryAbi, async () => {
        const { request } = await client.simulateContract({ account: wc.account, address: at, abi: anchorRegistryAbi, functionName: "anchor", args: [root as Hex] });
        return wc.writeContract(request);
      });
      if (ok) {
        const blockNumber = await anchorOf().catch(() => null);
        if (blockNumber !== null) this.#anchored = { address, root: root as Hex, registry: at, blockNumber, already: false };
      }
      return ok;
    });
  }

  async #send(label: string, abi: typeof provisionRegistryAbi | typeof walletLinksAbi | typeof anchorRegistryAbi, write: () => Promise<Hex>): Promise<boolean> {
    const ok = await this.tx.run(label, abi, this.#env.client, write);
    await this.refresh(this.link?.did ?? undefined);
    return ok;
  }

  #walletClient() {
    if (this.#wallet.wrongChain) {
      this.notice = `Switch your wallet to ${this.#env.chain.name} first.`;
      return null;
    }
    const wc = this.#wallet.walletClient();
    if (!wc) this.notice = "Connect a wallet first.";
    return wc;
  }

  /** A did:webvh DID, trimmed; null (with a notice) for anything else. */
  #webvhDid(text: string): string | null {
    const did = text.trim();
    try {
      parseDid(did);
      return did;
    } catch (e) {
      this.notice = `Not a did:webvh DID (${did.slice(0, 80) || "empty"}): ${toVerifierError(e).message}`;
      return null;
    }
  }

  /** Checks the link of this wallet against `did` (both sides), without sending anything. Key "link". */
  async checkLink(text: string): Promise<void> {
    this.notice = null;
    const did = this.#webvhDid(text);
    if (did) await this.refresh(did);
  }

  /**
   * Links this wallet to `did` (a transaction: the chain side). The DID must be a did:webvh DID; when its
   * verified document does not name this wallet (or cannot be checked), nothing is sent: `linkWarning`
   * says so, and `confirmLink()` sends it anyway (it is then only a claim, not a link). Key "link".
   */
  linkDid(text: string, options: { confirmed?: boolean } = {}): Promise<boolean> {
    return this.#once("link", false, async () => {
      this.notice = null;
      const address = this.#wallet.address;
      const did = this.#webvhDid(text);
      if (!did || !address) return false;
      const wc = this.#walletClient();
      if (!wc) return false;
      this.#patch(address, { linkWarning: null });
      if (!options.confirmed) {
        const account = caip10(this.#env.contracts.chainId, address);
        try {
          const doc = await verifiedDocument(did, this.#verifyConfig());
          if (!documentNamesWallet(doc, this.#env.contracts.chainId, address).named) {
            this.#patch(address, { linkWarning: { did, reason: "unnamed", account } });
            return false;
          }
        } catch (e) {
          this.#patch(address, { linkWarning: { did, reason: "unchecked", account, details: toVerifierError(e).message } });
          return false;
        }
      }
      const { client, contracts } = this.#env;
      return this.#send(`Link to ${did}`, walletLinksAbi, async () => {
        const { request } = await client.simulateContract({ account: wc.account, address: contracts.walletLinks, abi: walletLinksAbi, functionName: "link", args: [did] });
        return wc.writeContract(request);
      });
    });
  }

  /** Sends the link `linkWarning` held back, as the user confirmed. */
  confirmLink(): Promise<boolean> {
    const w = this.linkWarning;
    if (!w) return Promise.resolve(false);
    return this.linkDid(w.did, { confirmed: true });
  }

  /** Drops the link `linkWarning` held back. */
  cancelLink(): void {
    const address = this.#wallet.address;
    if (address) this.#patch(address, { linkWarning: null });
  }

  /** Key "link". */
  unlink(): Promise<boolean> {
    return this.#once("link", false, async () => {
      this.notice = null;
      const wc = this.#walletClient();
      if (!wc) return false;
      const { client, contracts } = this.#env;
      return this.#send("Unlink", walletLinksAbi, async () => {
        const { request } = await client.simulateContract({ account: wc.account, address: contracts.walletLinks, abi: walletLinksAbi, functionName: "unlink" });
        return wc.writeContract(request);
      });
    });
  }

  /** The controller moves its provision (a transaction from the wallet). Key `state:<machine>`. */
  changeState(machine: Hex, to: ProvisionState): Promise<boolean> {
    return this.#once(`state:${machine}`, false, async () => {
      this.notice = null;
      const wc = this.#walletClient();
      if (!wc) return false;
      const { client, contracts } = this.#env;
      const label = `${to === "running" ? "Start" : to === "off" ? "Stop" : to} ${this.#nameOf(machine)}`;
      const ok = await this.#send(label, provisionRegistryAbi, async () => {
        const { request } = await client.simulateContract({
          account: wc.account,
          address: contracts.provisionRegistry,
          abi: provisionRegistryAbi,
          functionName: "changeState",
          args: [machine, stateIndex(to)],
        });
        return wc.writeContract(request);
      });
      if (this.histories[machine]) await this.loadHistory(machine);
      return ok;
    });
  }

  /** A provision's name (its provisionId) when its document was read, else its machine address. */
  #nameOf(machine: Hex): string {
    return this.provisions.find((p) => p.machine === machine)?.info?.provisionId ?? machine;
  }

  /**
   * A controller's safety operation on the registry, sent from the wallet; the provision's history is
   * read again if it is open.
   */
  #controllerTx(
    key: string,
    label: string,
    machine: Hex,
    write: (wc: NonNullable<ReturnType<WalletState["walletClient"]>>) => Promise<Hex>,
  ): Promise<boolean> {
    return this.#once(key, false, async () => {
      this.notice = null;
      const wc = this.#walletClient();
      if (!wc) return false;
      const ok = await this.#send(label, provisionRegistryAbi, () => write(wc));
      if (this.histories[machine]) await this.loadHistory(machine);
      return ok;
    });
  }

  /** The controller revokes the machine key for good: its signatures are refused from then on. Key `revoke:<machine>`. */
  revokeMachineKey(machine: Hex): Promise<boolean> {
    const { client, contracts } = this.#env;
    return this.#controllerTx(`revoke:${machine}`, `Revoke the machine key of ${this.#nameOf(machine)}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "revokeMachineKey", args: [machine] });
      return wc.writeContract(request);
    });
  }

  /**
   * The controller cancels every signed state change of `machine` not relayed yet (the nonce moves on);
   * a change this page signed for it is no longer shown. Key `cancel:<machine>`.
   */
  async cancelSignedChanges(machine: Hex): Promise<boolean> {
    const address = this.#wallet.address;
    const { client, contracts } = this.#env;
    const ok = await this.#controllerTx(`cancel:${machine}`, `Cancel the signed changes of ${this.#nameOf(machine)}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "invalidateNonce", args: [machine] });
      return wc.writeContract(request);
    });
    if (ok && address && this.signed?.machine === machine) this.#patch(address, { signed: null });
    return ok;
  }

  /**
   * The controller offers control of `machine` to the account `to` (which must accept it). The zero address
   * (which the registry reads as "withdraw the offer") and this wallet itself are refused: withdrawOffer
   * says what it does. Key `offer:<machine>`.
   */
  async offerControl(machine: Hex, to: string): Promise<boolean> {
    if (!isAddress(to.trim())) {
      this.notice = `Not an address: ${to.trim().slice(0, 60) || "(empty)"}`;
      return false;
    }
    const next = getAddress(to.trim());
    if (next === zeroAddress) {
      this.notice = "Control cannot be offered to the zero address (to withdraw an offer, use “Withdraw the offer”).";
      return false;
    }
    if (this.#wallet.address && next === getAddress(this.#wallet.address)) {
      this.notice = "This wallet already controls the provision: offer control to another wallet.";
      return false;
    }
    const { client, contracts } = this.#env;
    return this.#controllerTx(`offer:${machine}`, `Offer control of ${this.#nameOf(machine)} to ${next}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "transferControl", args: [machine, next] });
      return wc.writeContract(request);
    });
  }

  /** The controller withdraws its pending offer of control of `machine` (transferControl to zero). Key `offer:<machine>`. */
  async withdrawOffer(machine: Hex): Promise<boolean> {
    const { client, contracts } = this.#env;
    return this.#controllerTx(`offer:${machine}`, `Withdraw the offer of control of ${this.#nameOf(machine)}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "transferControl", args: [machine, zeroAddress] });
      return wc.writeContract(request);
    });
  }

  /** This wallet accepts control of the provision of `machine`, offered to it by its controller. Key "accept". */
  async acceptControl(machineText: string): Promise<boolean> {
    if (!isAddress(machineText.trim())) {
      this.notice = `Not a machine address: ${machineText.trim().slice(0, 60) || "(empty)"}`;
      return false;
    }
    const machine = getAddress(machineText.trim());
    const { client, contracts } = this.#env;
    return this.#controllerTx("accept", `Accept control of ${machine}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "acceptControl", args: [machine] });
      return wc.writeContract(request);
    });
  }

  /** Registers a provision from a registration request (the machine's consent, from `provision consent`). Key "register". */
  register(text: string): Promise<boolean> {
    return this.#once("register", false, async () => {
      this.notice = null;
      const wc = this.#walletClient();
      if (!wc) return false;
      const { client, contracts } = this.#env;
      try {
        const req = parseRegistrationRequest(text);
        if (req.chainId !== contracts.chainId || req.registry.toLowerCase() !== contracts.provisionRegistry.toLowerCase()) {
          throw new RegistrationRequestError("The request is for another chain or registry", { details: `${req.chainId} ${req.registry}` });
        }
        if (req.controller.toLowerCase() !== wc.account.address.toLowerCase()) {
          throw new RegistrationRequestError("The request names another controller than this wallet", { details: req.controller });
        }
        checkRequestAgainstDocument(req, await verifiedDocument(req.did, this.#verifyConfig()));
        return await this.#send(`Register ${req.machine}`, provisionRegistryAbi, async () => {
          const { request } = await client.simulateContract({
            account: wc.account,
            address: contracts.provisionRegistry,
            abi: provisionRegistryAbi,
            functionName: "registerProvision",
            args: [req.machine, req.did, req.metadataHash, BigInt(req.deadline), req.signature],
          });
          return wc.writeContract(request);
        });
      } catch (e) {
        const err = toVerifierError(e);
        this.notice = err.message;
        return false;
      }
    });
  }

  /**
   * The controller signs a state change (EIP-712 `ProvisionStateChange`, eth_signTypedData_v4) for the
   * provision's current nonce, valid `validFor` seconds, for anyone to relay. Nothing is sent. Shares the
   * key `state:<machine>` with Start and Stop; `signing` names it while the wallet is asked.
   */
  signChange(machine: Hex, to: ProvisionState, validFor = 3600): Promise<SignedStateChange | null> {
    return this.#once(`state:${machine}`, null, async () => {
      this.notice = null;
      const address = this.#wallet.address;
      if (address) this.#patch(address, { signed: null });
      const wc = this.#walletClient();
      if (!wc || !address) return null;
      const { client, contracts } = this.#env;
      this.#signing = { address, machine, to };
      try {
        const view = await readProvision(client, contracts, machine);
        if (!view) throw new SignedChangeError("The provision is not registered", { details: machine });
        const deadline = deadlineIn(validFor);
        const typed = stateChangeTypedData({ chainId: contracts.chainId, registry: contracts.provisionRegistry, machine, to, nonce: BigInt(view.nonce), deadline });
        const signature = await wc.signTypedData({ account: wc.account, ...typed });
        const signed: SignedStateChange = {
          type: SIGNED_CHANGE_TYPE,
          chainId: contracts.chainId,
          registry: contracts.provisionRegistry,
          machine,
          to,
          nonce: String(view.nonce),
          deadline: deadline.toString(),
          signer: wc.account.address,
          signature,
        };
        this.#patch(address, { signed });
        return signed;
      } catch (e) {
        const f = describeTxFailure(e, provisionRegistryAbi);
        this.notice = f.kind === "rejected" ? "You declined the signature in your wallet: nothing was signed." : `Could not sign: ${f.message}`;
        return null;
      } finally {
        this.#signing = null;
      }
    });
  }

  /** Relays a signed state change (anyone may: this wallet pays the gas). Key "relay". */
  relay(text: string): Promise<boolean> {
    return this.#once("relay", false, async () => {
      this.notice = null;
      const wc = this.#walletClient();
      if (!wc) return false;
      const { client, contracts } = this.#env;
      let change: SignedStateChange;
      try {
        change = parseSignedChange(text);
        if (change.chainId !== contracts.chainId || change.registry.toLowerCase() !== contracts.provisionRegistry.toLowerCase()) {
          throw new SignedChangeError("The signed change is for another chain or registry");
        }
      } catch (e) {
        this.notice = toVerifierError(e).message;
        return false;
      }
      const ok = await this.#send(`Relay ${change.to} for ${change.machine}`, provisionRegistryAbi, async () => {
        const { request } = await client.simulateContract({
          account: wc.account,
          address: contracts.provisionRegistry,
          abi: provisionRegistryAbi,
          functionName: "changeStateSigned",
          args: [change.machine, stateIndex(change.to), BigInt(change.deadline), change.signature],
        });
        return wc.writeContract(request);
      });
      if (this.histories[change.machine]) await this.loadHistory(change.machine);
      return ok;
    });
  }
}
