// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ForgedAnchorRegistry
 * @notice A forger's registry, for tests only: `anchorOf` answers "anchored at time 1, block 1" for any
 * anchorer and any root, though nobody ever anchored anything. A passport that declares it, and names the
 * real manufacturer's account as its anchorer, passes every check a verifier makes against the registry
 * the passport itself declares: only pinning the trusted registries (VerifyDidOptions.trustedRegistries)
 * refuses it.
 *
 * WARNING: never deploy this outside a test chain.
 */
contract ForgedAnchorRegistry {
    /// @notice Always (1, 1), the shape of {AnchorRegistry-anchorOf}.
    function anchorOf(address, bytes32) external pure returns (uint64 timestamp, uint64 blockNumber) {
        return (1, 1);
    }
}
