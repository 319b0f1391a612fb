/**
 * What a verifying command pins (`audit`, `provision show`): `--trusted-anchorer ADDR` and
 * `--trusted-registry [CHAIN:]ADDR`, each repeatable, checked and turned into VerifyDidOptions'
 * `trustedAnchorers` and `trustedRegistries` (see the trust model in the README: both are needed to stop a
 * passport of someone else's making).
 */
import { UsageError } from "../../publisher/cliSupport.ts";

/** The two flags, for node:util parseArgs. */
export const TRUST_FLAGS = {
  "trusted-anchorer": { type: "string", multiple: true },
  "trusted-registry": { type: "string", multiple: true },
} as const;

export interface TrustFlagValues {
  "trusted-anchorer"?: string[] | undefined;
  "trusted-registry"?: string[] | undefined;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TRUSTED_REGISTRY = /^(?:([1-9]\d{0,14}):)?(0x[0-9a-fA-F]{40})$/;

/** Each value is an address (a registry optionally after `CHAIN:`); UsageError naming the first that is not. */
export function checkTrustFlags(values: TrustFlagValues): void {
  for (const a of values["trusted-anchorer"] ?? [])
    if (!ADDRESS.test(a)) throw new UsageError(`--trusted-anchorer ${a.slice(0, 80)} is not a 20-byte address (0x and 40 hex digits)`);
  for (const r of values["trusted-registry"] ?? [])
    if (!TRUSTED_REGISTRY.test(r))
      throw new UsageError(`--trusted-registry ${r.slice(0, 80)} is not a 20-byte address (0x and 40 hex digits), alone or after a chain id and ":"`);
}

/**
 * The registries trusted per chain id: each --trusted-registry ADDR on every chain an endpoint serves,
 * each CHAIN:ADDR on its chain. A chain that no endpoint serves cannot be read, so needs no pin.
 * The values must have passed {@link checkTrustFlags}.
 */
export function trustedRegistries(values: readonly string[], served: readonly number[]): Record<number, string[]> {
  const pins: Record<number, string[]> = {};
  for (const value of values) {
    const [, chain, address] = TRUSTED_REGISTRY.exec(value)!;
    for (const chainId of chain === undefined ? served : [Number(chain)]) (pins[chainId] ??= []).push(address!);
  }
  return pins;
}

/** The pins, as verifyDid takes them (absent when not given), for the chains the endpoints serve. */
export interface TrustPins {
  trustedAnchorers?: string[];
  trustedRegistries?: Record<number, string[]>;
}

export function trustPins(values: TrustFlagValues, served: readonly number[]): TrustPins {
  const anchorers = values["trusted-anchorer"] ?? [];
  const registries = values["trusted-registry"] ?? [];
  return {
    ...(anchorers.length ? { trustedAnchorers: anchorers } : {}),
    ...(registries.length ? { trustedRegistries: trustedRegistries(registries, served) } : {}),
  };
}

/**
 * What is not pinned on the chains `served`, one sentence each (empty when both are): for a person to read
 * on stderr. A registry pinned on another chain only does not pin these.
 */
export function unpinned(pins: TrustPins, served: readonly number[]): string[] {
  const notes: string[] = [];
  const open = served.filter((chainId) => !pins.trustedRegistries?.[chainId]?.length);
  if (open.length)
    notes.push(
      `no --trusted-registry${served.length > 1 ? ` for chain ${open.join(", ")}` : ""}: the registry the DID declares is believed, and anyone can deploy one that answers "anchored" to anything`,
    );
  if (!pins.trustedAnchorers?.length) notes.push("no --trusted-anchorer: any anchoring account the DID's own document authorises counts");
  return notes;
}
