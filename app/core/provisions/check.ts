/**
 * A provision checked against its DID: the registry's side (controller, metadata hash, history) beside
 * the DID's verified document (the wallets it names, its `#provision` description). One verdict:
 *
 * - `invalid`: the DID is invalid, or its verified document contradicts the registry: it does not name
 *   the controller wallet (`ControllerNotNamedError`; `ControllerTransferredError` when it still names a
 *   controller the registry's history shows control passed on from), it describes no provision or a
 *   malformed one, or its description does not hash to the registry's metadata hash.
 * - `unverifiable`: the DID could not be checked (host, chain, cache too old), so neither could the rest.
 * - `pending` / `verified`: the DID's own verdict, only when nothing above contradicts it. A pending DID
 *   whose newest (not yet anchored) document contradicts the registry is invalid, not pending: a signed
 *   document that names another wallet is evidence, anchored or not.
 *
 * Framework-free: the app's provision page and the command line use it alike. Reasons are typed
 * (`name`); callers switch on the name, never on the text.
 */
import { getAddress } from "viem";
import { InvalidError, UnverifiableError, type SerializedError, type VerifierErrorOptions } from "../errors.ts";
import type { DidVerdict, Hex, Verdict, VerdictReason } from "../types.ts";
import { provisionInfoFromDocument, provisionMetadataHash, ProvisionInfoError, type ProvisionInfo } from "./metadata.ts";
import type { ProvisionActivity, ProvisionView } from "./read.ts";
import { documentWallets } from "./walletLink.ts";

/** What the provision's DID gave: its verdict and, when its log could be read, what its document says. */
export interface ProvisionDidFacts {
  verdict: Verdict;
  /** The DID's own reason (not the provision's). */
  error?: VerdictReason;
  /** The document's provision description; null when it has none or it is malformed. */
  info: ProvisionInfo | null;
  /** Set when the document's description is malformed (ProvisionInfoError). */
  infoError?: SerializedError;
  /** Every wallet the document names on the provision's chain (lower-case); absent when there was no document. */
  wallets?: Hex[];
}

/** The DID's verdict reduced to what the provision check needs (plain data: cacheable, cloneable). */
export function didFactsFromVerdict(v: Pick<DidVerdict, "verdict" | "error" | "document">, chainId: number): ProvisionDidFacts {
  const base = { verdict: v.verdict, ...(v.error ? { error: v.error } : {}) };
  if (!v.document) return { ...base, info: null };
  const wallets = documentWallets(v.document, chainId);
  try {
    return { ...base, info: provisionInfoFromDocument(v.document), wallets };
  } catch (e) {
    // A malformed description (ProvisionInfoError), or services that are not even a list.
    const infoError = e instanceof InvalidError ? e.toJSON() : new ProvisionInfoError("The DID document's services could not be read", { details: String(e) }).toJSON();
    return { ...base, info: null, infoError, wallets };
  }
}

/** When control passed to the current controller (the registry's `ControlTransferred`). */
export interface ControlTransfer {
  from: Hex;
  to: Hex;
  /** Block time, seconds since the epoch. */
  timestamp: number;
  blockNumber: number;
  txHash: Hex;
}

/** The registry's controller is not a wallet the DID's verified document names. */
export class ControllerNotNamedError extends InvalidError {
  override readonly name = "ControllerNotNamedError";
  /** The registry's controller. */
  readonly controller: Hex;
  /** The wallets the document names (the machine's own account left out). */
  readonly documentNames: Hex[];
  /** Control is on offer to this wallet, which the document names, but it has not accepted. */
  readonly offeredTo: Hex | null;

  constructor(controller: Hex, documentNames: Hex[], offeredTo: Hex | null, options: VerifierErrorOptions = {}) {
    const names = documentNames.length ? `it names ${documentNames.join(", ")}` : "it names no controller wallet";
    const offer = offeredTo ? `; control was offered to ${offeredTo}, which has not accepted it, so the controller is still ${controller}` : "";
    super("The DID document does not name the controller wallet", {
      details: `the registry's controller is ${controller}; ${names}${offer}`,
      ...options,
    });
    this.controller = controller;
    this.documentNames = documentNames;
    this.offeredTo = offeredTo;
  }

  override toJSON(): SerializedControllerNotNamed {
    return { ...super.toJSON(), name: "ControllerNotNamedError", controller: this.controller, documentNames: this.documentNames, offeredTo: this.offeredTo };
  }
}

/**
 * Control passed on (offered, then accepted) and the DID document still names a former controller:
 * the document has not been updated since. The registry's controller is the one in charge.
 */
export class ControllerTransferredError extends InvalidError {
  override readonly name = "ControllerTransferredError";
  readonly controller: Hex;
  readonly documentNames: Hex[];
  readonly transfer: ControlTransfer;

  constructor(controller: Hex, documentNames: Hex[], transfer: ControlTransfer) {
    super(`Control moved to ${transfer.to} on ${isoTime(transfer.timestamp)}; the DID document has not been updated`, {
      details: `it still names ${documentNames.join(", ")} (control passed from ${transfer.from} in block ${transfer.blockNumber}, tx ${transfer.txHash})`,
    });
    this.controller = controller;
    this.documentNames = documentNames;
    this.transfer = transfer;
  }

  override toJSON(): SerializedControllerTransferred {
    return { ...super.toJSON(), name: "ControllerTransferredError", controller: this.controller, documentNames: this.documentNames, transfer: this.transfer };
  }
}

/** The DID document has no `#provision` (`ComputeProvision`) service: the registry's hash describes nothing shown. */
export class ProvisionInfoMissingError extends InvalidError {
  override readonly name = "ProvisionInfoMissingError";
}

/** The registry's metadata hash is not the hash of the document's provision description. */
export class MetadataMismatchError extends InvalidError {
  override readonly name = "MetadataMismatchError";
}

/** The DID's verdict came without its document (nothing to check the provision against). */
export class ProvisionDocumentUnreadError extends UnverifiableError {
  override readonly name = "ProvisionDocumentUnreadError";
}

export interface SerializedControllerNotNamed extends SerializedError {
  name: "ControllerNotNamedError";
  controller: Hex;
  documentNames: Hex[];
  offeredTo: Hex | null;
}

export interface SerializedControllerTransferred extends SerializedError {
  name: "ControllerTransferredError";
  controller: Hex;
  documentNames: Hex[];
  transfer: ControlTransfer;
}

export type ProvisionReason = VerdictReason | SerializedControllerNotNamed | SerializedControllerTransferred;

export interface ProvisionCheck {
  verdict: Verdict;
  /** Why it is not verified, the decisive reason first; empty when verified. */
  reasons: ProvisionReason[];
}

/** The reason as a ControllerTransferredError's data, when it is one (switching on the name). */
export function asControllerTransferred(r: ProvisionReason): SerializedControllerTransferred | null {
  return r.name === "ControllerTransferredError" && "transfer" in r ? (r as SerializedControllerTransferred) : null;
}

/** The reason as a ControllerNotNamedError's data, when it is one (switching on the name). */
export function asControllerNotNamed(r: ProvisionReason): SerializedControllerNotNamed | null {
  return r.name === "ControllerNotNamedError" && "documentNames" in r ? (r as SerializedControllerNotNamed) : null;
}

/**
 * The provision's verdict: the registry's `view` and `history` (as read from the chain) against its DID's
 * verdict and document (`did`, from {@link didFactsFromVerdict}). Never verified unless the DID is verified
 * and its document names the controller and hashes to the registry's metadata hash.
 */
export function checkProvision(input: { view: ProvisionView; history: readonly ProvisionActivity[]; did: ProvisionDidFacts }): ProvisionCheck {
  const { view, history, did } = input;
  const own: ProvisionReason[] = did.error ? [did.error] : [];
  if (did.verdict === "invalid" || did.verdict === "unverifiable") return { verdict: did.verdict, reasons: own };
  if (!did.wallets) {
    return { verdict: "unverifiable", reasons: [new ProvisionDocumentUnreadError("The DID's document was not available to check the provision against", { details: view.did }).toJSON()] };
  }
  const problems: ProvisionReason[] = [];
  const controllerProblem = checkController(view, history, did.wallets);
  if (controllerProblem) problems.push(controllerProblem);
  if (did.infoError) {
    problems.push(did.infoError);
  } else if (!did.info) {
    problems.push(new ProvisionInfoMissingError("The DID document describes no provision (no ComputeProvision service)", { details: view.did }).toJSON());
  } else {
    const documentHash = provisionMetadataHash(did.info);
    if (documentHash !== view.metadataHash) {
      problems.push(
        new MetadataMismatchError("The registry's metadata hash does not match the DID document's description", {
          details: `registry ${view.metadataHash}, document ${documentHash}`,
        }).toJSON(),
      );
    }
  }
  if (problems.length) return { verdict: "invalid", reasons: problems };
  return { verdict: did.verdict, reasons: own };
}

function checkController(view: ProvisionView, history: readonly ProvisionActivity[], wallets: readonly Hex[]): ProvisionReason | null {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (wallets.some((w) => same(w, view.controller))) return null;
  // The machine's own account is named as a verification method: it is not a controller.
  const named = wallets.filter((w) => !same(w, view.machine)).map((w) => getAddress(w));
  // Those the history shows in control before (registered it, or passed control on).
  const former = new Set<string>();
  for (const a of history) {
    if (a.kind === "registered") former.add(a.controller.toLowerCase());
    if (a.kind === "controlTransferred") former.add(a.from.toLowerCase());
  }
  const namesFormer = named.some((w) => former.has(w.toLowerCase()));
  const transfer = [...history].reverse().find((a) => a.kind === "controlTransferred" && same(a.to, view.controller));
  if (namesFormer && transfer?.kind === "controlTransferred") {
    const { from, to, timestamp, blockNumber, txHash } = transfer;
    return new ControllerTransferredError(view.controller, named, { from, to, timestamp, blockNumber, txHash }).toJSON();
  }
  const offeredTo = view.pendingController && named.some((w) => same(w, view.pendingController!)) ? view.pendingController : null;
  return new ControllerNotNamedError(view.controller, named, offeredTo).toJSON();
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
