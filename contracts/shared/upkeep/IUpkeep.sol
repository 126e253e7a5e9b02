// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ModuleId} from "../../types/ModuleTypes.sol";

/// @title Upkeep: the diamond's one Chainlink Automation-compatible check/perform pair.
/// @notice Work that must happen without a human (liquidations, claim payouts after a
/// trigger, offering settlement) is registered here by the module that owns it, as a pair
/// of its own functions: a view `check` and a `perform`. A selector belongs to exactly one
/// module, so the pair Chainlink Automation (or the suite's keeper, `npx hardhat keeper run`)
/// calls lives only in this small shared module, which routes to the providers.
///
/// `checkUpkeep` and `performUpkeep` have the selectors of Chainlink's
/// `AutomationCompatibleInterface` (0x6e04ff0d, 0x4585e33b): register the diamond itself
/// as a custom-logic upkeep.
///
/// A provider's functions must have these shapes (names are the module's own):
/// `function xCheck(bytes calldata checkData) external view returns (bool, bytes memory)`
/// and `function xPerform(bytes calldata performData) external`. A module registers them
/// from its install (or upgrade) init with {LibUpkeep-register}.
///
/// What each provider must do itself, because this module cannot:
/// - bound its work per call (Chainlink Automation gives `performUpkeep` at most 5,000,000
///   gas on most networks, and the keeper's transaction has a block's limit);
/// - re-validate in `perform`: performData comes from anyone, may be stale or forged, and
///   the same data may be performed twice; doing nothing is the right answer then;
/// - stay callable as a plain function of its module too, so a human can do the work by
///   hand when no keeper runs.
/// @dev Note: `performUpkeep` adds no privilege. It runs the provider's perform function,
/// which anyone can already call on the diamond directly, with the same caller
/// (`msg.sender` is the keeper) and no value.
interface IUpkeep {
    /// @notice A module's registered check/perform pair.
    struct UpkeepProvider {
        ModuleId moduleId;
        bytes4 check;
        bytes4 perform;
    }

    /// @notice `moduleId` registered (or replaced) its check/perform pair.
    event UpkeepProviderRegistered(ModuleId indexed moduleId, bytes4 check, bytes4 perform);
    /// @notice `moduleId`'s pair was unregistered.
    event UpkeepProviderUnregistered(ModuleId indexed moduleId);
    /// @notice `keeper` ran `moduleId`'s perform function through `performUpkeep`.
    event UpkeepPerformed(ModuleId indexed moduleId, address indexed keeper);

    /// @notice No provider is registered for `moduleId`.
    error UpkeepUnknownModule(ModuleId moduleId);
    /// @notice `selector` of `moduleId`'s pair is not served by that module (any more): the
    /// module was removed, or the selector dropped by an upgrade.
    error UpkeepProviderNotRouted(ModuleId moduleId, bytes4 selector);
    /// @notice A pair cannot be registered: zero or equal selectors, or the upkeep module's own.
    error UpkeepProviderInvalid(ModuleId moduleId, bytes4 check, bytes4 perform);
    /// @notice checkData or performData is neither empty (checkData only) nor
    /// `abi.encode(bytes32 moduleId, bytes moduleData)`; `length` is its length in bytes.
    error UpkeepDataMalformed(uint256 length);

    /// @notice Whether any registered work can be done now, and the data to do it with.
    /// @param checkData Empty: ask every provider, in registration order, with empty module
    /// data and return the first that has work; a provider that is paused, no longer routed
    /// or whose check reverts is skipped. Or `abi.encode(bytes32 moduleId, bytes
    /// moduleCheckData)`: ask that provider only; its check's revert is passed on, and a
    /// paused or no longer routed provider reports no work.
    /// @return upkeepNeeded Whether `performUpkeep(performData)` has work to do now.
    /// @return performData `abi.encode(bytes32 moduleId, bytes modulePerformData)`, or empty
    /// when there is no work.
    function checkUpkeep(bytes calldata checkData) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Runs the work `checkUpkeep` found: the provider's perform function with the
    /// module's performData, as a delegatecall, so the keeper is its `msg.sender`. Callable
    /// by anyone; the provider re-validates and bounds its work. Reverts with
    /// {UpkeepUnknownModule}, {UpkeepProviderNotRouted}, {UpkeepDataMalformed}, or
    /// {IDiamondCut-DiamondModulePaused} when the provider's module is paused; a revert of
    /// the perform function is passed on unchanged.
    /// @dev Takes no reentrancy lock: the guard is diamond-wide, and a perform function that
    /// moves funds takes it itself.
    /// @param performData `abi.encode(bytes32 moduleId, bytes modulePerformData)`.
    function performUpkeep(bytes calldata performData) external;

    /// @notice Every registered pair, in registration order (including pairs of modules that
    /// are paused or were removed since).
    function upkeepProviders() external view returns (UpkeepProvider[] memory);
}
