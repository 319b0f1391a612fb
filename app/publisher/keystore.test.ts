import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decryptKeystore, encryptKeystore, Keystore, KeystoreDecryptError, KeystoreFormatError, type KeystoreSecrets } from "./keystore.ts";

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const SECRET_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const SECRETS: KeystoreSecrets = {
  anchoringKey: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  keys: { z6MkTest: SECRET_SEED },
  dids: { "did:webvh:QmX:example.com": { updateKey: "z6MkTest" } },
};

let dir: string;
beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "keystore-test-"))));
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

describe("keystore", () => {
  it("round-trips, and the file holds no secret in clear", async () => {
    const text = await encryptKeystore(SECRETS, "correct horse", FAST);
    expect(text).not.toContain(SECRET_SEED);
    expect(text).not.toContain(SECRETS.anchoringKey!.slice(2));
    expect(text).not.toContain("z6MkTest");
    expect(await decryptKeystore(text, "correct horse")).toEqual(SECRETS);
  });

  it("a wrong password fails with KeystoreDecryptError", async () => {
    const text = await encryptKeystore(SECRETS, "correct horse", FAST);
    const error = await decryptKeystore(text, "battery staple").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeystoreDecryptError);
    expect((error as Error).name).toBe("KeystoreDecryptError");
  });

  it("weakened KDF parameters or a flipped ciphertext byte do not decrypt", async () => {
    const text = await encryptKeystore(SECRETS, "pw", { N: 2 ** 11, r: 8, p: 1 });
    const file = JSON.parse(text);
    await expect(decryptKeystore(JSON.stringify({ ...file, kdf: { ...file.kdf, N: 2 ** 10 } }), "pw")).rejects.toBeInstanceOf(KeystoreDecryptError);
    const ct = Buffer.from(file.ciphertext, "base64");
    ct[5]! ^= 1;
    await expect(decryptKeystore(JSON.stringify({ ...file, ciphertext: ct.toString("base64") }), "pw")).rejects.toBeInstanceOf(KeystoreDecryptError);
    await expect(decryptKeystore("{}", "pw")).rejects.toBeInstanceOf(KeystoreFormatError);
  });

  it("two encryptions of the same secrets differ (fresh salt and nonce)", async () => {
    expect(await encryptKeystore(SECRETS, "pw", FAST)).not.toBe(await encryptKeystore(SECRETS, "pw", FAST));
  });

  it("Keystore file: create, reopen, save changes; 0600; never printed", async () => {
    const file = path.join(dir, "keys.json");
    const ks = await Keystore.create(file, "pw", { params: FAST, secrets: SECRETS });
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    ks.secrets.keys.z6MkOther = "00".repeat(32);
    await ks.save();
    const again = await Keystore.open(file, "pw");
    expect(again.secrets.keys.z6MkOther).toBe("00".repeat(32));
    expect(JSON.stringify(again)).not.toContain(SECRET_SEED);
    expect(inspect(again)).not.toContain(SECRET_SEED);
    await expect(Keystore.open(file, "nope")).rejects.toBeInstanceOf(KeystoreDecryptError);
    await expect(Keystore.create(file, "pw", { params: FAST })).rejects.toBeInstanceOf(KeystoreFormatError);
  });

  it("two runs sharing the keystore: each save merges, so no key either added is lost", async () => {
    const file = path.join(dir, "keys.json");
    await Keystore.create(file, "pw", { params: FAST, secrets: SECRETS });
    const [a, b] = [await Keystore.open(file, "pw"), await Keystore.open(file, "pw")];
    a.secrets.keys.z6MkA = "aa".repeat(32);
    a.secrets.dids["did:webvh:QmA:example.com"] = { updateKey: "z6MkA" };
    await a.save();
    b.secrets.keys.z6MkB = "bb".repeat(32);
    b.secrets.dids["did:webvh:QmX:example.com"] = { updateKey: "z6MkB" };
    await b.save();
    const merged = await Keystore.open(file, "pw");
    expect(merged.secrets.keys).toMatchObject({ z6MkTest: SECRET_SEED, z6MkA: "aa".repeat(32), z6MkB: "bb".repeat(32) });
    expect(merged.secrets.dids).toEqual({ "did:webvh:QmA:example.com": { updateKey: "z6MkA" }, "did:webvh:QmX:example.com": { updateKey: "z6MkB" } });
    expect(merged.secrets.anchoringKey).toBe(SECRETS.anchoringKey);
    expect(b.secrets.keys.z6MkA).toBe("aa".repeat(32));
  });
});
