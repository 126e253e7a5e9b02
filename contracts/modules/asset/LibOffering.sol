// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LibIdentity} from "../identity/LibIdentity.sol";
import {AssetStorage} from "./AssetStorage.sol";
import {IAssetOffering} from "./IAssetOffering.sol";
import {IAssetTypes} from "./IAssetTypes.sol";
import {LibAsset} from "./LibAsset.sol";

/// @title Primary offerings: the cost, the outcome, one subscription's settlement and the proceeds.
/// @dev Every payment moves through `LibAsset.pullExact` / `pay` / `tryPay`, which keep
/// `books[token]`; an offering's `held` is its share of them: the cost of the open and
/// refund-due subscriptions plus the proceeds due.
library LibOffering {
    /// @dev Subscriptions the keeper's check proposes per perform. A delivery to a new holder
    /// writes three new storage slots (holding, holders of its identity, lock): about 98,000
    /// gas; after a snapshot (a distribution) its checkpoint adds two more: about 145,000.
    /// 25 of those stay under 3,700,000 gas, inside Chainlink Automation's 5,000,000 perform
    /// gas with room; `settleOffering` still takes up to `AssetStorage.MAX_SETTLE_BATCH`.
    uint256 internal constant UPKEEP_SETTLE_BATCH = 25;
    /// @dev An identity's total subscribed to one offering is kept in 88 bits.
    uint256 internal constant MAX_SUBSCRIPTION = type(uint88).max;
    /// @dev What an offering holds is kept in 112 bits, next to what was subscribed.
    uint256 internal constant MAX_HELD = type(uint112).max;
    // Flags of an offering's word 0: a subscription reads the words they name only when set.
    /// @dev A minimum or a maximum per identity (word 3).
    uint8 internal constant HAS_BOUNDS = 1;
    /// @dev An allow-list root (word 5).
    uint8 internal constant HAS_ALLOW_LIST = 2;

    /// @dev What a batch reads once for all its subscriptions.
    struct Batch {
        uint256 offeringId;
        uint256 assetId;
        address paymentToken;
        IAssetOffering.OfferingState state;
        /// When delivered tokens unlock; 0 when the lock-up is over already (nothing is locked).
        uint40 lockedUntil;
        uint256 price;
        /// 10^decimals of the asset: the units of one whole token.
        uint256 unit;
    }

    function offering(uint256 offeringId) internal view returns (AssetStorage.Offering storage o) {
        o = AssetStorage.layout().offerings[offeringId];
        if (o.state == IAssetOffering.OfferingState.None) revert IAssetOffering.OfferingUnknown(offeringId);
    }

    /// @dev The subscription of `wallet`'s identity; an unregistered wallet's (identity 0) is
    /// never written, so it reads as `None`.
    function subscriptionOf(
        AssetStorage.Offering storage o,
        address wallet
    ) internal view returns (AssetStorage.Subscription storage) {
        return o.subscriptions[LibIdentity.refOf(LibIdentity.walletWord(wallet))];
    }

    /// @dev `ceil(amount × price / unit)`: the issuer never receives less than the price.
    function cost(uint256 amount, uint256 price, uint256 unit) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, unit, Math.Rounding.Ceil);
    }

    /// @dev `cost` of `amount` units of `o`'s asset.
    function cost(AssetStorage.Offering storage o, uint256 amount) internal view returns (uint256) {
        return cost(amount, o.price, 10 ** AssetStorage.layout().assets[o.assetId].decimals);
    }

    /// @dev Whether settlement can run now: after the end, or at any time once cancelled.
    function ended(AssetStorage.Offering storage o) internal view returns (bool) {
        return o.state != IAssetOffering.OfferingState.Open || block.timestamp >= o.end;
    }

    /// @dev Whether settling `wallets` would do something now: the offering has ended and its
    /// outcome is still to be decided, or a listed identity's subscription is open. Proceeds
    /// the treasury refused are not keeper work (each batch retries them; so does
    /// `payOfferingProceeds`): a blocked treasury would otherwise have the keeper perform
    /// every block.
    function hasWork(AssetStorage.Offering storage o, address[] calldata wallets) internal view returns (bool) {
        if (!ended(o)) return false;
        if (o.state == IAssetOffering.OfferingState.Open) return true;
        for (uint256 i; i < wallets.length; ++i) {
            if (subscriptionOf(o, wallets[i]).status == IAssetOffering.SubscriptionStatus.Open) return true;
        }
        return false;
    }

    /// @dev Decides the outcome of an ended offering on what was subscribed at its end
    /// (subscriptions stop at the end, so settlement cannot change it).
    function finalize(uint256 offeringId, AssetStorage.Offering storage o) internal {
        if (o.state != IAssetOffering.OfferingState.Open) return;
        uint256 subscribed = o.totals.subscribed;
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
        b.price = o.price;
        AssetStorage.Asset storage a = AssetStorage.layout().assets[b.assetId];
        b.unit = 10 ** a.decimals;
        // end + lock-up fits in 41 bits; a lock past 2^40 seconds is as good as forever.
        uint256 until = uint256(o.end) + a.lockupSeconds;
        if (until > type(uint40).max) until = type(uint40).max;
        if (until > block.timestamp) b.lockedUntil = uint40(until);
    }

    /// @dev Settles the open subscription `s`: delivery to the wallet it is served at now (its
    /// wallet, or the wallet that one was recovered to) when the offering succeeded and that
    /// wallet may receive the tokens now; a refund otherwise. Counts it settled first, so no
    /// view sees a stale count during the transfers.
    function settle(
        Batch memory b,
        AssetStorage.Offering storage o,
        AssetStorage.Asset storage a,
        AssetStorage.Subscription storage s
    ) internal {
        address wallet = s.wallet;
        ++o.settledCount;
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
        uint112 due = o.proceedsDue;
        if (due == 0) return;
        address treasury = o.treasury;
        o.proceedsDue = 0;
        o.totals.held -= due;
        if (LibAsset.tryPay(o.paymentToken, treasury, due)) {
            emit IAssetOffering.OfferingProceedsPaid(offeringId, treasury, due);
        } else {
            o.proceedsDue = due;
            o.totals.held += due;
        }
    }

    /// @dev `abi.decode(data, (uint256, address[]))` without reverting: `ok` is false when
    /// `data` is not a valid encoding (the keeper's check must never revert). The array is
    /// read in place.
    function decodeWallets(
        bytes calldata data
    ) internal pure returns (bool ok, uint256 offeringId, address[] calldata wallets) {
        wallets = _noWallets();
        if (data.length < 64) return (false, 0, wallets);
        offeringId = uint256(bytes32(data[0:32]));
        uint256 head = uint256(bytes32(data[32:64]));
        // The length word and every element must lie inside `data`.
        if (head > data.length - 32) return (false, 0, wallets);
        uint256 start = head + 32;
        uint256 count = uint256(bytes32(data[head:start]));
        if (count > (data.length - start) / 32) return (false, 0, wallets);
        for (uint256 at = start; at < start + 32 * count; at += 32) {
            // An address word has its 96 high bits clear.
            if (uint256(bytes32(data[at:at + 32])) >> 160 != 0) return (false, 0, wallets);
        }
        assembly ("memory-safe") {
            wallets.offset := add(data.offset, start)
            wallets.length := count
        }
        ok = true;
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
        // proceedsDue <= held < 2^112: the payment moves from the subscription to the proceeds.
        o.proceedsDue += uint112(cost(amount, b.price, b.unit));
        LibAsset.mint(b.assetId, a, to, amount);
        // A no-op when the lock-up is over already.
        LibAsset.lock(b.assetId, a, to, amount, b.lockedUntil);
        emit IAssetOffering.OfferingDelivered(b.offeringId, wallet, amount, b.lockedUntil);
    }

    /// @dev Refunds what `s` paid to `to`; a refund the token refuses (a blocklist) stays held, due to
    /// the subscriber, who claims it with `claimOfferingRefund`.
    function _refund(
        Batch memory b,
        AssetStorage.Offering storage o,
        AssetStorage.Subscription storage s,
        address wallet,
        address to,
        IAssetTypes.Restriction reason
    ) private {
        uint256 paid = cost(s.amount, b.price, b.unit);
        s.status = IAssetOffering.SubscriptionStatus.Refunded;
        // paid <= held: held is the sum of such costs and the proceeds due.
        o.totals.held -= uint112(paid);
        // The event depends on the transfer's outcome, so it follows the transfer here.
        if (LibAsset.tryPay(b.paymentToken, to, paid)) {
            emit IAssetOffering.OfferingRefunded(b.offeringId, wallet, paid, reason);
        } else {
            s.status = IAssetOffering.SubscriptionStatus.RefundDue;
            o.totals.held += uint112(paid);
            emit IAssetOffering.OfferingRefundDue(b.offeringId, wallet, paid);
        }
    }

    /// @dev An empty calldata array.
    function _noWallets() private pure returns (address[] calldata wallets) {
        assembly ("memory-safe") {
            wallets.offset := 0
            wallets.length := 0
        }
    }
}
