/**
 * The EIP-712 typed data ProvisionRegistry.sol checks (OpenZeppelin EIP712, name "ProvisionRegistry",
 * version "1"; the domain holds the chain id and the contract's address):
 * - `ProvisionStateChange(address machine,uint8 state,uint256 nonce,uint256 deadline)`: a state change
 *   signed by the machine (or the controller) and relayed by anyone, for the provision's current nonce.
 * - `ProvisionRegistration(address machine,address controller,string did,bytes32 metadataHash,uint256 deadline)`:
 *   the machine's consent to be registered by `controller`.
 * Sign them with viem (`signTypedData`) or a wallet (`eth_signTypedData_v4`).
 */
import type { TypedDataDomain } from "viem";
import type { Hex } from "../types.ts";
import { stateIndex, type ProvisionState } from "./state.ts";

export const PROVISION_REGISTRY_EIP712_NAME = "ProvisionRegistry";
export const PROVISION_REGISTRY_EIP712_VERSION = "1";

export function provisionRegistryDomain(chainId: number, registry: Hex): TypedDataDomain {
  return {
    name: PROVISION_REGISTRY_EIP712_NAME,
    version: PROVISION_REGISTRY_EIP712_VERSION,
    chainId,
    verifyingContract: registry,
  };
}

export const STATE_CHANGE_TYPES = {
  ProvisionStateChange: [
    { name: "machine", type: "address" },
    { name: "state", type: "uint8" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const REGISTRATION_TYPES = {
  ProvisionRegistration: [
    { name: "machine", type: "address" },
    { name: "controller", type: "address" },
    { name: "did", type: "string" },
    { name: "metadataHash", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export function stateChangeTypedData(p: {
  chainId: number;
  registry: Hex;
  machine: Hex;
  to: ProvisionState;
  nonce: bigint;
  deadline: bigint;
}) {
  return {
    domain: provisionRegistryDomain(p.chainId, p.registry),
    types: STATE_CHANGE_TYPES,
    primaryType: "ProvisionStateChange",
    message: { machine: p.machine, state: stateIndex(p.to), nonce: p.nonce, deadline: p.deadline },
  } as const;
}

export function registrationTypedData(p: {
  chainId: number;
  registry: Hex;
  machine: Hex;
  controller: Hex;
  did: string;
  metadataHash: Hex;
  deadline: bigint;
}) {
  return {
    domain: provisionRegistryDomain(p.chainId, p.registry),
    types: REGISTRATION_TYPES,
    primaryType: "ProvisionRegistration",
    message: {
      machine: p.machine,
      controller: p.controller,
      did: p.did,
      metadataHash: p.metadataHash,
      deadline: p.deadline,
    },
  } as const;
}

/** A deadline `seconds` from `nowMs` (default: 1 hour from now). */
export function deadlineIn(seconds = 3600, nowMs: number = Date.now()): bigint {
  return BigInt(Math.floor(nowMs / 1000) + seconds);
}
