// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {TestBase} from "./TestBase.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {LibCore} from "../../contracts/diamond/libraries/LibCore.sol";
import {IDiamondCut} from "../../contracts/interfaces/IDiamondCut.sol";
import {IFinanceDiamond} from "../../contracts/interfaces/IFinanceDiamond.sol";
import {ITimelock} from "../../contracts/interfaces/ITimelock.sol";
import {MockFacetV1, MockFacetV2} from "../../contracts/mocks/MockModules.sol";
import {
    CORE_MODULE,
    UNMANAGED_MODULE,
    FacetSelectors,
    ModuleId,
    ModuleInfo,
    ModuleSpec,
    ModuleStatus,
    SemVer
} from "../../contracts/types/ModuleTypes.sol";

/// @dev Checks shared by the invariant suite and the plain tests: the loupe, the
/// registry and the handler's ghost model must all describe the same diamond.
abstract contract RegistryChecks is TestBase {
    RegistryHandler internal handler;
    IFinanceDiamond internal diamond;
    bytes internal coreAfterDeployment;

    function _deploy() internal {
        // The test chain starts at timestamp 1, which is also the timelock's DONE marker:
        // with delay 0 an operation scheduled there would read as already executed.
        vm.warp(1_700_000_000);
        handler = new RegistryHandler();
        diamond = handler.diamond();
        vm.label(address(handler), "RegistryHandler");
        vm.label(address(diamond), "Diamond");
        coreAfterDeployment = abi.encode(diamond.getModule(CORE_MODULE));
    }

    // ------------------------------------------------------------------ the properties

    /// @dev Every loupe selector is owned by exactly one installed module, which lists it
    /// under the same facet; no other installed module lists it.
    function _checkLoupeSelectorsOwnedByOneInstalledModule() internal view {
        (bytes4[] memory sels, address[] memory facetOf) = _flattenLoupe();
        ModuleId[] memory ids = diamond.moduleIds();
        ModuleInfo[] memory infos = _infos(ids);
        for (uint256 k; k < sels.length; ++k) {
            ModuleId owner = diamond.moduleOfSelector(sels[k]);
            assertTrue(ModuleId.unwrap(owner) != 0, string.concat("loupe selector without owner ", _sel(sels[k])));
            uint256 ownerEntries;
            uint256 listings;
            for (uint256 i; i < ids.length; ++i) {
                (uint256 count, address facet) = _listed(infos[i], sels[k]);
                listings += count;
                if (ids[i] == owner) {
                    ++ownerEntries;
                    assertEq(count, 1, string.concat("owner lists selector once ", _sel(sels[k])));
                    assertEq(facet, facetOf[k], string.concat("owner lists the loupe facet ", _sel(sels[k])));
                }
            }
            assertEq(ownerEntries, 1, string.concat("owner installed exactly once ", _sel(sels[k])));
            assertEq(listings, 1, string.concat("selector listed by one module only ", _sel(sels[k])));
        }
    }

    /// @dev Every selector a module lists is in the loupe under the same facet, is served
    /// by that facet and is owned by that module.
    function _checkRegistrySelectorsServedByTheirFacet() internal view {
        (bytes4[] memory sels, address[] memory facetOf) = _flattenLoupe();
        ModuleId[] memory ids = diamond.moduleIds();
        for (uint256 i; i < ids.length; ++i) {
            ModuleInfo memory info = diamond.getModule(ids[i]);
            assertEq(uint256(info.status), uint256(ModuleStatus.Installed), "listed module is installed");
            for (uint256 f; f < info.facets.length; ++f) {
                FacetSelectors memory group = info.facets[f];
                assertTrue(group.facetAddress != address(0), "module facet is not zero");
                assertTrue(group.functionSelectors.length != 0, "module facet group is not empty");
                for (uint256 j; j < group.functionSelectors.length; ++j) {
                    bytes4 sel = group.functionSelectors[j];
                    string memory tag = _sel(sel);
                    assertEq(diamond.facetAddress(sel), group.facetAddress, string.concat("facetAddress ", tag));
                    assertTrue(diamond.moduleOfSelector(sel) == ids[i], string.concat("moduleOfSelector ", tag));
                    uint256 found;
                    for (uint256 k; k < sels.length; ++k) {
                        if (sels[k] == sel) {
                            ++found;
                            assertEq(facetOf[k], group.facetAddress, string.concat("loupe facet ", tag));
                        }
                    }
                    assertEq(found, 1, string.concat("module selector in loupe once ", tag));
                }
            }
        }
    }

    /// @dev Loupe size equals the registry's total; no selector twice; no facet twice.
    function _checkLoupeCountsAndUniqueness() internal view {
        FacetSelectors[] memory groups = diamond.facets();
        (bytes4[] memory sels, ) = _flattenLoupe();
        ModuleId[] memory ids = diamond.moduleIds();
        uint256 total;
        for (uint256 i; i < ids.length; ++i) {
            FacetSelectors[] memory mf = diamond.getModule(ids[i]).facets;
            for (uint256 f; f < mf.length; ++f) total += mf[f].functionSelectors.length;
            for (uint256 j; j < i; ++j) assertTrue(ids[i] != ids[j], "module listed twice");
        }
        assertEq(sels.length, total, "loupe size == sum of module selectors");
        for (uint256 i; i < sels.length; ++i) {
            for (uint256 j; j < i; ++j) {
                assertTrue(sels[i] != sels[j], string.concat("selector twice in loupe ", _sel(sels[i])));
            }
        }
        for (uint256 i; i < groups.length; ++i) {
            assertTrue(groups[i].functionSelectors.length != 0, "empty facet in loupe");
            for (uint256 j; j < i; ++j) {
                assertTrue(groups[i].facetAddress != groups[j].facetAddress, "facet twice in loupe");
            }
        }
    }

    /// @dev The `core` module is exactly what the constructor registered.
    function _checkCoreUnchanged() internal view {
        ModuleInfo memory core = diamond.getModule(CORE_MODULE);
        assertEq(abi.encode(core), coreAfterDeployment, "core module as after deployment");
        FacetSelectors[] memory expected = LibCore.facets(LibCore.toArray(handler.coreFacets()));
        assertEq(abi.encode(core.facets), abi.encode(expected), "core facets as LibCore lists them");
        assertEq(abi.encode(core.interfaceIds), abi.encode(LibCore.interfaceIds()), "core interfaces");
        assertEq(uint256(core.status), uint256(ModuleStatus.Installed), "core installed");
        assertFalse(core.paused, "core never paused");
        assertFalse(diamond.isModulePaused(CORE_MODULE), "core never paused (isModulePaused)");
        for (uint256 i; i < expected.length; ++i) {
            for (uint256 j; j < expected[i].functionSelectors.length; ++j) {
                bytes4 sel = expected[i].functionSelectors[j];
                assertEq(diamond.facetAddress(sel), expected[i].facetAddress, string.concat("core facet ", _sel(sel)));
                assertTrue(diamond.moduleOfSelector(sel) == CORE_MODULE, string.concat("core owner ", _sel(sel)));
            }
        }
    }

    /// @dev `facetAddresses()` is the set of facets of `facets()`, and each facet's
    /// `facetFunctionSelectors` is its group.
    function _checkFacetAddressesMatchFacets() internal view {
        FacetSelectors[] memory groups = diamond.facets();
        address[] memory addrs = diamond.facetAddresses();
        assertEq(addrs.length, groups.length, "facetAddresses length");
        for (uint256 i; i < addrs.length; ++i) {
            uint256 found;
            for (uint256 g; g < groups.length; ++g) {
                if (groups[g].facetAddress == addrs[i]) ++found;
            }
            assertEq(found, 1, "facetAddresses entry is a loupe facet");
            for (uint256 j; j < i; ++j) assertTrue(addrs[i] != addrs[j], "facetAddresses duplicate");
        }
        for (uint256 g; g < groups.length; ++g) {
            bytes4[] memory listed = diamond.facetFunctionSelectors(groups[g].facetAddress);
            bytes4[] memory expected = groups[g].functionSelectors;
            assertEq(listed.length, expected.length, "facetFunctionSelectors length");
            for (uint256 i; i < expected.length; ++i) {
                bool found;
                for (uint256 j; j < listed.length; ++j) {
                    if (listed[j] == expected[i]) found = true;
                }
                assertTrue(found, string.concat("facetFunctionSelectors has ", _sel(expected[i])));
            }
        }
    }

    /// @dev `isModuleInstalled` agrees with `moduleIds()`; removed modules own nothing.
    function _checkInstalledFlagsAndRemovedModules() internal view {
        ModuleId[] memory ids = diamond.moduleIds();
        ModuleId[] memory known = handler.knownModuleIds();
        bytes4[] memory universe = handler.universe();
        for (uint256 i; i < ids.length; ++i) {
            assertTrue(diamond.isModuleInstalled(ids[i]), "listed module reports installed");
            bool isKnown;
            for (uint256 k; k < known.length; ++k) {
                if (known[k] == ids[i]) isKnown = true;
            }
            assertTrue(isKnown, "only known modules are installed");
        }
        for (uint256 k; k < known.length; ++k) {
            ModuleId id = known[k];
            bool installed = diamond.isModuleInstalled(id);
            uint256 inList;
            for (uint256 i; i < ids.length; ++i) {
                if (ids[i] == id) ++inList;
            }
            assertEq(inList, installed ? 1 : 0, "isModuleInstalled agrees with moduleIds");
            (bool ghostInstalled, bool everInstalled, , , ) = handler.ghostModule(id);
            assertEq(installed, ghostInstalled, "installed as modelled");
            if (installed) continue;
            try diamond.getModule(id) returns (ModuleInfo memory info) {
                assertTrue(everInstalled, "getModule answers only for modules once installed");
                assertEq(uint256(info.status), uint256(ModuleStatus.Removed), "not installed means removed");
                assertEq(info.facets.length, 0, "removed module lists no facets");
                assertEq(info.interfaceIds.length, 0, "removed module declares no interfaces");
                assertEq(info.dependencies.length, 0, "removed module has no dependencies");
                assertFalse(info.paused, "removed module is not paused");
            } catch {
                assertFalse(everInstalled, "getModule reverts only for modules never installed");
            }
        }
        // No selector is owned by a module that is not installed (removed or never was).
        for (uint256 s; s < universe.length; ++s) {
            ModuleId owner = diamond.moduleOfSelector(universe[s]);
            if (ModuleId.unwrap(owner) == 0) continue;
            assertTrue(diamond.isModuleInstalled(owner), string.concat("owner not installed for ", _sel(universe[s])));
        }
    }

    /// @dev Owners, facets, versions, dependencies, pause flags and ERC-165 answers are
    /// exactly what the handler's model predicts.
    function _checkDiamondMatchesModel() internal view {
        bytes4[] memory universe = handler.universe();
        for (uint256 s; s < universe.length; ++s) {
            bytes4 sel = universe[s];
            assertTrue(
                diamond.moduleOfSelector(sel) == handler.ghostOwner(sel),
                string.concat("modelled owner ", _sel(sel))
            );
            assertEq(diamond.facetAddress(sel), handler.ghostFacet(sel), string.concat("modelled facet ", _sel(sel)));
        }
        assertEq(diamond.paused(), handler.ghostGlobalPaused(), "modelled global pause");
        ModuleId[] memory known = handler.knownModuleIds();
        for (uint256 k; k < known.length; ++k) {
            (bool installed, , , SemVer memory version, ModuleId[] memory deps) = handler.ghostModule(known[k]);
            if (!installed) continue;
            assertEq(abi.encode(diamond.moduleVersion(known[k])), abi.encode(version), "modelled version");
            ModuleInfo memory info = diamond.getModule(known[k]);
            assertEq(abi.encode(info.dependencies), abi.encode(deps), "modelled dependencies");
            bool paused = handler.ghostEffectivelyPaused(known[k]);
            assertEq(diamond.isModulePaused(known[k]), paused, "modelled isModulePaused");
            assertEq(info.paused, paused, "modelled getModule.paused");
        }
        bytes4[] memory ifaces = handler.interfaceUniverse();
        for (uint256 i; i < ifaces.length; ++i) {
            assertEq(
                diamond.supportsInterface(ifaces[i]),
                handler.ghostSupports(ifaces[i]),
                string.concat("supportsInterface ", _sel(ifaces[i]))
            );
        }
    }

    /// @dev A call through the diamond goes to the loupe's facet, unless no facet serves
    /// the selector or its module is paused, which the diamond reports by name.
    function _checkDispatchFollowsLoupeAndPause() internal view {
        bytes4[] memory pool = handler.modulePool();
        bytes4[] memory raw = handler.rawPool();
        for (uint256 i; i < pool.length + raw.length; ++i) {
            bytes4 sel = i < pool.length ? pool[i] : raw[i - pool.length];
            bytes memory data = abi.encodeWithSelector(sel, uint256(0));
            (bool ok, bytes memory ret) = address(diamond).staticcall{gas: 200_000}(data);
            string memory tag = _sel(sel);
            ModuleId owner = diamond.moduleOfSelector(sel);
            if (ModuleId.unwrap(owner) == 0) {
                assertFalse(ok, string.concat("unserved selector refused ", tag));
                assertEq(
                    ret,
                    abi.encodeWithSelector(IDiamondCut.DiamondFunctionNotFound.selector, sel),
                    string.concat("not found ", tag)
                );
            } else if (diamond.isModulePaused(owner)) {
                assertFalse(ok, string.concat("paused selector refused ", tag));
                assertEq(
                    ret,
                    abi.encodeWithSelector(IDiamondCut.DiamondModulePaused.selector, owner),
                    string.concat("paused ", tag)
                );
            } else {
                (bool directOk, bytes memory directRet) = diamond.facetAddress(sel).staticcall{gas: 200_000}(data);
                assertEq(ok, directOk, string.concat("routed success as facet's ", tag));
                assertEq(ret, directRet, string.concat("routed result as facet's ", tag));
            }
        }
    }

    function _checkHandlerPredictions() internal view {
        if (handler.mismatches() != 0) {
            (bytes32 action, bool expected, bytes memory err) = abi.decode(
                handler.lastMismatch(),
                (bytes32, bool, bytes)
            );
            fail(
                string.concat(
                    "handler outcome differs from model: ",
                    string(abi.encodePacked(action)),
                    expected ? " expected success, got " : " expected failure, succeeded ",
                    _hexBytes(err)
                )
            );
        }
    }

    function _checkAll() internal view {
        _checkLoupeSelectorsOwnedByOneInstalledModule();
        _checkRegistrySelectorsServedByTheirFacet();
        _checkLoupeCountsAndUniqueness();
        _checkCoreUnchanged();
        _checkFacetAddressesMatchFacets();
        _checkInstalledFlagsAndRemovedModules();
        _checkDiamondMatchesModel();
        _checkDispatchFollowsLoupeAndPause();
        _checkHandlerPredictions();
    }

    // ------------------------------------------------------------------ helpers

    function _flattenLoupe() internal view returns (bytes4[] memory sels, address[] memory facetOf) {
        FacetSelectors[] memory groups = diamond.facets();
        uint256 n;
        for (uint256 g; g < groups.length; ++g) n += groups[g].functionSelectors.length;
        sels = new bytes4[](n);
        facetOf = new address[](n);
        uint256 k;
        for (uint256 g; g < groups.length; ++g) {
            for (uint256 j; j < groups[g].functionSelectors.length; ++j) {
                sels[k] = groups[g].functionSelectors[j];
                facetOf[k++] = groups[g].facetAddress;
            }
        }
    }

    function _infos(ModuleId[] memory ids) internal view returns (ModuleInfo[] memory infos) {
        infos = new ModuleInfo[](ids.length);
        for (uint256 i; i < ids.length; ++i) infos[i] = diamond.getModule(ids[i]);
    }

    /// @dev How often `info` lists `sel`, and the facet of the (last) listing.
    function _listed(ModuleInfo memory info, bytes4 sel) internal pure returns (uint256 count, address facet) {
        for (uint256 f; f < info.facets.length; ++f) {
            bytes4[] memory s = info.facets[f].functionSelectors;
            for (uint256 j; j < s.length; ++j) {
                if (s[j] == sel) {
                    ++count;
                    facet = info.facets[f].facetAddress;
                }
            }
        }
    }

    function _sel(bytes4 sel) internal pure returns (string memory) {
        return _hex(uint32(sel), 4);
    }
}

/// @title Invariants of the module registry under random install/upgrade/remove, raw
/// cuts, pauses and batched operations.
contract RegistryInvariantTest is RegistryChecks {
    function setUp() public {
        _deploy();
        _addTargetContract(address(handler));
        bytes4[] memory actions = new bytes4[](10);
        actions[0] = RegistryHandler.installModule.selector;
        actions[1] = RegistryHandler.upgradeModule.selector;
        actions[2] = RegistryHandler.removeModule.selector;
        actions[3] = RegistryHandler.rawCutAdd.selector;
        actions[4] = RegistryHandler.rawCutReplace.selector;
        actions[5] = RegistryHandler.rawCutRemove.selector;
        actions[6] = RegistryHandler.togglePause.selector;
        actions[7] = RegistryHandler.toggleModulePause.selector;
        actions[8] = RegistryHandler.batchInstallThenRemove.selector;
        actions[9] = RegistryHandler.batchInstallThenAbort.selector;
        _addTargetSelectors(address(handler), actions);
    }

    /// @dev One campaign checks every property: a campaign per property would multiply the
    /// run time without exploring different sequences. `npm run test:deep` raises runs and depth.
    function invariant_loupeRegistryModelAndRoutingAgree() public view {
        _checkLoupeSelectorsOwnedByOneInstalledModule();
        _checkRegistrySelectorsServedByTheirFacet();
        _checkLoupeCountsAndUniqueness();
        _checkCoreUnchanged();
        _checkFacetAddressesMatchFacets();
        _checkInstalledFlagsAndRemovedModules();
        _checkDiamondMatchesModel();
        _checkDispatchFollowsLoupeAndPause();
        _checkHandlerPredictions();
    }
}

/// @title Hand-picked handler sequences: each action does what it should, so the
/// invariants above are not vacuous.
contract RegistryHandlerTest is RegistryChecks {
    ModuleId internal constant MOD_A = ModuleId.wrap("modA");
    ModuleId internal constant MOD_B = ModuleId.wrap("modB");

    function setUp() public {
        _deploy();
    }

    function test_installPutsModuleSelectorsInLoupeAndRegistry() public {
        // modA's home selectors: mockValue, setMockValue, mockPing, mockPong; facet choice
        // nibbles 0,3,1,2 -> V1#0, V2#0, V1#1, V2#2.
        assertTrue(handler.installModule(handler.moduleSeed(0, 15, 0x2130)), "install succeeds");
        assertTrue(diamond.isModuleInstalled(MOD_A), "installed");
        bytes4[] memory pool = handler.modulePool();
        address[] memory both = handler.implementers(pool[0]);
        address[] memory v1 = handler.implementers(pool[2]);
        address[] memory v2 = handler.implementers(pool[3]);
        assertEq(diamond.facetAddress(pool[0]), both[0], "mockValue on V1#0");
        assertEq(diamond.facetAddress(pool[1]), both[3], "setMockValue on V2#0");
        assertEq(diamond.facetAddress(pool[2]), v1[1], "mockPing on V1#1");
        assertEq(diamond.facetAddress(pool[3]), v2[2], "mockPong on V2#2");
        for (uint256 i; i < 4; ++i) {
            assertTrue(diamond.moduleOfSelector(pool[i]) == MOD_A, "owned by modA");
        }
        ModuleInfo memory info = diamond.getModule(MOD_A);
        assertEq(info.facets.length, 4, "four facets");
        assertTrue(diamond.supportsInterface(handler.interfaceOf(MOD_A)), "interface declared");
        assertEq(MockFacetV1(address(diamond)).mockPing(), 1, "routed to V1");
        assertEq(MockFacetV2(address(diamond)).mockPong(), 2, "routed to V2");
        assertEq(handler.successes(handler.ACT_INSTALL()), 1, "one success");
        _checkAll();
    }

    function test_upgradeRepointsKeptSelectorsAddsNewOnesAndDropsTheRest() public {
        // v1.0.0: mockValue + mockPing on V1#0.
        assertTrue(handler.installModule(handler.moduleSeed(0, 0x5, 0x00)), "install");
        bytes4[] memory pool = handler.modulePool();
        address[] memory both = handler.implementers(pool[0]);
        address[] memory v2 = handler.implementers(pool[3]);
        // v1.1.0: mockValue (now V2#1) + mockPong (V2#0); mockPing dropped.
        assertTrue(handler.upgradeModule(handler.moduleSeed(0, 0x9, 0x04)), "upgrade");
        assertEq(diamond.facetAddress(pool[0]), both[4], "mockValue repointed to V2#1");
        assertEq(diamond.facetAddress(pool[3]), v2[0], "mockPong added");
        assertEq(diamond.facetAddress(pool[2]), address(0), "mockPing dropped");
        assertTrue(ModuleId.unwrap(diamond.moduleOfSelector(pool[2])) == 0, "mockPing has no owner");
        assertEq(abi.encode(diamond.moduleVersion(MOD_A)), abi.encode(SemVer(1, 1, 0)), "version 1.1.0");
        assertEq(MockFacetV2(address(diamond)).mockValue(), 1000, "V2 code serves mockValue");
        // Same version again: refused.
        assertFalse(handler.upgradeModule(handler.moduleSeed(0, 0x9, 0x04) | (uint256(7) << 80)), "not newer");
        _checkAll();
    }

    function test_removeClearsSelectorsButKeepsTheRecord() public {
        assertTrue(handler.installModule(handler.moduleSeed(1, 15, 0x0123)), "install modB");
        assertTrue(handler.removeModule(1), "remove modB");
        assertFalse(diamond.isModuleInstalled(MOD_B), "not installed");
        ModuleInfo memory info = diamond.getModule(MOD_B);
        assertEq(uint256(info.status), uint256(ModuleStatus.Removed), "record kept as removed");
        assertEq(info.facets.length, 0, "no facets left");
        assertFalse(diamond.supportsInterface(handler.interfaceOf(MOD_B)), "interface withdrawn");
        assertFalse(handler.removeModule(1), "second remove refused");
        // Reinstall works.
        assertTrue(handler.installModule(handler.moduleSeed(1, 3, 0)), "reinstall modB");
        _checkAll();
    }

    function test_rawCutsAddReplaceAndRemoveUnmanagedSelectors() public {
        bytes4[] memory raw = handler.rawPool();
        address[] memory rawFacets = handler.rawFacets();
        assertTrue(handler.rawCutAdd(handler.rawSeed(0, 0x07)), "add raw0..raw2 on A#0");
        assertEq(diamond.facetAddress(raw[1]), rawFacets[0], "raw1 on A#0");
        assertTrue(diamond.moduleOfSelector(raw[1]) == UNMANAGED_MODULE, "unmanaged owns raw1");
        assertEq(IRawProbe(address(diamond)).raw1(), 101, "served by A");
        assertTrue(handler.rawCutReplace(handler.rawSeed(1, 0x03)), "replace raw0, raw1 to B#1");
        assertEq(diamond.facetAddress(raw[0]), rawFacets[1], "raw0 on B#1");
        assertEq(IRawProbe(address(diamond)).raw1(), 201, "served by B");
        assertEq(diamond.facetAddress(raw[2]), rawFacets[0], "raw2 untouched");
        assertTrue(handler.rawCutRemove(handler.rawSeed(0, 0x01)), "remove raw0");
        assertEq(diamond.facetAddress(raw[0]), address(0), "raw0 removed");
        assertEq(handler.successes(handler.ACT_RAW_ADD()), 1, "raw add counted");
        assertEq(handler.successes(handler.ACT_RAW_REPLACE()), 1, "raw replace counted");
        assertEq(handler.successes(handler.ACT_RAW_REMOVE()), 1, "raw remove counted");
        _checkAll();
    }

    function test_rawCutCannotTakeModuleOrCoreSelectors() public {
        assertTrue(handler.installModule(handler.moduleSeed(0, 15, 0)), "install modA");
        bytes4[] memory pool = handler.modulePool();
        bytes4[] memory intruders = handler.intruders();
        // Intruders: 0..3 are core selectors (0 = diamondCut), 4.. the module pool (5 = setMockValue).
        uint256 moduleIntruder = handler.rawSeed(0, 0x01) | (uint256(7) << 16) | (uint256(5) << 20);
        assertEq(intruders[5], pool[1], "intruder 5 is setMockValue");
        assertFalse(handler.rawCutAdd(moduleIntruder), "raw add of a module selector refused");
        assertFalse(handler.rawCutRemove(moduleIntruder), "raw remove of a module selector refused");
        assertFalse(handler.rawCutReplace(moduleIntruder | 1), "raw replace of a module selector refused");
        uint256 coreIntruder = handler.rawSeed(0, 0x01) | (uint256(7) << 16);
        assertFalse(handler.rawCutAdd(coreIntruder), "raw add of a core selector refused");
        assertFalse(handler.rawCutRemove(coreIntruder), "raw remove of a core selector refused");
        assertTrue(diamond.moduleOfSelector(pool[1]) == MOD_A, "modA keeps setMockValue");
        assertEq(diamond.facetAddress(handler.rawPool()[0]), address(0), "nothing of the failed cuts remains");
        // A free module-pool selector can be taken by a raw cut, and then blocks the module.
        uint256 freeIntruder = handler.rawSeed(0, 0x01) | (uint256(7) << 16) | (uint256(10) << 20);
        assertEq(intruders[10], pool[6], "intruder 10 is ten1");
        assertTrue(handler.rawCutAdd(freeIntruder), "raw add of a free selector");
        assertTrue(diamond.moduleOfSelector(pool[6]) == UNMANAGED_MODULE, "unmanaged owns ten1");
        assertFalse(handler.installModule(handler.moduleSeed(1, 0x4, 0)), "modB cannot take ten1");
        _checkAll();
    }

    function test_moduleWithInstalledDependentCannotBeRemoved() public {
        assertTrue(handler.installModule(handler.moduleSeed(1, 1, 0)), "install modB");
        // modA depends on modB (dependency slot 1).
        uint256 dependent = handler.moduleSeed(0, 1, 0) | (uint256(7) << 72) | (uint256(1) << 75);
        assertTrue(handler.installModule(dependent), "install modA depending on modB");
        assertEq(diamond.getModule(MOD_A).dependencies.length, 1, "modA declares a dependency");
        assertTrue(diamond.getModule(MOD_A).dependencies[0] == MOD_B, "on modB");
        assertFalse(handler.removeModule(1), "modB required by modA");
        assertTrue(handler.removeModule(0), "remove modA");
        assertTrue(handler.removeModule(1), "then modB");
        // A dependency that is not installed is refused, and so is depending on oneself.
        assertFalse(handler.installModule(dependent | (uint256(3) << 77)), "modB missing");
        uint256 onItself = handler.moduleSeed(0, 1, 0) | (uint256(7) << 72) | (uint256(3) << 77);
        assertFalse(handler.installModule(onItself), "modA cannot depend on itself");
        _checkAll();
    }

    function test_pausedModuleRefusesCallsUntilUnpaused() public {
        assertTrue(handler.installModule(handler.moduleSeed(0, 4, 0)), "install modA with mockPing");
        assertTrue(handler.toggleModulePause(0), "pause modA");
        vm.expectRevert(abi.encodeWithSelector(IDiamondCut.DiamondModulePaused.selector, MOD_A));
        MockFacetV1(address(diamond)).mockPing();
        _checkAll();
        assertTrue(handler.toggleModulePause(0), "unpause modA");
        assertEq(MockFacetV1(address(diamond)).mockPing(), 1, "served again");
        assertTrue(handler.togglePause(0), "pause diamond");
        vm.expectRevert(abi.encodeWithSelector(IDiamondCut.DiamondModulePaused.selector, MOD_A));
        MockFacetV1(address(diamond)).mockPing();
        assertEq(diamond.owner(), address(handler), "core still serves while paused");
        assertFalse(handler.toggleModulePause(uint256(15) << 8), "core cannot be paused");
        _checkAll();
        assertTrue(handler.togglePause(0), "unpause diamond");
        assertEq(MockFacetV1(address(diamond)).mockPing(), 1, "served after unpause");
        _checkAll();
    }

    function test_failedOperationLeavesNoTraceAndBatchesAreAtomic() public {
        bytes memory loupeBefore = abi.encode(diamond.facets());
        assertFalse(handler.batchInstallThenAbort(handler.moduleSeed(2, 15, 0)), "batch with failing call refused");
        assertFalse(diamond.isModuleInstalled(ModuleId.wrap("modC")), "install rolled back");
        assertEq(abi.encode(diamond.facets()), loupeBefore, "loupe unchanged");
        assertTrue(handler.batchInstallThenRemove(handler.moduleSeed(2, 15, 0)), "install+remove in one operation");
        assertEq(abi.encode(diamond.facets()), loupeBefore, "loupe unchanged after install+remove");
        assertEq(
            uint256(diamond.getModule(ModuleId.wrap("modC")).status),
            uint256(ModuleStatus.Removed),
            "record removed"
        );
        _checkAll();
    }

    function test_registryAndCutRefuseCallsOutsideTheTimelock() public {
        ModuleSpec memory spec;
        spec.id = MOD_A;
        spec.version = SemVer(1, 0, 0);
        bytes memory onlyTimelock = abi.encodeWithSelector(
            ITimelock.TimelockOnlyThroughTimelock.selector,
            address(this)
        );
        vm.expectRevert(onlyTimelock);
        diamond.installModule(spec, address(0), "");
        vm.expectRevert(onlyTimelock);
        diamond.removeModule(MOD_A);
        vm.expectRevert(onlyTimelock);
        diamond.diamondCut(new IDiamondCut.FacetCut[](0), address(0), "");
        // Even the handler (upgrader) must go through schedule + execute.
        vm.prank(address(handler));
        vm.expectRevert(abi.encodeWithSelector(ITimelock.TimelockOnlyThroughTimelock.selector, address(handler)));
        diamond.removeModule(MOD_A);
    }

    /// @dev Installing any non-empty subset on any facets, then removing the module,
    /// restores the loupe byte for byte.
    function testFuzz_installThenRemoveRestoresLoupe(uint8 subsetMask, uint8 slot, uint24 facetBits) public {
        bytes memory loupeBefore = abi.encode(diamond.facets());
        bytes memory addrsBefore = abi.encode(diamond.facetAddresses());
        uint256 mask = subsetMask & 15;
        uint256 seed = handler.moduleSeed(slot, mask, facetBits);
        bool installed = handler.installModule(seed);
        assertEq(installed, mask != 0, "install succeeds iff the subset is non-empty");
        ModuleId id = handler.moduleIds()[slot % 4];
        if (installed) {
            bytes4[] memory pool = handler.modulePool();
            for (uint256 j; j < 4; ++j) {
                bytes4 sel = pool[(4 * (slot % 4) + j) % pool.length];
                bool chosen = (mask >> j) & 1 == 1;
                assertEq(diamond.moduleOfSelector(sel) == id, chosen, "chosen selectors owned");
                assertEq(diamond.facetAddress(sel) != address(0), chosen, "chosen selectors routed");
            }
            _checkAll();
            assertTrue(handler.removeModule(slot % 4), "remove succeeds");
        }
        assertEq(abi.encode(diamond.facets()), loupeBefore, "loupe restored");
        assertEq(abi.encode(diamond.facetAddresses()), addrsBefore, "facet addresses restored");
        _checkAll();
    }

    /// @dev After an upgrade the module serves exactly the new spec's selectors on the new
    /// spec's facets; everything it dropped is free.
    function testFuzz_upgradeLeavesExactlyTheNewSpec(
        uint8 slot,
        uint8 maskV1,
        uint8 maskV2,
        uint24 bitsV1,
        uint24 bitsV2
    ) public {
        uint256 m1 = (maskV1 & 15) | 1;
        uint256 m2 = maskV2 & 15;
        assertTrue(handler.installModule(handler.moduleSeed(slot, m1, bitsV1)), "install");
        bool upgraded = handler.upgradeModule(handler.moduleSeed(slot, m2, bitsV2));
        assertEq(upgraded, m2 != 0, "upgrade succeeds iff the new subset is non-empty");
        if (upgraded) _assertServesExactly(slot % 4, m2, bitsV2);
        else _assertServesExactly(slot % 4, m1, bitsV1);
        _checkAll();
    }

    /// @dev Module `slot` serves exactly its home selectors in `mask`, each on the facet
    /// the handler picks from `bits`; its other home selectors are free.
    function _assertServesExactly(uint256 slot, uint256 mask, uint256 bits) internal view {
        ModuleId id = handler.moduleIds()[slot];
        bytes4[] memory pool = handler.modulePool();
        uint256 position;
        for (uint256 j; j < 4; ++j) {
            bytes4 sel = pool[(4 * slot + j) % pool.length];
            if ((mask >> j) & 1 == 1) {
                address[] memory impl = handler.implementers(sel);
                address facet = impl[((bits >> (4 * position)) & 15) % impl.length];
                ++position;
                assertEq(diamond.facetAddress(sel), facet, "selector on the spec's facet");
                assertTrue(diamond.moduleOfSelector(sel) == id, "selector owned by module");
            } else {
                assertEq(diamond.facetAddress(sel), address(0), "dropped selector unrouted");
                assertTrue(ModuleId.unwrap(diamond.moduleOfSelector(sel)) == 0, "dropped selector free");
            }
        }
    }

    /// @dev Any short sequence of actions keeps every property (a cheap complement to the
    /// invariant campaign, with fixed length).
    /// forge-config: default.fuzz.runs = 32
    function testFuzz_anyActionSequenceKeepsLoupeAndRegistryInStep(
        uint256[6] memory seeds,
        uint8[6] memory kinds
    ) public {
        for (uint256 i; i < seeds.length; ++i) {
            uint256 kind = kinds[i] % 10;
            uint256 seed = seeds[i];
            if (kind == 0) handler.installModule(seed);
            else if (kind == 1) handler.upgradeModule(seed);
            else if (kind == 2) handler.removeModule(seed);
            else if (kind == 3) handler.rawCutAdd(seed);
            else if (kind == 4) handler.rawCutReplace(seed);
            else if (kind == 5) handler.rawCutRemove(seed);
            else if (kind == 6) handler.togglePause(seed);
            else if (kind == 7) handler.toggleModulePause(seed);
            else if (kind == 8) handler.batchInstallThenRemove(seed);
            else handler.batchInstallThenAbort(seed);
        }
        _checkAll();
    }
}

interface IRawProbe {
    function raw1() external view returns (uint256);
}
