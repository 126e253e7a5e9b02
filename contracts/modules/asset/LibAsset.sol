// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {DiamondToken} from "../../tokens/DiamondToken.sol";
import {IIdentity} from "../identity/IIdentity.sol";
import {IdentityStorage} from "../identity/IdentityStorage.sol";
import {LibIdentity} from "../identity/LibIdentity.sol";
import {AssetStorage} from "./AssetStorage.sol";
import {AssetToken} from "./AssetToken.sol";
import {IAssetOffering} from "./IAssetOffering.sol";
import {IAssetTypes} from "./IAssetTypes.sol";

/// @title The asset module's books and its one compliance check, shared by its facets.
/// @dev Every movement goes through `check` then `move` (or `mint` / `burn`), so transfers,
/// agent actions, offering deliveries and recovery apply the same rules and keep the same
/// books: holdings, holders per identity, per-identity balances, snapshot checkpoints.
library LibAsset {
    using SafeERC20 for IERC20;

    /// @dev What kind of movement `check` judges.
    enum Mode {
        /// A holder's transfer or transferFrom: every rule.
        Transfer,
        /// A mint: no sender; the cap.
        Mint,
        /// An agent's forced transfer or a recovery: the sender's state and the pause do not
        /// count, frozen and locked tokens move.
        Forced
    }

    uint256 private constant BALANCE_BITS = 112;

    // ---------------------------------------------------------------- lookups

    function asset(uint256 assetId) internal view returns (AssetStorage.Asset storage a) {
        a = AssetStorage.layout().assets[assetId];
        if (a.token == address(0)) revert IAssetTypes.AssetUnknown(assetId);
    }

    /// @dev Only the asset's issuer manages it, and only while it holds the issuer role.
    function checkIssuer(uint256 assetId, AssetStorage.Asset storage a) internal view {
        if (msg.sender != a.issuer || !LibAccess.hasRole(AssetStorage.ASSET_ISSUER_ROLE, msg.sender)) {
            revert IAssetTypes.AssetNotIssuer(assetId, msg.sender);
        }
    }

    /// @dev The diamond itself holds tokens for its modules (lending collateral, …) without
    /// an identity; tokens leave it only through movements that check their receiver.
    function isCustodian(address account) internal view returns (bool) {
        return account == address(this);
    }

    // ---------------------------------------------------------------- the compliance check

    /// @dev Why moving `amount` from `from` to `to` by `spender` would be refused, and the
    /// account concerned; `Success` when it would pass. A view: the movement functions
    /// revert with its answer, and the ERC-1404 / ERC-7943 views return it.
    function check(
        AssetStorage.Asset storage a,
        Mode mode,
        address spender,
        address from,
        address to,
        uint256 amount
    ) internal view returns (IAssetTypes.Restriction, address) {
        if (mode == Mode.Transfer && a.flags & AssetStorage.PAUSED != 0) {
            return (IAssetTypes.Restriction.Paused, address(0));
        }
        if (to == address(0)) return (IAssetTypes.Restriction.InvalidReceiver, to);
        AssetStorage.Holding memory fromHolding;
        if (mode != Mode.Mint) {
            fromHolding = loadHolding(a, from);
            if (mode == Mode.Transfer && !isCustodian(from)) {
                if (!_verified(from)) return (IAssetTypes.Restriction.SenderNotVerified, from);
                if (fromHolding.flags & AssetStorage.WALLET_FROZEN != 0) {
                    return (IAssetTypes.Restriction.SenderFrozen, from);
                }
            }
            if (mode == Mode.Transfer && spender != from && !isCustodian(spender)) {
                if (!_verified(spender)) return (IAssetTypes.Restriction.SpenderNotVerified, spender);
                if (a.holdings[spender].flags & AssetStorage.WALLET_FROZEN != 0) {
                    return (IAssetTypes.Restriction.SpenderFrozen, spender);
                }
            }
        }
        IAssetTypes.Restriction r = receiverRestriction(a, to);
        if (r != IAssetTypes.Restriction.Success) return (r, to);
        if (mode != Mode.Mint) {
            if (fromHolding.balance < amount) return (IAssetTypes.Restriction.InsufficientBalance, from);
            if (mode == Mode.Transfer && available(a, from, fromHolding) < amount) {
                return (IAssetTypes.Restriction.BalanceFrozenOrLocked, from);
            }
        }
        r = _identityLimits(a, mode, from, to, amount, fromHolding.balance);
        if (r != IAssetTypes.Restriction.Success) return (r, to);
        if (mode == Mode.Mint && a.cap != 0 && a.totalSupply + amount > a.cap) {
            return (IAssetTypes.Restriction.CapExceeded, address(0));
        }
        return (IAssetTypes.Restriction.Success, address(0));
    }

    /// @dev Reverts with `check`'s answer unless it is `Success`.
    function enforce(
        uint256 assetId,
        AssetStorage.Asset storage a,
        Mode mode,
        address spender,
        address from,
        address to,
        uint256 amount
    ) internal view {
        (IAssetTypes.Restriction r, address account) = check(a, mode, spender, from, to, amount);
        if (r != IAssetTypes.Restriction.Success) revert IAssetTypes.AssetTransferRestricted(assetId, r, account);
    }

    /// @dev Whether `to` may receive the asset: verified, not frozen, its jurisdiction and
    /// class allowed. The custodian always may.
    function receiverRestriction(
        AssetStorage.Asset storage a,
        address to
    ) internal view returns (IAssetTypes.Restriction) {
        if (isCustodian(to)) return IAssetTypes.Restriction.Success;
        IdentityStorage.Wallet memory w = LibIdentity.wallet(to);
        if (LibIdentity.code(w) != IIdentity.IdentityCode.Verified) {
            return IAssetTypes.Restriction.ReceiverNotVerified;
        }
        if (a.holdings[to].flags & AssetStorage.WALLET_FROZEN != 0) return IAssetTypes.Restriction.ReceiverFrozen;
        uint8 flags = a.flags;
        if (flags & AssetStorage.JURISDICTION_RULE != 0 && !_jurisdictionAllowed(a, w.jurisdiction)) {
            return IAssetTypes.Restriction.JurisdictionNotAllowed;
        }
        uint16 classes = a.investorClasses;
        if (classes != 0 && (classes >> w.investorClass) & 1 == 0) return IAssetTypes.Restriction.ClassNotAllowed;
        return IAssetTypes.Restriction.Success;
    }

    /// @dev What `wallet` may move by itself: balance − frozen − locked (while locked).
    function available(
        AssetStorage.Asset storage a,
        address wallet,
        AssetStorage.Holding memory h
    ) internal view returns (uint256 free) {
        uint256 held = h.frozen;
        if (h.flags & AssetStorage.HAS_LOCK != 0) {
            AssetStorage.Lock memory walletLock = a.locks[wallet];
            if (walletLock.until > block.timestamp) held += walletLock.amount;
        }
        return h.balance > held ? h.balance - held : 0;
    }

    // ---------------------------------------------------------------- book moves

    /// @dev Moves `amount` from `from` to `to` in the books (checked by the caller). A
    /// forced move takes frozen tokens last and lowers the frozen amount to what is left.
    /// The token emits `Transfer` for its own transfers; other callers call `emitTransfer`.
    function move(uint256 assetId, AssetStorage.Asset storage a, address from, address to, uint256 amount) internal {
        // A holder's transfer to itself changes nothing.
        if (from == to) return;
        AssetStorage.Holding memory f = loadHolding(a, from);
        AssetStorage.Holding memory t = loadHolding(a, to);
        uint32 snapshotId = a.snapshotId;
        if (f.checkpointed < snapshotId) _checkpoint(a, from, f, snapshotId);
        if (t.checkpointed < snapshotId) _checkpoint(a, to, t, snapshotId);
        bool fromLeaves = f.balance == amount && amount != 0;
        bool toJoins = t.balance == 0 && amount != 0;
        unchecked {
            // The check refused amount > balance; the receiver's balance stays below the supply.
            f.balance -= uint112(amount);
            t.balance += uint112(amount);
        }
        if (f.frozen > f.balance) _setFrozen(assetId, a, from, f, f.balance);
        storeHolding(a, from, f);
        storeHolding(a, to, t);
        _identityBooks(assetId, a, from, to, amount, fromLeaves, toJoins);
    }

    /// @dev Has the asset's token emit `Transfer` for a movement the diamond booked itself.
    function emitTransfer(AssetStorage.Asset storage a, address from, address to, uint256 amount) internal {
        DiamondToken(a.token).emitTransfer(from, to, amount);
    }

    function mint(uint256 assetId, AssetStorage.Asset storage a, address to, uint256 amount) internal {
        if (a.totalSupply + amount > AssetStorage.MAX_BALANCE) {
            revert IAssetTypes.AssetAmountTooLarge(a.totalSupply + amount, AssetStorage.MAX_BALANCE);
        }
        AssetStorage.Holding memory t = loadHolding(a, to);
        uint32 snapshotId = a.snapshotId;
        if (t.checkpointed < snapshotId) _checkpoint(a, to, t, snapshotId);
        bool toJoins = t.balance == 0;
        unchecked {
            // Below MAX_BALANCE, checked above.
            t.balance += uint112(amount);
            a.totalSupply += uint128(amount);
        }
        storeHolding(a, to, t);
        _identityBooks(assetId, a, address(0), to, amount, false, toJoins);
        DiamondToken(a.token).emitTransfer(address(0), to, amount);
    }

    /// @dev Burns `amount` of `from` (frozen tokens last; the frozen amount drops to what is left).
    function burn(uint256 assetId, AssetStorage.Asset storage a, address from, uint256 amount) internal {
        AssetStorage.Holding memory f = loadHolding(a, from);
        if (f.balance < amount) {
            revert IAssetTypes.AssetTransferRestricted(assetId, IAssetTypes.Restriction.InsufficientBalance, from);
        }
        uint32 snapshotId = a.snapshotId;
        if (f.checkpointed < snapshotId) _checkpoint(a, from, f, snapshotId);
        bool fromLeaves = f.balance == amount;
        unchecked {
            // Checked above; the supply is at least any balance.
            f.balance -= uint112(amount);
            a.totalSupply -= uint128(amount);
        }
        if (f.frozen > f.balance) _setFrozen(assetId, a, from, f, f.balance);
        storeHolding(a, from, f);
        _identityBooks(assetId, a, from, address(0), amount, fromLeaves, false);
        DiamondToken(a.token).emitTransfer(from, address(0), amount);
    }

    function setFrozen(uint256 assetId, AssetStorage.Asset storage a, address wallet, uint256 amount) internal {
        if (amount > AssetStorage.MAX_FROZEN) revert IAssetTypes.AssetAmountTooLarge(amount, AssetStorage.MAX_FROZEN);
        AssetStorage.Holding memory h = loadHolding(a, wallet);
        _setFrozen(assetId, a, wallet, h, amount);
        storeHolding(a, wallet, h);
    }

    /// @dev Locks `amount` more of `wallet`'s tokens until at least `until`.
    function lock(
        uint256 assetId,
        AssetStorage.Asset storage a,
        address wallet,
        uint256 amount,
        uint40 until
    ) internal {
        if (until <= block.timestamp || amount == 0) return;
        AssetStorage.Lock storage current = a.locks[wallet];
        bool running = current.until > block.timestamp;
        uint128 total = running ? current.amount + uint128(amount) : uint128(amount);
        if (until > current.until || !running) current.until = until;
        current.amount = total;
        a.holdings[wallet].flags |= AssetStorage.HAS_LOCK;
        emit IAssetTypes.AssetLocked(assetId, wallet, total, current.until);
    }

    /// @dev Starts a new snapshot (a distribution's record time) and records the supply.
    function snapshot(uint256 assetId, AssetStorage.Asset storage a) internal returns (uint32 snapshotId) {
        snapshotId = ++a.snapshotId;
        a.supplyAt[snapshotId] = a.totalSupply;
        emit IAssetTypes.AssetSnapshot(assetId, snapshotId);
    }

    /// @dev `wallet`'s balance at `snapshotId`: the first checkpoint at or after it, else now.
    function balanceAt(
        AssetStorage.Asset storage a,
        address wallet,
        uint32 snapshotId
    ) internal view returns (uint256) {
        uint256[] storage cps = a.checkpoints[wallet];
        uint256 low;
        uint256 high = cps.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (cps[mid] >> BALANCE_BITS < snapshotId) low = mid + 1;
            else high = mid;
        }
        if (low == cps.length) return a.holdings[wallet].balance;
        return cps[low] & type(uint112).max;
    }

    /// @dev `wallet`'s holding in one storage read (Solidity would read once per field).
    function loadHolding(
        AssetStorage.Asset storage a,
        address wallet
    ) internal view returns (AssetStorage.Holding memory h) {
        AssetStorage.Holding storage stored = a.holdings[wallet];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(stored.slot)
        }
        // The fields from the lowest bits up, as Solidity packs `AssetStorage.Holding`.
        h.balance = uint112(word);
        h.frozen = uint104(word >> 112);
        h.checkpointed = uint32(word >> 216);
        h.flags = uint8(word >> 248);
    }

    /// @dev Writes `h` as `wallet`'s holding in one storage write.
    function storeHolding(AssetStorage.Asset storage a, address wallet, AssetStorage.Holding memory h) internal {
        AssetStorage.Holding storage stored = a.holdings[wallet];
        uint256 word =
            uint256(h.balance) |
                (uint256(h.frozen) << 112) |
                (uint256(h.checkpointed) << 216) |
                (uint256(h.flags) << 248);
        assembly ("memory-safe") {
            sstore(stored.slot, word)
        }
    }

    // ---------------------------------------------------------------- payment tokens

    /// @dev Pulls exactly `amount` of `token` from `from` into the books; a token that
    /// delivers less (a transfer fee) is refused.
    function pullExact(address token, address from, uint256 amount) internal {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert IAssetOffering.AssetPaymentShortfall(token, amount, received);
        AssetStorage.layout().books[token] += amount;
    }

    /// @dev Pays `amount` of `token` out of the books; reverts when the token refuses.
    function pay(address token, address to, uint256 amount) internal {
        AssetStorage.layout().books[token] -= amount;
        IERC20(token).safeTransfer(to, amount);
    }

    /// @dev Pays `amount` out of the books unless the token refuses (reverts, returns false,
    /// or `to` is blocklisted): then the books keep it and this returns false.
    function tryPay(address token, address to, uint256 amount) internal returns (bool paid) {
        AssetStorage.layout().books[token] -= amount;
        paid = IERC20(token).trySafeTransfer(to, amount);
        if (!paid) AssetStorage.layout().books[token] += amount;
    }

    /// @dev The wallet a (possibly lost) wallet's tokens and money go to now.
    function successor(address wallet) internal view returns (address) {
        address next = LibIdentity.recoveredTo(wallet);
        while (next != address(0)) {
            wallet = next;
            next = LibIdentity.recoveredTo(wallet);
        }
        return wallet;
    }

    // ---------------------------------------------------------------- internals

    function _verified(address wallet) private view returns (bool) {
        return LibIdentity.code(LibIdentity.wallet(wallet)) == IIdentity.IdentityCode.Verified;
    }

    function _jurisdictionAllowed(AssetStorage.Asset storage a, uint16 jurisdiction) private view returns (bool) {
        uint256 packed = a.jurisdictions;
        uint256 count = a.jurisdictionCount;
        for (uint256 i; i < count; ++i) {
            if (uint16(packed >> (16 * i)) == jurisdiction) return true;
        }
        return false;
    }

    /// @dev The holder-count and per-identity-balance rules for the receiver.
    function _identityLimits(
        AssetStorage.Asset storage a,
        Mode mode,
        address from,
        address to,
        uint256 amount,
        uint256 fromBalance
    ) private view returns (IAssetTypes.Restriction) {
        if (isCustodian(to)) return IAssetTypes.Restriction.Success;
        uint64 toRef = LibIdentity.wallet(to).ref;
        uint64 fromRef = mode == Mode.Mint ? 0 : LibIdentity.wallet(from).ref;
        if (toRef == fromRef) return IAssetTypes.Restriction.Success;
        // Word 1 (the holder limit) is read only for a receiver that holds nothing yet.
        if (a.holdings[to].balance == 0 && a.walletsHolding[toRef] == 0) {
            uint32 maxHolders = a.maxHolders;
            bool fromLeaves = fromRef != 0 && fromBalance == amount && a.walletsHolding[fromRef] == 1;
            if (maxHolders != 0 && a.holderCount >= maxHolders && !fromLeaves) {
                return IAssetTypes.Restriction.MaxHoldersReached;
            }
        }
        if (a.flags & AssetStorage.IDENTITY_BOOKS != 0) {
            uint128 maxBalance = a.maxBalancePerIdentity;
            if (maxBalance != 0 && a.identityBalance[toRef] + amount > maxBalance) {
                return IAssetTypes.Restriction.MaxBalanceExceeded;
            }
        }
        return IAssetTypes.Restriction.Success;
    }

    /// @dev Holders per identity and per-identity balances after a move. The custodian and
    /// the zero address have no identity (ref 0) and count for nothing.
    function _identityBooks(
        uint256 assetId,
        AssetStorage.Asset storage a,
        address from,
        address to,
        uint256 amount,
        bool fromLeaves,
        bool toJoins
    ) private {
        uint64 fromRef = from == address(0) || isCustodian(from) ? 0 : LibIdentity.wallet(from).ref;
        uint64 toRef = to == address(0) || isCustodian(to) ? 0 : LibIdentity.wallet(to).ref;
        uint32 holders = a.holderCount;
        if (fromLeaves && fromRef != 0 && --a.walletsHolding[fromRef] == 0) --holders;
        if (toJoins && toRef != 0 && a.walletsHolding[toRef]++ == 0) ++holders;
        if (holders != a.holderCount) {
            a.holderCount = holders;
            emit IAssetTypes.AssetHolderCountChanged(assetId, holders);
        }
        if (fromRef != toRef && a.flags & AssetStorage.IDENTITY_BOOKS != 0) {
            if (fromRef != 0) a.identityBalance[fromRef] -= amount;
            if (toRef != 0) a.identityBalance[toRef] += amount;
        }
    }

    function _checkpoint(
        AssetStorage.Asset storage a,
        address wallet,
        AssetStorage.Holding memory h,
        uint32 snapshotId
    ) private {
        a.checkpoints[wallet].push((uint256(snapshotId) << BALANCE_BITS) | h.balance);
        h.checkpointed = snapshotId;
    }

    function _setFrozen(
        uint256 assetId,
        AssetStorage.Asset storage a,
        address wallet,
        AssetStorage.Holding memory h,
        uint256 amount
    ) private {
        h.frozen = uint104(amount);
        emit IAssetTypes.AssetTokensFrozen(assetId, wallet, amount);
        AssetToken(a.token).emitFrozen(wallet, amount);
    }
}
