// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ICreditAttestationSink, ICreditModel} from "../ICreditModel.sol";

/// @title Credit lines from signed attestations: under-collateralized lending an
/// institution controls.
/// @notice Bound to one diamond. Issuers (EOAs or ERC-1271 contracts) that the diamond's
/// lending admin registers sign EIP-712 `CreditAttestation`s off-chain (e.g. from the
/// scorecard service, `npx hardhat lending score`). A borrower presents a fresh one with
/// each `borrowWithAttestation`; the model checks it and records the credit line:
/// - borrowing may use the line's limit only in the transaction that presented it (a
///   fresh, checked attestation on every borrow); plain `borrow` sees the collateral limit;
/// - while the line is valid, the position is liquidatable only above the line's limit
///   plus the liquidation buffer (or the collateral's liquidation limit, if higher);
/// - when the line expires or is revoked, the borrower keeps that protection for the
///   grace period, then falls back to the collateral figures: never an instant liquidation;
/// - nonces increase per borrower and pool, so an attestation works once (no nonce
///   registry to write: a renewal costs two storage words);
/// - Σ limits of recorded lines stays within the debt ceiling; a line past its grace
///   period can be released by anyone to free the ceiling.
/// The rate premium and score are recorded and evented (for reporting); the pool charges
/// its single borrow rate.
interface ICreditLineModel is ICreditModel, ICreditAttestationSink {
    /// @notice A recorded credit line.
    struct CreditLine {
        address issuer;
        uint64 expiry;
        uint16 ratePremiumBps;
        uint16 score;
        uint128 limit;
        /// The last nonce accepted for this borrower and pool (kept after a release).
        uint64 nonce;
    }

    event CreditLineIssuerSet(address indexed issuer, bool allowed);
    event CreditLineParamsSet(uint256 debtCeiling, uint32 gracePeriod, uint16 liquidationBufferBps);
    event CreditLineGranted(
        uint256 indexed poolId,
        address indexed borrower,
        address indexed issuer,
        uint128 limit,
        uint16 ratePremiumBps,
        uint16 score,
        uint64 expiry,
        uint64 nonce
    );
    /// @notice The line now ends at `expiry` (revocation); the grace period follows.
    event CreditLineRevoked(uint256 indexed poolId, address indexed borrower, address by, uint64 expiry);
    event CreditLineReleased(uint256 indexed poolId, address indexed borrower, uint128 limit);

    error CreditLineOnlyDiamond(address caller);
    /// @notice Only the diamond's lending admin (or, to revoke, the line's issuer).
    error CreditLineUnauthorized(address caller);
    error CreditLineIssuerUnknown(address issuer);
    error CreditLineSignatureInvalid(address issuer);
    error CreditLineWrongBorrower(address attested, address borrower);
    error CreditLineWrongPool(uint256 attested, uint256 poolId);
    error CreditLineAttestationExpired(uint64 expiry);
    /// @notice Nonces per borrower and pool must increase: this one was used or superseded.
    error CreditLineNonceUsed(uint64 nonce, uint64 lastNonce);
    error CreditLineLimitZero();
    error CreditLineCeilingExceeded(uint256 totalAfter, uint256 ceiling);
    error CreditLineUnknown(uint256 poolId, address borrower);
    /// @notice A line can be released only after its expiry plus the grace period.
    error CreditLineNotReleasable(uint256 poolId, address borrower, uint256 releasableAt);
    error CreditLineParamsInvalid();

    /// @notice Registers or removes an issuer. The diamond's lending admin.
    function setIssuer(address issuer, bool allowed) external;

    /// @notice Debt ceiling (Σ limits), grace period (seconds, at most 90 days) and the
    /// liquidation buffer above a line's limit (bps, at most 50 %). The diamond's lending admin.
    function setParams(uint256 debtCeiling, uint32 gracePeriod, uint16 liquidationBufferBps) external;

    /// @notice Ends a line now (the grace period follows). The lending admin or the line's issuer.
    function revoke(uint256 poolId, address borrower) external;

    /// @notice Forgets a line past its expiry and grace period, freeing the ceiling. Anyone.
    function release(uint256 poolId, address borrower) external;

    function creditLine(uint256 poolId, address borrower) external view returns (CreditLine memory);

    function isIssuer(address issuer) external view returns (bool);

    /// @notice Σ limits of recorded lines, and the ceiling it must stay within.
    function totalLimits() external view returns (uint256);

    function debtCeiling() external view returns (uint256);

    function gracePeriod() external view returns (uint32);

    function liquidationBufferBps() external view returns (uint16);

    /// @notice The diamond this model serves.
    function diamond() external view returns (address);

    /// @notice The EIP-712 digest an issuer signs for `attestation`.
    function attestationDigest(
        uint256 poolId,
        address borrower,
        uint128 limit,
        uint16 ratePremiumBps,
        uint16 score,
        uint64 expiry,
        uint64 nonce,
        address issuer
    ) external view returns (bytes32);
}
