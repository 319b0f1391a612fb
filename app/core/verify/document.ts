/**
 * Reading the conventions of this project out of a DID document: the anchoring declaration
 * (`EvmMerkleAnchor`), lifecycle events (`LifecycleEvent`), component and parent links.
 * Documents are untrusted JSON here: every shape is checked, nothing is assumed.
 */
import {
  ANCHOR_SERVICE_TYPE,
  COMPONENT_SERVICE_TYPE,
  EVENT_SERVICE_TYPE,
  PARENT_SERVICE_TYPE,
  type AnchoringDeclaration,
  type DidDocument,
  type Hex,
  type LifecycleEvent,
  type ServiceEntry,
} from "../types.ts";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function services(doc: DidDocument | undefined): ServiceEntry[] {
  const list = doc?.service;
  return Array.isArray(list) ? list.filter((s): s is ServiceEntry => typeof s === "object" && s !== null) : [];
}

function hasType(service: ServiceEntry, type: string): boolean {
  return Array.isArray(service.type) ? service.type.includes(type) : service.type === type;
}

export function servicesOfType(doc: DidDocument | undefined, type: string): ServiceEntry[] {
  return services(doc).filter((s) => hasType(s, type));
}

export type DeclarationResult =
  | { kind: "none" }
  | { kind: "malformed"; problem: string }
  | { kind: "declared"; declaration: AnchoringDeclaration };

/** The anchoring declaration of a document (the first `EvmMerkleAnchor` service). */
export function anchoringDeclaration(doc: DidDocument): DeclarationResult {
  const service = servicesOfType(doc, ANCHOR_SERVICE_TYPE)[0];
  if (!service) return { kind: "none" };
  const ep = service.serviceEndpoint as Record<string, unknown> | null;
  if (typeof ep !== "object" || ep === null || Array.isArray(ep)) return { kind: "malformed", problem: "serviceEndpoint is not an object" };
  const { chainId, registry, anchorers } = ep;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0)
    return { kind: "malformed", problem: "chainId is not a positive integer" };
  if (typeof registry !== "string" || !ADDRESS.test(registry)) return { kind: "malformed", problem: "registry is not an address" };
  if (!Array.isArray(anchorers) || anchorers.length === 0 || !anchorers.every((a) => typeof a === "string" && ADDRESS.test(a)))
    return { kind: "malformed", problem: "anchorers is not a non-empty list of addresses" };
  return { kind: "declared", declaration: { chainId, registry: registry as Hex, anchorers: anchorers as Hex[] } };
}

function isLifecycleEvent(value: unknown): value is LifecycleEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.type !== "string" || typeof v.time !== "string") return false;
  if (v.details !== undefined && (typeof v.details !== "object" || v.details === null || Array.isArray(v.details))) return false;
  return true;
}

/** The lifecycle event an entry records: the first `LifecycleEvent` service absent from the previous state. */
export function newEvent(state: DidDocument, previous: DidDocument | undefined): LifecycleEvent | undefined {
  const before = new Set(servicesOfType(previous, EVENT_SERVICE_TYPE).map((s) => s.id));
  for (const s of servicesOfType(state, EVENT_SERVICE_TYPE)) {
    if (before.has(s.id) || !isLifecycleEvent(s.serviceEndpoint)) continue;
    const { type, time, details } = s.serviceEndpoint;
    return { type, time, ...(details === undefined ? {} : { details }) };
  }
  return undefined;
}

/** The component DIDs a passport names (`ProductComponent` services), as written (may be non-strings). */
export function componentLinks(doc: DidDocument | undefined): unknown[] {
  return servicesOfType(doc, COMPONENT_SERVICE_TYPE).map((s) => s.serviceEndpoint);
}

/** The parent DIDs a component names (`ProductParent` services). */
export function parentLinks(doc: DidDocument | undefined): string[] {
  return servicesOfType(doc, PARENT_SERVICE_TYPE)
    .map((s) => s.serviceEndpoint)
    .filter((e): e is string => typeof e === "string");
}
