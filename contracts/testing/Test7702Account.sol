// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title Test7702Account
 * @notice A minimal EIP-7702 delegate for tests: code an EOA delegates to. Running in the EOA's own context,
 * it accepts (ERC-1271) a hash signed by the EOA's key, i.e. by `address(this)`, as 7702 smart accounts do.
 */
contract Test7702Account is IERC1271 {
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == address(this) ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}
