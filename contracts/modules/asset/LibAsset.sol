// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {DiamondToken} from "../../tokens/DiamondToken.sol";
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
        /// An agent's forced transfer: the sender's state and the pause do not count, frozen
        /// and locked tokens move; the receiver must be eligible.
        Forced,
        /// A wallet recovery: as forced, but the receiver (a wallet of the same identity)
        /// need only be verified: the rules that limit who may hold judged this holding
        /// already, and recovering it changes no holder.
        Recovery
    }

    uint256 private constant BALANCE_BITS = 112;
    uint256 private constant BALANCE_MASK = type(uint112).max;
    uint256 private constant FROZEN_SHIFT = 112;
    uint256 private constant FROZEN_MASK = type(uint104).max;
    uint256 private constant CHECKPOINT_SHIFT = 216;
    uint256 private constant FLAGS_SHIFT = 248;

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
    /// account concerned; `Success` when it would pass. The movement functions revert with
    /// its answer, and the ERC-1404 / ERC-7943 views return it.
    function check(
        AssetStorage.Asset storage a,
        Mode mode,
        address spender,
        address from,
        address to,
        uint256 amount
    ) internal view returns (IAssetTypes.Restriction r, address account) {
        (r, account, ) = _check(a, mode, spender, from, to, amount);
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
        (IAssetTypes.Restriction r, address account, ) = _check(a, mode, spender, from, to, amount);
        if (r != IAssetTypes.Restriction.Success) revert IAssetTypes.AssetTransferRestricted(assetId, r, account);
    }

    /// @dev Checks and books a movement in one pass: the words the check reads are the
    /// ones the booking writes (a holder's transfer, a forced transfer).
    function transfer(
        uint256 assetId,
        AssetStorage.Asset storage a,
        Mode mode,
        address spender,
        address from,
        address to,
        uint256 amount
    ) internal {
        (IAssetTypes.Restriction r, address account, Parties memory p) = _check(a, mode, spender, from, to, amount);
        if (r != IAssetTypes.Restriction.Success) revert IAssetTypes.AssetTransferRestricted(assetId, r, account);
        _move(assetId, a, from, to, amount, p);
    }

    /// @dev Whether `to` may receive the asset: verified, not frozen, its jurisdiction and
    /// class allowed. The custodian receives only what its modules pull, never a transfer.
    function receiverRestriction(
        AssetStorage.Asset storage a,
        address to
    ) internal view returns (IAssetTypes.Restriction) {
        if (isCustodian(to)) return IAssetTypes.Restriction.ReceiverNotVerified;
        return _receiverRule(a, a.flags, LibIdentity.walletWord(to), _load(a, to));
    }

    /// @dev What `wallet` may move by itself: balance − frozen − locked (while locked).
    function available(
        AssetStorage.Asset storage a,
        address wallet,
        AssetStorage.Holding memory h
    ) internal view returns (uint256) {
        return _available(a, wallet, _pack(h));
    }

    // ---------------------------------------------------------------- book moves

    /// @dev Has the asset's token emit `Transfer` for a movement the diamond booked itself.
    function emitTransfer(AssetStorage.Asset storage a, address from, address to, uint256 amount) internal {
        DiamondToken(a.token).emitTransfer(from, to, amount);
    }

    /// @dev Mints `amount` to `to` (checked by the caller) and emits the token's `Transfer`.
    function mint(uint256 assetId, AssetStorage.Asset storage a, address to, uint256 amount) internal {
        uint256 supply = a.totalSupply + amount;
        if (supply > AssetStorage.MAX_BALANCE) revert IAssetTypes.AssetAmountTooLarge(supply, AssetStorage.MAX_BALANCE);
        uint256 t = _checkpointed(a, to, _load(a, to), a.snapshotId);
        bool toJoins = t & BALANCE_MASK == 0;
        // Below MAX_BALANCE, checked above: the balance bits cannot carry into the next field.
        _store(a, to, t + amount);
        a.totalSupply = uint128(supply);
        _identityBooks(assetId, a, 0, _refOf(to), amount, false, toJoins);
        emitTransfer(a, address(0), to, amount);
    }

    /// @dev Burns `amount` of `from` (frozen tokens last; the frozen amount drops to what is
    /// left) and emits the token's `Transfer`.
    function burn(uint256 assetId, AssetStorage.Asset storage a, address from, uint256 amount) internal {
        uint256 f = _load(a, from);
        uint256 balance = f & BALANCE_MASK;
        if (balance < amount) {
            revert IAssetTypes.AssetTransferRestricted(assetId, IAssetTypes.Restriction.InsufficientBalance, from);
        }
        f = _checkpointed(a, from, f, a.snapshotId);
        unchecked {
            // Checked above; the supply is at least any balance.
            f = _capFrozen(assetId, a, from, f - amount, balance - amount);
            a.totalSupply -= uint128(amount);
        }
        _store(a, from, f);
        _identityBooks(assetId, a, _refOf(from), 0, amount, balance == amount, false);
        emitTransfer(a, from, address(0), amount);
    }

    /// @dev Sets `wallet`'s frozen amount (ERC-7943: may exceed its balance).
    function setFrozen(uint256 assetId, AssetStorage.Asset storage a, address wallet, uint256 amount) internal {
        if (amount > AssetStorage.MAX_FROZEN) revert IAssetTypes.AssetAmountTooLarge(amount, AssetStorage.MAX_FROZEN);
        _store(a, wallet, _withFrozen(assetId, a, wallet, _load(a, wallet), amount));
    }

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

    /// @dev Starts a new snapshot (a distribution's record time): balances are checkpointed
    /// when they next change, so this costs the same whatever the number of holders.
    function snapshot(uint256 assetId, AssetStorage.Asset storage a) internal returns (uint32 snapshotId) {
        snapshotId = ++a.snapshotId;
        emit IAssetTypes.AssetSnapshot(assetId, snapshotId);
    }

    /// @dev `wallet`'s balance at `snapshotId`: the current one when it has not changed
    /// since (one read), else the first checkpoint at or after it.
    function balanceAt(
        AssetStorage.Asset storage a,
        address wallet,
        uint32 snapshotId
    ) internal view returns (uint256) {
        uint256 holding = _load(a, wallet);
        if (uint32(holding >> CHECKPOINT_SHIFT) < snapshotId) return holding & BALANCE_MASK;
        uint256[] storage cps = a.checkpoints[wallet];
        uint256 low;
        uint256 high = cps.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (cps[mid] >> BALANCE_BITS < snapshotId) low = mid + 1;
            else high = mid;
        }
        // The holding was checkpointed at or after `snapshotId`, so there is such a checkpoint
        // (for a snapshot id the asset has taken; the views refuse any other).
        return low < cps.length ? cps[low] & BALANCE_MASK : holding & BALANCE_MASK;
    }

    /// @dev `wallet`'s holding in one storage read (Solidity would read once per field).
    function loadHolding(
        AssetStorage.Asset storage a,
        address wallet
    ) internal view returns (AssetStorage.Holding memory h) {
        uint256 word = _load(a, wallet);
        h.balance = uint112(word);
        h.frozen = uint104(word >> FROZEN_SHIFT);
        h.checkpointed = uint32(word >> CHECKPOINT_SHIFT);
        h.flags = uint8(word >> FLAGS_SHIFT);
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

    /// @dev The words a movement reads, loaded once by the check and reused by the booking.
    struct Parties {
        uint256 fromHolding;
        uint256 toHolding;
        /// Identity numbers; 0 for the zero address and the custodian.
        uint64 fromRef;
        uint64 toRef;
    }

    function _check(
        AssetStorage.Asset storage a,
        Mode mode,
        address spender,
        address from,
        address to,
        uint256 amount
    ) private view returns (IAssetTypes.Restriction, address, Parties memory p) {
        uint8 flags = a.flags;
        // Releases from custody (collateral back to its owner, a liquidation) run while paused.
        if (mode == Mode.Transfer && flags & AssetStorage.PAUSED != 0 && !isCustodian(from)) {
            return (IAssetTypes.Restriction.Paused, address(0), p);
        }
        if (to == address(0)) return (IAssetTypes.Restriction.InvalidReceiver, to, p);
        if (mode != Mode.Mint) {
            p.fromHolding = _load(a, from);
            IAssetTypes.Restriction r = _senderRule(a, mode, spender, from, p);
            if (r != IAssetTypes.Restriction.Success) {
                return (r, r < IAssetTypes.Restriction.SpenderNotVerified ? from : spender, p);
            }
        }
        IAssetTypes.Restriction receiver = _receiverSide(a, flags, mode, spender, to, p);
        if (receiver != IAssetTypes.Restriction.Success) return (receiver, to, p);
        if (mode != Mode.Mint) {
            if (p.fromHolding & BALANCE_MASK < amount) return (IAssetTypes.Restriction.InsufficientBalance, from, p);
            if (mode == Mode.Transfer && _available(a, from, p.fromHolding) < amount) {
                return (IAssetTypes.Restriction.BalanceFrozenOrLocked, from, p);
            }
        }
        // A release from custody returns tokens that counted before they were pledged (or goes
        // to the buyer a module chose): the holder and per-identity limits judge holders' moves.
        if (!isCustodian(from)) {
            IAssetTypes.Restriction limit = _identityLimits(a, flags, p, amount);
            if (limit != IAssetTypes.Restriction.Success) return (limit, to, p);
        }
        if (mode == Mode.Mint) {
            uint256 cap = a.cap;
            if (cap != 0 && a.totalSupply + amount > cap) return (IAssetTypes.Restriction.CapExceeded, address(0), p);
        }
        return (IAssetTypes.Restriction.Success, address(0), p);
    }

    /// @dev The sender's and the spender's rules; records the sender's identity number.
    function _senderRule(
        AssetStorage.Asset storage a,
        Mode mode,
        address spender,
        address from,
        Parties memory p
    ) private view returns (IAssetTypes.Restriction) {
        if (!isCustodian(from)) {
            uint256 word = LibIdentity.walletWord(from);
            p.fromRef = LibIdentity.refOf(word);
            if (mode == Mode.Transfer) {
                if (!LibIdentity.isVerifiedWord(word)) return IAssetTypes.Restriction.SenderNotVerified;
                if ((p.fromHolding >> FLAGS_SHIFT) & AssetStorage.WALLET_FROZEN != 0) {
                    return IAssetTypes.Restriction.SenderFrozen;
                }
            }
        }
        if (mode == Mode.Transfer && spender != from && !isCustodian(spender)) {
            if (!LibIdentity.isVerifiedWord(LibIdentity.walletWord(spender))) {
                return IAssetTypes.Restriction.SpenderNotVerified;
            }
            if ((_load(a, spender) >> FLAGS_SHIFT) & AssetStorage.WALLET_FROZEN != 0) {
                return IAssetTypes.Restriction.SpenderFrozen;
            }
        }
        return IAssetTypes.Restriction.Success;
    }

    /// @dev Who may receive in this movement; records the receiver's holding and identity number.
    function _receiverSide(
        AssetStorage.Asset storage a,
        uint8 flags,
        Mode mode,
        address spender,
        address to,
        Parties memory p
    ) private view returns (IAssetTypes.Restriction) {
        p.toHolding = _load(a, to);
        if (isCustodian(to)) {
            // Only the diamond's own modules put tokens in custody (they pull them, e.g. a
            // pledge): a token sent to the diamond any other way would be accounted by none.
            bool pulled = spender == to && mode == Mode.Transfer;
            return pulled ? IAssetTypes.Restriction.Success : IAssetTypes.Restriction.ReceiverNotVerified;
        }
        uint256 word = LibIdentity.walletWord(to);
        p.toRef = LibIdentity.refOf(word);
        if (mode != Mode.Recovery) return _receiverRule(a, flags, word, p.toHolding);
        return
            LibIdentity.isVerifiedWord(word)
                ? IAssetTypes.Restriction.Success
                : IAssetTypes.Restriction.ReceiverNotVerified;
    }

    /// @dev The receiver's rules from its identity word and its holding word.
    function _receiverRule(
        AssetStorage.Asset storage a,
        uint8 flags,
        uint256 word,
        uint256 holding
    ) private view returns (IAssetTypes.Restriction) {
        if (!LibIdentity.isVerifiedWord(word)) return IAssetTypes.Restriction.ReceiverNotVerified;
        if ((holding >> FLAGS_SHIFT) & AssetStorage.WALLET_FROZEN != 0) return IAssetTypes.Restriction.ReceiverFrozen;
        if (flags & AssetStorage.JURISDICTION_RULE != 0) {
            uint256 jurisdiction = LibIdentity.jurisdictionOf(word);
            uint256 packed = a.jurisdictions;
            uint256 count = a.jurisdictionCount;
            bool allowed;
            for (uint256 i; i < count; ++i) {
                if ((packed >> (16 * i)) & 0xffff == jurisdiction) {
                    allowed = true;
                    break;
                }
            }
            if (!allowed) return IAssetTypes.Restriction.JurisdictionNotAllowed;
        }
        uint256 classes = a.investorClasses;
        if (classes != 0 && (classes >> LibIdentity.classOf(word)) & 1 == 0) {
            return IAssetTypes.Restriction.ClassNotAllowed;
        }
        return IAssetTypes.Restriction.Success;
    }

    /// @dev The holder-count and per-identity-balance rules for the receiver's identity.
    function _identityLimits(
        AssetStorage.Asset storage a,
        uint8 flags,
        Parties memory p,
        uint256 amount
    ) private view returns (IAssetTypes.Restriction) {
        uint64 toRef = p.toRef;
        // The custodian, a move between two wallets of one identity, or nothing moving.
        if (toRef == 0 || toRef == p.fromRef || amount == 0) return IAssetTypes.Restriction.Success;
        // Word 1 (the holder limit) is read only for a receiver whose identity holds nothing.
        if (p.toHolding & BALANCE_MASK == 0 && a.walletsHolding[toRef] == 0) {
            uint32 maxHolders = a.maxHolders;
            if (maxHolders != 0 && a.holderCount >= maxHolders) {
                uint64 fromRef = p.fromRef;
                bool fromLeaves =
                    fromRef != 0 && p.fromHolding & BALANCE_MASK == amount && a.walletsHolding[fromRef] == 1;
                if (!fromLeaves) return IAssetTypes.Restriction.MaxHoldersReached;
            }
        }
        if (flags & AssetStorage.IDENTITY_BOOKS != 0) {
            uint256 maxBalance = a.maxBalancePerIdentity;
            if (maxBalance != 0 && a.identityBalance[toRef] + amount > maxBalance) {
                return IAssetTypes.Restriction.MaxBalanceExceeded;
            }
        }
        return IAssetTypes.Restriction.Success;
    }

    function _available(AssetStorage.Asset storage a, address wallet, uint256 holding) private view returns (uint256) {
        uint256 held = (holding >> FROZEN_SHIFT) & FROZEN_MASK;
        if ((holding >> FLAGS_SHIFT) & AssetStorage.HAS_LOCK != 0) {
            AssetStorage.Lock memory walletLock = a.locks[wallet];
            if (walletLock.until > block.timestamp) held += walletLock.amount;
        }
        uint256 balance = holding & BALANCE_MASK;
        return balance > held ? balance - held : 0;
    }

    function _move(
        uint256 assetId,
        AssetStorage.Asset storage a,
        address from,
        address to,
        uint256 amount,
        Parties memory p
    ) private {
        // A holder's transfer to itself changes nothing.
        if (from == to) return;
        uint256 snapshotId = a.snapshotId;
        uint256 f = _checkpointed(a, from, p.fromHolding, snapshotId);
        uint256 t = _checkpointed(a, to, p.toHolding, snapshotId);
        uint256 fromBalance = f & BALANCE_MASK;
        uint256 toBalance = t & BALANCE_MASK;
        unchecked {
            // The check refused amount > balance, and no balance exceeds the supply (< 2^112):
            // the balance bits neither borrow from nor carry into the next field.
            f = _capFrozen(assetId, a, from, f - amount, fromBalance - amount);
            t += amount;
        }
        _store(a, from, f);
        _store(a, to, t);
        bool moved = amount != 0;
        _identityBooks(assetId, a, p.fromRef, p.toRef, amount, moved && fromBalance == amount, moved && toBalance == 0);
    }

    /// @dev Holders per identity and per-identity balances after a move. The custodian and
    /// the zero address have no identity (ref 0) and count for nothing.
    function _identityBooks(
        uint256 assetId,
        AssetStorage.Asset storage a,
        uint64 fromRef,
        uint64 toRef,
        uint256 amount,
        bool fromLeaves,
        bool toJoins
    ) private {
        // +1 when the receiver's identity starts holding, −1 when the sender's stops; the
        // count is written (and its event emitted) only when the sum moves.
        int256 delta;
        if (fromLeaves && fromRef != 0) {
            uint256 left = a.walletsHolding[fromRef] - 1;
            a.walletsHolding[fromRef] = left;
            if (left == 0) --delta;
        }
        if (toJoins && toRef != 0) {
            uint256 before = a.walletsHolding[toRef];
            a.walletsHolding[toRef] = before + 1;
            if (before == 0) ++delta;
        }
        if (delta != 0) {
            uint32 holders = delta > 0 ? a.holderCount + 1 : a.holderCount - 1;
            a.holderCount = holders;
            emit IAssetTypes.AssetHolderCountChanged(assetId, holders);
        }
        if (fromRef != toRef && a.flags & AssetStorage.IDENTITY_BOOKS != 0) {
            if (fromRef != 0) a.identityBalance[fromRef] -= amount;
            if (toRef != 0) a.identityBalance[toRef] += amount;
        }
    }

    /// @dev Records `wallet`'s balance for the snapshots taken since its last change.
    function _checkpointed(
        AssetStorage.Asset storage a,
        address wallet,
        uint256 holding,
        uint256 snapshotId
    ) private returns (uint256) {
        if (uint32(holding >> CHECKPOINT_SHIFT) >= snapshotId) return holding;
        a.checkpoints[wallet].push((snapshotId << BALANCE_BITS) | (holding & BALANCE_MASK));
        return (holding & ~(uint256(type(uint32).max) << CHECKPOINT_SHIFT)) | (snapshotId << CHECKPOINT_SHIFT);
    }

    /// @dev Lowers the frozen amount to `balance` when it exceeds it (tokens taken by force).
    function _capFrozen(
        uint256 assetId,
        AssetStorage.Asset storage a,
        address wallet,
        uint256 holding,
        uint256 balance
    ) private returns (uint256) {
        if ((holding >> FROZEN_SHIFT) & FROZEN_MASK <= balance) return holding;
        return _withFrozen(assetId, a, wallet, holding, balance);
    }

    function _withFrozen(
        uint256 assetId,
        AssetStorage.Asset storage a,
        address wallet,
        uint256 holding,
        uint256 amount
    ) private returns (uint256) {
        emit IAssetTypes.AssetTokensFrozen(assetId, wallet, amount);
        AssetToken(a.token).emitFrozen(wallet, amount);
        return (holding & ~(FROZEN_MASK << FROZEN_SHIFT)) | (amount << FROZEN_SHIFT);
    }

    function _refOf(address account) private view returns (uint64) {
        if (account == address(0) || isCustodian(account)) return 0;
        return LibIdentity.refOf(LibIdentity.walletWord(account));
    }

    /// @dev A holding's word: balance (bits 0-111), frozen (112-215), the last snapshot
    /// checkpointed (216-247), flags (248-255), as Solidity packs `AssetStorage.Holding`.
    function _load(AssetStorage.Asset storage a, address wallet) private view returns (uint256 word) {
        AssetStorage.Holding storage stored = a.holdings[wallet];
        assembly ("memory-safe") {
            word := sload(stored.slot)
        }
    }

    function _store(AssetStorage.Asset storage a, address wallet, uint256 word) private {
        AssetStorage.Holding storage stored = a.holdings[wallet];
        assembly ("memory-safe") {
            sstore(stored.slot, word)
        }
    }

    function _pack(AssetStorage.Holding memory h) private pure returns (uint256) {
        return
            uint256(h.balance) |
            (uint256(h.frozen) << FROZEN_SHIFT) |
            (uint256(h.checkpointed) << CHECKPOINT_SHIFT) |
            (uint256(h.flags) << FLAGS_SHIFT);
    }
}
