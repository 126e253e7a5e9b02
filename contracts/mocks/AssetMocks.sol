// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibAsset} from "../modules/asset/LibAsset.sol";

/// @dev Test-only facet (a module of its own, depending on `asset`): locks a wallet's tokens
/// as an offering's delivery does, so tests can reach the lock-up rules without an offering.
contract MockAssetLockFacet {
    function mockAssetLock(uint256 assetId, address wallet, uint256 amount, uint40 until) external {
        LibAsset.lock(assetId, LibAsset.asset(assetId), wallet, amount, until);
    }
}
