/**
 * Failures of getting a DID's files. All unverifiable: a host that cannot be reached, is slow, answers an
 * error status, serves something else than the file (an HTML page from a SPA fallback) or too much of it
 * proves nothing about the DID. A file that was served and is wrong is judged by the step that reads it.
 */
import { UnverifiableError, type VerifierErrorOptions } from "../errors.ts";

/** The host could not be reached (DNS, connection refused, TLS, CORS in a browser). */
export class HostUnreachableError extends UnverifiableError {
  override readonly name = "HostUnreachableError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The DID's host could not be reached", options);
  }
}

/** The host did not answer (or finish answering) in time. */
export class FetchTimeoutError extends UnverifiableError {
  override readonly name = "FetchTimeoutError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The DID's host did not answer in time", options);
  }
}

/** The host answered with an HTTP status other than 200 or 404. */
export class HttpStatusError extends UnverifiableError {
  override readonly name = "HttpStatusError";
  readonly status: number;
  constructor(status: number, options: VerifierErrorOptions = {}) {
    super(`The DID's host answered HTTP ${status}`, options);
    this.status = status;
  }
}

/** The host answered, but not with the file: HTML (a SPA fallback), an empty body, not UTF-8, not JSON. */
export class UnexpectedContentError extends UnverifiableError {
  override readonly name = "UnexpectedContentError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The host served something that is not the DID's file", options);
  }
}

/** The file is larger than the limit; reading stopped there. */
export class FileTooLargeError extends UnverifiableError {
  override readonly name = "FileTooLargeError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The DID's file is larger than the limit", options);
  }
}

/**
 * The files of one verification (a product's tree of passports) together are larger than its download
 * budget (DownloadBudget, 32 MiB by default): reading stopped there, and what it left unread was not
 * checked. Its details name the budget.
 */
export class DownloadBudgetError extends UnverifiableError {
  override readonly name = "DownloadBudgetError";
  constructor(options: VerifierErrorOptions = {}) {
    super("The product's files together are larger than the download budget", options);
  }
}
