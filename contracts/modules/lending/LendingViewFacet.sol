// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LibShares} from "../../tokens/LibShares.sol";
import {ILendingViews} from "./ILendingViews.sol";
import {LendingStorage} from "./LendingStorage.sol";
import {LibLending} from "./LibLending.sol";

/// @title Lending module facet: views, with interest accrued up to the current block.
contract LendingViewFacet is ILendingViews {
    /// @inheritdoc ILendingViews
    function lendingPoolCount() external view returns (uint256) {
        return LendingStorage.layout().poolCount;
    }

    /// @inheritdoc ILendingViews
    function lendingVaultTotals(
        uint256 poolId
    ) external view returns (uint256 totalAssets, uint256 totalShares, uint256 depositRoom, uint256 cash) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LibLending.Accrual memory a = LibLending.pending(p);
        totalAssets = LibLending.totalAssets(p, a.borrowIndex, p.reserves + a.toReserves);
        totalShares = p.totalShares;
        uint256 cap = p.supplyCap;
        depositRoom = p.supplyPaused || totalAssets >= cap ? 0 : cap - totalAssets;
        cash = p.cash;
    }

    /// @inheritdoc ILendingViews
    function lendingPool(uint256 poolId) external view returns (PoolView memory v) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LibLending.Accrual memory a = LibLending.pending(p);
        v.asset = p.asset;
        v.vault = p.vault;
        v.rateModel = p.rateModel;
        v.creditModel = p.creditModel;
        v.priceFeed = p.priceFeed;
        v.cash = p.cash;
        v.borrows = LibLending.debtOf(p.totalScaledDebt, a.borrowIndex);
        v.reserves = p.reserves + a.toReserves;
        v.totalAssets = v.cash + v.borrows - v.reserves;
        v.totalShares = p.totalShares;
        uint256 liquidity = v.cash + v.borrows;
        v.utilization = liquidity == 0 ? 0 : Math.mulDiv(v.borrows, LendingStorage.WAD, liquidity);
        v.borrowRatePerSecond = LibLending.rate(p.rateModel, v.cash, v.borrows, p.ratePerSecond);
        // Suppliers earn what borrowers pay, less the reserve share, spread over their assets.
        v.supplyRatePerSecond =
            v.totalAssets == 0
                ? 0
                : Math.mulDiv(
                    v.borrowRatePerSecond * (LendingStorage.BPS - p.reserveFactorBps),
                    v.borrows,
                    v.totalAssets * LendingStorage.BPS
                );
        v.sharePrice = LibShares.toAssets(
            10 ** (p.assetDecimals + LibShares.DECIMALS_OFFSET),
            v.totalAssets,
            v.totalShares,
            Math.Rounding.Floor
        );
        v.borrowIndex = a.borrowIndex;
        v.supplyCap = p.supplyCap;
        v.borrowCap = p.borrowCap;
        v.dustThreshold = p.dustThreshold;
        v.badDebt = p.badDebt;
        v.reserveFactorBps = p.reserveFactorBps;
        v.supplyPaused = p.supplyPaused;
        v.borrowPaused = p.borrowPaused;
        v.collaterals = _collaterals(p);
    }

    /// @inheritdoc ILendingViews
    function lendingCollateral(uint256 poolId, address token) external view returns (CollateralParams memory) {
        LendingStorage.Collateral storage c = LibLending.pool(poolId).collateral[token];
        if (c.index == 0) revert LendingNotCollateral(poolId, token);
        return
            CollateralParams(
                c.feed,
                c.maxPriceAge,
                c.ltvBps,
                c.liquidationThresholdBps,
                c.liquidationBonusBps,
                c.supplyCap
            );
    }

    /// @inheritdoc ILendingViews
    function lendingPosition(uint256 poolId, address borrower) external view returns (PositionView memory v) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        v.debt = _debt(p, borrower);
        LibLending.Limits memory lim = LibLending.limits(poolId, p, borrower, v.debt, true);
        v.collateralValue = lim.collateralValue;
        v.borrowLimit = lim.borrowLimit;
        v.liquidationLimit = lim.liquidationLimit;
        v.healthFactor =
            v.debt == 0 ? type(uint256).max : Math.mulDiv(lim.liquidationLimit, LendingStorage.WAD, v.debt);
        v.creditModel = p.creditModel;
        v.modelFailed = lim.modelFailed;
        v.collaterals = _collaterals(p);
        v.collateralAmounts = new uint256[](v.collaterals.length);
        for (uint256 i; i < v.collaterals.length; ++i) {
            v.collateralAmounts[i] = p.collateralOf[borrower][v.collaterals[i]];
        }
    }

    /// @inheritdoc ILendingViews
    function lendingSharesOf(uint256 poolId, address holder) external view returns (uint256) {
        return LibLending.pool(poolId).sharesOf[holder];
    }

    /// @inheritdoc ILendingViews
    function lendingCollateralOf(uint256 poolId, address borrower, address token) external view returns (uint256) {
        return LibLending.pool(poolId).collateralOf[borrower][token];
    }

    /// @inheritdoc ILendingViews
    function lendingDebtOf(uint256 poolId, address borrower) external view returns (uint256) {
        return _debt(LibLending.pool(poolId), borrower);
    }

    /// @inheritdoc ILendingViews
    function lendingMaxBorrow(uint256 poolId, address borrower) external view returns (uint256) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (p.borrowPaused) return 0;
        LibLending.Accrual memory a = LibLending.pending(p);
        uint256 debt = LibLending.debtOf(p.scaledDebtOf[borrower], a.borrowIndex);
        uint256 limit = LibLending.limits(poolId, p, borrower, debt, false).borrowLimit;
        if (debt >= limit) return 0;
        uint256 borrows = LibLending.debtOf(p.totalScaledDebt, a.borrowIndex);
        uint256 capRoom = borrows >= p.borrowCap ? 0 : p.borrowCap - borrows;
        // The new debt rounds up by at most one unit: leave it out so the answer always borrows.
        uint256 room = limit - debt;
        return Math.min(Math.min(room == 0 ? 0 : room - 1, p.cash), capRoom == 0 ? 0 : capRoom - 1);
    }

    /// @inheritdoc ILendingViews
    function lendingMaxWithdraw(uint256 poolId, address owner) external view returns (uint256) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LibLending.Accrual memory a = LibLending.pending(p);
        uint256 total = LibLending.totalAssets(p, a.borrowIndex, p.reserves + a.toReserves);
        uint256 owned = LibShares.toAssets(p.sharesOf[owner], total, p.totalShares, Math.Rounding.Floor);
        return Math.min(owned, p.cash);
    }

    /// @inheritdoc ILendingViews
    function lendingMaxWithdrawCollateral(
        uint256 poolId,
        address borrower,
        address token
    ) external view returns (uint256) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LendingStorage.Collateral storage c = p.collateral[token];
        if (c.index == 0) revert LendingNotCollateral(poolId, token);
        uint256 balance = p.collateralOf[borrower][token];
        uint256 debt = _debt(p, borrower);
        if (debt == 0) return balance;
        LibLending.Limits memory lim = LibLending.limits(poolId, p, borrower, debt, false);
        if (debt >= lim.borrowLimit || c.ltvBps == 0) return 0;
        // The limit this collateral gives, per unit, at its LTV; the headroom buys that much.
        uint256 unitLimit = (LibLending.unitValue(p, c) * c.ltvBps) / LendingStorage.BPS;
        if (unitLimit == 0) return balance;
        // Round down, and keep one unit back for the rounding of the limit itself.
        uint256 free = Math.mulDiv(lim.borrowLimit - debt, 10 ** c.tokenDecimals, unitLimit);
        free = free == 0 ? 0 : free - 1;
        return Math.min(free, balance);
    }

    /// @inheritdoc ILendingViews
    function lendingQuoteLiquidation(
        uint256 poolId,
        address borrower,
        address collateral,
        uint256 maxRepay
    ) external view returns (uint256 repaid, uint256 seized, uint256 badDebt) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (maxRepay == 0) revert LendingZeroAmount();
        LibLending.Liquidation memory liq = LibLending.liquidation(
            poolId,
            p,
            borrower,
            collateral,
            maxRepay,
            LibLending.pending(p).borrowIndex
        );
        return (liq.repaid, liq.seized, liq.badDebt);
    }

    /// @inheritdoc ILendingViews
    function lendingCheckUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData) {
        (uint256 poolId, address[] memory candidates) = abi.decode(checkData, (uint256, address[]));
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        // Interest up to now counts: a position may have become liquidatable by accrual alone.
        uint256 index = LibLending.pending(p).borrowIndex;
        uint256 max = LendingStorage.MAX_UPKEEP_BATCH;
        address[] memory borrowers = new address[](max);
        address[] memory collaterals = new address[](max);
        uint256 found;
        for (uint256 i; i < candidates.length && found < max; ++i) {
            address collateral = _largestCollateral(p, candidates[i]);
            if (collateral == address(0) || !LibLending.liquidatable(poolId, p, candidates[i], collateral, index)) {
                continue;
            }
            borrowers[found] = candidates[i];
            collaterals[found] = collateral;
            ++found;
        }
        if (found == 0) return (false, "");
        // Trim the arrays to what was found.
        assembly ("memory-safe") {
            mstore(borrowers, found)
            mstore(collaterals, found)
        }
        return (true, abi.encode(poolId, borrowers, collaterals));
    }

    /// @inheritdoc ILendingViews
    function lendingBooks(address token) external view returns (uint256 total) {
        LendingStorage.Layout storage $ = LendingStorage.layout();
        uint256 count = $.poolCount;
        for (uint256 id = 1; id <= count; ++id) {
            LendingStorage.Pool storage p = $.pools[id];
            if (p.asset == token) total += p.cash;
            total += p.collateral[token].total;
        }
    }

    /// @dev The collateral `borrower` holds the most value of (zero: none).
    function _largestCollateral(LendingStorage.Pool storage p, address borrower) private view returns (address best) {
        uint256 bestValue;
        uint8 count = p.collateralCount;
        for (uint8 i = 1; i <= count; ++i) {
            address token = p.collateralAt[i];
            uint256 amount = p.collateralOf[borrower][token];
            if (amount == 0) continue;
            LendingStorage.Collateral storage c = p.collateral[token];
            uint256 value = Math.mulDiv(amount, LibLending.unitValue(p, c), 10 ** c.tokenDecimals);
            if (best == address(0) || value > bestValue) (best, bestValue) = (token, value);
        }
    }

    function _debt(LendingStorage.Pool storage p, address borrower) private view returns (uint256) {
        return LibLending.debtOf(p.scaledDebtOf[borrower], LibLending.pending(p).borrowIndex);
    }

    function _collaterals(LendingStorage.Pool storage p) private view returns (address[] memory list) {
        uint8 count = p.collateralCount;
        list = new address[](count);
        for (uint8 i; i < count; ++i) list[i] = p.collateralAt[i + 1];
    }
}
