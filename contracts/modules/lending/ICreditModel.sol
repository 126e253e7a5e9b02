// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ILendingTypes} from "./ILendingTypes.sol";

/// @title A credit model: decides a borrower's limits in a pool.
/// @notice The pool computes the collateral figures itself (Σ value × LTV and Σ value ×
/// liquidation threshold, in loan-asset units) and passes them; a model returns the limits
/// it grants — the same figures (over-collateralized lending), more (a credit line), or
/// less (a stricter segment). It is called with a bounded static call from the diamond
/// (`msg.sender`), so a model that serves several diamonds keys its state by caller. A
/// model that fails blocks only new borrowing and collateral withdrawal: liquidations fall
/// back to the collateral figures, repayments and top-ups never ask it.
interface ICreditModel {
    function creditLimits(
        uint256 poolId,
        address borrower,
        uint256 debt,
        uint256 collateralBorrowLimit,
        uint256 collateralLiquidationLimit
    ) external view returns (uint256 borrowLimit, uint256 liquidationLimit);
}

/// @title A credit model that takes signed attestations (see `CreditLineModel`).
/// @notice `borrowWithAttestation` asks the pool's credit model for its `attestationSink`
/// (itself, or a component of a composite model) and hands it the attestation.
interface ICreditAttestationSink {
    /// @notice Checks and records `attestation` for `borrower` in `poolId`. Only the diamond.
    function acceptAttestation(
        uint256 poolId,
        address borrower,
        ILendingTypes.CreditAttestation calldata attestation,
        bytes calldata signature
    ) external;

    /// @notice The contract that takes attestations for this model; zero if none.
    function attestationSink() external view returns (address);
}
