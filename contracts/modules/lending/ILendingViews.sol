// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ILendingTypes} from "./ILendingTypes.sol";

/// @title Lending module: views for integrators, with interest accrued up to the current block.
interface ILendingViews is ILendingTypes {
    function lendingPoolCount() external view returns (uint256);

    /// @notice What the pool's vault reads: suppliers' assets, total shares, what may still
    /// be deposited (zero while supply is paused) and the cash available to withdraw.
    function lendingVaultTotals(
        uint256 poolId
    ) external view returns (uint256 totalAssets, uint256 totalShares, uint256 depositRoom, uint256 cash);

    function lendingPool(uint256 poolId) external view returns (PoolView memory);

    function lendingCollateral(uint256 poolId, address token) external view returns (CollateralParams memory);

    /// @notice The position priced now: debt, collateral value, limits, health factor and
    /// the model that decided. Reverts when a feed it needs is stale or invalid.
    function lendingPosition(uint256 poolId, address borrower) external view returns (PositionView memory);

    /// @notice The vault shares `holder` owns (the vault's `balanceOf`).
    function lendingSharesOf(uint256 poolId, address holder) external view returns (uint256);

    function lendingCollateralOf(uint256 poolId, address borrower, address token) external view returns (uint256);

    function lendingDebtOf(uint256 poolId, address borrower) external view returns (uint256);

    /// @notice How much more `borrower` may borrow now: its limit minus its debt, within
    /// the pool's cash and borrow cap.
    function lendingMaxBorrow(uint256 poolId, address borrower) external view returns (uint256);

    /// @notice How much of its supply `owner` may withdraw now (within the pool's cash).
    function lendingMaxWithdraw(uint256 poolId, address owner) external view returns (uint256);

    /// @notice How much of `token` `borrower` may withdraw while staying within its limit.
    function lendingMaxWithdrawCollateral(
        uint256 poolId,
        address borrower,
        address token
    ) external view returns (uint256);

    /// @notice What `liquidate(poolId, borrower, collateral, maxRepay)` would do now:
    /// zeros when the position is healthy.
    function lendingQuoteLiquidation(
        uint256 poolId,
        address borrower,
        address collateral,
        uint256 maxRepay
    ) external view returns (uint256 repaid, uint256 seized, uint256 badDebt);

    /// @notice Finds keeper work: `checkData` is `abi.encode(poolId, address[] candidates)`
    /// (e.g. every borrower seen in `LendingBorrowed` events); returns the first
    /// `MAX_UPKEEP_BATCH` candidates that are liquidatable, each with the collateral it
    /// holds most value of, as `performData` for `lendingPerformUpkeep`.
    function lendingCheckUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Everything of `token` the lending module accounts for in the diamond: the
    /// cash of pools lending it plus the collateral of it posted in every pool.
    function lendingBooks(address token) external view returns (uint256);
}
