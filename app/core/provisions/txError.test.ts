import { describe, expect, it } from "vitest";
import { BaseError, encodeErrorResult, UserRejectedRequestError } from "viem";
import { provisionRegistryAbi } from "../../contracts/abi.ts";
import { describeTxFailure } from "./txError.ts";

describe("describeTxFailure", () => {
  it("finds a 4001 anywhere in the cause chain", () => {
    const wrapped = new BaseError("wallet said no", { cause: new UserRejectedRequestError(Object.assign(new Error("User rejected"), { code: 4001 })) });
    expect(describeTxFailure(wrapped, provisionRegistryAbi)).toEqual({ kind: "rejected", message: "You declined the request in your wallet." });
    expect(describeTxFailure({ code: 4001, message: "no" }, provisionRegistryAbi).kind).toBe("rejected");
  });

  it("decodes a custom error from raw revert data (as a wallet's RPC error carries it)", () => {
    const data = encodeErrorResult({ abi: provisionRegistryAbi, errorName: "ProvisionNotRegistered", args: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"] });
    const rpcError = Object.assign(new Error("execution reverted"), { code: 3, data });
    expect(describeTxFailure(new BaseError("failed", { cause: rpcError }), provisionRegistryAbi)).toEqual({
      kind: "reverted",
      errorName: "ProvisionNotRegistered",
      args: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
      message: "The contract refused: no provision is registered for machine 0x70997970C51812dc3A010C7d01b50e0d17dc79C8. (ProvisionNotRegistered)",
    });
  });

  it("says what the registry's errors mean, in sentences (the name kept in parentheses), not as raw calls", () => {
    const machine = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const refused = (errorName: string, args: readonly unknown[]) =>
      describeTxFailure(
        Object.assign(new Error("execution reverted"), { code: 3, data: encodeErrorResult({ abi: provisionRegistryAbi, errorName, args } as never) }),
        provisionRegistryAbi,
      );
    const expired = refused("ExpiredSignature", [1796178636n]);
    expect(expired).toMatchObject({ kind: "reverted", errorName: "ExpiredSignature" });
    expect(expired.message).toBe("The contract refused: the signature expired (it was valid until 2026-12-02T02:30:36Z). (ExpiredSignature)");
    expect(expired.message).not.toContain("ExpiredSignature(");
    expect(refused("InvalidStateTransition", [machine, 2, 2]).message).toBe(
      "The contract refused: the provision is already running (its state may have changed since this page read it). (InvalidStateTransition)",
    );
    expect(refused("InvalidStateTransition", [machine, 3, 1]).message).toBe("The contract refused: a provision cannot go from off to started. (InvalidStateTransition)");
    expect(refused("InvalidProvisionSignature", [machine]).message).toMatch(/^The contract refused: the signature is not valid/);
  });

  it("anything else is a failure with its short message", () => {
    expect(describeTxFailure(new BaseError("HTTP request failed"), provisionRegistryAbi)).toEqual({ kind: "failed", message: "HTTP request failed" });
    expect(describeTxFailure("boom", provisionRegistryAbi)).toEqual({ kind: "failed", message: "boom" });
  });
});
