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

    /// @dev The cost every call pays: one SLOAD (no hashing) finds the facet and the pause
    /// flag, then one DELEGATECALL. `LibDiamond.SelectorSlot` packs facet (bits 0..159),
    /// module index (160..175), position (176..191) and paused (192..199), so a word is
    /// routable exactly when it is non-zero and below 2^192; DELEGATECALL itself ignores
    /// the bits above the address. The error path is ordinary Solidity.
    fallback() external payable {
        uint256 word;
        assembly {
            word := sload(add(0x5489b2c8b94a4bd99c2a2cc587934e053d8b825b4c4d88b1ff91646472535c00, shr(224, calldataload(0))))
            if lt(sub(word, 1), 0xffffffffffffffffffffffffffffffffffffffffffffffff) {
                calldatacopy(0, 0, calldatasize())
                let ok := delegatecall(gas(), word, 0, calldatasize(), 0, 0)
                returndatacopy(0, 0, returndatasize())
                if iszero(ok) {
                    revert(0, returndatasize())
                }
                return(0, returndatasize())
            }
        }
        if (word == 0) revert IDiamondCut.DiamondFunctionNotFound(msg.sig);
        revert IDiamondCut.DiamondModulePaused(LibDiamond.layout().modules[uint16(word >> 160)].id);
    }
}
