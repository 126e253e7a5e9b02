// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

// A test handler: many ghost variables, named like ordinary fields.
// solhint-disable max-states-count, immutable-vars-naming

import {Diamond, DiamondConfig} from "../../contracts/diamond/Diamond.sol";
import {CoreFacets, LibCore} from "../../contracts/diamond/libraries/LibCore.sol";
import {DiamondCutFacet} from "../../contracts/diamond/facets/DiamondCutFacet.sol";
import {DiamondLoupeFacet} from "../../contracts/diamond/facets/DiamondLoupeFacet.sol";
import {OwnershipFacet} from "../../contracts/diamond/facets/OwnershipFacet.sol";
import {AccessControlFacet} from "../../contracts/access/AccessControlFacet.sol";
import {PauseFacet} from "../../contracts/access/PauseFacet.sol";
import {TimelockFacet} from "../../contracts/access/TimelockFacet.sol";
import {ModuleRegistryFacet} from "../../contracts/registry/ModuleRegistryFacet.sol";
import {IDiamondCut} from "../../contracts/interfaces/IDiamondCut.sol";
import {IDiamondLoupe} from "../../contracts/interfaces/IDiamondLoupe.sol";
import {IFinanceDiamond} from "../../contracts/interfaces/IFinanceDiamond.sol";
import {IModuleRegistry} from "../../contracts/interfaces/IModuleRegistry.sol";
import {IPause} from "../../contracts/interfaces/IPause.sol";
import {MockFacetV1, MockFacetV2, MockOtherFacet, TenSelectorFacet} from "../../contracts/mocks/MockModules.sol";
import {
    CORE_MODULE,
    UNMANAGED_MODULE,
    FacetSelectors,
    ModuleId,
    ModuleSpec,
    SemVer
} from "../../contracts/types/ModuleTypes.sol";

/// @dev Facets for raw `diamondCut`s: the same six functions, two implementations, so a
/// call routed through the diamond tells which facet served it.
contract RawFacetA {
    function raw0() external pure returns (uint256) {
        return 100;
    }

    function raw1() external pure returns (uint256) {
        return 101;
    }

    function raw2() external pure returns (uint256) {
        return 102;
    }

    function raw3() external pure returns (uint256) {
        return 103;
    }

    function raw4() external pure returns (uint256) {
        return 104;
    }

    function raw5() external pure returns (uint256) {
        return 105;
    }
}

contract RawFacetB {
    function raw0() external pure returns (uint256) {
        return 200;
    }

    function raw1() external pure returns (uint256) {
        return 201;
    }

    function raw2() external pure returns (uint256) {
        return 202;
    }

    function raw3() external pure returns (uint256) {
        return 203;
    }

    function raw4() external pure returns (uint256) {
        return 204;
    }

    function raw5() external pure returns (uint256) {
        return 205;
    }
}

/// @title Drives a diamond through random registry operations and models the result.
/// @notice Owner, upgrader and guardian of its own diamond (delay 0), so every action is
/// one schedule + execute (or one pause call). Before each action the handler predicts,
/// from its ghost model, whether the diamond must accept it; a disagreement is counted in
/// `mismatches`. On success the ghost model is updated with the expected effect, and the
/// invariants compare the diamond with it.
/// @dev Every action takes one `seed`; fields are decoded from fixed bit ranges, and the
/// rare "make it invalid" branches trigger on all-ones fields, so a seed built from small
/// values (see the test helpers) describes a valid operation.
///   modules:  slot = seed % 4, moved to a module in the state the action needs unless
///             [6,8)==3; [8,12)==15 reserved id ([12] picks which);
///             [16,20) home-selector mask; [24,27)==7 adds a foreign selector ([28,36) index);
///             [40,64) facet choice, 4 bits per selector; [64,66)==3 declares the shared
///             interface; [66,71)==31 declares the invalid 0xffffffff; [72,75)==7 adds a
///             dependency ([75,77) slot, moved to an installed module unless [77,79)==3);
///             [80,83) install minor version, ==7 on upgrade keeps the version (not newer).
///   raw cuts: facet = seed % 4; [4,8)==15 facet without code (Add/Replace) or non-zero
///             facet (Remove); [8,14) raw-selector mask; [14,16)==3 disables the filter
///             that keeps the choice valid (Replace/Remove then also take the module-pool
///             selectors `unmanaged` owns); [16,19)==7 adds an intruder ([20,28) index).
contract RegistryHandler {
    struct GhostModule {
        bool installed;
        bool everInstalled;
        bool paused;
        SemVer version;
        ModuleId[] dependencies;
        bytes4[] interfaceIds;
    }

    /// @dev An interface id several modules may declare, to exercise reference counting.
    bytes4 public constant SHARED_INTERFACE = 0x5eed5eed;
    /// @dev An address without code.
    address public constant NO_CODE = address(0xc0DE0000000000000000000000000000DeAdC0de);

    bytes32 public constant ACT_INSTALL = "installModule";
    bytes32 public constant ACT_UPGRADE = "upgradeModule";
    bytes32 public constant ACT_REMOVE = "removeModule";
    bytes32 public constant ACT_RAW_ADD = "rawCutAdd";
    bytes32 public constant ACT_RAW_REPLACE = "rawCutReplace";
    bytes32 public constant ACT_RAW_REMOVE = "rawCutRemove";
    bytes32 public constant ACT_PAUSE = "togglePause";
    bytes32 public constant ACT_PAUSE_MODULE = "toggleModulePause";
    bytes32 public constant ACT_BATCH_OK = "batchInstallThenRemove";
    bytes32 public constant ACT_BATCH_ABORT = "batchInstallThenAbort";

    IFinanceDiamond public immutable diamond;
    CoreFacets internal _core;

    ModuleId[4] internal _ids;
    bytes4[] internal _modulePool;
    mapping(bytes4 selector => address[] facets) internal _implementers;
    bytes4[] internal _rawPool;
    address[] internal _rawFacets;
    bytes4[] internal _intruders;
    bytes4[] internal _coreSelectors;

    // ------------------------------------------------------------------ ghost model
    mapping(bytes4 selector => ModuleId) public ghostOwner;
    mapping(bytes4 selector => address) public ghostFacet;
    mapping(ModuleId id => GhostModule) internal _ghost;
    bool public ghostGlobalPaused;

    // ------------------------------------------------------------------ bookkeeping
    uint256 public mismatches;
    bytes public lastMismatch;
    bytes public lastError;
    mapping(bytes32 action => uint256) public attempts;
    mapping(bytes32 action => uint256) public successes;
    uint256 private _saltNonce;

    constructor() {
        _core = CoreFacets({
            diamondCut: address(new DiamondCutFacet()),
            diamondLoupe: address(new DiamondLoupeFacet()),
            ownership: address(new OwnershipFacet()),
            accessControl: address(new AccessControlFacet()),
            pause: address(new PauseFacet()),
            timelock: address(new TimelockFacet()),
            moduleRegistry: address(new ModuleRegistryFacet())
        });
        address d = address(new Diamond(_core, DiamondConfig(address(this), address(this), address(this), 0)));
        diamond = IFinanceDiamond(d);

        _ids[0] = ModuleId.wrap("modA");
        _ids[1] = ModuleId.wrap("modB");
        _ids[2] = ModuleId.wrap("modC");
        _ids[3] = ModuleId.wrap("modD");

        _initCoreGhost();
        _initModulePool();
        _initRawPool();
    }

    function _initCoreGhost() private {
        FacetSelectors[] memory groups = LibCore.facets(LibCore.toArray(_core));
        for (uint256 i; i < groups.length; ++i) {
            for (uint256 j; j < groups[i].functionSelectors.length; ++j) {
                bytes4 sel = groups[i].functionSelectors[j];
                ghostOwner[sel] = CORE_MODULE;
                ghostFacet[sel] = groups[i].facetAddress;
                _coreSelectors.push(sel);
            }
        }
        GhostModule storage core = _ghost[CORE_MODULE];
        core.installed = true;
        core.everInstalled = true;
        core.version = LibCore.version();
        core.interfaceIds = LibCore.interfaceIds();
        GhostModule storage unmanaged = _ghost[UNMANAGED_MODULE];
        unmanaged.installed = true;
        unmanaged.everInstalled = true;

        _intruders.push(IDiamondCut.diamondCut.selector);
        _intruders.push(IDiamondLoupe.facets.selector);
        _intruders.push(IModuleRegistry.installModule.selector);
        _intruders.push(IPause.pause.selector);
    }

    function _initModulePool() private {
        address[] memory v1 = new address[](3);
        address[] memory v2 = new address[](3);
        address[] memory both = new address[](6);
        address[] memory other = new address[](2);
        address[] memory ten = new address[](3);
        for (uint256 i; i < 3; ++i) {
            v1[i] = address(new MockFacetV1());
            v2[i] = address(new MockFacetV2());
            ten[i] = address(new TenSelectorFacet());
            both[i] = v1[i];
            both[3 + i] = v2[i];
        }
        other[0] = address(new MockOtherFacet());
        other[1] = address(new MockOtherFacet());

        _addPool(MockFacetV1.mockValue.selector, both);
        _addPool(MockFacetV1.setMockValue.selector, both);
        _addPool(MockFacetV1.mockPing.selector, v1);
        _addPool(MockFacetV2.mockPong.selector, v2);
        _addPool(MockOtherFacet.otherPing.selector, other);
        _addPool(TenSelectorFacet.ten0.selector, ten);
        _addPool(TenSelectorFacet.ten1.selector, ten);
        _addPool(TenSelectorFacet.ten2.selector, ten);
        _addPool(TenSelectorFacet.ten3.selector, ten);
        _addPool(TenSelectorFacet.ten4.selector, ten);
        _addPool(TenSelectorFacet.ten5.selector, ten);
        _addPool(TenSelectorFacet.ten6.selector, ten);
        _addPool(TenSelectorFacet.ten7.selector, ten);
        _addPool(TenSelectorFacet.ten8.selector, ten);
        _addPool(TenSelectorFacet.ten9.selector, ten);
    }

    function _addPool(bytes4 sel, address[] memory facets) private {
        _modulePool.push(sel);
        _implementers[sel] = facets;
        _intruders.push(sel);
    }

    function _initRawPool() private {
        _rawFacets.push(address(new RawFacetA()));
        _rawFacets.push(address(new RawFacetB()));
        _rawFacets.push(address(new RawFacetA()));
        _rawFacets.push(address(new RawFacetB()));
        _rawPool.push(RawFacetA.raw0.selector);
        _rawPool.push(RawFacetA.raw1.selector);
        _rawPool.push(RawFacetA.raw2.selector);
        _rawPool.push(RawFacetA.raw3.selector);
        _rawPool.push(RawFacetA.raw4.selector);
        _rawPool.push(RawFacetA.raw5.selector);
    }

    // ================================================================== actions

    /// @notice Installs one of the four modules with a subset of its home selectors.
    function installModule(uint256 seed) external returns (bool ok) {
        return _install(seed);
    }

    function _install(uint256 seed) private returns (bool ok) {
        (ModuleId id, uint256 slot, bool reserved) = _pickId(seed, false);
        SemVer memory version = SemVer(1, uint16(((seed >> 80) & 7) % 3), 0);
        (ModuleSpec memory spec, bool specOk) = _buildSpec(id, slot, version, seed);
        bool expected = !reserved && !_ghost[id].installed && specOk && _selectorsFree(spec, ModuleId.wrap(0));
        ok = _timelocked(
            _one(abi.encodeCall(IModuleRegistry.installModule, (spec, address(0), ""))),
            ACT_INSTALL,
            expected
        );
        if (ok) _applyInstall(spec);
    }

    /// @notice Upgrades a module to a newer version with another subset and other facets.
    /// If no module is installed (and bits [6,8) allow it), first installs one in its own
    /// operation, so upgrades are not starved early in a run.
    function upgradeModule(uint256 seed) external returns (bool ok) {
        (ModuleId id, uint256 slot, bool reserved) = _pickId(seed, true);
        if (!reserved && !_ghost[id].installed && ((seed >> 6) & 3) != 3) {
            uint256 installSeed = (uint256(keccak256(abi.encode(seed))) & ~uint256(0xffff)) | slot;
            if (_install(installSeed)) (id, slot, reserved) = _pickId(seed, true);
        }
        GhostModule storage g = _ghost[id];
        SemVer memory version = g.version;
        bool newer = ((seed >> 80) & 7) != 7;
        if (newer) version.minor += 1;
        (ModuleSpec memory spec, bool specOk) = _buildSpec(id, slot, version, seed);
        bool expected = !reserved && g.installed && newer && specOk && _selectorsFree(spec, id);
        ok = _timelocked(
            _one(abi.encodeCall(IModuleRegistry.upgradeModule, (spec, address(0), ""))),
            ACT_UPGRADE,
            expected
        );
        if (ok) _applyUpgrade(spec);
    }

    /// @notice Removes a module (refused while another installed module depends on it).
    function removeModule(uint256 seed) external returns (bool ok) {
        (ModuleId id, , bool reserved) = _pickId(seed, true);
        bool expected = !reserved && _ghost[id].installed && !_hasDependent(id);
        ok = _timelocked(_one(abi.encodeCall(IModuleRegistry.removeModule, (id))), ACT_REMOVE, expected);
        if (ok) _applyRemove(id);
    }

    /// @notice Raw `diamondCut` Add of raw selectors (sometimes a module's or core's).
    function rawCutAdd(uint256 seed) external returns (bool ok) {
        address facet = ((seed >> 4) & 15) == 15 ? NO_CODE : _rawFacets[seed % 4];
        bytes4[] memory sels = _rawSelection(seed, IDiamondCut.FacetCutAction.Add, facet);
        bool expected = sels.length != 0 && facet != NO_CODE;
        for (uint256 i; i < sels.length; ++i) {
            if (ModuleId.unwrap(ghostOwner[sels[i]]) != 0) expected = false;
        }
        ok = _timelocked(_cut(facet, IDiamondCut.FacetCutAction.Add, sels), ACT_RAW_ADD, expected);
        if (ok) {
            for (uint256 i; i < sels.length; ++i) {
                ghostOwner[sels[i]] = UNMANAGED_MODULE;
                ghostFacet[sels[i]] = facet;
            }
        }
    }

    /// @notice Raw `diamondCut` Replace of unmanaged selectors to another facet.
    function rawCutReplace(uint256 seed) external returns (bool ok) {
        address facet = ((seed >> 4) & 15) == 15 ? NO_CODE : _rawFacets[seed % 4];
        bytes4[] memory sels = _rawSelection(seed, IDiamondCut.FacetCutAction.Replace, facet);
        bool expected = sels.length != 0 && facet != NO_CODE;
        for (uint256 i; i < sels.length; ++i) {
            if (ghostOwner[sels[i]] != UNMANAGED_MODULE || ghostFacet[sels[i]] == facet) expected = false;
        }
        ok = _timelocked(_cut(facet, IDiamondCut.FacetCutAction.Replace, sels), ACT_RAW_REPLACE, expected);
        if (ok) {
            for (uint256 i; i < sels.length; ++i) {
                ghostFacet[sels[i]] = facet;
            }
        }
    }

    /// @notice Raw `diamondCut` Remove of unmanaged selectors.
    function rawCutRemove(uint256 seed) external returns (bool ok) {
        address facet = ((seed >> 4) & 15) == 15 ? _rawFacets[seed % 4] : address(0);
        bytes4[] memory sels = _rawSelection(seed, IDiamondCut.FacetCutAction.Remove, facet);
        bool expected = sels.length != 0 && facet == address(0);
        for (uint256 i; i < sels.length; ++i) {
            if (ghostOwner[sels[i]] != UNMANAGED_MODULE) expected = false;
        }
        ok = _timelocked(_cut(facet, IDiamondCut.FacetCutAction.Remove, sels), ACT_RAW_REMOVE, expected);
        if (ok) {
            for (uint256 i; i < sels.length; ++i) {
                ghostOwner[sels[i]] = ModuleId.wrap(0);
                delete ghostFacet[sels[i]];
            }
        }
    }

    /// @notice Pauses the whole diamond, or unpauses it if paused.
    function togglePause(uint256) external returns (bool ok) {
        bytes memory data = ghostGlobalPaused ? abi.encodeCall(IPause.unpause, ()) : abi.encodeCall(IPause.pause, ());
        ok = _direct(data, ACT_PAUSE, true);
        if (ok) ghostGlobalPaused = !ghostGlobalPaused;
    }

    /// @notice Pauses one module (one of the four, `unmanaged`, rarely `core`), or unpauses it.
    function toggleModulePause(uint256 seed) external returns (bool ok) {
        uint256 slot = seed % 5;
        if (((seed >> 6) & 3) != 3) {
            // Move to the next installed module (`unmanaged`, slot 4, always is).
            while (slot < 4 && !_ghost[_ids[slot]].installed) ++slot;
        }
        ModuleId id = slot < 4 ? _ids[slot] : UNMANAGED_MODULE;
        if (((seed >> 8) & 15) == 15) id = CORE_MODULE;
        GhostModule storage g = _ghost[id];
        bytes memory data =
            g.paused ? abi.encodeCall(IPause.unpauseModule, (id)) : abi.encodeCall(IPause.pauseModule, (id));
        ok = _direct(data, ACT_PAUSE_MODULE, id != CORE_MODULE && g.installed);
        if (ok) g.paused = !g.paused;
    }

    /// @notice One operation that installs a module and removes it again: a net no-op on
    /// the loupe, leaving a removed record.
    function batchInstallThenRemove(uint256 seed) external returns (bool ok) {
        (ModuleId id, uint256 slot, bool reserved) = _pickId(seed, false);
        (ModuleSpec memory spec, bool specOk) = _buildSpec(id, slot, SemVer(1, 0, 0), seed);
        bool expected = !reserved && !_ghost[id].installed && specOk && _selectorsFree(spec, ModuleId.wrap(0));
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IModuleRegistry.installModule, (spec, address(0), ""));
        calls[1] = abi.encodeCall(IModuleRegistry.removeModule, (id));
        ok = _timelocked(calls, ACT_BATCH_OK, expected);
        if (ok) _ghost[id].everInstalled = true;
    }

    /// @notice One operation whose last call always fails: nothing of it may remain.
    function batchInstallThenAbort(uint256 seed) external returns (bool ok) {
        (ModuleId id, uint256 slot, ) = _pickId(seed, false);
        (ModuleSpec memory spec, ) = _buildSpec(id, slot, SemVer(1, 0, 0), seed);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IModuleRegistry.installModule, (spec, address(0), ""));
        calls[1] = abi.encodeCall(IModuleRegistry.removeModule, (CORE_MODULE));
        ok = _timelocked(calls, ACT_BATCH_ABORT, false);
    }

    // ================================================================== views for tests

    function coreFacets() external view returns (CoreFacets memory) {
        return _core;
    }

    function moduleIds() external view returns (ModuleId[4] memory) {
        return _ids;
    }

    /// @dev The four handler modules plus the two built-in ones.
    function knownModuleIds() public view returns (ModuleId[] memory ids) {
        ids = new ModuleId[](6);
        ids[0] = CORE_MODULE;
        ids[1] = UNMANAGED_MODULE;
        for (uint256 i; i < 4; ++i) {
            ids[2 + i] = _ids[i];
        }
    }

    function modulePool() external view returns (bytes4[] memory) {
        return _modulePool;
    }

    function rawPool() external view returns (bytes4[] memory) {
        return _rawPool;
    }

    function rawFacets() external view returns (address[] memory) {
        return _rawFacets;
    }

    function coreSelectors() external view returns (bytes4[] memory) {
        return _coreSelectors;
    }

    function intruders() external view returns (bytes4[] memory) {
        return _intruders;
    }

    function implementers(bytes4 sel) external view returns (address[] memory) {
        return _implementers[sel];
    }

    /// @dev Every selector any action can touch: core, module pool, raw pool.
    function universe() external view returns (bytes4[] memory all) {
        all = new bytes4[](_coreSelectors.length + _modulePool.length + _rawPool.length);
        uint256 k;
        for (uint256 i; i < _coreSelectors.length; ++i) all[k++] = _coreSelectors[i];
        for (uint256 i; i < _modulePool.length; ++i) all[k++] = _modulePool[i];
        for (uint256 i; i < _rawPool.length; ++i) all[k++] = _rawPool[i];
    }

    function interfaceOf(ModuleId id) public pure returns (bytes4) {
        return bytes4(keccak256(abi.encode("finsuite.test.iface", id)));
    }

    /// @dev Interface ids whose ERC-165 answer the model predicts.
    function interfaceUniverse() external view returns (bytes4[] memory all) {
        bytes4[] memory core = LibCore.interfaceIds();
        all = new bytes4[](core.length + 6);
        for (uint256 i; i < core.length; ++i) all[i] = core[i];
        for (uint256 i; i < 4; ++i) all[core.length + i] = interfaceOf(_ids[i]);
        all[core.length + 4] = SHARED_INTERFACE;
        all[core.length + 5] = 0xffffffff;
    }

    function ghostSupports(bytes4 interfaceId) external view returns (bool) {
        ModuleId[] memory ids = knownModuleIds();
        for (uint256 i; i < ids.length; ++i) {
            GhostModule storage g = _ghost[ids[i]];
            if (!g.installed) continue;
            for (uint256 j; j < g.interfaceIds.length; ++j) {
                if (g.interfaceIds[j] == interfaceId) return true;
            }
        }
        return false;
    }

    function ghostModule(
        ModuleId id
    )
        external
        view
        returns (bool installed, bool everInstalled, bool paused, SemVer memory version, ModuleId[] memory deps)
    {
        GhostModule storage g = _ghost[id];
        return (g.installed, g.everInstalled, g.paused, g.version, g.dependencies);
    }

    /// @dev Whether calls to `id`'s selectors must be refused: its own pause or the diamond's.
    function ghostEffectivelyPaused(ModuleId id) external view returns (bool) {
        if (id == CORE_MODULE) return false;
        return ghostGlobalPaused || _ghost[id].paused;
    }

    // ================================================================== seed helpers

    /// @dev A module seed with all "make it invalid" fields off.
    function moduleSeed(uint256 slot, uint256 mask, uint256 facetBits) public pure returns (uint256) {
        return (slot % 4) | ((mask & 15) << 16) | ((facetBits & 0xffffff) << 40);
    }

    /// @dev A raw-cut seed with all "make it invalid" fields off.
    function rawSeed(uint256 facetIndex, uint256 mask) public pure returns (uint256) {
        return (facetIndex % 4) | ((mask & 63) << 8);
    }

    // ================================================================== internals

    /// @dev The module slot `seed % 4`, moved to the next slot whose installed state is
    /// `wantInstalled` (so most operations are valid) unless bits [6,8) are all ones.
    function _pickId(uint256 seed, bool wantInstalled) private view returns (ModuleId id, uint256 slot, bool reserved) {
        slot = seed % 4;
        if (((seed >> 6) & 3) != 3) {
            for (uint256 i; i < 4; ++i) {
                uint256 candidate = (seed + i) % 4;
                if (_ghost[_ids[candidate]].installed == wantInstalled) {
                    slot = candidate;
                    break;
                }
            }
        }
        reserved = ((seed >> 8) & 15) == 15;
        if (reserved) id = (((seed >> 12) & 1) == 0) ? CORE_MODULE : UNMANAGED_MODULE;
        else id = _ids[slot];
    }

    /// @dev The spec for the module in slot `seed % 4`; `valid` covers what does not depend
    /// on who owns the selectors (non-empty, dependencies installed, interface ids valid).
    function _buildSpec(
        ModuleId id,
        uint256 slot,
        SemVer memory version,
        uint256 seed
    ) private view returns (ModuleSpec memory spec, bool valid) {
        (bytes4[] memory sels, address[] memory facetOf) = _pickModuleSelectors(slot, seed);
        spec.id = id;
        spec.version = version;
        spec.facets = _group(sels, facetOf);

        bool invalidInterface = ((seed >> 66) & 31) == 31;
        bool shared = ((seed >> 64) & 3) == 3;
        spec.interfaceIds = new bytes4[](1 + (shared ? 1 : 0) + (invalidInterface ? 1 : 0));
        spec.interfaceIds[0] = interfaceOf(id);
        if (shared) spec.interfaceIds[1] = SHARED_INTERFACE;
        if (invalidInterface) spec.interfaceIds[spec.interfaceIds.length - 1] = 0xffffffff;

        bool depsOk = true;
        if (((seed >> 72) & 7) == 7) {
            (ModuleId dep, bool found) = _pickDependency(id, seed);
            if (found) {
                spec.dependencies = new ModuleId[](1);
                spec.dependencies[0] = dep;
                depsOk = dep != id && _ghost[dep].installed;
            }
        }
        valid = sels.length != 0 && depsOk && !invalidInterface;
    }

    function _pickModuleSelectors(
        uint256 slot,
        uint256 seed
    ) private view returns (bytes4[] memory sels, address[] memory facetOf) {
        uint256 mask = (seed >> 16) & 15;
        uint256 poolLen = _modulePool.length;
        sels = new bytes4[](5);
        uint256 n;
        for (uint256 j; j < 4; ++j) {
            if ((mask >> j) & 1 == 1) sels[n++] = _modulePool[(4 * slot + j) % poolLen];
        }
        if (((seed >> 24) & 7) == 7) {
            bytes4 foreign = _modulePool[((seed >> 28) & 0xff) % poolLen];
            if (!_contains(sels, n, foreign)) sels[n++] = foreign;
        }
        assembly {
            mstore(sels, n)
        }
        facetOf = new address[](n);
        for (uint256 i; i < n; ++i) {
            address[] storage impl = _implementers[sels[i]];
            facetOf[i] = impl[((seed >> (40 + 4 * i)) & 15) % impl.length];
        }
    }

    /// @dev Groups selectors by facet, in first-seen order, into exactly-sized arrays.
    function _group(bytes4[] memory sels, address[] memory facetOf) private pure returns (FacetSelectors[] memory out) {
        address[] memory facets = new address[](sels.length);
        uint256 count;
        for (uint256 i; i < sels.length; ++i) {
            bool seen;
            for (uint256 f; f < count; ++f) {
                if (facets[f] == facetOf[i]) seen = true;
            }
            if (!seen) facets[count++] = facetOf[i];
        }
        out = new FacetSelectors[](count);
        for (uint256 f; f < count; ++f) {
            uint256 m;
            for (uint256 i; i < sels.length; ++i) {
                if (facetOf[i] == facets[f]) ++m;
            }
            out[f].facetAddress = facets[f];
            out[f].functionSelectors = new bytes4[](m);
            m = 0;
            for (uint256 i; i < sels.length; ++i) {
                if (facetOf[i] == facets[f]) out[f].functionSelectors[m++] = sels[i];
            }
        }
    }

    /// @dev Dependency slot [75,77), moved to the next installed module other than `id`
    /// (none if there is no such module) unless bits [77,79) are all ones: then the slot
    /// is kept as is, installed or not, even `id` itself.
    function _pickDependency(ModuleId id, uint256 seed) private view returns (ModuleId, bool) {
        uint256 start = (seed >> 75) & 3;
        if (((seed >> 77) & 3) == 3) return (_ids[start], true);
        for (uint256 i; i < 4; ++i) {
            ModuleId candidate = _ids[(start + i) % 4];
            if (candidate != id && _ghost[candidate].installed) return (candidate, true);
        }
        return (ModuleId.wrap(0), false);
    }

    /// @dev A subset of the raw pool, filtered (unless disabled) to what `action` can
    /// validly touch, plus sometimes an intruder from the module pool or core.
    function _rawSelection(
        uint256 seed,
        IDiamondCut.FacetCutAction action,
        address facet
    ) private view returns (bytes4[] memory sels) {
        uint256 mask = (seed >> 8) & 63;
        bool filter = ((seed >> 14) & 3) != 3;
        uint256 n;
        sels = new bytes4[](_rawPool.length + _modulePool.length + 1);
        for (uint256 i; i < _rawPool.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            bytes4 sel = _rawPool[i];
            if (filter && !_rawValid(sel, action, facet)) continue;
            sels[n++] = sel;
        }
        if (filter && action != IDiamondCut.FacetCutAction.Add) {
            // Module-pool selectors a raw cut took earlier: replace or remove them too, so
            // they do not block the modules for the rest of the run.
            for (uint256 i; i < _modulePool.length; ++i) {
                if (_rawValid(_modulePool[i], action, facet)) sels[n++] = _modulePool[i];
            }
        }
        if (((seed >> 16) & 7) == 7) {
            bytes4 intruder = _intruders[((seed >> 20) & 0xff) % _intruders.length];
            if (!_contains(sels, n, intruder)) sels[n++] = intruder;
        }
        assembly {
            mstore(sels, n)
        }
    }

    function _rawValid(bytes4 sel, IDiamondCut.FacetCutAction action, address facet) private view returns (bool) {
        if (action == IDiamondCut.FacetCutAction.Add) return ModuleId.unwrap(ghostOwner[sel]) == 0;
        if (ghostOwner[sel] != UNMANAGED_MODULE) return false;
        return action == IDiamondCut.FacetCutAction.Remove || ghostFacet[sel] != facet;
    }

    /// @dev Whether every selector of `spec` is free or owned by `allowed`.
    function _selectorsFree(ModuleSpec memory spec, ModuleId allowed) private view returns (bool) {
        for (uint256 i; i < spec.facets.length; ++i) {
            bytes4[] memory sels = spec.facets[i].functionSelectors;
            for (uint256 j; j < sels.length; ++j) {
                ModuleId owner = ghostOwner[sels[j]];
                if (ModuleId.unwrap(owner) != 0 && owner != allowed) return false;
            }
        }
        return true;
    }

    function _hasDependent(ModuleId id) private view returns (bool) {
        for (uint256 i; i < 4; ++i) {
            GhostModule storage other = _ghost[_ids[i]];
            if (_ids[i] == id || !other.installed) continue;
            for (uint256 j; j < other.dependencies.length; ++j) {
                if (other.dependencies[j] == id) return true;
            }
        }
        return false;
    }

    function _applyInstall(ModuleSpec memory spec) private {
        GhostModule storage g = _ghost[spec.id];
        g.installed = true;
        g.everInstalled = true;
        g.paused = false;
        _applySpec(g, spec);
    }

    function _applyUpgrade(ModuleSpec memory spec) private {
        for (uint256 i; i < _modulePool.length; ++i) {
            bytes4 sel = _modulePool[i];
            if (ghostOwner[sel] == spec.id && !_specHas(spec, sel)) {
                ghostOwner[sel] = ModuleId.wrap(0);
                delete ghostFacet[sel];
            }
        }
        _applySpec(_ghost[spec.id], spec);
    }

    function _applySpec(GhostModule storage g, ModuleSpec memory spec) private {
        g.version = spec.version;
        g.dependencies = spec.dependencies;
        g.interfaceIds = spec.interfaceIds;
        for (uint256 i; i < spec.facets.length; ++i) {
            bytes4[] memory sels = spec.facets[i].functionSelectors;
            for (uint256 j; j < sels.length; ++j) {
                ghostOwner[sels[j]] = spec.id;
                ghostFacet[sels[j]] = spec.facets[i].facetAddress;
            }
        }
    }

    function _applyRemove(ModuleId id) private {
        for (uint256 i; i < _modulePool.length; ++i) {
            bytes4 sel = _modulePool[i];
            if (ghostOwner[sel] == id) {
                ghostOwner[sel] = ModuleId.wrap(0);
                delete ghostFacet[sel];
            }
        }
        GhostModule storage g = _ghost[id];
        g.installed = false;
        g.paused = false;
        delete g.dependencies;
        delete g.interfaceIds;
    }

    function _specHas(ModuleSpec memory spec, bytes4 sel) private pure returns (bool) {
        for (uint256 i; i < spec.facets.length; ++i) {
            bytes4[] memory sels = spec.facets[i].functionSelectors;
            for (uint256 j; j < sels.length; ++j) {
                if (sels[j] == sel) return true;
            }
        }
        return false;
    }

    function _contains(bytes4[] memory a, uint256 n, bytes4 v) private pure returns (bool) {
        for (uint256 i; i < n; ++i) {
            if (a[i] == v) return true;
        }
        return false;
    }

    function _one(bytes memory call) private pure returns (bytes[] memory calls) {
        calls = new bytes[](1);
        calls[0] = call;
    }

    function _cut(
        address facet,
        IDiamondCut.FacetCutAction action,
        bytes4[] memory sels
    ) private pure returns (bytes[] memory) {
        IDiamondCut.FacetCut[] memory cuts = new IDiamondCut.FacetCut[](1);
        cuts[0] = IDiamondCut.FacetCut(facet, action, sels);
        return _one(abi.encodeCall(IDiamondCut.diamondCut, (cuts, address(0), "")));
    }

    /// @dev Schedules and executes `calls` under a fresh salt; records whether the outcome
    /// matched `expected`.
    function _timelocked(bytes[] memory calls, bytes32 action, bool expected) private returns (bool ok) {
        ++attempts[action];
        bytes32 salt = bytes32(++_saltNonce);
        diamond.schedule(calls, salt);
        try diamond.execute(calls, salt) {
            ok = true;
        } catch (bytes memory err) {
            lastError = err;
        }
        _record(action, expected, ok);
    }

    function _direct(bytes memory data, bytes32 action, bool expected) private returns (bool ok) {
        ++attempts[action];
        bytes memory err;
        (ok, err) = address(diamond).call(data);
        if (!ok) lastError = err;
        _record(action, expected, ok);
    }

    function _record(bytes32 action, bool expected, bool ok) private {
        if (ok) ++successes[action];
        if (ok != expected) {
            ++mismatches;
            lastMismatch = abi.encode(action, expected, ok ? bytes("") : lastError);
        }
    }
}
