// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {AssetStorage} from "./AssetStorage.sol";
import {IAssetDistribution} from "./IAssetDistribution.sol";
import {LibAsset} from "./LibAsset.sol";
import {LibDistribution} from "./LibDistribution.sol";

/// @title Asset module facet: distributions (dividends, coupons, rent) and redemptions.
/// @notice Every entry point runs checks → writes → events → transfers, under the
/// diamond-wide reentrancy guard. `AssetStorage.books` follows every payment token in and out.
/// @dev Note: claims, reclaims, redemptions and closes pay with `LibAsset.pay`, which reverts
/// when the payment token refuses the transfer (a blocklisted receiver, a paused token). Each
/// is a pull by one party for itself, so the refusal only blocks that party: nothing is
/// marked paid, and the call succeeds once the token accepts the receiver again (before the
/// distribution expires) — or, for a redemption, with another `to`.
contract AssetDistributionFacet is IAssetDistribution, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- distributions

    /// @inheritdoc IAssetDistribution
    /// @dev Constant cost in the number of holders: a snapshot is a counter (balances are
    /// checkpointed when they next change) and the distribution is one word.
    function createDistribution(
        uint256 assetId,
        address paymentToken,
        uint256 amount,
        uint40 claimPeriod
    ) external nonReentrant returns (uint256 distributionId) {
        AssetStorage.Asset storage asset = LibAsset.asset(assetId);
        LibAsset.checkIssuer(assetId, asset);
        if (paymentToken == address(0)) revert DistributionParamsInvalid("paymentToken");
        if (amount == 0 || amount > type(uint96).max) revert DistributionParamsInvalid("amount");
        if (assetId > type(uint64).max) revert DistributionParamsInvalid("assetId");
        uint256 expiresAt = block.timestamp + claimPeriod;
        if (claimPeriod < AssetStorage.MIN_CLAIM_PERIOD || expiresAt > type(uint40).max) {
            revert DistributionParamsInvalid("claimPeriod");
        }
        // The supply and the custodian's balance now are those of the snapshot taken below.
        uint256 eligible = asset.totalSupply - LibAsset.loadHolding(asset, address(this)).balance;
        if (eligible == 0) revert DistributionNoEligibleSupply(assetId);

        uint32 snapshotId = LibAsset.snapshot(assetId, asset);
        distributionId = LibDistribution.idOf(paymentToken, assetId, snapshotId);
        // amount < 2^96 (checked), eligible ≤ the supply < 2^112, expiresAt < 2^40 (checked).
        AssetStorage.layout().distributions[distributionId] = AssetStorage.Distribution({
            amount: uint96(amount),
            eligibleSupply: uint112(eligible),
            expiresAt: uint40(expiresAt),
            reclaimed: false
        });
        emit DistributionCreated(
            distributionId,
            assetId,
            paymentToken,
            amount,
            snapshotId,
            uint112(eligible),
            uint40(expiresAt)
        );
        LibAsset.pullExact(paymentToken, msg.sender, amount);
    }

    /// @inheritdoc IAssetDistribution
    /// @dev The wallet's balance at the record time decides, whatever it holds now; a claim
    /// is per wallet, so each wallet of an identity claims its own balance's share.
    function claimDistribution(uint256 distributionId, address wallet) external nonReentrant returns (uint256 amount) {
        AssetStorage.Distribution memory dist = LibDistribution.distribution(distributionId);
        if (block.timestamp > dist.expiresAt) revert DistributionExpired(distributionId, dist.expiresAt);
        (address paymentToken, uint256 assetId, uint32 snapshotId) = LibDistribution.partsOf(distributionId);
        AssetStorage.Asset storage asset = AssetStorage.layout().assets[assetId];
        if (!LibDistribution.markClaimed(asset, wallet, snapshotId)) {
            revert DistributionAlreadyClaimed(distributionId, wallet);
        }
        amount = LibDistribution.shareOf(dist, asset, wallet, snapshotId);
        if (amount == 0) revert DistributionNothingToClaim(distributionId, wallet);
        address paidTo = LibAsset.successor(wallet);

        // The shares add up to at most the amount.
        AssetStorage.layout().distributionClaimed[distributionId] += amount;
        emit DistributionClaimed(distributionId, wallet, paidTo, amount);
        LibAsset.pay(paymentToken, paidTo, amount);
    }

    /// @inheritdoc IAssetDistribution
    function reclaimDistribution(uint256 distributionId, address to) external nonReentrant returns (uint256 amount) {
        AssetStorage.Distribution storage dist = LibDistribution.distribution(distributionId);
        (address paymentToken, uint256 assetId, ) = LibDistribution.partsOf(distributionId);
        LibAsset.checkIssuer(assetId, LibAsset.asset(assetId));
        // The diamond is no payee: what it kept would be in no module's books.
        if (to == address(0) || to == address(this)) revert DistributionParamsInvalid("to");
        uint40 expiresAt = dist.expiresAt;
        if (block.timestamp <= expiresAt) revert DistributionNotExpired(distributionId, expiresAt);
        if (dist.reclaimed) revert DistributionAlreadyReclaimed(distributionId);
        amount = dist.amount - AssetStorage.layout().distributionClaimed[distributionId];

        dist.reclaimed = true;
        emit DistributionReclaimed(distributionId, to, amount);
        if (amount != 0) LibAsset.pay(paymentToken, to, amount);
    }

    // ---------------------------------------------------------------- redemptions

    /// @inheritdoc IAssetDistribution
    function openRedemption(
        uint256 assetId,
        address paymentToken,
        uint128 price,
        uint40 start,
        uint40 end,
        uint256 funds
    ) external nonReentrant returns (uint256 redemptionId) {
        LibAsset.checkIssuer(assetId, LibAsset.asset(assetId));
        if (paymentToken == address(0)) revert RedemptionParamsInvalid("paymentToken");
        if (price == 0) revert RedemptionParamsInvalid("price");
        if (start < block.timestamp) revert RedemptionParamsInvalid("start");
        if (end <= start) revert RedemptionParamsInvalid("end");
        if (funds > type(uint128).max) revert RedemptionParamsInvalid("funds");

        AssetStorage.Layout storage $ = AssetStorage.layout();
        redemptionId = ++$.redemptionCount;
        AssetStorage.Redemption storage redemption = $.redemptions[redemptionId];
        // An existing asset's id is at most the asset count: far below 2^64.
        redemption.assetId = uint64(assetId);
        redemption.start = start;
        redemption.end = end;
        redemption.paymentToken = paymentToken;
        redemption.price = price;
        redemption.funds = uint128(funds);
        emit RedemptionOpened(redemptionId, assetId, paymentToken, price, start, end);
        if (funds == 0) return redemptionId;
        emit RedemptionFunded(redemptionId, msg.sender, funds);
        LibAsset.pullExact(paymentToken, msg.sender, funds);
    }

    /// @inheritdoc IAssetDistribution
    function fundRedemption(uint256 redemptionId, uint256 amount) external nonReentrant {
        AssetStorage.Redemption storage redemption = LibDistribution.redemption(redemptionId);
        if (redemption.closed) revert RedemptionClosedAlready(redemptionId);
        uint256 funds = redemption.funds;
        if (amount == 0 || amount > type(uint128).max - funds) revert RedemptionParamsInvalid("amount");

        redemption.funds = uint128(funds + amount);
        emit RedemptionFunded(redemptionId, msg.sender, amount);
        LibAsset.pullExact(redemption.paymentToken, msg.sender, amount);
    }

    /// @inheritdoc IAssetDistribution
    /// @dev "Able to send" is the holder's transfer check with the diamond as receiver (which
    /// may always receive): the pause, the sender's verification and wallet freeze, its
    /// balance and what is neither frozen nor locked.
    function redeemAsset(
        uint256 redemptionId,
        uint256 amount,
        address to
    ) external nonReentrant returns (uint256 paid) {
        AssetStorage.Redemption storage redemption = LibDistribution.redemption(redemptionId);
        if (to == address(0) || to == address(this)) revert RedemptionParamsInvalid("to");
        (uint40 start, uint40 end) = (redemption.start, redemption.end);
        if (block.timestamp < start || block.timestamp > end) revert RedemptionNotOpen(redemptionId, start, end);
        uint256 assetId = redemption.assetId;
        AssetStorage.Asset storage asset = LibAsset.asset(assetId);
        LibAsset.enforce(assetId, asset, LibAsset.Mode.Transfer, address(this), msg.sender, address(this), amount);
        paid = LibDistribution.redemptionPayment(amount, redemption.price, asset.decimals);
        if (paid == 0) revert RedemptionAmountTooSmall(redemptionId, amount);
        uint256 funds = redemption.funds;
        if (paid > funds) revert RedemptionInsufficientFunds(redemptionId, paid, funds);

        redemption.funds = uint128(funds - paid);
        // amount is at most the caller's balance (< 2^112), checked above.
        redemption.redeemed += uint128(amount);
        LibAsset.burn(assetId, asset, msg.sender, amount);
        emit AssetRedeemed(redemptionId, msg.sender, amount, paid, to);
        LibAsset.pay(redemption.paymentToken, to, paid);
    }

    /// @inheritdoc IAssetDistribution
    function closeRedemption(uint256 redemptionId, address to) external nonReentrant returns (uint256 returned) {
        AssetStorage.Redemption storage redemption = LibDistribution.redemption(redemptionId);
        uint256 assetId = redemption.assetId;
        LibAsset.checkIssuer(assetId, LibAsset.asset(assetId));
        if (to == address(0) || to == address(this)) revert RedemptionParamsInvalid("to");
        if (redemption.closed) revert RedemptionClosedAlready(redemptionId);
        uint40 end = redemption.end;
        if (block.timestamp <= end) revert RedemptionNotEnded(redemptionId, end);
        returned = redemption.funds;

        redemption.closed = true;
        redemption.funds = 0;
        emit RedemptionClosed(redemptionId, to, returned);
        if (returned != 0) LibAsset.pay(redemption.paymentToken, to, returned);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAssetDistribution
    function getDistribution(uint256 distributionId) external view returns (DistributionView memory info) {
        AssetStorage.Distribution storage dist = LibDistribution.distribution(distributionId);
        (info.paymentToken, info.assetId, info.snapshotId) = LibDistribution.partsOf(distributionId);
        info.expiresAt = dist.expiresAt;
        info.reclaimed = dist.reclaimed;
        info.amount = dist.amount;
        info.claimed = AssetStorage.layout().distributionClaimed[distributionId];
        info.eligibleSupply = dist.eligibleSupply;
    }

    /// @inheritdoc IAssetDistribution
    function distributionClaimable(uint256 distributionId, address wallet) external view returns (uint256) {
        AssetStorage.Distribution memory dist = LibDistribution.distribution(distributionId);
        (, uint256 assetId, uint32 snapshotId) = LibDistribution.partsOf(distributionId);
        AssetStorage.Asset storage asset = AssetStorage.layout().assets[assetId];
        if (block.timestamp > dist.expiresAt || LibDistribution.isClaimed(asset, wallet, snapshotId)) return 0;
        return LibDistribution.shareOf(dist, asset, wallet, snapshotId);
    }

    /// @inheritdoc IAssetDistribution
    function isDistributionClaimed(uint256 distributionId, address wallet) external view returns (bool) {
        LibDistribution.distribution(distributionId);
        (, uint256 assetId, uint32 snapshotId) = LibDistribution.partsOf(distributionId);
        return LibDistribution.isClaimed(AssetStorage.layout().assets[assetId], wallet, snapshotId);
    }

    /// @inheritdoc IAssetDistribution
    function redemptionCount() external view returns (uint256) {
        return AssetStorage.layout().redemptionCount;
    }

    /// @inheritdoc IAssetDistribution
    /// @dev `funds`: what the redemption holds now (0 once closed); `redeemed`: asset units burnt.
    function getRedemption(uint256 redemptionId) external view returns (RedemptionView memory info) {
        AssetStorage.Redemption storage redemption = LibDistribution.redemption(redemptionId);
        info.assetId = redemption.assetId;
        info.paymentToken = redemption.paymentToken;
        info.price = redemption.price;
        info.start = redemption.start;
        info.end = redemption.end;
        info.closed = redemption.closed;
        info.funds = redemption.funds;
        info.redeemed = redemption.redeemed;
    }
}
