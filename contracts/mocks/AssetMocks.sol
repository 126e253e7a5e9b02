// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {LibAsset} from "../modules/asset/LibAsset.sol";
import {LibIdentity} from "../modules/identity/LibIdentity.sol";
import {ModuleId} from "../types/ModuleTypes.sol";

/// @dev Test-only facet (a module of its own, depending on `asset`): locks a wallet's tokens
/// as an offering's delivery does, so tests can reach the lock-up rules without an offering;
/// pulls a holder's tokens into the diamond's custody as a module does (a lending pledge),
/// and releases them from custody as a module does (a pledge returned, a liquidation).
contract MockAssetLockFacet {
    error MockAssetPullFailed();
    error MockAssetReleaseFailed();

    function mockAssetPull(address token, address from, uint256 amount) external {
        if (!IERC20(token).transferFrom(from, address(this), amount)) revert MockAssetPullFailed();
    }

    function mockAssetRelease(address token, address to, uint256 amount) external {
        if (!IERC20(token).transfer(to, amount)) revert MockAssetReleaseFailed();
    }

    function mockAssetLock(uint256 assetId, address wallet, uint256 amount, uint40 until) external {
        LibAsset.lock(assetId, LibAsset.asset(assetId), wallet, amount, until);
    }
}

/// @dev Raw access to the identity module's recovery hooks for tests (run as the init of a
/// timelocked `diamondCut` without cuts).
contract MockIdentityHookInit {
    function registerRecoveryHook(ModuleId moduleId, bytes4 hook) external {
        LibIdentity.registerRecoveryHook(moduleId, hook);
    }
}
