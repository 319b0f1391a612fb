/**
 * Create a passport DID and append entries to it with keys from the keystore, including did:webvh key
 * rotation: plain (`rotate`: a new update key, signed by the current one) and pre-rotated (once
 * `nextKeyHashes` is set, every entry moves to the committed next key and commits to a fresh one).
 * The keystore is saved BEFORE the host is written, so no DID is ever published whose key was lost.
 *
 * Which key signs is read from the published log, not from the keystore's record of the DID: the key the
 * log commits to (nextKeyHashes) or authorises (updateKeys), among every key the keystore holds. A run
 * that saved new keys and then failed to write the log (a read-only folder, a lost race) leaves the
 * keystore ahead of the log; the next run still finds the key the log names.
 */
import { activeParameters, appendEntry, createLog } from "../core/didwebvh/create.ts";
import { keyHash, type Signer } from "../core/didwebvh/keys.ts";
import type { AnchoringDeclaration, DidDocument, LifecycleEvent, LogEntry, LogParameters, PassportInfo, ServiceEntry } from "../core/types.ts";
import { KeyNotFoundError, newKey, signerOf } from "./cliSupport.ts";
import type { PublisherHost } from "./host.ts";
import type { Keystore } from "./keystore.ts";
import { componentService, eventService, parentService, passportDocument, withServices } from "./passport.ts";

export interface DocumentChanges {
  event?: LifecycleEvent;
  components?: string[];
  parent?: string;
}

function services(did: string, doc: { id: string; service?: ServiceEntry[] }, changes: DocumentChanges): ServiceEntry[] {
  const out: ServiceEntry[] = [];
  const existing = (doc.service ?? []).filter((s) => s.type === "ProductComponent").length;
  (changes.components ?? []).forEach((c, k) => out.push(componentService(did, existing + k + 1, c)));
  if (changes.parent) out.push(parentService(did, changes.parent));
  if (changes.event) out.push(eventService(did, { ...doc, service: [...(doc.service ?? []), ...out] }, changes.event));
  return out;
}

export async function createPassportDid(options: {
  ks: Keystore;
  host: PublisherHost;
  hostName: string;
  path: string;
  info: PassportInfo;
  anchoring: AnchoringDeclaration;
  changes?: DocumentChanges;
  prerotate?: boolean;
  versionTime?: string;
}): Promise<{ did: string; entry: LogEntry }> {
  const signer = newKey(options.ks);
  const next = options.prerotate ? newKey(options.ks) : undefined;
  const { did, log } = await createLog({
    host: options.hostName,
    path: options.path,
    signer,
    document: (placeholder) => {
      const doc = passportDocument(placeholder, options.info, options.anchoring);
      return withServices(doc, services(placeholder, doc, options.changes ?? {}));
    },
    ...(next ? { parameters: { nextKeyHashes: [keyHash(next.publicKeyMultibase)] } } : {}),
    ...(options.versionTime ? { versionTime: options.versionTime } : {}),
  });
  options.ks.secrets.dids[did] = { updateKey: signer.publicKeyMultibase, ...(next ? { nextKey: next.publicKeyMultibase } : {}) };
  await options.ks.save();
  options.host.add(did, log);
  return { did, entry: log[0]! };
}

/**
 * Now, at one-second resolution, strictly after the previous entry: versionTimes must increase and must not
 * be in the future, so an append within the same second as the last entry waits for the next second.
 */
export async function nextVersionTime(previous: string): Promise<string> {
  const after = Math.floor(Date.parse(previous) / 1000) + 1;
  const wait = after * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 5));
  return new Date(Math.max(after * 1000, Math.floor(Date.now() / 1000) * 1000)).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The stored key the log accepts: the keystore's record first, else any stored key that `accepts`. */
function storedKey(ks: Keystore, did: string, recorded: string | undefined, accepts: (multikey: string) => boolean, message: string): string {
  if (recorded !== undefined && accepts(recorded) && ks.secrets.keys[recorded] !== undefined) return recorded;
  const found = Object.keys(ks.secrets.keys).find(accepts);
  if (found === undefined) throw new KeyNotFoundError(message, { details: did });
  return found;
}

export async function appendPassportEntry(options: {
  ks: Keystore;
  host: PublisherHost;
  did: string;
  changes: DocumentChanges;
  /** A new update key (without pre-rotation), signed by the current key. */
  rotate?: boolean;
  versionTime?: string;
}): Promise<{ entry: LogEntry; rotated: boolean }> {
  const { changes, ...rest } = options;
  return appendDidEntry({ ...rest, document: (prev) => withServices(prev, services(options.did, prev, changes)) });
}

/**
 * Appends one entry to a DID of the host whose document is `document(previous)`, signed with the key the
 * log accepts from the keystore (moving to the committed next key under pre-rotation; `rotate` replaces the
 * update key otherwise). The keystore is saved before the host is changed (in memory: `host.flush()`
 * writes it, only ever extending the published log).
 */
export async function appendDidEntry(options: {
  ks: Keystore;
  host: PublisherHost;
  did: string;
  document: (previous: DidDocument) => DidDocument;
  rotate?: boolean;
  versionTime?: string;
}): Promise<{ entry: LogEntry; rotated: boolean }> {
  const { ks, host, did } = options;
  const keys = ks.secrets.dids[did];
  if (!keys) throw new KeyNotFoundError("The keystore has no key for this DID", { details: did });
  const log = host.log(did);
  const active = activeParameters(log);
  let signer: Signer;
  let parameters: LogParameters = {};
  let nextKeys = keys;
  if (active.nextKeyHashes.length > 0) {
    // Pre-rotation is active: this entry must move to the committed next key and commit to a new one.
    const committed = storedKey(ks, did, keys.nextKey, (k) => active.nextKeyHashes.includes(keyHash(k)), "Pre-rotation is active but the keystore holds no key whose hash the log's nextKeyHashes commits to");
    signer = signerOf(ks, committed);
    const fresh = newKey(ks);
    parameters = { updateKeys: [committed], nextKeyHashes: [keyHash(fresh.publicKeyMultibase)] };
    nextKeys = { updateKey: committed, nextKey: fresh.publicKeyMultibase };
  } else {
    const current = storedKey(ks, did, keys.updateKey, (k) => active.updateKeys.includes(k), "The keystore holds none of the log's active update keys");
    signer = signerOf(ks, current);
    nextKeys = { updateKey: current };
    if (options.rotate) {
      const fresh = newKey(ks);
      parameters = { updateKeys: [fresh.publicKeyMultibase] };
      nextKeys = { updateKey: fresh.publicKeyMultibase };
    }
  }
  const entry = await appendEntry(log, {
    signer,
    document: options.document,
    parameters,
    versionTime: options.versionTime ?? (await nextVersionTime(log.at(-1)!.versionTime)),
  });
  ks.secrets.dids[did] = nextKeys;
  await ks.save();
  host.append(did, [entry]);
  return { entry, rotated: parameters.updateKeys !== undefined };
}
