// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IdentityStorage} from "../identity/IdentityStorage.sol";
import {LibIdentity} from "../identity/LibIdentity.sol";
import {AssetStorage} from "./AssetStorage.sol";
import {IAssetOffering} from "./IAssetOffering.sol";
import {LibAsset} from "./LibAsset.sol";
import {LibOffering} from "./LibOffering.sol";

/// @title Asset module facet: primary offerings, their settlement and its keeper work.
/// @notice Every entry point runs checks → effects → events → transfers; those that move a
/// payment token hold the diamond-wide reentrancy guard.
/// @dev Decisions the interface leaves open:
/// - The asset's cap bounds an offering like its hard cap: `createOffering` refuses a hard
///   cap above the room under the cap, and `subscribe` refuses more than what is left
///   under both (`OfferingHardCapExceeded` carries the smaller). Subscriptions of other
///   open offerings of the same asset do not reserve room: if another offering or an
///   agent's mint takes it first, the delivery that would pass the cap is refunded with
///   reason `CapExceeded`.
/// - The eligibility check of `subscribe` is the delivery's (`Mode.Mint`) for the
///   identity's running total in the offering, so the asset's per-identity maximum counts
///   every wallet of the identity.
/// - `OfferingEnded`: `cancelOffering` after the outcome was decided (or a second cancel).
/// - `OfferingNothingToSettle`: `settleOffering` once the cursor is at the end,
///   `settleSubscription` for a wallet that never subscribed, `payOfferingProceeds` with
///   nothing due. `OfferingNotSettleable`: proceeds of an offering that did not succeed.
/// - `OfferingNoRefundDue(offeringId, caller)`: a caller that is neither the subscriber
///   nor the wallet it was recovered to.
/// - A batch's `maxCount` counts cursor positions, including subscribers already settled
///   out of order (skipping one costs two storage reads): the work per call stays bounded.
/// - The keeper's check proposes batches of at most `LibOffering.UPKEEP_SETTLE_BATCH` (25),
///   which fit Chainlink Automation's perform gas even when every delivery is a new holder
///   with a lock-up and a snapshot checkpoint; its perform takes any size up to 50.
contract AssetOfferingFacet is IAssetOffering, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- issuer

    /// @inheritdoc IAssetOffering
    function createOffering(OfferingParams calldata params) external returns (uint256 offeringId) {
        AssetStorage.Asset storage a = LibAsset.asset(params.assetId);
        LibAsset.checkIssuer(params.assetId, a);
        _validate(params, a);

        AssetStorage.Layout storage $ = AssetStorage.layout();
        offeringId = ++$.offeringCount;
        AssetStorage.Offering storage o = $.offerings[offeringId];
        // An existing asset's id is at most assetCount, far below 2^64.
        o.assetId = uint64(params.assetId);
        o.start = params.start;
        o.end = params.end;
        o.state = OfferingState.Open;
        o.paymentToken = params.paymentToken;
        o.price = params.price;
        o.softCap = params.softCap;
        o.hardCap = params.hardCap;
        o.minPerIdentity = params.minPerIdentity;
        o.maxPerIdentity = params.maxPerIdentity;
        o.allowListRoot = params.allowListRoot;
        o.treasury = params.treasury;
        emit OfferingCreated(offeringId, params.assetId, params);
    }

    /// @inheritdoc IAssetOffering
    function cancelOffering(uint256 offeringId) external {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        uint256 assetId = o.assetId;
        LibAsset.checkIssuer(assetId, AssetStorage.layout().assets[assetId]);
        if (o.state != OfferingState.Open) revert OfferingEnded(offeringId);
        o.state = OfferingState.Cancelled;
        emit OfferingCancelled(offeringId, msg.sender);
    }

    // ---------------------------------------------------------------- subscribers

    /// @inheritdoc IAssetOffering
    function subscribe(
        uint256 offeringId,
        uint256 amount,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 paid) {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        if (o.state != OfferingState.Open || block.timestamp < o.start || block.timestamp >= o.end) {
            revert OfferingNotOpen(offeringId, o.start, o.end);
        }
        if (amount == 0) revert AssetZeroAmount();
        _checkAllowList(offeringId, o.allowListRoot, proof);
        AssetStorage.Asset storage a = AssetStorage.layout().assets[o.assetId];
        uint64 ref = LibIdentity.wallet(msg.sender).ref;
        uint256 identityTotal = o.identityTotal[ref] + amount;
        _checkSubscriber(offeringId, a, identityTotal);
        _checkIdentityBounds(offeringId, o, identityTotal);
        _checkHardCap(offeringId, o, a, amount);
        paid = LibOffering.cost(o, amount);
        uint256 held = o.held + paid;
        if (held > type(uint128).max) revert AssetAmountTooLarge(held, type(uint128).max);

        _record(o, ref, amount, paid, held);
        emit OfferingSubscribed(offeringId, msg.sender, amount, paid, IdentityStorage.layout().idOf[uint24(ref)]);
        LibAsset.pullExact(o.paymentToken, msg.sender, paid);
    }

    /// @inheritdoc IAssetOffering
    function claimOfferingRefund(uint256 offeringId, address wallet, address to) external nonReentrant {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        if (msg.sender != wallet && msg.sender != LibAsset.successor(wallet)) {
            revert OfferingNoRefundDue(offeringId, msg.sender);
        }
        AssetStorage.Subscription storage s = o.subscriptions[wallet];
        if (s.status != SubscriptionStatus.RefundDue) revert OfferingNoRefundDue(offeringId, wallet);
        uint128 paid = s.paid;
        s.status = SubscriptionStatus.Refunded;
        o.held -= paid;
        emit OfferingRefundClaimed(offeringId, wallet, to, paid);
        LibAsset.pay(o.paymentToken, to, paid);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IAssetOffering
    function settleOffering(uint256 offeringId, uint256 maxCount) external nonReentrant returns (uint256 processed) {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        if (maxCount == 0 || maxCount > AssetStorage.MAX_SETTLE_BATCH) {
            revert OfferingBatchInvalid(maxCount, AssetStorage.MAX_SETTLE_BATCH);
        }
        if (!LibOffering.ended(o)) revert OfferingNotEnded(offeringId, o.end);
        // The first call after the end finalizes, even with no subscriber to settle.
        if (o.state != OfferingState.Open && o.settledCount == o.subscriberCount) {
            revert OfferingNothingToSettle(offeringId);
        }
        return _settleBatch(offeringId, o, maxCount);
    }

    /// @inheritdoc IAssetOffering
    function settleSubscription(uint256 offeringId, address wallet) external nonReentrant {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        if (!LibOffering.ended(o)) revert OfferingNotEnded(offeringId, o.end);
        SubscriptionStatus status = o.subscriptions[wallet].status;
        if (status == SubscriptionStatus.None) revert OfferingNothingToSettle(offeringId);
        // Settled already (by a batch or an earlier call): nothing to do.
        if (status != SubscriptionStatus.Open) return;
        LibOffering.finalize(offeringId, o);
        LibOffering.Batch memory b = LibOffering.batch(offeringId, o);
        LibOffering.settle(b, o, AssetStorage.layout().assets[b.assetId], o.subscriptions[wallet], wallet);
    }

    /// @inheritdoc IAssetOffering
    function payOfferingProceeds(uint256 offeringId) external nonReentrant {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        OfferingState state = o.state;
        if (state != OfferingState.Succeeded) revert OfferingNotSettleable(offeringId, state);
        uint128 due = o.proceedsDue;
        if (due == 0) revert OfferingNothingToSettle(offeringId);
        address treasury = o.treasury;
        o.proceedsDue = 0;
        o.held -= due;
        emit OfferingProceedsPaid(offeringId, treasury, due);
        // A token that still refuses reverts with its own error, and nothing changes.
        LibAsset.pay(o.paymentToken, treasury, due);
    }

    // ---------------------------------------------------------------- keeper

    /// @inheritdoc IAssetOffering
    /// @dev Visits the offerings from the start id on: about 2,200 gas each until one has work.
    function assetCheckUpkeep(bytes calldata checkData) external view returns (bool, bytes memory) {
        uint256 offeringId = checkData.length == 0 ? 1 : abi.decode(checkData, (uint256));
        if (offeringId == 0) offeringId = 1;
        AssetStorage.Layout storage $ = AssetStorage.layout();
        uint256 count = $.offeringCount;
        for (; offeringId <= count; ++offeringId) {
            AssetStorage.Offering storage o = $.offerings[offeringId];
            if (!LibOffering.hasWork(o)) continue;
            uint256 left = o.subscriberCount - o.settledCount;
            uint256 maxCount = left < LibOffering.UPKEEP_SETTLE_BATCH ? left : LibOffering.UPKEEP_SETTLE_BATCH;
            return (true, abi.encode(offeringId, maxCount));
        }
        return (false, "");
    }

    /// @inheritdoc IAssetOffering
    function assetPerformUpkeep(bytes calldata performData) external nonReentrant {
        (uint256 offeringId, uint256 maxCount) = abi.decode(performData, (uint256, uint256));
        if (maxCount == 0 || maxCount > AssetStorage.MAX_SETTLE_BATCH) {
            revert OfferingBatchInvalid(maxCount, AssetStorage.MAX_SETTLE_BATCH);
        }
        AssetStorage.Offering storage o = AssetStorage.layout().offerings[offeringId];
        // Re-validated: performData may be stale (the batch was settled since, by anyone),
        // repeated or forged; then there is nothing to do, and nothing is done.
        if (o.state == OfferingState.None || !LibOffering.hasWork(o)) return;
        _settleBatch(offeringId, o, maxCount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAssetOffering
    function offeringCount() external view returns (uint256) {
        return AssetStorage.layout().offeringCount;
    }

    /// @inheritdoc IAssetOffering
    function getOffering(uint256 offeringId) external view returns (OfferingView memory v) {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        v.params = OfferingParams({
            assetId: o.assetId,
            paymentToken: o.paymentToken,
            price: o.price,
            softCap: o.softCap,
            hardCap: o.hardCap,
            start: o.start,
            end: o.end,
            minPerIdentity: o.minPerIdentity,
            maxPerIdentity: o.maxPerIdentity,
            allowListRoot: o.allowListRoot,
            treasury: o.treasury
        });
        v.state = o.state;
        v.subscribed = o.subscribed;
        v.held = o.held;
        v.proceedsDue = o.proceedsDue;
        v.subscriberCount = o.subscriberCount;
        v.settledCount = o.settledCount;
    }

    /// @inheritdoc IAssetOffering
    function getSubscription(uint256 offeringId, address wallet) external view returns (SubscriptionView memory) {
        AssetStorage.Subscription storage s = LibOffering.offering(offeringId).subscriptions[wallet];
        return SubscriptionView(s.status, s.amount, s.paid);
    }

    /// @inheritdoc IAssetOffering
    function offeringIdentityTotal(uint256 offeringId, bytes32 identityId) external view returns (uint256) {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        uint64 ref = IdentityStorage.layout().identities[identityId].ref;
        return ref == 0 ? 0 : o.identityTotal[ref];
    }

    /// @inheritdoc IAssetOffering
    function offeringCost(uint256 offeringId, uint256 amount) external view returns (uint256) {
        return LibOffering.cost(LibOffering.offering(offeringId), amount);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Finalizes on the first call after the end, then settles up to `maxCount` cursor
    /// positions and tries to pay the proceeds due.
    function _settleBatch(
        uint256 offeringId,
        AssetStorage.Offering storage o,
        uint256 maxCount
    ) private returns (uint256 processed) {
        LibOffering.finalize(offeringId, o);
        LibOffering.Batch memory b = LibOffering.batch(offeringId, o);
        AssetStorage.Asset storage a = AssetStorage.layout().assets[b.assetId];
        uint32 cursor = o.settledCount;
        uint32 count = o.subscriberCount;
        while (processed < maxCount && cursor < count) {
            address wallet = o.subscriberAt[cursor];
            ++cursor;
            ++processed;
            // Moved before the settlement's transfers, so no view sees a stale cursor.
            o.settledCount = cursor;
            AssetStorage.Subscription storage s = o.subscriptions[wallet];
            // One settled out of order (settleSubscription) is passed over.
            if (s.status == SubscriptionStatus.Open) LibOffering.settle(b, o, a, s, wallet);
        }
        emit OfferingBatchSettled(offeringId, processed, cursor);
        LibOffering.tryPayProceeds(offeringId, o);
    }

    function _validate(OfferingParams calldata params, AssetStorage.Asset storage a) private view {
        if (params.paymentToken == address(0)) revert OfferingParamsInvalid("paymentToken");
        if (params.price == 0) revert OfferingParamsInvalid("price");
        if (params.softCap == 0 || params.softCap > params.hardCap) revert OfferingParamsInvalid("softCap");
        // Within the room under the asset's cap (and the 112-bit balances): every
        // subscription must be deliverable.
        if (params.hardCap > _capRoom(a)) revert OfferingParamsInvalid("hardCap");
        if (params.start < block.timestamp) revert OfferingParamsInvalid("start");
        if (params.end <= params.start) revert OfferingParamsInvalid("end");
        if (
            (params.maxPerIdentity != 0 && params.minPerIdentity > params.maxPerIdentity) ||
            params.minPerIdentity > params.hardCap
        ) revert OfferingParamsInvalid("minPerIdentity");
        if (params.treasury == address(0)) revert OfferingParamsInvalid("treasury");
    }

    /// @dev The leaf of OpenZeppelin's StandardMerkleTree over `["address"]`.
    function _checkAllowList(uint256 offeringId, bytes32 root, bytes32[] calldata proof) private view {
        if (root == bytes32(0)) return;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(msg.sender))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert OfferingNotAllowListed(offeringId, msg.sender);
    }

    /// @dev The delivery's check now, for what the identity will have subscribed. The cap
    /// is left to `_checkHardCap`, which says what is left.
    function _checkSubscriber(uint256 offeringId, AssetStorage.Asset storage a, uint256 identityTotal) private view {
        (Restriction r, ) = LibAsset.check(a, LibAsset.Mode.Mint, msg.sender, address(0), msg.sender, identityTotal);
        if (r != Restriction.Success && r != Restriction.CapExceeded) {
            revert OfferingSubscriberRestricted(offeringId, msg.sender, r);
        }
    }

    function _checkIdentityBounds(
        uint256 offeringId,
        AssetStorage.Offering storage o,
        uint256 identityTotal
    ) private view {
        uint256 minimum = o.minPerIdentity;
        if (identityTotal < minimum) revert OfferingBelowMinimum(offeringId, identityTotal, minimum);
        uint256 maximum = o.maxPerIdentity;
        if (maximum != 0 && identityTotal > maximum) revert OfferingAboveMaximum(offeringId, identityTotal, maximum);
    }

    /// @dev First come, first served: what is left under the hard cap and under the asset's cap.
    function _checkHardCap(
        uint256 offeringId,
        AssetStorage.Offering storage o,
        AssetStorage.Asset storage a,
        uint256 amount
    ) private view {
        uint256 subscribed = o.subscribed;
        uint256 remaining = o.hardCap - subscribed;
        uint256 room = _capRoom(a);
        room = room > subscribed ? room - subscribed : 0;
        if (room < remaining) remaining = room;
        if (amount > remaining) revert OfferingHardCapExceeded(offeringId, amount, remaining);
    }

    /// @dev How much more may be minted: up to the cap, or to the 112-bit balance limit.
    function _capRoom(AssetStorage.Asset storage a) private view returns (uint256) {
        uint256 cap = a.cap;
        uint256 limit = cap == 0 ? AssetStorage.MAX_BALANCE : cap;
        uint256 supply = a.totalSupply;
        return limit > supply ? limit - supply : 0;
    }

    function _record(AssetStorage.Offering storage o, uint64 ref, uint256 amount, uint256 paid, uint256 held) private {
        AssetStorage.Subscription storage s = o.subscriptions[msg.sender];
        if (s.status == SubscriptionStatus.None) {
            s.status = SubscriptionStatus.Open;
            o.subscriberAt[o.subscriberCount++] = msg.sender;
        }
        // amount <= hardCap < 2^112 and paid <= held < 2^128 (checked by the caller): the
        // sums below fit their fields.
        s.amount += uint120(amount);
        s.paid += uint128(paid);
        o.subscribed += uint128(amount);
        o.held = uint128(held);
        o.identityTotal[ref] += amount;
    }
}
