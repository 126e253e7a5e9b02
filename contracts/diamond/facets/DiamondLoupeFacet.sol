// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IDiamondLoupe} from "../../interfaces/IDiamondLoupe.sol";
import {FacetSelectors} from "../../types/ModuleTypes.sol";
import {IDiamondCut} from "../../interfaces/IDiamondCut.sol";
import {LibDiamond, SelectorWord} from "../libraries/LibDiamond.sol";
import {LibCore} from "../libraries/LibCore.sol";
import {LibLoupe} from "../libraries/LibLoupe.sol";

/// @title EIP-2535 loupe and ERC-165, read from the same table the registry keeps.
contract DiamondLoupeFacet is IDiamondLoupe, IERC165 {
    /// @inheritdoc IDiamondLoupe
    function facets() external view returns (FacetSelectors[] memory facets_) {
        return LibLoupe.groupByFacet(LibLoupe.allSelectors());
    }

    /// @inheritdoc IDiamondLoupe
    function facetFunctionSelectors(address _facet) external view returns (bytes4[] memory facetFunctionSelectors_) {
        bytes4[] memory all = LibLoupe.allSelectors();
        facetFunctionSelectors_ = new bytes4[](all.length);
        uint256 n;
        for (uint256 i; i < all.length; ++i) {
            if (LibDiamond.facetOf(all[i]) == _facet) facetFunctionSelectors_[n++] = all[i];
        }
        assembly {
            mstore(facetFunctionSelectors_, n)
        }
    }

    /// @inheritdoc IDiamondLoupe
    function facetAddresses() external view returns (address[] memory facetAddresses_) {
        FacetSelectors[] memory grouped = LibLoupe.groupByFacet(LibLoupe.allSelectors());
        facetAddresses_ = new address[](grouped.length);
        for (uint256 i; i < grouped.length; ++i) {
            facetAddresses_[i] = grouped[i].facetAddress;
        }
    }

    /// @inheritdoc IDiamondLoupe
    function facetAddress(bytes4 _functionSelector) external view returns (address facetAddress_) {
        return LibDiamond.facetOf(_functionSelector);
    }

    /// @notice Reached only through the diamond's dispatcher, for a selector that is not in
    /// its table: serves the core functions (see `LibCore`), and otherwise reverts with
    /// why the selector cannot be routed.
    fallback() external payable {
        uint256 core = LibCore.facetIndexOf(msg.sig);
        if (core == LibCore.NOT_CORE) {
            SelectorWord w = LibDiamond.loadSelector(msg.sig);
            if (w.isEmpty()) revert IDiamondCut.DiamondFunctionNotFound(msg.sig);
            revert IDiamondCut.DiamondModulePaused(LibDiamond.layout().modules[w.moduleIndex()].id);
        }
        address facet = LibDiamond.layout().coreFacets[core];
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), facet, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    /// @notice True for the core interfaces and every installed module's declared ones.
    function supportsInterface(bytes4 interfaceId) external view returns (bool) {
        return LibCore.isCoreInterface(interfaceId) || LibDiamond.layout().interfaceRefs[interfaceId] != 0;
    }
}
