// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {IdentityStorage} from "../identity/IdentityStorage.sol";
import {LibIdentity} from "../identity/LibIdentity.sol";
import {AssetStorage} from "./AssetStorage.sol";
import {AssetToken} from "./AssetToken.sol";
import {IAsset} from "./IAsset.sol";
import {LibAsset} from "./LibAsset.sol";

/// @title Asset module facet: assets, their rules, agent powers, the tokens' book calls, recovery.
contract AssetFacet is IAsset {
    // ---------------------------------------------------------------- issuer

    /// @inheritdoc IAsset
    function createAsset(AssetParams calldata params) external returns (uint256 assetId, address token) {
        LibAccess.checkRole(AssetStorage.ASSET_ISSUER_ROLE);
        if (bytes(params.name).length == 0 || bytes(params.symbol).length == 0) revert AssetParamsInvalid("name");
        if (params.decimals > 18) revert AssetParamsInvalid("decimals");
        if (params.cap > AssetStorage.MAX_BALANCE) revert AssetAmountTooLarge(params.cap, AssetStorage.MAX_BALANCE);
        if (params.documentHash == bytes32(0)) revert AssetParamsInvalid("documentHash");

        AssetStorage.Layout storage $ = AssetStorage.layout();
        assetId = ++$.assetCount;
        token = Clones.cloneWithImmutableArgs(
            $.tokenImplementation,
            abi.encode(address(this), address(0), assetId, params.decimals, params.name, params.symbol)
        );
        AssetStorage.Asset storage a = $.assets[assetId];
        a.token = token;
        a.issuer = msg.sender;
        a.decimals = params.decimals;
        a.cap = params.cap;
        if (params.rules.maxBalancePerIdentity != 0) a.flags = AssetStorage.IDENTITY_BOOKS;
        emit AssetCreated(assetId, token, msg.sender, params.cap);
        _setDocument(assetId, a, params.documentHash, params.documentUri);
        _setRules(assetId, a, params.rules);
    }

    /// @inheritdoc IAsset
    function setAssetRules(uint256 assetId, AssetRules calldata rules) external {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        LibAsset.checkIssuer(assetId, a);
        if (rules.maxBalancePerIdentity != 0 && a.flags & AssetStorage.IDENTITY_BOOKS == 0) {
            revert AssetMaxBalanceRuleNotKept(assetId);
        }
        _setRules(assetId, a, rules);
    }

    /// @inheritdoc IAsset
    function setAssetDocument(uint256 assetId, bytes32 documentHash, string calldata documentUri) external {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        LibAsset.checkIssuer(assetId, a);
        if (documentHash == bytes32(0)) revert AssetParamsInvalid("documentHash");
        _setDocument(assetId, a, documentHash, documentUri);
    }

    // ---------------------------------------------------------------- agent

    /// @inheritdoc IAsset
    function mintAsset(uint256 assetId, address to, uint256 amount) external {
        LibAccess.checkRole(AssetStorage.ASSET_AGENT_ROLE);
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        if (amount == 0) revert AssetZeroAmount();
        LibAsset.enforce(assetId, a, LibAsset.Mode.Mint, msg.sender, address(0), to, amount);
        LibAsset.mint(assetId, a, to, amount);
        emit AssetMinted(assetId, to, amount, msg.sender);
    }

    /// @inheritdoc IAsset
    function burnAsset(uint256 assetId, address from, uint256 amount) external {
        LibAccess.checkRole(AssetStorage.ASSET_AGENT_ROLE);
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        _notCustody(assetId, from);
        if (amount == 0) revert AssetZeroAmount();
        LibAsset.burn(assetId, a, from, amount);
        emit AssetBurned(assetId, from, amount, msg.sender);
    }

    /// @inheritdoc IAsset
    function forcedAssetTransfer(uint256 assetId, address from, address to, uint256 amount) external {
        LibAccess.checkRole(AssetStorage.ASSET_AGENT_ROLE);
        _forcedTransfer(assetId, msg.sender, from, to, amount);
    }

    /// @inheritdoc IAsset
    function setAssetWalletFrozen(uint256 assetId, address wallet, bool frozen) external {
        LibAccess.checkRole(AssetStorage.ASSET_AGENT_ROLE);
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        _notCustody(assetId, wallet);
        AssetStorage.Holding storage h = a.holdings[wallet];
        if ((h.flags & AssetStorage.WALLET_FROZEN != 0) == frozen) {
            revert AssetWalletFreezeUnchanged(assetId, wallet, frozen);
        }
        h.flags ^= AssetStorage.WALLET_FROZEN;
        emit AssetWalletFrozen(assetId, wallet, frozen, msg.sender);
    }

    /// @inheritdoc IAsset
    function setAssetFrozenTokens(uint256 assetId, address wallet, uint256 amount) external {
        LibAccess.checkRole(AssetStorage.ASSET_AGENT_ROLE);
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        _notCustody(assetId, wallet);
        LibAsset.setFrozen(assetId, a, wallet, amount);
    }

    /// @inheritdoc IAsset
    function setAssetPaused(uint256 assetId, bool paused) external {
        LibAccess.checkRole(AssetStorage.ASSET_AGENT_ROLE);
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        bool current = a.flags & AssetStorage.PAUSED != 0;
        if (paused && current) revert AssetAlreadyPaused(assetId);
        if (!paused && !current) revert AssetNotPaused(assetId);
        a.flags ^= AssetStorage.PAUSED;
        emit AssetPaused(assetId, paused, msg.sender);
    }

    // ---------------------------------------------------------------- the token's calls

    /// @inheritdoc IAsset
    function assetTokenTransfer(uint256 assetId, address spender, address from, address to, uint256 amount) external {
        LibAsset.transfer(assetId, _fromToken(assetId), LibAsset.Mode.Transfer, spender, from, to, amount);
    }

    /// @inheritdoc IAsset
    function assetTokenForcedTransfer(
        uint256 assetId,
        address agent,
        address from,
        address to,
        uint256 amount
    ) external {
        _fromToken(assetId);
        _checkAgent(agent);
        _forcedTransfer(assetId, agent, from, to, amount);
    }

    /// @inheritdoc IAsset
    function assetTokenSetFrozen(uint256 assetId, address agent, address wallet, uint256 amount) external {
        AssetStorage.Asset storage a = _fromToken(assetId);
        _checkAgent(agent);
        _notCustody(assetId, wallet);
        LibAsset.setFrozen(assetId, a, wallet, amount);
    }

    // ---------------------------------------------------------------- recovery

    /// @inheritdoc IAsset
    /// @dev Visits every asset: its cost grows by about 2,200 gas per asset created.
    function assetRecoverWallet(address lost, address replacement) external {
        LibIdentity.checkRecovering(lost);
        AssetStorage.Layout storage $ = AssetStorage.layout();
        uint256 count = $.assetCount;
        for (uint256 assetId = 1; assetId <= count; ++assetId) {
            AssetStorage.Asset storage a = $.assets[assetId];
            AssetStorage.Holding memory h = a.holdings[lost];
            if (h.balance == 0 && h.frozen == 0 && h.flags == 0) continue;
            _recoverHolding(assetId, a, h, lost, replacement);
        }
    }

    // ---------------------------------------------------------------- internals

    function _recoverHolding(
        uint256 assetId,
        AssetStorage.Asset storage a,
        AssetStorage.Holding memory h,
        address lost,
        address replacement
    ) private {
        AssetStorage.Lock memory lock = a.locks[lost];
        LibAsset.transfer(assetId, a, LibAsset.Mode.Recovery, lost, lost, replacement, h.balance);
        LibAsset.emitTransfer(a, lost, replacement, h.balance);
        AssetStorage.Holding storage target = a.holdings[replacement];
        if (h.frozen != 0) LibAsset.setFrozen(assetId, a, replacement, target.frozen + h.frozen);
        target.flags |= h.flags & AssetStorage.WALLET_FROZEN;
        AssetStorage.Holding storage old = a.holdings[lost];
        old.flags = 0;
        if (old.frozen != 0) LibAsset.setFrozen(assetId, a, lost, 0);
        if (h.flags & AssetStorage.HAS_LOCK != 0) {
            delete a.locks[lost];
            LibAsset.lock(assetId, a, replacement, lock.amount, lock.until);
        }
        emit AssetWalletRecovered(assetId, lost, replacement);
    }

    function _forcedTransfer(uint256 assetId, address agent, address from, address to, uint256 amount) private {
        AssetStorage.Asset storage a = LibAsset.asset(assetId);
        _notCustody(assetId, from);
        if (from == to) revert AssetSelfTransfer(assetId, from);
        if (amount == 0) revert AssetZeroAmount();
        LibAsset.transfer(assetId, a, LibAsset.Mode.Forced, agent, from, to, amount);
        LibAsset.emitTransfer(a, from, to, amount);
        emit AssetForcedTransfer(assetId, from, to, amount, agent);
        AssetToken(a.token).emitForcedTransfer(from, to, amount);
    }

    /// @dev What the diamond holds belongs to its modules' books (pledged collateral, …):
    /// agents act on the holders, not on the custody.
    function _notCustody(uint256 assetId, address wallet) private view {
        if (LibAsset.isCustodian(wallet)) revert AssetCustodyProtected(assetId);
    }

    function _fromToken(uint256 assetId) private view returns (AssetStorage.Asset storage a) {
        a = LibAsset.asset(assetId);
        if (msg.sender != a.token) revert AssetOnlyToken(assetId, msg.sender);
    }

    function _checkAgent(address agent) private view {
        if (!LibAccess.hasRole(AssetStorage.ASSET_AGENT_ROLE, agent)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(agent, AssetStorage.ASSET_AGENT_ROLE);
        }
    }

    function _setDocument(
        uint256 assetId,
        AssetStorage.Asset storage a,
        bytes32 documentHash,
        string calldata documentUri
    ) private {
        a.documentHash = documentHash;
        a.documentUri = documentUri;
        emit AssetDocumentSet(assetId, documentHash, documentUri);
    }

    function _setRules(uint256 assetId, AssetStorage.Asset storage a, AssetRules calldata rules) private {
        uint256 count = rules.jurisdictions.length;
        if (count > AssetStorage.MAX_JURISDICTIONS) revert AssetParamsInvalid("jurisdictions");
        uint256 packed;
        for (uint256 i; i < count; ++i) {
            uint16 j = rules.jurisdictions[i];
            if (j == 0 || j > IdentityStorage.MAX_JURISDICTION) revert AssetJurisdictionInvalid(j);
            packed |= uint256(j) << (16 * i);
        }
        // Bit 0 would allow class 0, which no identity has.
        if (rules.investorClasses & 1 != 0) revert AssetParamsInvalid("investorClasses");
        a.jurisdictions = uint160(packed);
        a.jurisdictionCount = uint8(count);
        a.flags = count == 0 ? a.flags & ~AssetStorage.JURISDICTION_RULE : a.flags | AssetStorage.JURISDICTION_RULE;
        a.investorClasses = rules.investorClasses;
        a.maxHolders = rules.maxHolders;
        a.maxBalancePerIdentity = rules.maxBalancePerIdentity;
        a.lockupSeconds = rules.lockupSeconds;
        emit AssetRulesSet(
            assetId,
            rules.jurisdictions,
            rules.investorClasses,
            rules.maxHolders,
            rules.maxBalancePerIdentity,
            rules.lockupSeconds
        );
    }
}
