// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibDiamond} from "../../diamond/libraries/LibDiamond.sol";
import {ModuleId} from "../../types/ModuleTypes.sol";
import {IIdentity} from "./IIdentity.sol";
import {IdentityStorage} from "./IdentityStorage.sol";

/// @title What other modules of the diamond read from the investor registry, and the
/// recovery hooks they register. Modules that use it list `identity` among their dependencies.
library LibIdentity {
    /// @dev Transient: the wallet being recovered while the hooks run.
    // keccak256("finsuite.identity.recovering")
    bytes32 private constant RECOVERING_SLOT = 0x3317a5d3842eecf22fc490aeca6febdb3fba36bd1c0828aaac61c467cdfea78d;

    IIdentity.IdentityCode internal constant VERIFIED = IIdentity.IdentityCode.Verified;

    /// @dev `wallet`'s word: its identity number, state, expiry, jurisdiction and class.
    function wallet(address account) internal view returns (IdentityStorage.Wallet memory) {
        return IdentityStorage.layout().wallets[account];
    }

    /// @dev Why a wallet word is or is not verified now.
    function code(IdentityStorage.Wallet memory w) internal view returns (IIdentity.IdentityCode) {
        if (w.state & IdentityStorage.LOST != 0) return IIdentity.IdentityCode.WalletLost;
        // Never linked, or removed from its identity.
        if (w.state == uint8(IIdentity.IdentityStatus.None)) return IIdentity.IdentityCode.NotRegistered;
        if (w.state == uint8(IIdentity.IdentityStatus.Suspended)) return IIdentity.IdentityCode.Suspended;
        if (w.state == uint8(IIdentity.IdentityStatus.Revoked)) return IIdentity.IdentityCode.Revoked;
        if (w.expiresAt <= block.timestamp) return IIdentity.IdentityCode.Expired;
        return IIdentity.IdentityCode.Verified;
    }

    // The raw wallet word, for compliance checks that read it once and decode what they
    // need. Its fields from the lowest bits up, as Solidity packs `IdentityStorage.Wallet`:
    // ref (0-23), expiresAt (24-63), jurisdiction (64-79), class (80-87), state (88-95),
    // next (96-255).

    function walletWord(address account) internal view returns (uint256 word) {
        IdentityStorage.Wallet storage stored = IdentityStorage.layout().wallets[account];
        assembly ("memory-safe") {
            word := sload(stored.slot)
        }
    }

    function refOf(uint256 word) internal pure returns (uint64) {
        return uint64(word & 0xffffff);
    }

    function jurisdictionOf(uint256 word) internal pure returns (uint256) {
        return (word >> 64) & 0xffff;
    }

    function classOf(uint256 word) internal pure returns (uint256) {
        return (word >> 80) & 0xff;
    }

    /// @dev Whether the wallet was reported lost (recovered to another; see `recoveredTo`).
    function isLostWord(uint256 word) internal pure returns (bool) {
        return (word >> 88) & IdentityStorage.LOST != 0;
    }

    /// @dev Verified: state Active (so not lost), and `block.timestamp < expiresAt` (as `code`).
    function isVerifiedWord(uint256 word) internal view returns (bool) {
        return
            (word >> 88) & 0xff == uint8(IIdentity.IdentityStatus.Active) &&
            (word >> 24) & 0xffffffffff > block.timestamp;
    }

    /// @dev The wallet a lost wallet was recovered to (zero when it was not).
    function recoveredTo(address lost) internal view returns (address) {
        return IdentityStorage.layout().recoveredTo[lost];
    }

    /// @dev Registers `hook(address lost, address replacement)`, a selector `moduleId`
    /// serves, to run (delegatecalled) inside every wallet recovery. Call it from the
    /// module's install init; registering again is a no-op.
    function registerRecoveryHook(ModuleId moduleId, bytes4 hook) internal {
        IdentityStorage.RecoveryHook[] storage hooks = IdentityStorage.layout().recoveryHooks;
        for (uint256 i; i < hooks.length; ++i) {
            if (hooks[i].hook == hook) return;
        }
        // The registry cuts before it runs the init, so the hook is routed by now.
        if (LibDiamond.loadSelector(hook).isEmpty()) revert IIdentity.IdentityRecoveryHookNotRouted(hook);
        if (hooks.length >= IdentityStorage.MAX_RECOVERY_HOOKS)
            revert IIdentity.IdentityRecoveryHooksFull(IdentityStorage.MAX_RECOVERY_HOOKS);
        hooks.push(IdentityStorage.RecoveryHook(moduleId, hook));
        emit IIdentity.IdentityRecoveryHookRegistered(ModuleId.unwrap(moduleId), hook);
    }

    /// @dev Runs every registered hook (a removed module's is skipped) with the recovery
    /// marked, so each hook can check it runs inside one.
    function runRecoveryHooks(address lost, address replacement) internal {
        IdentityStorage.RecoveryHook[] storage hooks = IdentityStorage.layout().recoveryHooks;
        assembly ("memory-safe") {
            tstore(RECOVERING_SLOT, lost)
        }
        for (uint256 i; i < hooks.length; ++i) {
            bytes4 hook = hooks[i].hook;
            address facet = LibDiamond.loadSelector(hook).facet();
            if (facet == address(0)) continue;
            (bool ok, bytes memory ret) = facet.delegatecall(abi.encodeWithSelector(hook, lost, replacement));
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
        assembly ("memory-safe") {
            tstore(RECOVERING_SLOT, 0)
        }
    }

    /// @dev Refuses a recovery hook called other than by `recoverIdentityWallet` for `lost`.
    function checkRecovering(address lost) internal view {
        address current;
        assembly ("memory-safe") {
            current := tload(RECOVERING_SLOT)
        }
        if (current == address(0) || current != lost) revert IIdentity.IdentityNotRecovering();
    }
}
