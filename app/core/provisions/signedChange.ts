/**
 * A signed state change as JSON: the EIP-712 `ProvisionStateChange` signature of the machine or the
 * controller, which anyone may relay (`changeStateSigned`) before its deadline, for the provision's
 * nonce at signing time.
 */
import { isAddress, isHex } from "viem";
import { InvalidError } from "../errors.ts";
import type { Hex } from "../types.ts";
import { PROVISION_STATES, type ProvisionState } from "./state.ts";

export const SIGNED_CHANGE_TYPE = "ProvisionStateChangeSignature";

export interface SignedStateChange {
  type: typeof SIGNED_CHANGE_TYPE;
  chainId: number;
  registry: Hex;
  machine: Hex;
  to: ProvisionState;
  /** Decimal strings (uint256). */
  nonce: string;
  deadline: string;
  signer: Hex;
  signature: Hex;
}

export class SignedChangeError extends InvalidError {
  override readonly name = "SignedChangeError";
}

export function parseSignedChange(text: string): SignedStateChange {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new SignedChangeError("The signed change is not JSON", { cause: e });
  }
  if (v === null || typeof v !== "object" || v.type !== SIGNED_CHANGE_TYPE) throw new SignedChangeError("Not a signed provision state change");
  const { chainId, registry, machine, to, nonce, deadline, signer, signature } = v;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) throw new SignedChangeError("chainId is not a chain id");
  for (const [k, a] of [["registry", registry], ["machine", machine], ["signer", signer]] as const) {
    if (typeof a !== "string" || !isAddress(a)) throw new SignedChangeError(`${k} is not an address`);
  }
  if (typeof to !== "string" || !(PROVISION_STATES as readonly string[]).includes(to) || to === "none") throw new SignedChangeError("to is not a state");
  for (const [k, n] of [["nonce", nonce], ["deadline", deadline]] as const) {
    if (typeof n !== "string" || !/^[0-9]{1,20}$/.test(n)) throw new SignedChangeError(`${k} is not a decimal number`);
  }
  if (typeof signature !== "string" || !isHex(signature)) throw new SignedChangeError("signature is not hex");
  return {
    type: SIGNED_CHANGE_TYPE,
    chainId,
    registry: registry as Hex,
    machine: machine as Hex,
    to: to as ProvisionState,
    nonce: nonce as string,
    deadline: deadline as string,
    signer: signer as Hex,
    signature,
  };
}
