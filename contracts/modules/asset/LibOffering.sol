// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LibIdentity} from "../identity/LibIdentity.sol";
import {AssetStorage} from "./AssetStorage.sol";
import {IAssetOffering} from "./IAssetOffering.sol";
import {IAssetTypes} from "./IAssetTypes.sol";
import {LibAsset} from "./LibAsset.sol";

/// @title Primary offerings: the outcome, one subscriber's settlement and the proceeds.
/// @dev Every payment moves through `LibAsset.pullExact` / `pay` / `tryPay`, which keep
/// `books[token]`; an offering's `held` is its share of them: the open and refund-due
/// subscriptions' payments plus the proceeds due.
library LibOffering {
    /// @dev Subscribers the keeper's check proposes per perform. A delivery to a new holder
    /// writes three new storage slots (holding, holders of its identity, lock): about 98,000
    /// gas; after a snapshot (a distribution) its checkpoint adds two more: about 145,000.
    /// 25 of those stay under 3,700,000 gas, inside Chainlink Automation's 5,000,000 perform
    /// gas with room; `settleOffering` still takes up to `AssetStorage.MAX_SETTLE_BATCH`.
    uint256 internal constant UPKEEP_SETTLE_BATCH = 25;

    /// @dev What a batch reads once for all its subscribers.
    struct Batch {
        uint256 offeringId;
        uint256 assetId;
        address paymentToken;
        IAssetOffering.OfferingState state;
        /// When delivered tokens unlock; 0 when the lock-up is over already (nothing is locked).
        uint40 lockedUntil;
    }

    function offering(uint256 offeringId) internal view returns (AssetStorage.Offering storage o) {
        o = AssetStorage.layout().offerings[offeringId];
        if (o.state == IAssetOffering.OfferingState.None) revert IAssetOffering.OfferingUnknown(offeringId);
    }

    /// @dev `ceil(amount × price / 10^decimals)`: the issuer never receives less than the price.
    function cost(AssetStorage.Offering storage o, uint256 amount) internal view returns (uint256) {
        uint8 decimals = AssetStorage.layout().assets[o.assetId].decimals;
        return Math.mulDiv(amount, o.price, 10 ** decimals, Math.Rounding.Ceil);
    }

    /// @dev Whether settlement can run now: after the end, or at any time once cancelled.
    function ended(AssetStorage.Offering storage o) internal view returns (bool) {
        return o.state != IAssetOffering.OfferingState.Open || block.timestamp >= o.end;
    }

    /// @dev Whether the cursor has subscribers left to pass and settlement can run.
    function hasWork(AssetStorage.Offering storage o) internal view returns (bool) {
        return o.settledCount < o.subscriberCount && ended(o);
    }

    /// @dev Decides the outcome of an ended offering on what was subscribed at its end
    /// (subscriptions stop at the end, so settlement cannot change it).
    function finalize(uint256 offeringId, AssetStorage.Offering storage o) internal {
        if (o.state != IAssetOffering.OfferingState.Open) return;
        uint128 subscribed = o.subscribed;
        IAssetOffering.OfferingState state =
            subscribed >= o.softCap ? IAssetOffering.OfferingState.Succeeded : IAssetOffering.OfferingState.Failed;
        o.state = state;
        emit IAssetOffering.OfferingFinalized(offeringId, state, subscribed);
    }

    /// @dev The batch context of a finalized or cancelled offering.
    function batch(uint256 offeringId, AssetStorage.Offering storage o) internal view returns (Batch memory b) {
        b.offeringId = offeringId;
        b.assetId = o.assetId;
        b.paymentToken = o.paymentToken;
        b.state = o.state;
        // end + lock-up fits in 41 bits; a lock past 2^40 seconds is as good as forever.
        uint256 until = uint256(o.end) + AssetStorage.layout().assets[b.assetId].lockupSeconds;
        if (until > type(uint40).max) until = type(uint40).max;
        if (until > block.timestamp) b.lockedUntil = uint40(until);
    }

    /// @dev Settles `wallet`'s open subscription `s`: delivery to the wallet it is served at
    /// now (itself, or the wallet it was recovered to) when the offering succeeded and that
    /// wallet may receive the tokens now; a refund otherwise.
    function settle(
        Batch memory b,
        AssetStorage.Offering storage o,
        AssetStorage.Asset storage a,
        AssetStorage.Subscription storage s,
        address wallet
    ) internal {
        // A wallet is lost exactly when it was recovered (the flag is never cleared), so the
        // recovery map is read only then; the check below reads the same identity word, warm.
        address to = LibIdentity.isLostWord(LibIdentity.walletWord(wallet)) ? LibAsset.successor(wallet) : wallet;
        IAssetTypes.Restriction reason = IAssetTypes.Restriction.Success;
        if (b.state == IAssetOffering.OfferingState.Succeeded) {
            // Mint mode: every receiver rule, the per-identity limits and the cap, now.
            (reason, ) = LibAsset.check(a, LibAsset.Mode.Mint, address(0), address(0), to, s.amount);
            if (reason == IAssetTypes.Restriction.Success) {
                _deliver(b, o, a, s, wallet, to);
                return;
            }
        }
        _refund(b, o, s, wallet, to, reason);
    }

    /// @dev Tries to send the proceeds due to the treasury; they stay due when the token refuses.
    function tryPayProceeds(uint256 offeringId, AssetStorage.Offering storage o) internal {
        uint128 due = o.proceedsDue;
        if (due == 0) return;
        address treasury = o.treasury;
        o.proceedsDue = 0;
        o.held -= due;
        if (LibAsset.tryPay(o.paymentToken, treasury, due)) {
            emit IAssetOffering.OfferingProceedsPaid(offeringId, treasury, due);
        } else {
            o.proceedsDue = due;
            o.held += due;
        }
    }

    function _deliver(
        Batch memory b,
        AssetStorage.Offering storage o,
        AssetStorage.Asset storage a,
        AssetStorage.Subscription storage s,
        address wallet,
        address to
    ) private {
        uint256 amount = s.amount;
        s.status = IAssetOffering.SubscriptionStatus.Delivered;
        // proceedsDue <= held < 2^128: the payment moves from the subscription to the proceeds.
        o.proceedsDue += s.paid;
        LibAsset.mint(b.assetId, a, to, amount);
        // A no-op when the lock-up is over already.
        LibAsset.lock(b.assetId, a, to, amount, b.lockedUntil);
        emit IAssetOffering.OfferingDelivered(b.offeringId, wallet, amount, b.lockedUntil);
    }

    /// @dev Refunds to `to`; a refund the token refuses (a blocklist) stays held, due to the
    /// subscriber, who claims it with `claimOfferingRefund`.
    function _refund(
        Batch memory b,
        AssetStorage.Offering storage o,
        AssetStorage.Subscription storage s,
        address wallet,
        address to,
        IAssetTypes.Restriction reason
    ) private {
        uint128 paid = s.paid;
        s.status = IAssetOffering.SubscriptionStatus.Refunded;
        o.held -= paid;
        // The event depends on the transfer's outcome, so it follows the transfer here.
        if (LibAsset.tryPay(b.paymentToken, to, paid)) {
            emit IAssetOffering.OfferingRefunded(b.offeringId, wallet, paid, reason);
        } else {
            s.status = IAssetOffering.SubscriptionStatus.RefundDue;
            o.held += paid;
            emit IAssetOffering.OfferingRefundDue(b.offeringId, wallet, paid);
        }
    }
}
