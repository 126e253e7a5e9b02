// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC173TwoStep} from "../../interfaces/IERC173.sol";
import {LibAccess} from "../../access/LibAccess.sol";

/// @title ERC-173 ownership with a two-step transfer; the owner is the sole admin.
contract OwnershipFacet is IERC173TwoStep {
    function owner() external view returns (address owner_) {
        return LibAccess.layout().owner;
    }

    function pendingOwner() external view returns (address) {
        return LibAccess.layout().pendingOwner;
    }

    function transferOwnership(address _newOwner) external {
        LibAccess.Layout storage $ = LibAccess.layout();
        if (msg.sender != $.owner) revert OwnershipUnauthorizedAccount(msg.sender);
        $.pendingOwner = _newOwner;
        emit OwnershipTransferStarted(msg.sender, _newOwner);
    }

    function acceptOwnership() external {
        if (msg.sender != LibAccess.layout().pendingOwner) revert OwnershipUnauthorizedAccount(msg.sender);
        LibAccess.setOwner(msg.sender);
    }
}
