/**
 * A product passport as a tree: a window names its components (glass, frame) with `ProductComponent`
 * services; each component must name its parent back with a `ProductParent` service, or that child is
 * invalid (ComponentLinkError): a passport cannot adopt someone else's component by naming it.
 *
 * Children are verified concurrently; each DID is verified once even if it appears twice; a component a
 * document lists more than once is one child (`listed` says how many times it was named); a cycle is
 * invalid (ComponentCycleError); beyond `maxNodes` or `maxDepth` the rest is unverifiable
 * (ProductTooLargeError), never silently dropped. Never throws.
 *
 * Head starts, never verdicts: the components a passport's log names in its newest entry are asked for
 * as soon as that log's text arrives, before it is verified (their files and chain reads then overlap
 * the parent's verification), at most `maxPrefetch` (8) in the whole tree: unverified text must not make
 * the app download (and cache) dozens of passports; the others start once their parent is verified.
 * `hints` get a head start too. What the tree holds is still decided by the verified
 * documents alone.
 *
 * One download budget for the whole tree (`maxDownloadBytes`, 32 MiB by default): every file of every
 * passport is read with it (FileReadOptions.budget), so the source that downloads counts the bytes it
 * reads against it and stops mid-body once it is overrun (DownloadBudgetError, unverifiable), and asks
 * for nothing once it is spent. The passports whose files it cut off are unverifiable for that reason;
 * those verified before keep their verdicts. Each file keeps its own limit too (DEFAULT_MAX_BYTES).
 */
import type { DidDocument, DidVerdict, ProductNode, Verdict } from "../types.ts";
import type { FileSource } from "../fetch/source.ts";
import { DEFAULT_PRODUCT_MAX_BYTES, DownloadBudget } from "../fetch/budget.ts";
import { VERDICT_SEVERITY, worstVerdict } from "../types.ts";
import type { VerifierError } from "../errors.ts";
import { ComponentCycleError, ComponentLinkError, ComponentLinkUncheckedError, ProductTooLargeError } from "./errors.ts";
import { componentLinks, parentLinks } from "./document.ts";
import { verifyDid, type VerifyDidOptions } from "./verifyDid.ts";

export interface ProductLimits {
  /** Most passports in one tree (the root included). Default 64. */
  maxNodes?: number;
  /** Deepest level below the root. Default 4. */
  maxDepth?: number;
  /**
   * Most verifications started from unverified log text (componentHintsOfLog) in one tree. Default 8: more
   * than a window's components, far fewer than what one hostile last line could name.
   */
  maxPrefetch?: number;
  /**
   * Most bytes the tree's files may weigh together, as read from the network (a DownloadBudget passed
   * with every read; past it: DownloadBudgetError). Default DEFAULT_PRODUCT_MAX_BYTES (32 MiB): a genuine
   * window with its components weighs kilobytes; 64 passports of near-limit junk would be gigabytes.
   */
  maxDownloadBytes?: number;
}

/** A DID's verdict made worse by a failure of the tree (a link, a cycle, a limit), keeping its entries. */
function withFailure(result: DidVerdict, error: VerifierError): DidVerdict {
  if (VERDICT_SEVERITY[error.verdict] < VERDICT_SEVERITY[result.verdict]) return result;
  return { ...result, verdict: error.verdict, error: error.toJSON() };
}

function failedNode(did: string, error: VerifierError): ProductNode {
  const result: DidVerdict = { did, url: "", verdict: error.verdict, error: error.toJSON(), entries: [] };
  return { did, result, children: [], verdict: error.verdict };
}

export interface ProductOptions extends ProductLimits {
  /**
   * DIDs likely to be in the tree (the components seen the last time this product was opened): their
   * verification starts at once instead of after their parent's log is verified, so their files and
   * chain reads overlap it. Only a head start: the tree is still what the verified documents name, and a
   * hint that is not in it is verified for nothing (within maxNodes).
   */
  hints?: readonly string[] | Promise<readonly string[]>;
}

/**
 * The components a log's newest entry names, read without verifying anything: a hint only. Empty when
 * the last line is not an entry with a state.
 */
export function componentHintsOfLog(text: string): string[] {
  try {
    const end = text.trimEnd();
    const state = (JSON.parse(end.slice(end.lastIndexOf("\n") + 1)) as { state?: DidDocument } | null)?.state;
    return state && typeof state === "object" ? componentLinks(state).filter((l): l is string => typeof l === "string") : [];
  } catch {
    return [];
  }
}

export async function verifyProduct(did: string, deps: VerifyDidOptions, limits: ProductOptions = {}): Promise<ProductNode> {
  const maxNodes = limits.maxNodes ?? 64;
  const maxDepth = limits.maxDepth ?? 4;
  let prefetchLeft = limits.maxPrefetch ?? 8;
  const budget = new DownloadBudget(limits.maxDownloadBytes ?? DEFAULT_PRODUCT_MAX_BYTES);
  const verdicts = new Map<string, Promise<DidVerdict>>();
  let nodes = 0;
  const verifyOnce = (d: string): Promise<DidVerdict> => {
    let p = verdicts.get(d);
    if (!p) {
      // As soon as a passport's log is verified, start on the components it names: their files and chain
      // reads then overlap the parent's anchor checks. visit() still decides links, cycles and limits;
      // this only starts verifications it will ask for (bounded by maxNodes).
      p = verifyDid(d, { ...deps, source, onDocument: (document) => startAll(componentLinks(document)) });
      verdicts.set(d, p);
    }
    return p;
  };
  function startAll(links: readonly unknown[]): void {
    for (const link of links) {
      if (typeof link === "string" && link.startsWith("did:") && verdicts.size < maxNodes) void verifyOnce(link);
    }
  }
  // Every read counts against the tree's one budget. A passport's log, as soon as its text is in: the
  // components its newest entry names get a head start.
  const source: FileSource = {
    async get(d, file, options) {
      const text = await deps.source.get(d, file, { ...options, budget });
      if (file === "did.jsonl" && text !== null && verdicts.has(d)) {
        for (const link of componentHintsOfLog(text)) {
          if (prefetchLeft <= 0) break;
          if (link.startsWith("did:") && !verdicts.has(link) && verdicts.size < maxNodes) {
            prefetchLeft--;
            void verifyOnce(link);
          }
        }
      }
      return text;
    },
  };

  async function visit(d: string, parent: string | undefined, ancestors: readonly string[]): Promise<ProductNode> {
    let result = await verifyOnce(d);
    if (parent !== undefined && result.document && !parentLinks(result.document).includes(parent)) {
      const details = `${d} does not name ${parent} as its parent`;
      // An older cached copy of either log may predate the link: not checked, rather than broken.
      const cached = deps.source.fromCache?.(d) || deps.source.fromCache?.(parent);
      result = withFailure(result, cached ? new ComponentLinkUncheckedError({ details: `${details} (in a cached copy)` }) : new ComponentLinkError({ details }));
    }
    // A component named twice (or more) is one child, verified once: a tree never holds one DID twice
    // under one parent (a view keyed by DID would not render it), and naming it again proves nothing more.
    const listed = new Map<unknown, number>();
    for (const link of result.document ? componentLinks(result.document) : []) listed.set(link, (listed.get(link) ?? 0) + 1);
    const path = [...ancestors, d];
    const children = await Promise.all(
      [...listed].map(async ([link, times]) => {
        const child = await childOf(link);
        return times > 1 ? { ...child, listed: times } : child;
      }),
    );
    const verdict: Verdict = worstVerdict([result.verdict, ...children.map((c) => c.verdict)]);
    return { did: d, result, children, verdict };

    function childOf(link: unknown): Promise<ProductNode> | ProductNode {
      if (typeof link !== "string" || !link.startsWith("did:"))
        return failedNode(String(link), new ComponentLinkError({ details: `${d} names a component that is not a DID: ${JSON.stringify(link)?.slice(0, 100)}` }));
      if (path.includes(link)) return failedNode(link, new ComponentCycleError({ details: [...path, link].join(" -> ") }));
      if (path.length > maxDepth) return failedNode(link, new ProductTooLargeError({ details: `deeper than ${maxDepth} levels` }));
      if (nodes++ >= maxNodes) return failedNode(link, new ProductTooLargeError({ details: `more than ${maxNodes} passports` }));
      return visit(link, d, path);
    }
  }

  nodes = 1;
  const root = visit(did, undefined, []);
  void Promise.resolve(limits.hints).then(
    (hints) => startAll(hints ?? []),
    () => undefined,
  );
  return root;
}
