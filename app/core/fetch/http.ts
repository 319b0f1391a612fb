/**
 * Fetching a DID's files over HTTP(S) with limits: a deadline for the whole exchange (headers and body),
 * a size limit enforced while streaming (reading stops past it), the download budget of the verification
 * the read is part of (a read's `options.budget`: every byte read counts, reading stops past it, and
 * nothing is asked for once it is spent), and checks that the host served the file and not something else
 * (an HTML page from a single-page-app fallback).
 */
import { didToUrl } from "../didwebvh/url.ts";
import { DEFAULT_MAX_BYTES, expectedStart, looksLikeJsonFile, type DidFileName, type FileSource } from "./source.ts";
import type { DownloadBudget } from "./budget.ts";
import {
  DownloadBudgetError,
  FetchTimeoutError,
  FileTooLargeError,
  HostUnreachableError,
  HttpStatusError,
  UnexpectedContentError,
} from "./errors.ts";

export interface HttpSourceOptions {
  /**
   * Fetch from this origin (or base URL) instead of the DID's own host: a mirror, or a local folder served
   * over HTTP. The DID's path is kept: `did:webvh:{SCID}:example.com:a:b` + `http://127.0.0.1:8612/cdn`
   * -> `http://127.0.0.1:8612/cdn/a/b/did.jsonl`.
   */
  origin?: string;
  /** Per file, or one limit for all. Defaults: DEFAULT_MAX_BYTES. */
  maxBytes?: number | Partial<Record<DidFileName, number>>;
  /** Deadline for one file, headers and body. Default 10 s. */
  timeoutMs?: number;
  /** Default the global fetch. */
  fetch?: typeof fetch;
}

export type HttpSourceErrorType =
  | HostUnreachableError
  | FetchTimeoutError
  | HttpStatusError
  | UnexpectedContentError
  | FileTooLargeError
  | DownloadBudgetError;

/** The URL `file` of `did` is fetched from. Throws InvalidDidError for a malformed DID. */
export function fileUrl(did: string, file: DidFileName, origin?: string): string {
  const url = didToUrl(did, file);
  if (origin === undefined) return url;
  return `${origin.replace(/\/+$/, "")}${new URL(url).pathname}`;
}

export function httpSource(options: HttpSourceOptions = {}): FileSource {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const limit = (file: DidFileName): number =>
    typeof options.maxBytes === "number" ? options.maxBytes : (options.maxBytes?.[file] ?? DEFAULT_MAX_BYTES[file]);

  return {
    async get(did, file, read) {
      const url = fileUrl(did, file, options.origin);
      const maxBytes = limit(file);
      const budget = read?.budget;
      if (budget?.spent) throw new DownloadBudgetError({ details: `${url} not fetched: ${budget.describe()} is spent (${budget.used} bytes read)` });
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const where = { details: url };
      try {
        let response: Response;
        try {
          response = await doFetch(url, {
            signal: controller.signal,
            redirect: "follow",
            headers: { accept: file.endsWith(".jsonl") ? "application/jsonl, application/json;q=0.9, */*;q=0.1" : "application/json, */*;q=0.1" },
          });
        } catch (error) {
          if (controller.signal.aborted) throw new FetchTimeoutError({ details: `${url} (after ${timeoutMs} ms)`, cause: error });
          throw new HostUnreachableError({ details: `${url}: ${error instanceof Error ? error.message : String(error)}`, cause: error });
        }
        if (response.status === 404 || response.status === 410) {
          await response.body?.cancel().catch(() => {});
          return null;
        }
        if (response.status !== 200) {
          await response.body?.cancel().catch(() => {});
          throw new HttpStatusError(response.status, where);
        }
        const type = response.headers.get("content-type") ?? "";
        if (/^\s*text\/html\b/i.test(type)) {
          await response.body?.cancel().catch(() => {});
          throw new UnexpectedContentError({ details: `${url} is served as ${type}` });
        }
        const declared = Number(response.headers.get("content-length") ?? Number.NaN);
        if (declared > maxBytes) {
          await response.body?.cancel().catch(() => {});
          throw new FileTooLargeError({ details: `${url}: ${declared} bytes, limit ${maxBytes}` });
        }
        if (budget && declared > budget.remaining) {
          await response.body?.cancel().catch(() => {});
          throw new DownloadBudgetError({ details: `${url}: ${declared} bytes, more than the ${budget.remaining} left of ${budget.describe()}` });
        }
        let bytes: Uint8Array;
        try {
          bytes = await readLimited(response, maxBytes, url, budget);
        } catch (error) {
          if (error instanceof FileTooLargeError || error instanceof DownloadBudgetError) throw error;
          if (controller.signal.aborted) throw new FetchTimeoutError({ details: `${url} (body, after ${timeoutMs} ms)`, cause: error });
          throw new HostUnreachableError({ details: `${url}: the body could not be read`, cause: error });
        }
        let text: string;
        try {
          text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
        } catch (error) {
          throw new UnexpectedContentError({ details: `${url} is not UTF-8 text`, cause: error });
        }
        if (!looksLikeJsonFile(text, file)) {
          throw new UnexpectedContentError({
            details: `${url} does not start with ${expectedStart(file)} (starts ${JSON.stringify(text.slice(0, 40))})`,
          });
        }
        return text;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Reads the body, stopping (and cancelling the stream) as soon as it exceeds `maxBytes`: FileTooLargeError
 * naming `url`. With a `budget`, each chunk is counted against it as it arrives (whatever Content-Length
 * said), and reading stops (cancelled) as soon as the budget is overrun: DownloadBudgetError naming `url`
 * and the budget. The budget may be shared by reads under way at the same time: each stops at its next
 * chunk once another has spent it.
 */
export async function readLimited(response: Response, maxBytes: number, url: string, budget?: DownloadBudget): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    const withinBudget = budget ? budget.take(value.byteLength) : true;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new FileTooLargeError({ details: `${url}: more than ${maxBytes} bytes` });
    }
    if (!withinBudget) {
      await reader.cancel().catch(() => {});
      throw new DownloadBudgetError({ details: `${url}: stopped after ${total} bytes, ${budget!.describe()} is spent (${budget!.used} bytes read)` });
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** The body as UTF-8 text, read up to `maxBytes` and no further (FileTooLargeError beyond). */
export async function readTextLimited(response: Response, maxBytes: number, url: string): Promise<string> {
  return new TextDecoder().decode(await readLimited(response, maxBytes, url));
}
