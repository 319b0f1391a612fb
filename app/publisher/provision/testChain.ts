/**
 * For tests: a local chain on the first free port of a range (this feature's ports are 8650-8669), so
 * two runs of the same suite at once (several people share one machine) do not collide.
 */
import { startLocalChain, type LocalChain } from "../../../scripts/chain.ts";

export async function startChainInRange(first: number, last: number): Promise<LocalChain> {
  let lastError: unknown;
  for (let port = first; port <= last; port++) {
    try {
      return await startLocalChain({ port });
    } catch (e) {
      lastError = e;
      if (!(e instanceof Error && /already answers|EADDRINUSE|did not start/.test(e.message))) throw e;
    }
  }
  throw new Error(`no free port for a local chain in ${first}-${last}: ${String(lastError)}`);
}
