/** dids.json, as the command line's audit and the app's bulk audit read it: in-memory answers. */
import { describe, expect, it } from "vitest";
import { DIDS_INDEX_MAX_BYTES, parseDidsIndex, readDidsIndex } from "./didsIndex.ts";

const URL_ = "https://host.example/dids.json";

/** A body that sends 1 MiB chunks for as long as it is read, counting what it sent. */
function endless(): { body: ReadableStream<Uint8Array>; sent: () => number } {
  let sent = 0;
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  return {
    body: new ReadableStream({
      pull(controller) {
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    }),
    sent: () => sent,
  };
}

describe("parseDidsIndex", () => {
  it("the listed DIDs, each once, in order", () => {
    expect(parseDidsIndex('{"dids":["did:a","did:b","did:a"]}', "x")).toEqual(["did:a", "did:b"]);
    expect(parseDidsIndex('{"dids":[],"other":1}', "x")).toEqual([]);
  });
  it("anything else is an Error naming where it came from", () => {
    expect(() => parseDidsIndex("<!doctype html>", "here")).toThrow(/^here is not JSON/);
    for (const text of ["null", "[]", '{"dids":"did:a"}', '{"dids":[1]}', "{}"]) expect(() => parseDidsIndex(text, "here")).toThrow('here is not { "dids": [string, ...] }');
  });
});

describe("readDidsIndex", () => {
  it("reads and parses a good answer", async () => {
    expect(await readDidsIndex(new Response('{"dids":["did:a"]}'), URL_)).toEqual(["did:a"]);
  });
  it("an HTTP error says so, without reading on", async () => {
    await expect(readDidsIndex(new Response("nope", { status: 404 }), URL_)).rejects.toThrow(`${URL_} answered HTTP 404`);
  });
  it("a body that never ends is refused at the limit, not buffered", async () => {
    const { body, sent } = endless();
    await expect(readDidsIndex(new Response(body), URL_)).rejects.toThrow(`${URL_} is larger than 64 MiB`);
    expect(sent()).toBeLessThanOrEqual(DIDS_INDEX_MAX_BYTES + 2 * 1024 * 1024);
  });
  it("a body that breaks off is 'cannot read', with the cause", async () => {
    const broken = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"dids":['));
        controller.error(new Error("connection reset"));
      },
    });
    await expect(readDidsIndex(new Response(broken), URL_)).rejects.toThrow(`cannot read ${URL_}: connection reset`);
  });
});
