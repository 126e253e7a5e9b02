// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ILendingTypes} from "./ILendingTypes.sol";

/// @title Lending module: pools and their parameters.
/// @notice LENDING_ADMIN_ROLE creates pools and sets limits. Whatever raises the pool's
/// risk — a new collateral, a higher LTV or liquidation threshold, another feed, bonus,
/// rate model or credit model — runs only inside an operation executed by the diamond's
/// timelock (schedule it with `schedule([calldata], salt)`); the admin may lower a
/// collateral's LTV or cap directly. The admin or the guardian pauses a pool's supply and
/// borrowing; repayments, collateral top-ups, withdrawals and liquidations go on.
interface ILendingAdmin is ILendingTypes {
    /// @notice Creates a pool and its ERC-4626 share vault (a clone). LENDING_ADMIN_ROLE.
    function createLendingPool(PoolParams calldata params) external returns (uint256 poolId, address vault);

    /// @notice Adds a collateral asset or changes one (see the timelock rule above).
    function setLendingCollateral(uint256 poolId, address token, CollateralParams calldata params) external;

    /// @notice Reserve factor (at most 50 %), caps and dust threshold. LENDING_ADMIN_ROLE.
    function setLendingPoolLimits(
        uint256 poolId,
        uint16 reserveFactorBps,
        uint96 supplyCap,
        uint96 borrowCap,
        uint96 dustThreshold
    ) external;

    /// @notice Replaces the rate model. Timelocked. Interest up to now accrues at the old rate.
    function setLendingRateModel(uint256 poolId, address model) external;

    /// @notice Replaces the credit model (zero: the built-in collateral model). Timelocked.
    /// For `CREDIT_MODEL_GRACE` (7 days) after the swap a position is liquidatable only if
    /// both the new and the previous model say so: a swap never liquidates a healthy
    /// position at once. Borrowing follows the new model immediately.
    function setLendingCreditModel(uint256 poolId, address model) external;

    /// @notice Pauses or resumes supply and borrowing. LENDING_ADMIN_ROLE or GUARDIAN_ROLE.
    function setLendingPoolPaused(uint256 poolId, bool supplyPaused, bool borrowPaused) external;

    /// @notice Writes off the debt of a borrower with no collateral left in the pool whose
    /// debt exceeds its liquidation limit (an unsecured credit line past its expiry and
    /// grace, say): reserves absorb it first, suppliers the rest (`LendingBadDebtRealized`).
    /// The institution's claim on the borrower lives on off-chain. LENDING_ADMIN_ROLE.
    function writeOffLendingDebt(uint256 poolId, address borrower) external;

    /// @notice Sends `amount` of the pool's reserves to `to`. LENDING_ADMIN_ROLE.
    function withdrawLendingReserves(uint256 poolId, uint256 amount, address to) external;
}
