/**
 * Adapters to the reference library didwebvh-ts (a development dependency): the oracle of the
 * differential and property tests and the baseline of the benchmark. Test and bench code only; never
 * imported by the app.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { base58 } from "@scure/base";
import * as ref from "didwebvh-ts";
import { canonicalize } from "../jcs.ts";
import { encodeMultikey } from "../keys.ts";
import { signingInput } from "../proof.ts";

export { ref };

export interface ReferenceKey {
  seed: Uint8Array;
  multikey: string;
  signer: ref.Signer;
}

/** A didwebvh-ts Signer over an Ed25519 seed (noble). */
export function referenceKey(seed: Uint8Array = ed25519.utils.randomSecretKey()): ReferenceKey {
  const multikey = encodeMultikey(ed25519.getPublicKey(seed));
  const signer: ref.Signer = {
    getVerificationMethodId: () => `did:key:${multikey}#${multikey}`,
    sign: async ({ document, proof }) => {
      const sig = ed25519.sign(signingInput({ ...proof }, canonicalize(document)), seed);
      return { proofValue: `z${base58.encode(sig)}` };
    },
  };
  return { seed, multikey, signer };
}

/** didwebvh-ts's verifier with noble (its usual one). */
export const nobleVerifier: ref.Verifier = {
  verify: async (signature, message, publicKey) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** didwebvh-ts's fastest verifier: WebCrypto, each key imported once. */
export function webCryptoVerifier(): ref.Verifier {
  const keys = new Map<string, Promise<CryptoKey>>();
  return {
    verify: async (signature, message, publicKey) => {
      const id = base58.encode(publicKey);
      let key = keys.get(id);
      if (!key) {
        key = crypto.subtle.importKey("raw", publicKey as Uint8Array<ArrayBuffer>, { name: "Ed25519" }, false, ["verify"]);
        keys.set(id, key);
      }
      try {
        return await crypto.subtle.verify({ name: "Ed25519" }, await key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
      } catch {
        return false;
      }
    },
  };
}

const creationVerifier = webCryptoVerifier();

/** A log of `entries` entries made with didwebvh-ts (createDID then updateDID), dated in the past. */
export async function referenceLog(options: {
  domain?: string;
  /** Path segments after the domain (did:webvh:{SCID}:domain:a:b -> https://domain/a/b/did.jsonl). */
  paths?: string[];
  entries: number;
  key?: ReferenceKey;
  start?: number;
}): Promise<{ did: string; log: ref.DIDLog; key: ReferenceKey }> {
  const key = options.key ?? referenceKey();
  const start = options.start ?? Date.UTC(2025, 0, 1);
  const at = (i: number) => new Date(start + i * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const created = await ref.createDID({
    domain: options.domain ?? "example.com",
    ...(options.paths ? { paths: options.paths } : {}),
    signer: key.signer,
    updateKeys: [key.multikey],
    verificationMethods: [{ type: "Multikey", publicKeyMultibase: key.multikey, purpose: "assertionMethod" }],
    created: at(0),
    verifier: creationVerifier,
  });
  let log = created.log;
  for (let i = 1; i < options.entries; i++) {
    const updated = await ref.updateDID({
      log,
      signer: key.signer,
      services: [{ id: `#event-${i}`, type: "LifecycleEvent", serviceEndpoint: { type: "Inspected", n: i } }],
      updated: at(i),
      verifier: creationVerifier,
    });
    log = updated.log;
  }
  return { did: created.did, log, key };
}
