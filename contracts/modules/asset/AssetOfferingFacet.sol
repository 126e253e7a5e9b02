// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
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
/// - `OfferingNothingToSettle`: `settleSubscription` for a wallet whose identity never
///   subscribed, `payOfferingProceeds` with nothing due. `OfferingNotSettleable`: proceeds of
///   an offering that did not succeed. `settleOffering` never refuses for lack of work: a
///   repeated call settles nothing more and says so (`OfferingBatchSettled` with 0).
/// - `OfferingNoRefundDue(offeringId, caller)`: a caller that is neither the subscription's
///   wallet nor the wallet it was recovered to.
/// - A batch's bound counts the wallets listed, skipped ones included (skipping one costs
///   two storage reads): the work per call stays bounded.
/// - A subscription keeps no list of subscribers: a new identity writes one new word.
///   Settlement takes its wallets from the caller (the keeper's source reads them from the
///   `OfferingSubscribed` events), and `settledCount` tells when every one is settled.
/// - The keeper's check proposes batches of at most `LibOffering.UPKEEP_SETTLE_BATCH` (25),
///   which fit Chainlink Automation's perform gas even when every delivery is a new holder
///   with a lock-up and a snapshot checkpoint; its perform takes any size up to 50.
/// - Proceeds due count as keeper work: while the treasury refuses them, every check finds
///   work and every perform retries.
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
        o.flags = _flags(params);
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
        (AssetStorage.Asset storage a, uint8 flags) = _checkOpen(offeringId, o);
        if (amount == 0) revert AssetZeroAmount();
        if (flags & LibOffering.HAS_ALLOW_LIST != 0) _checkAllowList(offeringId, o.allowListRoot, proof);
        uint64 ref = LibIdentity.refOf(LibIdentity.walletWord(msg.sender));
        uint256 before = o.subscriptions[ref].amount;
        uint256 total = _checkTotal(offeringId, o, a, flags, before, amount);
        AssetStorage.OfferingTotals memory t = o.totals;
        _checkHardCap(offeringId, o, a, t.subscribed, amount);
        paid = _charge(o, a, before, total);
        uint256 held = t.held + paid;
        if (held > LibOffering.MAX_HELD) revert AssetAmountTooLarge(held, LibOffering.MAX_HELD);

        // An open subscription holds at least one unit: none yet, the caller opens it.
        _record(o, ref, before == 0 ? msg.sender : address(0), total);
        // subscribed + amount <= hardCap < 2^112 and held < 2^112 (checked above).
        o.totals = AssetStorage.OfferingTotals(
            uint112(t.subscribed + amount),
            uint112(held),
            before == 0 ? t.subscriberCount + 1 : t.subscriberCount
        );
        emit OfferingSubscribed(offeringId, msg.sender, amount, paid, IdentityStorage.layout().idOf[uint24(ref)]);
        // Rounding up may leave a small addition paid already.
        if (paid != 0) LibAsset.pullExact(o.paymentToken, msg.sender, paid);
    }

    /// @inheritdoc IAssetOffering
    function claimOfferingRefund(uint256 offeringId, address wallet, address to) external nonReentrant {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        // The diamond is no payee: what it kept would be in no module's books.
        if (to == address(0) || to == address(this)) revert OfferingParamsInvalid("to");
        AssetStorage.Subscription storage s = LibOffering.subscriptionOf(o, wallet);
        address subscriber = s.wallet;
        // The subscriber's wallet, or the one it was recovered to: a lost wallet's key (lost
        // or stolen) claims nothing.
        if (msg.sender != LibAsset.successor(subscriber)) revert OfferingNoRefundDue(offeringId, msg.sender);
        if (s.status != SubscriptionStatus.RefundDue) revert OfferingNoRefundDue(offeringId, wallet);
        uint256 paid = LibOffering.cost(o, s.amount);
        s.status = SubscriptionStatus.Refunded;
        // paid <= held: held counts every refund due.
        o.totals.held -= uint112(paid);
        emit OfferingRefundClaimed(offeringId, subscriber, to, paid);
        LibAsset.pay(o.paymentToken, to, paid);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IAssetOffering
    function settleOffering(
        uint256 offeringId,
        address[] calldata wallets
    ) external nonReentrant returns (uint256 settled) {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        _checkBatch(wallets.length);
        if (!LibOffering.ended(o)) revert OfferingNotEnded(offeringId, o.end);
        return _settleBatch(offeringId, o, wallets);
    }

    /// @inheritdoc IAssetOffering
    function settleSubscription(uint256 offeringId, address wallet) external nonReentrant {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        if (!LibOffering.ended(o)) revert OfferingNotEnded(offeringId, o.end);
        AssetStorage.Subscription storage s = LibOffering.subscriptionOf(o, wallet);
        SubscriptionStatus status = s.status;
        if (status == SubscriptionStatus.None) revert OfferingNothingToSettle(offeringId);
        // Settled already (by a batch or an earlier call): nothing to do.
        if (status != SubscriptionStatus.Open) return;
        LibOffering.finalize(offeringId, o);
        LibOffering.Batch memory b = LibOffering.batch(offeringId, o);
        LibOffering.settle(b, o, AssetStorage.layout().assets[b.assetId], s);
    }

    /// @inheritdoc IAssetOffering
    function payOfferingProceeds(uint256 offeringId) external nonReentrant {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        OfferingState state = o.state;
        if (state != OfferingState.Succeeded) revert OfferingNotSettleable(offeringId, state);
        uint112 due = o.proceedsDue;
        if (due == 0) revert OfferingNothingToSettle(offeringId);
        address treasury = o.treasury;
        o.proceedsDue = 0;
        o.totals.held -= due;
        emit OfferingProceedsPaid(offeringId, treasury, due);
        // A token that still refuses reverts with its own error, and nothing changes.
        LibAsset.pay(o.paymentToken, treasury, due);
    }

    /// @inheritdoc IAssetOffering
    function setOfferingTreasury(uint256 offeringId, address treasury) external {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        uint256 assetId = o.assetId;
        LibAsset.checkIssuer(assetId, AssetStorage.layout().assets[assetId]);
        if (treasury == address(0)) revert OfferingParamsInvalid("treasury");
        o.treasury = treasury;
        emit OfferingTreasurySet(offeringId, treasury);
    }

    // ---------------------------------------------------------------- keeper

    /// @inheritdoc IAssetOffering
    function assetCheckUpkeep(bytes calldata checkData) external view returns (bool, bytes memory) {
        (bool ok, uint256 offeringId, address[] calldata candidates) = LibOffering.decodeWallets(checkData);
        if (!ok) return (false, "");
        AssetStorage.Offering storage o = AssetStorage.layout().offerings[offeringId];
        if (o.state == OfferingState.None || !LibOffering.ended(o)) return (false, "");
        address[] memory pending = _pending(o, candidates);
        if (pending.length == 0 && o.state != OfferingState.Open) return (false, "");
        return (true, abi.encode(offeringId, pending));
    }

    /// @inheritdoc IAssetOffering
    function assetPerformUpkeep(bytes calldata performData) external nonReentrant {
        (bool ok, uint256 offeringId, address[] calldata wallets) = LibOffering.decodeWallets(performData);
        if (!ok) revert OfferingUpkeepDataInvalid(performData.length);
        _checkBatch(wallets.length);
        AssetStorage.Offering storage o = AssetStorage.layout().offerings[offeringId];
        // Re-validated: performData may be stale (the wallets were settled since, by anyone),
        // repeated or forged; then there is nothing to do, and nothing is done.
        if (o.state == OfferingState.None || !LibOffering.hasWork(o, wallets)) return;
        _settleBatch(offeringId, o, wallets);
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
        v.subscribed = o.totals.subscribed;
        v.held = o.totals.held;
        v.proceedsDue = o.proceedsDue;
        v.subscriberCount = o.totals.subscriberCount;
        v.settledCount = o.settledCount;
    }

    /// @inheritdoc IAssetOffering
    function getSubscription(uint256 offeringId, address wallet) external view returns (SubscriptionView memory) {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        AssetStorage.Subscription storage s = LibOffering.subscriptionOf(o, wallet);
        uint256 amount = s.amount;
        return SubscriptionView(s.status, s.wallet, uint128(amount), uint128(LibOffering.cost(o, amount)));
    }

    /// @inheritdoc IAssetOffering
    function offeringIdentityTotal(uint256 offeringId, bytes32 identityId) external view returns (uint256) {
        AssetStorage.Offering storage o = LibOffering.offering(offeringId);
        uint64 ref = IdentityStorage.layout().identities[identityId].ref;
        return ref == 0 ? 0 : o.subscriptions[ref].amount;
    }

    /// @inheritdoc IAssetOffering
    function offeringCost(uint256 offeringId, uint256 amount) external view returns (uint256) {
        return LibOffering.cost(LibOffering.offering(offeringId), amount);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Finalizes on the first call after the end, settles the open subscriptions of
    /// `wallets`' identities and tries to pay the proceeds due.
    function _settleBatch(
        uint256 offeringId,
        AssetStorage.Offering storage o,
        address[] calldata wallets
    ) private returns (uint256 settled) {
        LibOffering.finalize(offeringId, o);
        LibOffering.Batch memory b = LibOffering.batch(offeringId, o);
        AssetStorage.Asset storage a = AssetStorage.layout().assets[b.assetId];
        for (uint256 i; i < wallets.length; ++i) {
            AssetStorage.Subscription storage s = LibOffering.subscriptionOf(o, wallets[i]);
            // Never subscribed, settled already, or its identity listed before: skipped.
            if (s.status != SubscriptionStatus.Open) continue;
            LibOffering.settle(b, o, a, s);
            ++settled;
        }
        emit OfferingBatchSettled(offeringId, settled, o.settledCount);
        LibOffering.tryPayProceeds(offeringId, o);
    }

    /// @dev The candidates whose identity's subscription is open, one per identity, at most
    /// `LibOffering.UPKEEP_SETTLE_BATCH`.
    function _pending(
        AssetStorage.Offering storage o,
        address[] calldata candidates
    ) private view returns (address[] memory pending) {
        pending = new address[](LibOffering.UPKEEP_SETTLE_BATCH);
        uint64[] memory refs = new uint64[](LibOffering.UPKEEP_SETTLE_BATCH);
        uint256 found;
        for (uint256 i; i < candidates.length && found < LibOffering.UPKEEP_SETTLE_BATCH; ++i) {
            uint64 ref = LibIdentity.refOf(LibIdentity.walletWord(candidates[i]));
            if (o.subscriptions[ref].status != SubscriptionStatus.Open || _contains(refs, found, ref)) continue;
            pending[found] = candidates[i];
            refs[found] = ref;
            ++found;
        }
        // Trim the array to what was found.
        assembly ("memory-safe") {
            mstore(pending, found)
        }
    }

    function _contains(uint64[] memory refs, uint256 count, uint64 ref) private pure returns (bool) {
        for (uint256 i; i < count; ++i) {
            if (refs[i] == ref) return true;
        }
        return false;
    }

    function _checkBatch(uint256 length) private pure {
        if (length > AssetStorage.MAX_SETTLE_BATCH) revert OfferingBatchInvalid(length, AssetStorage.MAX_SETTLE_BATCH);
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

    function _flags(OfferingParams calldata params) private pure returns (uint8 flags) {
        if (params.minPerIdentity != 0 || params.maxPerIdentity != 0) flags |= LibOffering.HAS_BOUNDS;
        if (params.allowListRoot != bytes32(0)) flags |= LibOffering.HAS_ALLOW_LIST;
    }

    /// @dev Subscriptions run from the start to the end of an open offering. Returns its asset
    /// and flags.
    function _checkOpen(
        uint256 offeringId,
        AssetStorage.Offering storage o
    ) private view returns (AssetStorage.Asset storage, uint8 flags) {
        // Word 0, read in one go.
        (OfferingState state, uint40 start, uint40 end, uint256 assetId) = (o.state, o.start, o.end, o.assetId);
        flags = o.flags;
        if (state != OfferingState.Open || block.timestamp < start || block.timestamp >= end) {
            revert OfferingNotOpen(offeringId, start, end);
        }
        return (AssetStorage.layout().assets[assetId], flags);
    }

    /// @dev The identity's new total (`before + amount`), checked: kept in 88 bits, receivable
    /// by the caller now, within the per-identity bounds.
    function _checkTotal(
        uint256 offeringId,
        AssetStorage.Offering storage o,
        AssetStorage.Asset storage a,
        uint8 flags,
        uint256 before,
        uint256 amount
    ) private view returns (uint256 total) {
        total = Math.saturatingAdd(before, amount);
        if (total > LibOffering.MAX_SUBSCRIPTION) revert AssetAmountTooLarge(total, LibOffering.MAX_SUBSCRIPTION);
        _checkSubscriber(offeringId, a, total);
        if (flags & LibOffering.HAS_BOUNDS != 0) _checkIdentityBounds(offeringId, o, total);
    }

    /// @dev The leaf of OpenZeppelin's StandardMerkleTree over `["address"]`.
    function _checkAllowList(uint256 offeringId, bytes32 root, bytes32[] calldata proof) private view {
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
        (uint256 minimum, uint256 maximum) = (o.minPerIdentity, o.maxPerIdentity);
        if (identityTotal < minimum) revert OfferingBelowMinimum(offeringId, identityTotal, minimum);
        if (maximum != 0 && identityTotal > maximum) revert OfferingAboveMaximum(offeringId, identityTotal, maximum);
    }

    /// @dev First come, first served: what is left under the hard cap and under the asset's cap.
    function _checkHardCap(
        uint256 offeringId,
        AssetStorage.Offering storage o,
        AssetStorage.Asset storage a,
        uint256 subscribed,
        uint256 amount
    ) private view {
        uint256 remaining = o.hardCap - subscribed;
        uint256 room = _capRoom(a);
        room = room > subscribed ? room - subscribed : 0;
        if (room < remaining) remaining = room;
        if (amount > remaining) revert OfferingHardCapExceeded(offeringId, amount, remaining);
    }

    /// @dev How much more may be minted: up to the cap, or to the 112-bit balance limit.
    function _capRoom(AssetStorage.Asset storage a) private view returns (uint256) {
        (uint256 cap, uint256 supply) = (a.cap, a.totalSupply);
        uint256 limit = cap == 0 ? AssetStorage.MAX_BALANCE : cap;
        return limit > supply ? limit - supply : 0;
    }

    /// @dev What the identity's new total costs more than its old one: what it has paid is
    /// always the cost of its total.
    function _charge(
        AssetStorage.Offering storage o,
        AssetStorage.Asset storage a,
        uint256 before,
        uint256 total
    ) private view returns (uint256) {
        uint256 price = o.price;
        uint256 unit = 10 ** a.decimals;
        return LibOffering.cost(total, price, unit) - LibOffering.cost(before, price, unit);
    }

    /// @dev Opens the identity's subscription at `opener` (the caller, when the identity has
    /// not subscribed yet), or adds to it: one word.
    function _record(AssetStorage.Offering storage o, uint64 ref, address opener, uint256 total) private {
        // total < 2^88 (checked by the caller).
        if (opener != address(0)) {
            o.subscriptions[ref] = AssetStorage.Subscription(opener, uint88(total), SubscriptionStatus.Open);
        } else {
            o.subscriptions[ref].amount = uint88(total);
        }
    }
}
