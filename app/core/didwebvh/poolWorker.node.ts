/**
 * Node only: what a LogVerifierPool worker thread loads (one module, so that verify.ts and log.ts share
 * one module graph and its JIT warm-up).
 */
export { parseLog } from "./log.ts";
export { nodeEd25519Verify } from "./nodeVerify.node.ts";
export { verifyLog } from "./verify.ts";
