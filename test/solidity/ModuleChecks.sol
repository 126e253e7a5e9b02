// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFinanceDiamond} from "../../contracts/interfaces/IFinanceDiamond.sol";
import {ModuleId, ModuleInfo} from "../../contracts/types/ModuleTypes.sol";
import {TestBase} from "./TestBase.sol";

/// @title Checks every module suite makes: a module is installed as the manifest declares it.
abstract contract ModuleChecks is TestBase {
    /// @dev `id` has exactly the three `facets`; each serves exactly `selectors[i]`, owned by
    /// `id`, which together are its interface `interfaceIds[i]` (XOR); each interface is declared.
    function _checkModuleAsDeclared(
        IFinanceDiamond diamond,
        ModuleId id,
        address[3] memory facets,
        bytes4[][3] memory selectors,
        bytes4[3] memory interfaceIds
    ) internal view {
        for (uint256 i; i < 3; ++i) {
            bytes4 x;
            for (uint256 s; s < selectors[i].length; ++s) {
                x ^= selectors[i][s];
                assertEq(diamond.facetAddress(selectors[i][s]), facets[i], "selector served by its facet");
                assertTrue(diamond.moduleOfSelector(selectors[i][s]) == id, "selector owned by the module");
            }
            assertEq(
                uint256(uint32(x)),
                uint256(uint32(interfaceIds[i])),
                "selectors are all of the facet's interface"
            );
        }
        ModuleInfo memory info = diamond.getModule(id);
        assertEq(info.facets.length, 3, "three facets");
        for (uint256 f; f < 3; ++f) {
            uint256 k;
            while (k < 3 && facets[k] != info.facets[f].facetAddress) ++k;
            assertTrue(k < 3, "a facet of the module");
            assertEq(info.facets[f].functionSelectors.length, selectors[k].length, "selectors listed per facet");
            assertTrue(diamond.supportsInterface(interfaceIds[f]), "interface declared");
        }
    }
}
