// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LibFeed} from "../../shared/LibFeed.sol";
import {ICreditModel} from "./ICreditModel.sol";
import {ILendingTypes} from "./ILendingTypes.sol";
import {IRateModel} from "./IRateModel.sol";
import {LendingStorage} from "./LendingStorage.sol";

/// @title Interest, valuation, limits and token movement shared by the lending facets.
/// @dev Rounding always favours the pool: debt rounds up, collateral value and limits
/// round down, shares minted round down and shares burned round up.
library LibLending {
    using SafeERC20 for IERC20;

    /// @dev Interest not yet written to storage, and the rate that produced it.
    struct Accrual {
        uint256 borrowIndex;
        uint256 interest;
        uint256 toReserves;
        uint256 rate;
    }

    /// @dev The collateral figures of a position and the limits its credit model grants.
    struct Limits {
        uint256 collateralValue;
        uint256 collateralBorrowLimit;
        uint256 collateralLiquidationLimit;
        uint256 borrowLimit;
        uint256 liquidationLimit;
        bool modelFailed;
    }

    function pool(uint256 poolId) internal view returns (LendingStorage.Pool storage p) {
        p = LendingStorage.layout().pools[poolId];
        if (p.asset == address(0)) revert ILendingTypes.LendingPoolUnknown(poolId);
    }

    // ---------------------------------------------------------------- interest

    /// @dev Interest since the last accrual at the rate the model gives for the pool's
    /// state during that time (it has not changed since: every change accrues first).
    function pending(LendingStorage.Pool storage p) internal view returns (Accrual memory a) {
        a.borrowIndex = p.borrowIndex;
        a.rate = p.ratePerSecond;
        uint256 elapsed = block.timestamp - p.lastAccrual;
        uint256 scaled = p.totalScaledDebt;
        if (elapsed == 0 || scaled == 0) return a;
        uint256 before = debtOf(scaled, a.borrowIndex);
        a.rate = rate(p.rateModel, p.cash, before, a.rate);
        // index < 2^128, rate <= MAX_RATE_PER_SECOND < 2^39, elapsed < 2^40: no overflow.
        a.borrowIndex += (a.borrowIndex * a.rate * elapsed) / LendingStorage.WAD;
        a.interest = debtOf(scaled, a.borrowIndex) - before;
        a.toReserves = (a.interest * p.reserveFactorBps) / LendingStorage.BPS;
    }

    function accrue(uint256 poolId, LendingStorage.Pool storage p) internal {
        if (p.lastAccrual == block.timestamp) return;
        Accrual memory a = pending(p);
        p.lastAccrual = uint40(block.timestamp);
        // Kept even when it is zero and nothing accrues: it is the last good rate a failing
        // model falls back to (rate <= MAX_RATE_PER_SECOND < 2^64).
        p.ratePerSecond = uint64(a.rate);
        if (a.borrowIndex == p.borrowIndex) return;
        // The index only grows by interest on a uint128 debt at <= 1,000 %/year: it stays
        // far below 2^128 for centuries, as do reserves (a share of interest).
        p.borrowIndex = uint128(a.borrowIndex);
        p.reserves += uint128(a.toReserves);
        emit ILendingTypes.LendingInterestAccrued(poolId, a.interest, a.toReserves, a.borrowIndex);
    }

    /// @dev The model's rate, or `fallbackRate` if it reverts, runs out of gas, answers
    /// garbage or more than the cap: a broken model never freezes repayments or liquidations.
    function rate(address model, uint256 cash, uint256 borrows, uint256 fallbackRate) internal view returns (uint256) {
        (bool ok, uint256 answer, ) = callModel(
            model,
            abi.encodeCall(IRateModel.borrowRatePerSecond, (cash, borrows)),
            32
        );
        if (!ok) return fallbackRate;
        return answer > LendingStorage.MAX_RATE_PER_SECOND ? LendingStorage.MAX_RATE_PER_SECOND : answer;
    }

    /// @dev A static call to a model with `MODEL_GAS`, which copies no more than the
    /// `size` (32 or 64) bytes of answer it expects: a model that reverts or answers with
    /// a huge blob costs the caller nothing for it. `ok` only for an answer of exactly
    /// `size` bytes.
    function callModel(
        address model,
        bytes memory data,
        uint256 size
    ) internal view returns (bool ok, uint256 first, uint256 second) {
        uint256 gasLimit = LendingStorage.MODEL_GAS;
        assembly ("memory-safe") {
            let out := mload(0x40)
            ok := staticcall(gasLimit, model, add(data, 0x20), mload(data), out, size)
            ok := and(ok, eq(returndatasize(), size))
            first := mload(out)
            second := mload(add(out, 0x20))
        }
    }

    /// @dev Scaled debts and the index fit 128 bits (they are stored so): the product cannot overflow.
    function debtOf(uint256 scaled, uint256 borrowIndex) internal pure returns (uint256) {
        return (scaled * borrowIndex + LendingStorage.WAD - 1) / LendingStorage.WAD;
    }

    /// @dev What suppliers own: cash + borrows - reserves. Bad debt is taken from reserves
    /// first, so reserves never exceed cash + borrows.
    function totalAssets(
        LendingStorage.Pool storage p,
        uint256 borrowIndex,
        uint256 reserves
    ) internal view returns (uint256) {
        return p.cash + debtOf(p.totalScaledDebt, borrowIndex) - reserves;
    }

    // ---------------------------------------------------------------- valuation and limits

    /// @dev The position's collateral figures and the limits its credit model grants. With
    /// `forLiquidation`, a failing model falls back to the collateral figures instead of
    /// reverting, so no model can block a liquidation.
    function limits(
        uint256 poolId,
        LendingStorage.Pool storage p,
        address borrower,
        uint256 debt,
        bool forLiquidation
    ) internal view returns (Limits memory lim) {
        uint8 count = p.collateralCount;
        // The loan asset's price is read once, and only if the borrower holds collateral.
        (uint256 loanPrice, uint8 loanPriceDecimals) = (0, 0);
        for (uint8 i = 1; i <= count; ++i) {
            address token = p.collateralAt[i];
            uint256 amount = p.collateralOf[borrower][token];
            if (amount == 0) continue;
            if (loanPrice == 0) (loanPrice, loanPriceDecimals) = loanAssetPrice(p);
            {
                LendingStorage.Collateral storage c = p.collateral[token];
                uint256 value = valueOf(c, amount, p.assetDecimals, loanPrice, loanPriceDecimals);
                lim.collateralValue += value;
                lim.collateralBorrowLimit += (value * c.ltvBps) / LendingStorage.BPS;
                lim.collateralLiquidationLimit += (value * c.liquidationThresholdBps) / LendingStorage.BPS;
            }
        }
        address model = p.creditModel;
        bool ok;
        (ok, lim.borrowLimit, lim.liquidationLimit) = creditLimits(model, poolId, borrower, debt, lim);
        if (!ok) {
            if (!forLiquidation) revert ILendingTypes.LendingCreditModelFailed(poolId, model);
            (lim.borrowLimit, lim.liquidationLimit) = (lim.collateralBorrowLimit, lim.collateralLiquidationLimit);
            lim.modelFailed = true;
        }
        // After a model swap, the previous model still protects positions for a while: a
        // swap never makes a healthy position liquidatable at once.
        if (forLiquidation && block.timestamp < p.creditGraceUntil) {
            (bool okBefore, , uint256 before) = creditLimits(p.previousCreditModel, poolId, borrower, debt, lim);
            if (!okBefore) before = lim.collateralLiquidationLimit;
            if (before > lim.liquidationLimit) lim.liquidationLimit = before;
        }
    }

    /// @dev What `model` grants (zero: the built-in collateral model, the collateral
    /// figures). `ok` is false when the model reverts, runs out of its gas, answers garbage
    /// or a liquidation limit below the borrow limit (which would liquidate a fresh borrow).
    function creditLimits(
        address model,
        uint256 poolId,
        address borrower,
        uint256 debt,
        Limits memory lim
    ) internal view returns (bool ok, uint256 borrowLimit, uint256 liquidationLimit) {
        if (model == address(0)) return (true, lim.collateralBorrowLimit, lim.collateralLiquidationLimit);
        (ok, borrowLimit, liquidationLimit) = callModel(
            model,
            abi.encodeCall(
                ICreditModel.creditLimits,
                (poolId, borrower, debt, lim.collateralBorrowLimit, lim.collateralLiquidationLimit)
            ),
            64
        );
        if (!ok) return (false, 0, 0);
        ok = liquidationLimit >= borrowLimit;
    }

    /// @dev The loan asset's price in the collateral feeds' quote, or 1 when they quote in it.
    function loanAssetPrice(LendingStorage.Pool storage p) internal view returns (uint256 price, uint8 decimals) {
        address feed = p.priceFeed;
        if (feed == address(0)) return (1, 0);
        (price, ) = LibFeed.read(feed, p.priceMaxAge);
        decimals = p.priceFeedDecimals;
    }

    /// @dev `amount` of collateral `c` in loan-asset units, rounded down.
    function valueOf(
        LendingStorage.Collateral storage c,
        uint256 amount,
        uint8 assetDecimals,
        uint256 loanPrice,
        uint8 loanPriceDecimals
    ) internal view returns (uint256) {
        if (amount == 0) return 0;
        (uint256 price, ) = LibFeed.read(c.feed, c.maxPriceAge);
        uint256 quote = LibFeed.convert(amount, price, c.feedDecimals, c.tokenDecimals, 18, Math.Rounding.Floor);
        return LibFeed.convertBack(quote, loanPrice, loanPriceDecimals, 18, assetDecimals, Math.Rounding.Floor);
    }

    // ---------------------------------------------------------------- liquidation

    /// @dev What a liquidation repays, clears (scaled debt), seizes and writes off.
    struct Liquidation {
        uint256 scaled;
        uint256 debt;
        uint256 balance;
        uint256 repaid;
        uint256 cleared;
        uint256 seized;
        uint256 badDebt;
    }

    /// @dev The liquidation `liquidate` performs and `lendingQuoteLiquidation` quotes, at
    /// borrow index `index`.
    function liquidation(
        uint256 poolId,
        LendingStorage.Pool storage p,
        address borrower,
        address collateral,
        uint256 maxRepay,
        uint256 index
    ) internal view returns (Liquidation memory liq) {
        LendingStorage.Collateral storage c = p.collateral[collateral];
        if (c.index == 0) revert ILendingTypes.LendingNotCollateral(poolId, collateral);
        liq.scaled = p.scaledDebtOf[borrower];
        if (liq.scaled == 0) revert ILendingTypes.LendingNoDebt(poolId, borrower);
        liq.debt = debtOf(liq.scaled, index);
        Limits memory lim = limits(poolId, p, borrower, liq.debt, true);
        if (liq.debt <= lim.liquidationLimit)
            revert ILendingTypes.LendingPositionHealthy(poolId, borrower, liq.debt, lim.liquidationLimit);
        liq.balance = p.collateralOf[borrower][collateral];
        if (liq.balance == 0) revert ILendingTypes.LendingNothingToSeize(poolId, borrower, collateral);

        liq.repaid = Math.min(maxRepay, closeable(p, liq.debt));
        if (liq.repaid < liq.debt && liq.debt - liq.repaid < p.dustThreshold) {
            revert ILendingTypes.LendingLiquidationLeavesDust(poolId, liq.debt, liq.repaid, p.dustThreshold);
        }
        uint256 unit = 10 ** c.tokenDecimals;
        uint256 unitPrice = unitValue(p, c);
        if (unitPrice == 0) revert ILendingTypes.LendingNothingToSeize(poolId, borrower, collateral);
        uint256 bonus = LendingStorage.BPS + c.liquidationBonusBps;
        // Collateral for the repaid value plus the bonus, rounded down (the pool's side).
        liq.seized = Math.mulDiv(liq.repaid * bonus, unit, unitPrice * LendingStorage.BPS);
        if (liq.seized == 0) revert ILendingTypes.LendingNothingToSeize(poolId, borrower, collateral);
        if (liq.seized > liq.balance) {
            // Not enough collateral: take all of it for what it is worth, rounded up.
            liq.seized = liq.balance;
            liq.repaid = Math.min(
                Math.mulDiv(liq.balance * unitPrice, LendingStorage.BPS, unit * bonus, Math.Rounding.Ceil),
                liq.debt
            );
        }
        (liq.repaid, liq.cleared) = repayment(liq.repaid, liq.debt, liq.scaled, index);
        // Debt left with no collateral at all is bad debt, written off at once.
        if (liq.seized == liq.balance && liq.repaid < liq.debt && !holdsOtherCollateral(p, borrower, c.index)) {
            liq.badDebt = liq.debt - liq.repaid;
        }
    }

    function holdsOtherCollateral(
        LendingStorage.Pool storage p,
        address borrower,
        uint8 except
    ) internal view returns (bool) {
        uint8 count = p.collateralCount;
        for (uint8 i = 1; i <= count; ++i) {
            if (i != except && p.collateralOf[borrower][p.collateralAt[i]] != 0) return true;
        }
        return false;
    }

    /// @dev Whether `liquidation` would succeed for `borrower` and `collateral` at borrow index `index`: the
    /// position has debt above its liquidation limit and holds enough of `collateral` to
    /// seize. Reverts only when a feed it needs is stale or invalid.
    function liquidatable(
        uint256 poolId,
        LendingStorage.Pool storage p,
        address borrower,
        address collateral,
        uint256 index
    ) internal view returns (bool) {
        LendingStorage.Collateral storage c = p.collateral[collateral];
        uint256 scaled = p.scaledDebtOf[borrower];
        if (c.index == 0 || scaled == 0 || p.collateralOf[borrower][collateral] == 0) return false;
        uint256 debt = debtOf(scaled, index);
        if (debt <= limits(poolId, p, borrower, debt, true).liquidationLimit) return false;
        // The smallest liquidation must seize at least one unit.
        uint256 unitPrice = unitValue(p, c);
        if (unitPrice == 0) return false;
        uint256 bonus = LendingStorage.BPS + c.liquidationBonusBps;
        return Math.mulDiv(closeable(p, debt) * bonus, 10 ** c.tokenDecimals, unitPrice * LendingStorage.BPS) != 0;
    }

    /// @dev Most of `debt` one liquidation may repay: half (the close factor), or all of it
    /// when it is at or below the dust threshold, when half would leave less than that
    /// (otherwise a debt between the threshold and twice it could never be liquidated), or
    /// when half rounds to nothing (a one-unit debt in a pool without a threshold).
    function closeable(LendingStorage.Pool storage p, uint256 debt) internal view returns (uint256) {
        uint256 half = (debt * LendingStorage.CLOSE_FACTOR_BPS) / LendingStorage.BPS;
        uint256 dust = p.dustThreshold;
        return half == 0 || debt <= dust || debt - half < dust ? debt : half;
    }

    /// @dev One whole unit of collateral `c` in loan-asset units.
    function unitValue(
        LendingStorage.Pool storage p,
        LendingStorage.Collateral storage c
    ) internal view returns (uint256) {
        (uint256 loanPrice, uint8 loanPriceDecimals) = loanAssetPrice(p);
        return valueOf(c, 10 ** c.tokenDecimals, p.assetDecimals, loanPrice, loanPriceDecimals);
    }

    /// @dev Repaying `amount` of `debt`: all of it clears the scaled debt; a part clears
    /// what it buys at the index, rounded down.
    function repayment(
        uint256 amount,
        uint256 debt,
        uint256 scaled,
        uint256 index
    ) internal pure returns (uint256 repaid, uint256 cleared) {
        if (amount >= debt) return (debt, scaled);
        return (amount, Math.mulDiv(amount, LendingStorage.WAD, index));
    }

    /// @dev Writes off the borrower's remaining debt: reserves absorb what they can, the
    /// suppliers (through a lower share price) the rest.
    function realizeBadDebt(uint256 poolId, LendingStorage.Pool storage p, address borrower, uint256 amount) internal {
        uint256 reserves = p.reserves;
        uint256 fromReserves = Math.min(reserves, amount);
        p.reserves = uint128(reserves - fromReserves);
        p.badDebt += uint128(amount);
        emit ILendingTypes.LendingBadDebtRealized(poolId, borrower, amount, fromReserves, amount - fromReserves);
    }

    // ---------------------------------------------------------------- tokens

    /// @dev Pulls `amount` into the diamond and refuses a token that delivers less.
    function pull(address token, address from, uint256 amount) internal {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert ILendingTypes.LendingTokenShortfall(token, amount, received);
    }

    function send(address token, address to, uint256 amount) internal {
        IERC20(token).safeTransfer(to, amount);
    }

    function checkReceiver(address receiver) internal view {
        if (receiver == address(0) || receiver == address(this)) revert ILendingTypes.LendingReceiverInvalid(receiver);
    }
}
