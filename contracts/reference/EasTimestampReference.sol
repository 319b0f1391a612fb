// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title EasTimestampReference
 * @notice A baseline for the gas report only: the logic of EAS's `timestamp(bytes32)` (Ethereum Attestation
 * Service, `EAS.sol`), one uint64 per data item, no submitter recorded. `scripts/gas.ts` measures it in the
 * same run as {AnchorRegistry-anchor} so the two figures compare like for like.
 */
contract EasTimestampReference {
    mapping(bytes32 data => uint64 time) private _timestamps;

    event Timestamped(bytes32 indexed data, uint64 indexed timestamp);

    error AlreadyTimestamped();

    function timestamp(bytes32 data) external returns (uint64) {
        if (_timestamps[data] != 0) revert AlreadyTimestamped();
        uint64 time = uint64(block.timestamp);
        _timestamps[data] = time;
        emit Timestamped(data, time);
        return time;
    }

    function getTimestamp(bytes32 data) external view returns (uint64) {
        return _timestamps[data];
    }
}
