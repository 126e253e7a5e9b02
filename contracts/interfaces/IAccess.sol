// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @title Roles of the diamond (OpenZeppelin's IAccessControl, checked per function).
/// @notice `DEFAULT_ADMIN_ROLE` (0x00) is held by the ERC-173 owner alone and moves
/// only with ownership. Every other role is administered by it. Built-in roles:
/// `UPGRADER_ROLE` schedules and executes timelocked operations, `GUARDIAN_ROLE`
/// pauses and cancels. Modules define their own roles the same way.
interface IAccess is IAccessControl {
    /// @notice The admin role moves only through the two-step ownership transfer.
    error AccessAdminRoleIsOwnership();
    /// @notice Roles cannot be granted to the zero address.
    error AccessZeroAccount();
}
