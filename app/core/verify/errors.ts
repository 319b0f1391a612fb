/** Failures of the verification pipeline itself (the steps below it have their own errors). */
import { InvalidError, UnverifiableError, type VerifierErrorOptions } from "../errors.ts";

/** The host has no did.jsonl for the DID (HTTP 404): nothing to check. */
export class LogNotFoundError extends UnverifiableError {
  override readonly name = "LogNotFoundError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The DID's log (did.jsonl) was not found at its URL", options);
  }
}

/**
 * A passport names a component whose document does not name it back, but one of the two was read from an
 * offline cache (an older copy): its current files could not be read, so the link could not be checked.
 */
export class ComponentLinkUncheckedError extends UnverifiableError {
  override readonly name = "ComponentLinkUncheckedError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The component's link to this passport could not be checked: a cached copy of one of their logs was all there was", options);
  }
}

/** A passport names a component whose document does not name it back as its parent (or is not a DID). */
export class ComponentLinkError extends InvalidError {
  override readonly name = "ComponentLinkError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The component does not name this passport as its parent", options);
  }
}

/** The component tree loops back to a passport already above it. */
export class ComponentCycleError extends InvalidError {
  override readonly name = "ComponentCycleError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The component tree has a cycle", options);
  }
}

/** The component tree is larger or deeper than the limits: the rest was not checked. */
export class ProductTooLargeError extends UnverifiableError {
  override readonly name = "ProductTooLargeError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The product has more components than the verifier checks", options);
  }
}

/**
 * The proof, or the entry's own anchoring declaration, names a registry contract the verifier was not
 * told to trust on that chain (a deployment's pinned AnchorRegistry addresses). Anyone can deploy a
 * contract that answers "anchored" for anything and make a passport that declares it: pinned, such a
 * registry proves nothing, whoever the proof names as its anchorer.
 */
export class UntrustedRegistryError extends InvalidError {
  override readonly name = "UntrustedRegistryError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The anchor is in a registry contract this verifier does not trust", options);
  }
}
