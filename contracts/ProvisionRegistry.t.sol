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

/// Drives one provision for the invariant test: its controller, its machine key and an attacker act at random.
contract ProvisionHandler is ProvisionSigning {
    ProvisionRegistry public immutable registry;
    uint256 private constant MACHINE_KEY = 0xA11CE;
    uint256 private constant ATTACKER_KEY = 0xBADBAD;
    address public immutable machine;
    address public constant CONTROLLER = address(0xC0);
    address private constant ATTACKER = address(0xBAD);

    /// Ghost state: what the registry must hold if only authorised, legal moves happened.
    ProvisionRegistry.State public expectedState = ProvisionRegistry.State.Started;
    uint256 public expectedNonce;
    bytes[] private usedSignatures;
    ProvisionRegistry.State[] private usedTargets;
    uint256[] private usedDeadlines;

    constructor(ProvisionRegistry registry_) {
        registry = registry_;
        machine = vm.addr(MACHINE_KEY);
        string memory did = "did:webvh:QmScid:example.com:p-1";
        bytes memory consent = sign(MACHINE_KEY, registrationDigest(registry_, machine, CONTROLLER, did, bytes32(0), type(uint40).max));
        vm.prank(CONTROLLER);
        registry_.registerProvision(machine, did, bytes32(0), type(uint40).max, consent);
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

    function transitionError(ProvisionRegistry.State to) private view returns (bytes memory) {
        return allowed(expectedState, to)
            ? bytes("")
            : abi.encodeWithSelector(ProvisionRegistry.InvalidStateTransition.selector, machine, expectedState, to);
    }

    function controllerChanges(uint8 rawTo) external {
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        vm.prank(CONTROLLER);
        try registry.changeState(machine, to) {
            expectOutcome(true, "", to, transitionError(to));
        } catch (bytes memory reason) {
            expectOutcome(false, reason, to, transitionError(to));
        }
    }

    /// The machine key signs a change and anyone relays it.
    function machineSigns(uint8 rawTo, uint32 validFor, address relayer) external {
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        uint256 deadline = block.timestamp + validFor;
        bytes memory sig = sign(MACHINE_KEY, changeDigest(registry, machine, to, expectedNonce, deadline));
        usedSignatures.push(sig);
        usedTargets.push(to);
        usedDeadlines.push(deadline);
        vm.prank(relayer);
        try registry.changeStateSigned(machine, to, deadline, sig) {
            expectOutcome(true, "", to, transitionError(to));
        } catch (bytes memory reason) {
            expectOutcome(false, reason, to, transitionError(to));
        }
    }

    function attackerSends(uint8 rawTo) external {
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        vm.prank(ATTACKER);
        try registry.changeState(machine, to) {
            revert("attacker changed the state");
        } catch (bytes memory reason) {
            expectOutcome(
                false,
                reason,
                to,
                abi.encodeWithSelector(ProvisionRegistry.UnauthorizedStateChange.selector, machine, ATTACKER)
            );
        }
    }

    function attackerSigns(uint8 rawTo, uint32 validFor) external {
        ProvisionRegistry.State to = ProvisionRegistry.State(bound(rawTo, 0, 3));
        uint256 deadline = block.timestamp + validFor;
        bytes memory sig = sign(ATTACKER_KEY, changeDigest(registry, machine, to, expectedNonce, deadline));
        try registry.changeStateSigned(machine, to, deadline, sig) {
            revert("attacker's signature accepted");
        } catch (bytes memory reason) {
            expectOutcome(
                false, reason, to, abi.encodeWithSelector(ProvisionRegistry.InvalidProvisionSignature.selector, machine)
            );
        }
    }

    /// Replays a signature the machine gave earlier: it was for an older nonce (or reverted), so it must fail.
    function replay(uint256 index) external {
        if (usedSignatures.length == 0) return;
        index = index % usedSignatures.length;
        ProvisionRegistry.State to = usedTargets[index];
        uint256 deadline = usedDeadlines[index];
        bytes memory sig = usedSignatures[index];
        bool fresh = keccak256(sig)
            == keccak256(sign(MACHINE_KEY, changeDigest(registry, machine, to, expectedNonce, deadline)));
        try registry.changeStateSigned(machine, to, deadline, sig) {
            require(fresh, "replayed signature accepted");
            expectOutcome(true, "", to, transitionError(to));
        } catch {
            // Rejected: what a replay must be (or a fresh one that is expired or an illegal move).
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

    /// Only authorised, legal moves ever happen: the state is the one the ghost model predicts.
    function invariant_stateFollowsAuthorisedLegalMoves() public view {
        ProvisionRegistry.Provision memory p = registry.provisionOf(handler.machine());
        require(p.state == handler.expectedState(), "state");
        require(p.nonce == handler.expectedNonce(), "nonce counts every change");
        require(p.controller == handler.CONTROLLER(), "controller never changes");
    }

    /// The state never leaves {Started, Running, Off} once registered.
    function invariant_stateInMachine() public view {
        ProvisionRegistry.State s = registry.provisionOf(handler.machine()).state;
        require(s != ProvisionRegistry.State.None, "unregistered");
    }
}
