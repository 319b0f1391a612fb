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
 * The controller keeps the provision safe when a key is lost or leaks:
 * - {revokeMachineKey}: the machine's signature is refused from then on (a leaked machine key can no longer
 *   relay changes); the controller's signature and {changeState} still work. Irreversible.
 * - {invalidateNonce}: cancels a signed change not yet relayed.
 * - {transferControl} / {acceptControl}: a two-step change of controller, as OpenZeppelin {Ownable2Step}
 *   (the new controller must accept, so a typo cannot lose the provision).
 * - {updateMetadataHash}: follows a legitimate change of the DID document's `#provision` service.
 *
 * Gas: controller, state, nonce, last-change time and the revocation flag share ONE storage slot, so a
 * relayed change is one warm SSTORE. The nonce is a per-provision uint40 in that slot rather than
 * OpenZeppelin's {Nonces}, whose per-signer counter costs a fresh 22.1k-gas slot on first use and a second
 * slot write on every change. The nonce counts every state change (sent or signed), every revocation,
 * invalidation and accepted transfer of control, so a signature applies only to the state it saw and dies
 * with any of those.
 */
contract ProvisionRegistry is EIP712 {
    /// @notice Lifecycle of a provision. `None` means not registered.
    enum State {
        None,
        Started,
        Running,
        Off
    }

    /// @dev One slot: 160 + 8 + 40 + 40 + 8 bits.
    struct Record {
        address controller;
        State state;
        uint40 nonce;
        uint40 updatedAt;
        bool machineKeyRevoked;
    }

    /// @notice What {provisionOf} returns (`nonce` stays a uint48 in the ABI; it is stored in 40 bits).
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
    mapping(address machine => address) private _pendingControllers;

    /// @notice `controller` registered the provision of `machine`, named `did`, in state `Started`.
    event ProvisionRegistered(address indexed machine, address indexed controller, string did, bytes32 metadataHash);

    /// @notice The provision of `machine` moved `from` -> `to`, on the authority of `by` (controller or machine).
    event ProvisionStateChanged(address indexed machine, State from, State to, address indexed by);

    /// @notice The controller of `machine` revoked its machine key: its signatures are refused from now on.
    event MachineKeyRevoked(address indexed machine, address indexed controller);

    /// @notice The controller of `machine` burnt `nonce`: a change signed for it can no longer be relayed.
    event NonceInvalidated(address indexed machine, uint256 nonce);

    /// @notice `from` (the controller of `machine`) proposed `to` as its next controller; `to` = 0 cancels.
    event ControlTransferStarted(address indexed machine, address indexed from, address indexed to);

    /// @notice `to` accepted the control of `machine` from `from`.
    event ControlTransferred(address indexed machine, address indexed from, address indexed to);

    /// @notice The controller of `machine` replaced its metadata hash.
    event ProvisionMetadataUpdated(address indexed machine, bytes32 metadataHash);

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
    /// @notice `sender` is not the controller of `machine`.
    error CallerNotController(address machine, address sender);
    /// @notice `sender` is not the pending controller of `machine`.
    error CallerNotPendingController(address machine, address sender);
    /// @notice The machine key of `machine` is revoked: it may neither sign changes nor become the controller.
    error RevokedMachineKey(address machine);
    /// @notice The machine key of `machine` was already revoked.
    error MachineKeyAlreadyRevoked(address machine);
    /// @notice `machine` is its own controller: revoke its key after transferring control to another account.
    error MachineIsController(address machine);

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
            updatedAt: uint40(block.timestamp),
            machineKeyRevoked: false
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
     * controller, for the provision's current nonce, before `deadline`. The machine's signature is refused
     * ({RevokedMachineKey}) once its key is revoked.
     */
    function changeStateSigned(address machine, State to, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline);
        Record memory record = _records[machine];
        if (record.state == State.None) revert ProvisionNotRegistered(machine);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(STATE_CHANGE_TYPEHASH, machine, to, uint256(record.nonce), deadline))
        );
        address by;
        if (!record.machineKeyRevoked && SignatureChecker.isValidSignatureNowCalldata(machine, digest, signature)) {
            by = machine;
        } else if (SignatureChecker.isValidSignatureNowCalldata(record.controller, digest, signature)) {
            by = record.controller;
        } else if (record.machineKeyRevoked && SignatureChecker.isValidSignatureNowCalldata(machine, digest, signature)) {
            revert RevokedMachineKey(machine);
        } else {
            revert InvalidProvisionSignature(machine);
        }
        _move(machine, record, to, by);
    }

    /**
     * @notice The controller revokes the machine key of `machine`, for good: {changeStateSigned} refuses its
     * signatures from now on, and the nonce moves on (a signature already given dies). The controller's own
     * signatures and {changeState} keep working. The key cannot come back as the controller either.
     * @dev Reverts {MachineIsController} when the machine controls itself (its key is the controller's key:
     * transfer control first) and {MachineKeyAlreadyRevoked} the second time.
     */
    function revokeMachineKey(address machine) external {
        Record memory record = _controlledBySender(machine);
        if (record.machineKeyRevoked) revert MachineKeyAlreadyRevoked(machine);
        if (record.controller == machine) revert MachineIsController(machine);
        record.machineKeyRevoked = true;
        _burnNonce(machine, record);
        emit MachineKeyRevoked(machine, msg.sender);
    }

    /// @notice The controller burns the current nonce of `machine`: a signed change not yet relayed is cancelled.
    function invalidateNonce(address machine) external {
        Record memory record = _controlledBySender(machine);
        uint256 burnt = record.nonce;
        _burnNonce(machine, record);
        emit NonceInvalidated(machine, burnt);
    }

    /**
     * @notice The controller proposes `newController` as the controller of `machine`; it takes over when it
     * calls {acceptControl}. A new proposal replaces the pending one; `address(0)` cancels it.
     * @dev Reverts {RevokedMachineKey} when `newController` is the machine and its key is revoked.
     */
    function transferControl(address machine, address newController) external {
        Record memory record = _controlledBySender(machine);
        if (newController == machine && record.machineKeyRevoked) revert RevokedMachineKey(machine);
        _pendingControllers[machine] = newController;
        emit ControlTransferStarted(machine, msg.sender, newController);
    }

    /**
     * @notice The pending controller of `machine` takes control. The pending proposal is cleared and the
     * nonce moves on, so the former controller's signed changes die with its control.
     */
    function acceptControl(address machine) external {
        address pending = _pendingControllers[machine];
        // Nothing pending is never accepted, not even by a zero sender (which would then "control" an
        // unregistered machine).
        if (pending != msg.sender || pending == address(0)) revert CallerNotPendingController(machine, msg.sender);
        Record memory record = _records[machine];
        // The machine was proposed before its key was revoked.
        if (msg.sender == machine && record.machineKeyRevoked) revert RevokedMachineKey(machine);
        address from = record.controller;
        delete _pendingControllers[machine];
        record.controller = msg.sender;
        _burnNonce(machine, record);
        emit ControlTransferred(machine, from, msg.sender);
    }

    /// @notice The controller replaces the metadata hash of `machine` (after changing its DID document).
    function updateMetadataHash(address machine, bytes32 metadataHash) external {
        _controlledBySender(machine);
        _metadataHashes[machine] = metadataHash;
        emit ProvisionMetadataUpdated(machine, metadataHash);
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

    /// @notice Whether the controller revoked the machine key of `machine` ({revokeMachineKey}).
    function isMachineKeyRevoked(address machine) external view returns (bool) {
        return _records[machine].machineKeyRevoked;
    }

    /// @notice The account proposed by {transferControl} that may {acceptControl}; zero when none.
    function pendingControllerOf(address machine) external view returns (address) {
        return _pendingControllers[machine];
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

    /// @dev The record of a registered `machine` whose controller is the caller; reverts otherwise.
    function _controlledBySender(address machine) private view returns (Record memory record) {
        record = _records[machine];
        if (record.state == State.None) revert ProvisionNotRegistered(machine);
        if (msg.sender != record.controller) revert CallerNotController(machine, msg.sender);
    }

    function _burnNonce(address machine, Record memory record) private {
        // A uint40 nonce would take 2^40 changes of one provision to overflow.
        unchecked {
            record.nonce += 1;
        }
        _records[machine] = record;
    }

    function _move(address machine, Record memory record, State to, address by) private {
        State from = record.state;
        if (!isTransitionAllowed(from, to)) revert InvalidStateTransition(machine, from, to);
        record.state = to;
        // A uint40 nonce would take 2^40 changes of one provision to overflow.
        unchecked {
            record.nonce += 1;
        }
        record.updatedAt = uint40(block.timestamp);
        _records[machine] = record;
        emit ProvisionStateChanged(machine, from, to, by);
    }
}
