/**
 * What the publisher commands share: the keystore to unlock, the host's publisher config
 * (`.publisher/config.json`: chain and registry), a progress bar on stderr, and the output (a human line,
 * or one JSON object on stdout with --json).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { hexToBytes } from "@noble/hashes/utils.js";
import { keyHash, type Signer } from "../core/didwebvh/keys.ts";
import { InvalidError } from "../core/errors.ts";
import type { Hex } from "../core/types.ts";
import type { DocumentChanges } from "./didOps.ts";
import { EmptyHostError } from "./host.ts";
import { Keystore, readPassword } from "./keystore.ts";
import { nodeSigner } from "./signer.ts";
import { HostFileFormatError, HostStore, parseJsonFile, readFileOrNull, STATE_DIR, writeFileAtomic } from "./store.ts";
import { parseLog } from "../core/didwebvh/log.ts";
import { componentLinks, parentLinks } from "../core/verify/document.ts";
import type { DidDocument } from "../core/types.ts";

export const KEYSTORE_ENV = "PUBLISHER_KEYSTORE";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The keystore has no key for this DID (or no anchoring key). */
export class KeyNotFoundError extends InvalidError {
  override readonly name = "KeyNotFoundError";
}

/** The keystore file: --keystore, else $PUBLISHER_KEYSTORE; undefined when neither is set. */
export function keystorePath(flag: string | undefined): string | undefined {
  return flag ?? (process.env[KEYSTORE_ENV] || undefined);
}

export async function openKeystore(file: string): Promise<Keystore> {
  return Keystore.open(file, await readPassword());
}

/** The signer of the key the keystore holds for `multikey`. */
export function signerOf(ks: Keystore, multikey: string): Signer {
  const seed = ks.secrets.keys[multikey];
  if (seed === undefined) throw new KeyNotFoundError("The keystore has no secret for this key", { details: multikey });
  return nodeSigner(hexToBytes(seed));
}

/** A fresh Ed25519 key, stored in the keystore (not saved yet). */
export function newKey(ks: Keystore): Signer {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const signer = nodeSigner(seed);
  ks.secrets.keys[signer.publicKeyMultibase] = Buffer.from(seed).toString("hex");
  seed.fill(0);
  return signer;
}

export { keyHash };

/** `.publisher/config.json` of a host folder: where its DIDs anchor. */
export interface PublisherConfig {
  chainId: number;
  registry: Hex;
  /** Host name of the DIDs (`example.com`, `localhost:8787`). */
  host?: string;
}

export const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** `--registry`: a 20-byte address (UsageError otherwise), or undefined. */
export function parseAddressFlag(name: string, value: string | undefined): Hex | undefined {
  if (value === undefined) return undefined;
  if (!ADDRESS.test(value)) throw new UsageError(`--${name} ${value.slice(0, 80)} is not a 20-byte address (0x and 40 hex digits)`);
  return value as Hex;
}

/** The folder's config, or undefined when it has none; HostFileFormatError naming the file when it is malformed. */
export async function readConfig(dir: string): Promise<PublisherConfig | undefined> {
  const file = path.join(dir, STATE_DIR, "config.json");
  const text = await readFileOrNull(file);
  if (text === null) return undefined;
  const c = parseJsonFile(file, text) as Partial<PublisherConfig> | null;
  if (typeof c !== "object" || c === null || !Number.isSafeInteger(c.chainId) || typeof c.registry !== "string" || !ADDRESS.test(c.registry) || (c.host !== undefined && typeof c.host !== "string")) {
    throw new HostFileFormatError("The publisher config is not { chainId, registry, host? }", { details: file });
  }
  return { chainId: c.chainId!, registry: c.registry as Hex, ...(c.host === undefined ? {} : { host: c.host }) };
}

export async function writeConfig(dir: string, config: PublisherConfig): Promise<void> {
  await writeFileAtomic(path.join(dir, STATE_DIR, "config.json"), `${JSON.stringify(config, null, 1)}\n`);
}

/** A one-line progress bar on stderr (only on a terminal; silent when piped). */
export function progressBar(enabled = process.stderr.isTTY === true): { update(label: string, done: number, total: number): void; end(): void } {
  let last = 0;
  let shown = false;
  return {
    update(label, done, total) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 80 && done < total) return;
      last = now;
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      process.stderr.write(`\r${"#".repeat(filled)}${"-".repeat(width - filled)} ${String(done).padStart(String(total).length)}/${total} ${label}`.padEnd(100).slice(0, 100));
      shown = true;
    },
    end() {
      if (enabled && shown) process.stderr.write(`\r${" ".repeat(100)}\r`);
    },
  };
}

/** Prints the result: one JSON object with --json, else the human text. */
export function output(json: boolean, result: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${human}\n`);
}

/** An error as a one-line message for stderr and as JSON for --json. */
export function describeError(error: unknown): { name: string; message: string } {
  // Library errors (viem's) span several lines; the first says what happened.
  return error instanceof Error ? { name: error.name, message: error.message.split("\n")[0]! } : { name: "Error", message: String(error) };
}

/** `--detail key=value` flags as a flat details object (numbers and booleans typed). */
export function parseDetails(flags: readonly string[] | undefined): Record<string, string | number | boolean> | undefined {
  if (!flags || flags.length === 0) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const f of flags) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new UsageError(`--detail ${f}: expected key=value`);
    const key = f.slice(0, eq);
    const raw = f.slice(eq + 1);
    if (key === "__proto__" || key === "constructor" || key === "prototype") throw new UsageError(`--detail ${key}: reserved name`);
    out[key] = raw === "true" ? true : raw === "false" ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

/**
 * The document changes the entry flags ask for (`create`, `append`): a lifecycle event (`--event`, dated
 * `versionTime` or now, with its `--detail`s), components, a parent.
 */
export function entryChanges(
  values: { event?: string | undefined; detail?: string[] | undefined; component?: string[] | undefined; parent?: string | undefined },
  versionTime: string | undefined,
): DocumentChanges {
  const details = parseDetails(values.detail);
  return {
    ...(values.event ? { event: { type: values.event, time: versionTime ?? new Date().toISOString(), ...(details ? { details } : {}) } } : {}),
    ...(values.component ? { components: values.component } : {}),
    ...(values.parent ? { parent: values.parent } : {}),
  };
}

/**
 * What the other side of the links an entry adds still lacks. A component must name its product back as
 * its parent, or the verifier finds the product invalid; a parent lists its components, or it does not
 * show this one. Read from the folder when the other DID is published there (its latest document);
 * otherwise the note says what its publisher must add. Never throws: notes only.
 */
export async function linkNotes(dir: string, did: string, changes: DocumentChanges): Promise<string[]> {
  const store = new HostStore(dir);
  const latest = async (other: string): Promise<DidDocument | null> => {
    try {
      const text = await store.readLog(other);
      return text === null ? null : (parseLog(text).at(-1)?.state ?? null);
    } catch {
      return null;
    }
  };
  const notes: string[] = [];
  for (const component of changes.components ?? []) {
    const doc = await latest(component);
    if (doc && parentLinks(doc).includes(did)) continue;
    notes.push(
      doc
        ? `note: ${component} does not name ${did} as its parent yet; until it does, ${did} verifies as invalid. Run: append --dir ${dir} --did ${component} --parent ${did}`
        : `note: ${component} is not in ${dir}: its publisher must add ${did} as its parent (append --parent), or ${did} verifies as invalid`,
    );
  }
  if (changes.parent) {
    const doc = await latest(changes.parent);
    if (!doc || !componentLinks(doc).includes(did)) {
      notes.push(
        doc
          ? `note: ${changes.parent} does not list ${did} as a component yet, so its passport does not show it. Run: append --dir ${dir} --did ${changes.parent} --component ${did}`
          : `note: ${changes.parent} is not in ${dir}: its publisher must list ${did} as a component (append --component) for its passport to show it`,
      );
    }
  }
  return notes;
}

/** The folder `dir` exists (EmptyHostError naming it otherwise: nothing to `what`). */
export async function requireFolder(dir: string, what: string): Promise<void> {
  if (!(await fs.stat(dir).then((st) => st.isDirectory(), () => false))) {
    throw new EmptyHostError(`No host folder to ${what}`, { details: `${dir} does not exist or is not a folder` });
  }
}

/** A versionTime flag, checked: ISO 8601 UTC, not in the future. */
export function parseTime(flag: string | undefined): string | undefined {
  if (flag === undefined) return undefined;
  const ms = Date.parse(flag);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(flag) || Number.isNaN(ms)) throw new UsageError(`--time ${flag}: expected ISO 8601 UTC (2025-01-31T12:00:00Z)`);
  if (ms > Date.now()) throw new UsageError(`--time ${flag} is in the future`);
  return flag;
}
