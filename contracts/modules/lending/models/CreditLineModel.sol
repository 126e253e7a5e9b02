// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ILendingTypes} from "../ILendingTypes.sol";
import {LendingStorage} from "../LendingStorage.sol";
import {ICreditAttestationSink, ICreditModel} from "../ICreditModel.sol";
import {ICreditLineModel} from "./ICreditLineModel.sol";

/// @title Credit lines from signed, expiring, revocable attestations (see `ICreditLineModel`).
/// @dev One per institution: deploy it with the diamond's address and install it as a
/// pool's credit model through the timelock. The signed domain (this contract, the chain
/// id) and the attested pool and borrower make an attestation useless on any other chain,
/// diamond or pool; increasing nonces per borrower and pool make it single-use;
/// OpenZeppelin's ECDSA refuses malleable signatures; ERC-1271 issuers are asked through `isValidSignature`.
contract CreditLineModel is ICreditLineModel, EIP712 {
    bytes32 private constant ATTESTATION_TYPEHASH = keccak256(
        abi.encodePacked(
            "CreditAttestation(address issuer,address borrower,uint256 poolId,uint128 limit,",
            "uint16 ratePremiumBps,uint16 score,uint64 expiry,uint64 nonce)"
        )
    );
    uint32 private constant MAX_GRACE = 90 days;
    uint16 private constant MAX_BUFFER_BPS = 5_000;
    /// @dev Transient flag per (pool, borrower): an attestation was accepted in this transaction.
    bytes32 private constant FRESH_SEED = keccak256("finsuite.credit-line.fresh");

    address private immutable _DIAMOND;

    mapping(address issuer => bool) public isIssuer;
    mapping(uint256 poolId => mapping(address borrower => CreditLine)) private _lines;
    uint256 public totalLimits;
    uint256 public debtCeiling;
    uint32 public gracePeriod;
    uint16 public liquidationBufferBps;

    constructor(
        address diamond_,
        uint256 debtCeiling_,
        uint32 gracePeriod_,
        uint16 liquidationBufferBps_
    ) EIP712("Finsuite Credit Line", "1") {
        _DIAMOND = diamond_;
        _setParams(debtCeiling_, gracePeriod_, liquidationBufferBps_);
    }

    // ---------------------------------------------------------------- the diamond

    /// @inheritdoc ICreditModel
    function creditLimits(
        uint256 poolId,
        address borrower,
        uint256,
        uint256 collateralBorrowLimit,
        uint256 collateralLiquidationLimit
    ) external view returns (uint256 borrowLimit, uint256 liquidationLimit) {
        (borrowLimit, liquidationLimit) = (collateralBorrowLimit, collateralLiquidationLimit);
        CreditLine memory line = _lines[poolId][borrower];
        if (line.limit == 0 || block.timestamp > uint256(line.expiry) + gracePeriod)
            return (borrowLimit, liquidationLimit);
        // Valid or in its grace period: the line protects the position.
        uint256 protectedUpTo =
            (uint256(line.limit) * (LendingStorage.BPS + liquidationBufferBps)) / LendingStorage.BPS;
        liquidationLimit = Math.max(liquidationLimit, protectedUpTo);
        // Only a valid line presented in this very transaction lends beyond the collateral.
        if (block.timestamp <= line.expiry && _fresh(poolId, borrower)) borrowLimit = Math.max(borrowLimit, line.limit);
    }

    /// @inheritdoc ICreditAttestationSink
    function attestationSink() external view returns (address) {
        return address(this);
    }

    /// @inheritdoc ICreditAttestationSink
    function acceptAttestation(
        uint256 poolId,
        address borrower,
        ILendingTypes.CreditAttestation calldata a,
        bytes calldata signature
    ) external {
        if (msg.sender != _DIAMOND) revert CreditLineOnlyDiamond(msg.sender);
        if (a.borrower != borrower) revert CreditLineWrongBorrower(a.borrower, borrower);
        if (a.poolId != poolId) revert CreditLineWrongPool(a.poolId, poolId);
        if (a.expiry < block.timestamp) revert CreditLineAttestationExpired(a.expiry);
        if (a.limit == 0) revert CreditLineLimitZero();
        if (!isIssuer[a.issuer]) revert CreditLineIssuerUnknown(a.issuer);
        CreditLine storage line = _lines[poolId][borrower];
        uint64 lastNonce = line.nonce;
        if (a.nonce <= lastNonce) revert CreditLineNonceUsed(a.nonce, lastNonce);
        bytes32 digest = _digest(a.issuer, borrower, poolId, a.limit, a.ratePremiumBps, a.score, a.expiry, a.nonce);
        if (!SignatureChecker.isValidSignatureNowCalldata(a.issuer, digest, signature)) {
            revert CreditLineSignatureInvalid(a.issuer);
        }
        uint256 total = totalLimits - line.limit + a.limit;
        if (total > debtCeiling) revert CreditLineCeilingExceeded(total, debtCeiling);
        totalLimits = total;
        _lines[poolId][borrower] = CreditLine(a.issuer, a.expiry, a.ratePremiumBps, a.score, a.limit, a.nonce);
        _setFresh(poolId, borrower);
        emit CreditLineGranted(poolId, borrower, a.issuer, a.limit, a.ratePremiumBps, a.score, a.expiry, a.nonce);
    }

    // ---------------------------------------------------------------- the institution

    /// @inheritdoc ICreditLineModel
    function setIssuer(address issuer, bool allowed) external {
        _onlyLendingAdmin();
        if (issuer == address(0)) revert CreditLineIssuerUnknown(issuer);
        isIssuer[issuer] = allowed;
        emit CreditLineIssuerSet(issuer, allowed);
    }

    /// @inheritdoc ICreditLineModel
    function setParams(uint256 debtCeiling_, uint32 gracePeriod_, uint16 liquidationBufferBps_) external {
        _onlyLendingAdmin();
        _setParams(debtCeiling_, gracePeriod_, liquidationBufferBps_);
    }

    /// @inheritdoc ICreditLineModel
    function revoke(uint256 poolId, address borrower) external {
        CreditLine storage line = _lines[poolId][borrower];
        if (line.limit == 0) revert CreditLineUnknown(poolId, borrower);
        if (msg.sender != line.issuer && !_isLendingAdmin(msg.sender)) revert CreditLineUnauthorized(msg.sender);
        // Ending it now keeps the grace period: a revocation never liquidates at once.
        if (line.expiry > block.timestamp) line.expiry = uint64(block.timestamp);
        emit CreditLineRevoked(poolId, borrower, msg.sender, line.expiry);
    }

    /// @inheritdoc ICreditLineModel
    function release(uint256 poolId, address borrower) external {
        CreditLine memory line = _lines[poolId][borrower];
        if (line.limit == 0) revert CreditLineUnknown(poolId, borrower);
        uint256 releasableAt = uint256(line.expiry) + gracePeriod;
        if (block.timestamp <= releasableAt) revert CreditLineNotReleasable(poolId, borrower, releasableAt + 1);
        totalLimits -= line.limit;
        // The nonce stays, so an old attestation cannot revive the line.
        _lines[poolId][borrower] = CreditLine(address(0), 0, 0, 0, 0, line.nonce);
        emit CreditLineReleased(poolId, borrower, line.limit);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICreditLineModel
    function diamond() external view returns (address) {
        return _DIAMOND;
    }

    /// @inheritdoc ICreditLineModel
    function creditLine(uint256 poolId, address borrower) external view returns (CreditLine memory) {
        return _lines[poolId][borrower];
    }

    /// @inheritdoc ICreditLineModel
    function attestationDigest(
        uint256 poolId,
        address borrower,
        uint128 limit,
        uint16 ratePremiumBps,
        uint16 score,
        uint64 expiry,
        uint64 nonce,
        address issuer
    ) external view returns (bytes32) {
        return _digest(issuer, borrower, poolId, limit, ratePremiumBps, score, expiry, nonce);
    }

    // ---------------------------------------------------------------- internals

    function _digest(
        address issuer,
        address borrower,
        uint256 poolId,
        uint128 limit,
        uint16 ratePremiumBps,
        uint16 score,
        uint64 expiry,
        uint64 nonce
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        ATTESTATION_TYPEHASH,
                        issuer,
                        borrower,
                        poolId,
                        limit,
                        ratePremiumBps,
                        score,
                        expiry,
                        nonce
                    )
                )
            );
    }

    function _setParams(uint256 debtCeiling_, uint32 gracePeriod_, uint16 liquidationBufferBps_) private {
        if (gracePeriod_ > MAX_GRACE || liquidationBufferBps_ > MAX_BUFFER_BPS) revert CreditLineParamsInvalid();
        debtCeiling = debtCeiling_;
        gracePeriod = gracePeriod_;
        liquidationBufferBps = liquidationBufferBps_;
        emit CreditLineParamsSet(debtCeiling_, gracePeriod_, liquidationBufferBps_);
    }

    function _isLendingAdmin(address account) private view returns (bool) {
        return IAccessControl(_DIAMOND).hasRole(LendingStorage.LENDING_ADMIN_ROLE, account);
    }

    function _onlyLendingAdmin() private view {
        if (!_isLendingAdmin(msg.sender)) revert CreditLineUnauthorized(msg.sender);
    }

    function _freshSlot(uint256 poolId, address borrower) private pure returns (bytes32) {
        return keccak256(abi.encode(FRESH_SEED, poolId, borrower));
    }

    function _setFresh(uint256 poolId, address borrower) private {
        bytes32 slot = _freshSlot(poolId, borrower);
        assembly ("memory-safe") {
            tstore(slot, 1)
        }
    }

    function _fresh(uint256 poolId, address borrower) private view returns (bool fresh) {
        bytes32 slot = _freshSlot(poolId, borrower);
        assembly ("memory-safe") {
            fresh := tload(slot)
        }
    }
}
