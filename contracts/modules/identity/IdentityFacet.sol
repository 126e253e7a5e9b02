// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {IIdentity} from "./IIdentity.sol";
import {IdentityStorage} from "./IdentityStorage.sol";
import {LibIdentity} from "./LibIdentity.sol";

/// @title Identity module facet: the investor registry, attestations and wallet recovery.
/// @dev Every change of an identity's attested data or status is copied into each of its
/// wallets' words (at most `MAX_WALLETS`), so a compliance check reads one word per wallet.
contract IdentityFacet is IIdentity {
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant NAME_HASH = keccak256("Finsuite Identity");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 private constant DATA_TYPEHASH = keccak256(
        "IdentityData(uint16 jurisdiction,uint8 investorClass,uint40 expiresAt,bytes32 evidenceHash)"
    );
    bytes32 private constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 identityId,address wallet,IdentityData data,address provider,uint40 deadline,"
        "bytes32 nonce)IdentityData(uint16 jurisdiction,uint8 investorClass,uint40 expiresAt,bytes32 evidenceHash)"
    );

    // ---------------------------------------------------------------- providers

    /// @inheritdoc IIdentity
    function registerIdentity(bytes32 identityId, address wallet, IdentityData calldata data) external {
        LibAccess.checkRole(IdentityStorage.KYC_PROVIDER_ROLE);
        _create(identityId, data, msg.sender);
        _addWallet(identityId, wallet);
    }

    /// @inheritdoc IIdentity
    function updateIdentity(bytes32 identityId, IdentityData calldata data) external {
        LibAccess.checkRole(IdentityStorage.KYC_PROVIDER_ROLE);
        IdentityStorage.Identity storage idn = _existing(identityId);
        if (idn.status == IdentityStatus.Revoked) revert IdentityNotActive(identityId, idn.status);
        _setData(identityId, idn, data, msg.sender);
    }

    /// @inheritdoc IIdentity
    function setIdentityStatus(bytes32 identityId, IdentityStatus status) external {
        LibAccess.checkRole(IdentityStorage.KYC_PROVIDER_ROLE);
        IdentityStorage.Identity storage idn = _existing(identityId);
        IdentityStatus current = idn.status;
        if (status == IdentityStatus.None || current == IdentityStatus.Revoked || status == current) {
            revert IdentityStatusInvalid(identityId, current, status);
        }
        idn.status = status;
        _syncWallets(idn);
        emit IdentityStatusSet(identityId, status, msg.sender);
    }

    /// @inheritdoc IIdentity
    function addIdentityWallet(bytes32 identityId, address wallet) external {
        LibAccess.checkRole(IdentityStorage.KYC_PROVIDER_ROLE);
        _existing(identityId);
        _addWallet(identityId, wallet);
    }

    /// @inheritdoc IIdentity
    function removeIdentityWallet(bytes32 identityId, address wallet) external {
        LibAccess.checkRole(IdentityStorage.KYC_PROVIDER_ROLE);
        IdentityStorage.Identity storage idn = _existing(identityId);
        _unlink(identityId, idn, wallet);
        // The wallet keeps its identity number: modules' per-identity books stay right, and
        // only this identity may take it back.
        IdentityStorage.layout().wallets[wallet].state = uint8(IdentityStatus.None);
        emit IdentityWalletRemoved(identityId, wallet);
    }

    /// @inheritdoc IIdentity
    function recoverIdentityWallet(bytes32 identityId, address lost, address replacement) external {
        LibAccess.checkRole(IdentityStorage.KYC_PROVIDER_ROLE);
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        IdentityStorage.Identity storage idn = _existing(identityId);
        IdentityStorage.Wallet storage target = $.wallets[replacement];
        if (
            replacement == address(0) ||
            replacement == address(this) ||
            replacement == lost ||
            target.state & IdentityStorage.LOST != 0
        ) {
            revert IdentityRecoveryTargetInvalid(replacement);
        }
        if (target.ref != 0 && target.ref != idn.ref) revert IdentityRecoveryTargetInvalid(replacement);
        bool linked = target.ref != 0 && target.state != uint8(IdentityStatus.None);
        _unlink(identityId, idn, lost);
        $.wallets[lost].state |= IdentityStorage.LOST;
        $.recoveredTo[lost] = replacement;
        if (!linked) _addWallet(identityId, replacement);
        emit IdentityWalletRecovered(identityId, lost, replacement, msg.sender);
        LibIdentity.runRecoveryHooks(lost, replacement);
    }

    // ---------------------------------------------------------------- self-service

    /// @inheritdoc IIdentity
    function registerWithAttestation(Attestation calldata a, bytes calldata signature) external {
        if (a.wallet != msg.sender) revert IdentityAttestationWrongSender(a.wallet, msg.sender);
        if (a.deadline <= block.timestamp) revert IdentityAttestationExpired(a.deadline);
        if (!LibAccess.hasRole(IdentityStorage.KYC_PROVIDER_ROLE, a.provider)) {
            revert IdentityAttestationProviderInvalid(a.provider);
        }
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        if ($.attestationUsed[a.provider][a.nonce]) revert IdentityAttestationUsed(a.provider, a.nonce);
        if (!SignatureChecker.isValidSignatureNowCalldata(a.provider, _digest(a), signature)) {
            revert IdentityAttestationSignatureInvalid(a.provider);
        }
        $.attestationUsed[a.provider][a.nonce] = true;

        IdentityStorage.Identity storage idn = $.identities[a.identityId];
        if (idn.ref == 0) {
            _create(a.identityId, a.data, a.provider);
        } else {
            if (idn.status == IdentityStatus.Revoked) revert IdentityNotActive(a.identityId, idn.status);
            _setData(a.identityId, idn, a.data, a.provider);
        }
        IdentityStorage.Wallet storage w = $.wallets[a.wallet];
        // A lost wallet keeps its identity number: refuse it before it could match.
        if (w.state & IdentityStorage.LOST != 0) revert IdentityWalletLost(a.wallet);
        if (w.ref != idn.ref || w.state == uint8(IdentityStatus.None)) _addWallet(a.identityId, a.wallet);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IIdentity
    function isVerified(address wallet) external view returns (bool) {
        return LibIdentity.code(LibIdentity.wallet(wallet)) == IdentityCode.Verified;
    }

    /// @inheritdoc IIdentity
    function identityCodeOf(address wallet) external view returns (IdentityCode) {
        return LibIdentity.code(LibIdentity.wallet(wallet));
    }

    /// @inheritdoc IIdentity
    function identityOf(address wallet) external view returns (bytes32) {
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        uint24 ref = $.wallets[wallet].ref;
        return ref == 0 ? bytes32(0) : $.idOf[ref];
    }

    /// @inheritdoc IIdentity
    function getIdentity(bytes32 identityId) external view returns (IdentityView memory v) {
        IdentityStorage.Identity storage idn = _existing(identityId);
        v.status = idn.status;
        v.jurisdiction = idn.jurisdiction;
        v.investorClass = idn.investorClass;
        v.expiresAt = idn.expiresAt;
        v.evidenceHash = idn.evidenceHash;
        v.provider = idn.provider;
        // The list runs from the last linked wallet; the view gives them in linking order.
        uint256 count = idn.walletCount;
        v.wallets = new address[](count);
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        address current = idn.firstWallet;
        for (uint256 i = count; i > 0; --i) {
            v.wallets[i - 1] = current;
            current = $.wallets[current].next;
        }
    }

    /// @inheritdoc IIdentity
    function recoveredWalletOf(address lost) external view returns (address) {
        return LibIdentity.recoveredTo(lost);
    }

    /// @inheritdoc IIdentity
    function isAttestationUsed(address provider, bytes32 nonce) external view returns (bool) {
        return IdentityStorage.layout().attestationUsed[provider][nonce];
    }

    /// @inheritdoc IIdentity
    function attestationDigest(Attestation calldata attestation) external view returns (bytes32) {
        return _digest(attestation);
    }

    /// @inheritdoc IIdentity
    function identityDomainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    // ---------------------------------------------------------------- internals

    function _digest(Attestation calldata a) private view returns (bytes32) {
        bytes32 dataHash = keccak256(
            abi.encode(DATA_TYPEHASH, a.data.jurisdiction, a.data.investorClass, a.data.expiresAt, a.data.evidenceHash)
        );
        bytes32 structHash = keccak256(
            abi.encode(ATTESTATION_TYPEHASH, a.identityId, a.wallet, dataHash, a.provider, a.deadline, a.nonce)
        );
        return MessageHashUtils.toTypedDataHash(identityDomainSeparator(), structHash);
    }

    function _existing(bytes32 identityId) private view returns (IdentityStorage.Identity storage idn) {
        idn = IdentityStorage.layout().identities[identityId];
        if (idn.ref == 0) revert IdentityUnknown(identityId);
    }

    function _create(bytes32 identityId, IdentityData calldata data, address provider) private {
        if (identityId == bytes32(0)) revert IdentityIdInvalid();
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        IdentityStorage.Identity storage idn = $.identities[identityId];
        if (idn.ref != 0) revert IdentityExists(identityId);
        if ($.identityCount == IdentityStorage.MAX_IDENTITIES)
            revert IdentityRegistryFull(IdentityStorage.MAX_IDENTITIES);
        uint24 ref = ++$.identityCount;
        idn.ref = ref;
        idn.status = IdentityStatus.Active;
        $.idOf[ref] = identityId;
        emit IdentityRegistered(identityId, provider);
        _setData(identityId, idn, data, provider);
    }

    function _setData(
        bytes32 identityId,
        IdentityStorage.Identity storage idn,
        IdentityData calldata data,
        address provider
    ) private {
        if (data.jurisdiction == 0 || data.jurisdiction > IdentityStorage.MAX_JURISDICTION) {
            revert IdentityJurisdictionInvalid(data.jurisdiction);
        }
        if (data.investorClass == 0 || data.investorClass > IdentityStorage.MAX_CLASS) {
            revert IdentityClassInvalid(data.investorClass);
        }
        if (data.expiresAt <= block.timestamp) revert IdentityExpiryInvalid(data.expiresAt);
        if (data.evidenceHash == bytes32(0)) revert IdentityEvidenceMissing();
        idn.jurisdiction = data.jurisdiction;
        idn.investorClass = data.investorClass;
        idn.expiresAt = data.expiresAt;
        idn.evidenceHash = data.evidenceHash;
        idn.provider = provider;
        _syncWallets(idn);
        emit IdentityDataSet(
            identityId,
            provider,
            data.jurisdiction,
            data.investorClass,
            data.expiresAt,
            data.evidenceHash
        );
    }

    function _addWallet(bytes32 identityId, address wallet) private {
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        IdentityStorage.Identity storage idn = $.identities[identityId];
        // The diamond holds for its modules; it is nobody's wallet.
        if (wallet == address(0) || wallet == address(this)) revert IdentityWalletInvalid(wallet);
        IdentityStorage.Wallet storage w = $.wallets[wallet];
        uint8 state = w.state;
        if (state & IdentityStorage.LOST != 0) revert IdentityWalletLost(wallet);
        uint24 ref = idn.ref;
        // A linked wallet, or a removed one that belonged to another identity.
        if (w.ref != 0 && (state != uint8(IdentityStatus.None) || w.ref != ref)) {
            revert IdentityWalletTaken(wallet, $.idOf[w.ref]);
        }
        uint8 count = idn.walletCount;
        if (count >= IdentityStorage.MAX_WALLETS)
            revert IdentityTooManyWallets(identityId, IdentityStorage.MAX_WALLETS);
        $.wallets[wallet] = IdentityStorage.Wallet({
            ref: ref,
            expiresAt: idn.expiresAt,
            jurisdiction: idn.jurisdiction,
            investorClass: idn.investorClass,
            state: uint8(idn.status),
            next: idn.firstWallet
        });
        idn.firstWallet = wallet;
        idn.walletCount = count + 1;
        emit IdentityWalletAdded(identityId, wallet);
    }

    /// @dev Takes `wallet` out of the identity's list; the others keep their order.
    function _unlink(bytes32 identityId, IdentityStorage.Identity storage idn, address wallet) private {
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        address previous;
        address current = idn.firstWallet;
        while (current != address(0)) {
            IdentityStorage.Wallet storage w = $.wallets[current];
            if (current == wallet) {
                if (previous == address(0)) idn.firstWallet = w.next;
                else $.wallets[previous].next = w.next;
                w.next = address(0);
                --idn.walletCount;
                return;
            }
            previous = current;
            current = w.next;
        }
        revert IdentityWalletNotOf(wallet, identityId);
    }

    /// @dev Copies the identity's data and status into each of its wallets' words.
    function _syncWallets(IdentityStorage.Identity storage idn) private {
        IdentityStorage.Layout storage $ = IdentityStorage.layout();
        (uint40 expiresAt, uint16 jurisdiction, uint8 investorClass, uint8 state) = (
            idn.expiresAt,
            idn.jurisdiction,
            idn.investorClass,
            uint8(idn.status)
        );
        address current = idn.firstWallet;
        while (current != address(0)) {
            IdentityStorage.Wallet storage w = $.wallets[current];
            w.expiresAt = expiresAt;
            w.jurisdiction = jurisdiction;
            w.investorClass = investorClass;
            w.state = state;
            current = w.next;
        }
    }
}
