// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @notice The cheatcodes the Solidity tests use, at the address Hardhat's Solidity test runner (EDR) serves
 * them, as in forge-std's `Vm` (forge-std is not installed here: these few declarations replace it).
 */
interface Vm {
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function chainId(uint256 newChainId) external;
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
    function expectRevert(bytes calldata revertData) external;
    /// @dev The next event emitted must equal the one the test emits right after this call (all topics and data).
    function expectEmit() external;
    function assume(bool condition) external pure;
}

/// @notice A base for the Solidity tests: the cheatcodes, `bound`, and assertions that revert with a message.
abstract contract CheatsTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev `x` mapped into [min, max] (inclusive), uniformly enough for fuzzing.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    function sign(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Private keys from a seed: never 0, always below the secp256k1 order.
    function keyFrom(uint256 seed) internal pure returns (uint256) {
        return bound(seed, 1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140);
    }
}
