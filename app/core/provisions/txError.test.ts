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
      message: "The contract refused: ProvisionNotRegistered(0x70997970C51812dc3A010C7d01b50e0d17dc79C8)",
    });
  });

  it("anything else is a failure with its short message", () => {
    expect(describeTxFailure(new BaseError("HTTP request failed"), provisionRegistryAbi)).toEqual({ kind: "failed", message: "HTTP request failed" });
    expect(describeTxFailure("boom", provisionRegistryAbi)).toEqual({ kind: "failed", message: "boom" });
  });
});
