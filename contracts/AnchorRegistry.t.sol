// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AnchorRegistry} from "./AnchorRegistry.sol";
import {CheatsTest} from "./testing/Cheats.sol";

contract AnchorRegistryTest is CheatsTest {
    AnchorRegistry private registry;

    function setUp() public {
        registry = new AnchorRegistry();
    }

    function test_anchorRecordsTimeAndBlock() public {
        vm.warp(1_700_000_000);
        vm.roll(1234);
        registry.anchor(bytes32(uint256(1)));
        (uint64 t, uint64 b) = registry.anchorOf(address(this), bytes32(uint256(1)));
        require(t == 1_700_000_000, "timestamp");
        require(b == 1234, "block number");
    }

    function test_neverAnchoredIsZero() public view {
        (uint64 t, uint64 b) = registry.anchorOf(address(this), bytes32(uint256(7)));
        require(t == 0 && b == 0, "zeros");
    }

    function test_zeroRootReverts() public {
        vm.expectRevert(abi.encodeWithSelector(AnchorRegistry.ZeroRoot.selector));
        registry.anchor(bytes32(0));
    }

    function testFuzz_anchorOnceThenRevert(address anchorer, bytes32 root, uint64 time, uint64 later) public {
        vm.assume(root != bytes32(0));
        time = uint64(bound(time, 1, type(uint40).max));
        vm.warp(time);
        vm.prank(anchorer);
        registry.anchor(root);
        vm.warp(bound(later, time, type(uint40).max));
        vm.expectRevert(abi.encodeWithSelector(AnchorRegistry.RootAlreadyAnchored.selector, anchorer, root));
        vm.prank(anchorer);
        registry.anchor(root);
        (uint64 t,) = registry.anchorOf(anchorer, root);
        require(t == time, "record overwritten");
    }

    /// A front-runner who anchors the same root first gains nothing: the honest anchor still succeeds and
    /// records its own time, and the front-runner's record is only under the front-runner's address.
    function testFuzz_frontRunnerGainsNothing(address honest, address frontRunner, bytes32 root, uint32 delay)
        public
    {
        vm.assume(root != bytes32(0) && honest != frontRunner);
        vm.warp(1_000);
        vm.prank(frontRunner);
        registry.anchor(root);
        vm.warp(1_000 + uint256(delay));
        vm.prank(honest);
        registry.anchor(root);
        (uint64 honestTime,) = registry.anchorOf(honest, root);
        (uint64 frontTime,) = registry.anchorOf(frontRunner, root);
        require(honestTime == 1_000 + uint256(delay), "honest time");
        require(frontTime == 1_000, "front-runner time");
    }

    function testFuzz_verifyLeafTwoLeafTree(bytes32 a, bytes32 b, address other) public {
        vm.assume(a != b && other != address(this));
        bytes32 leafA = keccak256(bytes.concat(keccak256(abi.encode(a))));
        bytes32 leafB = keccak256(bytes.concat(keccak256(abi.encode(b))));
        bytes32 root = leafA < leafB ? keccak256(abi.encode(leafA, leafB)) : keccak256(abi.encode(leafB, leafA));
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = leafB;
        require(!registry.verifyLeaf(address(this), root, proof, leafA), "not anchored yet");
        registry.anchor(root);
        require(registry.verifyLeaf(address(this), root, proof, leafA), "valid proof");
        require(!registry.verifyLeaf(other, root, proof, leafA), "anchored by someone else");
        require(!registry.verifyLeaf(address(this), root, proof, leafB), "wrong leaf");
    }

    function testFuzz_verifyEntry(string calldata did, string calldata v1, string calldata v2) public {
        vm.assume(keccak256(bytes(v1)) != keccak256(bytes(v2)));
        bytes32 leaf1 = registry.leafOf(did, v1);
        bytes32 leaf2 = registry.leafOf(did, v2);
        require(leaf1 == keccak256(bytes.concat(keccak256(abi.encode(did, v1)))), "leafOf");
        bytes32 root = leaf1 < leaf2 ? keccak256(abi.encode(leaf1, leaf2)) : keccak256(abi.encode(leaf2, leaf1));
        registry.anchor(root);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = leaf2;
        require(registry.verifyEntry(address(this), root, proof, did, v1), "entry 1");
        require(!registry.verifyEntry(address(this), root, proof, did, v2), "entry 2 with entry 1's proof");
        proof[0] = leaf1;
        require(registry.verifyEntry(address(this), root, proof, did, v2), "entry 2");
    }
}

/// Drives the registry for the invariant test: anchors by a few senders over time, remembering the first record.
contract AnchorHandler is CheatsTest {
    AnchorRegistry public immutable registry;
    address[3] public senders = [address(0xA11CE), address(0xB0B), address(0xCAFE)];
    bytes32[] public roots;
    mapping(address => mapping(bytes32 => uint64)) public firstTime;
    mapping(address => mapping(bytes32 => uint64)) public firstBlock;
    uint256 public anchored;

    constructor(AnchorRegistry registry_) {
        registry = registry_;
        roots.push(bytes32(uint256(1)));
        roots.push(keccak256("root"));
        roots.push(bytes32(type(uint256).max));
    }

    function rootsLength() external view returns (uint256) {
        return roots.length;
    }

    function anchor(uint256 senderSeed, uint256 rootSeed, uint32 advance, bool fresh) external {
        address sender = senders[senderSeed % senders.length];
        bytes32 root = roots[rootSeed % roots.length];
        if (fresh && roots.length < 24) {
            root = keccak256(abi.encode(rootSeed, roots.length));
            roots.push(root);
        }
        vm.warp(block.timestamp + advance);
        vm.roll(block.number + 1);
        vm.prank(sender);
        try registry.anchor(root) {
            require(firstTime[sender][root] == 0, "anchored twice");
            firstTime[sender][root] = uint64(block.timestamp);
            firstBlock[sender][root] = uint64(block.number);
            anchored += 1;
        } catch (bytes memory reason) {
            require(firstTime[sender][root] != 0, "first anchor failed");
            require(
                keccak256(reason)
                    == keccak256(abi.encodeWithSelector(AnchorRegistry.RootAlreadyAnchored.selector, sender, root)),
                "wrong revert"
            );
        }
    }
}

contract AnchorRegistryInvariantTest is CheatsTest {
    AnchorRegistry private registry;
    AnchorHandler private handler;

    function setUp() public {
        registry = new AnchorRegistry();
        handler = new AnchorHandler(registry);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Every record is the first one written, for every sender and root: nothing is ever overwritten.
    function invariant_recordsNeverOverwritten() public view {
        for (uint256 s = 0; s < 3; s++) {
            address sender = handler.senders(s);
            for (uint256 i = 0; i < handler.rootsLength(); i++) {
                bytes32 root = handler.roots(i);
                (uint64 t, uint64 b) = registry.anchorOf(sender, root);
                require(t == handler.firstTime(sender, root), "timestamp changed");
                require(b == handler.firstBlock(sender, root), "block changed");
            }
        }
    }
}
