// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title EventOnlyAnchorReference
 * @notice A baseline for the gas report only: anchoring by an event alone, with no storage. Cheapest, but a
 * verifier then depends on `eth_getLogs`, which public RPC endpoints limit; {AnchorRegistry} stores the record.
 */
contract EventOnlyAnchorReference {
    event RootAnchored(address indexed anchorer, bytes32 indexed root);

    function anchor(bytes32 root) external {
        emit RootAnchored(msg.sender, root);
    }
}
