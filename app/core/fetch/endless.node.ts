/**
 * Test helper (Node): an HTTP answer whose body never ends, for the tests that check a reader stops at its
 * limit (resolver, audit listings, RPC answers) instead of buffering whatever a host sends.
 */
import type { ServerResponse } from "node:http";

/** Answers 200 and sends 1 MiB chunks of spaces, as fast as the client reads, until it goes away. */
export function sendEndless(res: ServerResponse, contentType = "application/json"): void {
  res.writeHead(200, { "content-type": contentType });
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const push = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once("drain", push);
  };
  res.on("close", () => res.destroy());
  push();
}
