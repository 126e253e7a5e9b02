// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAssetTypes} from "./IAssetTypes.sol";

/// @title Asset module: distributions (dividends, coupons, rent) and redemptions.
/// @notice A distribution takes a snapshot of every balance of the asset when it is
/// deposited (its record time) at a cost that does not grow with the number of holders;
/// each wallet then claims `amount × balanceAt(record) / eligibleSupply`. Balances that
/// must not earn — the diamond's own (lending collateral, …) — are left out of
/// `eligibleSupply`, so nothing is stranded for them; frozen and locked balances earn.
/// Tokens bought after the record time earn nothing from it. A lost wallet's claim is paid
/// to the wallet it was recovered to. After `expiresAt` the issuer reclaims what is
/// unclaimed (rounding dust included).
/// A distribution's id says what it is: `uint160(paymentToken) << 96 | assetId << 32 |
/// snapshotId` (assets below 2^64; the record time is the block of `DistributionCreated`).
/// A redemption lets holders burn tokens for a payment token at a set price inside a
/// window (a maturity or a buy-back), from funds the issuer deposits; what is left goes
/// back to the issuer when the window has closed.
interface IAssetDistribution is IAssetTypes {
    struct DistributionView {
        uint256 assetId;
        address paymentToken;
        uint32 snapshotId;
        uint40 expiresAt;
        bool reclaimed;
        uint96 amount;
        uint256 claimed;
        /// The supply at the record time less the custodian's balance.
        uint112 eligibleSupply;
    }

    struct RedemptionView {
        uint256 assetId;
        address paymentToken;
        /// Payment-token units per whole asset token.
        uint128 price;
        uint40 start;
        uint40 end;
        bool closed;
        uint128 funds;
        uint128 redeemed;
    }

    event DistributionCreated(
        uint256 indexed distributionId,
        uint256 indexed assetId,
        address indexed paymentToken,
        uint256 amount,
        uint32 snapshotId,
        uint112 eligibleSupply,
        uint40 expiresAt
    );
    event DistributionClaimed(
        uint256 indexed distributionId,
        address indexed wallet,
        address indexed paidTo,
        uint256 amount
    );
    event DistributionReclaimed(uint256 indexed distributionId, address indexed to, uint256 amount);
    event RedemptionOpened(
        uint256 indexed redemptionId,
        uint256 indexed assetId,
        address indexed paymentToken,
        uint128 price,
        uint40 start,
        uint40 end
    );
    event RedemptionFunded(uint256 indexed redemptionId, address indexed from, uint256 amount);
    event AssetRedeemed(uint256 indexed redemptionId, address indexed wallet, uint256 amount, uint256 paid, address to);
    event RedemptionClosed(uint256 indexed redemptionId, address indexed to, uint256 returned);

    error DistributionUnknown(uint256 distributionId);
    error DistributionParamsInvalid(string what);
    /// @notice No balance earns: nothing could ever be claimed.
    error DistributionNoEligibleSupply(uint256 assetId);
    error DistributionAlreadyClaimed(uint256 distributionId, address wallet);
    error DistributionNothingToClaim(uint256 distributionId, address wallet);
    error DistributionExpired(uint256 distributionId, uint40 expiresAt);
    error DistributionNotExpired(uint256 distributionId, uint40 expiresAt);
    error DistributionAlreadyReclaimed(uint256 distributionId);
    error RedemptionUnknown(uint256 redemptionId);
    error RedemptionParamsInvalid(string what);
    error RedemptionNotOpen(uint256 redemptionId, uint40 start, uint40 end);
    error RedemptionNotEnded(uint256 redemptionId, uint40 end);
    error RedemptionClosedAlready(uint256 redemptionId);
    error RedemptionInsufficientFunds(uint256 redemptionId, uint256 needed, uint256 available);
    /// @notice The amount is too small to be worth any payment unit.
    error RedemptionAmountTooSmall(uint256 redemptionId, uint256 amount);

    /// @notice Deposits `amount` (below 2^96) of `paymentToken` for the holders of `assetId`
    /// at this moment (the record time); claimable until `now + claimPeriod` (at least a
    /// day). Its issuer only.
    function createDistribution(
        uint256 assetId,
        address paymentToken,
        uint256 amount,
        uint40 claimPeriod
    ) external returns (uint256 distributionId);

    /// @notice Pays `wallet`'s share (to the wallet it was recovered to, if it was lost).
    /// Anyone may trigger it; the money only goes to the holder.
    function claimDistribution(uint256 distributionId, address wallet) external returns (uint256 amount);

    /// @notice After the expiry, sends what is unclaimed to `to`. The asset's issuer only.
    function reclaimDistribution(uint256 distributionId, address to) external returns (uint256 amount);

    /// @notice Opens a redemption window funded with `funds` of `paymentToken`. Its issuer only.
    function openRedemption(
        uint256 assetId,
        address paymentToken,
        uint128 price,
        uint40 start,
        uint40 end,
        uint256 funds
    ) external returns (uint256 redemptionId);

    /// @notice Adds funds to an open redemption (anyone; usually the issuer).
    function fundRedemption(uint256 redemptionId, uint256 amount) external;

    /// @notice Burns `amount` of the caller's available tokens and pays
    /// `amount × price / 10^decimals` (rounded down) to `to`. The caller must be able to send.
    function redeemAsset(uint256 redemptionId, uint256 amount, address to) external returns (uint256 paid);

    /// @notice After the window, returns the unspent funds to `to`. The asset's issuer only.
    function closeRedemption(uint256 redemptionId, address to) external returns (uint256 returned);

    function getDistribution(uint256 distributionId) external view returns (DistributionView memory);

    /// @notice What `wallet` would be paid now (0 once claimed or after the expiry).
    function distributionClaimable(uint256 distributionId, address wallet) external view returns (uint256);

    function isDistributionClaimed(uint256 distributionId, address wallet) external view returns (bool);

    function redemptionCount() external view returns (uint256);

    function getRedemption(uint256 redemptionId) external view returns (RedemptionView memory);
}
