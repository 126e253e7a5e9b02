// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ICreditAttestationSink, ICreditModel} from "../ICreditModel.sol";
import {ILendingTypes} from "../ILendingTypes.sol";

/// @title The minimum of several credit models: models stack.
/// @notice E.g. a credit line capped by a collateral-based limit: compose a
/// `CreditLineModel` with a `CollateralMultipleCreditModel`. Each limit is the smallest
/// any component grants; a component that fails makes the composite fail (the pool then
/// refuses borrowing and falls back to the collateral figures for liquidations).
/// Attestations go to the first component that takes them.
contract CompositeCreditModel is ICreditModel, ICreditAttestationSink {
    error CompositeCreditModelEmpty();
    error CompositeCreditModelNotSink(address caller);

    ICreditModel[] private _models;

    constructor(ICreditModel[] memory models_) {
        if (models_.length == 0) revert CompositeCreditModelEmpty();
        for (uint256 i; i < models_.length; ++i) _models.push(models_[i]);
    }

    function models() external view returns (ICreditModel[] memory) {
        return _models;
    }

    /// @inheritdoc ICreditModel
    function creditLimits(
        uint256 poolId,
        address borrower,
        uint256 debt,
        uint256 collateralBorrowLimit,
        uint256 collateralLiquidationLimit
    ) external view returns (uint256 borrowLimit, uint256 liquidationLimit) {
        (borrowLimit, liquidationLimit) = (type(uint256).max, type(uint256).max);
        for (uint256 i; i < _models.length; ++i) {
            (uint256 canBorrow, uint256 liquidatesAbove) = _models[i].creditLimits(
                poolId,
                borrower,
                debt,
                collateralBorrowLimit,
                collateralLiquidationLimit
            );
            if (canBorrow < borrowLimit) borrowLimit = canBorrow;
            if (liquidatesAbove < liquidationLimit) liquidationLimit = liquidatesAbove;
        }
    }

    /// @inheritdoc ICreditAttestationSink
    function attestationSink() external view returns (address) {
        for (uint256 i; i < _models.length; ++i) {
            try ICreditAttestationSink(address(_models[i])).attestationSink() returns (address sink) {
                if (sink != address(0)) return sink;
            } catch {}
        }
        return address(0);
    }

    /// @dev The diamond hands attestations to `attestationSink()` directly, never to the composite.
    function acceptAttestation(
        uint256,
        address,
        ILendingTypes.CreditAttestation calldata,
        bytes calldata
    ) external view {
        revert CompositeCreditModelNotSink(msg.sender);
    }
}
