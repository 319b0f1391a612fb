/**
 * A did:webvh method resolver for the DIF `did-resolver` package:
 *
 *   new Resolver(getResolver({ fetch }))  ->  resolver.resolve("did:webvh:...?versionId=...")
 *
 * `fetch` is injected (the app passes its own, with limits; tests pass one bound to a local server).
 * did-witness.json is fetched only when the log uses witnesses. DID URL query parameters versionId,
 * versionTime and versionNumber select a version.
 */
import type { DIDResolutionResult, DIDResolver, ParsedDID, ResolverRegistry } from "did-resolver";
import { readTextLimited } from "../fetch/http.ts";
import { resolutionFailure, resolveDid, type DidResolutionResult, type ResolveOptions } from "./resolve.ts";
import { didToUrl } from "./url.ts";

export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export interface WebvhResolverOptions {
  fetch?: FetchLike;
  /** Largest did.jsonl / did-witness.json accepted, in bytes (read no further). Default 16 MiB. */
  maxBytes?: number;
  /** Per request, ms. Default 15 s. */
  timeoutMs?: number;
  now?: () => number;
}

type Fetched = { ok: true; text: string } | { ok: false; status: number | undefined; detail: string };

async function fetchText(fetchImpl: FetchLike, url: string, options: WebvhResolverOptions): Promise<Fetched> {
  const limit = options.maxBytes ?? 16 * 1024 * 1024;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 15_000);
  try {
    const response = await fetchImpl(url, { signal: controller.signal });
    if (!response.ok) return { ok: false, status: response.status, detail: `GET ${url}: HTTP ${response.status}` };
    // Read up to the limit and no further: a host that sends without end is cut off, not buffered.
    return { ok: true, text: await readTextLimited(response, limit, url) };
  } catch (error) {
    if ((error as Error)?.name === "FileTooLargeError") return { ok: false, status: undefined, detail: `GET ${url}: larger than ${limit} bytes` };
    return { ok: false, status: undefined, detail: `GET ${url}: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

function selectors(query: string | undefined): ResolveOptions | DidResolutionResult {
  const options: ResolveOptions = {};
  const params = new URLSearchParams(query ?? "");
  const versionId = params.get("versionId");
  const versionTime = params.get("versionTime");
  const versionNumber = params.get("versionNumber");
  if (versionId !== null) options.versionId = versionId;
  if (versionTime !== null) options.versionTime = versionTime;
  if (versionNumber !== null) {
    if (!/^[1-9]\d*$/.test(versionNumber)) return resolutionFailure("invalidDid", "versionNumber must be a positive integer");
    options.versionNumber = Number(versionNumber);
  }
  return options;
}

/** `{ webvh: DIDResolver }` for `new Resolver(...)`. */
export function getResolver(options: WebvhResolverOptions = {}): ResolverRegistry {
  const fetchImpl: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const resolve: DIDResolver = async (did: string, parsed: ParsedDID): Promise<DIDResolutionResult> => {
    const base = parsed.did ?? did;
    const selected = selectors(parsed.query);
    if ("didResolutionMetadata" in selected) return selected as DIDResolutionResult;
    let logUrl: string;
    try {
      logUrl = didToUrl(base);
    } catch (error) {
      return resolutionFailure("invalidDid", (error as Error).message, (error as Error).name) as DIDResolutionResult;
    }
    const log = await fetchText(fetchImpl, logUrl, options);
    if (!log.ok) return resolutionFailure("notFound", log.detail) as DIDResolutionResult;
    const resolveOptions: ResolveOptions = { ...selected, ...(options.now ? { now: options.now() } : {}) };
    let result = await resolveDid(base, log.text, resolveOptions);
    if (result.didResolutionMetadata.errorName === "WitnessProofsMissingError") {
      const witness = await fetchText(fetchImpl, didToUrl(base, "did-witness.json"), options);
      if (!witness.ok) return resolutionFailure("notFound", `The log uses witnesses: ${witness.detail}`) as DIDResolutionResult;
      result = await resolveDid(base, log.text, { ...resolveOptions, witness: witness.text });
    }
    return result as DIDResolutionResult;
  };
  return { webvh: resolve };
}
