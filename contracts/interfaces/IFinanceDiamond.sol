// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IAccess} from "./IAccess.sol";
import {IDiamondCut} from "./IDiamondCut.sol";
import {IDiamondLoupe} from "./IDiamondLoupe.sol";
import {IERC173TwoStep} from "./IERC173.sol";
import {IModuleRegistry} from "./IModuleRegistry.sol";
import {IPause} from "./IPause.sol";
import {ITimelock} from "./ITimelock.sol";

/// @title Everything the diamond's built-in `core` module serves, as one interface.
/// @notice Integrators connect this type (TypeChain: `IFinanceDiamond__factory`) to a
/// diamond's address to manage and inspect it.
interface IFinanceDiamond is
    IDiamondCut,
    IDiamondLoupe,
    IERC165,
    IERC173TwoStep,
    IAccess,
    IPause,
    ITimelock,
    IModuleRegistry
{}
