// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IDiamondCut} from "../../interfaces/IDiamondCut.sol";
import {LibTimelock} from "../../access/LibTimelock.sol";
import {LibDiamond} from "../libraries/LibDiamond.sol";

/// @title EIP-2535 `diamondCut`, callable only inside a timelocked operation.
contract DiamondCutFacet is IDiamondCut {
    /// @inheritdoc IDiamondCut
    function diamondCut(FacetCut[] calldata _diamondCut, address _init, bytes calldata _calldata) external {
        LibTimelock.enforceTimelocked();
        LibDiamond.diamondCut(_diamondCut, _init, _calldata);
    }
}
