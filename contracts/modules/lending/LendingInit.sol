// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibUpkeep} from "../../shared/upkeep/LibUpkeep.sol";
import {ModuleId} from "../../types/ModuleTypes.sol";
import {ILending} from "./ILending.sol";
import {ILendingViews} from "./ILendingViews.sol";
import {LendingStorage} from "./LendingStorage.sol";

/// @title Install-time init of the lending module (delegatecalled by the registry, once per version).
contract LendingInit {
    error LendingVaultImplementationInvalid(address implementation);

    /// @notice Sets the shared vault implementation new pools clone, and registers the
    /// module's keeper work (liquidations) with the diamond's upkeep pair.
    function initLending(address vaultImplementation) external {
        if (vaultImplementation.code.length == 0) revert LendingVaultImplementationInvalid(vaultImplementation);
        LendingStorage.layout().vaultImplementation = vaultImplementation;
        LibUpkeep.register(
            ModuleId.wrap("lending"),
            ILendingViews.lendingCheckUpkeep.selector,
            ILending.lendingPerformUpkeep.selector
        );
    }
}
