/** getResolver() for did-resolver, against real files served over HTTP on 127.0.0.1. */
import { createServer, type Server } from "node:http";
import { Resolver } from "did-resolver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendEndless } from "../fetch/endless.node.ts";
import { appendEntry } from "./create.ts";
import { serializeLog } from "./log.ts";
import { getResolver } from "./resolver.ts";
import { at, makeLog, testSigner } from "./testkit/logs.ts";
import { createWitnessProof } from "./witness.ts";

const PORT = 8701;
const files = new Map<string, string>();
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    // A host that never stops sending.
    if (req.url?.startsWith("/endless/")) return sendEndless(res, "text/jsonl");
    const body = files.get(req.url ?? "");
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": req.url?.endsWith(".jsonl") ? "text/jsonl" : "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(PORT, "127.0.0.1", resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const resolver = () => new Resolver(getResolver({ fetch: (url, init) => fetch(url.replace("http://localhost:", "http://127.0.0.1:"), init) }));

describe("getResolver (did-resolver)", () => {
  it("fetches did.jsonl from the DID's URL and resolves the latest version and a versionId", async () => {
    const { did, log } = await makeLog(3, { host: `localhost:${PORT}`, path: "dpp/w-1" });
    files.set("/dpp/w-1/did.jsonl", serializeLog(log));
    const latest = await resolver().resolve(did);
    expect(latest.didResolutionMetadata.error).toBeUndefined();
    expect(latest.didDocument?.id).toBe(did);
    expect(latest.didDocumentMetadata.versionId).toBe(log[2]!.versionId);
    const v1 = await resolver().resolve(`${did}?versionId=${log[0]!.versionId}`);
    expect(v1.didDocumentMetadata.versionId).toBe(log[0]!.versionId);
    expect(v1.didDocumentMetadata.nextVersionId).toBe(log[1]!.versionId);
    const v2 = await resolver().resolve(`${did}?versionNumber=2`);
    expect(v2.didDocumentMetadata.versionId).toBe(log[1]!.versionId);
    const t = await resolver().resolve(`${did}?versionTime=${encodeURIComponent(at(1))}`);
    expect(t.didDocumentMetadata.versionId).toBe(log[1]!.versionId);
  });

  it("says notFound when there is no log, or no such version", async () => {
    const { did, log } = await makeLog(1, { host: `localhost:${PORT}`, path: "dpp/missing" });
    expect((await resolver().resolve(did)).didResolutionMetadata.error).toBe("notFound");
    files.set("/dpp/missing/did.jsonl", serializeLog(log));
    expect((await resolver().resolve(`${did}?versionNumber=9`)).didResolutionMetadata.error).toBe("notFound");
    expect((await resolver().resolve(`${did}?versionId=1-QmNope`)).didResolutionMetadata.error).toBe("notFound");
  });

  it("reads a log only up to its limit: a host that never stops sending gets notFound, not a full buffer", async () => {
    const { did } = await makeLog(1, { host: `localhost:${PORT}`, path: "endless/x" });
    const limited = new Resolver(getResolver({ maxBytes: 2 * 1024 * 1024, fetch: (url, init) => fetch(url.replace("http://localhost:", "http://127.0.0.1:"), init) }));
    const result = await limited.resolve(did);
    expect(result.didResolutionMetadata.error).toBe("notFound");
    expect(JSON.stringify(result.didResolutionMetadata)).toContain("larger than 2097152 bytes");
  });

  it("says invalidDid for a tampered log, with a problem-details reason", async () => {
    const { did, log } = await makeLog(2, { host: `localhost:${PORT}`, path: "dpp/bad" });
    files.set("/dpp/bad/did.jsonl", serializeLog(log).replace('"Inspected"', '"Destroyed"'));
    const result = await resolver().resolve(did);
    expect(result.didResolutionMetadata.error).toBe("invalidDid");
    expect(result.didResolutionMetadata).toMatchObject({ errorName: "HashChainError", problemDetails: { type: expect.stringContaining("INVALID") } });
  });

  it("fetches did-witness.json when the log uses witnesses", async () => {
    const witnesses = [testSigner(50), testSigner(51)];
    const { did, log, signer } = await makeLog(1, {
      host: `localhost:${PORT}`,
      path: "dpp/witnessed",
      parameters: { witness: { threshold: 2, witnesses: witnesses.map((w) => ({ id: `did:key:${w.publicKeyMultibase}` })) } },
    });
    log.push(await appendEntry(log, { signer, document: (p) => p, versionTime: at(1) }));
    files.set("/dpp/witnessed/did.jsonl", serializeLog(log));
    expect((await resolver().resolve(did)).didResolutionMetadata.error).toBe("notFound");
    const proofs = await Promise.all(witnesses.map((w) => createWitnessProof(w, log[1]!.versionId, at(1))));
    files.set("/dpp/witnessed/did-witness.json", JSON.stringify([{ versionId: log[1]!.versionId, proof: proofs }]));
    const result = await resolver().resolve(did);
    expect(result.didResolutionMetadata.error).toBeUndefined();
    expect(result.didDocumentMetadata.witness).toEqual({ threshold: "2", witnesses: witnesses.map((w) => ({ id: `did:key:${w.publicKeyMultibase}` })) });
  });
});
