// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibUpkeep} from "../../shared/upkeep/LibUpkeep.sol";
import {IInsuranceTriggers} from "./IInsuranceTriggers.sol";
import {InsuranceStorage} from "./InsuranceStorage.sol";
import {LibInsurance} from "./LibInsurance.sol";

/// @title Install-time init of the insurance module (delegatecalled by the registry, once per version).
contract InsuranceInit {
    error InsuranceVaultImplementationInvalid(address implementation);

    /// @notice Sets the vault implementation new pools clone, and registers the module's
    /// keeper work (feed triggers and payout batches) with the diamond's upkeep pair.
    function initInsurance(address vaultImplementation) external {
        if (vaultImplementation.code.length == 0) revert InsuranceVaultImplementationInvalid(vaultImplementation);
        InsuranceStorage.layout().vaultImplementation = vaultImplementation;
        LibUpkeep.register(
            LibInsurance.MODULE,
            IInsuranceTriggers.insuranceCheckUpkeep.selector,
            IInsuranceTriggers.insurancePerformUpkeep.selector
        );
    }
}
