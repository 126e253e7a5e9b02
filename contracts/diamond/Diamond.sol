// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IDiamondCut} from "../interfaces/IDiamondCut.sol";
import {LibAccess} from "../access/LibAccess.sol";
import {LibTimelock} from "../access/LibTimelock.sol";
import {CoreFacets, LibCore} from "./libraries/LibCore.sol";
import {LibDiamond} from "./libraries/LibDiamond.sol";

/// @notice Who runs a new diamond. A zero upgrader or guardian is simply not granted;
/// the owner can grant the role later.
struct DiamondConfig {
    address owner;
    address upgrader;
    address guardian;
    uint64 timelockDelay;
}

/// @title One institution's diamond (EIP-2535): the single address integrators use.
/// @notice Holds all state; code lives in shared, stateless facets. The constructor
/// registers the built-in `core` module; every other change goes through the timelock.
/// @dev No `receive`: plain transfers of native currency revert, so the diamond never
/// holds funds that no module accounts for.
contract Diamond {
    constructor(CoreFacets memory coreFacets, DiamondConfig memory config) {
        LibDiamond.initCore(LibCore.version(), LibCore.facets(coreFacets), LibCore.interfaceIds());
        LibAccess.setOwner(config.owner);
        if (config.upgrader != address(0)) LibAccess.grantRole(LibAccess.UPGRADER_ROLE, config.upgrader);
        if (config.guardian != address(0)) LibAccess.grantRole(LibAccess.GUARDIAN_ROLE, config.guardian);
        LibTimelock.setDelay(config.timelockDelay);
    }

    /// @dev One SLOAD finds the facet and the pause flag, then one DELEGATECALL.
    fallback() external payable {
        LibDiamond.SelectorSlot storage s = LibDiamond.layout().selectors[msg.sig];
        uint256 word;
        assembly {
            word := sload(s.slot)
        }
        address facet = address(uint160(word));
        if (facet == address(0)) revert IDiamondCut.DiamondFunctionNotFound(msg.sig);
        // Bits 192..199 hold `paused`, bits 160..175 the owning module's index.
        if ((word >> 192) & 0xff != 0) {
            revert IDiamondCut.DiamondModulePaused(LibDiamond.layout().modules[uint16(word >> 160)].id);
        }
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), facet, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }
}
