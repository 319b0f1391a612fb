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
        message: `The contract refused: ${reverted.data.errorName}(${formatArgs(args)})`,
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
        message: `The contract refused: ${decoded.errorName}(${formatArgs(args)})`,
      };
    } catch {
      // not one of ours: fall through
    }
  }
  const message =
    error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return { kind: "failed", message };
}
