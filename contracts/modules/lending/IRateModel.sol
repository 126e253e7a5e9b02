// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title An interest-rate model any contract may implement.
/// @notice The pool calls it (a bounded static call) when interest accrues, with its state
/// before the accrual. A model that reverts, runs out of gas or answers more than
/// `LendingStorage.MAX_RATE_PER_SECOND` cannot freeze the pool: the last good rate (or the
/// cap) applies, so repayments and liquidations always go through.
interface IRateModel {
    /// @return ratePerSecond Borrow rate per second, scaled by 1e18.
    function borrowRatePerSecond(uint256 cash, uint256 borrows) external view returns (uint256 ratePerSecond);
}
