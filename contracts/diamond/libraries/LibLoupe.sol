// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {FacetSelectors, ModuleStatus} from "../../types/ModuleTypes.sol";
import {LibCore} from "./LibCore.sol";
import {LibDiamond} from "./LibDiamond.sol";

/// @title Read-side views over the selector table, for the loupe and the registry.
library LibLoupe {
    /// @dev Every selector of every installed module, core first.
    function allSelectors() internal view returns (bytes4[] memory all) {
        LibDiamond.Layout storage $ = LibDiamond.layout();
        bytes4[] memory core = LibCore.allSelectors();
        uint256 n = $.modules.length;
        uint256 total = core.length;
        for (uint256 i; i < n; ++i) {
            total += $.modules[i].selectors.length;
        }
        all = new bytes4[](total);
        uint256 k;
        for (; k < core.length; ++k) all[k] = core[k];
        for (uint256 i; i < n; ++i) {
            LibDiamond.ModuleRecord storage m = $.modules[i];
            if (m.status != ModuleStatus.Installed) continue;
            bytes4[] storage sels = m.selectors;
            for (uint256 j; j < sels.length; ++j) {
                all[k++] = sels[j];
            }
        }
    }

    /// @dev Groups `sels` by the facet serving each, in first-seen order.
    function groupByFacet(bytes4[] memory sels) internal view returns (FacetSelectors[] memory out) {
        out = new FacetSelectors[](sels.length);
        uint256[] memory counts = new uint256[](sels.length);
        uint256 facetCount;
        for (uint256 i; i < sels.length; ++i) {
            address facet = LibDiamond.facetOf(sels[i]);
            uint256 f;
            while (f < facetCount && out[f].facetAddress != facet) ++f;
            if (f == facetCount) {
                out[f].facetAddress = facet;
                out[f].functionSelectors = new bytes4[](sels.length);
                ++facetCount;
            }
            out[f].functionSelectors[counts[f]++] = sels[i];
        }
        for (uint256 f; f < facetCount; ++f) {
            bytes4[] memory fs = out[f].functionSelectors;
            uint256 c = counts[f];
            assembly {
                mstore(fs, c)
            }
        }
        assembly {
            mstore(out, facetCount)
        }
    }
}
