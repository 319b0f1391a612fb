/**
 * A provision's lifecycle, as ProvisionRegistry.sol defines it: `enum State { None, Started, Running, Off }`,
 * moves `started -> running -> off` and `off -> running`; every other move reverts
 * (`InvalidStateTransition`).
 */
export type ProvisionState = "none" | "started" | "running" | "off";

/** Index = the Solidity enum's value. */
export const PROVISION_STATES = ["none", "started", "running", "off"] as const satisfies readonly ProvisionState[];

export function stateFromIndex(index: number | bigint): ProvisionState {
  const s = PROVISION_STATES[Number(index)];
  if (s === undefined) throw new RangeError(`unknown provision state ${index}`);
  return s;
}

export function stateIndex(state: ProvisionState): number {
  return PROVISION_STATES.indexOf(state);
}

/** Mirrors `isTransitionAllowed` of the contract (checked against it in the tests). */
export function isTransitionAllowed(from: ProvisionState, to: ProvisionState): boolean {
  return (to === "running" && (from === "started" || from === "off")) || (from === "running" && to === "off");
}

/** What "start" and "stop" mean from a given state; null when the button makes no sense. */
export function startTarget(from: ProvisionState): ProvisionState | null {
  return isTransitionAllowed(from, "running") ? "running" : null;
}
export function stopTarget(from: ProvisionState): ProvisionState | null {
  return isTransitionAllowed(from, "off") ? "off" : null;
}
