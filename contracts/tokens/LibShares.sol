// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Share math of every vault the diamond controls (lending pools, insurance capital).
/// @notice Virtual shares and assets make the first deposit unattackable: a donation (which
/// never moves the books anyway) or a tiny first deposit cannot inflate the share price
/// enough to round a later depositor's shares to zero. The vault's decimals are the asset's
/// plus `DECIMALS_OFFSET`, so one virtual share is worth a millionth of an asset unit.
library LibShares {
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    uint256 internal constant VIRTUAL_ASSETS = 1;
    uint8 internal constant DECIMALS_OFFSET = 6;

    function toShares(
        uint256 assets,
        uint256 totalAssets,
        uint256 totalShares,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return Math.mulDiv(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS, rounding);
    }

    function toAssets(
        uint256 shares,
        uint256 totalAssets,
        uint256 totalShares,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return Math.mulDiv(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES, rounding);
    }
}
