// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibAccess} from "../access/LibAccess.sol";
import {LibTimelock} from "../access/LibTimelock.sol";
import {LibDiamond} from "../diamond/libraries/LibDiamond.sol";

/// @title Storage-layout probe of the core module's ERC-7201 namespaces. Never deployed.
/// @dev solc reports the layout of state variables only. Declaring each namespace's
/// struct here lets the deploy tooling compare a namespace's layout with the one recorded
/// at the last deployment and refuse changes that are not append-only. Each variable is
/// named after its namespace, dots replaced by underscores.
contract CoreStorageLayouts {
    LibDiamond.Layout internal finsuite_diamond;
    LibAccess.Layout internal finsuite_access;
    LibTimelock.Layout internal finsuite_timelock;
}
