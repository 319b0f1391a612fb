/**
 * What happened to a transaction, in terms a person reads: declined in the wallet (EIP-1193 4001),
 * reverted with a custom error (decoded with the contract's ABI through viem), or failed otherwise.
 */
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Abi, type Hex } from "viem";

export type TxFailure =
  | { kind: "rejected"; message: string }
  | { kind: "reverted"; errorName: string; args: readonly unknown[]; message: string }
  | { kind: "failed"; message: string };

function codeOf(e: unknown): number | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "number" ? c : undefined;
}

function formatArgs(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === "bigint" ? a.toString() : typeof a === "string" ? a : JSON.stringify(a))).join(", ");
}

function findRevertData(e: unknown): Hex | undefined {
  for (let cur: unknown = e, depth = 0; cur !== null && typeof cur === "object" && depth < 10; depth++) {
    const data = (cur as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) return data as Hex;
    if (data !== null && typeof data === "object" && typeof (data as { data?: unknown }).data === "string") {
      const inner = (data as { data: string }).data;
      if (/^0x[0-9a-fA-F]{8,}$/.test(inner)) return inner as Hex;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

const STATE_WORDS = ["not registered", "started", "running", "off"] as const;

function stateWord(value: unknown): string {
  return typeof value === "bigint" || typeof value === "number" ? (STATE_WORDS[Number(value)] ?? `state ${value}`) : String(value);
}

function dateOf(seconds: unknown): string {
  const n = typeof seconds === "bigint" || typeof seconds === "number" ? Number(seconds) : NaN;
  return Number.isFinite(n) && n > 0 && n < 1e11 ? new Date(n * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") : String(seconds);
}

/**
 * The registry's and the link contract's custom errors, as sentences (by error name); the name follows in
 * parentheses (logs and the command line's output name it). Any other error keeps its name and arguments.
 */
const REASONS: Record<string, (args: readonly unknown[]) => string> = {
  ZeroMachine: () => "the machine address is zero.",
  EmptyDid: () => "the DID is empty.",
  ProvisionAlreadyRegistered: ([m]) => `machine ${String(m)} is already registered.`,
  ProvisionNotRegistered: ([m]) => `no provision is registered for machine ${String(m)}.`,
  UnauthorizedStateChange: ([, who]) => `${String(who)} may not change this provision's state (only its controller or its machine may).`,
  InvalidStateTransition: ([, from, to]) =>
    from === to
      ? `the provision is already ${stateWord(to)} (its state may have changed since this page read it).`
      : `a provision cannot go from ${stateWord(from)} to ${stateWord(to)}.`,
  ExpiredSignature: ([deadline]) => `the signature expired (it was valid until ${dateOf(deadline)}).`,
  InvalidProvisionSignature: () => "the signature is not valid for this provision now (another signer, or already used or cancelled).",
  CallerNotController: ([, who]) => `only the provision's controller can do this, and ${String(who)} is not.`,
  CallerNotPendingController: ([, who]) => `control of this provision is not on offer to ${String(who)}.`,
  RevokedMachineKey: () => "the provision's machine key was revoked: its signatures are refused.",
  MachineKeyAlreadyRevoked: () => "the provision's machine key is already revoked.",
  MachineIsController: () => "the machine cannot be its own controller.",
  WalletAlreadyLinked: () => "this wallet already claims a DID: unlink it first.",
  WalletNotLinked: () => "this wallet claims no DID.",
};

function refused(errorName: string, args: readonly unknown[]): string {
  const reason = REASONS[errorName];
  return `The contract refused: ${reason ? `${reason(args)} (${errorName})` : `${errorName}(${formatArgs(args)})`}`;
}

export function describeTxFailure(error: unknown, abi: Abi): TxFailure {
  // Declined by the user, anywhere in the cause chain.
  for (let cur: unknown = error, depth = 0; cur !== null && typeof cur === "object" && depth < 10; depth++) {
    if (codeOf(cur) === 4001) return { kind: "rejected", message: "You declined the request in your wallet." };
    cur = (cur as { cause?: unknown }).cause;
  }
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
      const args = reverted.data.args ?? [];
      return {
        kind: "reverted",
        errorName: reverted.data.errorName,
        args,
        message: refused(reverted.data.errorName, args),
      };
    }
  }
  const data = findRevertData(error);
  if (data) {
    try {
      const decoded = decodeErrorResult({ abi, data });
      const args = decoded.args ?? [];
      return {
        kind: "reverted",
        errorName: decoded.errorName,
        args,
        message: refused(decoded.errorName, args),
      };
    } catch {
      // not one of ours: fall through
    }
  }
  const message =
    error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return { kind: "failed", message };
}
