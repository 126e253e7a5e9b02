// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFeedErrors} from "../../shared/IPriceFeed.sol";

/// @title Lending module: types, events and errors shared by its three interfaces.
/// @notice Amounts are in the pool's loan-asset units unless said otherwise; basis points
/// (bps) are 1/10,000; rates are per second, scaled by 1e18.
interface ILendingTypes is IFeedErrors {
    /// @notice What the lending admin chooses when creating a pool.
    struct PoolParams {
        /// The loan asset (ERC-20) suppliers deposit and borrowers borrow.
        address asset;
        /// The loan asset's price in the collateral feeds' quote currency (e.g. USDC/USD),
        /// or zero when the collateral feeds quote directly in the loan asset.
        address priceFeed;
        /// Oldest acceptable `priceFeed` update, in seconds.
        uint32 priceMaxAge;
        /// `IRateModel` giving the borrow rate from the pool's cash and borrows.
        address rateModel;
        /// `ICreditModel` deciding each borrower's limits; zero: the built-in collateral model.
        address creditModel;
        /// Share of interest kept as reserves for the institution, in bps (at most 50 %).
        uint16 reserveFactorBps;
        /// Most the suppliers' assets may reach through deposits; 0 closes deposits.
        uint128 supplyCap;
        /// Most the pool's borrows may reach through borrowing; 0 closes borrowing.
        uint128 borrowCap;
        /// Least debt a partial liquidation may leave behind (no dust that nobody would
        /// ever liquidate); a position whose other half would be less is liquidated whole.
        uint128 dustThreshold;
        /// Name and symbol of the pool's ERC-4626 share vault.
        string name;
        string symbol;
    }

    /// @notice How a collateral asset counts in a pool.
    struct CollateralParams {
        /// Chainlink-compatible feed of the collateral's price in the pool's quote currency.
        address feed;
        /// Oldest acceptable update of `feed`, in seconds (at most ~194 days).
        uint24 maxPriceAge;
        /// Borrowing limit per unit of value, in bps.
        uint16 ltvBps;
        /// Liquidation limit per unit of value, in bps; above `ltvBps`.
        uint16 liquidationThresholdBps;
        /// Extra collateral a liquidator receives, in bps of the repaid value.
        uint16 liquidationBonusBps;
        /// Most of this collateral the pool accepts in total; 0 refuses new collateral.
        uint128 supplyCap;
    }

    /// @notice A pool's state, with interest accrued up to the current block.
    struct PoolView {
        address asset;
        address vault;
        address rateModel;
        address creditModel;
        address priceFeed;
        uint256 cash;
        uint256 borrows;
        uint256 reserves;
        /// What suppliers own: cash + borrows - reserves.
        uint256 totalAssets;
        uint256 totalShares;
        /// Borrows / (cash + borrows), 1e18 = 100 %.
        uint256 utilization;
        uint256 borrowRatePerSecond;
        uint256 supplyRatePerSecond;
        /// Assets (loan-asset units) that one whole share (10 ** vault decimals) redeems for.
        uint256 sharePrice;
        uint256 borrowIndex;
        uint256 supplyCap;
        uint256 borrowCap;
        uint256 dustThreshold;
        uint256 badDebt;
        uint16 reserveFactorBps;
        bool supplyPaused;
        bool borrowPaused;
        address[] collaterals;
    }

    /// @notice A borrower's position, priced now, with interest accrued.
    struct PositionView {
        uint256 debt;
        /// Σ collateral value in loan-asset units.
        uint256 collateralValue;
        /// Most the borrower may owe after borrowing or withdrawing collateral.
        uint256 borrowLimit;
        /// Above this debt the position may be liquidated.
        uint256 liquidationLimit;
        /// liquidationLimit / debt, 1e18 = 1; type(uint256).max without debt.
        uint256 healthFactor;
        /// The credit model that decided the limits (zero: the built-in collateral model).
        address creditModel;
        /// Whether the credit model failed and the collateral figures were used instead.
        bool modelFailed;
        address[] collaterals;
        uint256[] collateralAmounts;
    }

    // ---------------------------------------------------------------- events

    event LendingPoolCreated(
        uint256 indexed poolId,
        address indexed asset,
        address vault,
        address rateModel,
        address creditModel,
        address priceFeed,
        uint32 priceMaxAge
    );
    event LendingPoolLimitsSet(
        uint256 indexed poolId,
        uint16 reserveFactorBps,
        uint128 supplyCap,
        uint128 borrowCap,
        uint128 dustThreshold
    );
    event LendingCollateralSet(uint256 indexed poolId, address indexed token, CollateralParams params);
    event LendingRateModelSet(uint256 indexed poolId, address model);
    event LendingCreditModelSet(uint256 indexed poolId, address model);
    event LendingPoolPaused(uint256 indexed poolId, bool supplyPaused, bool borrowPaused, address by);
    /// @notice Interest since the last accrual; `toReserves` of it belongs to the institution.
    event LendingInterestAccrued(uint256 indexed poolId, uint256 interest, uint256 toReserves, uint256 borrowIndex);
    event LendingCollateralSupplied(
        uint256 indexed poolId,
        address indexed borrower,
        address indexed token,
        address caller,
        uint256 amount
    );
    event LendingCollateralWithdrawn(
        uint256 indexed poolId,
        address indexed borrower,
        address indexed token,
        address receiver,
        uint256 amount
    );
    event LendingBorrowed(
        uint256 indexed poolId,
        address indexed borrower,
        address receiver,
        uint256 amount,
        uint256 debt
    );
    event LendingRepaid(
        uint256 indexed poolId,
        address indexed borrower,
        address indexed payer,
        uint256 amount,
        uint256 debt
    );
    event LendingLiquidated(
        uint256 indexed poolId,
        address indexed borrower,
        address indexed liquidator,
        address collateral,
        uint256 repaid,
        uint256 seized,
        uint256 debtLeft
    );
    /// @notice Debt left without collateral was written off: reserves absorbed
    /// `fromReserves`, suppliers the rest.
    event LendingBadDebtRealized(
        uint256 indexed poolId,
        address indexed borrower,
        uint256 amount,
        uint256 fromReserves,
        uint256 fromSuppliers
    );
    event LendingReservesWithdrawn(uint256 indexed poolId, address indexed to, uint256 amount);

    // ---------------------------------------------------------------- errors

    error LendingPoolUnknown(uint256 poolId);
    error LendingZeroAmount();
    /// @notice Funds may not go to the zero address or the diamond.
    error LendingReceiverInvalid(address receiver);
    error LendingSupplyPaused(uint256 poolId);
    error LendingBorrowPaused(uint256 poolId);
    /// @notice The deposit would take suppliers' assets above the cap.
    error LendingSupplyCapExceeded(uint256 poolId, uint256 totalAfter, uint256 cap);
    error LendingBorrowCapExceeded(uint256 poolId, uint256 borrowsAfter, uint256 cap);
    /// @notice The amount is worth less than one share (or one asset unit).
    error LendingZeroShares(uint256 poolId, uint256 amount);
    /// @notice The pool holds only `available` in cash.
    error LendingInsufficientCash(uint256 poolId, uint256 requested, uint256 available);
    /// @notice Only the pool's own vault calls the vault hooks.
    error LendingNotPoolVault(uint256 poolId, address caller);
    error LendingNotCollateral(uint256 poolId, address token);
    error LendingCollateralCapExceeded(uint256 poolId, address token, uint256 totalAfter, uint256 cap);
    error LendingInsufficientCollateral(
        uint256 poolId,
        address borrower,
        address token,
        uint256 requested,
        uint256 balance
    );
    /// @notice After the change the debt would exceed the borrower's limit.
    error LendingBorrowLimitExceeded(uint256 poolId, address borrower, uint256 debt, uint256 limit);
    error LendingNoDebt(uint256 poolId, address borrower);
    /// @notice The credit model reverted, ran out of gas or answered garbage.
    error LendingCreditModelFailed(uint256 poolId, address model);
    /// @notice Only a position whose debt exceeds its liquidation limit can be liquidated.
    error LendingPositionHealthy(uint256 poolId, address borrower, uint256 debt, uint256 liquidationLimit);
    /// @notice The repayment would leave a debt below the dust threshold; repay `debt` instead.
    error LendingLiquidationLeavesDust(uint256 poolId, uint256 debt, uint256 repay, uint256 dustThreshold);
    error LendingNothingToSeize(uint256 poolId, address borrower, address token);
    /// @notice The token delivered less than it was asked to move (fee-on-transfer tokens are refused).
    error LendingTokenShortfall(address token, uint256 expected, uint256 received);
    error LendingAssetInvalid(address asset);
    error LendingModelInvalid(address model);
    error LendingFeedInvalid(address feed);
    error LendingReserveFactorTooHigh(uint16 reserveFactorBps, uint16 max);
    /// @notice LTV must be below the liquidation threshold, the threshold at most 100 %, and
    /// the threshold times (1 + bonus) below 100 %, so a liquidation always leaves the
    /// pool better off.
    error LendingCollateralParamsInvalid(uint16 ltvBps, uint16 liquidationThresholdBps, uint16 liquidationBonusBps);
    error LendingTooManyCollaterals(uint256 poolId, uint256 max);
    /// @notice Raising risk (new collateral, a higher LTV or threshold, another feed or
    /// model) must go through the timelock; the admin may only lower LTVs and caps directly.
    error LendingChangeNeedsTimelock(uint256 poolId);
    error LendingNoReserves(uint256 poolId, uint256 requested, uint256 reserves);
}
