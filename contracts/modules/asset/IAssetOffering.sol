// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAssetTypes} from "./IAssetTypes.sol";

/// @title Asset module: primary offerings.
/// @notice An asset's issuer sells new tokens for a payment token between `start` and `end`.
/// Subscribers pay when they subscribe; the diamond holds the payments (accounted in
/// `assetBooks`). After the end (or a cancellation) settlement runs per subscriber, in
/// bounded batches (`settleOffering`, which anyone and the keeper may call) or one at a time
/// (`settleSubscription`):
/// - soft cap reached at the end: each subscriber's tokens are minted to it (locked for the
///   asset's lock-up after the end) and its payment goes to the proceeds;
/// - soft cap missed, or cancelled: each subscriber is refunded.
/// Defined outcomes: the hard cap is first come, first served — a subscription that would
/// pass it is refused with what is left, never filled in part; a subscriber whose wallet is
/// no longer eligible at settlement (KYC lapsed, frozen, rules changed) is refunded instead
/// of delivered, and the outcome of the offering (decided on the subscriptions at the end)
/// does not change; a subscriber's wallet recovered since is served at its replacement; a
/// refund the payment token refuses (a blocklist) stays due and the subscriber claims it.
interface IAssetOffering is IAssetTypes {
    enum OfferingState {
        None,
        /// Created; subscriptions run between start and end.
        Open,
        /// Ended with the soft cap reached: settlement delivers tokens.
        Succeeded,
        /// Ended below the soft cap: settlement refunds.
        Failed,
        /// Cancelled by the issuer before it settled: settlement refunds.
        Cancelled
    }

    enum SubscriptionStatus {
        None,
        Open,
        Delivered,
        Refunded,
        /// The refund transfer was refused; the subscriber claims it with `claimOfferingRefund`.
        RefundDue
    }

    /// @param price Payment-token units per whole asset token (10^decimals units).
    /// @param softCap, hardCap, minPerIdentity, maxPerIdentity In asset units; maxPerIdentity 0: no max.
    /// @param allowListRoot Merkle root of the allowed wallets (OpenZeppelin StandardMerkleTree
    /// over `["address"]`); zero: no allow-list.
    /// @param treasury Where the proceeds go.
    struct OfferingParams {
        uint256 assetId;
        address paymentToken;
        uint128 price;
        uint128 softCap;
        uint128 hardCap;
        uint40 start;
        uint40 end;
        uint128 minPerIdentity;
        uint128 maxPerIdentity;
        bytes32 allowListRoot;
        address treasury;
    }

    struct OfferingView {
        OfferingParams params;
        OfferingState state;
        /// Asset units subscribed (open subscriptions included).
        uint128 subscribed;
        /// Payment units the diamond holds for the offering.
        uint128 held;
        /// Proceeds not yet sent to the treasury.
        uint128 proceedsDue;
        uint32 subscriberCount;
        /// The batches' cursor: subscribers before it are settled (those settled one at a
        /// time by `settleSubscription` count once the cursor passes them).
        uint32 settledCount;
    }

    struct SubscriptionView {
        SubscriptionStatus status;
        uint128 amount;
        uint128 paid;
    }

    event OfferingCreated(uint256 indexed offeringId, uint256 indexed assetId, OfferingParams params);
    event OfferingSubscribed(
        uint256 indexed offeringId,
        address indexed wallet,
        uint256 amount,
        uint256 paid,
        bytes32 indexed identityId
    );
    event OfferingFinalized(uint256 indexed offeringId, OfferingState state, uint256 subscribed);
    event OfferingCancelled(uint256 indexed offeringId, address indexed issuer);
    event OfferingDelivered(uint256 indexed offeringId, address indexed wallet, uint256 amount, uint40 lockedUntil);
    /// @param reason Success for a failed or cancelled offering; otherwise why delivery was refused.
    event OfferingRefunded(uint256 indexed offeringId, address indexed wallet, uint256 paid, Restriction reason);
    event OfferingRefundDue(uint256 indexed offeringId, address indexed wallet, uint256 paid);
    event OfferingRefundClaimed(uint256 indexed offeringId, address indexed wallet, address to, uint256 paid);
    event OfferingProceedsPaid(uint256 indexed offeringId, address indexed treasury, uint256 amount);
    event OfferingBatchSettled(uint256 indexed offeringId, uint256 processed, uint32 settledCount);

    error OfferingUnknown(uint256 offeringId);
    error OfferingParamsInvalid(string what);
    error OfferingNotOpen(uint256 offeringId, uint40 start, uint40 end);
    error OfferingEnded(uint256 offeringId);
    error OfferingNotEnded(uint256 offeringId, uint40 end);
    error OfferingNotSettleable(uint256 offeringId, OfferingState state);
    /// @notice The subscription would pass the hard cap; `remaining` is what is left.
    error OfferingHardCapExceeded(uint256 offeringId, uint256 requested, uint256 remaining);
    error OfferingBelowMinimum(uint256 offeringId, uint256 identityTotal, uint256 minimum);
    error OfferingAboveMaximum(uint256 offeringId, uint256 identityTotal, uint256 maximum);
    error OfferingNotAllowListed(uint256 offeringId, address wallet);
    /// @notice The wallet could not receive the asset now; `reason` says why.
    error OfferingSubscriberRestricted(uint256 offeringId, address wallet, Restriction reason);
    error OfferingNoRefundDue(uint256 offeringId, address wallet);
    error OfferingNothingToSettle(uint256 offeringId);
    error OfferingBatchInvalid(uint256 maxCount, uint256 maxBatch);
    /// @notice The payment token moved fewer units than asked (fee-on-transfer tokens are refused).
    error AssetPaymentShortfall(address token, uint256 expected, uint256 received);

    /// @notice Creates an offering of `params.assetId`. Its issuer only.
    function createOffering(OfferingParams calldata params) external returns (uint256 offeringId);

    /// @notice Subscribes the caller's wallet for `amount` asset units, paying
    /// `ceil(amount × price / 10^decimals)` of the payment token (allowance to the diamond).
    /// The wallet must be able to receive the asset now, be on the allow-list when there is
    /// one (`proof`), and its identity's total must stay within the per-identity bounds.
    function subscribe(uint256 offeringId, uint256 amount, bytes32[] calldata proof) external returns (uint256 paid);

    /// @notice Cancels an offering that has not been finalized. Its issuer only.
    function cancelOffering(uint256 offeringId) external;

    /// @notice Settles up to `maxCount` (≤ 50) subscribers from the cursor, after the end or
    /// a cancellation; the first call also finalizes the outcome. Anyone may call it.
    function settleOffering(uint256 offeringId, uint256 maxCount) external returns (uint256 processed);

    /// @notice Settles one subscriber out of order (idempotent: a settled one is skipped).
    function settleSubscription(uint256 offeringId, address wallet) external;

    /// @notice Sends a refund the token refused earlier to `to`. The subscriber (or the wallet
    /// it was recovered to) only.
    function claimOfferingRefund(uint256 offeringId, address wallet, address to) external;

    /// @notice Retries sending the proceeds due to the treasury. Anyone may call it.
    function payOfferingProceeds(uint256 offeringId) external;

    /// @notice The keeper's check: the first offering (from `checkData`'s start id, or 1)
    /// with subscribers left to settle, as `abi.encode(offeringId, maxCount)`.
    function assetCheckUpkeep(bytes calldata checkData) external view returns (bool, bytes memory);

    /// @notice The keeper's perform: `settleOffering` on `abi.encode(offeringId, maxCount)`.
    function assetPerformUpkeep(bytes calldata performData) external;

    function offeringCount() external view returns (uint256);

    function getOffering(uint256 offeringId) external view returns (OfferingView memory);

    function getSubscription(uint256 offeringId, address wallet) external view returns (SubscriptionView memory);

    /// @notice What `identityId`'s wallets subscribed together.
    function offeringIdentityTotal(uint256 offeringId, bytes32 identityId) external view returns (uint256);

    /// @notice The payment a subscription of `amount` costs.
    function offeringCost(uint256 offeringId, uint256 amount) external view returns (uint256);
}
