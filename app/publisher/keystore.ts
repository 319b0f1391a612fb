/**
 * The publisher's encrypted keystore: the DIDs' Ed25519 seeds (with their pre-rotated next keys) and the
 * anchoring account's secp256k1 key, in one JSON file encrypted with XChaCha20-Poly1305 under a key derived
 * from a password by scrypt. The header (format, KDF parameters, nonce) is authenticated as associated data,
 * so weakening the KDF parameters in the file makes decryption fail.
 *
 * The password comes from the environment variable PUBLISHER_KEYSTORE_PASSWORD or from a prompt on the
 * terminal (not echoed). Secrets are never printed; the file is written 0600, atomically.
 */
import fs from "node:fs/promises";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { base64 } from "@scure/base";
import { InvalidError } from "../core/errors.ts";
import type { Hex } from "../core/types.ts";
import { withLock } from "./lock.ts";
import { readFileOrNull, writeFileAtomic } from "./store.ts";

export const KEYSTORE_FORMAT = "webvh-publisher-keystore/1";
export const PASSWORD_ENV = "PUBLISHER_KEYSTORE_PASSWORD";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
/** About 0.5 s and 128 MiB per unlock here: costly to guess, cheap enough to type once per run. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

export interface DidKeys {
  /** Public multikey (z6Mk...) of the key that signs the DID's next entry (in its updateKeys). */
  updateKey: string;
  /** Public multikey of the pre-rotated next key (its hash is in the DID's nextKeyHashes). */
  nextKey?: string;
}

/** What the keystore holds, decrypted. */
export interface KeystoreSecrets {
  /** Private key (hex) of the EVM account that sends anchor transactions. */
  anchoringKey?: Hex;
  /** Ed25519 seeds (32 bytes, hex without 0x), keyed by their public multikey. */
  keys: Record<string, string>;
  /** For each DID, which of the keys above it uses now and next. */
  dids: Record<string, DidKeys>;
}

interface KeystoreFile {
  format: typeof KEYSTORE_FORMAT;
  kdf: { name: "scrypt"; salt: string } & ScryptParams;
  cipher: { name: "xchacha20-poly1305"; nonce: string };
  ciphertext: string;
}

/** Wrong password, or the file was altered: the ciphertext does not authenticate. */
export class KeystoreDecryptError extends InvalidError {
  override readonly name = "KeystoreDecryptError";
}
/** The file is not a keystore of this format. */
export class KeystoreFormatError extends InvalidError {
  override readonly name = "KeystoreFormatError";
}
/** No password in the environment and no terminal to ask on. */
export class KeystorePasswordError extends InvalidError {
  override readonly name = "KeystorePasswordError";
}
/** The keystore file does not exist. */
export class KeystoreMissingError extends InvalidError {
  override readonly name = "KeystoreMissingError";
}

function header(file: Omit<KeystoreFile, "ciphertext">): Uint8Array {
  const { format, kdf, cipher } = file;
  return utf8ToBytes(JSON.stringify({ format, kdf: { name: kdf.name, salt: kdf.salt, N: kdf.N, r: kdf.r, p: kdf.p }, cipher }));
}

async function deriveKey(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return scryptAsync(password.normalize("NFKC"), salt, { ...params, dkLen: 32, maxmem: 2 ** 30 + 4096 });
}

export async function encryptKeystore(secrets: KeystoreSecrets, password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const head: Omit<KeystoreFile, "ciphertext"> = {
    format: KEYSTORE_FORMAT,
    kdf: { name: "scrypt", salt: base64.encode(salt), ...params },
    cipher: { name: "xchacha20-poly1305", nonce: base64.encode(nonce) },
  };
  const key = await deriveKey(password, salt, params);
  const ciphertext = xchacha20poly1305(key, nonce, header(head)).encrypt(utf8ToBytes(JSON.stringify(secrets)));
  key.fill(0);
  return `${JSON.stringify({ ...head, ciphertext: base64.encode(ciphertext) }, null, 1)}\n`;
}

export async function decryptKeystore(text: string, password: string): Promise<KeystoreSecrets> {
  let file: KeystoreFile;
  let salt: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array;
  try {
    file = JSON.parse(text) as KeystoreFile;
    if (file.format !== KEYSTORE_FORMAT || file.kdf?.name !== "scrypt" || file.cipher?.name !== "xchacha20-poly1305") throw new Error("unknown format");
    for (const n of [file.kdf.N, file.kdf.r, file.kdf.p]) if (!Number.isSafeInteger(n) || n < 1) throw new Error("bad KDF parameters");
    salt = base64.decode(file.kdf.salt);
    nonce = base64.decode(file.cipher.nonce);
    ciphertext = base64.decode(file.ciphertext);
  } catch (cause) {
    throw new KeystoreFormatError("Not a publisher keystore", { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  const key = await deriveKey(password, salt, { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p });
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, nonce, header(file)).decrypt(ciphertext);
  } catch (cause) {
    throw new KeystoreDecryptError("Wrong keystore password, or the keystore file was altered", { cause });
  } finally {
    key.fill(0);
  }
  const secrets = JSON.parse(new TextDecoder().decode(plain)) as Partial<KeystoreSecrets>;
  plain.fill(0);
  return { ...secrets, keys: secrets.keys ?? {}, dids: secrets.dids ?? {} };
}

/**
 * An unlocked keystore bound to its file and password; `save()` re-encrypts with a fresh salt and nonce.
 *
 * Several runs may share one keystore file (two folders, one keystore): `save()` holds the keystore's lock
 * (`<file>.lock`) and, when the file changed since this process read it, merges instead of overwriting:
 * every key of either side is kept (keys are never removed), the DIDs and the anchoring key this process
 * changed are taken from it, the others from the file.
 */
export class Keystore {
  /** The file's text as last read or written by this process; what `secrets` was at that moment. */
  #text: string | null;
  #snapshot: string;

  private constructor(
    readonly file: string,
    private readonly password: string,
    readonly secrets: KeystoreSecrets,
    private readonly params: ScryptParams,
    text: string | null,
  ) {
    this.#text = text;
    this.#snapshot = JSON.stringify(secrets);
  }

  static async create(file: string, password: string, options: { params?: ScryptParams; secrets?: Partial<KeystoreSecrets> } = {}): Promise<Keystore> {
    if ((await readFileOrNull(file)) !== null) throw new KeystoreFormatError("Keystore already exists", { details: file });
    const ks = new Keystore(file, password, { keys: {}, dids: {}, ...options.secrets }, options.params ?? DEFAULT_SCRYPT, null);
    await ks.save();
    return ks;
  }

  static async open(file: string, password: string): Promise<Keystore> {
    const text = await readFileOrNull(file);
    if (text === null) throw new KeystoreMissingError("No keystore at this path", { details: file });
    const secrets = await decryptKeystore(text, password);
    const { N, r, p } = (JSON.parse(text) as KeystoreFile).kdf;
    return new Keystore(file, password, secrets, { N, r, p }, text);
  }

  async save(): Promise<void> {
    await withLock(`${this.file}.lock`, { command: "keystore save", what: `the keystore ${this.file}`, waitMs: 30_000 }, async () => {
      const text = await readFileOrNull(this.file);
      if (text !== null && text !== this.#text) this.#merge(await decryptKeystore(text, this.password));
      const out = await encryptKeystore(this.secrets, this.password, this.params);
      await writeFileAtomic(this.file, out);
      await fs.chmod(this.file, 0o600);
      this.#text = out;
      this.#snapshot = JSON.stringify(this.secrets);
    });
  }

  /** Folds what another run saved into `secrets`, keeping what this process changed. */
  #merge(disk: KeystoreSecrets): void {
    const before = JSON.parse(this.#snapshot) as KeystoreSecrets;
    const mine = this.secrets;
    const changed = (did: string) => JSON.stringify(mine.dids[did]) !== JSON.stringify(before.dids[did]);
    const dids: Record<string, DidKeys> = { ...disk.dids };
    for (const did of Object.keys(mine.dids)) if (changed(did) || !(did in dids)) dids[did] = mine.dids[did]!;
    mine.keys = { ...disk.keys, ...mine.keys };
    mine.dids = dids;
    if (mine.anchoringKey === before.anchoringKey && disk.anchoringKey !== undefined) mine.anchoringKey = disk.anchoringKey;
  }

  /** Never reveal secrets by accident (console.log, JSON.stringify, util.inspect). */
  toJSON(): { file: string; keys: number; dids: number; anchoringKey: boolean } {
    return { file: this.file, keys: Object.keys(this.secrets.keys).length, dids: Object.keys(this.secrets.dids).length, anchoringKey: this.secrets.anchoringKey !== undefined };
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Keystore ${JSON.stringify(this.toJSON())}`;
  }
}

/**
 * The keystore password: PUBLISHER_KEYSTORE_PASSWORD, else asked on the terminal without echo
 * (twice when `confirm`, for a new keystore).
 */
export async function readPassword(options: { confirm?: boolean; prompt?: string } = {}): Promise<string> {
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) {
    throw new KeystorePasswordError("No keystore password", { details: `set ${PASSWORD_ENV} or run on a terminal` });
  }
  const first = await promptHidden(options.prompt ?? "Keystore password: ");
  if (options.confirm) {
    const second = await promptHidden("Repeat the password: ");
    if (first !== second) throw new KeystorePasswordError("The passwords differ");
  }
  if (first === "") throw new KeystorePasswordError("Empty password");
  return first;
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u0003") return done(new KeystorePasswordError("Cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
