// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAssetTypes} from "./IAssetTypes.sol";

/// @title Asset module: primary offerings.
/// @notice An asset's issuer sells new tokens for a payment token between `start` and `end`.
/// Subscriptions are per identity: the first wallet of an identity to subscribe opens its
/// subscription (and is the wallet it is served at); its other wallets add to it. A
/// subscription has paid `ceil(amount × price / 10^decimals)` at every moment: each
/// `subscribe` charges what the new total costs more than the old one. The diamond holds
/// the payments (accounted in `assetBooks`). After the end (or a cancellation) settlement
/// runs per subscription, for the wallets a caller lists (`settleOffering`, which anyone and
/// the keeper may call; the subscribing wallets are in the `OfferingSubscribed` events) or
/// one at a time (`settleSubscription`):
/// - soft cap reached at the end: each subscription's tokens are minted to its wallet
///   (locked for the asset's lock-up after the end) and its payment goes to the proceeds;
/// - soft cap missed, or cancelled: each subscription is refunded.
/// Defined outcomes: the hard cap is first come, first served — a subscription that would
/// pass it is refused with what is left, never filled in part; a subscriber whose wallet is
/// no longer eligible at settlement (KYC lapsed, frozen, rules changed) is refunded instead
/// of delivered, and the outcome of the offering (decided on the subscriptions at the end)
/// does not change; a subscription's wallet recovered since is served at its replacement; a
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
        /// The identity has not subscribed.
        None,
        /// Subscribed, not settled yet.
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
        /// Identities that subscribed (one subscription each).
        uint32 subscriberCount;
        /// Subscriptions settled (delivered, refunded or refund due), by whichever call settled
        /// them: every one is settled when it equals `subscriberCount`.
        uint32 settledCount;
    }

    /// @notice An identity's subscription.
    /// @param wallet The identity's first subscribing wallet: deliveries and refunds go to it
    /// (or to the wallet it was recovered to).
    /// @param amount Asset units its wallets subscribed together.
    /// @param paid What the subscription has paid: `ceil(amount × price / 10^decimals)`.
    struct SubscriptionView {
        SubscriptionStatus status;
        address wallet;
        uint128 amount;
        uint128 paid;
    }

    event OfferingCreated(uint256 indexed offeringId, uint256 indexed assetId, OfferingParams params);
    /// @param wallet The wallet that subscribed (any wallet of the identity).
    /// @param paid What this call charged.
    event OfferingSubscribed(
        uint256 indexed offeringId,
        address indexed wallet,
        uint256 amount,
        uint256 paid,
        bytes32 indexed identityId
    );
    event OfferingFinalized(uint256 indexed offeringId, OfferingState state, uint256 subscribed);
    event OfferingCancelled(uint256 indexed offeringId, address indexed issuer);
    /// @param wallet The subscription's wallet, as in the refund events, even when the tokens (or
    /// the refund) went to the wallet it was recovered to.
    event OfferingDelivered(uint256 indexed offeringId, address indexed wallet, uint256 amount, uint40 lockedUntil);
    /// @param reason Success for a failed or cancelled offering; otherwise why delivery was refused.
    event OfferingRefunded(uint256 indexed offeringId, address indexed wallet, uint256 paid, Restriction reason);
    event OfferingRefundDue(uint256 indexed offeringId, address indexed wallet, uint256 paid);
    /// @param wallet The subscription's wallet.
    event OfferingRefundClaimed(uint256 indexed offeringId, address indexed wallet, address to, uint256 paid);
    event OfferingProceedsPaid(uint256 indexed offeringId, address indexed treasury, uint256 amount);
    event OfferingTreasurySet(uint256 indexed offeringId, address indexed treasury);
    /// @param settled Subscriptions this call settled; `settledCount` those settled in all.
    event OfferingBatchSettled(uint256 indexed offeringId, uint256 settled, uint32 settledCount);

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
    /// @notice A settlement call lists `length` wallets; at most `maxBatch` are taken.
    error OfferingBatchInvalid(uint256 length, uint256 maxBatch);
    /// @notice `assetPerformUpkeep`'s data is not `abi.encode(uint256, address[])`.
    error OfferingUpkeepDataInvalid(uint256 length);
    /// @notice The payment token moved fewer units than asked (fee-on-transfer tokens are refused).
    error AssetPaymentShortfall(address token, uint256 expected, uint256 received);

    /// @notice Creates an offering of `params.assetId`. Its issuer only.
    function createOffering(OfferingParams calldata params) external returns (uint256 offeringId);

    /// @notice Subscribes the caller's identity for `amount` more asset units through the
    /// caller's wallet, charging what the identity's new total costs more than its old one
    /// (`ceil(total × price / 10^decimals)`; allowance to the diamond). The wallet must be
    /// able to receive the asset now (for the identity's new total), be on the allow-list
    /// when there is one (`proof`), and the identity's total must stay within the
    /// per-identity bounds and below 2^88; what the offering holds stays below 2^112.
    function subscribe(uint256 offeringId, uint256 amount, bytes32[] calldata proof) external returns (uint256 paid);

    /// @notice Cancels an offering that has not been finalized. Its issuer only.
    function cancelOffering(uint256 offeringId) external;

    /// @notice After the end or a cancellation: finalizes the outcome on the first call,
    /// settles the open subscriptions of the identities of `wallets` (at most 50; any wallet
    /// of an identity; the others — never subscribed, settled already, listed twice — are
    /// skipped, so a call may be repeated), then tries to pay the proceeds due. An empty list
    /// finalizes and pays the proceeds. Anyone may call it.
    function settleOffering(uint256 offeringId, address[] calldata wallets) external returns (uint256 settled);

    /// @notice Settles the subscription of `wallet`'s identity (idempotent: a settled one is skipped).
    function settleSubscription(uint256 offeringId, address wallet) external;

    /// @notice Sends a refund the token refused earlier, of `wallet`'s identity's subscription,
    /// to `to`. The subscription's wallet (or the wallet it was recovered to) only.
    function claimOfferingRefund(uint256 offeringId, address wallet, address to) external;

    /// @notice Retries sending the proceeds due to the treasury. Anyone may call it.
    function payOfferingProceeds(uint256 offeringId) external;

    /// @notice Changes where the proceeds go (e.g. a treasury the payment token blocklisted).
    /// The asset's issuer only; not zero.
    function setOfferingTreasury(uint256 offeringId, address treasury) external;

    /// @notice The keeper's check on `checkData = abi.encode(uint256 offeringId, address[]
    /// candidates)` (the subscribing wallets, from the `OfferingSubscribed` events): when the
    /// offering has ended and there is work — candidates whose identity's subscription is
    /// open, or an outcome to finalize — `abi.encode(offeringId, pending)` with at most 25 of
    /// those candidates, one per identity. Proceeds the treasury refused are not keeper work
    /// (`payOfferingProceeds` retries them). Malformed data: no work (never reverts).
    function assetCheckUpkeep(bytes calldata checkData) external view returns (bool, bytes memory);

    /// @notice The keeper's perform: `settleOffering` on `abi.encode(offeringId, wallets)`,
    /// re-validated: an unknown offering, one not ended, or data with no work left does nothing.
    function assetPerformUpkeep(bytes calldata performData) external;

    function offeringCount() external view returns (uint256);

    function getOffering(uint256 offeringId) external view returns (OfferingView memory);

    /// @notice The subscription of `wallet`'s identity (any of its wallets).
    function getSubscription(uint256 offeringId, address wallet) external view returns (SubscriptionView memory);

    /// @notice What `identityId`'s wallets subscribed together.
    function offeringIdentityTotal(uint256 offeringId, bytes32 identityId) external view returns (uint256);

    /// @notice The payment a subscription of `amount` costs.
    function offeringCost(uint256 offeringId, uint256 amount) external view returns (uint256);
}
