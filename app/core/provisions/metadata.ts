/**
 * What a provision's DID document says about it, and the hash registered on chain.
 *
 * The document carries one service `${did}#provision` of type `ComputeProvision` whose endpoint is a
 * `ProvisionInfo` (the provision id, its endpoint, device tier and ISO 3166-1 alpha-2 country), and
 * names its controller wallet in `alsoKnownAs` as `did:pkh:eip155:<chainId>:<address>`.
 * The registry stores `metadataHash = keccak256(utf8(JCS(info)))`: anyone can recompute it from the
 * document and see whether the chain and the document agree.
 */
import { keccak256, stringToHex } from "viem";
import type { DidDocument, Hex, ServiceEntry } from "../types.ts";
import { InvalidError } from "../errors.ts";
import { canonicalize } from "../didwebvh/jcs.ts";

export const PROVISION_SERVICE_TYPE = "ComputeProvision";
export const PROVISION_SERVICE_FRAGMENT = "provision";

/** Device tiers the tools offer; other strings are shown as they are. */
export const DEVICE_TIERS = ["edge", "standard", "performance", "gpu"] as const;

export interface ProvisionInfo {
  provisionId: string;
  /** Where the provision serves (https URL, or http on localhost). */
  endpoint: string;
  tier: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
}

export class ProvisionInfoError extends InvalidError {
  override readonly name = "ProvisionInfoError";
}

/** Checks a ProvisionInfo's fields; throws ProvisionInfoError naming the first bad one. */
export function checkProvisionInfo(info: unknown): ProvisionInfo {
  if (info === null || typeof info !== "object" || Array.isArray(info)) {
    throw new ProvisionInfoError("The provision's description is not an object");
  }
  const o = info as Record<string, unknown>;
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== "string" || v.length === 0 || v.length > 256) {
      throw new ProvisionInfoError(`The provision's ${k} is missing or not a short string`, { details: JSON.stringify(v) });
    }
    return v;
  };
  const provisionId = str("provisionId");
  const endpoint = str("endpoint");
  const tier = str("tier");
  const country = str("country");
  if (!/^[A-Z]{2}$/.test(country)) {
    throw new ProvisionInfoError("The provision's country is not an ISO 3166-1 alpha-2 code", { details: country });
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ProvisionInfoError("The provision's endpoint is not a URL", { details: endpoint });
  }
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if (!(url.protocol === "https:" || (url.protocol === "http:" && local))) {
    throw new ProvisionInfoError("The provision's endpoint must use https (http only on localhost)", { details: endpoint });
  }
  return { provisionId, endpoint, tier, country };
}

/** keccak256(utf8(JCS(info))): what the registry stores as the provision's metadata hash. */
export function provisionMetadataHash(info: ProvisionInfo): Hex {
  const { provisionId, endpoint, tier, country } = info;
  return keccak256(stringToHex(canonicalize({ provisionId, endpoint, tier, country })));
}

export function provisionService(did: string, info: ProvisionInfo): ServiceEntry {
  const { provisionId, endpoint, tier, country } = info;
  return {
    id: `${did}#${PROVISION_SERVICE_FRAGMENT}`,
    type: PROVISION_SERVICE_TYPE,
    serviceEndpoint: { provisionId, endpoint, tier, country },
  };
}

/** The document's provision description; null when it has none; ProvisionInfoError when it is malformed. */
export function provisionInfoFromDocument(doc: DidDocument): ProvisionInfo | null {
  const service = (doc.service ?? []).find((s) => {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    return types.includes(PROVISION_SERVICE_TYPE);
  });
  if (!service) return null;
  return checkProvisionInfo(service.serviceEndpoint);
}
