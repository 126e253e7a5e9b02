// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IPause} from "../interfaces/IPause.sol";
import {LibDiamond} from "../diamond/libraries/LibDiamond.sol";
import {CORE_MODULE, ModuleId, ModuleStatus} from "../types/ModuleTypes.sol";
import {LibAccess} from "./LibAccess.sol";

/// @title Diamond-wide and per-module emergency pause.
/// @dev The effective flag is written into every selector slot of the affected modules,
/// so the fallback learns it from the word it already loads; pausing costs one SSTORE per
/// selector, calling costs nothing extra.
contract PauseFacet is IPause {
    ModuleId private constant DIAMOND = ModuleId.wrap(0);

    function pause() external {
        LibAccess.checkRole(LibAccess.GUARDIAN_ROLE);
        _setGlobal(true);
        emit DiamondPaused(msg.sender);
    }

    function unpause() external {
        LibAccess.checkRole(LibAccess.DEFAULT_ADMIN_ROLE);
        _setGlobal(false);
        emit DiamondUnpaused(msg.sender);
    }

    function pauseModule(ModuleId id) external {
        LibAccess.checkRole(LibAccess.GUARDIAN_ROLE);
        _setModule(id, true);
        emit ModulePaused(id, msg.sender);
    }

    function unpauseModule(ModuleId id) external {
        LibAccess.checkRole(LibAccess.DEFAULT_ADMIN_ROLE);
        _setModule(id, false);
        emit ModuleUnpaused(id, msg.sender);
    }

    function paused() external view returns (bool) {
        return LibDiamond.layout().globalPaused;
    }

    function isModulePaused(ModuleId id) external view returns (bool) {
        uint16 index = LibDiamond.installedIndex(id);
        if (index == LibDiamond.CORE_INDEX) return false;
        LibDiamond.Layout storage $ = LibDiamond.layout();
        return $.globalPaused || $.modules[index].paused;
    }

    function _setGlobal(bool paused_) private {
        LibDiamond.Layout storage $ = LibDiamond.layout();
        if ($.globalPaused == paused_) revert PauseStateUnchanged(DIAMOND, paused_);
        $.globalPaused = paused_;
        uint256 n = $.modules.length;
        for (uint256 i = LibDiamond.UNMANAGED_INDEX; i < n; ++i) {
            if ($.modules[i].status == ModuleStatus.Installed) LibDiamond.syncPaused($, uint16(i));
        }
    }

    function _setModule(ModuleId id, bool paused_) private {
        if (id == CORE_MODULE) revert PauseModuleNotPausable(id);
        uint16 index = LibDiamond.installedIndex(id);
        LibDiamond.Layout storage $ = LibDiamond.layout();
        LibDiamond.ModuleRecord storage m = $.modules[index];
        if (m.paused == paused_) revert PauseStateUnchanged(id, paused_);
        m.paused = paused_;
        LibDiamond.syncPaused($, index);
    }
}
