// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {DiamondVault} from "../../tokens/DiamondVault.sol";
import {ILending} from "./ILending.sol";
import {ILendingViews} from "./ILendingViews.sol";

/// @title A lending pool's ERC-4626 share vault: a clone per pool, books in the diamond.
contract LendingPoolVault is DiamondVault {
    function _hostTotals()
        internal
        view
        override
        returns (uint256 totalAssets_, uint256 totalShares, uint256 depositRoom, uint256 cash)
    {
        return ILendingViews(diamond()).lendingVaultTotals(key());
    }

    function _hostBalanceOf(address account) internal view override returns (uint256) {
        return ILendingViews(diamond()).lendingSharesOf(key(), account);
    }

    function _hostTransfer(address, address from, address to, uint256 amount) internal override {
        ILending(diamond()).lendingVaultTransfer(key(), from, to, amount);
    }

    function _hostDeposit(
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) internal override returns (uint256, uint256) {
        return ILending(diamond()).lendingVaultDeposit(key(), caller, receiver, assets, shares);
    }

    function _hostWithdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override returns (uint256, uint256) {
        return ILending(diamond()).lendingVaultWithdraw(key(), caller, receiver, owner, assets, shares);
    }
}
