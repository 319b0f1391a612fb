// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @title ProvisionRegistry
 * @notice Compute provisions on chain: who controls each one, its DID, a hash of its metadata, and its state
 * `Started -> Running -> Off`, with `Off -> Running` on restart. Every other move reverts.
 *
 * @dev A provision is keyed by its machine's address. Its provider's wallet (the controller) registers it,
 * with the machine's consent: an EIP-712 `ProvisionRegistration` signed by the machine key (or nothing, when
 * the machine registers itself). Without that consent anyone could squat a machine's address first.
 *
 * A state change is sent by the controller ({changeState}), or signed as EIP-712 typed data by the machine
 * key or the controller and relayed by anyone ({changeStateSigned}). Signatures are checked with
 * OpenZeppelin's {SignatureChecker}: EOAs by ECDSA, contract wallets through ERC-1271. The domain holds the
 * chain id and this contract's address (OpenZeppelin {EIP712}, rebuilt if the chain id changes), the
 * message holds the provision's nonce and a deadline, so a signature is good once, on one chain, for one
 * contract, until its deadline.
 *
 * Gas: controller, state, nonce and last-change time share ONE storage slot, so a relayed change is one
 * warm SSTORE. The nonce is a per-provision uint48 in that slot rather than OpenZeppelin's {Nonces}, whose
 * per-signer counter costs a fresh 22.1k-gas slot on first use and a second slot write on every change.
 * The nonce counts every state change (sent or signed), so a signature applies only to the state it saw.
 */
contract ProvisionRegistry is EIP712 {
    /// @notice Lifecycle of a provision. `None` means not registered.
    enum State {
        None,
        Started,
        Running,
        Off
    }

    /// @dev One slot: 160 + 8 + 48 + 40 bits.
    struct Record {
        address controller;
        State state;
        uint48 nonce;
        uint40 updatedAt;
    }

    /// @notice What {provisionOf} returns.
    struct Provision {
        address controller;
        State state;
        uint48 nonce;
        uint40 updatedAt;
        bytes32 metadataHash;
        string did;
    }

    /// @notice The EIP-712 type of a signed state change.
    string public constant STATE_CHANGE_TYPE =
        "ProvisionStateChange(address machine,uint8 state,uint256 nonce,uint256 deadline)";
    /// @notice keccak256 of {STATE_CHANGE_TYPE}.
    bytes32 public constant STATE_CHANGE_TYPEHASH = keccak256(bytes(STATE_CHANGE_TYPE));

    /// @notice The EIP-712 type of a machine's consent to be registered by `controller`.
    string public constant REGISTRATION_TYPE =
        "ProvisionRegistration(address machine,address controller,string did,bytes32 metadataHash,uint256 deadline)";
    /// @notice keccak256 of {REGISTRATION_TYPE}.
    bytes32 public constant REGISTRATION_TYPEHASH = keccak256(bytes(REGISTRATION_TYPE));

    mapping(address machine => Record) private _records;
    mapping(address machine => bytes32) private _metadataHashes;
    mapping(address machine => string) private _dids;

    /// @notice `controller` registered the provision of `machine`, named `did`, in state `Started`.
    event ProvisionRegistered(address indexed machine, address indexed controller, string did, bytes32 metadataHash);

    /// @notice The provision of `machine` moved `from` -> `to`, on the authority of `by` (controller or machine).
    event ProvisionStateChanged(address indexed machine, State from, State to, address indexed by);

    error ZeroMachine();
    error EmptyDid();
    error ProvisionAlreadyRegistered(address machine);
    error ProvisionNotRegistered(address machine);
    /// @notice `sender` is not the controller of `machine`.
    error UnauthorizedStateChange(address machine, address sender);
    /// @notice The state machine has no move `from` -> `to`.
    error InvalidStateTransition(address machine, State from, State to);
    /// @notice The signature's deadline has passed.
    error ExpiredSignature(uint256 deadline);
    /// @notice The signature is not from the machine (or, for a state change, the controller) for this message.
    error InvalidProvisionSignature(address machine);

    constructor() EIP712("ProvisionRegistry", "1") {}

    /**
     * @notice Registers the provision of `machine`, controlled by the caller, in state `Started`.
     * @param machineSignature The machine's EIP-712 `ProvisionRegistration` consent (ECDSA or ERC-1271);
     * ignored, and may be empty, when the machine itself calls.
     */
    function registerProvision(
        address machine,
        string calldata did,
        bytes32 metadataHash,
        uint256 deadline,
        bytes calldata machineSignature
    ) external {
        if (machine == address(0)) revert ZeroMachine();
        if (bytes(did).length == 0) revert EmptyDid();
        if (_records[machine].state != State.None) revert ProvisionAlreadyRegistered(machine);
        if (msg.sender != machine) {
            if (block.timestamp > deadline) revert ExpiredSignature(deadline);
            bytes32 digest = _hashTypedDataV4(
                keccak256(
                    abi.encode(REGISTRATION_TYPEHASH, machine, msg.sender, keccak256(bytes(did)), metadataHash, deadline)
                )
            );
            if (!SignatureChecker.isValidSignatureNowCalldata(machine, digest, machineSignature)) {
                revert InvalidProvisionSignature(machine);
            }
        }
        _records[machine] = Record({
            controller: msg.sender,
            state: State.Started,
            nonce: 0,
            updatedAt: uint40(block.timestamp)
        });
        _metadataHashes[machine] = metadataHash;
        _dids[machine] = did;
        emit ProvisionRegistered(machine, msg.sender, did, metadataHash);
    }

    /// @notice The controller moves its provision to `to`.
    function changeState(address machine, State to) external {
        Record memory record = _records[machine];
        if (record.state == State.None) revert ProvisionNotRegistered(machine);
        if (msg.sender != record.controller) revert UnauthorizedStateChange(machine, msg.sender);
        _move(machine, record, to, msg.sender);
    }

    /**
     * @notice Anyone relays a state change signed (EIP-712 `ProvisionStateChange`) by the machine or the
     * controller, for the provision's current nonce, before `deadline`.
     */
    function changeStateSigned(address machine, State to, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline);
        Record memory record = _records[machine];
        if (record.state == State.None) revert ProvisionNotRegistered(machine);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(STATE_CHANGE_TYPEHASH, machine, to, uint256(record.nonce), deadline))
        );
        address by;
        if (SignatureChecker.isValidSignatureNowCalldata(machine, digest, signature)) {
            by = machine;
        } else if (SignatureChecker.isValidSignatureNowCalldata(record.controller, digest, signature)) {
            by = record.controller;
        } else {
            revert InvalidProvisionSignature(machine);
        }
        _move(machine, record, to, by);
    }

    /// @notice The provision of `machine`; all zero (state `None`) when not registered.
    function provisionOf(address machine) external view returns (Provision memory) {
        Record memory record = _records[machine];
        return Provision({
            controller: record.controller,
            state: record.state,
            nonce: record.nonce,
            updatedAt: record.updatedAt,
            metadataHash: _metadataHashes[machine],
            did: _dids[machine]
        });
    }

    /// @notice The nonce the next signed state change of `machine` must carry.
    function nonceOf(address machine) external view returns (uint256) {
        return _records[machine].nonce;
    }

    /// @notice The EIP-712 domain separator of this contract on this chain.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Whether the state machine allows `from` -> `to`.
    function isTransitionAllowed(State from, State to) public pure returns (bool) {
        return (to == State.Running && (from == State.Started || from == State.Off))
            || (from == State.Running && to == State.Off);
    }

    function _move(address machine, Record memory record, State to, address by) private {
        State from = record.state;
        if (!isTransitionAllowed(from, to)) revert InvalidStateTransition(machine, from, to);
        record.state = to;
        // A uint48 nonce would take 2^48 changes of one provision to overflow.
        unchecked {
            record.nonce += 1;
        }
        record.updatedAt = uint40(block.timestamp);
        _records[machine] = record;
        emit ProvisionStateChanged(machine, from, to, by);
    }
}
