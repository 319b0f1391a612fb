/**
 * The DID document's side of a wallet link, and the two-sided verdict.
 *
 * A link counts only when both sides agree: the wallet claims the DID on chain (WalletLinks contract),
 * and the DID's own, verified document names the wallet, either as `did:pkh:eip155:<chainId>:<address>`
 * in `alsoKnownAs` or as a verification method whose `blockchainAccountId` is
 * `eip155:<chainId>:<address>` (CAIP-10). Addresses compare case-insensitively (checksums are optional
 * in CAIP-10); the chain id must match exactly.
 */
import type { DidDocument, Hex } from "../types.ts";

/** `did:pkh:eip155:<chainId>:<address>` (lower-case address, as did:pkh examples write it). */
export function pkhDid(chainId: number, address: Hex): string {
  return `did:pkh:eip155:${chainId}:${address.toLowerCase()}`;
}

/** CAIP-10 account id: `eip155:<chainId>:<address>`. */
export function caip10(chainId: number, address: Hex): string {
  return `eip155:${chainId}:${address.toLowerCase()}`;
}

/** Parses `did:pkh:eip155:<chainId>:<address>` or `eip155:<chainId>:<address>`; null when it is neither. */
export function parseEip155Account(value: string): { chainId: number; address: Hex } | null {
  const m = /^(?:did:pkh:)?eip155:([1-9][0-9]{0,15}):(0x[0-9a-fA-F]{40})$/.exec(value);
  if (!m) return null;
  return { chainId: Number(m[1]), address: m[2]!.toLowerCase() as Hex };
}

export type DocumentWalletMatch =
  | { named: true; via: "alsoKnownAs"; value: string }
  | { named: true; via: "verificationMethod"; value: string; methodId: string }
  | { named: false };

function sameAccount(value: unknown, chainId: number, address: Hex): boolean {
  if (typeof value !== "string") return false;
  const parsed = parseEip155Account(value);
  return parsed !== null && parsed.chainId === chainId && parsed.address === address.toLowerCase();
}

/** Does the DID document name this wallet on this chain? */
export function documentNamesWallet(doc: DidDocument, chainId: number, address: Hex): DocumentWalletMatch {
  for (const aka of Array.isArray(doc.alsoKnownAs) ? doc.alsoKnownAs : []) {
    if (typeof aka === "string" && aka.startsWith("did:pkh:") && sameAccount(aka, chainId, address)) {
      return { named: true, via: "alsoKnownAs", value: aka };
    }
  }
  // Verification methods: listed in verificationMethod, or embedded in a relationship.
  const methods: unknown[] = [...(Array.isArray(doc.verificationMethod) ? doc.verificationMethod : [])];
  for (const rel of ["authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"]) {
    const list = doc[rel];
    if (Array.isArray(list)) for (const m of list) if (m !== null && typeof m === "object") methods.push(m);
  }
  for (const m of methods) {
    if (m === null || typeof m !== "object") continue;
    const vm = m as Record<string, unknown>;
    if (sameAccount(vm.blockchainAccountId, chainId, address)) {
      return {
        named: true,
        via: "verificationMethod",
        value: vm.blockchainAccountId as string,
        methodId: typeof vm.id === "string" ? vm.id : "",
      };
    }
  }
  return { named: false };
}

/**
 * Every wallet the document names on this chain, as {@link documentNamesWallet} finds them (did:pkh in
 * `alsoKnownAs`, a verification method's `blockchainAccountId`), lower-case, each once, in document order.
 */
export function documentWallets(doc: DidDocument, chainId: number): Hex[] {
  const found = new Set<Hex>();
  const add = (value: unknown): void => {
    if (typeof value !== "string") return;
    const parsed = parseEip155Account(value);
    if (parsed && parsed.chainId === chainId) found.add(parsed.address);
  };
  for (const aka of Array.isArray(doc.alsoKnownAs) ? doc.alsoKnownAs : []) {
    if (typeof aka === "string" && aka.startsWith("did:pkh:")) add(aka);
  }
  const methods: unknown[] = [...(Array.isArray(doc.verificationMethod) ? doc.verificationMethod : [])];
  for (const rel of ["authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"]) {
    const list = doc[rel];
    if (Array.isArray(list)) for (const m of list) if (m !== null && typeof m === "object") methods.push(m);
  }
  for (const m of methods) if (m !== null && typeof m === "object") add((m as Record<string, unknown>).blockchainAccountId);
  return [...found];
}

/**
 * - `linked`: the chain says the wallet claims the DID and the document names the wallet.
 * - `claimed`: only the chain side (the document does not name this wallet): not a link.
 * - `named`: only the document side (the wallet has not claimed the DID on chain): not a link.
 * - `unlinked`: neither.
 */
export type LinkStatus = "linked" | "claimed" | "named" | "unlinked";

export function linkStatus(claimedOnChain: boolean, namedInDocument: boolean): LinkStatus {
  if (claimedOnChain && namedInDocument) return "linked";
  if (claimedOnChain) return "claimed";
  if (namedInDocument) return "named";
  return "unlinked";
}

export const LINK_STATUS_TEXT: Record<LinkStatus, string> = {
  linked: "Linked: the wallet claims the DID on chain and the DID document names the wallet",
  claimed: "Not linked: the wallet claims the DID on chain, but the DID document does not name this wallet",
  named: "Not linked: the DID document names this wallet, but the wallet has not claimed the DID on chain",
  unlinked: "Not linked",
};
