// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @title Asset module: types, events and errors shared by its interfaces.
/// @notice An asset is a permissioned ERC-20 (its own address, an `AssetToken` clone) whose
/// books live in the diamond. Every movement — transfer, transferFrom, mint, forced
/// transfer, recovery, offering delivery — passes the same compliance check, which answers
/// with a `Restriction` code; reverts carry the same code (`AssetTransferRestricted`), and
/// `detectTransferRestriction` / `canTransfer` on the token return it before sending (the
/// token itself refuses the zero receiver first, with `ERC20InvalidReceiver`, as any ERC-20).
/// The diamond itself is the one custodian: its modules pull tokens into custody (a lending
/// pledge) without an identity; nothing else may send it tokens; tokens leave custody only
/// to eligible wallets, also while the asset is paused, and the holder and per-identity
/// limits do not apply to them (they return to their owner or go to a buyer the module
/// chose). Agents cannot force, burn or freeze what is in custody.
interface IAssetTypes is IERC20Errors {
    /// @notice ERC-1404 restriction codes, in the order they are checked.
    enum Restriction {
        Success,
        /// The asset's transfers are paused.
        Paused,
        /// The receiver is the zero address.
        InvalidReceiver,
        /// The sender's wallet is not verified in the identity registry.
        SenderNotVerified,
        /// The sender's wallet is frozen for this asset.
        SenderFrozen,
        /// The spender of a transferFrom is not verified.
        SpenderNotVerified,
        /// The spender of a transferFrom is frozen for this asset.
        SpenderFrozen,
        /// The receiver's wallet is not verified.
        ReceiverNotVerified,
        /// The receiver's wallet is frozen for this asset.
        ReceiverFrozen,
        /// The receiver's jurisdiction is not allowed for this asset.
        JurisdictionNotAllowed,
        /// The receiver's investor class is not allowed for this asset.
        ClassNotAllowed,
        /// The sender holds less than the amount.
        InsufficientBalance,
        /// The amount exceeds what is neither frozen nor locked.
        BalanceFrozenOrLocked,
        /// The receiver's identity would be one holder too many.
        MaxHoldersReached,
        /// The receiver's identity would hold more than the per-identity maximum.
        MaxBalanceExceeded,
        /// A mint would exceed the asset's cap.
        CapExceeded
    }

    /// @notice The per-asset compliance rules (`AssetRules` of `createAsset` / `setAssetRules`).
    /// @param jurisdictions Allowed ISO 3166-1 numeric codes of receivers; empty: any.
    /// @param investorClasses Bitmask of allowed classes (bit `c` allows class `c`); 0: any.
    /// @param maxHolders Most identities holding the asset at once; 0: no limit.
    /// @param maxBalancePerIdentity Most one identity may hold (all its wallets); 0: no limit.
    /// Only settable when the asset was created with a limit (its books are kept then).
    /// @param lockupSeconds Tokens an offering delivers stay locked this long after its end.
    struct AssetRules {
        uint16[] jurisdictions;
        uint16 investorClasses;
        uint32 maxHolders;
        uint128 maxBalancePerIdentity;
        uint40 lockupSeconds;
    }

    /// @notice What the issuer chooses when creating an asset.
    /// @param cap Most tokens that may ever exist at once; 0: no cap.
    /// @param documentHash Hash of the offering document; `documentUri` where it is kept.
    struct AssetParams {
        string name;
        string symbol;
        uint8 decimals;
        uint128 cap;
        bytes32 documentHash;
        string documentUri;
        AssetRules rules;
    }

    /// @notice An asset as a view returns it.
    struct AssetView {
        address token;
        address issuer;
        bool paused;
        uint8 decimals;
        uint128 totalSupply;
        uint128 cap;
        uint32 holderCount;
        uint32 snapshotId;
        bytes32 documentHash;
        string documentUri;
        AssetRules rules;
    }

    /// @notice A wallet's holding of one asset as a view returns it.
    struct HoldingView {
        uint256 balance;
        uint256 frozen;
        bool walletFrozen;
        uint256 locked;
        uint40 lockedUntil;
        /// What it may move now: balance − frozen − (locked while the lock-up runs).
        uint256 available;
    }

    event AssetCreated(uint256 indexed assetId, address indexed token, address indexed issuer, uint128 cap);
    event AssetDocumentSet(uint256 indexed assetId, bytes32 documentHash, string documentUri);
    event AssetRulesSet(
        uint256 indexed assetId,
        uint16[] jurisdictions,
        uint16 investorClasses,
        uint32 maxHolders,
        uint128 maxBalancePerIdentity,
        uint40 lockupSeconds
    );
    event AssetPaused(uint256 indexed assetId, bool paused, address indexed agent);
    event AssetMinted(uint256 indexed assetId, address indexed to, uint256 amount, address indexed agent);
    event AssetBurned(uint256 indexed assetId, address indexed from, uint256 amount, address indexed agent);
    event AssetWalletFrozen(uint256 indexed assetId, address indexed wallet, bool frozen, address indexed agent);
    /// @notice ERC-7943's `Frozen`, per asset: the wallet's frozen amount after the change.
    event AssetTokensFrozen(uint256 indexed assetId, address indexed wallet, uint256 amount);
    event AssetForcedTransfer(
        uint256 indexed assetId,
        address indexed from,
        address indexed to,
        uint256 amount,
        address agent
    );
    event AssetLocked(uint256 indexed assetId, address indexed wallet, uint256 amount, uint40 until);
    event AssetHolderCountChanged(uint256 indexed assetId, uint32 holderCount);
    event AssetWalletRecovered(uint256 indexed assetId, address indexed lost, address indexed replacement);
    /// @notice A snapshot of every balance was taken (a distribution's record time).
    event AssetSnapshot(uint256 indexed assetId, uint32 snapshotId);

    error AssetUnknown(uint256 assetId);
    /// @notice Snapshots are numbered from 1 up to the asset's latest.
    error AssetSnapshotUnknown(uint256 assetId, uint32 snapshotId);
    /// @notice The movement is refused for `reason`, which concerns `account` (the sender,
    /// receiver or spender; zero when it concerns the asset).
    error AssetTransferRestricted(uint256 assetId, Restriction reason, address account);
    /// @notice Only the asset's own token may call its book functions.
    error AssetOnlyToken(uint256 assetId, address caller);
    error AssetParamsInvalid(string what);
    error AssetJurisdictionInvalid(uint16 jurisdiction);
    error AssetZeroAmount();
    /// @notice Amounts are kept in 112 bits (balances) and 104 bits (frozen amounts).
    error AssetAmountTooLarge(uint256 amount, uint256 max);
    error AssetNotPaused(uint256 assetId);
    error AssetAlreadyPaused(uint256 assetId);
    /// @notice A forced transfer needs two different wallets.
    error AssetSelfTransfer(uint256 assetId, address wallet);
    error AssetWalletFreezeUnchanged(uint256 assetId, address wallet, bool frozen);
    /// @notice The per-identity balance limit needs the books kept from creation on.
    error AssetMaxBalanceRuleNotKept(uint256 assetId);
    /// @notice Only the asset's issuer, while it holds the issuer role, may change it.
    error AssetNotIssuer(uint256 assetId, address caller);
    /// @notice Agents cannot take, burn or freeze what the diamond holds in custody.
    error AssetCustodyProtected(uint256 assetId);
}
