// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ILendingTypes} from "./ILendingTypes.sol";

/// @title Lending module: supply, collateral, borrow, repay, liquidate.
/// @notice Pools are isolated: each has one loan asset, its own collateral list, rate
/// model and credit model, and bad debt in one never touches another. Suppliers hold the
/// shares of the pool's ERC-4626 vault (its own address); supplying here or through the
/// vault is the same operation. Every entry point runs checks → accrue → math → writes →
/// events → transfers under the diamond-wide reentrancy guard. Every path that lowers
/// collateral or raises debt re-checks the borrower's limit, which the pool's credit model
/// decides, after the change. Repaying, adding collateral and liquidating never call the
/// credit model in a way that can block them, and keep working while a pool is paused.
interface ILending is ILendingTypes {
    /// @notice Deposits `assets` of the loan asset and mints vault shares to `receiver`.
    /// Needs an allowance for the diamond. Refused while supply is paused or above the cap.
    function supply(uint256 poolId, uint256 assets, address receiver) external returns (uint256 shares);

    /// @notice Burns the caller's shares worth `assets` (rounded up) and sends `assets` to
    /// `receiver`. Limited to the pool's cash; works while the pool is paused.
    function withdraw(uint256 poolId, uint256 assets, address receiver) external returns (uint256 shares);

    /// @notice Burns `shares` of the caller and sends what they are worth (rounded down).
    function redeem(uint256 poolId, uint256 shares, address receiver) external returns (uint256 assets);

    /// @notice Adds `amount` of collateral `token` to `borrower`'s position (anyone may top
    /// up anyone). Never calls the credit model; works while the pool is paused.
    function supplyCollateral(uint256 poolId, address token, uint256 amount, address borrower) external;

    /// @notice Withdraws the caller's collateral; the position must stay within its limit.
    function withdrawCollateral(uint256 poolId, address token, uint256 amount, address receiver) external;

    /// @notice Borrows `amount` to `receiver`; the caller's debt must stay within its limit.
    function borrow(uint256 poolId, uint256 amount, address receiver) external;

    /// @notice Repays up to `amount` of `borrower`'s debt (type(uint256).max: all of it)
    /// from the caller. Returns what was repaid. Works while the pool is paused.
    function repay(uint256 poolId, uint256 amount, address borrower) external returns (uint256 repaid);

    /// @notice Repays up to `maxRepay` of an unhealthy position's debt and takes its
    /// `collateral` worth the repaid value plus the bonus. At most half the debt per call
    /// (all of it when the other half would be below the dust threshold); when the
    /// borrower's collateral runs out with debt left, that debt is written off (reserves
    /// first, then suppliers).
    function liquidate(
        uint256 poolId,
        address borrower,
        address collateral,
        uint256 maxRepay
    ) external returns (uint256 repaid, uint256 seized);

    // ---------------------------------------------------------------- vault hooks

    /// @notice Called by the pool's vault for `deposit`/`mint`: books the deposit of
    /// `assets` (or of the assets `shares` cost, when `assets` is zero) and mints through
    /// the vault's `onDeposit`; the vault then pulls the assets from `caller`.
    function lendingVaultDeposit(
        uint256 poolId,
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) external returns (uint256 assetsIn, uint256 sharesOut);

    /// @notice Called by the pool's vault for `withdraw`/`redeem` (after it checked the
    /// allowance): books it, burns through `onWithdraw` and sends the assets.
    function lendingVaultWithdraw(
        uint256 poolId,
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) external returns (uint256 assetsOut, uint256 sharesIn);
}
