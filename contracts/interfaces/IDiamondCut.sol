// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ModuleId} from "../types/ModuleTypes.sol";

/// @title EIP-2535 diamond cut, with the errors every cut path can raise.
/// @notice In this suite every cut is timelocked: `diamondCut` only runs inside an
/// operation executed by the timelock (see {ITimelock}). Selectors added here belong to
/// the built-in `unmanaged` module; a raw cut can never touch a selector that another
/// module owns, nor the diamond's own core functions.
interface IDiamondCut {
    enum FacetCutAction {
        Add,
        Replace,
        Remove
    }

    struct FacetCut {
        address facetAddress;
        FacetCutAction action;
        bytes4[] functionSelectors;
    }

    /// @notice Emitted on every change of selectors, whichever path made it.
    event DiamondCut(FacetCut[] _diamondCut, address _init, bytes _calldata);

    /// @notice A cut entry listed no selectors.
    error DiamondNoSelectors(address facet);
    /// @notice Add or Replace named the zero address as facet.
    error DiamondFacetIsZero(bytes4 firstSelector);
    /// @notice The facet address has no code: deploy it first.
    error DiamondFacetHasNoCode(address facet);
    /// @notice Remove must name the zero address as facet (EIP-2535).
    error DiamondRemoveFacetNotZero(address facet);
    /// @notice `selector` belongs to module `owner`; module `requester` cannot take or change it.
    error DiamondSelectorTaken(bytes4 selector, ModuleId owner, ModuleId requester);
    /// @notice Replace would point `selector` at the facet that already serves it.
    error DiamondSelectorUnchanged(bytes4 selector, address facet);
    /// @notice Replace or Remove named a selector the diamond does not have.
    error DiamondSelectorNotFound(bytes4 selector);
    /// @notice `selector` is one of the diamond's own immutable core functions.
    error DiamondImmutableFunction(bytes4 selector);
    /// @notice The init address has no code.
    error DiamondInitHasNoCode(address init);
    /// @notice Init calldata was given without an init address.
    error DiamondInitDataWithoutInit();
    /// @notice The init call reverted without a reason.
    error DiamondInitFailed(address init, bytes data);
    /// @notice No facet serves `selector`.
    error DiamondFunctionNotFound(bytes4 selector);
    /// @notice `module`, or the whole diamond, is paused.
    error DiamondModulePaused(ModuleId module);

    /// @notice Adds, replaces or removes selectors, then delegatecalls `_init` with
    /// `_calldata` (skipped when `_init` is zero). Only callable by the timelock.
    function diamondCut(FacetCut[] calldata _diamondCut, address _init, bytes calldata _calldata) external;
}
