/**
 * The audit's signature thread: the same answers as node:crypto on the calling thread for valid, altered
 * and foreign signatures (in batches and one at a time), the fallback before it is up and after it dies,
 * and a process it never holds open.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync, sign, verify as nodeVerify } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ed25519Thread, startEd25519ThreadEarly, takeEd25519Thread } from "./ed25519Thread.ts";
import { ED25519_SPKI_PREFIX_HEX } from "../../core/didwebvh/nodeVerify.node.ts";
import type { Ed25519Verify } from "../../core/didwebvh/keys.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { raw: new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(12)), publicKey, privateKey };
}
const a = keyPair();
const b = keyPair();
const signed = (message: Uint8Array, key = a) => new Uint8Array(sign(null, message, key.privateKey));

/** Waits until the thread answers (its first answers before that come from the fallback). */
async function upAndRunning(verify: Ed25519Verify, used: { fallback: number }): Promise<void> {
  const m = new Uint8Array(64);
  for (let k = 0; k < 200; k++) {
    const before = used.fallback;
    await verify(signed(m), m, a.raw, "a");
    if (used.fallback === before) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the thread never came up");
}

describe("ed25519Thread", () => {
  it("agrees with node:crypto on valid, altered and foreign signatures, batched or not", async () => {
    const used = { fallback: 0 };
    const thread = ed25519Thread((s, m, k) => (used.fallback++, nodeVerify(null, m, { key: Buffer.concat([Buffer.from(ED25519_SPKI_PREFIX_HEX, "hex"), k]), format: "der", type: "spki" }, s)));
    try {
      await upAndRunning(thread.verify, used);
      const fallbackBefore = used.fallback;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              message: fc.uint8Array({ minLength: 0, maxLength: 200 }),
              alter: fc.constantFrom("none", "message", "signature", "key"),
              flip: fc.nat(),
            }),
            { minLength: 1, maxLength: 40 },
          ),
          async (cases) => {
            const calls = cases.map(({ message, alter, flip }) => {
              const signature = signed(message);
              const m = Uint8Array.from(message);
              if (alter === "message" && m.length > 0) m[flip % m.length]! ^= 1 << flip % 8;
              if (alter === "signature") signature[flip % 32]! ^= 1 << flip % 8; // R: still well formed
              const key = alter === "key" ? b : a;
              const expected = nodeVerify(null, m, key.publicKey, signature);
              return { got: thread.verify(signature, m, key.raw, alter === "key" ? "b" : "a"), expected };
            });
            const got = await Promise.all(calls.map((c) => c.got));
            expect(got).toEqual(calls.map((c) => c.expected));
          },
        ),
        { numRuns: 40 },
      );
      expect(used.fallback).toBe(fallbackBefore);
    } finally {
      await thread.close();
    }
  });

  it("uses the fallback before it is up and once it is closed; malformed inputs are simply not valid", async () => {
    const used = { fallback: 0 };
    const thread = ed25519Thread(async () => (used.fallback++, true));
    const m = new Uint8Array(64);
    expect(await thread.verify(signed(m), m, a.raw, "a")).toBe(true);
    expect(used.fallback).toBe(1); // asked at once: the thread is still loading
    await thread.close();
    expect(await thread.verify(signed(m), m, a.raw, "a")).toBe(true);
    expect(used.fallback).toBe(2);
    expect(await thread.verify(new Uint8Array(63), m, a.raw, "a")).toBe(false);
    expect(await thread.verify(signed(m), m, new Uint8Array(31), "a")).toBe(false);
    expect(used.fallback).toBe(2);
  });

  it("hands what it owed to the fallback when it is stopped mid-batch", async () => {
    const used = { fallback: 0 };
    const thread = ed25519Thread((s, m, k) => (used.fallback++, nodeVerify(null, m, { key: Buffer.concat([Buffer.from(ED25519_SPKI_PREFIX_HEX, "hex"), k]), format: "der", type: "spki" }, s)));
    await upAndRunning(thread.verify, used);
    const messages = Array.from({ length: 200 }, (_, i) => new Uint8Array([i, i + 1]));
    const answers = Promise.all(messages.map((m, i) => thread.verify(i % 2 ? signed(m) : signed(m, b), m, a.raw, "a")));
    await thread.close();
    expect(await answers).toEqual(messages.map((_, i) => i % 2 === 1));
  });

  it("checks batches on the calling thread while the thread is behind, with the same answers", async () => {
    const used = { fallback: 0 };
    const thread = ed25519Thread((s, m, k) => (used.fallback++, nodeVerify(null, m, { key: Buffer.concat([Buffer.from(ED25519_SPKI_PREFIX_HEX, "hex"), k]), format: "der", type: "spki" }, s)));
    try {
      await upAndRunning(thread.verify, used);
      const before = thread.counts();
      const messages = Array.from({ length: 1000 }, (_, i) => new Uint8Array([i & 255, i >> 8]));
      const signatures = messages.map((m, i) => (i % 3 ? signed(m) : signed(m, b)));
      // All at once: the thread gets three batches behind, then this thread checks batches too.
      const answers = await Promise.all(messages.map((m, i) => thread.verify(signatures[i]!, m, a.raw, "a")));
      expect(answers).toEqual(messages.map((_, i) => i % 3 !== 0));
      const after = thread.counts();
      expect(after.here - before.here).toBeGreaterThan(0);
      expect(after.thread - before.thread).toBeGreaterThan(0);
      expect(after.here - before.here + after.thread - before.thread).toBe(messages.length);
    } finally {
      await thread.close();
    }
  });

  it("started early, is handed over once; the next taker gets a thread of its own", async () => {
    startEd25519ThreadEarly();
    const first = takeEd25519Thread();
    const second = takeEd25519Thread();
    try {
      expect(second).not.toBe(first);
      const m = new Uint8Array([7, 7]);
      expect(await first.verify(signed(m), m, a.raw, "a")).toBe(true);
      expect(await second.verify(signed(m, b), m, a.raw, "a")).toBe(false);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("never keeps a process alive (a script that only starts it exits at once)", async () => {
    const script = `import { ed25519Thread } from ${JSON.stringify(path.join(ROOT, "app/cli/lib/ed25519Thread.ts"))}; ed25519Thread(); console.log("started");`;
    const started = performance.now();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, timeout: 20_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(out.trim()).toBe("started");
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
