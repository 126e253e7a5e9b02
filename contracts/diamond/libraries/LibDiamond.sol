// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IDiamondCut} from "../../interfaces/IDiamondCut.sol";
import {IModuleRegistry} from "../../interfaces/IModuleRegistry.sol";
import {LibCore} from "./LibCore.sol";
import {
    CORE_MODULE,
    UNMANAGED_MODULE,
    FacetSelectors,
    ModuleId,
    ModuleSpec,
    ModuleStatus,
    SemVer,
    packVersion
} from "../../types/ModuleTypes.sol";

/// @notice One selector's entry in the selector table, one storage word read by the
/// dispatcher with a single SLOAD: facet (bits 0..159), owning module's index (160..175),
/// the selector's position in that module's list (176..191, for O(1) removal) and the
/// module's effective pause flag (bit 255). With the flag in the sign bit, "present and
/// not paused" is one signed comparison (`word > 0`), and pausing costs callers nothing.
type SelectorWord is uint256;

using SelectorWordLib for SelectorWord global;

library SelectorWordLib {
    uint256 private constant PAUSED_BIT = 1 << 255;

    function pack(
        address facet_,
        uint16 moduleIndex_,
        uint16 position_,
        bool paused_
    ) internal pure returns (SelectorWord) {
        uint256 w = uint256(uint160(facet_)) | (uint256(moduleIndex_) << 160) | (uint256(position_) << 176);
        return SelectorWord.wrap(paused_ ? w | PAUSED_BIT : w);
    }

    function isEmpty(SelectorWord w) internal pure returns (bool) {
        return SelectorWord.unwrap(w) == 0;
    }

    function facet(SelectorWord w) internal pure returns (address) {
        return address(uint160(SelectorWord.unwrap(w)));
    }

    function moduleIndex(SelectorWord w) internal pure returns (uint16) {
        return uint16(SelectorWord.unwrap(w) >> 160);
    }

    function position(SelectorWord w) internal pure returns (uint16) {
        return uint16(SelectorWord.unwrap(w) >> 176);
    }

    function paused(SelectorWord w) internal pure returns (bool) {
        return SelectorWord.unwrap(w) & PAUSED_BIT != 0;
    }

    function withFacet(SelectorWord w, address facet_) internal pure returns (SelectorWord) {
        return pack(facet_, w.moduleIndex(), w.position(), w.paused());
    }

    function withPosition(SelectorWord w, uint16 position_) internal pure returns (SelectorWord) {
        return pack(w.facet(), w.moduleIndex(), position_, w.paused());
    }

    function withPaused(SelectorWord w, bool paused_) internal pure returns (SelectorWord) {
        return pack(w.facet(), w.moduleIndex(), w.position(), paused_);
    }
}

/// @title Selector table and module registry of the diamond.
/// @notice The one place that changes which facet serves which selector. Every path —
/// the constructor, a raw `diamondCut`, module install/upgrade/remove — goes through
/// `_addSelector`/`_removeSelector`, which keep the selector table and each module's
/// selector list in step, so the loupe and the registry cannot disagree.
library LibDiamond {
    struct ModuleRecord {
        ModuleId id;
        SemVer version;
        ModuleStatus status;
        bool paused;
        bytes4[] selectors;
        bytes4[] interfaceIds;
        ModuleId[] dependencies;
    }

    /// @custom:storage-location erc7201:finsuite.diamond
    struct Layout {
        // Records are never deleted, so a module index stored in a selector slot stays valid.
        ModuleRecord[] modules;
        mapping(ModuleId id => uint256 indexPlusOne) moduleIndex;
        mapping(bytes4 interfaceId => uint256 modulesDeclaring) interfaceRefs;
        mapping(ModuleId id => mapping(uint48 version => bool)) initRun;
        bool globalPaused;
        // The core module's facets, in `CoreFacets` order: the core is not in the selector table.
        address[7] coreFacets;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.diamond")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x05155156a226df6078928add4eb10cd52cea332863c1015fb81fe0aba1c9ed00;

    /// @dev The selector table: `SELECTORS_BASE + uint32(selector)` holds that selector's
    /// SelectorWord. Direct addressing instead of a mapping spares the fallback a KECCAK256.
    /// The base is the ERC-7201 root of its own namespace; the 2^32 words after it belong
    /// to this table alone.
    // keccak256(abi.encode(uint256(keccak256("finsuite.diamond.selectors")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant SELECTORS_BASE = 0x5489b2c8b94a4bd99c2a2cc587934e053d8b825b4c4d88b1ff91646472535c00;

    /// @dev Transient marks of the selectors an upgrade has processed, to refuse a spec that
    /// lists one twice (install refuses it through the selector table itself).
    // keccak256(abi.encode(uint256(keccak256("finsuite.diamond.upgrade-seen")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant UPGRADE_SEEN_BASE = 0x679d552594f8a9189e1a4b30871d3d23035339e4cd9f55d30ec291dbc9eefb00;

    uint16 internal constant CORE_INDEX = 0;
    uint16 internal constant UNMANAGED_INDEX = 1;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }

    function loadSelector(bytes4 selector) internal view returns (SelectorWord w) {
        assembly {
            w := sload(add(SELECTORS_BASE, shr(224, selector)))
        }
    }

    function _storeSelector(bytes4 selector, SelectorWord w) private {
        assembly {
            sstore(add(SELECTORS_BASE, shr(224, selector)), w)
        }
    }

    // ------------------------------------------------------------------ construction

    /// @dev Registers the built-in modules and the core facets. Constructor only. The core
    /// selectors stay out of the selector table (see `LibCore`); the event still lists them.
    function initCore(SemVer memory coreVersion, address[7] memory coreFacets) internal {
        Layout storage $ = layout();
        ModuleRecord storage core = _newRecord($, CORE_MODULE);
        core.version = coreVersion;
        core.status = ModuleStatus.Installed;
        _newRecord($, UNMANAGED_MODULE).status = ModuleStatus.Installed;
        for (uint256 i; i < coreFacets.length; ++i) {
            _enforceHasCode(coreFacets[i]);
        }
        $.coreFacets = coreFacets;

        FacetSelectors[] memory listed = LibCore.facets(coreFacets);
        IDiamondCut.FacetCut[] memory cuts = new IDiamondCut.FacetCut[](listed.length);
        for (uint256 i; i < listed.length; ++i) {
            cuts[i] = IDiamondCut.FacetCut(
                listed[i].facetAddress,
                IDiamondCut.FacetCutAction.Add,
                listed[i].functionSelectors
            );
        }
        emit IDiamondCut.DiamondCut(cuts, address(0), "");
        emit IModuleRegistry.ModuleInstalled(CORE_MODULE, coreVersion, address(0));
    }

    /// @dev The facet serving `selector` (core or table), or zero.
    function facetOf(bytes4 selector) internal view returns (address) {
        uint256 core = LibCore.facetIndexOf(selector);
        if (core != LibCore.NOT_CORE) return layout().coreFacets[core];
        return loadSelector(selector).facet();
    }

    // ------------------------------------------------------------------ raw cut

    /// @dev EIP-2535 `diamondCut`. Selectors it adds belong to `unmanaged`; it may only
    /// replace or remove selectors that `unmanaged` owns.
    function diamondCut(IDiamondCut.FacetCut[] calldata cuts, address init, bytes calldata data) internal {
        Layout storage $ = layout();
        bool paused = $.globalPaused || $.modules[UNMANAGED_INDEX].paused;
        for (uint256 i; i < cuts.length; ++i) {
            IDiamondCut.FacetCut calldata cut = cuts[i];
            bytes4[] calldata sels = cut.functionSelectors;
            if (sels.length == 0) revert IDiamondCut.DiamondNoSelectors(cut.facetAddress);
            if (cut.action == IDiamondCut.FacetCutAction.Remove) {
                if (cut.facetAddress != address(0)) revert IDiamondCut.DiamondRemoveFacetNotZero(cut.facetAddress);
                for (uint256 j; j < sels.length; ++j) {
                    _removeSelector($, _unmanagedWord($, sels[j]), sels[j]);
                }
                continue;
            }
            if (cut.facetAddress == address(0)) revert IDiamondCut.DiamondFacetIsZero(sels[0]);
            _enforceHasCode(cut.facetAddress);
            if (cut.action == IDiamondCut.FacetCutAction.Add) {
                for (uint256 j; j < sels.length; ++j) {
                    _addSelector($, sels[j], cut.facetAddress, UNMANAGED_INDEX, paused);
                }
            } else {
                for (uint256 j; j < sels.length; ++j) {
                    SelectorWord w = _unmanagedWord($, sels[j]);
                    if (w.facet() == cut.facetAddress) revert IDiamondCut.DiamondSelectorUnchanged(sels[j], w.facet());
                    _storeSelector(sels[j], w.withFacet(cut.facetAddress));
                }
            }
        }
        emit IDiamondCut.DiamondCut(cuts, init, data);
        initialize(init, data);
    }

    /// @dev The word of `selector`, which must exist and belong to `unmanaged`.
    function _unmanagedWord(Layout storage $, bytes4 selector) private view returns (SelectorWord w) {
        if (LibCore.facetIndexOf(selector) != LibCore.NOT_CORE) revert IDiamondCut.DiamondImmutableFunction(selector);
        w = loadSelector(selector);
        if (w.isEmpty()) revert IDiamondCut.DiamondSelectorNotFound(selector);
        if (w.moduleIndex() != UNMANAGED_INDEX) _revertTaken($, selector, w.moduleIndex(), UNMANAGED_INDEX);
    }

    // ------------------------------------------------------------------ modules

    function installModule(ModuleSpec calldata spec, address init, bytes calldata data) internal {
        Layout storage $ = layout();
        ModuleId id = spec.id;
        _enforceNotReserved(id);
        uint256 indexPlusOne = $.moduleIndex[id];
        ModuleRecord storage m;
        if (indexPlusOne == 0) {
            m = _newRecord($, id);
        } else {
            m = $.modules[indexPlusOne - 1];
            if (m.status == ModuleStatus.Installed) revert IModuleRegistry.RegistryModuleAlreadyInstalled(id);
        }
        _enforceSpec($, spec, init);
        uint16 index = uint16($.moduleIndex[id] - 1);

        m.version = spec.version;
        m.status = ModuleStatus.Installed;
        m.paused = false;
        _setInterfaces($, m, spec.interfaceIds);
        m.dependencies = spec.dependencies;

        bool paused = $.globalPaused;
        IDiamondCut.FacetCut[] memory cuts = new IDiamondCut.FacetCut[](spec.facets.length);
        for (uint256 i; i < spec.facets.length; ++i) {
            FacetSelectors calldata f = spec.facets[i];
            _enforceFacet(f);
            for (uint256 j; j < f.functionSelectors.length; ++j) {
                _addSelector($, f.functionSelectors[j], f.facetAddress, index, paused);
            }
            cuts[i] = IDiamondCut.FacetCut(f.facetAddress, IDiamondCut.FacetCutAction.Add, f.functionSelectors);
        }
        emit IDiamondCut.DiamondCut(cuts, init, data);
        emit IModuleRegistry.ModuleInstalled(id, spec.version, init);
        _initModule($, id, spec.version, init, data);
    }

    function upgradeModule(ModuleSpec calldata spec, address init, bytes calldata data) internal {
        Layout storage $ = layout();
        ModuleId id = spec.id;
        _enforceNotReserved(id);
        uint16 index = _installedIndex($, id);
        ModuleRecord storage m = $.modules[index];
        SemVer memory fromVersion = m.version;
        if (packVersion(spec.version) <= packVersion(fromVersion)) {
            revert IModuleRegistry.RegistryVersionNotNewer(id, fromVersion, spec.version);
        }
        _enforceSpec($, spec, init);

        IDiamondCut.FacetCut[] memory cuts = _upgradeSelectors($, spec, index);
        m.version = spec.version;
        _setInterfaces($, m, spec.interfaceIds);
        m.dependencies = spec.dependencies;

        emit IDiamondCut.DiamondCut(cuts, init, data);
        emit IModuleRegistry.ModuleUpgraded(id, fromVersion, spec.version, init);
        _initModule($, id, spec.version, init, data);
    }

    /// @dev Removes the module's selectors that `spec` no longer lists, adds new ones and
    /// repoints kept ones whose facet changed. Returns the cuts made: up to an Add and a
    /// Replace per facet, and one Remove.
    function _upgradeSelectors(
        Layout storage $,
        ModuleSpec calldata spec,
        uint16 index
    ) private returns (IDiamondCut.FacetCut[] memory cuts) {
        bytes4[] memory old = $.modules[index].selectors;
        bytes4[] memory removed = new bytes4[](old.length);
        uint256 removedCount;
        for (uint256 i; i < old.length; ++i) {
            if (!_specHasSelector(spec, old[i])) {
                _removeSelector($, loadSelector(old[i]), old[i]);
                removed[removedCount++] = old[i];
            }
        }

        bool paused = $.globalPaused || $.modules[index].paused;
        cuts = new IDiamondCut.FacetCut[](spec.facets.length * 2 + 1);
        uint256 cutCount;
        for (uint256 i; i < spec.facets.length; ++i) {
            cutCount = _upgradeFacet($, spec.facets[i], index, paused, cuts, cutCount);
        }
        _clearSeen(spec);
        cutCount = _pushCut(cuts, cutCount, address(0), IDiamondCut.FacetCutAction.Remove, removed, removedCount);
        assembly {
            mstore(cuts, cutCount)
        }
    }

    function removeModule(ModuleId id) internal {
        Layout storage $ = layout();
        _enforceNotReserved(id);
        uint16 index = _installedIndex($, id);
        ModuleRecord storage m = $.modules[index];
        uint256 count = $.modules.length;
        for (uint256 i; i < count; ++i) {
            ModuleRecord storage other = $.modules[i];
            if (i == index || other.status != ModuleStatus.Installed) continue;
            for (uint256 j; j < other.dependencies.length; ++j) {
                if (other.dependencies[j] == id) revert IModuleRegistry.RegistryModuleRequired(id, other.id);
            }
        }

        bytes4[] memory sels = m.selectors;
        for (uint256 i; i < sels.length; ++i) {
            _storeSelector(sels[i], SelectorWord.wrap(0));
        }
        delete m.selectors;
        _setInterfaces($, m, new bytes4[](0));
        delete m.dependencies;
        m.status = ModuleStatus.Removed;
        m.paused = false;

        IDiamondCut.FacetCut[] memory cuts = new IDiamondCut.FacetCut[](1);
        cuts[0] = IDiamondCut.FacetCut(address(0), IDiamondCut.FacetCutAction.Remove, sels);
        emit IDiamondCut.DiamondCut(cuts, address(0), "");
        emit IModuleRegistry.ModuleRemoved(id, m.version);
    }

    // ------------------------------------------------------------------ pause

    /// @dev Writes the effective pause flag of every selector of module `index`.
    function syncPaused(Layout storage $, uint16 index) internal {
        ModuleRecord storage m = $.modules[index];
        bool paused = $.globalPaused || m.paused;
        bytes4[] storage sels = m.selectors;
        uint256 n = sels.length;
        for (uint256 i; i < n; ++i) {
            _storeSelector(sels[i], loadSelector(sels[i]).withPaused(paused));
        }
    }

    // ------------------------------------------------------------------ helpers

    /// @dev Delegatecalls `init` with `data`, bubbling up its revert reason.
    function initialize(address init, bytes memory data) internal {
        if (init == address(0)) {
            if (data.length != 0) revert IDiamondCut.DiamondInitDataWithoutInit();
            return;
        }
        if (init.code.length == 0) revert IDiamondCut.DiamondInitHasNoCode(init);
        (bool ok, bytes memory reason) = init.delegatecall(data);
        if (!ok) {
            if (reason.length == 0) revert IDiamondCut.DiamondInitFailed(init, data);
            assembly {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }

    function installedIndex(ModuleId id) internal view returns (uint16) {
        return _installedIndex(layout(), id);
    }

    function _installedIndex(Layout storage $, ModuleId id) private view returns (uint16) {
        uint256 indexPlusOne = $.moduleIndex[id];
        if (indexPlusOne == 0 || $.modules[indexPlusOne - 1].status != ModuleStatus.Installed) {
            revert IModuleRegistry.RegistryModuleNotInstalled(id);
        }
        return uint16(indexPlusOne - 1);
    }

    function _newRecord(Layout storage $, ModuleId id) private returns (ModuleRecord storage m) {
        m = $.modules.push();
        m.id = id;
        $.moduleIndex[id] = $.modules.length;
    }

    function _addSelector(Layout storage $, bytes4 sel, address facet, uint16 index, bool paused) private {
        if (LibCore.facetIndexOf(sel) != LibCore.NOT_CORE) revert IDiamondCut.DiamondImmutableFunction(sel);
        SelectorWord w = loadSelector(sel);
        if (!w.isEmpty()) _revertTaken($, sel, w.moduleIndex(), index);
        bytes4[] storage list = $.modules[index].selectors;
        _storeSelector(sel, SelectorWordLib.pack(facet, index, uint16(list.length), paused));
        list.push(sel);
    }

    /// @dev Swap-and-pop `sel` out of its module's list, then clear its slot.
    function _removeSelector(Layout storage $, SelectorWord w, bytes4 sel) private {
        bytes4[] storage list = $.modules[w.moduleIndex()].selectors;
        uint16 position = w.position();
        uint256 last = list.length - 1;
        if (position != last) {
            bytes4 moved = list[last];
            list[position] = moved;
            _storeSelector(moved, loadSelector(moved).withPosition(position));
        }
        list.pop();
        _storeSelector(sel, SelectorWord.wrap(0));
    }

    function _revertTaken(Layout storage $, bytes4 sel, uint16 ownerIndex, uint16 requesterIndex) private view {
        revert IDiamondCut.DiamondSelectorTaken(sel, $.modules[ownerIndex].id, $.modules[requesterIndex].id);
    }

    function _enforceNotReserved(ModuleId id) private pure {
        if (id == ModuleId.wrap(0) || id == CORE_MODULE || id == UNMANAGED_MODULE) {
            revert IModuleRegistry.RegistryReservedModuleId(id);
        }
    }

    function _enforceHasCode(address facet) private view {
        if (facet.code.length == 0) revert IDiamondCut.DiamondFacetHasNoCode(facet);
    }

    function _enforceFacet(FacetSelectors calldata f) private view {
        if (f.functionSelectors.length == 0) revert IDiamondCut.DiamondNoSelectors(f.facetAddress);
        if (f.facetAddress == address(0)) revert IDiamondCut.DiamondFacetIsZero(f.functionSelectors[0]);
        _enforceHasCode(f.facetAddress);
    }

    /// @dev Checks shared by install and upgrade: facets, dependencies, interfaces, init.
    function _enforceSpec(Layout storage $, ModuleSpec calldata spec, address init) private view {
        ModuleId id = spec.id;
        if (spec.facets.length == 0) revert IModuleRegistry.RegistryModuleHasNoFacets(id);
        for (uint256 i; i < spec.dependencies.length; ++i) {
            ModuleId dep = spec.dependencies[i];
            uint256 depPlusOne = $.moduleIndex[dep];
            if (dep == id || depPlusOne == 0 || $.modules[depPlusOne - 1].status != ModuleStatus.Installed) {
                revert IModuleRegistry.RegistryDependencyMissing(id, dep);
            }
        }
        for (uint256 i; i < spec.interfaceIds.length; ++i) {
            if (spec.interfaceIds[i] == 0xffffffff) revert IModuleRegistry.RegistryInvalidInterfaceId(0xffffffff);
        }
        if (init != address(0) && $.initRun[id][packVersion(spec.version)]) {
            revert IModuleRegistry.RegistryInitAlreadyRun(id, spec.version);
        }
    }

    function _specHasSelector(ModuleSpec calldata spec, bytes4 sel) private pure returns (bool) {
        for (uint256 i; i < spec.facets.length; ++i) {
            bytes4[] calldata sels = spec.facets[i].functionSelectors;
            for (uint256 j; j < sels.length; ++j) {
                if (sels[j] == sel) return true;
            }
        }
        return false;
    }

    /// @dev Replaces the module's interface ids, keeping the per-interface reference counts.
    function _setInterfaces(Layout storage $, ModuleRecord storage m, bytes4[] memory ids) private {
        bytes4[] storage current = m.interfaceIds;
        for (uint256 i; i < current.length; ++i) {
            --$.interfaceRefs[current[i]];
        }
        for (uint256 i; i < ids.length; ++i) {
            ++$.interfaceRefs[ids[i]];
        }
        m.interfaceIds = ids;
    }

    function _initModule(
        Layout storage $,
        ModuleId id,
        SemVer calldata version,
        address init,
        bytes calldata data
    ) private {
        if (init != address(0)) $.initRun[id][packVersion(version)] = true;
        initialize(init, data);
    }

    /// @dev Adds the facet's new selectors and repoints kept ones; appends the cuts made.
    function _upgradeFacet(
        Layout storage $,
        FacetSelectors calldata f,
        uint16 index,
        bool paused,
        IDiamondCut.FacetCut[] memory cuts,
        uint256 cutCount
    ) private returns (uint256) {
        _enforceFacet(f);
        bytes4[] memory added = _emptyWithCapacity(f.functionSelectors.length);
        bytes4[] memory replaced = _emptyWithCapacity(f.functionSelectors.length);
        for (uint256 j; j < f.functionSelectors.length; ++j) {
            bytes4 sel = f.functionSelectors[j];
            if (_markSeen(sel)) _revertTaken($, sel, index, index);
            SelectorWord w = loadSelector(sel);
            if (w.isEmpty()) {
                _addSelector($, sel, f.facetAddress, index, paused);
                _append(added, sel);
            } else if (w.moduleIndex() != index) {
                _revertTaken($, sel, w.moduleIndex(), index);
            } else if (w.facet() != f.facetAddress) {
                _storeSelector(sel, w.withFacet(f.facetAddress));
                _append(replaced, sel);
            }
        }
        cutCount = _pushCut(cuts, cutCount, f.facetAddress, IDiamondCut.FacetCutAction.Add, added, added.length);
        return _pushCut(cuts, cutCount, f.facetAddress, IDiamondCut.FacetCutAction.Replace, replaced, replaced.length);
    }

    /// @dev Marks `sel` as processed by the running upgrade; returns whether it already was.
    function _markSeen(bytes4 sel) private returns (bool seen) {
        assembly {
            let key := add(UPGRADE_SEEN_BASE, shr(224, sel))
            seen := tload(key)
            tstore(key, 1)
        }
    }

    /// @dev Clears the marks, so a later upgrade in the same transaction starts afresh.
    function _clearSeen(ModuleSpec calldata spec) private {
        for (uint256 i; i < spec.facets.length; ++i) {
            bytes4[] calldata sels = spec.facets[i].functionSelectors;
            for (uint256 j; j < sels.length; ++j) {
                bytes4 sel = sels[j];
                assembly {
                    tstore(add(UPGRADE_SEEN_BASE, shr(224, sel)), 0)
                }
            }
        }
    }

    /// @dev A zero-length array with room for `capacity` elements, for `_append`.
    function _emptyWithCapacity(uint256 capacity) private pure returns (bytes4[] memory a) {
        a = new bytes4[](capacity);
        assembly {
            mstore(a, 0)
        }
    }

    /// @dev Appends within the capacity reserved by `_emptyWithCapacity`.
    function _append(bytes4[] memory a, bytes4 value) private pure {
        assembly {
            let n := add(mload(a), 1)
            mstore(a, n)
            mstore(add(a, shl(5, n)), value)
        }
    }

    function _pushCut(
        IDiamondCut.FacetCut[] memory cuts,
        uint256 cutCount,
        address facet,
        IDiamondCut.FacetCutAction action,
        bytes4[] memory sels,
        uint256 n
    ) private pure returns (uint256) {
        if (n == 0) return cutCount;
        assembly {
            mstore(sels, n)
        }
        cuts[cutCount] = IDiamondCut.FacetCut(facet, action, sels);
        return cutCount + 1;
    }
}
