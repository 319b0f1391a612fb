// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProvisionRegistry} from "./ProvisionRegistry.sol";
import {TestERC1271Wallet} from "./testing/TestERC1271Wallet.sol";
import {CheatsTest} from "./testing/Cheats.sol";

/// EIP-712 messages of the registry, built independently of it (from the type strings).
abstract contract ProvisionSigning is CheatsTest {
    bytes32 internal constant CHANGE_TYPEHASH =
        keccak256("ProvisionStateChange(address machine,uint8 state,uint256 nonce,uint256 deadline)");
    bytes32 internal constant REGISTRATION_TYPEHASH = keccak256(
        "ProvisionRegistration(address machine,address controller,string did,bytes32 metadataHash,uint256 deadline)"
    );

    function domainOf(ProvisionRegistry registry) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("ProvisionRegistry"),
                keccak256("1"),
                block.chainid,
                address(registry)
            )
        );
    }

    function changeDigest(ProvisionRegistry registry, address machine, ProvisionRegistry.State to, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(CHANGE_TYPEHASH, machine, uint8(to), nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", domainOf(registry), structHash));
    }

    function registrationDigest(
        ProvisionRegistry registry,
        address machine,
        address controller,
        string memory did,
        bytes32 metadataHash,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32 structHash =
            keccak256(abi.encode(REGISTRATION_TYPEHASH, machine, controller, keccak256(bytes(did)), metadataHash, deadline));
        return keccak256(abi.encodePacked("\x19\x01", domainOf(registry), structHash));
    }
}

contract ProvisionRegistryTest is ProvisionSigning {
    ProvisionRegistry private registry;
    uint256 private constant MACHINE_KEY = 0xA11CE;
    address private machine;
    address private constant CONTROLLER = address(0xC0);
    string private constant DID = "did:webvh:QmScid:example.com:p-1";
    bytes32 private constant META = keccak256("metadata");
    uint256 private constant DEADLINE = 2_000_000_000;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new ProvisionRegistry();
        machine = vm.addr(MACHINE_KEY);
        bytes memory consent = sign(MACHINE_KEY, registrationDigest(registry, machine, CONTROLLER, DID, META, DEADLINE));
        vm.prank(CONTROLLER);
        registry.registerProvision(machine, DID, META, DEADLINE, consent);
    }

    function state() private view returns (ProvisionRegistry.State) {
        return registry.provisionOf(machine).state;
    }

    function signedChange(uint256 key, ProvisionRegistry.State to, uint256 deadline) private view returns (bytes memory) {
        return sign(key, changeDigest(registry, machine, to, registry.nonceOf(machine), deadline));
    }

    function test_registered() public view {
        ProvisionRegistry.Provision memory p = registry.provisionOf(machine);
        require(p.controller == CONTROLLER, "controller");
        require(p.state == ProvisionRegistry.State.Started, "started");
        require(p.nonce == 0 && p.updatedAt == 1_700_000_000, "nonce, time");
        require(p.metadataHash == META && keccak256(bytes(p.did)) == keccak256(bytes(DID)), "metadata, did");
        require(registry.STATE_CHANGE_TYPEHASH() == CHANGE_TYPEHASH, "typehash");
        require(registry.domainSeparator() == domainOf(registry), "domain");
    }

    function test_registerTwiceReverts() public {
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.ProvisionAlreadyRegistered.selector, machine));
        vm.prank(machine);
        registry.registerProvision(machine, DID, META, 0, "");
    }

    function testFuzz_machineRegistersItselfWithoutSignature(uint256 key) public {
        address m = vm.addr(keyFrom(key));
        vm.assume(m != machine);
        vm.prank(m);
        registry.registerProvision(m, DID, META, 0, "");
        require(registry.provisionOf(m).controller == m, "self-controlled");
    }

    /// A squatter cannot register someone's machine without the machine's consent, nor reuse the consent the
    /// machine gave to its real controller.
    function testFuzz_squatterCannotRegister(address squatter, uint256 key) public {
        uint256 machineKey = keyFrom(key);
        address m = vm.addr(machineKey);
        vm.assume(m != machine && squatter != m && squatter != CONTROLLER);
        bytes memory consentForController =
            sign(machineKey, registrationDigest(registry, m, CONTROLLER, DID, META, DEADLINE));
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, m));
        vm.prank(squatter);
        registry.registerProvision(m, DID, META, DEADLINE, consentForController);
        // The consent does not carry over to another DID either.
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, m));
        vm.prank(CONTROLLER);
        registry.registerProvision(m, "did:webvh:other", META, DEADLINE, consentForController);
        vm.prank(CONTROLLER);
        registry.registerProvision(m, DID, META, DEADLINE, consentForController);
    }

    function test_lifecycleByController() public {
        vm.startPrank(CONTROLLER);
        registry.changeState(machine, ProvisionRegistry.State.Running);
        registry.changeState(machine, ProvisionRegistry.State.Off);
        registry.changeState(machine, ProvisionRegistry.State.Running);
        vm.stopPrank();
        require(state() == ProvisionRegistry.State.Running, "running");
        require(registry.nonceOf(machine) == 3, "nonce counts changes");
    }

    /// Walk a random path through the state machine, then try a random move: it succeeds exactly when the
    /// state machine allows it, and otherwise reverts with InvalidStateTransition(from, to).
    function testFuzz_onlyStateMachineMoves(uint8 steps, uint8 rawTo) public {
        ProvisionRegistry.State[3] memory path =
            [ProvisionRegistry.State.Running, ProvisionRegistry.State.Off, ProvisionRegistry.State.Running];
        vm.startPrank(CONTROLLER);
        for (uint256 i = 0; i < steps % 4; i++) registry.changeState(machine, path[i]);
        ProvisionRegistry.State from = state();
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        bool allowed = (from == ProvisionRegistry.State.Started && to == ProvisionRegistry.State.Running)
            || (from == ProvisionRegistry.State.Running && to == ProvisionRegistry.State.Off)
            || (from == ProvisionRegistry.State.Off && to == ProvisionRegistry.State.Running);
        require(registry.isTransitionAllowed(from, to) == allowed, "isTransitionAllowed");
        if (!allowed) {
            vm.expectRevert(
                abi.encodeWithSelector(ProvisionRegistry.InvalidStateTransition.selector, machine, from, to)
            );
        }
        registry.changeState(machine, to);
        vm.stopPrank();
        require(state() == (allowed ? to : from), "state");
    }

    function testFuzz_strangerCannotChange(address stranger) public {
        vm.assume(stranger != CONTROLLER);
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.UnauthorizedStateChange.selector, machine, stranger));
        vm.prank(stranger);
        registry.changeState(machine, ProvisionRegistry.State.Running);
    }

    function testFuzz_machineSignatureRelayedByAnyone(address relayer) public {
        bytes memory sig = signedChange(MACHINE_KEY, ProvisionRegistry.State.Running, DEADLINE);
        vm.prank(relayer);
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, sig);
        require(state() == ProvisionRegistry.State.Running, "running");
        require(registry.nonceOf(machine) == 1, "nonce");
    }

    function testFuzz_strangerSignatureRejected(uint256 key) public {
        uint256 strangerKey = keyFrom(key);
        vm.assume(strangerKey != MACHINE_KEY);
        bytes memory sig = signedChange(strangerKey, ProvisionRegistry.State.Running, DEADLINE);
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, machine));
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, sig);
    }

    function test_signatureNotReplayed() public {
        bytes memory toRunning = signedChange(MACHINE_KEY, ProvisionRegistry.State.Running, DEADLINE);
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, toRunning);
        registry.changeStateSigned(
            machine, ProvisionRegistry.State.Off, DEADLINE, signedChange(MACHINE_KEY, ProvisionRegistry.State.Off, DEADLINE)
        );
        // Off -> Running is a legal move, but this signature was for nonce 0: replaying it fails.
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, machine));
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, toRunning);
    }

    function test_signatureNotValidOnAnotherContract() public {
        ProvisionRegistry other = new ProvisionRegistry();
        vm.prank(machine);
        other.registerProvision(machine, DID, META, 0, "");
        bytes memory sigForOther =
            sign(MACHINE_KEY, changeDigest(other, machine, ProvisionRegistry.State.Running, 0, DEADLINE));
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, machine));
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, sigForOther);
        other.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, sigForOther);
    }

    function testFuzz_signatureNotValidOnAnotherChain(uint64 otherChain) public {
        vm.assume(otherChain != block.chainid && otherChain != 0);
        bytes memory sig = signedChange(MACHINE_KEY, ProvisionRegistry.State.Running, DEADLINE);
        uint256 home = block.chainid;
        vm.chainId(otherChain);
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, machine));
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, sig);
        vm.chainId(home);
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, DEADLINE, sig);
    }

    function testFuzz_expiredSignatureRejected(uint64 deadline, uint64 lateBy) public {
        deadline = uint64(bound(deadline, block.timestamp, type(uint40).max));
        bytes memory sig = signedChange(MACHINE_KEY, ProvisionRegistry.State.Running, deadline);
        vm.warp(uint256(deadline) + bound(lateBy, 1, type(uint32).max));
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.ExpiredSignature.selector, uint256(deadline)));
        registry.changeStateSigned(machine, ProvisionRegistry.State.Running, deadline, sig);
    }

    /// The machine's registration consent expires: one second after its deadline it is refused, at the
    /// deadline it is accepted.
    function testFuzz_expiredRegistrationConsentRejected(uint256 key, uint64 deadline, uint64 lateBy) public {
        uint256 machineKey = keyFrom(key);
        address m = vm.addr(machineKey);
        vm.assume(m != machine && m != CONTROLLER);
        deadline = uint64(bound(deadline, block.timestamp, type(uint40).max));
        bytes memory consent = sign(machineKey, registrationDigest(registry, m, CONTROLLER, DID, META, deadline));
        vm.warp(uint256(deadline) + bound(lateBy, 1, type(uint32).max));
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.ExpiredSignature.selector, uint256(deadline)));
        vm.prank(CONTROLLER);
        registry.registerProvision(m, DID, META, deadline, consent);
        vm.warp(deadline);
        vm.prank(CONTROLLER);
        registry.registerProvision(m, DID, META, deadline, consent);
        require(registry.provisionOf(m).controller == CONTROLLER, "registered at the deadline");
    }

    function test_controllerMaySignToo() public {
        uint256 controllerKey = 0xB0B;
        address controller = vm.addr(controllerKey);
        ProvisionRegistry r = new ProvisionRegistry();
        uint256 mKey = 0xD00D;
        address m2 = vm.addr(mKey);
        bytes memory consent = sign(mKey, registrationDigest(r, m2, controller, DID, META, DEADLINE));
        vm.prank(controller);
        r.registerProvision(m2, DID, META, DEADLINE, consent);
        bytes memory sig = sign(controllerKey, changeDigest(r, m2, ProvisionRegistry.State.Running, 0, DEADLINE));
        r.changeStateSigned(m2, ProvisionRegistry.State.Running, DEADLINE, sig);
        require(r.provisionOf(m2).state == ProvisionRegistry.State.Running, "running");
    }

    /// A contract wallet as the machine: it consents and signs through ERC-1271.
    function test_erc1271MachineWallet() public {
        uint256 ownerKey = 0xE0A;
        TestERC1271Wallet wallet = new TestERC1271Wallet(vm.addr(ownerKey));
        address m = address(wallet);
        bytes memory consent = sign(ownerKey, registrationDigest(registry, m, CONTROLLER, DID, META, DEADLINE));
        vm.prank(CONTROLLER);
        registry.registerProvision(m, DID, META, DEADLINE, consent);
        bytes memory sig = sign(ownerKey, changeDigest(registry, m, ProvisionRegistry.State.Running, 0, DEADLINE));
        registry.changeStateSigned(m, ProvisionRegistry.State.Running, DEADLINE, sig);
        require(registry.provisionOf(m).state == ProvisionRegistry.State.Running, "running");
        bytes memory wrong = sign(0xBAD, changeDigest(registry, m, ProvisionRegistry.State.Off, 1, DEADLINE));
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, m));
        registry.changeStateSigned(m, ProvisionRegistry.State.Off, DEADLINE, wrong);
    }
}

/// Revocation, nonce invalidation, two-step control transfer and metadata updates, with a controller that has
/// a key (so it signs too).
contract ProvisionControlTest is ProvisionSigning {
    ProvisionRegistry private registry;
    uint256 private constant MACHINE_KEY = 0xA11CE;
    uint256 private constant CONTROLLER_KEY = 0xB0B;
    uint256 private constant NEXT_KEY = 0xCAFE;
    address private machine;
    address private controller;
    address private next;
    string private constant DID = "did:webvh:QmScid:example.com:p-1";
    bytes32 private constant META = keccak256("metadata");
    uint256 private constant DEADLINE = 2_000_000_000;
    ProvisionRegistry.State private constant RUNNING = ProvisionRegistry.State.Running;
    ProvisionRegistry.State private constant OFF = ProvisionRegistry.State.Off;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new ProvisionRegistry();
        machine = vm.addr(MACHINE_KEY);
        controller = vm.addr(CONTROLLER_KEY);
        next = vm.addr(NEXT_KEY);
        bytes memory consent = sign(MACHINE_KEY, registrationDigest(registry, machine, controller, DID, META, DEADLINE));
        vm.prank(controller);
        registry.registerProvision(machine, DID, META, DEADLINE, consent);
    }

    function signedChange(uint256 key, ProvisionRegistry.State to) private view returns (bytes memory) {
        return sign(key, changeDigest(registry, machine, to, registry.nonceOf(machine), DEADLINE));
    }

    function state() private view returns (ProvisionRegistry.State) {
        return registry.provisionOf(machine).state;
    }

    function expectRevert(bytes4 selector, address a) private {
        vm.expectRevert(abi.encodeWithSelector(selector, a));
    }

    function expectNotController(address sender) private {
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.CallerNotController.selector, machine, sender));
    }

    // ---- revokeMachineKey ----

    function test_revokeMachineKey() public {
        bytes memory pending = signedChange(MACHINE_KEY, RUNNING);
        vm.expectEmit();
        emit ProvisionRegistry.MachineKeyRevoked(machine, controller);
        vm.prank(controller);
        registry.revokeMachineKey(machine);
        require(registry.isMachineKeyRevoked(machine), "revoked");
        require(registry.nonceOf(machine) == 1, "nonce burnt");
        require(state() == ProvisionRegistry.State.Started, "state unchanged");
        // The signature given before the revocation is dead (the nonce moved on) ...
        expectRevert(ProvisionRegistry.InvalidProvisionSignature.selector, machine);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, pending);
        // ... and a fresh one from the machine key is refused as revoked.
        bytes memory fresh = signedChange(MACHINE_KEY, RUNNING);
        expectRevert(ProvisionRegistry.RevokedMachineKey.selector, machine);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, fresh);
        // The controller's signature still works, relayed by anyone, and so does changeState.
        bytes memory byController = signedChange(CONTROLLER_KEY, RUNNING);
        vm.expectEmit();
        emit ProvisionRegistry.ProvisionStateChanged(machine, ProvisionRegistry.State.Started, RUNNING, controller);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, byController);
        vm.prank(controller);
        registry.changeState(machine, OFF);
        require(state() == OFF && registry.nonceOf(machine) == 3, "controller still acts");
    }

    /// Whatever the moment and the target, a revoked machine key moves nothing.
    function testFuzz_revokedMachineSignatureRefused(uint8 steps, uint8 rawTo, address relayer) public {
        ProvisionRegistry.State[3] memory path = [RUNNING, OFF, RUNNING];
        vm.startPrank(controller);
        for (uint256 i = 0; i < steps % 4; i++) registry.changeState(machine, path[i]);
        registry.revokeMachineKey(machine);
        vm.stopPrank();
        ProvisionRegistry.State before = state();
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        bytes memory sig = signedChange(MACHINE_KEY, to);
        expectRevert(ProvisionRegistry.RevokedMachineKey.selector, machine);
        vm.prank(relayer);
        registry.changeStateSigned(machine, to, DEADLINE, sig);
        require(state() == before, "state unchanged");
    }

    function testFuzz_onlyControllerRevokes(address stranger) public {
        vm.assume(stranger != controller);
        expectNotController(stranger);
        vm.prank(stranger);
        registry.revokeMachineKey(machine);
        require(!registry.isMachineKeyRevoked(machine), "not revoked");
    }

    function test_revokeRefusals() public {
        address unregistered = vm.addr(0xD00D);
        expectRevert(ProvisionRegistry.ProvisionNotRegistered.selector, unregistered);
        vm.prank(controller);
        registry.revokeMachineKey(unregistered);
        vm.startPrank(controller);
        registry.revokeMachineKey(machine);
        expectRevert(ProvisionRegistry.MachineKeyAlreadyRevoked.selector, machine);
        registry.revokeMachineKey(machine);
        vm.stopPrank();
        // A self-controlled machine: its key is the controller's, revoking it would mean nothing.
        address self = vm.addr(0xD00D);
        vm.startPrank(self);
        registry.registerProvision(self, DID, META, 0, "");
        expectRevert(ProvisionRegistry.MachineIsController.selector, self);
        registry.revokeMachineKey(self);
        vm.stopPrank();
    }

    /// The machine's own `msg.sender == machine` path: after revocation it can neither re-register (already
    /// registered), nor act as the controller, nor become it.
    function test_revokedMachineCannotRegisterOrTakeControl() public {
        vm.prank(controller);
        registry.transferControl(machine, machine); // proposed before the revocation
        vm.prank(controller);
        registry.revokeMachineKey(machine);
        expectRevert(ProvisionRegistry.ProvisionAlreadyRegistered.selector, machine);
        vm.prank(machine);
        registry.registerProvision(machine, DID, META, 0, "");
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.UnauthorizedStateChange.selector, machine, machine));
        vm.prank(machine);
        registry.changeState(machine, RUNNING);
        expectRevert(ProvisionRegistry.RevokedMachineKey.selector, machine);
        vm.prank(machine);
        registry.acceptControl(machine);
        expectRevert(ProvisionRegistry.RevokedMachineKey.selector, machine);
        vm.prank(controller);
        registry.transferControl(machine, machine);
        require(registry.provisionOf(machine).controller == controller, "controller kept");
    }

    // ---- invalidateNonce ----

    function test_invalidateNonceCancelsAPendingSignature() public {
        bytes memory byMachine = signedChange(MACHINE_KEY, RUNNING);
        bytes memory byController = signedChange(CONTROLLER_KEY, RUNNING);
        vm.expectEmit();
        emit ProvisionRegistry.NonceInvalidated(machine, 0);
        vm.prank(controller);
        registry.invalidateNonce(machine);
        require(registry.nonceOf(machine) == 1, "nonce");
        expectRevert(ProvisionRegistry.InvalidProvisionSignature.selector, machine);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, byMachine);
        expectRevert(ProvisionRegistry.InvalidProvisionSignature.selector, machine);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, byController);
        // A signature for the new nonce works: the machine key is not revoked.
        bytes memory fresh = signedChange(MACHINE_KEY, RUNNING);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, fresh);
        require(state() == RUNNING && registry.nonceOf(machine) == 2, "moved");
    }

    function testFuzz_onlyControllerInvalidates(address stranger, uint8 times) public {
        vm.assume(stranger != controller);
        expectNotController(stranger);
        vm.prank(stranger);
        registry.invalidateNonce(machine);
        vm.startPrank(controller);
        for (uint256 i = 0; i < times % 8; i++) registry.invalidateNonce(machine);
        vm.stopPrank();
        require(registry.nonceOf(machine) == times % 8, "each call burns one nonce");
        require(!registry.isMachineKeyRevoked(machine) && state() == ProvisionRegistry.State.Started, "nothing else");
    }

    // ---- transferControl / acceptControl ----

    function test_twoStepTransfer() public {
        bytes memory oldControllers = signedChange(CONTROLLER_KEY, RUNNING);
        vm.expectEmit();
        emit ProvisionRegistry.ControlTransferStarted(machine, controller, next);
        vm.prank(controller);
        registry.transferControl(machine, next);
        require(registry.pendingControllerOf(machine) == next, "pending");
        require(registry.provisionOf(machine).controller == controller, "not before acceptance");
        require(registry.nonceOf(machine) == 0, "proposal burns no nonce");
        vm.expectEmit();
        emit ProvisionRegistry.ControlTransferred(machine, controller, next);
        vm.prank(next);
        registry.acceptControl(machine);
        require(registry.provisionOf(machine).controller == next, "controller");
        require(registry.pendingControllerOf(machine) == address(0), "pending cleared");
        require(registry.nonceOf(machine) == 1, "nonce burnt");
        // The old controller's pending signature dies, and it lost every power.
        expectRevert(ProvisionRegistry.InvalidProvisionSignature.selector, machine);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, oldControllers);
        bytes memory oldControllersFresh = signedChange(CONTROLLER_KEY, RUNNING);
        expectRevert(ProvisionRegistry.InvalidProvisionSignature.selector, machine);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, oldControllersFresh);
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.UnauthorizedStateChange.selector, machine, controller));
        vm.prank(controller);
        registry.changeState(machine, RUNNING);
        expectNotController(controller);
        vm.prank(controller);
        registry.invalidateNonce(machine);
        // The new controller acts, by transaction and by signature; the machine key still signs.
        vm.prank(next);
        registry.changeState(machine, RUNNING);
        bytes memory byNext = signedChange(NEXT_KEY, OFF);
        registry.changeStateSigned(machine, OFF, DEADLINE, byNext);
        bytes memory byMachine = signedChange(MACHINE_KEY, RUNNING);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, byMachine);
        require(state() == RUNNING, "running");
        // Accepting twice is not possible.
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.CallerNotPendingController.selector, machine, next));
        vm.prank(next);
        registry.acceptControl(machine);
    }

    function testFuzz_onlyPendingControllerAccepts(address stranger) public {
        vm.assume(stranger != next);
        vm.prank(controller);
        registry.transferControl(machine, next);
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.CallerNotPendingController.selector, machine, stranger));
        vm.prank(stranger);
        registry.acceptControl(machine);
        require(registry.provisionOf(machine).controller == controller, "controller kept");
        require(registry.pendingControllerOf(machine) == next, "proposal kept");
    }

    function testFuzz_onlyControllerTransfers(address stranger) public {
        vm.assume(stranger != controller);
        expectNotController(stranger);
        vm.prank(stranger);
        registry.transferControl(machine, stranger);
        require(registry.pendingControllerOf(machine) == address(0), "nothing pending");
    }

    function test_transferCancelledOrReplaced() public {
        vm.startPrank(controller);
        registry.transferControl(machine, next);
        vm.expectEmit();
        emit ProvisionRegistry.ControlTransferStarted(machine, controller, address(0));
        registry.transferControl(machine, address(0));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.CallerNotPendingController.selector, machine, next));
        vm.prank(next);
        registry.acceptControl(machine);
        address other = address(0x0123);
        vm.startPrank(controller);
        registry.transferControl(machine, next);
        registry.transferControl(machine, other);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.CallerNotPendingController.selector, machine, next));
        vm.prank(next);
        registry.acceptControl(machine);
        vm.prank(other);
        registry.acceptControl(machine);
        require(registry.provisionOf(machine).controller == other, "the last proposal wins");
        // Nobody (not even address(0)'s impersonator) accepts control of an unregistered machine.
        address unregistered = vm.addr(0xD00D);
        vm.expectRevert(abi.encodeWithSelector(ProvisionRegistry.CallerNotPendingController.selector, unregistered, address(0)));
        vm.prank(address(0));
        registry.acceptControl(unregistered);
    }

    /// A contract wallet takes control (accepts through its own call) and signs changes by ERC-1271.
    function test_erc1271WalletTakesControl() public {
        uint256 ownerKey = 0xE0A;
        TestERC1271Wallet wallet = new TestERC1271Wallet(vm.addr(ownerKey));
        vm.prank(controller);
        registry.transferControl(machine, address(wallet));
        vm.prank(vm.addr(ownerKey));
        wallet.execute(address(registry), abi.encodeCall(ProvisionRegistry.acceptControl, (machine)));
        require(registry.provisionOf(machine).controller == address(wallet), "wallet controls");
        vm.prank(vm.addr(ownerKey));
        wallet.execute(address(registry), abi.encodeCall(ProvisionRegistry.revokeMachineKey, (machine)));
        bytes memory byWallet = signedChange(ownerKey, RUNNING);
        registry.changeStateSigned(machine, RUNNING, DEADLINE, byWallet);
        require(state() == RUNNING, "wallet's ERC-1271 signature accepted");
    }

    // ---- updateMetadataHash ----

    function testFuzz_updateMetadataHash(bytes32 metadataHash, address stranger) public {
        vm.assume(stranger != controller);
        expectNotController(stranger);
        vm.prank(stranger);
        registry.updateMetadataHash(machine, metadataHash);
        vm.expectEmit();
        emit ProvisionRegistry.ProvisionMetadataUpdated(machine, metadataHash);
        vm.prank(controller);
        registry.updateMetadataHash(machine, metadataHash);
        ProvisionRegistry.Provision memory p = registry.provisionOf(machine);
        require(p.metadataHash == metadataHash, "updated");
        require(p.nonce == 0 && p.state == ProvisionRegistry.State.Started && p.controller == controller, "nothing else");
        address unregistered = vm.addr(0xD00D);
        expectRevert(ProvisionRegistry.ProvisionNotRegistered.selector, unregistered);
        vm.prank(controller);
        registry.updateMetadataHash(unregistered, metadataHash);
    }
}

/**
 * Drives one provision for the invariant test. Its actors act at random: the controller (an EOA with a key at
 * first; control moves by two-step transfers among two EOAs, an ERC-1271 wallet and the machine itself), the
 * machine key (revoked at some point in many runs) and an attacker. Every admin call is sent by a random actor,
 * so former controllers and strangers try them too.
 *
 * The handler checks each call's outcome against its ghost model (with require: a revert fails the run), except
 * for the two properties the invariants check themselves: who controls the provision (the ghost controller
 * changes only when the proposed address accepts) and moves by a revoked machine key (counted, never allowed).
 */
contract ProvisionHandler is ProvisionSigning {
    ProvisionRegistry public immutable registry;
    uint256 private constant MACHINE_KEY = 0xA11CE;
    uint256 private constant CONTROLLER_KEY = 0xB0B;
    uint256 private constant NEXT_KEY = 0xCAFE;
    uint256 private constant WALLET_OWNER_KEY = 0xE0A;
    uint256 private constant ATTACKER_KEY = 0xBADBAD;
    address public immutable machine;
    address public immutable firstController;
    address private constant ATTACKER = address(0xBAD);
    TestERC1271Wallet public immutable wallet;

    /// Who may be proposed or try to act: the first controller, a second EOA, the wallet, the machine, the attacker.
    address[5] private actors;

    /// Ghost state: what the registry must hold if only authorised, legal moves happened.
    ProvisionRegistry.State public expectedState = ProvisionRegistry.State.Started;
    uint256 public expectedNonce;
    address public expectedController;
    address public expectedPending;
    bool public expectedRevoked;
    bytes32 public expectedMetadataHash;
    /// State changes accepted on a revoked machine key's signature (must stay 0).
    uint256 public revokedKeyMoves;

    struct Signed {
        bytes signature;
        ProvisionRegistry.State to;
        uint256 deadline;
        uint256 key;
    }

    Signed[] private used;

    constructor(ProvisionRegistry registry_) {
        registry = registry_;
        machine = vm.addr(MACHINE_KEY);
        firstController = vm.addr(CONTROLLER_KEY);
        wallet = new TestERC1271Wallet(vm.addr(WALLET_OWNER_KEY));
        actors = [firstController, vm.addr(NEXT_KEY), address(wallet), machine, ATTACKER];
        expectedController = firstController;
        string memory did = "did:webvh:QmScid:example.com:p-1";
        bytes memory consent =
            sign(MACHINE_KEY, registrationDigest(registry_, machine, firstController, did, bytes32(0), type(uint40).max));
        vm.prank(firstController);
        registry_.registerProvision(machine, did, bytes32(0), type(uint40).max, consent);
    }

    function actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }

    /// The key that signs for `account` (the wallet's owner key signs for the wallet, by ERC-1271).
    function keyOf(address account) private view returns (uint256) {
        if (account == machine) return MACHINE_KEY;
        if (account == firstController) return CONTROLLER_KEY;
        if (account == actors[1]) return NEXT_KEY;
        if (account == address(wallet)) return WALLET_OWNER_KEY;
        return ATTACKER_KEY;
    }

    function allowed(ProvisionRegistry.State from, ProvisionRegistry.State to) private pure returns (bool) {
        return (from == ProvisionRegistry.State.Started && to == ProvisionRegistry.State.Running)
            || (from == ProvisionRegistry.State.Running && to == ProvisionRegistry.State.Off)
            || (from == ProvisionRegistry.State.Off && to == ProvisionRegistry.State.Running);
    }

    function expectOutcome(bool ok, bytes memory reason, ProvisionRegistry.State to, bytes memory expectedError) private {
        if (ok) {
            require(expectedError.length == 0, "change accepted that must revert");
            expectedState = to;
            expectedNonce += 1;
        } else {
            require(expectedError.length != 0, "legal change reverted");
            require(keccak256(reason) == keccak256(expectedError), "wrong revert");
        }
    }

    function expectRevert(bool ok, bytes memory reason, bytes memory expectedError) private pure {
        require(!ok, "call accepted that must revert");
        require(keccak256(reason) == keccak256(expectedError), "wrong revert");
    }

    function transitionError(ProvisionRegistry.State to) private view returns (bytes memory) {
        return allowed(expectedState, to)
            ? bytes("")
            : abi.encodeWithSelector(ProvisionRegistry.InvalidStateTransition.selector, machine, expectedState, to);
    }

    function notController(address sender) private view returns (bytes memory) {
        return abi.encodeWithSelector(ProvisionRegistry.CallerNotController.selector, machine, sender);
    }

    /// A random actor sends a change: only the controller's is accepted (when the move is legal).
    function sendChange(uint8 rawTo, uint8 who) external {
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        address sender = who % 2 == 0 ? expectedController : actor(who);
        vm.prank(sender);
        try registry.changeState(machine, to) {
            expectOutcome(true, "", to, sender == expectedController ? transitionError(to) : bytes("unauthorised"));
        } catch (bytes memory reason) {
            expectOutcome(
                false,
                reason,
                to,
                sender == expectedController
                    ? transitionError(to)
                    : abi.encodeWithSelector(ProvisionRegistry.UnauthorizedStateChange.selector, machine, sender)
            );
        }
    }

    function relay(uint256 key, ProvisionRegistry.State to, uint32 validFor, address relayer)
        private
        returns (bool ok, bytes memory reason)
    {
        uint256 deadline = block.timestamp + validFor;
        bytes memory sig = sign(key, changeDigest(registry, machine, to, expectedNonce, deadline));
        used.push(Signed(sig, to, deadline, key));
        vm.prank(relayer);
        try registry.changeStateSigned(machine, to, deadline, sig) {
            return (true, "");
        } catch (bytes memory r) {
            return (false, r);
        }
    }

    /// The machine key signs a change and anyone relays it: refused once the key is revoked.
    function machineSigns(uint8 rawTo, uint32 validFor, address relayer) external {
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        (bool ok, bytes memory reason) = relay(MACHINE_KEY, to, validFor, relayer);
        if (expectedRevoked) {
            // Counted, not required: invariant_revokedMachineKeyMovesNothing fails on it.
            if (ok) revokedKeyMoves += 1;
            else expectRevert(ok, reason, abi.encodeWithSelector(ProvisionRegistry.RevokedMachineKey.selector, machine));
        } else {
            expectOutcome(ok, reason, to, transitionError(to));
        }
    }

    /// The current controller (an EOA, the ERC-1271 wallet or the machine) signs a change; anyone relays it.
    function controllerSigns(uint8 rawTo, uint32 validFor, address relayer) external {
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        (bool ok, bytes memory reason) = relay(keyOf(expectedController), to, validFor, relayer);
        expectOutcome(ok, reason, to, transitionError(to));
    }

    /// A former controller or a stranger signs: refused (unless it is the machine, whose key is not revoked).
    function otherSigns(uint8 rawTo, uint8 who) external {
        address signer = actor(who);
        if (signer == expectedController || signer == machine) return;
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        (bool ok, bytes memory reason) = relay(keyOf(signer), to, 1 days, ATTACKER);
        expectRevert(ok, reason, abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, machine));
    }

    /// Replays a signature given earlier: accepted only if it is still for the current nonce and its signer
    /// still has authority (the controller, or the machine while its key is not revoked).
    function replay(uint256 index) external {
        if (used.length == 0) return;
        Signed memory s = used[index % used.length];
        bool fresh = keccak256(s.signature)
            == keccak256(sign(s.key, changeDigest(registry, machine, s.to, expectedNonce, s.deadline)));
        bool authorised = (s.key == MACHINE_KEY && !expectedRevoked) || s.key == keyOf(expectedController);
        try registry.changeStateSigned(machine, s.to, s.deadline, s.signature) {
            if (s.key == MACHINE_KEY && expectedRevoked && expectedController != machine) {
                revokedKeyMoves += 1;
                return;
            }
            require(fresh && authorised, "replayed or unauthorised signature accepted");
            expectOutcome(true, "", s.to, transitionError(s.to));
        } catch {
            // Rejected: what a replay must be (or a fresh one that is expired or an illegal move).
        }
    }

    /// A random actor revokes the machine key (a third of the calls, so that many runs act before and after).
    function revoke(uint8 who) external {
        if (who % 3 != 0) return;
        address sender = who % 2 == 0 ? expectedController : actor(who / 3);
        vm.prank(sender);
        try registry.revokeMachineKey(machine) {
            require(sender == expectedController && !expectedRevoked && expectedController != machine, "revoked");
            expectedRevoked = true;
            expectedNonce += 1;
        } catch (bytes memory reason) {
            bytes memory expected = sender != expectedController
                ? notController(sender)
                : expectedRevoked
                    ? abi.encodeWithSelector(ProvisionRegistry.MachineKeyAlreadyRevoked.selector, machine)
                    : abi.encodeWithSelector(ProvisionRegistry.MachineIsController.selector, machine);
            expectRevert(false, reason, expected);
        }
    }

    /// A random actor burns the nonce: only the controller may.
    function invalidate(uint8 who) external {
        address sender = who % 2 == 0 ? expectedController : actor(who);
        vm.prank(sender);
        try registry.invalidateNonce(machine) {
            require(sender == expectedController, "invalidated by a non-controller");
            expectedNonce += 1;
        } catch (bytes memory reason) {
            expectRevert(false, reason, notController(sender));
        }
    }

    /// A random actor proposes a random account with a key (or address(0), which cancels) as the next controller.
    function propose(uint8 who, uint8 candidateSeed) external {
        address sender = who % 2 == 0 ? expectedController : actor(who);
        address candidate = candidateSeed % 5 == 4 ? address(0) : actors[candidateSeed % 4];
        vm.prank(sender);
        try registry.transferControl(machine, candidate) {
            require(sender == expectedController && !(candidate == machine && expectedRevoked), "proposal accepted");
            expectedPending = candidate;
        } catch (bytes memory reason) {
            expectRevert(
                false,
                reason,
                sender != expectedController
                    ? notController(sender)
                    : abi.encodeWithSelector(ProvisionRegistry.RevokedMachineKey.selector, machine)
            );
        }
    }

    /// A random actor accepts control. The ghost controller changes ONLY when the proposed address accepts:
    /// any other acceptance leaves the ghost alone, and invariant_controlChangesOnlyByAcceptance fails on it.
    function accept(uint8 who) external {
        address sender = who % 2 == 0 && expectedPending != address(0) ? expectedPending : actor(who);
        vm.prank(sender);
        try registry.acceptControl(machine) {
            if (sender == expectedPending && !(sender == machine && expectedRevoked)) {
                expectedController = sender;
                expectedPending = address(0);
                expectedNonce += 1;
            }
        } catch (bytes memory reason) {
            expectRevert(
                false,
                reason,
                sender == expectedPending
                    ? abi.encodeWithSelector(ProvisionRegistry.RevokedMachineKey.selector, machine)
                    : abi.encodeWithSelector(ProvisionRegistry.CallerNotPendingController.selector, machine, sender)
            );
        }
    }

    function updateMetadata(bytes32 metadataHash, uint8 who) external {
        address sender = who % 2 == 0 ? expectedController : actor(who);
        vm.prank(sender);
        try registry.updateMetadataHash(machine, metadataHash) {
            require(sender == expectedController, "metadata updated by a non-controller");
            expectedMetadataHash = metadataHash;
        } catch (bytes memory reason) {
            expectRevert(false, reason, notController(sender));
        }
    }

    function passTime(uint32 seconds_) external {
        vm.warp(block.timestamp + seconds_);
    }
}

contract ProvisionRegistryInvariantTest is CheatsTest {
    ProvisionRegistry private registry;
    ProvisionHandler private handler;

    function setUp() public {
        registry = new ProvisionRegistry();
        handler = new ProvisionHandler(registry);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Only authorised, legal moves ever happen: state, nonce and metadata are what the ghost model predicts.
    function invariant_stateFollowsAuthorisedLegalMoves() public view {
        ProvisionRegistry.Provision memory p = registry.provisionOf(handler.machine());
        require(p.state == handler.expectedState(), "state");
        require(p.nonce == handler.expectedNonce(), "nonce counts every change, revocation, invalidation, transfer");
        require(p.metadataHash == handler.expectedMetadataHash(), "metadata hash");
    }

    /// The controller changes only when the address its predecessor proposed accepts.
    function invariant_controlChangesOnlyByAcceptance() public view {
        address machine = handler.machine();
        require(registry.provisionOf(machine).controller == handler.expectedController(), "controller");
        require(registry.pendingControllerOf(machine) == handler.expectedPending(), "pending controller");
    }

    /// Once revoked, the machine key moves nothing, and it never controls the provision.
    function invariant_revokedMachineKeyMovesNothing() public view {
        address machine = handler.machine();
        require(handler.revokedKeyMoves() == 0, "a revoked machine key moved the provision");
        bool revoked = registry.isMachineKeyRevoked(machine);
        require(revoked == handler.expectedRevoked(), "revocation flag");
        require(!revoked || registry.provisionOf(machine).controller != machine, "a revoked machine controls");
    }

    /// The state never leaves {Started, Running, Off} once registered.
    function invariant_stateInMachine() public view {
        ProvisionRegistry.State s = registry.provisionOf(handler.machine()).state;
        require(s != ProvisionRegistry.State.None, "unregistered");
    }
}
