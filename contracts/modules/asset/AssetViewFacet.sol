// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IdentityStorage} from "../identity/IdentityStorage.sol";
import {LibIdentity} from "../identity/LibIdentity.sol";
import {AssetStorage} from "./AssetStorage.sol";
import {IAssetViews} from "./IAssetViews.sol";
import {LibAsset} from "./LibAsset.sol";

/// @title Asset module facet: views of assets, holdings, restrictions and books.
contract AssetViewFacet is IAssetViews {
    /// @inheritdoc IAssetViews
    function assetCount() external view returns (uint256) {
        return AssetStorage.layout().assetCount;
    }

    /// @inheritdoc IAssetViews
    function getAsset(uint256 assetId) external view returns (AssetView memory v) {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        v.token = a.token;
        v.issuer = a.issuer;
        v.paused = a.flags & AssetStorage.PAUSED != 0;
        v.decimals = a.decimals;
        v.totalSupply = a.totalSupply;
        v.cap = a.cap;
        v.holderCount = a.holderCount;
        v.snapshotId = a.snapshotId;
        v.documentHash = a.documentHash;
        v.documentUri = a.documentUri;
        uint256 count = a.jurisdictionCount;
        v.rules.jurisdictions = new uint16[](count);
        for (uint256 i; i < count; ++i) {
            v.rules.jurisdictions[i] = uint16(a.jurisdictions >> (16 * i));
        }
        v.rules.investorClasses = a.investorClasses;
        v.rules.maxHolders = a.maxHolders;
        v.rules.maxBalancePerIdentity = a.maxBalancePerIdentity;
        v.rules.lockupSeconds = a.lockupSeconds;
    }

    /// @inheritdoc IAssetViews
    function assetBalanceOf(uint256 assetId, address wallet) external view returns (uint256) {
        return AssetStorage.layout().assets[assetId].holdings[wallet].balance;
    }

    /// @inheritdoc IAssetViews
    function assetTotalSupply(uint256 assetId) external view returns (uint256) {
        return AssetStorage.layout().assets[assetId].totalSupply;
    }

    /// @inheritdoc IAssetViews
    function assetHolding(uint256 assetId, address wallet) external view returns (HoldingView memory v) {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        AssetStorage.Holding memory h = a.holdings[wallet];
        AssetStorage.Lock memory lock = a.locks[wallet];
        v.balance = h.balance;
        v.frozen = h.frozen;
        v.walletFrozen = h.flags & AssetStorage.WALLET_FROZEN != 0;
        if (lock.until > block.timestamp) {
            v.locked = lock.amount;
            v.lockedUntil = lock.until;
        }
        v.available = LibAsset.available(a, wallet, h);
    }

    /// @inheritdoc IAssetViews
    function assetIdentityBalance(uint256 assetId, bytes32 identityId) external view returns (uint256 total) {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        IdentityStorage.Layout storage ids = IdentityStorage.layout();
        IdentityStorage.Identity storage idn = ids.identities[identityId];
        if (a.flags & AssetStorage.IDENTITY_BOOKS != 0) return a.identityBalance[idn.ref];
        for (address wallet = idn.firstWallet; wallet != address(0); wallet = ids.wallets[wallet].next) {
            total += a.holdings[wallet].balance;
        }
    }

    /// @inheritdoc IAssetViews
    function assetTransferRestriction(
        uint256 assetId,
        address spender,
        address from,
        address to,
        uint256 amount
    ) external view returns (Restriction r) {
        (r, ) = LibAsset.check(LibAsset.asset(assetId), LibAsset.Mode.Transfer, spender, from, to, amount);
    }

    /// @inheritdoc IAssetViews
    function assetCanReceive(uint256 assetId, address wallet) external view returns (bool) {
        return LibAsset.receiverRestriction(LibAsset.asset(assetId), wallet) == Restriction.Success;
    }

    /// @inheritdoc IAssetViews
    function assetCanSend(uint256 assetId, address wallet) external view returns (bool) {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        // Releases from custody run while the asset is paused.
        if (LibAsset.isCustodian(wallet)) return true;
        if (a.flags & AssetStorage.PAUSED != 0) return false;
        return
            LibIdentity.code(LibIdentity.wallet(wallet)) == LibIdentity.VERIFIED &&
            a.holdings[wallet].flags & AssetStorage.WALLET_FROZEN == 0;
    }

    /// @inheritdoc IAssetViews
    function assetBalanceAt(uint256 assetId, address wallet, uint32 snapshotId) external view returns (uint256) {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        if (snapshotId == 0 || snapshotId > a.snapshotId) revert AssetSnapshotUnknown(assetId, snapshotId);
        return LibAsset.balanceAt(a, wallet, snapshotId);
    }

    /// @inheritdoc IAssetViews
    function assetBooks(address token) external view returns (uint256) {
        return AssetStorage.layout().books[token];
    }

    /// @inheritdoc IAssetViews
    function assetRestrictionMessage(Restriction reason) external pure returns (string memory) {
        if (reason == Restriction.Success) return "No restriction";
        if (reason == Restriction.Paused) return "Transfers of this asset are paused";
        if (reason == Restriction.InvalidReceiver) return "The receiver is the zero address";
        if (reason == Restriction.SenderNotVerified) return "The sender is not a verified investor";
        if (reason == Restriction.SenderFrozen) return "The sender's wallet is frozen";
        if (reason == Restriction.SpenderNotVerified) return "The spender is not a verified investor";
        if (reason == Restriction.SpenderFrozen) return "The spender's wallet is frozen";
        if (reason == Restriction.ReceiverNotVerified) return "The receiver is not a verified investor";
        if (reason == Restriction.ReceiverFrozen) return "The receiver's wallet is frozen";
        if (reason == Restriction.JurisdictionNotAllowed) return "The receiver's jurisdiction is not allowed";
        if (reason == Restriction.ClassNotAllowed) return "The receiver's investor class is not allowed";
        if (reason == Restriction.InsufficientBalance) return "The sender's balance is too low";
        if (reason == Restriction.BalanceFrozenOrLocked) return "The amount exceeds the sender's free balance";
        if (reason == Restriction.MaxHoldersReached) return "The asset has reached its maximum number of holders";
        if (reason == Restriction.MaxBalanceExceeded) return "The receiver would exceed the maximum per investor";
        return "The amount would exceed the asset's cap";
    }
}
