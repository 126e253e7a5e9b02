// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IModuleRegistry} from "../interfaces/IModuleRegistry.sol";
import {LibTimelock} from "../access/LibTimelock.sol";
import {LibDiamond, SelectorWord} from "../diamond/libraries/LibDiamond.sol";
import {LibCore} from "../diamond/libraries/LibCore.sol";
import {LibLoupe} from "../diamond/libraries/LibLoupe.sol";
import {
    CORE_MODULE,
    ModuleId,
    ModuleInfo,
    ModuleSpec,
    ModuleStatus,
    SemVer,
    packVersion
} from "../types/ModuleTypes.sol";

/// @title Module registry: install, upgrade and remove modules atomically; discover them.
contract ModuleRegistryFacet is IModuleRegistry {
    /// @inheritdoc IModuleRegistry
    function installModule(ModuleSpec calldata spec, address init, bytes calldata initData) external {
        LibTimelock.enforceTimelocked();
        LibDiamond.installModule(spec, init, initData);
    }

    /// @inheritdoc IModuleRegistry
    function upgradeModule(ModuleSpec calldata spec, address init, bytes calldata initData) external {
        LibTimelock.enforceTimelocked();
        LibDiamond.upgradeModule(spec, init, initData);
    }

    /// @inheritdoc IModuleRegistry
    function removeModule(ModuleId id) external {
        LibTimelock.enforceTimelocked();
        LibDiamond.removeModule(id);
    }

    /// @inheritdoc IModuleRegistry
    function getModules() external view returns (ModuleInfo[] memory infos) {
        ModuleId[] memory ids = moduleIds();
        infos = new ModuleInfo[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            infos[i] = getModule(ids[i]);
        }
    }

    /// @inheritdoc IModuleRegistry
    function getModule(ModuleId id) public view returns (ModuleInfo memory info) {
        LibDiamond.Layout storage $ = LibDiamond.layout();
        uint256 indexPlusOne = $.moduleIndex[id];
        if (indexPlusOne == 0) revert RegistryModuleNotInstalled(id);
        LibDiamond.ModuleRecord storage m = $.modules[indexPlusOne - 1];
        info.id = id;
        info.version = m.version;
        info.status = m.status;
        info.paused =
            indexPlusOne - 1 != LibDiamond.CORE_INDEX &&
            m.status == ModuleStatus.Installed &&
            ($.globalPaused || m.paused);
        if (indexPlusOne - 1 == LibDiamond.CORE_INDEX) {
            info.facets = LibCore.facets($.coreFacets);
            info.interfaceIds = LibCore.interfaceIds();
        } else {
            info.facets = LibLoupe.groupByFacet(m.selectors);
            info.interfaceIds = m.interfaceIds;
        }
        info.dependencies = m.dependencies;
    }

    /// @inheritdoc IModuleRegistry
    function moduleIds() public view returns (ModuleId[] memory ids) {
        LibDiamond.Layout storage $ = LibDiamond.layout();
        uint256 n = $.modules.length;
        ids = new ModuleId[](n);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            if ($.modules[i].status == ModuleStatus.Installed) ids[k++] = $.modules[i].id;
        }
        assembly {
            mstore(ids, k)
        }
    }

    /// @inheritdoc IModuleRegistry
    function moduleOfSelector(bytes4 selector) external view returns (ModuleId) {
        if (LibCore.facetIndexOf(selector) != LibCore.NOT_CORE) return CORE_MODULE;
        SelectorWord w = LibDiamond.loadSelector(selector);
        if (w.isEmpty()) return ModuleId.wrap(0);
        return LibDiamond.layout().modules[w.moduleIndex()].id;
    }

    /// @inheritdoc IModuleRegistry
    function isModuleInstalled(ModuleId id) external view returns (bool) {
        LibDiamond.Layout storage $ = LibDiamond.layout();
        uint256 indexPlusOne = $.moduleIndex[id];
        return indexPlusOne != 0 && $.modules[indexPlusOne - 1].status == ModuleStatus.Installed;
    }

    /// @inheritdoc IModuleRegistry
    function moduleVersion(ModuleId id) external view returns (SemVer memory) {
        return LibDiamond.layout().modules[LibDiamond.installedIndex(id)].version;
    }

    /// @inheritdoc IModuleRegistry
    function moduleInitRun(ModuleId id, SemVer calldata version) external view returns (bool) {
        return LibDiamond.layout().initRun[id][packVersion(version)];
    }
}
