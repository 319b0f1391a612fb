/**
 * The one base class of every failure the verifier reports.
 *
 * Each subclass is one failure (`HashChainError`, `RpcUnreachableError`, ...), lives beside the step that
 * throws it, and says which verdict it leads to: a proof that something is wrong (`invalid`) or the
 * inability to check (`unverifiable`). Callers switch on `name` (stable, survives structured cloning to a
 * worker) and never on message text.
 */
export type FailureVerdict = "invalid" | "unverifiable";

export interface VerifierErrorOptions {
  /** More detail for the technical view, one line. */
  details?: string;
  /** Index (0-based) of the log entry concerned, when there is one. */
  entryIndex?: number;
  /** `versionId` of the log entry concerned, when known. */
  versionId?: string;
  /** 1-based line of the file concerned (did.jsonl), when there is one. */
  line?: number;
  cause?: unknown;
}

export abstract class VerifierError extends Error {
  /** Which verdict this failure leads to. */
  abstract readonly verdict: FailureVerdict;
  /** The message without details: what a person reads first. */
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly entryIndex: number | undefined;
  readonly versionId: string | undefined;
  readonly line: number | undefined;

  constructor(shortMessage: string, options: VerifierErrorOptions = {}) {
    const where =
      options.entryIndex !== undefined
        ? ` (entry ${options.entryIndex + 1}${options.versionId ? ` ${options.versionId}` : ""})`
        : options.line !== undefined
          ? ` (line ${options.line})`
          : "";
    super(
      `${shortMessage}${where}${options.details ? `: ${options.details}` : ""}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.entryIndex = options.entryIndex;
    this.versionId = options.versionId;
    this.line = options.line;
  }

  /** A plain, structured-clone-safe copy for workers, caches and JSON output. */
  toJSON(): SerializedError {
    return {
      name: this.name,
      verdict: this.verdict,
      message: this.message,
      shortMessage: this.shortMessage,
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.entryIndex === undefined ? {} : { entryIndex: this.entryIndex }),
      ...(this.versionId === undefined ? {} : { versionId: this.versionId }),
      ...(this.line === undefined ? {} : { line: this.line }),
    };
  }
}

/** A proof that the data is wrong. */
export abstract class InvalidError extends VerifierError {
  readonly verdict = "invalid" as const;
}

/** The data could not be checked (network, host, chain, cache too old). Never "invalid". */
export abstract class UnverifiableError extends VerifierError {
  readonly verdict = "unverifiable" as const;
}

export interface SerializedError {
  name: string;
  verdict: FailureVerdict;
  message: string;
  shortMessage: string;
  details?: string;
  entryIndex?: number;
  versionId?: string;
  line?: number;
}

/**
 * Anything thrown that is not a VerifierError is a bug or an unforeseen environment failure: it can
 * prove nothing about the data, so it is reported as unverifiable, never as invalid.
 */
export class UnexpectedError extends UnverifiableError {
  override readonly name = "UnexpectedError";
  constructor(cause: unknown) {
    super("Unexpected failure while verifying", {
      details: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
      cause,
    });
  }
}

export function toVerifierError(error: unknown): VerifierError {
  return error instanceof VerifierError ? error : new UnexpectedError(error);
}
