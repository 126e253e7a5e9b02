// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IRateModel} from "../IRateModel.sol";

/// @title Kinked utilization rate model: a base rate, a gentle slope up to the kink, a steep one above it.
/// @notice Deployed once per parameter set and shared by every pool and diamond that uses
/// it; its parameters are immutable, so reading them costs no storage access.
contract KinkedRateModel is IRateModel {
    uint256 private constant WAD = 1e18;
    uint256 private constant YEAR = 365 days;

    error KinkedRateModelParamsInvalid(uint256 kink);

    /// @notice Per-second rates (1e18 scale) and the kink (1e18 = 100 % utilization).
    uint256 public immutable BASE_RATE;
    uint256 public immutable SLOPE_BELOW_KINK;
    uint256 public immutable KINK;
    uint256 public immutable SLOPE_ABOVE_KINK;

    /// @param baseRatePerYear, slopeBelowPerYear, slopeAbovePerYear Annual rates, 1e18 = 100 %.
    /// @param kink_ Utilization where the steep slope starts, in (0, 1e18).
    constructor(uint256 baseRatePerYear, uint256 slopeBelowPerYear, uint256 kink_, uint256 slopeAbovePerYear) {
        if (kink_ == 0 || kink_ >= WAD) revert KinkedRateModelParamsInvalid(kink_);
        BASE_RATE = baseRatePerYear / YEAR;
        SLOPE_BELOW_KINK = slopeBelowPerYear / YEAR;
        KINK = kink_;
        SLOPE_ABOVE_KINK = slopeAbovePerYear / YEAR;
    }

    /// @inheritdoc IRateModel
    function borrowRatePerSecond(uint256 cash, uint256 borrows) external view returns (uint256) {
        uint256 liquidity = cash + borrows;
        uint256 utilization = liquidity == 0 ? 0 : Math.mulDiv(borrows, WAD, liquidity);
        if (utilization <= KINK) return BASE_RATE + Math.mulDiv(utilization, SLOPE_BELOW_KINK, KINK);
        return BASE_RATE + SLOPE_BELOW_KINK + Math.mulDiv(utilization - KINK, SLOPE_ABOVE_KINK, WAD - KINK);
    }
}
