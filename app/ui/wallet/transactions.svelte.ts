/**
 * The transactions this page sent through the wallet, each shown pending, confirmed, rejected by the
 * user (4001) or failed with the reason (a custom error decoded with the contract's ABI).
 */
import type { Abi, PublicClient } from "viem";
import { describeTxFailure } from "../../core/provisions/txError.ts";
import type { Hex } from "../../core/types.ts";

export type TxStatus = "signing" | "pending" | "confirmed" | "rejected" | "failed";

export interface TrackedTx {
  id: number;
  label: string;
  status: TxStatus;
  hash?: Hex;
  /** Why it was rejected or failed. */
  reason?: string;
  /** The decoded custom error, when the contract refused. */
  errorName?: string;
  blockNumber?: number;
}

export class TransactionsState {
  list = $state.raw<readonly TrackedTx[]>([]);
  #next = 1;

  #update(id: number, patch: Partial<TrackedTx>): void {
    this.list = this.list.map((t) => (t.id === id ? { ...t, ...patch } : t));
  }

  /**
   * Runs `send` (simulate, then ask the wallet to sign and send; returns the hash) and follows the
   * transaction to its receipt. Returns true when it was confirmed.
   */
  async run(label: string, abi: Abi, client: PublicClient, send: () => Promise<Hex>): Promise<boolean> {
    const id = this.#next++;
    this.list = [{ id, label, status: "signing" } as TrackedTx, ...this.list].slice(0, 20);
    let hash: Hex;
    try {
      hash = await send();
    } catch (e) {
      const f = describeTxFailure(e, abi);
      this.#update(id, {
        status: f.kind === "rejected" ? "rejected" : "failed",
        reason: f.message,
        ...(f.kind === "reverted" ? { errorName: f.errorName } : {}),
      });
      return false;
    }
    this.#update(id, { status: "pending", hash });
    try {
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 300, timeout: 120_000 });
      if (receipt.status === "success") {
        this.#update(id, { status: "confirmed", blockNumber: Number(receipt.blockNumber) });
        return true;
      }
      this.#update(id, { status: "failed", reason: "The transaction reverted on chain", blockNumber: Number(receipt.blockNumber) });
    } catch (e) {
      this.#update(id, { status: "failed", reason: describeTxFailure(e, abi).message });
    }
    return false;
  }
}

export const TX_STATUS_TEXT: Record<TxStatus, string> = {
  signing: "Waiting for your wallet…",
  pending: "Pending",
  confirmed: "Confirmed",
  rejected: "Rejected in the wallet",
  failed: "Failed",
};
