// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LendingStorage} from "./LendingStorage.sol";

/// @title Install-time init of the lending module (delegatecalled by the registry, once per version).
contract LendingInit {
    error LendingVaultImplementationInvalid(address implementation);

    /// @notice Sets the shared vault implementation new pools clone.
    function initLending(address vaultImplementation) external {
        if (vaultImplementation.code.length == 0) revert LendingVaultImplementationInvalid(vaultImplementation);
        LendingStorage.layout().vaultImplementation = vaultImplementation;
    }
}
