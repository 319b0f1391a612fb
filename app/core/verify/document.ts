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

/** A value `LifecycleEvent.details` may hold: a string, a finite number, a boolean or a list of strings. */
function isFlatDetail(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    default:
      return Array.isArray(value) && value.every((item) => typeof item === "string");
  }
}

/**
 * An event as LifecycleEvent declares it: `details`, when present, a flat object (depth 2 at most, every
 * value a string, finite number, boolean or list of strings). The bound is what the type promises and
 * what every publisher here writes; it keeps a verdict, which carries the event, serialisable and
 * clonable whatever a host nests there (100,000 levels made JSON.stringify and structuredClone throw),
 * and the timeline's rendering of a value safe. An event with other details is refused, not shown, as
 * one with no object there always was. Its size needs no bound of its own: an event is part of its own
 * entry's line, within the log's limits (1 MiB a line, 16 MiB a log).
 */
function isLifecycleEvent(value: unknown): value is LifecycleEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.type !== "string" || typeof v.time !== "string") return false;
  if (v.details === undefined) return true;
  if (typeof v.details !== "object" || v.details === null || Array.isArray(v.details)) return false;
  return Object.values(v.details).every(isFlatDetail);
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
