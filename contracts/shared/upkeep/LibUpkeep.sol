// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibDiamond, SelectorWord} from "../../diamond/libraries/LibDiamond.sol";
import {ModuleId} from "../../types/ModuleTypes.sol";
import {IUpkeep} from "./IUpkeep.sol";

/// @title Registry of the upkeep providers (ERC-7201 namespace `finsuite.upkeep`). Append-only.
/// @notice A module that has work for keepers calls `register` from its install init (the
/// registry delegatecalls the init, so this runs in the diamond) and `unregister` from an
/// upgrade init that drops the work. It should also list `upkeep` among its dependencies,
/// so the pair that serves its work cannot be removed while it is installed.
/// @dev Note: removing a module runs none of its code, so its pair stays registered; the
/// upkeep facet then finds its selectors unrouted and refuses it with
/// {IUpkeep-UpkeepProviderNotRouted}. Registering again (a re-install's init) replaces it.
library LibUpkeep {
    /// @dev The shared module's own id: it cannot register itself as a provider.
    ModuleId internal constant UPKEEP_MODULE = ModuleId.wrap("upkeep");

    /// @dev One word per provider: what `performUpkeep` reads with a single SLOAD.
    struct Registration {
        bytes4 check;
        bytes4 perform;
        /// The module's index in the diamond's module records, which never changes.
        uint16 moduleIndex;
        /// Position in `moduleIds`, from 1; 0: not registered.
        uint32 position;
    }

    /// @custom:storage-location erc7201:finsuite.upkeep
    struct Layout {
        /// Registration order, which is the order an empty checkData scans.
        ModuleId[] moduleIds;
        mapping(ModuleId moduleId => Registration) registrations;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.upkeep")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x1cd40a28d99607a137bc81ce835fb0b8fcfc42dd32fadfa1d8234746ece6bd00;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }

    /// @dev Registers `moduleId`'s check/perform pair, replacing an earlier one. Both
    /// selectors must already be served by `moduleId`, which holds inside its own install
    /// or upgrade init (the registry cuts before it runs the init).
    function register(ModuleId moduleId, bytes4 check, bytes4 perform) internal {
        if (moduleId == UPKEEP_MODULE || check == 0 || perform == 0 || check == perform) {
            revert IUpkeep.UpkeepProviderInvalid(moduleId, check, perform);
        }
        uint256 indexPlusOne = LibDiamond.layout().moduleIndex[moduleId];
        if (indexPlusOne == 0) revert IUpkeep.UpkeepProviderNotRouted(moduleId, check);
        Layout storage $ = layout();
        Registration storage r = $.registrations[moduleId];
        r.check = check;
        r.perform = perform;
        // Records are never deleted and there are fewer than 2^16 of them (uint16 in the table).
        r.moduleIndex = uint16(indexPlusOne - 1);
        routedWord(moduleId, r, check);
        routedWord(moduleId, r, perform);
        if (r.position == 0) {
            $.moduleIds.push(moduleId);
            r.position = uint32($.moduleIds.length);
        }
        emit IUpkeep.UpkeepProviderRegistered(moduleId, check, perform);
    }

    /// @dev Removes `moduleId`'s pair. The last pair takes its place in the scan order.
    function unregister(ModuleId moduleId) internal {
        Layout storage $ = layout();
        uint32 position = $.registrations[moduleId].position;
        if (position == 0) revert IUpkeep.UpkeepUnknownModule(moduleId);
        uint256 last = $.moduleIds.length;
        if (position != last) {
            ModuleId moved = $.moduleIds[last - 1];
            $.moduleIds[position - 1] = moved;
            $.registrations[moved].position = position;
        }
        $.moduleIds.pop();
        delete $.registrations[moduleId];
        emit IUpkeep.UpkeepProviderUnregistered(moduleId);
    }

    /// @dev `moduleId`'s registered pair.
    function registration(ModuleId moduleId) internal view returns (Registration memory r) {
        r = layout().registrations[moduleId];
        if (r.position == 0) revert IUpkeep.UpkeepUnknownModule(moduleId);
    }

    /// @dev The selector-table word of `selector`, which must be served by `moduleId`.
    function routedWord(
        ModuleId moduleId,
        Registration memory r,
        bytes4 selector
    ) internal view returns (SelectorWord w) {
        w = LibDiamond.loadSelector(selector);
        if (!isRouted(r, w)) revert IUpkeep.UpkeepProviderNotRouted(moduleId, selector);
    }

    /// @dev Whether `w` (a selector's word) is served by the registered module now. A
    /// removed module's selectors are empty, and a selector another module took since
    /// carries that module's index.
    function isRouted(Registration memory r, SelectorWord w) internal pure returns (bool) {
        return !w.isEmpty() && w.moduleIndex() == r.moduleIndex;
    }

    /// @dev Splits `abi.encode(bytes32 moduleId, bytes moduleData)` without copying it, and
    /// refuses anything else with {IUpkeep-UpkeepDataMalformed} rather than a bare revert.
    function decode(bytes calldata data) internal pure returns (ModuleId moduleId, bytes calldata moduleData) {
        if (data.length < 96) revert IUpkeep.UpkeepDataMalformed(data.length);
        uint256 offset = uint256(bytes32(data[32:64]));
        uint256 length = uint256(bytes32(data[64:96]));
        if (offset != 64 || length > data.length - 96) revert IUpkeep.UpkeepDataMalformed(data.length);
        moduleId = ModuleId.wrap(bytes32(data[0:32]));
        moduleData = data[96:96 + length];
    }
}

/// @title Storage-layout probe of `finsuite.upkeep` (see contracts/layout/). Never deployed.
contract UpkeepStorageLayout {
    LibUpkeep.Layout internal finsuite_upkeep;
}
