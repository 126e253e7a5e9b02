// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ModuleId, ModuleInfo, ModuleSpec, SemVer} from "../types/ModuleTypes.sol";

/// @title Module registry of a diamond.
/// @notice Install, upgrade and remove are each one atomic operation: the registry
/// record, the selector cut and the module's init succeed or fail together. All three
/// are timelocked: they only run inside an operation executed by {ITimelock-execute}.
/// The registry and the loupe cannot disagree: every selector belongs to exactly one
/// installed module (`core` for the diamond's own functions, `unmanaged` for raw cuts).
interface IModuleRegistry {
    event ModuleInstalled(ModuleId indexed id, SemVer version, address init);
    event ModuleUpgraded(ModuleId indexed id, SemVer fromVersion, SemVer toVersion, address init);
    event ModuleRemoved(ModuleId indexed id, SemVer version);

    /// @notice `id` is zero or one of the built-in ids (`core`, `unmanaged`).
    error RegistryReservedModuleId(ModuleId id);
    error RegistryModuleAlreadyInstalled(ModuleId id);
    error RegistryModuleNotInstalled(ModuleId id);
    /// @notice The spec lists no facets.
    error RegistryModuleHasNoFacets(ModuleId id);
    /// @notice An upgrade must raise the version.
    error RegistryVersionNotNewer(ModuleId id, SemVer installed, SemVer requested);
    /// @notice `dependency` must be installed first (a module cannot depend on itself).
    error RegistryDependencyMissing(ModuleId id, ModuleId dependency);
    /// @notice `dependent` declares `id` as a dependency: remove `dependent` first.
    error RegistryModuleRequired(ModuleId id, ModuleId dependent);
    /// @notice The init for this module version already ran once.
    error RegistryInitAlreadyRun(ModuleId id, SemVer version);
    /// @notice 0xffffffff is not a valid ERC-165 interface id.
    error RegistryInvalidInterfaceId(bytes4 interfaceId);

    /// @notice Installs `spec`, then delegatecalls `init` with `initData` (skipped when
    /// `init` is zero). Timelocked.
    function installModule(ModuleSpec calldata spec, address init, bytes calldata initData) external;

    /// @notice Moves an installed module to the newer `spec`: selectors it keeps are
    /// replaced where their facet changed, new ones added, dropped ones removed. Timelocked.
    function upgradeModule(ModuleSpec calldata spec, address init, bytes calldata initData) external;

    /// @notice Removes a module and all its selectors. Timelocked.
    function removeModule(ModuleId id) external;

    /// @notice Installed modules, built-in ones first.
    function getModules() external view returns (ModuleInfo[] memory);

    /// @notice One module, installed or removed; reverts if it was never installed.
    function getModule(ModuleId id) external view returns (ModuleInfo memory);

    /// @notice Ids of the installed modules.
    function moduleIds() external view returns (ModuleId[] memory);

    /// @notice The module owning `selector`, or zero.
    function moduleOfSelector(bytes4 selector) external view returns (ModuleId);

    function isModuleInstalled(ModuleId id) external view returns (bool);

    /// @notice Installed version of `id`; reverts if it is not installed.
    function moduleVersion(ModuleId id) external view returns (SemVer memory);

    /// @notice Whether the init of `id` at `version` has run.
    function moduleInitRun(ModuleId id, SemVer calldata version) external view returns (bool);
}
