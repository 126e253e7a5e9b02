// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ModuleId} from "../types/ModuleTypes.sol";

/// @title Emergency pause for the whole diamond or one module.
/// @notice The guardian pauses at once; only the admin unpauses. A paused module's
/// functions revert with {IDiamondCut-DiamondModulePaused} naming the module. The
/// `core` module (loupe, registry, roles, timelock, pause) never pauses.
interface IPause {
    event DiamondPaused(address indexed account);
    event DiamondUnpaused(address indexed account);
    event ModulePaused(ModuleId indexed id, address indexed account);
    event ModuleUnpaused(ModuleId indexed id, address indexed account);

    /// @notice The diamond (id zero) or module `id` is already in the requested state.
    error PauseStateUnchanged(ModuleId id, bool paused);
    /// @notice The `core` module cannot be paused.
    error PauseModuleNotPausable(ModuleId id);

    /// @notice Pauses every module but `core`. Guardian.
    function pause() external;

    /// @notice Lifts the diamond-wide pause; modules paused one by one stay paused. Admin.
    function unpause() external;

    /// @notice Pauses one installed module. Guardian.
    function pauseModule(ModuleId id) external;

    /// @notice Unpauses one module. Admin.
    function unpauseModule(ModuleId id) external;

    /// @notice Whether the diamond-wide pause is on.
    function paused() external view returns (bool);

    /// @notice Whether calls to `id` are refused now (its own pause or the diamond's).
    function isModulePaused(ModuleId id) external view returns (bool);
}
