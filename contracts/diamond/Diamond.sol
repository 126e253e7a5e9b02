// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

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
/// @dev The deployed code is not compiled from this contract: the constructor returns a
/// 114-byte hand-assembled dispatcher (`_runtime`), because dispatch is the cost every
/// call pays and Solidity's prologue alone would add ~20 gas. The dispatcher does one
/// SLOAD (no hashing) and one DELEGATECALL; anything it cannot route is delegated to the
/// loupe facet's fallback, which serves the core functions (kept in code, not in the
/// table, so a new diamond stores 7 addresses instead of 39 selectors) and otherwise
/// reverts with `DiamondFunctionNotFound` or `DiamondModulePaused`. There is no `receive`:
/// plain transfers of native currency revert, so the diamond never holds funds that no
/// module accounts for.
contract Diamond {
    constructor(CoreFacets memory coreFacets, DiamondConfig memory config) {
        LibDiamond.initCore(LibCore.version(), LibCore.toArray(coreFacets));
        LibAccess.setOwner(config.owner);
        if (config.upgrader != address(0)) LibAccess.grantRole(LibAccess.UPGRADER_ROLE, config.upgrader);
        if (config.guardian != address(0)) LibAccess.grantRole(LibAccess.GUARDIAN_ROLE, config.guardian);
        LibTimelock.setDelay(config.timelockDelay);

        bytes memory code = _runtime(coreFacets.diamondLoupe);
        assembly {
            return(add(code, 0x20), mload(code))
        }
    }

    /// @dev The dispatcher (114 bytes). Stack after each line on the right, top last.
    ///
    ///   00 PUSH0 CALLDATALOAD PUSH1 e0 SHR          [sig]
    ///   05 PUSH32 SELECTORS_BASE; 26 ADD SLOAD      [word]  LibDiamond's SelectorWord
    ///   28 PUSH1 1 DUP2 SLT PUSH1 48 JUMPI          [word]  word < 1 signed: absent or paused
    ///   2f CALLDATASIZE PUSH0 PUSH0 CALLDATACOPY
    ///   33 PUSH0 PUSH0 CALLDATASIZE PUSH0 DUP5 GAS DELEGATECALL   [word ok]  low 160 bits = facet
    ///   3a RETURNDATASIZE PUSH0 PUSH0 RETURNDATACOPY
    ///   3e PUSH1 44 JUMPI RETURNDATASIZE PUSH0 REVERT
    ///   44 JUMPDEST RETURNDATASIZE PUSH0 RETURN
    ///   48 JUMPDEST CALLDATASIZE PUSH0 PUSH0 CALLDATACOPY          not in the table: delegate
    ///   4d PUSH0 PUSH0 CALLDATASIZE PUSH0 PUSH20 handler; 66 GAS DELEGATECALL   to the handler
    ///   68 RETURNDATASIZE PUSH0 PUSH0 RETURNDATACOPY PUSH1 44 JUMPI        (core function,
    ///   6f RETURNDATASIZE PUSH0 REVERT                                      or an error)
    function _runtime(address handler) private pure returns (bytes memory) {
        return
            abi.encodePacked(
                hex"5f3560e01c7f", // 00
                LibDiamond.SELECTORS_BASE,
                hex"0154", // 26
                hex"60018112604857", // 28
                hex"365f5f37", // 2f
                hex"5f5f365f845af4", // 33
                hex"3d5f5f3e", // 3a
                hex"6044573d5ffd", // 3e
                hex"5b3d5ff3", // 44
                hex"5b365f5f37", // 48
                hex"5f5f365f73", // 4d
                handler,
                hex"5af4", // 66
                hex"3d5f5f3e604457", // 68
                hex"3d5ffd" // 6f
            );
    }
}
