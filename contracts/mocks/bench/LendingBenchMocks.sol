// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {DiamondVault} from "../../tokens/DiamondVault.sol";

/// @dev The least a supply routed through the diamond into an ERC-4626 vault at its own
/// address can cost, for the benchmark: the transfer into the diamond, the holder's share
/// balance in the diamond's books and the vault's `Transfer` and `Deposit` events; no
/// accrual, no rate model, no cap, no measurement, no guard, no total. It reports to a
/// vault no pool uses. Never part of a module set.
contract BenchSupplyFloorFacet {
    using SafeERC20 for IERC20;

    function supplyFloor(address vault, address token, uint256 assets) external {
        IERC20(token).safeTransferFrom(msg.sender, address(this), assets);
        uint256 shares = assets * 1e6;
        bytes32 slot = keccak256(abi.encode(msg.sender, "bench.supply-floor.shares"));
        assembly ("memory-safe") {
            sstore(slot, add(sload(slot), shares))
        }
        DiamondVault(vault).onDeposit(msg.sender, msg.sender, assets, shares);
    }
}
