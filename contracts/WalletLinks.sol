// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title WalletLinks
 * @notice One side of a two-sided link between a wallet and an identity (a DID): the wallet claims the DID
 * on chain. The other side, the DID document naming `did:pkh:eip155:<chainId>:<wallet>`, is checked off
 * chain; a link counts only when both sides agree.
 *
 * @dev Stores only keccak256 of the DID (one slot: a DID string of ~100 bytes would take four), and emits
 * the DID string itself in {WalletLinked}, so a client can show it and check it against {linkOf}.
 */
contract WalletLinks {
    mapping(address wallet => bytes32 didHash) private _links;

    /// @notice `wallet` claimed `did` (keccak256 `didHash`).
    event WalletLinked(address indexed wallet, bytes32 indexed didHash, string did);
    /// @notice `wallet` withdrew its claim on the DID of hash `didHash`.
    event WalletUnlinked(address indexed wallet, bytes32 indexed didHash);

    error EmptyDid();
    /// @notice `wallet` already claims the DID of hash `didHash`: unlink first.
    error WalletAlreadyLinked(address wallet, bytes32 didHash);
    error WalletNotLinked(address wallet);

    /// @notice The caller claims `did`.
    function link(string calldata did) external {
        if (bytes(did).length == 0) revert EmptyDid();
        bytes32 current = _links[msg.sender];
        if (current != bytes32(0)) revert WalletAlreadyLinked(msg.sender, current);
        bytes32 didHash = keccak256(bytes(did));
        _links[msg.sender] = didHash;
        emit WalletLinked(msg.sender, didHash, did);
    }

    /// @notice The caller withdraws its claim.
    function unlink() external {
        bytes32 current = _links[msg.sender];
        if (current == bytes32(0)) revert WalletNotLinked(msg.sender);
        delete _links[msg.sender];
        emit WalletUnlinked(msg.sender, current);
    }

    /// @notice keccak256 of the DID `wallet` claims, or zero.
    function linkOf(address wallet) external view returns (bytes32 didHash) {
        return _links[wallet];
    }

    /// @notice Whether `wallet` claims exactly `did`.
    function isLinked(address wallet, string calldata did) external view returns (bool) {
        return bytes(did).length != 0 && _links[wallet] == keccak256(bytes(did));
    }
}
