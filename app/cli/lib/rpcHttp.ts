/**
 * The command line's transport for JSON-RPC (Node only): a POST over node:http / node:https, with the
 * shape of `fetch` that the core's client (core/anchors/jsonRpc.ts) uses, and nothing more.
 *
 * Why not the global fetch: Node loads undici (its fetch) on the first call, and compiling it cost a cold
 * `audit` about 30 ms of the main thread's CPU (48 ms against 16 ms for one eth_chainId on a slow 2-core
 * machine), during the listing of the host it runs beside. The client's behaviour does not change: the
 * same timeouts (the signal), the same HTTP status handling, the same JSON parsing; connections are kept
 * alive between batches (idle ones never hold the process open). Redirects are not followed: a JSON-RPC
 * endpoint that redirects answers with a 3xx status, which the client reports as unreachable.
 */
import http from "node:http";
import https from "node:https";
import { MAX_RPC_RESPONSE_BYTES, type RpcFetch } from "../../core/anchors/jsonRpc.ts";
import { FileTooLargeError } from "../../core/fetch/errors.ts";

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
} as const;

export const nodeRpcFetch: RpcFetch = (url, init) =>
  new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      return reject(new TypeError(`not a URL: ${url}`, { cause: error }));
    }
    const protocol = target.protocol;
    if (protocol !== "http:" && protocol !== "https:") return reject(new TypeError(`not an http(s) URL: ${url}`));
    if (init.signal.aborted) return reject(init.signal.reason);
    const body = Buffer.from(init.body, "utf8");
    const request = (protocol === "https:" ? https : http).request(
      target,
      {
        method: init.method,
        headers: { ...init.headers, "content-length": String(body.length) },
        agent: agents[protocol],
        signal: init.signal,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        // The body of a failed answer is never read: drain it so the connection can be reused.
        if (!ok) response.resume();
        const text = new Promise<string>((done, fail) => {
          if (!ok) return done("");
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RPC_RESPONSE_BYTES) response.destroy(new FileTooLargeError({ details: `${url}: more than ${MAX_RPC_RESPONSE_BYTES} bytes` }));
            else chunks.push(chunk);
          });
          response.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
          // An abort (the timeout) is reported as the signal's reason, as fetch does, whatever the socket said.
          response.on("error", (error) => fail(init.signal.aborted ? init.signal.reason : error));
          response.on("close", () => {
            if (!response.complete) fail(init.signal.aborted ? init.signal.reason : new Error("the connection closed before the answer was complete"));
          });
        });
        // Read at once (as fetch does), so an abort or a reset mid-body surfaces from json().
        text.catch(() => undefined);
        resolve({ ok, status, json: async () => JSON.parse(await text) as unknown });
      },
    );
    request.on("error", (error) => reject(init.signal.aborted ? init.signal.reason : error));
    request.end(body);
  });
