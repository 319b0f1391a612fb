import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyEd25519, decodeMultikey } from "../core/didwebvh/keys.ts";
import { signerFromSecretKey } from "../core/didwebvh/signer.ts";
import { nodeSigner } from "./signer.ts";

describe("nodeSigner", () => {
  it("gives the same key and the same signatures as the core's noble signer, which verify", async () => {
    for (let i = 0; i < 20; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const msg = new Uint8Array(randomBytes(i * 7));
      const ours = nodeSigner(seed);
      const core = signerFromSecretKey(seed);
      expect(ours.publicKeyMultibase).toBe(core.publicKeyMultibase);
      expect(ours.verificationMethod).toBe(core.verificationMethod);
      const sig = await ours.sign(msg);
      expect(sig).toEqual(await core.sign(msg));
      expect(await verifyEd25519(sig, msg, decodeMultikey(ours.publicKeyMultibase))).toBe(true);
    }
  });

  it("RFC 8032 test vector 1", async () => {
    const seed = Uint8Array.from(Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex"));
    const sig = await nodeSigner(seed).sign(new Uint8Array(0));
    expect(Buffer.from(sig).toString("hex")).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    expect(Buffer.from(decodeMultikey(nodeSigner(seed).publicKeyMultibase)).toString("hex")).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  });
});
