/** Differential tests against the reference library didwebvh-ts, both ways. */
import { describe, expect, it } from "vitest";
import type { LogEntry } from "../types.ts";
import { keyHash } from "./hash.ts";
import { resolveDid } from "./resolve.ts";
import { serializeLog } from "./log.ts";
import { makeLog } from "./testkit/logs.ts";
import { nobleVerifier, ref, referenceKey, referenceLog, webCryptoVerifier } from "./testkit/reference.ts";
import { verifyLog } from "./verify.ts";

describe("didwebvh-ts interop", () => {
  it("a log made by didwebvh-ts verifies in ours, and resolves to the same document", async () => {
    const { did, log } = await referenceLog({ entries: 5 });
    const ours = await verifyLog(log as unknown as LogEntry[], { did });
    expect(ours.error).toBeUndefined();
    expect(ours.entries).toHaveLength(5);
    const theirs = await ref.resolveDIDFromLog(log, { verifier: nobleVerifier });
    const resolved = await resolveDid(did, serializeLog(log as unknown as LogEntry[]));
    expect(resolved.didDocument).toEqual(theirs.doc);
    expect(resolved.didDocumentMetadata).toMatchObject({ versionId: theirs.meta.versionId, scid: theirs.meta.scid, created: theirs.meta.created, updated: theirs.meta.updated });
  });

  it("a log made by ours resolves in didwebvh-ts to the same document", async () => {
    const { did, log } = await makeLog(4);
    const theirs = await ref.resolveDIDFromLog(log as never, { verifier: webCryptoVerifier() });
    expect(theirs.did).toBe(did);
    const ours = await resolveDid(did, serializeLog(log));
    expect(ours.didResolutionMetadata.error).toBeUndefined();
    expect(ours.didDocument).toEqual(theirs.doc);
    expect(theirs.meta.versionId).toBe(log[3]!.versionId);
  });

  it("computes the same pre-rotation key hash as didwebvh-ts", async () => {
    const key = referenceKey();
    expect(keyHash(key.multikey)).toBe(await ref.deriveNextKeyHash(key.multikey));
  });
});
