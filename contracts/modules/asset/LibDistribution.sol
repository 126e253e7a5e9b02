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
        // A distribution always has an amount.
        if (found.amount == 0) revert IAssetDistribution.DistributionUnknown(distributionId);
    }

    /// @dev A distribution's id: `uint160(paymentToken) << 96 | assetId << 32 | snapshotId`.
    function idOf(address paymentToken, uint256 assetId, uint32 snapshotId) internal pure returns (uint256) {
        return (uint256(uint160(paymentToken)) << 96) | (assetId << 32) | snapshotId;
    }

    function partsOf(
        uint256 distributionId
    ) internal pure returns (address paymentToken, uint256 assetId, uint32 snapshotId) {
        return (address(uint160(distributionId >> 96)), uint64(distributionId >> 32), uint32(distributionId));
    }

    /// @dev Marks `wallet`'s claim of the distribution at `snapshotId`; false if it was marked.
    function markClaimed(AssetStorage.Asset storage asset, address wallet, uint32 snapshotId) internal returns (bool) {
        mapping(uint256 => uint256) storage claims = asset.distributionClaims[wallet];
        uint256 bit = 1 << (snapshotId & 0xff);
        uint256 bits = claims[snapshotId >> 8];
        if (bits & bit != 0) return false;
        claims[snapshotId >> 8] = bits | bit;
        return true;
    }

    function isClaimed(
        AssetStorage.Asset storage asset,
        address wallet,
        uint32 snapshotId
    ) internal view returns (bool) {
        return asset.distributionClaims[wallet][snapshotId >> 8] & (1 << (snapshotId & 0xff)) != 0;
    }

    function redemption(uint256 redemptionId) internal view returns (AssetStorage.Redemption storage found) {
        found = AssetStorage.layout().redemptions[redemptionId];
        if (found.paymentToken == address(0)) revert IAssetDistribution.RedemptionUnknown(redemptionId);
    }

    /// @dev `wallet`'s share: `amount × balanceAt(record) / eligibleSupply`, rounded down, so
    /// the shares of every wallet add up to at most `amount` (the dust is reclaimed). The
    /// custodian's balance is outside `eligibleSupply` and earns nothing.
    function shareOf(
        AssetStorage.Distribution memory dist,
        AssetStorage.Asset storage asset,
        address wallet,
        uint32 snapshotId
    ) internal view returns (uint256) {
        if (LibAsset.isCustodian(wallet)) return 0;
        uint256 balance = LibAsset.balanceAt(asset, wallet, snapshotId);
        // amount < 2^96 and balance < 2^112: the product fits.
        return (uint256(dist.amount) * balance) / dist.eligibleSupply;
    }

    /// @dev What redeeming `amount` asset units pays: `amount × price / 10^decimals`, rounded down.
    function redemptionPayment(uint256 amount, uint128 price, uint8 decimals) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, 10 ** decimals);
    }
}
