// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAccess} from "../interfaces/IAccess.sol";
import {LibAccess} from "./LibAccess.sol";

/// @title Role management (OpenZeppelin IAccessControl semantics, diamond storage).
contract AccessControlFacet is IAccess {
    function hasRole(bytes32 role, address account) external view returns (bool) {
        return LibAccess.hasRole(role, account);
    }

    function getRoleAdmin(bytes32 role) public view returns (bytes32) {
        return LibAccess.layout().admins[role];
    }

    /// @notice Grants `role` to `account`; caller needs the role's admin role. No-op if held.
    function grantRole(bytes32 role, address account) external {
        _enforceNotAdminRole(role);
        LibAccess.checkRole(getRoleAdmin(role));
        LibAccess.grantRole(role, account);
    }

    /// @notice Revokes `role` from `account`; caller needs the role's admin role. No-op if not held.
    function revokeRole(bytes32 role, address account) external {
        _enforceNotAdminRole(role);
        LibAccess.checkRole(getRoleAdmin(role));
        LibAccess.revokeRole(role, account);
    }

    /// @notice Gives up one of the caller's roles; `callerConfirmation` must be the caller.
    function renounceRole(bytes32 role, address callerConfirmation) external {
        if (callerConfirmation != msg.sender) revert AccessControlBadConfirmation();
        _enforceNotAdminRole(role);
        LibAccess.revokeRole(role, msg.sender);
    }

    function _enforceNotAdminRole(bytes32 role) private pure {
        if (role == LibAccess.DEFAULT_ADMIN_ROLE) revert AccessAdminRoleIsOwnership();
    }
}
