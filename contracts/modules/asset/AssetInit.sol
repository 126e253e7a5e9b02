// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibUpkeep} from "../../shared/upkeep/LibUpkeep.sol";
import {ModuleId} from "../../types/ModuleTypes.sol";
import {LibIdentity} from "../identity/LibIdentity.sol";
import {IAsset} from "./IAsset.sol";
import {IAssetOffering} from "./IAssetOffering.sol";
import {AssetStorage} from "./AssetStorage.sol";

/// @title Install-time init of the asset module (delegatecalled by the registry, once per version).
contract AssetInit {
    error AssetTokenImplementationInvalid(address implementation);

    /// @notice Sets the token implementation assets clone, registers the wallet recovery
    /// hook with the identity module and the module's keeper work (offering settlement)
    /// with the diamond's upkeep pair.
    function initAsset(address tokenImplementation) external {
        if (tokenImplementation.code.length == 0) revert AssetTokenImplementationInvalid(tokenImplementation);
        AssetStorage.layout().tokenImplementation = tokenImplementation;
        ModuleId asset = ModuleId.wrap("asset");
        LibIdentity.registerRecoveryHook(asset, IAsset.assetRecoverWallet.selector);
        LibUpkeep.register(asset, IAssetOffering.assetCheckUpkeep.selector, IAssetOffering.assetPerformUpkeep.selector);
    }
}
