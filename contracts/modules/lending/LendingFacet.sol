// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {DiamondVault} from "../../tokens/DiamondVault.sol";
import {LibShares} from "../../tokens/LibShares.sol";
import {ICreditAttestationSink} from "./ICreditModel.sol";
import {ILending} from "./ILending.sol";
import {LendingStorage} from "./LendingStorage.sol";
import {LibLending} from "./LibLending.sol";

/// @title Lending module facet: supply, collateral, borrow, repay, liquidate.
/// @notice Every entry point runs checks → accrue → math → writes → events → transfers,
/// under the diamond-wide reentrancy guard.
contract LendingFacet is ILending, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- suppliers

    /// @inheritdoc ILending
    function supply(uint256 poolId, uint256 assets, address receiver) external nonReentrant returns (uint256 shares) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (assets == 0) revert LendingZeroAmount();
        (, shares) = _supply(poolId, p, msg.sender, receiver, assets, 0);
        LibLending.pull(p.asset, msg.sender, assets);
    }

    /// @inheritdoc ILending
    function withdraw(uint256 poolId, uint256 assets, address receiver) external nonReentrant returns (uint256 shares) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (assets == 0) revert LendingZeroAmount();
        (, shares) = _withdraw(poolId, p, msg.sender, receiver, msg.sender, assets, 0);
    }

    /// @inheritdoc ILending
    function redeem(uint256 poolId, uint256 shares, address receiver) external nonReentrant returns (uint256 assets) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (shares == 0) revert LendingZeroAmount();
        (assets, ) = _withdraw(poolId, p, msg.sender, receiver, msg.sender, 0, shares);
    }

    /// @inheritdoc ILending
    function lendingVaultDeposit(
        uint256 poolId,
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) external nonReentrant returns (uint256 assetsIn, uint256 sharesOut) {
        LendingStorage.Pool storage p = _fromVault(poolId);
        if (assets == 0 && shares == 0) revert LendingZeroAmount();
        return _supply(poolId, p, caller, receiver, assets, shares);
    }

    /// @inheritdoc ILending
    function lendingVaultWithdraw(
        uint256 poolId,
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) external nonReentrant returns (uint256 assetsOut, uint256 sharesIn) {
        LendingStorage.Pool storage p = _fromVault(poolId);
        if (assets == 0 && shares == 0) revert LendingZeroAmount();
        return _withdraw(poolId, p, caller, receiver, owner, assets, shares);
    }

    /// @inheritdoc ILending
    function lendingVaultTransfer(uint256 poolId, address from, address to, uint256 shares) external {
        LendingStorage.Pool storage p = _fromVault(poolId);
        uint256 owned = p.sharesOf[from];
        if (shares > owned) revert ERC20InsufficientBalance(from, owned, shares);
        p.sharesOf[from] = owned - shares;
        p.sharesOf[to] += shares;
    }

    // ---------------------------------------------------------------- borrowers

    /// @inheritdoc ILending
    function supplyCollateral(uint256 poolId, address token, uint256 amount, address borrower) external nonReentrant {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LendingStorage.Collateral storage c = p.collateral[token];
        if (c.index == 0) revert LendingNotCollateral(poolId, token);
        if (amount == 0) revert LendingZeroAmount();
        LibLending.checkReceiver(borrower);
        uint256 total = c.total + amount;
        if (total > c.supplyCap) revert LendingCollateralCapExceeded(poolId, token, total, c.supplyCap);
        // total <= supplyCap < 2^128.
        c.total = uint128(total);
        p.collateralOf[borrower][token] += amount;
        emit LendingCollateralSupplied(poolId, borrower, token, msg.sender, amount);
        LibLending.pull(token, msg.sender, amount);
    }

    /// @inheritdoc ILending
    function withdrawCollateral(uint256 poolId, address token, uint256 amount, address receiver) external nonReentrant {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LendingStorage.Collateral storage c = p.collateral[token];
        if (c.index == 0) revert LendingNotCollateral(poolId, token);
        if (amount == 0) revert LendingZeroAmount();
        LibLending.checkReceiver(receiver);
        uint256 balance = p.collateralOf[msg.sender][token];
        if (amount > balance) revert LendingInsufficientCollateral(poolId, msg.sender, token, amount, balance);
        p.collateralOf[msg.sender][token] = balance - amount;
        c.total -= uint128(amount);
        uint256 scaled = p.scaledDebtOf[msg.sender];
        if (scaled != 0) {
            LibLending.accrue(poolId, p);
            _checkLimit(poolId, p, msg.sender, LibLending.debtOf(scaled, p.borrowIndex));
        }
        emit LendingCollateralWithdrawn(poolId, msg.sender, token, receiver, amount);
        LibLending.send(token, receiver, amount);
    }

    /// @inheritdoc ILending
    function borrow(uint256 poolId, uint256 amount, address receiver) external nonReentrant {
        _borrow(poolId, LibLending.pool(poolId), amount, receiver);
    }

    /// @inheritdoc ILending
    function borrowWithAttestation(
        uint256 poolId,
        uint256 amount,
        address receiver,
        CreditAttestation calldata attestation,
        bytes calldata signature
    ) external nonReentrant {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        address sink = _attestationSink(poolId, p.creditModel);
        // The model checks and records the line; its errors (CreditLine…) bubble up.
        ICreditAttestationSink(sink).acceptAttestation(poolId, msg.sender, attestation, signature);
        _borrow(poolId, p, amount, receiver);
    }

    function _borrow(uint256 poolId, LendingStorage.Pool storage p, uint256 amount, address receiver) private {
        if (p.borrowPaused) revert LendingBorrowPaused(poolId);
        if (amount == 0) revert LendingZeroAmount();
        LibLending.checkReceiver(receiver);
        LibLending.accrue(poolId, p);
        uint256 cash = p.cash;
        if (amount > cash) revert LendingInsufficientCash(poolId, amount, cash);
        uint256 index = p.borrowIndex;
        // Debt added rounds up: the borrower owes at least `amount`.
        uint256 added = Math.mulDiv(amount, LendingStorage.WAD, index, Math.Rounding.Ceil);
        uint256 scaled = p.scaledDebtOf[msg.sender] + added;
        uint256 totalScaled = p.totalScaledDebt + added;
        uint256 borrows = LibLending.debtOf(totalScaled, index);
        if (borrows > p.borrowCap) revert LendingBorrowCapExceeded(poolId, borrows, p.borrowCap);
        uint256 debt = LibLending.debtOf(scaled, index);
        _checkLimit(poolId, p, msg.sender, debt);
        // borrows <= borrowCap < 2^96 bounds both scaled sums (index >= 1e18).
        p.scaledDebtOf[msg.sender] = scaled;
        p.totalScaledDebt = uint128(totalScaled);
        p.cash = uint128(cash - amount);
        emit LendingBorrowed(poolId, msg.sender, receiver, amount, debt);
        LibLending.send(p.asset, receiver, amount);
    }

    /// @inheritdoc ILending
    function repay(uint256 poolId, uint256 amount, address borrower) external nonReentrant returns (uint256 repaid) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (amount == 0) revert LendingZeroAmount();
        LibLending.accrue(poolId, p);
        uint256 scaled = p.scaledDebtOf[borrower];
        if (scaled == 0) revert LendingNoDebt(poolId, borrower);
        uint256 index = p.borrowIndex;
        uint256 debt = LibLending.debtOf(scaled, index);
        uint256 cleared;
        (repaid, cleared) = LibLending.repayment(amount, debt, scaled, index);
        // cleared <= scaled <= totalScaledDebt; cash + repaid stays below the token's supply.
        p.scaledDebtOf[borrower] = scaled - cleared;
        p.totalScaledDebt -= uint128(cleared);
        p.cash += uint128(repaid);
        // What is still owed: a partial repayment clears scaled debt rounded down, so this
        // may exceed `debt - repaid` by a unit or two.
        emit LendingRepaid(poolId, borrower, msg.sender, repaid, LibLending.debtOf(scaled - cleared, index));
        LibLending.pull(p.asset, msg.sender, repaid);
    }

    /// @inheritdoc ILending
    function liquidate(
        uint256 poolId,
        address borrower,
        address collateral,
        uint256 maxRepay
    ) external nonReentrant returns (uint256 repaid, uint256 seized) {
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        if (maxRepay == 0) revert LendingZeroAmount();
        LibLending.accrue(poolId, p);
        return _liquidate(poolId, p, borrower, collateral, maxRepay);
    }

    /// @inheritdoc ILending
    function lendingPerformUpkeep(bytes calldata performData) external nonReentrant {
        (uint256 poolId, address[] memory borrowers, address[] memory collaterals) = abi.decode(
            performData,
            (uint256, address[], address[])
        );
        if (borrowers.length != collaterals.length || borrowers.length > LendingStorage.MAX_UPKEEP_BATCH) {
            revert LendingUpkeepDataInvalid(borrowers.length, collaterals.length, LendingStorage.MAX_UPKEEP_BATCH);
        }
        LendingStorage.Pool storage p = LibLending.pool(poolId);
        LibLending.accrue(poolId, p);
        uint256 done;
        for (uint256 i; i < borrowers.length; ++i) {
            // Re-validated here: a position repaid or topped up since the check is skipped,
            // so a repeated or forged perform liquidates nothing that is healthy.
            if (!LibLending.liquidatable(poolId, p, borrowers[i], collaterals[i], p.borrowIndex)) continue;
            _liquidate(poolId, p, borrowers[i], collaterals[i], type(uint256).max);
            ++done;
        }
        emit LendingUpkeepPerformed(poolId, msg.sender, borrowers.length, done);
    }

    // ---------------------------------------------------------------- internals

    /// @dev A liquidation of an accrued pool, with the liquidator (the caller) paying.
    function _liquidate(
        uint256 poolId,
        LendingStorage.Pool storage p,
        address borrower,
        address collateral,
        uint256 maxRepay
    ) private returns (uint256 repaid, uint256 seized) {
        LibLending.Liquidation memory liq = LibLending.liquidation(
            poolId,
            p,
            borrower,
            collateral,
            maxRepay,
            p.borrowIndex
        );
        (repaid, seized) = (liq.repaid, liq.seized);
        p.totalScaledDebt -= uint128(liq.cleared);
        p.cash += uint128(repaid);
        p.collateralOf[borrower][collateral] = liq.balance - seized;
        p.collateral[collateral].total -= uint128(seized);
        emit LendingLiquidated(
            poolId,
            borrower,
            msg.sender,
            collateral,
            repaid,
            seized,
            LibLending.debtOf(liq.scaled - liq.cleared, p.borrowIndex)
        );
        if (liq.badDebt != 0) {
            // Everything is cleared: the debt left is written off.
            p.scaledDebtOf[borrower] = 0;
            p.totalScaledDebt -= uint128(liq.scaled - liq.cleared);
            LibLending.realizeBadDebt(poolId, p, borrower, liq.badDebt);
        } else {
            p.scaledDebtOf[borrower] = liq.scaled - liq.cleared;
        }
        LibLending.pull(p.asset, msg.sender, repaid);
        LibLending.send(collateral, msg.sender, seized);
    }

    function _supply(
        uint256 poolId,
        LendingStorage.Pool storage p,
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) private returns (uint256, uint256) {
        if (p.supplyPaused) revert LendingSupplyPaused(poolId);
        LibLending.checkReceiver(receiver);
        LibLending.accrue(poolId, p);
        uint256 total = LibLending.totalAssets(p, p.borrowIndex, p.reserves);
        uint256 supplied = p.totalShares;
        if (assets != 0) {
            shares = LibShares.toShares(assets, total, supplied, Math.Rounding.Floor);
            if (shares == 0) revert LendingZeroShares(poolId, assets);
        } else {
            assets = LibShares.toAssets(shares, total, supplied, Math.Rounding.Ceil);
        }
        if (total + assets > p.supplyCap) revert LendingSupplyCapExceeded(poolId, total + assets, p.supplyCap);
        // total + assets <= supplyCap < 2^96. Shares have no such bound: once a loss leaves
        // the suppliers' assets near zero, each unit deposited mints a vast number of shares;
        // a share count beyond 128 bits is refused rather than truncated.
        p.cash += uint128(assets);
        p.totalShares = SafeCast.toUint128(supplied + shares);
        p.sharesOf[receiver] += shares;
        // The vault emits `Transfer` and the ERC-4626 `Deposit`, the module's record of it.
        if (msg.sender != p.vault) DiamondVault(p.vault).onDeposit(caller, receiver, assets, shares);
        return (assets, shares);
    }

    function _withdraw(
        uint256 poolId,
        LendingStorage.Pool storage p,
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) private returns (uint256, uint256) {
        LibLending.checkReceiver(receiver);
        LibLending.accrue(poolId, p);
        uint256 total = LibLending.totalAssets(p, p.borrowIndex, p.reserves);
        uint256 supplied = p.totalShares;
        if (assets != 0) {
            shares = LibShares.toShares(assets, total, supplied, Math.Rounding.Ceil);
        } else {
            assets = LibShares.toAssets(shares, total, supplied, Math.Rounding.Floor);
            if (assets == 0) revert LendingZeroShares(poolId, shares);
        }
        uint256 cash = p.cash;
        if (assets > cash) revert LendingInsufficientCash(poolId, assets, cash);
        uint256 owned = p.sharesOf[owner];
        if (shares > owned) revert ERC20InsufficientBalance(owner, owned, shares);
        p.cash = uint128(cash - assets);
        p.totalShares = uint128(supplied - shares);
        p.sharesOf[owner] = owned - shares;
        // The vault emits `Transfer` and the ERC-4626 `Withdraw`, the module's record of it.
        address vault = p.vault;
        if (msg.sender != vault) DiamondVault(vault).onWithdraw(caller, receiver, owner, assets, shares);
        LibLending.send(p.asset, receiver, assets);
        return (assets, shares);
    }

    /// @dev The contract that takes attestations for `model` (itself, or a component of a
    /// composite model), or a revert saying the pool's model takes none.
    function _attestationSink(uint256 poolId, address model) private view returns (address sink) {
        if (model != address(0)) {
            try ICreditAttestationSink(model).attestationSink() returns (address found) {
                sink = found;
            } catch {}
        }
        if (sink == address(0)) revert LendingAttestationsUnsupported(poolId, model);
    }

    function _fromVault(uint256 poolId) private view returns (LendingStorage.Pool storage p) {
        p = LibLending.pool(poolId);
        if (msg.sender != p.vault) revert LendingNotPoolVault(poolId, msg.sender);
    }

    function _checkLimit(uint256 poolId, LendingStorage.Pool storage p, address borrower, uint256 debt) private view {
        LibLending.Limits memory lim = LibLending.limits(poolId, p, borrower, debt, false);
        if (debt > lim.borrowLimit) revert LendingBorrowLimitExceeded(poolId, borrower, debt, lim.borrowLimit);
    }
}
