// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title AnchorRegistry
 * @notice Records, for each (anchorer, Merkle root), when it was anchored: the block time and number.
 *
 * @dev A batch of did:webvh log entries is a Merkle tree (sorted-pair keccak256, the scheme of
 * OpenZeppelin's {MerkleProof}); its leaves are `keccak256(bytes.concat(keccak256(abi.encode(did, versionId))))`.
 * A publisher anchors the root, and its DID document declares which anchorer addresses count.
 *
 * Records are keyed by submitter AND root, so nobody can block or take over someone else's anchor: a
 * front-runner who anchors the same root first only creates its own record, under its own address, which
 * no DID authorises, and the honest anchor still succeeds and records its own time.
 *
 * One record is one storage slot (two uint64), written once and never overwritten: an anchor costs about
 * as much as EAS's `timestamp(bytes32)`, which records no submitter.
 */
contract AnchorRegistry {
    /// @dev anchorer => root => (uint64 blockNumber << 64 | uint64 timestamp); zero when never anchored.
    mapping(address anchorer => mapping(bytes32 root => uint256 packed)) private _anchors;

    /// @notice `anchorer` anchored `root` in this block.
    event RootAnchored(address indexed anchorer, bytes32 indexed root);

    /// @notice `anchorer` has already anchored `root`; a record is never overwritten.
    error RootAlreadyAnchored(address anchorer, bytes32 root);

    /// @notice The zero root commits to nothing and cannot be anchored.
    error ZeroRoot();

    /**
     * @notice Anchors `root` for the caller, once. Records the block's timestamp and number.
     * @dev Reverts {ZeroRoot} for 0 and {RootAlreadyAnchored} if the caller anchored `root` before.
     */
    function anchor(bytes32 root) external {
        if (root == bytes32(0)) revert ZeroRoot();
        mapping(bytes32 => uint256) storage mine = _anchors[msg.sender];
        if (mine[root] != 0) revert RootAlreadyAnchored(msg.sender, root);
        // block.timestamp and block.number fit in 64 bits for billions of years; the record is never zero
        // because block.number >= 1 for any transaction.
        mine[root] = (uint256(uint64(block.number)) << 64) | uint256(uint64(block.timestamp));
        emit RootAnchored(msg.sender, root);
    }

    /**
     * @notice When `anchorer` anchored `root`: the block timestamp and number, or zeros when never anchored.
     */
    function anchorOf(address anchorer, bytes32 root) external view returns (uint64 timestamp, uint64 blockNumber) {
        uint256 packed = _anchors[anchorer][root];
        return (uint64(packed), uint64(packed >> 64));
    }

    /**
     * @notice True when `root` was anchored by `anchorer` and `proof` shows that `leaf` is in the tree of `root`.
     * @dev Uses {MerkleProof-verifyCalldata} (sorted pairs).
     *
     * WARNING: any node of the tree passes as a `leaf` with the rest of its path as `proof`, inner nodes
     * included. Compute `leaf` with {leafOf} from the entry it stands for (double hashing makes sure no
     * entry hashes to an inner node), or call {verifyEntry}, which does.
     */
    function verifyLeaf(address anchorer, bytes32 root, bytes32[] calldata proof, bytes32 leaf)
        external
        view
        returns (bool)
    {
        return _anchors[anchorer][root] != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /**
     * @notice True when `root` was anchored by `anchorer` and `proof` shows that the log entry `versionId` of
     * `did` is in the tree of `root`.
     */
    function verifyEntry(
        address anchorer,
        bytes32 root,
        bytes32[] calldata proof,
        string calldata did,
        string calldata versionId
    ) external view returns (bool) {
        return _anchors[anchorer][root] != 0
            && MerkleProof.verifyCalldata(proof, root, keccak256(bytes.concat(keccak256(abi.encode(did, versionId)))));
    }

    /**
     * @notice The leaf of a did:webvh log entry: `keccak256(bytes.concat(keccak256(abi.encode(did, versionId))))`.
     */
    function leafOf(string calldata did, string calldata versionId) external pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(did, versionId))));
    }
}
