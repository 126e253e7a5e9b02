// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ICreditModel} from "../ICreditModel.sol";

/// @title The collateral figures times a fixed multiple (e.g. 2x for a trusted segment,
/// 0.5x for a stricter one). As a component of a `CompositeCreditModel` it caps a credit
/// line at a multiple of what the collateral alone would lend.
contract CollateralMultipleCreditModel is ICreditModel {
    uint16 private constant BPS = 10_000;

    error CollateralMultipleInvalid(uint32 multipleBps);

    /// @notice The multiple in bps of the collateral figures (10,000 = the collateral model).
    uint32 public immutable MULTIPLE_BPS;

    constructor(uint32 multipleBps) {
        if (multipleBps == 0 || multipleBps > 100 * uint32(BPS)) revert CollateralMultipleInvalid(multipleBps);
        MULTIPLE_BPS = multipleBps;
    }

    /// @inheritdoc ICreditModel
    function creditLimits(
        uint256,
        address,
        uint256,
        uint256 collateralBorrowLimit,
        uint256 collateralLiquidationLimit
    ) external view returns (uint256, uint256) {
        return ((collateralBorrowLimit * MULTIPLE_BPS) / BPS, (collateralLiquidationLimit * MULTIPLE_BPS) / BPS);
    }
}
