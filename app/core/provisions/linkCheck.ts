/**
 * The two-sided wallet-link check: what the chain says the wallet claims, and whether that DID's
 * verified document names the wallet. Used alike by the app and the command line.
 */
import type { PublicClient } from "viem";
import { toVerifierError, type SerializedError } from "../errors.ts";
import type { DidDocument, Hex } from "../types.ts";
import { readWalletClaim, type ProvisionContracts } from "./read.ts";
import { documentNamesWallet, linkStatus, type DocumentWalletMatch, type LinkStatus } from "./walletLink.ts";

export interface WalletLinkCheck {
  wallet: Hex;
  chainId: number;
  /** The DID checked: the one claimed on chain, else the one asked about. */
  did: string | null;
  /** The chain side: does the wallet claim `did`? */
  claimedOnChain: boolean;
  /** The DID the wallet claims on chain, when it claims another one than asked. */
  claimedDid: string | null;
  /** The document side. */
  document: DocumentWalletMatch;
  /** Set when the document could not be resolved and verified: the status cannot be "linked". */
  documentError?: SerializedError;
  status: LinkStatus;
}

/**
 * @param did The DID to check against; default: the one the wallet claims on chain.
 * @param resolveDocument Returns the DID's verified, current document (the verifier's result); throws
 *   a VerifierError when it cannot.
 */
export async function checkWalletLink(options: {
  client: PublicClient;
  contracts: ProvisionContracts;
  wallet: Hex;
  did?: string;
  resolveDocument: (did: string) => Promise<DidDocument>;
}): Promise<WalletLinkCheck> {
  const { client, contracts, wallet } = options;
  const claim = await readWalletClaim(client, contracts, wallet);
  const claimedDid = claim?.did ?? null;
  const did = options.did ?? claimedDid;
  const claimedOnChain = did !== null && claimedDid === did;
  let document: DocumentWalletMatch = { named: false };
  let documentError: SerializedError | undefined;
  if (did !== null) {
    try {
      document = documentNamesWallet(await options.resolveDocument(did), contracts.chainId, wallet);
    } catch (e) {
      documentError = toVerifierError(e).toJSON();
    }
  }
  return {
    wallet,
    chainId: contracts.chainId,
    did,
    claimedOnChain,
    claimedDid,
    document,
    ...(documentError ? { documentError } : {}),
    status: linkStatus(claimedOnChain, document.named),
  };
}
