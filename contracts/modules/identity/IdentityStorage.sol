// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ModuleId} from "../../types/ModuleTypes.sol";
import {IIdentity} from "./IIdentity.sol";

/// @title Storage of the identity module (ERC-7201 namespace `finsuite.identity`). Append-only.
library IdentityStorage {
    /// @dev Registers, updates, suspends and recovers identities; signs attestations.
    bytes32 internal constant KYC_PROVIDER_ROLE = keccak256("finsuite.role.kyc-provider");

    /// @dev Wallets per identity: every change of the identity rewrites each wallet's word.
    uint8 internal constant MAX_WALLETS = 8;
    uint16 internal constant MAX_JURISDICTION = 999;
    uint8 internal constant MAX_CLASS = 15;
    /// @dev Modules with a recovery hook: each runs inside every recovery.
    uint8 internal constant MAX_RECOVERY_HOOKS = 8;

    /// @dev Identities one diamond may hold (the identity number is 24 bits).
    uint24 internal constant MAX_IDENTITIES = type(uint24).max;
    /// @dev A wallet word's `state`: the identity's status, and this bit once it is lost.
    uint8 internal constant LOST = 0x80;

    /// @dev One word per wallet: a copy of what every compliance check needs, so verifying
    /// a wallet (and reading its jurisdiction, class and identity) is one storage read; and
    /// the next wallet of its identity, so linking a wallet writes no list entry.
    struct Wallet {
        /// The identity's number (from 1); kept after the wallet is lost or removed.
        uint24 ref;
        uint40 expiresAt;
        uint16 jurisdiction;
        uint8 investorClass;
        /// `IIdentity.IdentityStatus` (None once removed), with `LOST` set once lost.
        uint8 state;
        address next;
    }

    struct Identity {
        // word 0: the attested data the wallet words copy, and the first wallet
        uint40 expiresAt;
        uint16 jurisdiction;
        uint8 investorClass;
        IIdentity.IdentityStatus status;
        uint8 walletCount;
        address firstWallet;
        // word 1
        uint24 ref;
        address provider;
        // word 2
        bytes32 evidenceHash;
    }

    struct RecoveryHook {
        ModuleId moduleId;
        bytes4 hook;
    }

    /// @custom:storage-location erc7201:finsuite.identity
    struct Layout {
        uint24 identityCount;
        mapping(bytes32 identityId => Identity) identities;
        mapping(uint24 ref => bytes32 identityId) idOf;
        mapping(address wallet => Wallet) wallets;
        mapping(address lost => address replacement) recoveredTo;
        mapping(address provider => mapping(bytes32 nonce => bool)) attestationUsed;
        RecoveryHook[] recoveryHooks;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.identity")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x064b3107da51fa055eba02db3437a16608fc460f789f8d79fff9e53f208e1600;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }
}

/// @title Storage-layout probe of `finsuite.identity` (see contracts/layout/). Never deployed.
contract IdentityStorageLayout {
    IdentityStorage.Layout internal finsuite_identity;
}
