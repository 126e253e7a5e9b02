// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {LibTimelock} from "../../access/LibTimelock.sol";
import {LibFeed} from "../../shared/LibFeed.sol";
import {LibShares} from "../../tokens/LibShares.sol";
import {ILendingAdmin} from "./ILendingAdmin.sol";
import {LendingStorage} from "./LendingStorage.sol";
import {LibLending} from "./LibLending.sol";

/// @title Lending module facet: pools, collateral parameters, models, pause and reserves.
contract LendingAdminFacet is ILendingAdmin, ReentrancyGuardTransient {
    /// @inheritdoc ILendingAdmin
    function createLendingPool(PoolParams calldata params) external returns (uint256 poolId, address vault) {
        LibAccess.checkRole(LendingStorage.LENDING_ADMIN_ROLE);
        address asset = params.asset;
        (uint8 assetDecimals, uint8 priceFeedDecimals) = _checkPoolParams(params);

        LendingStorage.Layout storage $ = LendingStorage.layout();
        poolId = ++$.poolCount;
        vault = Clones.cloneWithImmutableArgs(
            $.vaultImplementation,
            abi.encode(
                address(this),
                asset,
                poolId,
                assetDecimals + LibShares.DECIMALS_OFFSET,
                params.name,
                params.symbol
            )
        );
        LendingStorage.Pool storage p = $.pools[poolId];
        p.asset = asset;
        p.lastAccrual = uint40(block.timestamp);
        p.reserveFactorBps = params.reserveFactorBps;
        p.borrowIndex = uint128(LendingStorage.WAD);
        p.priceMaxAge = params.priceMaxAge;
        p.priceFeedDecimals = priceFeedDecimals;
        p.assetDecimals = assetDecimals;
        p.vault = vault;
        p.rateModel = params.rateModel;
        p.creditModel = params.creditModel;
        p.priceFeed = params.priceFeed;
        p.supplyCap = params.supplyCap;
        p.borrowCap = params.borrowCap;
        p.dustThreshold = params.dustThreshold;
        emit LendingPoolCreated(
            poolId,
            asset,
            vault,
            params.rateModel,
            params.creditModel,
            params.priceFeed,
            params.priceMaxAge
        );
        emit LendingPoolLimitsSet(
            poolId,
            params.reserveFactorBps,
            params.supplyCap,
            params.borrowCap,
            params.dustThreshold
        );
    }

    /// @inheritdoc ILendingAdmin
    function setLendingCollateral(uint256 poolId, address token, CollateralParams calldata params) external {
        bool timelocked = _timelocked();
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (
            params.ltvBps >= params.liquidationThresholdBps ||
            params.liquidationThresholdBps > LendingStorage.BPS ||
            uint256(params.liquidationThresholdBps) * (LendingStorage.BPS + params.liquidationBonusBps) >=
                uint256(LendingStorage.BPS) * LendingStorage.BPS
        )
            revert LendingCollateralParamsInvalid(
                params.ltvBps,
                params.liquidationThresholdBps,
                params.liquidationBonusBps
            );
        if (token == p.asset || token.code.length == 0) revert LendingAssetInvalid(token);
        if (params.maxPriceAge == 0) revert LendingPriceMaxAgeInvalid(params.feed);
        LendingStorage.Collateral storage c = p.collateral[token];
        uint8 index = c.index;
        if (!timelocked) {
            // Without the timelock, only lower an existing collateral's LTV or cap.
            if (
                index == 0 ||
                params.feed != c.feed ||
                params.maxPriceAge != c.maxPriceAge ||
                params.ltvBps > c.ltvBps ||
                params.liquidationThresholdBps != c.liquidationThresholdBps ||
                params.liquidationBonusBps != c.liquidationBonusBps ||
                params.supplyCap > c.supplyCap
            ) revert LendingChangeNeedsTimelock(poolId);
        }
        uint8 feedDecimals = _feedDecimals(params.feed);
        uint8 tokenDecimals = IERC20Metadata(token).decimals();
        if (tokenDecimals > LibFeed.MAX_DECIMALS) revert LendingAssetInvalid(token);
        if (index == 0) {
            index = p.collateralCount + 1;
            if (index > LendingStorage.MAX_COLLATERALS) {
                revert LendingTooManyCollaterals(poolId, LendingStorage.MAX_COLLATERALS);
            }
            p.collateralCount = index;
            p.collateralAt[index] = token;
        }
        c.feed = params.feed;
        c.maxPriceAge = params.maxPriceAge;
        c.ltvBps = params.ltvBps;
        c.liquidationThresholdBps = params.liquidationThresholdBps;
        c.liquidationBonusBps = params.liquidationBonusBps;
        c.feedDecimals = feedDecimals;
        c.tokenDecimals = tokenDecimals;
        c.index = index;
        c.supplyCap = params.supplyCap;
        emit LendingCollateralSet(poolId, token, params);
    }

    /// @inheritdoc ILendingAdmin
    function setLendingPoolLimits(
        uint256 poolId,
        uint16 reserveFactorBps,
        uint96 supplyCap,
        uint96 borrowCap,
        uint96 dustThreshold
    ) external {
        LibAccess.checkRole(LendingStorage.LENDING_ADMIN_ROLE);
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (reserveFactorBps > LendingStorage.MAX_RESERVE_FACTOR_BPS) {
            revert LendingReserveFactorTooHigh(reserveFactorBps, LendingStorage.MAX_RESERVE_FACTOR_BPS);
        }
        // Interest so far accrues at the old reserve factor.
        LibLending.accrue(poolId, p);
        p.reserveFactorBps = reserveFactorBps;
        p.supplyCap = supplyCap;
        p.borrowCap = borrowCap;
        p.dustThreshold = dustThreshold;
        emit LendingPoolLimitsSet(poolId, reserveFactorBps, supplyCap, borrowCap, dustThreshold);
    }

    /// @inheritdoc ILendingAdmin
    function setLendingRateModel(uint256 poolId, address model) external {
        if (!_timelocked()) revert LendingChangeNeedsTimelock(poolId);
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        _checkModel(model, false);
        LibLending.accrue(poolId, p);
        p.rateModel = model;
        emit LendingRateModelSet(poolId, model);
    }

    /// @inheritdoc ILendingAdmin
    function setLendingCreditModel(uint256 poolId, address model) external {
        if (!_timelocked()) revert LendingChangeNeedsTimelock(poolId);
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        _checkModel(model, true);
        address previous = p.creditModel;
        uint64 graceUntil = uint64(block.timestamp) + LendingStorage.CREDIT_MODEL_GRACE;
        p.previousCreditModel = previous;
        p.creditGraceUntil = graceUntil;
        p.creditModel = model;
        emit LendingCreditModelSet(poolId, model, previous, graceUntil);
    }

    /// @inheritdoc ILendingAdmin
    function setLendingPoolPaused(uint256 poolId, bool supplyPaused, bool borrowPaused) external {
        if (!LibAccess.hasRole(LibAccess.GUARDIAN_ROLE, msg.sender)) {
            LibAccess.checkRole(LendingStorage.LENDING_ADMIN_ROLE);
        }
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        p.supplyPaused = supplyPaused;
        p.borrowPaused = borrowPaused;
        emit LendingPoolPaused(poolId, supplyPaused, borrowPaused, msg.sender);
    }

    /// @inheritdoc ILendingAdmin
    function writeOffLendingDebt(uint256 poolId, address borrower) external {
        LibAccess.checkRole(LendingStorage.LENDING_ADMIN_ROLE);
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LibLending.accrue(poolId, p);
        uint256 scaled = p.scaledDebtOf[borrower];
        if (scaled == 0) revert LendingNoDebt(poolId, borrower);
        uint256 debt = LibLending.debtOf(scaled, p.borrowIndex);
        // Collateral left: liquidation, not a write-off, is the way (index 0 excludes none).
        uint256 limit =
            LibLending.holdsOtherCollateral(p, borrower, 0)
                ? type(uint256).max
                : LibLending.limits(poolId, p, borrower, debt, true).liquidationLimit;
        if (debt <= limit) revert LendingWriteOffRefused(poolId, borrower, debt, limit);
        p.scaledDebtOf[borrower] = 0;
        p.totalScaledDebt -= uint128(scaled);
        LibLending.realizeBadDebt(poolId, p, borrower, debt);
    }

    /// @inheritdoc ILendingAdmin
    function withdrawLendingReserves(uint256 poolId, uint256 amount, address to) external nonReentrant {
        LibAccess.checkRole(LendingStorage.LENDING_ADMIN_ROLE);
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (amount == 0) revert LendingZeroAmount();
        LibLending.checkReceiver(to);
        LibLending.accrue(poolId, p);
        uint256 reserves = p.reserves;
        if (amount > reserves) revert LendingNoReserves(poolId, amount, reserves);
        uint256 cash = p.cash;
        if (amount > cash) revert LendingInsufficientCash(poolId, amount, cash);
        // amount <= reserves and <= cash, both uint128.
        p.reserves = uint128(reserves - amount);
        p.cash = uint128(cash - amount);
        emit LendingReservesWithdrawn(poolId, to, amount);
        LibLending.send(p.asset, to, amount);
    }

    // ---------------------------------------------------------------- internals

    /// @dev True inside an operation the diamond's timelock executes (scheduled by the
    /// upgrader, delayed); otherwise the caller must be the lending admin.
    function _timelocked() private view returns (bool) {
        if (msg.sender == address(this) && LibTimelock.isExecuting()) return true;
        LibAccess.checkRole(LendingStorage.LENDING_ADMIN_ROLE);
        return false;
    }

    /// @dev Refuses an asset, model, reserve factor or price feed a pool cannot work with;
    /// returns the decimals the pool stores.
    function _checkPoolParams(
        PoolParams calldata params
    ) private view returns (uint8 assetDecimals, uint8 priceFeedDecimals) {
        address asset = params.asset;
        if (asset.code.length == 0) revert LendingAssetInvalid(asset);
        assetDecimals = IERC20Metadata(asset).decimals();
        if (assetDecimals > LibFeed.MAX_DECIMALS) revert LendingAssetInvalid(asset);
        _checkModel(params.rateModel, false);
        _checkModel(params.creditModel, true);
        if (params.reserveFactorBps > LendingStorage.MAX_RESERVE_FACTOR_BPS) {
            revert LendingReserveFactorTooHigh(params.reserveFactorBps, LendingStorage.MAX_RESERVE_FACTOR_BPS);
        }
        if (params.priceFeed != address(0)) {
            if (params.priceMaxAge == 0) revert LendingPriceMaxAgeInvalid(params.priceFeed);
            priceFeedDecimals = _feedDecimals(params.priceFeed);
        }
    }

    function _checkModel(address model, bool zeroAllowed) private view {
        if (model == address(0) ? !zeroAllowed : model.code.length == 0) revert LendingModelInvalid(model);
    }

    function _feedDecimals(address feed) private view returns (uint8) {
        if (feed.code.length == 0) revert LendingFeedInvalid(feed);
        return LibFeed.decimalsOf(feed);
    }
}
