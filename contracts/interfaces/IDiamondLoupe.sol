// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {FacetSelectors} from "../types/ModuleTypes.sol";

/// @title EIP-2535 loupe: which facets serve which selectors.
interface IDiamondLoupe {
    /// @notice Every facet and its selectors.
    function facets() external view returns (FacetSelectors[] memory facets_);

    /// @notice The selectors served by `_facet`.
    function facetFunctionSelectors(address _facet) external view returns (bytes4[] memory facetFunctionSelectors_);

    /// @notice Every facet address in use.
    function facetAddresses() external view returns (address[] memory facetAddresses_);

    /// @notice The facet serving `_functionSelector`, or zero.
    function facetAddress(bytes4 _functionSelector) external view returns (address facetAddress_);
}
