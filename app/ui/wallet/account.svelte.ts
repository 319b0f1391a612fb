/**
 * The connected wallet's view of our contracts: its recent activity (from events), its wallet link with
 * the two-sided status, and, as a provider, its provisions with their states and histories; the
 * actions it signs (link, unlink, register, start, stop), each tracked by TransactionsState.
 */
import { getAddress, isAddress } from "viem";
import { provisionRegistryAbi, walletLinksAbi } from "../../contracts/abi.ts";
import { toVerifierError, type SerializedError } from "../../core/errors.ts";
import { checkWalletLink, type WalletLinkCheck } from "../../core/provisions/linkCheck.ts";
import { provisionInfoFromDocument, type ProvisionInfo } from "../../core/provisions/metadata.ts";
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
  verdict: Verdict | null;
}

export class AccountState {
  readonly tx = new TransactionsState();
  activity = $state.raw<readonly ProvisionActivity[]>([]);
  link = $state.raw<WalletLinkCheck | null>(null);
  provisions = $state.raw<readonly ProvisionRow[]>([]);
  histories = $state.raw<Record<string, readonly ProvisionActivity[]>>({});
  loading = $state(false);
  /** A failure to read (not a verdict): shown as such. */
  error = $state.raw<SerializedError | null>(null);
  /** A refused input (a malformed registration request, a declined signature, ...). */
  notice = $state<string | null>(null);
  /** The last state change this wallet signed for a relayer (EIP-712), to hand over. */
  signed = $state.raw<SignedStateChange | null>(null);

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

  /** Re-reads everything for the connected address. */
  async refresh(linkDid?: string): Promise<void> {
    const address = this.#wallet.address;
    const gen = ++this.#generation;
    if (!address) {
      this.activity = [];
      this.link = null;
      this.provisions = [];
      return;
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
      this.activity = activity;
      this.provisions = views.map((v) => ({ ...v, info: null, verdict: null }));
      void this.#fillProvisionDocuments(gen);
      const link = await checkWalletLink({
        client,
        contracts,
        wallet: address,
        ...(linkDid ? { did: linkDid } : {}),
        resolveDocument: (did) => verifiedDocument(did, this.#verifyConfig()),
      });
      if (gen === this.#generation) this.link = link;
    } catch (e) {
      if (gen === this.#generation) this.error = toVerifierError(e).toJSON();
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
    void this.#wallet.refreshBalance();
  }

  async #fillProvisionDocuments(gen: number): Promise<void> {
    for (const p of this.provisions) {
      const v = await verifyDidVerdict(p.did, this.#verifyConfig()).catch(() => null);
      if (gen !== this.#generation) return;
      let info: ProvisionInfo | null = null;
      try {
        info = v?.document ? provisionInfoFromDocument(v.document) : null;
      } catch {
        info = null;
      }
      this.provisions = this.provisions.map((row) => (row.machine === p.machine ? { ...row, info, verdict: v?.verdict ?? null } : row));
    }
  }

  async loadHistory(machine: Hex): Promise<void> {
    try {
      const h = await readProvisionActivity(this.#env.client, this.#env.contracts, machine);
      this.histories = { ...this.histories, [machine]: h };
    } catch (e) {
      this.error = toVerifierError(e).toJSON();
    }
  }

  async #send(label: string, abi: typeof provisionRegistryAbi | typeof walletLinksAbi, write: () => Promise<Hex>): Promise<boolean> {
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

  async linkDid(did: string): Promise<boolean> {
    this.notice = null;
    const wc = this.#walletClient();
    if (!wc) return false;
    const { client, contracts } = this.#env;
    return this.#send(`Link to ${did}`, walletLinksAbi, async () => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.walletLinks, abi: walletLinksAbi, functionName: "link", args: [did] });
      return wc.writeContract(request);
    });
  }

  async unlink(): Promise<boolean> {
    this.notice = null;
    const wc = this.#walletClient();
    if (!wc) return false;
    const { client, contracts } = this.#env;
    return this.#send("Unlink", walletLinksAbi, async () => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.walletLinks, abi: walletLinksAbi, functionName: "unlink" });
      return wc.writeContract(request);
    });
  }

  /** The controller moves its provision (a transaction from the wallet). */
  async changeState(machine: Hex, to: ProvisionState): Promise<boolean> {
    this.notice = null;
    const wc = this.#walletClient();
    if (!wc) return false;
    const { client, contracts } = this.#env;
    const label = `${to === "running" ? "Start" : to === "off" ? "Stop" : to} ${machine}`;
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
  }

  /**
   * A controller's safety operation on the registry, sent from the wallet; the provision's history is
   * read again if it is open.
   */
  async #controllerTx(label: string, machine: Hex, write: (wc: NonNullable<ReturnType<WalletState["walletClient"]>>) => Promise<Hex>): Promise<boolean> {
    this.notice = null;
    const wc = this.#walletClient();
    if (!wc) return false;
    const ok = await this.#send(label, provisionRegistryAbi, () => write(wc));
    if (this.histories[machine]) await this.loadHistory(machine);
    return ok;
  }

  /** The controller revokes the machine key for good: its signatures are refused from then on. */
  revokeMachineKey(machine: Hex): Promise<boolean> {
    const { client, contracts } = this.#env;
    return this.#controllerTx(`Revoke the machine key of ${machine}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "revokeMachineKey", args: [machine] });
      return wc.writeContract(request);
    });
  }

  /** The controller cancels every signed state change of `machine` not relayed yet (the nonce moves on). */
  cancelSignedChanges(machine: Hex): Promise<boolean> {
    const { client, contracts } = this.#env;
    return this.#controllerTx(`Cancel the signed changes of ${machine}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "invalidateNonce", args: [machine] });
      return wc.writeContract(request);
    });
  }

  /** The controller offers control of `machine` to the account `to` (which must accept it). */
  async offerControl(machine: Hex, to: string): Promise<boolean> {
    if (!isAddress(to.trim())) {
      this.notice = `Not an address: ${to.trim().slice(0, 60) || "(empty)"}`;
      return false;
    }
    const next = getAddress(to.trim());
    const { client, contracts } = this.#env;
    return this.#controllerTx(`Offer control of ${machine} to ${next}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "transferControl", args: [machine, next] });
      return wc.writeContract(request);
    });
  }

  /** This wallet accepts control of the provision of `machine`, offered to it by its controller. */
  async acceptControl(machineText: string): Promise<boolean> {
    if (!isAddress(machineText.trim())) {
      this.notice = `Not a machine address: ${machineText.trim().slice(0, 60) || "(empty)"}`;
      return false;
    }
    const machine = getAddress(machineText.trim());
    const { client, contracts } = this.#env;
    return this.#controllerTx(`Accept control of ${machine}`, machine, async (wc) => {
      const { request } = await client.simulateContract({ account: wc.account, address: contracts.provisionRegistry, abi: provisionRegistryAbi, functionName: "acceptControl", args: [machine] });
      return wc.writeContract(request);
    });
  }

  /** Registers a provision from a registration request (the machine's consent, from `provision consent`). */
  async register(text: string): Promise<boolean> {
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
  }

  /**
   * The controller signs a state change (EIP-712 `ProvisionStateChange`, eth_signTypedData_v4) for the
   * provision's current nonce, valid `validFor` seconds, for anyone to relay. Nothing is sent.
   */
  async signChange(machine: Hex, to: ProvisionState, validFor = 3600): Promise<SignedStateChange | null> {
    this.notice = null;
    this.signed = null;
    const wc = this.#walletClient();
    if (!wc) return null;
    const { client, contracts } = this.#env;
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
      this.signed = signed;
      return signed;
    } catch (e) {
      const f = describeTxFailure(e, provisionRegistryAbi);
      this.notice = f.kind === "rejected" ? "You declined the signature in your wallet: nothing was signed." : `Could not sign: ${f.message}`;
      return null;
    }
  }

  /** Relays a signed state change (anyone may: this wallet pays the gas). */
  async relay(text: string): Promise<boolean> {
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
  }
}
