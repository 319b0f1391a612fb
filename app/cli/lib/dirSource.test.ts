import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { didRelativePath, dirSource, findLogFiles, listFolder } from "./dirSource.ts";
import { fileUrl } from "../../core/fetch/http.ts";
import { didToUrl } from "../../core/didwebvh/url.ts";

const SCID = "QmQ7d4Bq9uNpjFbFxxC3JMxTcx6kYd2kqN1F4o7wB8Ez4W";
const did = (rest: string) => `did:webvh:${SCID}:${rest}`;
let base: string;
let dir: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "dirsource-"));
  dir = path.join(base, "host");
  await mkdir(path.join(dir, "passports", "a b"), { recursive: true });
  await mkdir(path.join(dir, ".well-known"), { recursive: true });
  await writeFile(path.join(dir, "passports", "a b", "did.jsonl"), '{"x":1}\n');
  await writeFile(path.join(dir, ".well-known", "did.jsonl"), '{"root":1}\n');
  await writeFile(path.join(dir, "passports", "html.jsonl"), "<html>");
  await mkdir(path.join(dir, "passports", "html"), { recursive: true });
  await writeFile(path.join(dir, "passports", "html", "did.jsonl"), "<!doctype html>");
  await mkdir(path.join(base, "outside"), { recursive: true });
  await writeFile(path.join(base, "outside", "did.jsonl"), '{"secret":1}\n');
  await symlink(path.join(base, "outside"), path.join(dir, "passports", "escape"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("dirSource", () => {
  it("maps a DID as didToUrl does (percent-decoded segments, .well-known without a path)", async () => {
    const source = dirSource(dir);
    expect(didRelativePath(did("example.com:passports:a%20b"))).toBe("passports/a b/did.jsonl");
    expect(new URL(fileUrl(did("example.com:passports:a%20b"), "did.jsonl")).pathname).toBe("/passports/a%20b/did.jsonl");
    expect(await source.get(did("example.com:passports:a%20b"), "did.jsonl")).toBe('{"x":1}\n');
    expect(await source.get(did("example.com"), "did.jsonl")).toBe('{"root":1}\n');
    expect(await source.get(did("example.com:passports:a%20b"), "did-anchors.json")).toBeNull();
    expect(await source.get(did("example.com:nothing"), "did.jsonl")).toBeNull();
  });

  it("reads text as the HTTP source does: UTF-8 only, a leading byte order mark dropped", async () => {
    const host = path.join(base, "encodings"); // a host of its own: the other tests list theirs
    const folder = path.join(host, "enc");
    await mkdir(folder, { recursive: true });
    const cases: [string, Uint8Array][] = [
      ["bom", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"é中😀"}\n')])],
      ["plain", Buffer.from('{"a":"é中😀"}\n')],
      ["replacement", Buffer.from('{"a":"\ufffd"}\n')], // U+FFFD itself, as UTF-8: a character like any other
      ["latin1", Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])], // {"a":"é"} in ISO-8859-1
      ["surrogate", Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])], // an encoded lone surrogate
      ["overlong", Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d])],
    ];
    const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    for (const [name, bytes] of cases) {
      await mkdir(path.join(folder, name), { recursive: true });
      await writeFile(path.join(folder, name, "did.jsonl"), bytes);
      let expected: string | null;
      try {
        expected = fatal.decode(bytes);
      } catch {
        expected = null;
      }
      for (const source of [dirSource(host), dirSource(host, { listing: listFolder(host) })]) {
        const read = source.getFile(`enc/${name}/did.jsonl`, "did.jsonl");
        if (expected === null) await expect(read, name).rejects.toMatchObject({ name: "UnexpectedContentError" });
        else expect(await read, name).toBe(expected);
      }
    }
    expect(await dirSource(host).getFile("enc/bom/did.jsonl", "did.jsonl")).toBe('{"a":"é中😀"}\n');
  });

  it("maps every DID to the path of its URL, percent-decoded (random segments, ports, files)", () => {
    // The URL parser's view of didToUrl's URL is the definition; didRelativePath builds the same path
    // from the parsed DID without it.
    const viaUrl = (d: string, file: "did.jsonl" | "did-anchors.json" | "did-witness.json") =>
      new URL(didToUrl(d, file)).pathname
        .split("/")
        .filter((s) => s !== "")
        .map((s) => decodeURIComponent(s))
        .join("/");
    const segment = fc
      .string({ unit: fc.constantFrom("a", "Z", "0", "-", "_", ".", "~", " ", "%", "é", "中", "!", "'", "(", "*", "+", ",", ";", "=", "@", "&", "$", "😀"), minLength: 1, maxLength: 6 })
      .filter((s) => s !== "." && s !== ".." && s.trim() === s);
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 4 }),
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        fc.constantFrom("did.jsonl" as const, "did-anchors.json" as const, "did-witness.json" as const),
        (segments, port, file) => {
          const d = did([`example.com${port ? `%3A${port}` : ""}`, ...segments.map((s) => encodeURIComponent(s))].join(":"));
          expect(didRelativePath(d, file)).toBe(viaUrl(d, file));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a symbolic link out of the folder, and a DID with dot segments", async () => {
    const source = dirSource(dir);
    await expect(source.get(did("example.com:passports:escape"), "did.jsonl")).rejects.toMatchObject({ name: "HostPathError" });
    await expect(source.get(did("example.com:passports:%2E%2E"), "did.jsonl")).rejects.toMatchObject({ name: "InvalidDidError" });
    await expect(source.get(did("example.com:..:x"), "did.jsonl")).rejects.toMatchObject({ name: "InvalidDidError" });
  });

  it("getFile reads by folder-relative path with the same checks", async () => {
    const source = dirSource(dir);
    expect(await source.getFile("passports/a b/did.jsonl", "did.jsonl")).toBe('{"x":1}\n');
    expect(await source.getFile("passports/none/did.jsonl", "did.jsonl")).toBeNull();
    await expect(source.getFile("passports/escape/did.jsonl", "did.jsonl")).rejects.toMatchObject({ name: "HostPathError" });
    await expect(source.getFile("../outside/did.jsonl", "did.jsonl")).rejects.toMatchObject({ name: "HostPathError" });
    await expect(source.getFile("passports//did.jsonl", "did.jsonl")).rejects.toMatchObject({ name: "HostPathError" });
    await expect(source.getFile("passports/html/did.jsonl", "did.jsonl")).rejects.toMatchObject({ name: "UnexpectedContentError" });
  });

  it("the same content checks and limits as over HTTP", async () => {
    await expect(dirSource(dir).get(did("example.com:passports:html"), "did.jsonl")).rejects.toMatchObject({ name: "UnexpectedContentError" });
    await expect(dirSource(dir, { maxBytes: 3 }).get(did("example.com"), "did.jsonl")).rejects.toMatchObject({ name: "FileTooLargeError" });
  });
});

describe("findLogFiles", () => {
  it("lists every did.jsonl, sorted, skipping dot-folders but .well-known and links to folders", async () => {
    await mkdir(path.join(dir, ".git", "x"), { recursive: true });
    await writeFile(path.join(dir, ".git", "x", "did.jsonl"), '{"hidden":1}\n');
    expect(findLogFiles(dir)).toEqual([".well-known/did.jsonl", "passports/a b/did.jsonl", "passports/html/did.jsonl"]);
  });
});

describe("dirSource with the folder's listing", () => {
  let host: string;
  beforeAll(async () => {
    host = path.join(base, "listed");
    await mkdir(path.join(host, "a"), { recursive: true });
    await mkdir(path.join(host, "b"), { recursive: true });
    await mkdir(path.join(host, "c", "did.jsonl"), { recursive: true });
    await writeFile(path.join(host, "a", "did.jsonl"), '{"a":1}\n');
    await writeFile(path.join(host, "a", "did-anchors.json"), '{"anchors":1}');
    await writeFile(path.join(host, "b", "did.jsonl"), '{"b":1}\n');
    // A link named as a DID file, pointing out of the folder.
    await symlink(path.join(base, "outside", "did.jsonl"), path.join(host, "b", "did-anchors.json"));
  });

  it("lists DID files as regular or not", () => {
    const listing = listFolder(host);
    expect(listing.logs).toEqual(["a/did.jsonl", "b/did.jsonl"]);
    expect([...listing.regular].sort()).toEqual(["a/did-anchors.json", "a/did.jsonl", "b/did.jsonl"]);
    expect([...listing.other].sort()).toEqual(["b/did-anchors.json", "c/did.jsonl"]);
    expect(listing.folders.has("")).toBe(true);
    expect(listing.folders.has("c/did.jsonl")).toBe(true);
  });

  it("reads what the walk saw, answers missing for what it did not, and fully checks links and the rest", async () => {
    const source = dirSource(host, { listing: listFolder(host) });
    expect(await source.getFile("a/did.jsonl", "did.jsonl")).toBe('{"a":1}\n');
    expect(await source.getFile("a/did-anchors.json", "did-anchors.json")).toBe('{"anchors":1}');
    expect(await source.getFile("b/did-witness.json", "did-witness.json")).toBeNull();
    // Not walked (no such folder): the full check, which finds nothing.
    expect(await source.getFile("zz/did.jsonl", "did.jsonl")).toBeNull();
    await expect(source.getFile("b/did-anchors.json", "did-anchors.json")).rejects.toMatchObject({ name: "HostPathError" });
    await expect(source.getFile("c/did.jsonl", "did.jsonl")).rejects.toMatchObject({ name: "UnexpectedContentError" });
    await expect(source.getFile("../outside/did.jsonl", "did.jsonl")).rejects.toMatchObject({ name: "HostPathError" });
    await expect(dirSource(host, { listing: listFolder(host), maxBytes: 3 }).getFile("a/did.jsonl", "did.jsonl")).rejects.toMatchObject({
      name: "FileTooLargeError",
    });
  });

  it("a file replaced by a link out of the folder after the walk is refused, not followed", async () => {
    const listing = listFolder(host);
    const source = dirSource(host, { listing });
    await rename(path.join(host, "a", "did.jsonl"), path.join(host, "a", "old.jsonl"));
    await symlink(path.join(base, "outside", "did.jsonl"), path.join(host, "a", "did.jsonl"));
    try {
      await expect(source.getFile("a/did.jsonl", "did.jsonl")).rejects.toMatchObject({ name: "HostPathError" });
    } finally {
      await rm(path.join(host, "a", "did.jsonl"));
      await rename(path.join(host, "a", "old.jsonl"), path.join(host, "a", "did.jsonl"));
    }
  });
});

describe("a witnessed DID in a folder (audit --cdn DIR)", () => {
  it("reads its did-witness.json, a JSON array as the spec has it, with or without the listing; an object there is refused", async () => {
    const { createLog } = await import("../../core/didwebvh/create.ts");
    const { serializeLog } = await import("../../core/didwebvh/log.ts");
    const { createWitnessProof } = await import("../../core/didwebvh/witness.ts");
    const { testSigner } = await import("../../core/didwebvh/testkit/logs.ts");
    const { verifyDid } = await import("../../core/verify/verifyDid.ts");
    const witness = testSigner(2);
    const { did, log } = await createLog({
      host: "example.com",
      path: ["p", "w"],
      signer: testSigner(1),
      versionTime: "2025-04-01T00:00:00Z",
      parameters: { witness: { threshold: 1, witnesses: [{ id: witness.verificationMethod.split("#")[0]! }] } },
      document: () => ({}),
    });
    const host = path.join(base, "witnessed");
    await mkdir(path.join(host, "p", "w"), { recursive: true });
    await writeFile(path.join(host, "p", "w", "did.jsonl"), serializeLog(log));
    const approval = [{ versionId: log[0]!.versionId, proof: [await createWitnessProof(witness, log[0]!.versionId, "2025-04-01T00:00:01Z")] }];
    await writeFile(path.join(host, "p", "w", "did-witness.json"), `${JSON.stringify(approval, null, 2)}\n`);
    const chain = { readAnchor: async () => null, readAt: () => undefined };
    for (const source of [dirSource(host), dirSource(host, { listing: listFolder(host) })]) {
      // Valid and witnessed; not anchored (this log declares no anchoring).
      expect(await verifyDid(did, { source, chain })).toMatchObject({ verdict: "pending", error: { name: "NotAnchoredError" } });
    }
    await writeFile(path.join(host, "p", "w", "did-witness.json"), JSON.stringify(approval[0]));
    for (const source of [dirSource(host), dirSource(host, { listing: listFolder(host) })]) {
      await expect(source.get(did, "did-witness.json")).rejects.toMatchObject({ name: "UnexpectedContentError", message: expect.stringContaining("does not start with a JSON array") });
    }
  });
});
