/**
 * Failures of the anchor checks (proof -> root -> registry). Invalid: the data proves a lie.
 * Unverifiable: the chain could not be read, so nothing was proven either way.
 */
import { InvalidError, UnverifiableError, type VerifierErrorOptions } from "../errors.ts";

// --- invalid -----------------------------------------------------------------------------------------

/** The leaf in did-anchors.json is not keccak256(keccak256(abi.encode(state.id, versionId))). */
export class LeafMismatchError extends InvalidError {
  override readonly name = "LeafMismatchError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The anchor proof's leaf is not this entry's leaf", options);
  }
}

/** The proof path does not lead from the leaf to the root it claims. */
export class ProofMismatchError extends InvalidError {
  override readonly name = "ProofMismatchError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The Merkle proof does not reach the claimed root", options);
  }
}

/** The proof names another chain or registry than the entry's own anchoring declaration (or there is none). */
export class AnchorDeclarationMismatchError extends InvalidError {
  override readonly name = "AnchorDeclarationMismatchError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The anchor proof does not match the entry's anchoring declaration", options);
  }
}

/**
 * The root was anchored by an account the verifier was not told to trust (a deployment's pinned
 * manufacturers' accounts), even if the passport's own document authorises it: anyone can make a passport
 * that authorises, and anchors from, an account of their own.
 */
export class UntrustedAnchorerError extends InvalidError {
  override readonly name = "UntrustedAnchorerError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The root was anchored by an account this verifier does not trust", options);
  }
}

/** The root was anchored by an address the DID document does not authorise. */
export class UnauthorizedAnchorerError extends InvalidError {
  override readonly name = "UnauthorizedAnchorerError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The root was anchored by an address the DID does not authorise", options);
  }
}

/** The proof claims (anchorer, root) but the registry has no record of it. */
export class RootNotAnchoredError extends InvalidError {
  override readonly name = "RootNotAnchoredError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The claimed root is not anchored on chain by the claimed anchorer", options);
  }
}

/** did-anchors.json is malformed (schema, hex formats, sizes). */
export class AnchorsFileError extends InvalidError {
  override readonly name = "AnchorsFileError";
  constructor(options: VerifierErrorOptions = {}) {
    super("did-anchors.json is malformed", options);
  }
}

// --- unverifiable ------------------------------------------------------------------------------------

/** No JSON-RPC endpoint is configured for the chain the DID declares. */
export class UnsupportedChainError extends UnverifiableError {
  override readonly name = "UnsupportedChainError";
  constructor(options: VerifierErrorOptions = {}) {
    super("No RPC endpoint is configured for this chain", options);
  }
}

/** No endpoint of the chain could be reached (connection refused, DNS, HTTP error). */
export class RpcUnreachableError extends UnverifiableError {
  override readonly name = "RpcUnreachableError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The chain's RPC endpoint could not be reached", options);
  }
}

/** The endpoint did not answer in time. */
export class RpcTimeoutError extends UnverifiableError {
  override readonly name = "RpcTimeoutError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The chain's RPC endpoint did not answer in time", options);
  }
}

/** The endpoint answers for another chain than the one declared (eth_chainId). */
export class ChainIdMismatchError extends UnverifiableError {
  override readonly name = "ChainIdMismatchError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The RPC endpoint serves another chain than the one declared", options);
  }
}

/** The endpoint answered with a JSON-RPC error or a malformed result. */
export class RpcResponseError extends UnverifiableError {
  override readonly name = "RpcResponseError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The chain's RPC endpoint returned an error", options);
  }
}

/** There is no contract at the declared registry address on the chain read (wrong chain or a reset node). */
export class RegistryNotFoundError extends UnverifiableError {
  override readonly name = "RegistryNotFoundError";
  constructor(options: VerifierErrorOptions = {}) {
    super("No registry contract at the declared address on this chain", options);
  }
}

/** Chain data from a cache is older than the staleness limit (for cache wrappers of a ChainReader). */
export class StaleChainDataError extends UnverifiableError {
  override readonly name = "StaleChainDataError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The cached chain data is older than the staleness limit", options);
  }
}
