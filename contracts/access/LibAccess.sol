// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {IERC173} from "../interfaces/IERC173.sol";

/// @title Roles and ownership of the diamond, shared by every facet.
/// @notice Facets call `checkRole` at the top of each restricted function. The owner is
/// the single holder of `DEFAULT_ADMIN_ROLE`.
library LibAccess {
    bytes32 internal constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 internal constant UPGRADER_ROLE = keccak256("finsuite.role.upgrader");
    bytes32 internal constant GUARDIAN_ROLE = keccak256("finsuite.role.guardian");

    /// @custom:storage-location erc7201:finsuite.access
    struct Layout {
        mapping(bytes32 role => mapping(address account => bool)) members;
        mapping(bytes32 role => bytes32 adminRole) admins;
        address owner;
        address pendingOwner;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.access")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x5717e00d91c1eba90e19702a733cb53bc7f61b9165bafae05a2a1c4b81dc9d00;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }

    function hasRole(bytes32 role, address account) internal view returns (bool) {
        return layout().members[role][account];
    }

    /// @dev Reverts with OpenZeppelin's `AccessControlUnauthorizedAccount` unless the
    /// caller holds `role`.
    function checkRole(bytes32 role) internal view {
        if (!layout().members[role][msg.sender]) {
            revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, role);
        }
    }

    /// @dev Grants `role`; returns false (and emits nothing) if `account` already had it.
    function grantRole(bytes32 role, address account) internal returns (bool) {
        if (account == address(0)) revert IAccess.AccessZeroAccount();
        Layout storage $ = layout();
        if ($.members[role][account]) return false;
        $.members[role][account] = true;
        emit IAccessControl.RoleGranted(role, account, msg.sender);
        return true;
    }

    function revokeRole(bytes32 role, address account) internal returns (bool) {
        Layout storage $ = layout();
        if (!$.members[role][account]) return false;
        $.members[role][account] = false;
        emit IAccessControl.RoleRevoked(role, account, msg.sender);
        return true;
    }

    /// @dev Makes `newOwner` the owner and sole admin. Used by the constructor and by
    /// `acceptOwnership`.
    function setOwner(address newOwner) internal {
        Layout storage $ = layout();
        address previous = $.owner;
        if (previous != address(0)) revokeRole(DEFAULT_ADMIN_ROLE, previous);
        $.owner = newOwner;
        $.pendingOwner = address(0);
        grantRole(DEFAULT_ADMIN_ROLE, newOwner);
        emit IERC173.OwnershipTransferred(previous, newOwner);
    }
}
