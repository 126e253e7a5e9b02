// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LibCredit} from "../../shared/credit/LibCredit.sol";
import {ModuleId} from "../../types/ModuleTypes.sol";
import {IInsuranceTypes} from "./IInsuranceTypes.sol";
import {InsuranceStorage} from "./InsuranceStorage.sol";

/// @title The insurance module's shared internals: lookups, premiums, locks, the trigger
/// and the payout batch.
/// @dev Books, per pool: the diamond holds `capital + owed + fees` of the pool's asset,
/// `owed` being the sum of its triggered risks' `owedLeft` (plus what the credit book holds
/// for refused payouts). `capital >= locked` always: collateralization is at least 100 %, a
/// trigger moves at most a risk's sums insured from capital to its `owedLeft` and frees at
/// least as much lock, and only `capital − locked` can be withdrawn.
library LibInsurance {
    using SafeERC20 for IERC20;

    ModuleId internal constant MODULE = ModuleId.wrap("insurance");

    // ---------------------------------------------------------------- lookups

    function pool(uint256 poolId) internal view returns (InsuranceStorage.Pool storage p) {
        p = InsuranceStorage.layout().pools[poolId];
        if (p.asset == address(0)) revert IInsuranceTypes.InsuranceUnknownPool(poolId);
    }

    function product(uint256 productId) internal view returns (InsuranceStorage.Product storage pr) {
        pr = InsuranceStorage.layout().products[productId];
        if (pr.poolId == 0) revert IInsuranceTypes.InsuranceUnknownProduct(productId);
    }

    function risk(uint256 riskId) internal view returns (InsuranceStorage.Risk storage r) {
        r = InsuranceStorage.layout().risks[riskId];
        if (r.state == 0) revert IInsuranceTypes.InsuranceUnknownRisk(riskId);
    }

    function policy(uint256 policyId) internal view returns (InsuranceStorage.Policy storage pol) {
        pol = InsuranceStorage.layout().policies[policyId];
        if (pol.status == 0) revert IInsuranceTypes.InsuranceUnknownPolicy(policyId);
    }

    function riskOf(uint256 policyId) internal pure returns (uint256) {
        return policyId >> 32;
    }

    // ---------------------------------------------------------------- terms

    /// @dev Capital a sum insured locks: rounded up, so locks always cover the sums.
    function lockOf(uint256 sumInsured, uint16 collateralBps) internal pure returns (uint256) {
        return Math.mulDiv(sumInsured, collateralBps, InsuranceStorage.BPS, Math.Rounding.Ceil);
    }

    /// @dev The premium (rounded up) and the institution's part of it (rounded down).
    function premiumOf(
        InsuranceStorage.Product storage pr,
        uint256 sumInsured
    ) internal view returns (uint256 premium, uint256 fee) {
        premium = Math.mulDiv(sumInsured, pr.premiumBps, InsuranceStorage.BPS, Math.Rounding.Ceil);
        fee = (premium * pr.feeBps) / InsuranceStorage.BPS;
    }

    /// @dev The most severe tier `value` meets (1-based; 0: none) and what it pays.
    function tierOf(
        InsuranceStorage.Product storage pr,
        int256 value
    ) internal view returns (uint8 tier, uint16 payoutBps) {
        bool atLeast = pr.direction == uint8(IInsuranceTypes.Direction.AtLeast);
        for (uint8 i = pr.tierCount; i > 0; --i) {
            InsuranceStorage.Tier storage t = pr.tiers[i - 1];
            if (atLeast ? value >= t.threshold : value <= t.threshold) return (i, t.payoutBps);
        }
    }

    /// @dev Moves the pool's locked capital as a risk's active sum goes from `sumBefore` to
    /// `sumAfter`: a risk locks `lockOf(activeSum)`, so locks always cover the sums.
    function relock(InsuranceStorage.Pool storage p, uint256 sumBefore, uint256 sumAfter) internal {
        uint16 collateralBps = p.collateralBps;
        uint256 lockBefore = lockOf(sumBefore, collateralBps);
        uint256 lockAfter = lockOf(sumAfter, collateralBps);
        // Bounded by the capital, which is at least the locked capital.
        if (lockAfter > lockBefore) p.locked += uint112(lockAfter - lockBefore);
        else p.locked -= uint112(lockBefore - lockAfter);
    }

    /// @dev How much more sum insured a risk with `activeSum` may take from the pool's free
    /// capital: the largest `x` with `lockOf(activeSum + x) <= capital − locked + lockOf(activeSum)`.
    function capacityOf(InsuranceStorage.Pool storage p, uint256 activeSum) internal view returns (uint256) {
        uint256 capital = p.capital;
        uint256 locked = p.locked;
        if (capital <= locked) return 0;
        uint16 collateralBps = p.collateralBps;
        uint256 room = capital - locked + lockOf(activeSum, collateralBps);
        return (room * InsuranceStorage.BPS) / collateralBps - activeSum;
    }

    // ---------------------------------------------------------------- readings and triggers

    /// @dev Accepts a reading of `riskId`'s index, taken at `observedAt`: records it and,
    /// when it meets a tier, triggers the risk. Refuses a reading from the future, older
    /// than the product's `maxReadingAge`, outside the risk's window, not newer than the
    /// last accepted one (a replay), or after the risk's end plus the claim window.
    function acceptReading(
        uint256 riskId,
        InsuranceStorage.Risk storage r,
        int256 value,
        uint256 observedAt
    ) internal returns (uint8 tier) {
        InsuranceStorage.Product storage pr = checkReading(riskId, r, observedAt);
        uint16 payoutBps;
        (tier, payoutBps) = tierOf(pr, value);
        r.observedAt = uint40(observedAt);
        if (tier == 0) emit IInsuranceTypes.InsuranceReadingRecorded(riskId, msg.sender, value, uint40(observedAt));
        else trigger(riskId, r, tier, payoutBps, value);
    }

    /// @dev The checks of `acceptReading`, and the risk's product.
    function checkReading(
        uint256 riskId,
        InsuranceStorage.Risk storage r,
        uint256 observedAt
    ) internal view returns (InsuranceStorage.Product storage pr) {
        uint8 state = r.state;
        if (state != uint8(IInsuranceTypes.RiskState.Open)) {
            revert IInsuranceTypes.InsuranceRiskNotOpen(riskId, IInsuranceTypes.RiskState(state));
        }
        pr = InsuranceStorage.layout().products[r.productId];
        if (pr.kind != uint8(IInsuranceTypes.ProductKind.Parametric)) {
            revert IInsuranceTypes.InsuranceWrongProductKind(r.productId, IInsuranceTypes.ProductKind(pr.kind));
        }
        uint8 fault = readingFault(r, pr, observedAt);
        if (fault == FAULT_FUTURE) revert IInsuranceTypes.InsuranceReadingFromFuture(observedAt, block.timestamp);
        if (fault == FAULT_STALE) revert IInsuranceTypes.InsuranceReadingStale(observedAt, pr.maxReadingAge);
        if (fault == FAULT_WINDOW) {
            revert IInsuranceTypes.InsuranceReadingOutsideWindow(riskId, observedAt, r.start, r.end);
        }
        if (fault == FAULT_NOT_NEWER) {
            revert IInsuranceTypes.InsuranceReadingNotNewer(riskId, observedAt, r.observedAt);
        }
        if (fault == FAULT_LATE) {
            revert IInsuranceTypes.InsuranceReportingClosed(riskId, uint256(r.end) + pr.claimWindow);
        }
    }

    uint8 internal constant FAULT_FUTURE = 1;
    uint8 internal constant FAULT_STALE = 2;
    uint8 internal constant FAULT_WINDOW = 3;
    uint8 internal constant FAULT_NOT_NEWER = 4;
    uint8 internal constant FAULT_LATE = 5;

    /// @dev Why a reading taken at `observedAt` cannot be accepted for the risk (0: it can).
    function readingFault(
        InsuranceStorage.Risk storage r,
        InsuranceStorage.Product storage pr,
        uint256 observedAt
    ) internal view returns (uint8) {
        if (observedAt > block.timestamp) return FAULT_FUTURE;
        if (block.timestamp - observedAt > pr.maxReadingAge) return FAULT_STALE;
        if (observedAt < r.start || observedAt > r.end) return FAULT_WINDOW;
        if (observedAt <= r.observedAt) return FAULT_NOT_NEWER;
        // Readings are accepted until the claim window after the risk's end, when it may close.
        if (block.timestamp > uint256(r.end) + pr.claimWindow) return FAULT_LATE;
        return 0;
    }

    /// @dev Every active policy of the risk becomes payable: its locked capital is freed and
    /// what the policies may be paid (`payoutBps` of the active sums) moves from the pool's
    /// capital to the risk's `owedLeft`, reserved for the payout batches.
    function trigger(
        uint256 riskId,
        InsuranceStorage.Risk storage r,
        uint8 tier,
        uint16 payoutBps,
        int256 value
    ) internal {
        InsuranceStorage.Pool storage p = InsuranceStorage.layout().pools[r.poolId];
        uint256 activeSum = r.activeSum;
        uint256 reserved = (activeSum * payoutBps) / InsuranceStorage.BPS;
        // capital >= locked >= lockOf(activeSum) >= activeSum >= reserved (collateral >= 100 %).
        relock(p, activeSum, 0);
        p.capital -= uint112(reserved);
        r.tier = tier;
        r.payoutBps = payoutBps;
        r.owedLeft = uint96(reserved);
        emit IInsuranceTypes.InsuranceRiskTriggered(riskId, msg.sender, tier, payoutBps, value, r.observedAt, reserved);
        if (r.policyCount == 0) {
            settle(riskId, r, p);
        } else {
            r.state = uint8(IInsuranceTypes.RiskState.Triggered);
            _enqueue(riskId, r);
        }
    }

    // ---------------------------------------------------------------- payouts

    /// @dev Pays up to `maxCount` more policies of a triggered risk, from its cursor: each
    /// active policy whose cover held at the trigger's reading is paid `payoutBps` of its
    /// sum insured, at most once (its status turns `PAID` before the transfer). A
    /// beneficiary that refuses is credited. The batch that reaches the last policy settles
    /// the risk.
    function payBatch(
        uint256 riskId,
        InsuranceStorage.Risk storage r,
        uint256 maxCount
    ) internal returns (uint256 processed) {
        uint256 cursor = r.cursor;
        uint256 count = r.policyCount;
        uint256 last = cursor + Math.min(count - cursor, maxCount);
        (uint256 total, uint32 paid) = _payRange(riskId, r, cursor + 1, last);
        processed = last - cursor;
        // Σ paid <= reserved: each amount is rounded down from a share of `activeSum`.
        InsuranceStorage.Pool storage p = InsuranceStorage.layout().pools[r.poolId];
        r.cursor = uint32(last);
        r.owedLeft -= uint96(total);
        emit IInsuranceTypes.InsurancePayoutBatch(riskId, msg.sender, uint32(last), paid, total);
        if (last == count) {
            _dequeue(r);
            settle(riskId, r, p);
        }
    }

    function _payRange(
        uint256 riskId,
        InsuranceStorage.Risk storage r,
        uint256 first,
        uint256 last
    ) private returns (uint256 total, uint32 paid) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        address asset = $.pools[r.poolId].asset;
        uint256 observedAt = r.observedAt;
        uint256 payoutBps = r.payoutBps;
        for (uint256 n = first; n <= last; ++n) {
            uint256 policyId = (riskId << 32) | n;
            InsuranceStorage.Policy storage pol = $.policies[policyId];
            if (pol.status != InsuranceStorage.ACTIVE || observedAt < pol.coverStart || observedAt > pol.coverEnd) {
                continue;
            }
            pol.status = InsuranceStorage.PAID;
            uint256 amount = (uint256(pol.sumInsured) * payoutBps) / InsuranceStorage.BPS;
            total += amount;
            ++paid;
            _pay(policyId, asset, pol.beneficiary, amount);
        }
    }

    function _pay(uint256 policyId, address asset, address beneficiary, uint256 amount) private {
        bool sent = LibCredit.payOrCredit(MODULE, asset, beneficiary, amount);
        emit IInsuranceTypes.InsurancePolicyPaid(policyId, 0, beneficiary, amount, !sent);
    }

    /// @dev What was reserved and not paid returns to the pool's capital.
    function settle(uint256 riskId, InsuranceStorage.Risk storage r, InsuranceStorage.Pool storage p) internal {
        uint96 released = r.owedLeft;
        r.owedLeft = 0;
        r.state = uint8(IInsuranceTypes.RiskState.Settled);
        p.capital += uint112(released);
        emit IInsuranceTypes.InsuranceRiskSettled(riskId, released);
    }

    /// @dev Appends a triggered risk to the keeper's queue (a list linked through the risks).
    function _enqueue(uint256 riskId, InsuranceStorage.Risk storage r) private {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        uint32 tail = $.pendingTail;
        if (tail == 0) $.pendingHead = uint32(riskId);
        else $.risks[tail].nextPending = uint32(riskId);
        r.previousPending = tail;
        $.pendingTail = uint32(riskId);
        ++$.pendingCount;
    }

    function _dequeue(InsuranceStorage.Risk storage r) private {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        uint32 previous = r.previousPending;
        uint32 next = r.nextPending;
        if (previous == 0) $.pendingHead = next;
        else $.risks[previous].nextPending = next;
        if (next == 0) $.pendingTail = previous;
        else $.risks[next].previousPending = previous;
        r.previousPending = 0;
        r.nextPending = 0;
        --$.pendingCount;
    }

    // ---------------------------------------------------------------- transfers

    /// @dev Pulls `amount` into the diamond and refuses a token that delivers less.
    function pull(address token, address from, uint256 amount) internal {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert IInsuranceTypes.InsuranceTokenShortfall(token, amount, received);
    }

    function send(address token, address to, uint256 amount) internal {
        IERC20(token).safeTransfer(to, amount);
    }

    function checkReceiver(address receiver) internal view {
        if (receiver == address(0) || receiver == address(this)) {
            revert IInsuranceTypes.InsuranceReceiverInvalid(receiver);
        }
    }
}
