// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AssetStorage} from "./AssetStorage.sol";
import {IAssetDistribution} from "./IAssetDistribution.sol";
import {LibAsset} from "./LibAsset.sol";

/// @title Lookups and the pro-rata and price math of distributions and redemptions.
library LibDistribution {
    function distribution(uint256 distributionId) internal view returns (AssetStorage.Distribution storage found) {
        found = AssetStorage.layout().distributions[distributionId];
        // A distribution always has a payment token.
        if (found.paymentToken == address(0)) revert IAssetDistribution.DistributionUnknown(distributionId);
    }

    function redemption(uint256 redemptionId) internal view returns (AssetStorage.Redemption storage found) {
        found = AssetStorage.layout().redemptions[redemptionId];
        if (found.paymentToken == address(0)) revert IAssetDistribution.RedemptionUnknown(redemptionId);
    }

    /// @dev `wallet`'s share: `amount × balanceAt(record) / eligibleSupply`, rounded down, so
    /// the shares of every wallet add up to at most `amount` (the dust is reclaimed). The
    /// custodian's balance is outside `eligibleSupply` and earns nothing.
    function shareOf(AssetStorage.Distribution storage dist, address wallet) internal view returns (uint256) {
        if (LibAsset.isCustodian(wallet)) return 0;
        AssetStorage.Asset storage asset = AssetStorage.layout().assets[dist.assetId];
        uint256 balance = LibAsset.balanceAt(asset, wallet, dist.snapshotId);
        // amount < 2^128 and balance < 2^112: the product fits.
        return (uint256(dist.amount) * balance) / dist.eligibleSupply;
    }

    /// @dev What redeeming `amount` asset units pays: `amount × price / 10^decimals`, rounded down.
    function redemptionPayment(uint256 amount, uint128 price, uint8 decimals) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, 10 ** decimals);
    }
}
