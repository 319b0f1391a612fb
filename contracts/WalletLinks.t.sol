// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {WalletLinks} from "./WalletLinks.sol";
import {CheatsTest} from "./testing/Cheats.sol";

contract WalletLinksTest is CheatsTest {
    WalletLinks private links;

    function setUp() public {
        links = new WalletLinks();
    }

    function testFuzz_linkThenUnlink(address wallet, string calldata did, string calldata otherDid) public {
        vm.assume(bytes(did).length > 0 && keccak256(bytes(did)) != keccak256(bytes(otherDid)));
        vm.prank(wallet);
        links.link(did);
        require(links.linkOf(wallet) == keccak256(bytes(did)), "linkOf");
        require(links.isLinked(wallet, did), "isLinked");
        require(!links.isLinked(wallet, otherDid), "isLinked other");
        vm.expectRevert(abi.encodeWithSelector(WalletLinks.WalletAlreadyLinked.selector, wallet, keccak256(bytes(did))));
        vm.prank(wallet);
        links.link(did);
        vm.prank(wallet);
        links.unlink();
        require(links.linkOf(wallet) == bytes32(0) && !links.isLinked(wallet, did), "unlinked");
        vm.expectRevert(abi.encodeWithSelector(WalletLinks.WalletNotLinked.selector, wallet));
        vm.prank(wallet);
        links.unlink();
    }

    /// A wallet's claim is its own: another wallet cannot change or withdraw it.
    function testFuzz_othersCannotTouchALink(address wallet, address other, string calldata did) public {
        vm.assume(wallet != other && wallet != address(0xDEAD) && other != address(0xDEAD) && bytes(did).length > 0);
        vm.prank(wallet);
        links.link(did);
        vm.prank(other);
        links.link("did:webvh:someone-else");
        vm.expectRevert(abi.encodeWithSelector(WalletLinks.WalletNotLinked.selector, address(0xDEAD)));
        vm.prank(address(0xDEAD));
        links.unlink();
        vm.prank(other);
        links.unlink();
        require(links.isLinked(wallet, did), "still linked");
    }

    function test_emptyDidReverts() public {
        vm.expectRevert(abi.encodeWithSelector(WalletLinks.EmptyDid.selector));
        links.link("");
        require(!links.isLinked(address(this), ""), "empty never linked");
    }
}
