/**
 * The provider's side of provisions (Node): create a provision's did:webvh DID, register it on chain
 * with the machine's EIP-712 consent, change its state by a machine-signed message relayed by anyone,
 * deploy the two contracts, anchor the provision DIDs, and write the host's `provisions.json` (where the
 * app finds the contracts).
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseEventLogs, type LocalAccount, type PublicClient } from "viem";
import { provisionRegistryAbi, walletLinksAbi, anchorRegistryAbi } from "../../contracts/abi.ts";
import { anchorRegistryBytecode, provisionRegistryBytecode, walletLinksBytecode } from "../../contracts/bytecode.ts";
import { createLog, type CreateLogResult } from "../../core/didwebvh/create.ts";
import type { Signer } from "../../core/didwebvh/keys.ts";
import { canonicalize } from "../../core/didwebvh/jcs.ts";
import { parseLog, serializeLog } from "../../core/didwebvh/log.ts";
import { buildDid, SCID_PLACEHOLDER } from "../../core/didwebvh/url.ts";
import { InvalidError } from "../../core/errors.ts";
import { provisionMetadataHash, provisionService, checkProvisionInfo, type ProvisionInfo } from "../../core/provisions/metadata.ts";
import { readProvision, type ProvisionContracts, type ProvisionView } from "../../core/provisions/read.ts";
import { stateFromIndex, stateIndex, isTransitionAllowed, type ProvisionState } from "../../core/provisions/state.ts";
import { SIGNED_CHANGE_TYPE, type SignedStateChange } from "../../core/provisions/signedChange.ts";
import { deadlineIn, registrationTypedData, stateChangeTypedData } from "../../core/provisions/typedData.ts";
import { caip10, documentNamesWallet, documentWallets, parseEip155Account, pkhDid } from "../../core/provisions/walletLink.ts";
import {
  ANCHOR_SERVICE_FRAGMENT,
  ANCHOR_SERVICE_TYPE,
  type AnchoringDeclaration,
  type DidDocument,
  type Hex,
  type LogEntry,
} from "../../core/types.ts";
import { buildBatch } from "../batch.ts";
import { appendDidEntry } from "../didOps.ts";
import { anchoringDeclaration, PublisherHost, UnknownDidError } from "../host.ts";
import type { Keystore } from "../keystore.ts";
import { ChainUnreachableError, type ChainConnection } from "../chain.ts";
import { deployContract, fundedGas, revertedError, sendContract, SenderUnfundedError, TransactionRevertedError, type SendOptions } from "../send.ts";
import { checkLog, didFolder, HostStore, LOG_FILE, parseJsonFile, readFileOrNull, writeFileAtomic, writeFileIfChanged } from "../store.ts";

// Sending (the funds check, typed failures) lives in ../send.ts, shared with deploy.ts, anchor.ts and `wallet`.
export { fundedGas, SenderUnfundedError };

/** Where the app finds the provision contracts: `provisions.json` at the host's root. */
export const PROVISIONS_MANIFEST = "provisions.json";

export interface ProvisionsManifest {
  chainId: number;
  provisionRegistry: Hex;
  walletLinks: Hex;
  /** Deployment block: events are read from here. */
  fromBlock: number;
  /** Machines of the provisions published on this host (informational: a directory for the app). */
  machines: Hex[];
}

/**
 * A provision contract (or the anchor registry) refused the transaction: its simulation reverted, or it was
 * mined and reverted (`txHash`). `errorName` is the contract's custom error when the ABI decodes it
 * (`CallerNotController`), undefined for a revert nothing decodes (no data, or an error of another contract).
 */
export class ProvisionTransactionError extends TransactionRevertedError {
  override readonly name = "ProvisionTransactionError";
}

/** A state change the state machine has no move for (checked before signing). */
export class ProvisionStateError extends InvalidError {
  override readonly name = "ProvisionStateError";
}

/** The machine key was revoked: the registry refuses its signatures for good, so none is made. */
export class MachineKeyRevokedError extends InvalidError {
  override readonly name = "MachineKeyRevokedError";
}

/** No contract at the address (a typo, or a deployment on another chain): nothing sent to it would do anything. */
export class ContractMissingError extends InvalidError {
  override readonly name = "ContractMissingError";
}

/** The transaction went through but the registry did not record the change it was sent for. */
export class ProvisionUnchangedError extends InvalidError {
  override readonly name = "ProvisionUnchangedError";
}

/** The host's provisions.json names contracts in use: deploying new ones would orphan its provisions. */
export class ProvisionsManifestInUseError extends InvalidError {
  override readonly name = "ProvisionsManifestInUseError";
}

/**
 * A DID other than this provision's is already published where the provision's DID would live (another
 * controller, machine, description or anchoring): it is never rewritten.
 */
export class ProvisionDidConflictError extends InvalidError {
  override readonly name = "ProvisionDidConflictError";
}

/** The machine is already registered, with a DID that is neither published nor staged at this provision's place. */
export class ProvisionRegistrationConflictError extends InvalidError {
  override readonly name = "ProvisionRegistrationConflictError";
}

/** Whether `address` holds contract code on the client's chain. */
export async function hasCode(client: PublicClient, address: Hex): Promise<boolean> {
  let code: Hex | undefined;
  try {
    code = await client.getCode({ address });
  } catch (e) {
    throw new ChainUnreachableError("Could not read the contract code from the chain", { details: `${address}: ${String((e as { shortMessage?: string }).shortMessage ?? e)}`, cause: e });
  }
  return code !== undefined && code !== "0x";
}

/** Refuses an address without contract code (a call to it "succeeds" and changes nothing). */
export async function requireContract(client: PublicClient, address: Hex, what: string): Promise<void> {
  if (!(await hasCode(client, address))) {
    const chainId = await client.getChainId().catch(() => undefined);
    throw new ContractMissingError(`There is no ${what} contract at this address`, {
      details: `${address}${chainId === undefined ? "" : ` on chain ${chainId}`} holds no code (a typo, or a deployment on another chain?)`,
    });
  }
}

/** A contract's refusal (decoded or not), mined or simulated: ProvisionTransactionError. */
const provisionRevert: SendOptions = { onRevert: (r) => revertedError(r, ProvisionTransactionError) };

type ContractCall = {
  abi: typeof provisionRegistryAbi | typeof walletLinksAbi | typeof anchorRegistryAbi;
  address: Hex;
  functionName: string;
  args: readonly unknown[];
};

/**
 * Sends a contract call from `conn` through the publisher's shared send path (../send.ts): simulated first
 * (a refusal comes back as ProvisionTransactionError, with the contract's error name when its ABI decodes
 * it, and costs nothing), its gas checked against the sender's balance (SenderUnfundedError), then sent and
 * waited for (a mined revert is a ProvisionTransactionError with its txHash). ChainUnreachableError only
 * when the chain did not answer or never received the transaction.
 */
function send(conn: ChainConnection, what: string, call: ContractCall): Promise<{ txHash: Hex; blockNumber: bigint }> {
  return sendContract(conn, what, call, provisionRevert);
}

/** Deploys a contract from `conn` (its gas checked against the sender's balance first); its address and block. */
async function deploy(
  conn: ChainConnection,
  what: string,
  abi: typeof provisionRegistryAbi | typeof walletLinksAbi | typeof anchorRegistryAbi,
  bytecode: Hex,
): Promise<{ address: Hex; blockNumber: bigint }> {
  const { address, blockNumber } = await deployContract(conn, what, abi, bytecode, provisionRevert);
  return { address, blockNumber };
}

/** Deploys an AnchorRegistry from the connection's account (for tests and a fresh local chain). */
export async function deployAnchorRegistry(conn: ChainConnection): Promise<Hex> {
  return (await deploy(conn, "Deploying the anchor registry", anchorRegistryAbi, anchorRegistryBytecode)).address;
}

/** Deploys ProvisionRegistry and WalletLinks from the connection's account. */
export async function deployProvisionContracts(conn: ChainConnection): Promise<ProvisionContracts & { fromBlock: bigint }> {
  const reg = await deploy(conn, "Deploying ProvisionRegistry", provisionRegistryAbi, provisionRegistryBytecode);
  const links = await deploy(conn, "Deploying WalletLinks", walletLinksAbi, walletLinksBytecode);
  return {
    chainId: conn.chainId,
    provisionRegistry: reg.address,
    walletLinks: links.address,
    fromBlock: reg.blockNumber < links.blockNumber ? reg.blockNumber : links.blockNumber,
  };
}

export interface ProvisionDidOptions {
  /** `localhost:8787`, `provider.example`. */
  host: string;
  /** Path segments under the host (default `provisions/<provisionId>`). */
  path?: string[];
  info: ProvisionInfo;
  chainId: number;
  controller: Hex;
  machine: Hex;
  /** The Ed25519 key that signs the DID's log (its update key). */
  signer: Signer;
  /** Who may anchor this DID's entries (the anchoring declaration); omitted: no declaration. */
  anchoring?: AnchoringDeclaration;
  versionTime?: string | Date;
}

/** What a provision's DID document says, without its key: enough to recognise the DID a run made before. */
export type ProvisionDidContent = Omit<ProvisionDidOptions, "signer" | "versionTime">;

/** The provision's DID document for `did` (the DID, or the `{SCID}` placeholder while it is created). */
export function provisionDocument(did: string, options: ProvisionDidContent): DidDocument {
  const info = checkProvisionInfo(options.info);
  return {
    "@context": ["https://www.w3.org/ns/did/v1"],
    id: did,
    alsoKnownAs: [pkhDid(options.chainId, options.controller)],
    verificationMethod: [
      {
        id: `${did}#machine`,
        type: "EcdsaSecp256k1RecoveryMethod2020",
        controller: did,
        blockchainAccountId: caip10(options.chainId, options.machine),
      },
    ],
    service: [
      provisionService(did, info),
      ...(options.anchoring ? [{ id: `${did}#${ANCHOR_SERVICE_FRAGMENT}`, type: ANCHOR_SERVICE_TYPE, serviceEndpoint: options.anchoring }] : []),
    ],
  };
}

/**
 * `doc` naming `controller` as the provision's controller wallet: the did:pkh of the provision's chain in
 * `alsoKnownAs` (the former controller's, as provisionDocument wrote it) replaced by the controller's; every
 * other entry (another chain's account, another alias) and the rest of the document kept as they are.
 */
export function withController(doc: DidDocument, chainId: number, controller: Hex): DidDocument {
  const former = (aka: string) => aka.startsWith("did:pkh:") && parseEip155Account(aka)?.chainId === chainId;
  const others = (Array.isArray(doc.alsoKnownAs) ? doc.alsoKnownAs : []).filter((aka) => typeof aka !== "string" || !former(aka));
  return { ...doc, alsoKnownAs: [pkhDid(chainId, controller), ...others] };
}

export interface UpdateControllerResult {
  did: string;
  /** The registry's controller, which the DID's document names now. */
  controller: Hex;
  /** The wallets of the provision's chain the document named before (lower-case; the machine's included). */
  named: Hex[];
  /** The entry appended; null when the document named the controller already (nothing written). */
  entry: LogEntry | null;
  /** Whether the DID's document declares anchoring: its new entry is then anchored by `anchor`, as every update is. */
  declaresAnchoring: boolean;
}

/**
 * After control of a provision passed on (`transfer`, then `accept`): appends to its DID's log, published
 * in the host folder `dir`, an entry whose document names the registry's controller (`view`, as read from
 * the chain) instead of the former one, signed with the DID's key from `ks` (the keystore `register`
 * saved it in). Re-runnable: when the latest document names the controller already, nothing is written.
 * Only ever appends (the published log is extended, never rewritten); the entry is anchored like any
 * other update, by the host's `anchor` run, until which the DID is pending.
 */
export async function updateProvisionController(options: {
  ks: Keystore;
  dir: string;
  view: Pick<ProvisionView, "did" | "controller">;
  chainId: number;
  versionTime?: string;
}): Promise<UpdateControllerResult> {
  const { ks, view, chainId } = options;
  const did = view.did;
  const host = await PublisherHost.open(options.dir, { dids: [did], verify: true });
  if (!host.has(did)) throw new UnknownDidError("The provision's DID is not published in this host folder", { details: `${did} is not in ${host.store.indexPath}` });
  const current = host.log(did).at(-1)!;
  const base = { did, controller: view.controller, named: documentWallets(current.state, chainId), declaresAnchoring: anchoringDeclaration(current) !== undefined };
  if (documentNamesWallet(current.state, chainId, view.controller).named) return { ...base, entry: null };
  const { entry } = await appendDidEntry({
    ks,
    host,
    did,
    document: (previous) => withController(previous, chainId, view.controller),
    ...(options.versionTime ? { versionTime: options.versionTime } : {}),
  });
  await host.flush();
  return { ...base, entry };
}

/**
 * The provision's DID: its document names the controller wallet (`alsoKnownAs`, did:pkh), the machine
 * (a verification method with `blockchainAccountId`), and describes the provision (`#provision`).
 */
export async function createProvisionDid(options: ProvisionDidOptions): Promise<CreateLogResult> {
  const info = checkProvisionInfo(options.info);
  return createLog({
    host: options.host,
    path: options.path ?? ["provisions", info.provisionId],
    signer: options.signer,
    ...(options.versionTime ? { versionTime: options.versionTime } : {}),
    document: (did): Omit<DidDocument, "id"> => {
      const { id: _id, ...doc } = provisionDocument(did, options);
      return doc;
    },
  });
}

/** Registers the provision from the controller's connection, with the machine's signed consent. */
export async function registerProvision(options: {
  conn: ChainConnection;
  contracts: ProvisionContracts;
  machine: LocalAccount;
  did: string;
  info: ProvisionInfo;
  /** Seconds the consent stays valid (default 1 hour). */
  validFor?: number;
}): Promise<{ txHash: Hex; metadataHash: Hex }> {
  const { conn, contracts, machine, did } = options;
  const metadataHash = provisionMetadataHash(checkProvisionInfo(options.info));
  const deadline = deadlineIn(options.validFor ?? 3600);
  const consent = await machine.signTypedData(
    registrationTypedData({
      chainId: contracts.chainId,
      registry: contracts.provisionRegistry,
      machine: machine.address,
      controller: conn.account.address,
      did,
      metadataHash,
      deadline,
    }),
  );
  const { txHash } = await send(conn, "Registering the provision", {
    abi: provisionRegistryAbi,
    address: contracts.provisionRegistry,
    functionName: "registerProvision",
    args: [machine.address, did, metadataHash, deadline, consent],
  });
  return { txHash, metadataHash };
}

/** A DID of this provision found on the host (published) or in the publisher's state (staged, not published yet). */
export interface FoundProvisionDid {
  did: string;
  /** The log's text as it is on disk (published as it is: never re-serialised). */
  text: string;
  log: LogEntry[];
  where: "published" | "staged";
}

/** `register` keeps what it made before the registration is sent here, under `.publisher/` (never served). */
const STAGED_DIR = "staged";
const STAGED_CONTRACTS = "contracts.json";

/** The host folder of the provision's DID: `provisions/<id>` unless `path` says otherwise. */
export function provisionFolder(content: Pick<ProvisionDidContent, "host" | "path" | "info">): string {
  return didFolder(buildDid(SCID_PLACEHOLDER, content.host, content.path ?? ["provisions", checkProvisionInfo(content.info).provisionId]));
}

function stagedDir(store: HostStore, folder: string): string {
  return store.statePath(path.join(STAGED_DIR, folder));
}

async function readLogFile(file: string, where: FoundProvisionDid["where"]): Promise<FoundProvisionDid | null> {
  const text = await readFileOrNull(file);
  if (text === null) return null;
  const did = (await checkLog("(unknown DID)", file, text, { verify: false }))[0]?.state.id;
  if (!did) throw new ProvisionDidConflictError("The log at this provision's place names no DID", { details: file });
  return { did, text, log: await checkLog(did, file, text), where };
}

/** The provision's DID as published at its folder, and as staged by a run that did not finish (each verified). */
export async function findProvisionDid(
  store: HostStore,
  folder: string,
): Promise<{ published: FoundProvisionDid | null; staged: FoundProvisionDid | null }> {
  return {
    published: await readLogFile(path.join(store.root, folder, LOG_FILE), "published"),
    staged: await readLogFile(path.join(stagedDir(store, folder), LOG_FILE), "staged"),
  };
}

/**
 * Whether `found` is the DID `content` describes: it lives on the host at the provision's folder, and its
 * current document is exactly the provision's (controller, machine, #provision, anchoring).
 */
export function isProvisionDid(found: FoundProvisionDid, content: ProvisionDidContent): boolean {
  const scid = found.did.split(":")[2] ?? "";
  const at = buildDid(scid, content.host, content.path ?? ["provisions", checkProvisionInfo(content.info).provisionId]);
  const current = found.log.at(-1)?.state;
  return found.did === at && current !== undefined && canonicalize(current) === canonicalize(provisionDocument(found.did, content));
}

/** Records the contracts `register --deploy` deployed, so that a re-run registers with them instead of deploying again. */
export async function stageDeployment(store: HostStore, folder: string, contracts: ProvisionContracts): Promise<void> {
  const { chainId, provisionRegistry, walletLinks } = contracts;
  await writeFileAtomic(path.join(stagedDir(store, folder), STAGED_CONTRACTS), `${JSON.stringify({ chainId, provisionRegistry, walletLinks }, null, 1)}\n`);
}

/**
 * For `register --deploy` run again: the contracts of the host's provisions.json when this provision's
 * earlier run deployed them (staged), or when this machine is registered with them as the DID published or
 * staged here (the registration is done). null: deploy (when provisions.json allows it).
 */
export async function deploymentToReuse(options: {
  conn: ChainConnection;
  store: HostStore;
  folder: string;
  machine: Hex;
}): Promise<(ProvisionContracts & { fromBlock: bigint }) | null> {
  const { conn, store, folder } = options;
  const manifest = await readManifest(store.root);
  if (!manifest || manifest.chainId !== conn.chainId) return null;
  if (!(await hasCode(conn.publicClient, manifest.provisionRegistry)) || !(await hasCode(conn.publicClient, manifest.walletLinks))) return null;
  const contracts = { chainId: manifest.chainId, provisionRegistry: manifest.provisionRegistry, walletLinks: manifest.walletLinks, fromBlock: BigInt(manifest.fromBlock) };
  const stagedFile = path.join(stagedDir(store, folder), STAGED_CONTRACTS);
  const staged = await readFileOrNull(stagedFile);
  if (staged !== null) {
    const recorded = parseJsonFile(stagedFile, staged) as Partial<ProvisionContracts>;
    if (
      recorded.chainId === manifest.chainId &&
      recorded.provisionRegistry?.toLowerCase() === manifest.provisionRegistry.toLowerCase() &&
      recorded.walletLinks?.toLowerCase() === manifest.walletLinks.toLowerCase()
    ) {
      return contracts;
    }
  }
  const onChain = await readProvision(conn.publicClient, contracts, options.machine);
  if (!onChain) return null;
  const { published, staged: stagedDid } = await findProvisionDid(store, folder);
  return published?.did === onChain.did || stagedDid?.did === onChain.did ? contracts : null;
}

export interface RegisterProvisionDidResult {
  did: string;
  metadataHash: Hex;
  /** The registration's transaction; null when the chain already held it (a re-run). */
  txHash: Hex | null;
  alreadyRegistered: boolean;
  /** `new`: made by this run; `staged`/`published`: made by an earlier run that stopped before finishing. */
  didFrom: "new" | FoundProvisionDid["where"];
  /** The provision's controller on chain. */
  controller: Hex;
}

/**
 * `provision register`, re-runnable: makes the provision's DID (or picks up the one an earlier run made:
 * published, or staged under `.publisher/`), registers it with the machine's consent unless the chain
 * already holds that registration, and only then publishes the DID. A new DID is staged (and `onNewDid`
 * keeps its key) before the registration is sent, so a failed send (chain down, sender unfunded) leaves
 * a state the next run completes with the same DID. A published log is never rewritten: a different DID
 * at the provision's folder is a ProvisionDidConflictError, a machine registered with another DID a
 * ProvisionRegistrationConflictError.
 */
export async function registerProvisionDid(options: {
  conn: ChainConnection;
  contracts: ProvisionContracts;
  machine: LocalAccount;
  store: HostStore;
  content: Omit<ProvisionDidContent, "chainId" | "controller" | "machine">;
  /** A new DID key; asked for only when no DID of this provision was made before. */
  newSigner: () => Signer;
  /** Called with a new DID and its key before anything is staged or sent (keep the key). */
  onNewDid?: (did: string, signer: Signer) => Promise<void>;
  validFor?: number;
}): Promise<RegisterProvisionDidResult> {
  const { conn, contracts, machine, store } = options;
  const content: ProvisionDidContent = { ...options.content, chainId: conn.chainId, controller: conn.account.address, machine: machine.address };
  const folder = provisionFolder(content);
  const { published, staged } = await findProvisionDid(store, folder);
  const conflict = (found: FoundProvisionDid) =>
    new ProvisionDidConflictError("Another DID is already published at this provision's place; it is never rewritten", {
      details: `${store.logPath(found.did)} publishes ${found.did}, whose document is not this provision's (host, controller, machine, #provision or anchoring differ): use another --id`,
    });

  const onChain = await readProvision(conn.publicClient, contracts, machine.address);
  if (onChain) {
    const mine = [published, staged].find((f) => f?.did === onChain.did);
    if (!mine) {
      throw new ProvisionRegistrationConflictError("The machine is already registered, with another DID", {
        details: `${machine.address} is registered as ${onChain.did}, which is neither published nor staged at ${folder} of this host`,
      });
    }
    if (published && mine !== published) throw conflict(published);
    await publishText(store, mine);
    await rm(stagedDir(store, folder), { recursive: true, force: true });
    return { did: mine.did, metadataHash: onChain.metadataHash, txHash: null, alreadyRegistered: true, didFrom: mine.where, controller: onChain.controller };
  }

  let chosen: FoundProvisionDid;
  let didFrom: RegisterProvisionDidResult["didFrom"];
  if (published) {
    if (!isProvisionDid(published, content)) throw conflict(published);
    [chosen, didFrom] = [published, "published"];
  } else if (staged && isProvisionDid(staged, content)) {
    [chosen, didFrom] = [staged, "staged"];
  } else {
    const signer = options.newSigner();
    const created = await createProvisionDid({ ...content, signer });
    await options.onNewDid?.(created.did, signer);
    const text = serializeLog(created.log);
    await writeFileAtomic(path.join(stagedDir(store, folder), LOG_FILE), text);
    [chosen, didFrom] = [{ did: created.did, text, log: created.log, where: "staged" }, "new"];
  }
  const { txHash, metadataHash } = await registerProvision({
    conn,
    contracts,
    machine,
    did: chosen.did,
    info: content.info,
    ...(options.validFor === undefined ? {} : { validFor: options.validFor }),
  });
  await publishText(store, chosen);
  await rm(stagedDir(store, folder), { recursive: true, force: true });
  return { did: chosen.did, metadataHash, txHash, alreadyRegistered: false, didFrom, controller: conn.account.address };
}

/** Publishes a found DID's log as it is (nothing written when it is published already) and indexes it once. */
async function publishText(store: HostStore, found: FoundProvisionDid): Promise<void> {
  if (found.where === "staged") await store.writeLog(found.did, found.text);
  await store.addToIndex([found.did]);
}

/**
 * Why `action` would change nothing now, its goal being reached already (a command run again), or null
 * when there is something to send. A move the state machine lacks is not a goal reached: it stays refused.
 */
export function goalReached(view: ProvisionView, action: ControllerAction, sender: Hex): string | null {
  const same = (a: string | null, b: string | null) => a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
  switch (action.action) {
    case "changeState":
      return view.state === action.to ? `the provision is already ${action.to}` : null;
    case "revokeMachineKey":
      return view.machineKeyRevoked ? "the machine key is already revoked" : null;
    case "transferControl":
      if (BigInt(action.to) === 0n) return view.pendingController === null ? "control is on offer to no one already" : null;
      return same(view.pendingController, action.to) ? `control is already on offer to ${action.to}` : null;
    case "acceptControl":
      return same(view.controller, sender) && view.pendingController === null ? `${sender} controls the provision already` : null;
    case "updateMetadataHash":
      return same(view.metadataHash, action.metadataHash) ? "the chain holds this metadata hash already" : null;
    case "invalidateNonce":
      return null;
  }
}

/**
 * The machine (or the controller) signs `ProvisionStateChange` for the provision's current nonce: a
 * SignedStateChange anyone can relay before its deadline. Refuses a move the state machine lacks.
 */
export async function signStateChange(options: {
  conn: ChainConnection;
  contracts: ProvisionContracts;
  machine: Hex;
  signer: LocalAccount;
  to: ProvisionState;
  validFor?: number;
}): Promise<SignedStateChange & { from: ProvisionState }> {
  const { conn, contracts, machine, signer, to } = options;
  const current = await readProvision(conn.publicClient, contracts, machine);
  if (!current) throw new ProvisionStateError("The provision is not registered", { details: machine });
  if (current.machineKeyRevoked && signer.address.toLowerCase() === machine.toLowerCase()) {
    throw new MachineKeyRevokedError("The machine key is revoked: the registry refuses its signatures (RevokedMachineKey)", {
      details: `${machine}; the controller can still sign and send state changes`,
    });
  }
  if (!isTransitionAllowed(current.state, to)) {
    throw new ProvisionStateError(`The provision cannot move from ${current.state} to ${to}`, { details: machine });
  }
  const deadline = deadlineIn(options.validFor ?? 600);
  const signature = await signer.signTypedData(
    stateChangeTypedData({ chainId: contracts.chainId, registry: contracts.provisionRegistry, machine, to, nonce: BigInt(current.nonce), deadline }),
  );
  return {
    type: SIGNED_CHANGE_TYPE,
    chainId: contracts.chainId,
    registry: contracts.provisionRegistry,
    machine,
    to,
    nonce: String(current.nonce),
    deadline: deadline.toString(),
    signer: signer.address,
    signature,
    from: current.state,
  };
}

/**
 * Sends a signed state change (`changeStateSigned`) from `relayer`, whoever signed it. Refuses a registry
 * address without code (nothing would happen), and fails when the mined transaction did not record the
 * change (no `ProvisionStateChanged` for this machine to this state from this registry).
 */
export async function relaySignedChange(options: {
  relayer: ChainConnection;
  change: SignedStateChange;
}): Promise<{ txHash: Hex }> {
  const { relayer, change } = options;
  if (change.chainId !== relayer.chainId) throw new ProvisionStateError("The signed change is for another chain", { details: String(change.chainId) });
  await requireContract(relayer.publicClient, change.registry, "ProvisionRegistry");
  const { txHash } = await send(relayer, `Changing the provision's state to ${change.to}`, {
    abi: provisionRegistryAbi,
    address: change.registry,
    functionName: "changeStateSigned",
    args: [change.machine, stateIndex(change.to), BigInt(change.deadline), change.signature],
  });
  const receipt = await relayer.publicClient.getTransactionReceipt({ hash: txHash });
  const recorded = parseEventLogs({ abi: provisionRegistryAbi, eventName: "ProvisionStateChanged", logs: receipt.logs }).some(
    (l) =>
      l.address.toLowerCase() === change.registry.toLowerCase() &&
      l.args.machine.toLowerCase() === change.machine.toLowerCase() &&
      stateFromIndex(l.args.to) === change.to,
  );
  if (!recorded) {
    throw new ProvisionUnchangedError("The transaction was mined but the registry recorded no state change", {
      details: `${txHash}: no ProvisionStateChanged(${change.machine} to ${change.to}) from ${change.registry}`,
    });
  }
  return { txHash };
}

/** The machine signs the change and `relayer` (anyone) sends it at once. */
export async function relayStateChange(options: {
  relayer: ChainConnection;
  contracts: ProvisionContracts;
  machine: LocalAccount;
  to: ProvisionState;
  validFor?: number;
}): Promise<{ txHash: Hex; from: ProvisionState; to: ProvisionState }> {
  const { from, ...change } = await signStateChange({
    conn: options.relayer,
    contracts: options.contracts,
    machine: options.machine.address,
    signer: options.machine,
    to: options.to,
    ...(options.validFor === undefined ? {} : { validFor: options.validFor }),
  });
  const { txHash } = await relaySignedChange({ relayer: options.relayer, change });
  return { txHash, from, to: options.to };
}

/** What the controller (or, for `acceptControl`, the proposed controller) sends to keep its provision safe. */
export type ControllerAction =
  | { action: "revokeMachineKey" }
  | { action: "invalidateNonce" }
  | { action: "transferControl"; to: Hex }
  | { action: "acceptControl" }
  | { action: "updateMetadataHash"; metadataHash: Hex }
  | { action: "changeState"; to: "running" | "off" };

const ACTION_WHAT: Record<ControllerAction["action"], string> = {
  revokeMachineKey: "Revoking the machine key",
  invalidateNonce: "Cancelling the pending signed change",
  transferControl: "Offering control of the provision",
  acceptControl: "Accepting control of the provision",
  updateMetadataHash: "Updating the metadata hash",
  changeState: "Changing the provision's state",
};

/**
 * Sends a controller's action from `conn` (simulated first, so a refusal comes back as a
 * ProvisionTransactionError with the contract's error name, e.g. `CallerNotController`, and costs nothing).
 */
export async function sendControllerAction(options: {
  conn: ChainConnection;
  contracts: ProvisionContracts;
  machine: Hex;
  action: ControllerAction;
}): Promise<{ txHash: Hex; blockNumber: bigint }> {
  const { conn, contracts, machine, action } = options;
  if (!(await readProvision(conn.publicClient, contracts, machine))) {
    throw new ProvisionStateError("The provision is not registered", { details: machine });
  }
  const call = (() => {
    switch (action.action) {
      case "transferControl":
        return { functionName: "transferControl", args: [machine, action.to] } as const;
      case "updateMetadataHash":
        return { functionName: "updateMetadataHash", args: [machine, action.metadataHash] } as const;
      case "changeState":
        return { functionName: "changeState", args: [machine, stateIndex(action.to)] } as const;
      default:
        return { functionName: action.action, args: [machine] } as const;
    }
  })();
  return send(conn, ACTION_WHAT[action.action], { abi: provisionRegistryAbi, address: contracts.provisionRegistry, ...call });
}

/**
 * Anchors the latest entry of each log in one Merkle batch (AnchorRegistry.anchor from `conn`) and
 * writes each DID's did-anchors.json. Entries already proven are kept as they are.
 */
export async function anchorLogs(options: {
  conn: ChainConnection;
  anchorRegistry: Hex;
  store: HostStore;
  logs: { did: string; log: readonly LogEntry[] }[];
}): Promise<{ root: Hex; txHash: Hex } | null> {
  const { conn, anchorRegistry, store } = options;
  const items: { did: string; versionId: string }[] = [];
  for (const { did, log } of options.logs) {
    const proven = new Set((await store.readAnchors(did))?.anchors.map((a) => a.versionId) ?? []);
    for (const e of log) if (!proven.has(e.versionId)) items.push({ did, versionId: e.versionId });
  }
  if (items.length === 0) return null;
  const batch = buildBatch(items);
  const { txHash } = await send(conn, "Anchoring the provision DIDs", { abi: anchorRegistryAbi, address: anchorRegistry, functionName: "anchor", args: [batch.root] });
  const byDid = new Map<string, typeof batch.leaves>();
  for (const l of batch.leaves) byDid.set(l.did, [...(byDid.get(l.did) ?? []), l]);
  for (const [did, leaves] of byDid) {
    await store.writeAnchors({
      did,
      anchors: leaves.map((l) => ({
        versionId: l.versionId,
        leaf: l.leaf,
        proof: l.proof,
        root: batch.root,
        chainId: conn.chainId,
        registry: anchorRegistry,
        anchorer: conn.account.address,
        txHash,
      })),
    });
  }
  return { root: batch.root, txHash };
}

/** Reads the host's provisions.json; null when there is none. */
export async function readManifest(cdnDir: string): Promise<ProvisionsManifest | null> {
  const text = await readFileOrNull(path.join(cdnDir, PROVISIONS_MANIFEST));
  return text === null ? null : (JSON.parse(text) as ProvisionsManifest);
}

/**
 * Before `--deploy` writes a new provisions.json: refuses when the host's current one names contracts that
 * hold code (on this chain), or contracts on another chain (they cannot be checked from here), since
 * replacing it would show every provision registered with them as unregistered. Contracts without code (a
 * restarted local chain) may be replaced.
 */
export async function checkManifestReplaceable(client: PublicClient, chainId: number, cdnDir: string): Promise<void> {
  const existing = await readManifest(cdnDir);
  if (existing === null) return;
  const file = path.join(cdnDir, PROVISIONS_MANIFEST);
  const named = `ProvisionRegistry ${existing.provisionRegistry}, WalletLinks ${existing.walletLinks} on chain ${existing.chainId}`;
  if (existing.chainId !== chainId) {
    throw new ProvisionsManifestInUseError(`${file} already names contracts on another chain; not replacing it`, {
      details: `${named} (the RPC serves ${chainId}); use another --cdn folder, or move that file away on purpose`,
    });
  }
  const inUse = (await hasCode(client, existing.provisionRegistry)) || (await hasCode(client, existing.walletLinks));
  if (inUse) {
    throw new ProvisionsManifestInUseError(`${file} already names deployed contracts; --deploy would replace them`, {
      details: `${named}: drop --deploy to register with these contracts (their provisions would otherwise show as unregistered)`,
    });
  }
}

/** Writes provisions.json, merging the machines already listed. */
export async function writeManifest(cdnDir: string, manifest: ProvisionsManifest): Promise<ProvisionsManifest> {
  const existing = await readManifest(cdnDir);
  const sameContracts =
    existing !== null &&
    existing.chainId === manifest.chainId &&
    existing.provisionRegistry.toLowerCase() === manifest.provisionRegistry.toLowerCase();
  const machines = [...new Set([...(sameContracts ? existing.machines : []), ...manifest.machines])];
  const merged = { ...manifest, machines };
  await writeFileIfChanged(path.join(cdnDir, PROVISIONS_MANIFEST), `${JSON.stringify(merged, null, 1)}\n`);
  return merged;
}

/** The published log of `did` when there is one (a re-run reuses it: history is never rewritten). */
export async function readPublishedLog(store: HostStore, did: string): Promise<LogEntry[] | null> {
  const text = await store.readLog(did);
  return text === null ? null : parseLog(text);
}

export async function publishLog(store: HostStore, did: string, log: readonly LogEntry[]): Promise<void> {
  await store.writeLog(did, serializeLog(log));
  await store.addToIndex([did]);
}
