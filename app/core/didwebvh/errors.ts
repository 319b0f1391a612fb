/**
 * Typed failures of did:webvh v1.0 processing. A log entry that fails one of these checks is proof of a
 * bad log (`invalid`); `unverifiable` are only what proves nothing about the log: missing witness proofs,
 * a log beyond this verifier's limits, a signature no verifier could check. Callers switch on `name`,
 * never on message text.
 */
import { InvalidError, UnverifiableError } from "../errors.ts";

/** did.jsonl is not valid JSON Lines, or a line is not a log entry object (names the 1-based line). */
export class LogParseError extends InvalidError {
  override readonly name = "LogParseError";
}
/**
 * did.jsonl exceeds this verifier's size, line-length or entry-count limit. The specification sets no
 * such limits, so a log beyond them is one we would not check (as a file over FileTooLargeError's limit):
 * unverifiable, never invalid.
 */
export class LogLimitError extends UnverifiableError {
  override readonly name = "LogLimitError";
}
/** The log has no entries at all. */
export class EmptyLogError extends InvalidError {
  override readonly name = "EmptyLogError";
}
/** An entry does not have the shape of a did:webvh log entry (versionId, versionTime, parameters, state, proof). */
export class EntryShapeError extends InvalidError {
  override readonly name = "EntryShapeError";
}
/** A `parameters` value is not allowed (unknown key, wrong type, forbidden change). */
export class ParameterError extends InvalidError {
  override readonly name = "ParameterError";
}
/** `method` names a did:webvh version this verifier does not implement, or a downgrade. */
export class MethodVersionError extends InvalidError {
  override readonly name = "MethodVersionError";
}
/** The SCID is not the hash of the first entry, or a state.id carries another SCID. */
export class ScidMismatchError extends InvalidError {
  override readonly name = "ScidMismatchError";
}
/** The entryHash in versionId is not the hash of the entry chained to its predecessor. */
export class HashChainError extends InvalidError {
  override readonly name = "HashChainError";
}
/** The version number in versionId is not the previous one plus one (or not 1 first). */
export class VersionNumberError extends InvalidError {
  override readonly name = "VersionNumberError";
}
/** versionTime is not a UTC ISO 8601 time, not after the previous one, or in the future. */
export class VersionTimeError extends InvalidError {
  override readonly name = "VersionTimeError";
}
/** A Data Integrity proof is malformed or its signature does not verify. */
export class SignatureError extends InvalidError {
  override readonly name = "SignatureError";
}
/** The proof is signed by a key that is not in the active updateKeys. */
export class UnauthorizedKeyError extends InvalidError {
  override readonly name = "UnauthorizedKeyError";
}
/** Pre-rotation is active and an updateKeys entry was not committed to in the previous nextKeyHashes. */
export class PreRotationError extends InvalidError {
  override readonly name = "PreRotationError";
}
/** The DID (or a state.id) is not a valid did:webvh DID, or does not match the DID being resolved. */
export class DidMismatchError extends InvalidError {
  override readonly name = "DidMismatchError";
}
/** The DID is not a syntactically valid did:webvh DID (or maps to a forbidden URL). */
export class InvalidDidError extends InvalidError {
  override readonly name = "InvalidDidError";
}
/** The DID moved to another location although it is not portable, or without naming its old DID. */
export class PortabilityError extends InvalidError {
  override readonly name = "PortabilityError";
}
/** An entry follows the entry that deactivated the DID. */
export class DeactivatedError extends InvalidError {
  override readonly name = "DeactivatedError";
}
/** A witnessed entry lacks a threshold of valid witness approvals, or did-witness.json is malformed. */
export class WitnessError extends InvalidError {
  override readonly name = "WitnessError";
}
/**
 * A signature could not be checked at all (the Ed25519 code failed to load, e.g. a lazily loaded chunk
 * the network or an update took away): nothing proven either way, so never a SignatureError.
 */
export class SignatureUncheckedError extends UnverifiableError {
  override readonly name = "SignatureUncheckedError";
}
/** The log requires witnessing but no did-witness.json was supplied: nothing proven either way. */
export class WitnessProofsMissingError extends UnverifiableError {
  override readonly name = "WitnessProofsMissingError";
}
