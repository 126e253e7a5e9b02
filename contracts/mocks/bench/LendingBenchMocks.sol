// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {DiamondVault} from "../../tokens/DiamondVault.sol";

/// @dev The least a supply routed through the diamond into an ERC-4626 vault at its own
/// address can cost, for the benchmark: the transfer into the diamond and the vault's mint
/// with its `Transfer` and `Deposit` events; no accrual, no rate model, no cap, no
/// measurement, no guard. Installed on a vault no pool uses. Never part of a module set.
contract BenchSupplyFloorFacet {
    using SafeERC20 for IERC20;

    function supplyFloor(address vault, address token, uint256 assets) external {
        IERC20(token).safeTransferFrom(msg.sender, address(this), assets);
        DiamondVault(vault).onDeposit(msg.sender, msg.sender, assets, assets * 1e6);
    }
}
