// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IDiamondCut} from "../../interfaces/IDiamondCut.sol";
import {LibDiamond, SelectorWord} from "../../diamond/libraries/LibDiamond.sol";
import {ModuleId} from "../../types/ModuleTypes.sol";
import {IUpkeep} from "./IUpkeep.sol";
import {LibUpkeep} from "./LibUpkeep.sol";

/// @title Upkeep module facet: routes Chainlink Automation's check/perform pair to the
/// providers modules registered with {LibUpkeep}.
contract UpkeepFacet is IUpkeep {
    /// @inheritdoc IUpkeep
    function checkUpkeep(bytes calldata checkData) external view returns (bool, bytes memory) {
        if (checkData.length == 0) return _scan();
        (ModuleId moduleId, bytes calldata moduleData) = LibUpkeep.decode(checkData);
        LibUpkeep.Registration memory r = LibUpkeep.registration(moduleId);
        if (!_ready(r)) return (false, "");
        (bool ok, bytes memory ret) = _check(r, moduleData);
        if (!ok) _bubble(ret);
        return _result(moduleId, ret);
    }

    /// @inheritdoc IUpkeep
    function performUpkeep(bytes calldata performData) external {
        (ModuleId moduleId, bytes calldata moduleData) = LibUpkeep.decode(performData);
        LibUpkeep.Registration memory r = LibUpkeep.registration(moduleId);
        SelectorWord w = LibUpkeep.routedWord(moduleId, r, r.perform);
        // The dispatcher refuses a paused module's selectors; a delegatecall bypasses it.
        if (w.paused()) revert IDiamondCut.DiamondModulePaused(moduleId);
        // A delegatecall to the facet serving the selector, not a call to the diamond: the
        // keeper stays msg.sender, as if it had called the perform function itself.
        (bool ok, bytes memory ret) = w.facet().delegatecall(abi.encodeWithSelector(r.perform, moduleData));
        if (!ok) _bubble(ret);
        emit UpkeepPerformed(moduleId, msg.sender);
    }

    /// @inheritdoc IUpkeep
    function upkeepProviders() external view returns (UpkeepProvider[] memory providers) {
        LibUpkeep.Layout storage $ = LibUpkeep.layout();
        uint256 n = $.moduleIds.length;
        providers = new UpkeepProvider[](n);
        for (uint256 i; i < n; ++i) {
            ModuleId moduleId = $.moduleIds[i];
            LibUpkeep.Registration storage r = $.registrations[moduleId];
            providers[i] = UpkeepProvider(moduleId, r.check, r.perform);
        }
    }

    /// @dev The first provider with work, asked with empty module data. One failing or
    /// unrouted provider must not hide the others' work, so those are skipped.
    function _scan() private view returns (bool, bytes memory) {
        LibUpkeep.Layout storage $ = LibUpkeep.layout();
        uint256 n = $.moduleIds.length;
        for (uint256 i; i < n; ++i) {
            ModuleId moduleId = $.moduleIds[i];
            LibUpkeep.Registration memory r = $.registrations[moduleId];
            if (!_ready(r)) continue;
            (bool ok, bytes memory ret) = _check(r, "");
            if (!ok) continue;
            (bool needed, bytes memory performData) = _result(moduleId, ret);
            if (needed) return (true, performData);
        }
        return (false, "");
    }

    /// @dev Both selectors still served by the provider's module, and the module not paused
    /// (one module serves both, so they carry the same pause flag).
    function _ready(LibUpkeep.Registration memory r) private view returns (bool) {
        SelectorWord perform = LibDiamond.loadSelector(r.perform);
        return
            LibUpkeep.isRouted(r, perform) &&
            LibUpkeep.isRouted(r, LibDiamond.loadSelector(r.check)) &&
            !perform.paused();
    }

    /// @dev Calls the check function through the diamond: a view cannot delegatecall.
    function _check(
        LibUpkeep.Registration memory r,
        bytes memory moduleData
    ) private view returns (bool, bytes memory) {
        return address(this).staticcall(abi.encodeWithSelector(r.check, moduleData));
    }

    function _result(ModuleId moduleId, bytes memory ret) private pure returns (bool, bytes memory) {
        (bool needed, bytes memory moduleData) = abi.decode(ret, (bool, bytes));
        if (!needed) return (false, "");
        return (true, abi.encode(moduleId, moduleData));
    }

    function _bubble(bytes memory reason) private pure {
        assembly {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}
