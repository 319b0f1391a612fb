/**
 * `provision <keygen|register|consent|start|stop|sign|relay|show|revoke-key|invalidate-nonce|transfer|accept|
 * update-metadata|update-controller>`: the provider's command line for compute provisions
 * (ProvisionRegistry). The machine key lives in the machine's own encrypted keystore; state changes are
 * signed by it (EIP-712) and relayed by any account. The controller's safety operations are sent from the
 * controller's keystore key; `update-controller` appends to the provision's DID log with the DID's key.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { parseArgs } from "node:util";
import { runSubcommands } from "../lib/command.ts";
import { bytesToHex } from "@noble/hashes/utils.js";
import { isAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { signerFromSecretKey } from "../../core/didwebvh/signer.ts";
import { createRpcChainReader } from "../../core/anchors/registry.ts";
import { httpSource } from "../../core/fetch/http.ts";
import { checkProvision, didFactsFromVerdict } from "../../core/provisions/check.ts";
import { verifyDid } from "../../core/verify/verifyDid.ts";
import { dirSource } from "../lib/dirSource.ts";
import { nodeRpcFetch } from "../lib/rpcHttp.ts";
import { checkTrustFlags, TRUST_FLAGS, trustPins, unpinned } from "../lib/trustPins.ts";
import { checkProvisionInfo, provisionInfoFromDocument, provisionMetadataHash } from "../../core/provisions/metadata.ts";
import { readProvision, readProvisionActivity, type ProvisionContracts } from "../../core/provisions/read.ts";
import { REGISTRATION_REQUEST_TYPE, type RegistrationRequest } from "../../core/provisions/registrationRequest.ts";
import { parseSignedChange } from "../../core/provisions/signedChange.ts";
import { deadlineIn, registrationTypedData } from "../../core/provisions/typedData.ts";
import type { Hex } from "../../core/types.ts";
import { connectChain, LOCAL_CHAIN_ID } from "../../publisher/chain.ts";
import { Keystore, readPassword } from "../../publisher/keystore.ts";
import { accountFrom, contractsFrom, evmKeyFrom, print, UsageError, verifiedDocumentOf } from "../../publisher/provision/cliSupport.ts";
import {
  deployProvisionContracts,
  deploymentToReuse,
  goalReached,
  provisionFolder,
  registerProvisionDid,
  stageDeployment,
  checkManifestReplaceable,
  ProvisionStateError,
  relaySignedChange,
  relayStateChange,
  sendControllerAction,
  signStateChange,
  type ControllerAction,
  updateProvisionController,
  writeManifest,
} from "../../publisher/provision/provision.ts";
import { withFolderLock } from "../../publisher/lock.ts";
import { HostStore } from "../../publisher/store.ts";

export const summary =
  "Compute provisions: keygen, register (DID + chain), consent, start, stop, sign, relay, show, revoke-key, invalidate-nonce, transfer, accept, update-metadata, update-controller";

const HELP = `Usage: npm run -s cli -- provision <subcommand> [options]

  keygen   --machine-keystore FILE
           Creates the machine's encrypted keystore with a new EVM key; prints the machine address.
  register --rpc URL --cdn DIR --host HOST --id ID --endpoint URL --tier TIER --country CC
           --machine-keystore FILE [--keystore FILE] [--registry ADDR --wallet-links ADDR | --deploy]
           [--anchor-registry ADDR --anchorer ADDR]
           Creates the provision's did:webvh DID (controller wallet as did:pkh in alsoKnownAs, the machine
           as a blockchainAccountId, a #provision service), registers it from the controller (the keystore's
           EVM key; Hardhat's development key on chain ${LOCAL_CHAIN_ID}) with the machine's EIP-712 consent, and
           then publishes it in DIR. --deploy deploys the contracts and writes DIR/provisions.json.
           Re-runnable: after a failed send (chain down, sender unfunded) the same command picks up the DID
           it made (staged in DIR/.publisher/) and the contracts it deployed; once registered, it says so
           (alreadyRegistered) and exits 0. A published log is never rewritten.
  consent  --rpc URL --cdn DIR --did DID --controller ADDR --machine-keystore FILE [--valid-for SECONDS]
           Prints the machine's signed registration request (JSON) for the controller's browser wallet.
  start | stop
           --rpc URL --machine-keystore FILE [--cdn DIR | --registry ADDR --wallet-links ADDR] [--keystore FILE]
           The machine signs the state change (EIP-712); the relayer (the keystore's key, or the development
           key on chain ${LOCAL_CHAIN_ID}) sends it.
           --rpc URL --machine ADDR [--cdn DIR | --registry ADDR --wallet-links ADDR] [--keystore FILE]
           Without the machine's keystore: the controller (the keystore's key) sends the change itself
           (changeState), which works after revoke-key too.
           Already running (start) or off (stop): says so ("unchanged": true), sends nothing, exit 0; a move
           the state machine lacks (stop before the first start) fails.
  sign     --to running|off --rpc URL --machine-keystore FILE [--cdn DIR | --registry ADDR --wallet-links ADDR]
           [--valid-for SECONDS]
           On the machine: prints the signed state change (JSON) for anyone to relay; sends nothing.
  relay    --signed JSON_OR_FILE --rpc URL [--keystore FILE]
           Sends a signed state change (from the machine or the controller) and pays its gas.
  show     --rpc URL --machine ADDR [--cdn DIR | --registry ADDR --wallet-links ADDR]
           [--trusted-anchorer ADDR ...] [--trusted-registry [CHAIN:]ADDR ...]
           The provision's state, controller, DID and history from the chain's events, and its verdict
           against its DID ("verdict", "reasons"; the DID's own as "did"): the DID verified from --cdn DIR,
           else its host, its anchors read through --rpc. Invalid when the DID document does not name the
           controller (ControllerNotNamedError), still names a former one after control passed on
           (ControllerTransferredError; run update-controller) or does not hash to the metadata hash
           (MetadataMismatchError). The verdict and its first reason also on stderr, as a line of text.
           The DID's anchors are pinned as audit pins them (each flag repeatable; "pinned" in the output):
             --trusted-anchorer ADDR  a root anchored by any other account is invalid (UntrustedAnchorerError)
             --trusted-registry [CHAIN:]ADDR  an AnchorRegistry on the RPC's chain (or on chain CHAIN only):
                                      a DID whose proofs or anchoring declaration name another is invalid
                                      (UntrustedRegistryError)
           Without them, stderr says what is not pinned: the registry the DID declares is believed (anyone
           can deploy one that answers "anchored" to anything, so --trusted-anchorer alone proves nothing)
           and any account its document authorises counts. Set both.
           Exit status: 0 verified or pending; 1 invalid, unverifiable or not registered; 2 bad usage.

The controller's safety operations, each sent from the controller's key (--keystore FILE; Hardhat's
development key on chain ${LOCAL_CHAIN_ID}), each taking
  --rpc URL --machine ADDR [--cdn DIR | --registry ADDR --wallet-links ADDR] [--keystore FILE]:
  revoke-key        The machine's signature is refused from now on (a leaked machine key); the controller's
                    still works. Also cancels a pending signed change. Cannot be undone.
  invalidate-nonce  Cancels a signed state change that was not relayed yet.
  transfer --to ADDR
                    Offers control of the provision to ADDR, who takes it with \`accept\`
                    (--to 0x0000000000000000000000000000000000000000 cancels the offer).
  accept            Takes control (from the keystore of the account the controller offered it to); the former
                    controller's pending signed changes die. The DID document still names the former
                    controller until its publisher runs update-controller (below).
  update-metadata   Recomputes the metadata hash from the provision's DID document (its #provision service,
                    as register computes it; read from --cdn DIR, else over HTTPS) and records it on chain.

Run again once done (the key revoked, control on offer or accepted), each says so ("unchanged": true) and
exits 0 without sending. A sender without the ETH for gas fails with SenderUnfundedError (the account,
what it holds and what it needs) before anything is sent.

After control passed on (transfer, then accept), the DID's publisher updates the DID document:
  update-controller --rpc URL --machine ADDR --cdn DIR --keystore FILE [--registry ADDR --wallet-links ADDR]
                    Appends to the provision's DID log in DIR one entry whose document names the registry's
                    controller (did:pkh in alsoKnownAs) in place of the former one, signed with the DID's key
                    from FILE (the keystore register saved it in, not the new controller's); sends nothing.
                    Until then show says Invalid (ControllerTransferredError). Only ever appends; run again,
                    it says the document names the controller already ("unchanged": true) and writes nothing.
                    The entry is anchored as every update is, by \`anchor --dir DIR --rpc URL\` (the DID is
                    pending until then).

The keystore password comes from PUBLISHER_KEYSTORE_PASSWORD or the terminal.
`;

const OPTIONS = {
  rpc: { type: "string" },
  cdn: { type: "string" },
  host: { type: "string" },
  id: { type: "string" },
  endpoint: { type: "string" },
  tier: { type: "string" },
  country: { type: "string" },
  did: { type: "string" },
  controller: { type: "string" },
  machine: { type: "string" },
  "machine-keystore": { type: "string" },
  keystore: { type: "string" },
  registry: { type: "string" },
  "wallet-links": { type: "string" },
  "anchor-registry": { type: "string" },
  anchorer: { type: "string" },
  "valid-for": { type: "string" },
  to: { type: "string" },
  signed: { type: "string" },
  deploy: { type: "boolean" },
  ...TRUST_FLAGS,
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

function need(flags: Flags, ...names: (keyof Flags)[]): void {
  const missing = names.filter((n) => flags[n] === undefined);
  if (missing.length) throw new UsageError(`Missing ${missing.map((m) => `--${String(m)}`).join(", ")}`);
}

/** An address flag: a typo (not an address, or a mixed-case address with a wrong checksum) is a usage error. */
function addressFlag(flags: Flags, name: "machine" | "controller" | "anchor-registry" | "anchorer"): Hex | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (!isAddress(value)) throw new UsageError(`--${name} must be an address (0x and 40 hex digits, checksum when mixed-case)`, { details: value });
  return value as Hex;
}

/** --valid-for: whole seconds, at least 1 (default `fallback`). */
function validForFlag(flags: Flags, fallback: number): number {
  const value = flags["valid-for"];
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new UsageError("--valid-for must be a whole number of seconds, at least 1", { details: value });
  return Number(value);
}

async function relayerKey(flags: Flags): Promise<Hex | undefined> {
  return flags.keystore ? evmKeyFrom(flags.keystore) : undefined;
}

async function keygen(flags: Flags): Promise<number> {
  need(flags, "machine-keystore");
  const key = generatePrivateKey();
  await Keystore.create(flags["machine-keystore"]!, await readPassword({ confirm: true }), { secrets: { anchoringKey: key } });
  print({ machine: privateKeyToAccount(key).address, keystore: flags["machine-keystore"] });
  return 0;
}

async function register(flags: Flags): Promise<number> {
  need(flags, "rpc", "cdn", "host", "id", "endpoint", "tier", "country", "machine-keystore");
  addressFlag(flags, "anchor-registry");
  addressFlag(flags, "anchorer");
  const info = checkProvisionInfo({ provisionId: flags.id, endpoint: flags.endpoint, tier: flags.tier, country: flags.country });
  const machine = await accountFrom(flags["machine-keystore"]!);
  // The provider's keystore holds the controller key and the DID's Ed25519 key; created when missing.
  let ks: Keystore | null = null;
  if (flags.keystore) {
    const password = await readPassword();
    ks = await Keystore.open(flags.keystore, password).catch(async (e: unknown) => {
      if ((e as { name?: string }).name !== "KeystoreMissingError") throw e;
      return Keystore.create(flags.keystore!, password);
    });
  }
  const conn = await connectChain(flags.rpc!, ks?.secrets.anchoringKey);
  if (!ks && conn.chainId !== LOCAL_CHAIN_ID) throw new UsageError("A real chain needs --keystore (the controller's key and the DID's key)");
  const store = new HostStore(flags.cdn!);
  const anchoring =
    flags["anchor-registry"] !== undefined
      ? { chainId: conn.chainId, registry: flags["anchor-registry"] as Hex, anchorers: [(flags.anchorer ?? conn.account.address) as Hex] }
      : undefined;
  const content = { host: flags.host!, info, ...(anchoring ? { anchoring } : {}) };
  const folder = provisionFolder(content);
  let contracts;
  if (flags.deploy) {
    // A re-run registers with the contracts its earlier run deployed (or that hold this registration already);
    // otherwise --deploy never replaces a provisions.json whose contracts are in use (their provisions would vanish).
    contracts = await deploymentToReuse({ conn, store, folder, machine: machine.address });
    if (!contracts) {
      await checkManifestReplaceable(conn.publicClient, conn.chainId, flags.cdn!);
      contracts = await deployProvisionContracts(conn);
      await stageDeployment(store, folder, contracts);
      await writeManifest(flags.cdn!, { ...manifestOf(contracts), machines: [] });
    }
  } else {
    contracts = await contractsFrom(conn, flags);
  }
  const seeds = new Map<string, Uint8Array>();
  const result = await registerProvisionDid({
    conn,
    contracts,
    machine,
    store,
    content,
    newSigner: () => {
      const seed = new Uint8Array(randomBytes(32));
      const signer = signerFromSecretKey(seed);
      seeds.set(signer.publicKeyMultibase, seed);
      return signer;
    },
    // The new DID's key is kept before the DID is staged and the registration sent.
    onNewDid: async (did, signer) => {
      if (!ks) return;
      ks.secrets.keys[signer.publicKeyMultibase] = bytesToHex(seeds.get(signer.publicKeyMultibase)!);
      ks.secrets.dids[did] = { updateKey: signer.publicKeyMultibase };
      await ks.save();
    },
  });
  await writeManifest(flags.cdn!, { ...manifestOf(contracts), machines: [machine.address] });
  print({
    did: result.did,
    machine: machine.address,
    controller: result.controller,
    metadataHash: result.metadataHash,
    txHash: result.txHash,
    alreadyRegistered: result.alreadyRegistered,
    didFrom: result.didFrom,
    registry: contracts.provisionRegistry,
    didKeySaved: ks !== null && ks.secrets.dids[result.did] !== undefined,
  });
  if (result.alreadyRegistered) process.stderr.write(`provision register: ${machine.address} is already registered as ${result.did}; nothing sent\n`);
  return 0;
}

function manifestOf(contracts: ProvisionContracts) {
  return {
    chainId: contracts.chainId,
    provisionRegistry: contracts.provisionRegistry,
    walletLinks: contracts.walletLinks,
    fromBlock: Number(contracts.fromBlock ?? 0n),
  };
}

async function consent(flags: Flags): Promise<number> {
  need(flags, "rpc", "cdn", "did", "controller", "machine-keystore");
  const controller = addressFlag(flags, "controller")!;
  const validFor = validForFlag(flags, 3600);
  const machine = await accountFrom(flags["machine-keystore"]!);
  // Signs with the machine key and only reads the chain: no sending account, on any chain.
  const conn = await connectChain(flags.rpc!, undefined, { readOnly: true });
  const contracts = await contractsFrom(conn, flags);
  const log = await new HostStore(flags.cdn!).readLog(flags.did!);
  if (log === null) throw new UsageError("The DID is not published in --cdn", { details: flags.did! });
  const info = provisionInfoFromDocument(await verifiedDocumentOf(flags.did!, flags.cdn));
  if (!info) throw new UsageError("The DID document describes no provision", { details: flags.did! });
  const metadataHash = provisionMetadataHash(info);
  const deadline = deadlineIn(validFor);
  const signature = await machine.signTypedData(
    registrationTypedData({ chainId: conn.chainId, registry: contracts.provisionRegistry, machine: machine.address, controller, did: flags.did!, metadataHash, deadline }),
  );
  const request: RegistrationRequest = {
    type: REGISTRATION_REQUEST_TYPE,
    chainId: conn.chainId,
    registry: contracts.provisionRegistry,
    machine: machine.address,
    controller,
    did: flags.did!,
    metadataHash,
    deadline: deadline.toString(),
    signature,
  };
  print(request);
  return 0;
}

async function change(flags: Flags, to: "running" | "off"): Promise<number> {
  // The controller's own transaction, when no machine key is given (a revoked or an offline machine).
  if (flags["machine-keystore"] === undefined && flags.machine !== undefined) return controllerAction(flags, { action: "changeState", to });
  need(flags, "rpc", "machine-keystore");
  const machine = await accountFrom(flags["machine-keystore"]!);
  const relayer = await connectChain(flags.rpc!, await relayerKey(flags));
  const contracts = await contractsFrom(relayer, flags);
  // Run again once the provision is where it was asked to go: nothing to sign or send.
  const view = await readProvision(relayer.publicClient, contracts, machine.address);
  const reached = view && goalReached(view, { action: "changeState", to }, machine.address);
  if (view && reached) return unchanged({ machine: machine.address, to, provision: view }, reached);
  const result = await relayStateChange({ relayer, contracts, machine, to });
  print({ machine: machine.address, ...result, relayer: relayer.account.address });
  return 0;
}

async function sign(flags: Flags): Promise<number> {
  need(flags, "rpc", "machine-keystore", "to");
  if (flags.to !== "running" && flags.to !== "off") throw new UsageError("--to must be running or off");
  const validFor = validForFlag(flags, 3600);
  const machine = await accountFrom(flags["machine-keystore"]!);
  const conn = await connectChain(flags.rpc!, undefined, { readOnly: true });
  const contracts = await contractsFrom(conn, flags);
  const { from: _from, ...change } = await signStateChange({
    conn,
    contracts,
    machine: machine.address,
    signer: machine,
    to: flags.to,
    validFor,
  });
  print(change);
  return 0;
}

async function relay(flags: Flags): Promise<number> {
  need(flags, "rpc", "signed");
  const text = flags.signed!.trim().startsWith("{") ? flags.signed! : await readFile(flags.signed!, "utf8");
  const change = parseSignedChange(text);
  const relayer = await connectChain(flags.rpc!, await relayerKey(flags));
  const { txHash } = await relaySignedChange({ relayer, change });
  print({ machine: change.machine, to: change.to, signer: change.signer, relayer: relayer.account.address, txHash });
  return 0;
}

async function show(flags: Flags): Promise<number> {
  need(flags, "rpc", "machine");
  const machine = addressFlag(flags, "machine")!;
  checkTrustFlags(flags);
  const conn = await connectChain(flags.rpc!, undefined, { readOnly: true });
  const contracts = await contractsFrom(conn, flags);
  const view = await readProvision(conn.publicClient, contracts, machine);
  const history = view ? await readProvisionActivity(conn.publicClient, contracts, machine) : [];
  if (!view) {
    print({ machine, provision: view, history });
    return 1;
  }
  // The provision against its DID, verified by the core pipeline as the app's page does, with the pins given
  // (the one chain read is the RPC's: a registry pinned without CHAIN: pins it there).
  const pins = trustPins(flags, [conn.chainId]);
  const did = await verifyDid(view.did, {
    source: flags.cdn ? dirSource(flags.cdn) : httpSource(),
    chain: createRpcChainReader({ rpc: { [conn.chainId]: [flags.rpc!] }, fetchFn: nodeRpcFetch }),
    now: new Date(),
    ...pins,
  });
  const { verdict, reasons } = checkProvision({ view, history, did: didFactsFromVerdict(did, conn.chainId) });
  print({
    machine,
    provision: view,
    verdict,
    reasons,
    did: { verdict: did.verdict, ...(did.error ? { error: did.error } : {}) },
    pinned: { anchorers: pins.trustedAnchorers ?? [], registries: pins.trustedRegistries?.[conn.chainId] ?? [] },
    history,
  });
  for (const note of unpinned(pins, [conn.chainId])) process.stderr.write(`provision show: note: ${note}\n`);
  const first = reasons[0];
  process.stderr.write(`provision show: ${verdict}${first ? ` (${first.name}: ${first.shortMessage})` : ""}\n`);
  // As audit: 0 verified or pending, 1 invalid or unverifiable.
  return verdict === "verified" || verdict === "pending" ? 0 : 1;
}

/** The controller's connection: the keystore's EVM key, else Hardhat's development key on the local chain. */
async function controllerConnection(flags: Flags) {
  need(flags, "rpc", "machine");
  addressFlag(flags, "machine");
  const conn = await connectChain(flags.rpc!, await relayerKey(flags));
  const contracts = await contractsFrom(conn, flags);
  return { conn, contracts, machine: flags.machine as Hex };
}

/** A command whose goal was already reached (run again): says so on stdout and stderr, exit 0. */
function unchanged(report: Record<string, unknown>, reason: string): number {
  print({ ...report, unchanged: true, reason });
  process.stderr.write(`provision: ${reason}; nothing sent\n`);
  return 0;
}

async function controllerAction(flags: Flags, action: ControllerAction): Promise<number> {
  const { conn, contracts, machine } = await controllerConnection(flags);
  // Run again once its goal is reached (the key already revoked, the state already the one asked): exit 0.
  const before = await readProvision(conn.publicClient, contracts, machine);
  const reached = before && goalReached(before, action, conn.account.address);
  if (before && reached) return unchanged({ machine, ...action, sender: conn.account.address, provision: before }, reached);
  const { txHash } = await sendControllerAction({ conn, contracts, machine, action });
  const view = await readProvision(conn.publicClient, contracts, machine);
  print({ machine, ...action, sender: conn.account.address, txHash, provision: view });
  if (action.action === "acceptControl")
    process.stderr.write(
      `provision accept: note: the DID document of ${view?.did ?? machine} must now name ${conn.account.address}; until its publisher runs ` +
        `provision update-controller --machine ${machine} --cdn DIR --keystore DID_KEYSTORE, the provision shows Invalid (ControllerTransferredError)\n`,
    );
  return 0;
}

async function transfer(flags: Flags): Promise<number> {
  need(flags, "to");
  if (!isAddress(flags.to!)) throw new UsageError("--to must be the address of the next controller", { details: flags.to! });
  return controllerAction(flags, { action: "transferControl", to: flags.to as Hex });
}

async function updateMetadata(flags: Flags): Promise<number> {
  const { conn, contracts, machine } = await controllerConnection(flags);
  const view = await readProvision(conn.publicClient, contracts, machine);
  if (!view) throw new ProvisionStateError("The provision is not registered", { details: machine });
  const info = provisionInfoFromDocument(await verifiedDocumentOf(view.did, flags.cdn));
  if (!info) throw new UsageError("The DID document describes no provision", { details: view.did });
  const metadataHash = provisionMetadataHash(info);
  if (metadataHash === view.metadataHash) {
    print({ machine, did: view.did, metadataHash, unchanged: true });
    return 0;
  }
  const { txHash } = await sendControllerAction({ conn, contracts, machine, action: { action: "updateMetadataHash", metadataHash } });
  print({ machine, did: view.did, metadataHash, previous: view.metadataHash, info, sender: conn.account.address, txHash });
  return 0;
}

async function updateController(flags: Flags): Promise<number> {
  need(flags, "rpc", "machine", "cdn", "keystore");
  const machine = addressFlag(flags, "machine")!;
  // Reads the chain only (who controls the provision now): the entry is signed with the DID's key, nothing is sent.
  const conn = await connectChain(flags.rpc!, undefined, { readOnly: true });
  const contracts = await contractsFrom(conn, flags);
  const view = await readProvision(conn.publicClient, contracts, machine);
  if (!view) throw new ProvisionStateError("The provision is not registered", { details: machine });
  const result = await withFolderLock(flags.cdn!, "provision update-controller", async () =>
    updateProvisionController({ ks: await Keystore.open(flags.keystore!, await readPassword()), dir: flags.cdn!, view, chainId: conn.chainId }),
  );
  const report = { machine, did: result.did, controller: result.controller, pendingController: view.pendingController, named: result.named };
  if (!result.entry) return unchanged(report, `the DID document names the controller ${view.controller} already`);
  print({ ...report, versionId: result.entry.versionId, anchored: false });
  process.stderr.write(
    result.declaresAnchoring
      ? `provision update-controller: ${result.entry.versionId} is not anchored yet (pending): run anchor --dir ${flags.cdn} --rpc ${flags.rpc}\n`
      : `provision update-controller: ${result.entry.versionId} appended; the DID declares no anchoring, so it stays pending\n`,
  );
  return 0;
}

export async function run(argv: readonly string[]): Promise<number> {
  return runSubcommands("provision", HELP, argv, OPTIONS, {
    keygen: keygen,
    register: register,
    consent: consent,
    start: (v) => change(v, "running"),
    stop: (v) => change(v, "off"),
    sign: sign,
    relay: relay,
    show: show,
    "revoke-key": (v) => controllerAction(v, { action: "revokeMachineKey" }),
    "invalidate-nonce": (v) => controllerAction(v, { action: "invalidateNonce" }),
    transfer: transfer,
    accept: (v) => controllerAction(v, { action: "acceptControl" }),
    "update-metadata": updateMetadata,
    "update-controller": updateController,
  });
}
