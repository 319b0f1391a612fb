/** Words and ordering for verdicts, shared by the views. */
import type { SerializedError } from "../core/errors.ts";
import { PASSPORT_SERVICE_TYPE, VERDICT_SEVERITY, type DidDocument, type PassportInfo, type ProductNode, type Verdict } from "../core/types.ts";

export const VERDICT_LABEL: Record<Verdict, string> = {
  verified: "Verified",
  pending: "Pending",
  invalid: "Invalid",
  unverifiable: "Unverifiable",
};

export const VERDICT_SUMMARY: Record<Verdict, string> = {
  verified: "Every entry is signed, chained and anchored on chain by an authorised anchorer.",
  pending: "The log is valid, but its newest entries are not anchored yet.",
  invalid: "Something in this passport is provably wrong.",
  unverifiable: "This passport could not be checked right now. This is not a proof that it is wrong.",
};

/** Children worst first, so the worst verdict is on top at every level. */
export function worstFirst(nodes: readonly ProductNode[]): ProductNode[] {
  return [...nodes].sort((a, b) => VERDICT_SEVERITY[b.verdict] - VERDICT_SEVERITY[a.verdict]);
}

/** "Entry 3 (3-Qm…): hash mismatch" — where, then what. */
export function reasonText(error: SerializedError): string {
  return error.message;
}

export function shortId(s: string, keep = 10): string {
  return s.length <= keep * 2 + 1 ? s : `${s.slice(0, keep)}…${s.slice(-keep)}`;
}

let timeFormat: Intl.DateTimeFormat | undefined;

/**
 * Builds the time formatter ahead of the first time shown. Its first build loads the locale's data: about
 * 50-70 ms of a cold page's main thread here (Chromium, profiled), which would otherwise fall between the
 * verdict's arrival and its paint. mount.ts calls it once the page is idle.
 */
export function prepareTimeFormat(): void {
  timeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A time (ISO text, or Unix seconds) as the user's locale writes it; anything unparseable as it is. */
export function formatTime(iso: string | number): string {
  const d = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  // One formatter for all: toLocaleString with options builds a new one per call (a passport's timeline
  // formats a time per entry; the first build loads the locale's data).
  prepareTimeFormat();
  return timeFormat!.format(d);
}

/** The first node (depth first, worst children first) whose own DID has the tree's worst verdict. */
export function worstNode(node: ProductNode): ProductNode {
  if (node.result.verdict === node.verdict) return node;
  for (const child of worstFirst(node.children)) if (child.verdict === node.verdict) return worstNode(child);
  return node;
}

/** The product's name for a DID from its passport service, when it has one. */
export function passportName(node: ProductNode): string {
  const svc = node.result.document?.service?.find((s) => s.type === "ProductPassport");
  const ep = svc?.serviceEndpoint as { kind?: unknown; name?: unknown } | undefined;
  return typeof ep?.name === "string" ? `${typeof ep.kind === "string" ? `${ep.kind}: ` : ""}${ep.name}` : shortId(node.did, 14);
}

/** The passport's own description (service type ProductPassport), when its document carries one. */
export function passportInfo(document: DidDocument | undefined): PassportInfo | null {
  const svc = document?.service?.find((s) =>
    Array.isArray(s.type) ? s.type.includes(PASSPORT_SERVICE_TYPE) : s.type === PASSPORT_SERVICE_TYPE,
  );
  const ep = svc?.serviceEndpoint as Partial<PassportInfo> | undefined;
  return ep && typeof ep === "object" && typeof ep.name === "string" ? (ep as PassportInfo) : null;
}
