/** Test helpers: deterministic did:webvh logs made with our own create/append. */
import type { DidDocument, LogEntry, LogParameters } from "../../types.ts";
import { appendEntry, createLog } from "../create.ts";
import { type Signer } from "../keys.ts";
import { signerFromSecretKey } from "../signer.ts";

/** A deterministic signer from a small number. */
export function testSigner(n: number): Signer {
  const seed = new Uint8Array(32);
  seed[0] = n & 0xff;
  seed[1] = (n >> 8) & 0xff;
  seed[31] = 7;
  return signerFromSecretKey(seed);
}

export const T0 = Date.UTC(2025, 0, 1);
export const at = (i: number) => new Date(T0 + i * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");

export function eventService(did: string, n: number) {
  return { id: `${did}#event-${n}`, type: "LifecycleEvent", serviceEndpoint: { type: "Inspected", time: at(n) } };
}

/** createLog + (count - 1) appendEntry, one minute apart from 2025-01-01, same signer. */
export async function makeLog(
  count: number,
  options: { signer?: Signer; host?: string; path?: string; parameters?: Omit<LogParameters, "scid"> } = {},
): Promise<{ did: string; log: LogEntry[]; signer: Signer }> {
  const signer = options.signer ?? testSigner(1);
  const { did, log } = await createLog({
    host: options.host ?? "example.com",
    ...(options.path === undefined ? {} : { path: options.path }),
    signer,
    document: (id) => ({ "@context": ["https://www.w3.org/ns/did/v1"], controller: id }),
    ...(options.parameters ? { parameters: options.parameters } : {}),
    versionTime: at(0),
  });
  for (let i = 1; i < count; i++) {
    log.push(
      await appendEntry(log, {
        signer,
        document: (prev: DidDocument) => ({ ...prev, service: [...(prev.service ?? []), eventService(prev.id, i)] }),
        versionTime: at(i),
      }),
    );
  }
  return { did, log, signer };
}
