/**
 * Node only: what a LogVerifierPool worker thread loads (one module, so that verify.ts and log.ts share
 * one module graph and its JIT warm-up).
 */
export { parseLog } from "./log.ts";
import { useNodeCrypto } from "./nodeVerify.node.ts";

export { nodeEd25519Verify } from "./nodeVerify.node.ts";

useNodeCrypto();
export { verifyLog } from "./verify.ts";
