/**
 * A registration request: the machine's signed consent (EIP-712 `ProvisionRegistration`) to be
 * registered by a controller, as JSON the provider carries from the machine (`provision consent`) to
 * the wallet that sends `registerProvision` (the app's dashboard). The machine key never leaves the
 * machine; the controller's wallet never leaves the browser.
 */
import { isAddress, isHex, recoverTypedDataAddress } from "viem";
import { InvalidError } from "../errors.ts";
import type { DidDocument, Hex } from "../types.ts";
import { provisionInfoFromDocument, provisionMetadataHash } from "./metadata.ts";
import { registrationTypedData } from "./typedData.ts";
import { documentNamesWallet } from "./walletLink.ts";

export const REGISTRATION_REQUEST_TYPE = "ProvisionRegistrationRequest";

export interface RegistrationRequest {
  type: typeof REGISTRATION_REQUEST_TYPE;
  chainId: number;
  registry: Hex;
  machine: Hex;
  controller: Hex;
  did: string;
  metadataHash: Hex;
  /** Seconds since the epoch, as a decimal string (uint256). */
  deadline: string;
  signature: Hex;
}

export class RegistrationRequestError extends InvalidError {
  override readonly name = "RegistrationRequestError";
}

export function parseRegistrationRequest(text: string): RegistrationRequest {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new RegistrationRequestError("The registration request is not JSON", { cause: e });
  }
  if (v === null || typeof v !== "object" || v.type !== REGISTRATION_REQUEST_TYPE) {
    throw new RegistrationRequestError("Not a provision registration request");
  }
  const addr = (k: string): Hex => {
    const a = v[k];
    if (typeof a !== "string" || !isAddress(a)) throw new RegistrationRequestError(`The request's ${k} is not an address`);
    return a;
  };
  const { chainId, did, metadataHash, deadline, signature } = v;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) throw new RegistrationRequestError("The request's chainId is not a chain id");
  if (typeof did !== "string" || !did.startsWith("did:")) throw new RegistrationRequestError("The request's did is not a DID");
  if (typeof metadataHash !== "string" || !isHex(metadataHash) || metadataHash.length !== 66) throw new RegistrationRequestError("The request's metadataHash is not 32 bytes");
  if (typeof deadline !== "string" || !/^[0-9]{1,20}$/.test(deadline)) throw new RegistrationRequestError("The request's deadline is not a number of seconds");
  if (typeof signature !== "string" || !isHex(signature)) throw new RegistrationRequestError("The request's signature is not hex");
  return {
    type: REGISTRATION_REQUEST_TYPE,
    chainId,
    registry: addr("registry"),
    machine: addr("machine"),
    controller: addr("controller"),
    did,
    metadataHash,
    deadline,
    signature,
  };
}

/** Recovers the signer of an EOA consent (contract-wallet machines are checked on chain, ERC-1271). */
export async function consentSigner(req: RegistrationRequest): Promise<Hex> {
  return recoverTypedDataAddress({
    ...registrationTypedData({ ...req, deadline: BigInt(req.deadline) }),
    signature: req.signature,
  });
}

/**
 * Checks the request against the DID's verified document: the document names the controller
 * (did:pkh or blockchainAccountId) and the machine, and its provision description hashes to the
 * request's metadataHash. Throws RegistrationRequestError naming the first mismatch.
 */
export function checkRequestAgainstDocument(req: RegistrationRequest, doc: DidDocument): void {
  if (doc.id !== req.did) throw new RegistrationRequestError("The document is not the requested DID's", { details: doc.id });
  if (!documentNamesWallet(doc, req.chainId, req.controller).named) {
    throw new RegistrationRequestError("The DID document does not name the controller wallet", { details: req.controller });
  }
  if (!documentNamesWallet(doc, req.chainId, req.machine).named) {
    throw new RegistrationRequestError("The DID document does not name the machine", { details: req.machine });
  }
  const info = provisionInfoFromDocument(doc);
  if (!info) throw new RegistrationRequestError("The DID document describes no provision");
  if (provisionMetadataHash(info) !== req.metadataHash) {
    throw new RegistrationRequestError("The request's metadata hash is not the document's", { details: req.metadataHash });
  }
}
