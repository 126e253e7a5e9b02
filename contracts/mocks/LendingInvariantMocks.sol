// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LendingStorage} from "../modules/lending/LendingStorage.sol";
import {LibLending} from "../modules/lending/LibLending.sol";
import {LibFeed} from "../shared/LibFeed.sol";
import {LibShares} from "../tokens/LibShares.sol";

/// @dev Exposes the internal conversions the lending module rounds (share math, debt,
/// repayment, feed conversions, collateral valuation) so fuzz tests call the very code
/// the facets run.
contract LendingMathHarness {
    LendingStorage.Collateral private _collateral;

    /// @dev `LibLending.valueOf` of `amount` of a collateral priced by `feed`, in a loan
    /// asset of `assetDecimals` priced at `loanPrice` (1 and 0 decimals: no loan feed).
    function valueOf(
        address feed,
        uint8 feedDecimals,
        uint8 tokenDecimals,
        uint256 amount,
        uint8 assetDecimals,
        uint256 loanPrice,
        uint8 loanPriceDecimals
    ) external returns (uint256) {
        LendingStorage.Collateral storage c = _collateral;
        c.feed = feed;
        c.maxPriceAge = type(uint24).max;
        c.feedDecimals = feedDecimals;
        c.tokenDecimals = tokenDecimals;
        return LibLending.valueOf(c, amount, assetDecimals, loanPrice, loanPriceDecimals);
    }
    function toShares(
        uint256 assets,
        uint256 totalAssets,
        uint256 totalShares,
        bool up
    ) external pure returns (uint256) {
        return LibShares.toShares(assets, totalAssets, totalShares, up ? Math.Rounding.Ceil : Math.Rounding.Floor);
    }

    function toAssets(
        uint256 shares,
        uint256 totalAssets,
        uint256 totalShares,
        bool up
    ) external pure returns (uint256) {
        return LibShares.toAssets(shares, totalAssets, totalShares, up ? Math.Rounding.Ceil : Math.Rounding.Floor);
    }

    function debtOf(uint256 scaled, uint256 borrowIndex) external pure returns (uint256) {
        return LibLending.debtOf(scaled, borrowIndex);
    }

    function repayment(
        uint256 amount,
        uint256 debt,
        uint256 scaled,
        uint256 index
    ) external pure returns (uint256 repaid, uint256 cleared) {
        return LibLending.repayment(amount, debt, scaled, index);
    }

    function convert(
        uint256 amount,
        uint256 price,
        uint8 priceDecimals,
        uint8 fromDecimals,
        uint8 toDecimals
    ) external pure returns (uint256) {
        return LibFeed.convert(amount, price, priceDecimals, fromDecimals, toDecimals, Math.Rounding.Floor);
    }

    function convertBack(
        uint256 amount,
        uint256 price,
        uint8 priceDecimals,
        uint8 fromDecimals,
        uint8 toDecimals
    ) external pure returns (uint256) {
        return LibFeed.convertBack(amount, price, priceDecimals, fromDecimals, toDecimals, Math.Rounding.Floor);
    }
}
