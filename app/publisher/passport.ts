/**
 * DID documents of Digital Product Passports, per the conventions in core/types.ts and app/README.md:
 * `#passport` (ProductPassport -> PassportInfo), `#anchoring` (EvmMerkleAnchor), `#component-<n>`
 * (ProductComponent -> component DID), `#parent` (ProductParent -> parent DID) and one `#event-<n>`
 * (LifecycleEvent) per event, numbered from 1 in the order they happened.
 */
import {
  ANCHOR_SERVICE_FRAGMENT,
  ANCHOR_SERVICE_TYPE,
  COMPONENT_SERVICE_TYPE,
  EVENT_SERVICE_TYPE,
  PARENT_SERVICE_TYPE,
  PASSPORT_SERVICE_TYPE,
  type AnchoringDeclaration,
  type DidDocument,
  type LifecycleEvent,
  type PassportInfo,
  type ServiceEntry,
} from "../core/types.ts";

export const DID_CONTEXT = "https://www.w3.org/ns/did/v1";

/** The first document of a passport (`did` may be the `{SCID}` placeholder DID). */
export function passportDocument(did: string, info: PassportInfo, anchoring: AnchoringDeclaration, extra: ServiceEntry[] = []): DidDocument {
  return {
    "@context": [DID_CONTEXT],
    id: did,
    service: [
      { id: `${did}#passport`, type: PASSPORT_SERVICE_TYPE, serviceEndpoint: { ...info } },
      { id: `${did}#${ANCHOR_SERVICE_FRAGMENT}`, type: ANCHOR_SERVICE_TYPE, serviceEndpoint: { ...anchoring, anchorers: [...anchoring.anchorers] } },
      ...extra,
    ],
  };
}

export function componentService(did: string, n: number, componentDid: string): ServiceEntry {
  return { id: `${did}#component-${n}`, type: COMPONENT_SERVICE_TYPE, serviceEndpoint: componentDid };
}

export function parentService(did: string, parentDid: string): ServiceEntry {
  return { id: `${did}#parent`, type: PARENT_SERVICE_TYPE, serviceEndpoint: parentDid };
}

/** Number of lifecycle events a document records. */
export function eventCount(doc: DidDocument): number {
  return (doc.service ?? []).filter((s) => s.type === EVENT_SERVICE_TYPE).length;
}

/** The next event's service (`#event-<n+1>`). */
export function eventService(did: string, doc: DidDocument, event: LifecycleEvent): ServiceEntry {
  return { id: `${did}#event-${eventCount(doc) + 1}`, type: EVENT_SERVICE_TYPE, serviceEndpoint: event };
}

/** A copy of `doc` with services added (a service with the same id is replaced). */
export function withServices<T extends DidDocument>(doc: T, services: ServiceEntry[]): T {
  const ids = new Set(services.map((s) => s.id));
  return { ...doc, service: [...(doc.service ?? []).filter((s) => !ids.has(s.id)), ...services] };
}

/** GS1 check digit of the first 13 digits of a GTIN-14 (mod 10, weights 3,1 from the right). */
export function gtinCheckDigit(digits13: string): number {
  if (!/^\d{13}$/.test(digits13)) throw new RangeError("a GTIN-14 body is 13 digits");
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(digits13[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

export function gtin14(digits13: string): string {
  return `${digits13}${gtinCheckDigit(digits13)}`;
}

/** GS1 Digital Link URI of a serialised item: `http(s)://HOST/01/<gtin>/21/<serial>` (http for localhost). */
export function digitalLink(host: string, gtin: string, serial: string): string {
  const scheme = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host) ? "http" : "https";
  return `${scheme}://${host}/01/${gtin}/21/${encodeURIComponent(serial)}`;
}

/** The RFC 9264 linkset served at `<digital link>/linkset.json`: where the item's passport DID is. */
export function linkset(link: string, did: string): { linkset: Record<string, unknown>[] } {
  return {
    linkset: [
      {
        anchor: link,
        "https://gs1.org/voc/pip": [{ href: link, type: "text/html", title: "Product passport (verifier app)" }],
        describedby: [{ href: did, type: "application/did+json" }],
      },
    ],
  };
}
