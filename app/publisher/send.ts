/**
 * Sending a transaction from the publisher's account (deploying the registry, anchoring a root, a wallet
 * link), with each way it can fail told apart by its error's name:
 * - the sender cannot pay for the gas: `SenderUnfundedError` (checked before sending; nothing is sent);
 * - the contract refused (in the simulation, or the mined transaction reverted): `TransactionRevertedError`
 *   naming the contract's custom error when its ABI decodes it (callers may type it their own way);
 * - the chain did not answer, or never received the transaction: `ChainUnreachableError`.
 * A node refuses an unfunded transaction with an error that says nothing typed ("Missing or invalid
 * parameters"), so the balance is checked against the gas and the fees the transaction is then sent with.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  encodeDeployData,
  encodeFunctionData,
  Eip1559FeesNotSupportedError,
  ExecutionRevertedError,
  formatEther,
  type Abi,
} from "viem";
import { InvalidError } from "../core/errors.ts";
import { describeTxFailure } from "../core/provisions/txError.ts";
import type { Hex } from "../core/types.ts";
import { ChainUnreachableError, type ChainConnection } from "./chain.ts";

/**
 * The sending account cannot pay for the transaction: what it holds is less than the gas it needs at the
 * fees offered (the chain answered; nothing was sent). Names the account, its balance and what it needs.
 */
export class SenderUnfundedError extends InvalidError {
  override readonly name = "SenderUnfundedError";
  readonly account: Hex;
  readonly chainId: number;
  /** Wei the account holds. */
  readonly balance: bigint;
  /** Wei the transaction may cost at most (gas x the fee offered, plus any value). */
  readonly needed: bigint;
  constructor(what: string, options: { account: Hex; chainId: number; balance: bigint; needed: bigint; gas: bigint }) {
    super(`${what}: the sending account ${options.account} has not enough ETH to pay for gas`, {
      details:
        `it holds ${formatEther(options.balance)} ETH on chain ${options.chainId} and needs up to ${formatEther(options.needed)} ETH ` +
        `(${options.gas} gas); fund it, or send from another account (--keystore)`,
    });
    this.account = options.account;
    this.chainId = options.chainId;
    this.balance = options.balance;
    this.needed = options.needed;
  }
}

/**
 * The contract refused the transaction: its simulation reverted (nothing was sent), or it was mined and
 * reverted (`txHash`). `errorName` is the contract's custom error when the ABI decodes it
 * (`RootAlreadyAnchored`), else undefined.
 */
export class TransactionRevertedError extends InvalidError {
  // A string, not the literal: a caller may type its own refusals as a subclass (ProvisionTransactionError).
  override readonly name: string = "TransactionRevertedError";
  readonly errorName: string | undefined;
  readonly txHash: Hex | undefined;
  constructor(shortMessage: string, options: { details?: string; cause?: unknown; errorName?: string; txHash?: Hex }) {
    super(shortMessage, options);
    this.errorName = options.errorName;
    this.txHash = options.txHash;
  }
}

/** Gas and fees fixed before sending, so that what the sender must hold is known exactly. */
export type GasFields = { gas: bigint } & ({ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint });

/**
 * The gas `gas` costs at the chain's current fees, checked against the sender's balance: SenderUnfundedError
 * when the account cannot pay (a node refuses such a transaction with an error that says nothing typed).
 * The fees returned are the ones to send with, so the check is the node's own (gas x max fee + value).
 */
export async function fundedGas(conn: ChainConnection, what: string, gas: bigint, value = 0n): Promise<GasFields> {
  let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };
  let balance: bigint;
  try {
    fees = await conn.publicClient.estimateFeesPerGas().catch(async (e: unknown) => {
      if (!(e instanceof Eip1559FeesNotSupportedError)) throw e;
      return { gasPrice: (await conn.publicClient.estimateFeesPerGas({ type: "legacy" })).gasPrice };
    });
    balance = await conn.publicClient.getBalance({ address: conn.account.address });
  } catch (e) {
    throw new ChainUnreachableError(`${what}: the chain did not answer`, { details: String((e as { shortMessage?: string }).shortMessage ?? e), cause: e });
  }
  const needed = gas * ("gasPrice" in fees ? fees.gasPrice : fees.maxFeePerGas) + value;
  if (balance < needed) throw new SenderUnfundedError(what, { account: conn.account.address, chainId: conn.chainId, balance, needed, gas });
  return { gas, ...fees };
}

/** A contract's refusal, for `onRevert` to type as its caller's own error (default: TransactionRevertedError). */
export interface Revert {
  /** What was being sent ("Anchoring the batch"). */
  what: string;
  /** The refusal in words (the decoded custom error when there is one). */
  message: string;
  errorName?: string;
  /** Set when the transaction was mined and reverted (not only simulated). */
  txHash?: Hex;
  cause?: unknown;
}

/** A contract's refusal as TransactionRevertedError, or as `Type`, the subclass a caller names its refusals with. */
export function revertedError(r: Revert, Type: typeof TransactionRevertedError = TransactionRevertedError): TransactionRevertedError {
  return new Type(`${r.what}: ${r.txHash === undefined ? "the contract refused" : "the transaction reverted"}`, {
    // describeTxFailure's words begin "The contract refused: ", which the short message says already.
    details: r.message.replace(/^The contract refused: /, ""),
    cause: r.cause,
    ...(r.errorName === undefined ? {} : { errorName: r.errorName }),
    ...(r.txHash === undefined ? {} : { txHash: r.txHash }),
  });
}

export interface SendOptions {
  /** The error a revert becomes (default: TransactionRevertedError). */
  onRevert?: (revert: Revert) => Error;
}

/** Whether the node said the call reverted (with or without data a contract's ABI decodes). */
function isRevert(e: unknown): boolean {
  return e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError || x instanceof ExecutionRevertedError) !== null;
}

/**
 * A failure before or while sending, typed: the sender's funds and the chain's silence as they are, a
 * revert (decoded with `abi` when it can be) through `onRevert`, anything else ChainUnreachableError.
 */
export function sendFailure(what: string, abi: Abi, e: unknown, onRevert: (revert: Revert) => Error = revertedError): Error {
  if (e instanceof SenderUnfundedError || e instanceof ChainUnreachableError || e instanceof TransactionRevertedError) return e;
  const failure = describeTxFailure(e, abi);
  if (failure.kind === "reverted") return onRevert({ what, message: failure.message, errorName: failure.errorName, cause: e });
  if (isRevert(e)) return onRevert({ what, message: failure.message, cause: e });
  return new ChainUnreachableError(`${what}: the transaction could not be sent`, { details: failure.message, cause: e });
}

/** Waits for a sent transaction; a reverted one through `onRevert`, an unanswered wait ChainUnreachableError. */
async function mined(conn: ChainConnection, what: string, hash: Hex, onRevert: (revert: Revert) => Error) {
  let receipt;
  try {
    receipt = await conn.publicClient.waitForTransactionReceipt({ hash });
  } catch (e) {
    throw new ChainUnreachableError(`${what}: the transaction was sent but its receipt could not be read`, {
      details: `${hash}: ${String((e as { shortMessage?: string }).shortMessage ?? e)}`,
      cause: e,
    });
  }
  if (receipt.status !== "success") throw onRevert({ what, message: `transaction ${hash} reverted on chain`, txHash: hash });
  return receipt;
}

export interface ContractCall {
  abi: Abi;
  address: Hex;
  functionName: string;
  args?: readonly unknown[];
}

/**
 * Sends a contract call from `conn`'s account: simulated first (a refusal costs nothing and names the
 * contract's error), its gas estimated and checked against the sender's balance (SenderUnfundedError),
 * then sent with those gas and fees and waited for.
 */
export async function sendContract(conn: ChainConnection, what: string, call: ContractCall, options: SendOptions = {}): Promise<{ txHash: Hex; blockNumber: bigint }> {
  const onRevert = options.onRevert ?? revertedError;
  const params = { account: conn.account, ...call } as Parameters<typeof conn.publicClient.simulateContract>[0];
  let txHash: Hex;
  try {
    const { request } = await conn.publicClient.simulateContract(params);
    // Estimated without fees (prepare: false): a node that checks the balance against the fees offered
    // would fail the estimate itself for an unfunded sender, before the check below can say so.
    const data = encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args } as Parameters<typeof encodeFunctionData>[0]);
    const gas = await conn.publicClient.estimateGas({ account: conn.account, to: call.address, data, prepare: false });
    const fields = await fundedGas(conn, what, gas);
    txHash = await conn.walletClient.writeContract({ ...request, ...fields } as Parameters<typeof conn.walletClient.writeContract>[0]);
  } catch (e) {
    throw sendFailure(what, call.abi, e, onRevert);
  }
  const receipt = await mined(conn, what, txHash, onRevert);
  return { txHash, blockNumber: receipt.blockNumber };
}

/** Deploys a contract from `conn`'s account (its gas checked against the sender's balance first); its address and block. */
export async function deployContract(conn: ChainConnection, what: string, abi: Abi, bytecode: Hex, options: SendOptions = {}): Promise<{ address: Hex; txHash: Hex; blockNumber: bigint }> {
  const onRevert = options.onRevert ?? revertedError;
  let txHash: Hex;
  try {
    const data = encodeDeployData({ abi, bytecode } as Parameters<typeof encodeDeployData>[0]);
    const gas = await conn.publicClient.estimateGas({ account: conn.account, data, prepare: false });
    const fields = await fundedGas(conn, what, gas);
    txHash = await conn.walletClient.deployContract({ abi, bytecode, ...fields } as Parameters<typeof conn.walletClient.deployContract>[0]);
  } catch (e) {
    throw sendFailure(what, abi, e, onRevert);
  }
  const receipt = await mined(conn, what, txHash, onRevert);
  if (!receipt.contractAddress) throw new ChainUnreachableError(`${what}: the receipt names no contract`, { details: txHash });
  return { address: receipt.contractAddress, txHash, blockNumber: receipt.blockNumber };
}
