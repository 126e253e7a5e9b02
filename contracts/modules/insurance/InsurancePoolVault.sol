// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {DiamondVault} from "../../tokens/DiamondVault.sol";
import {IInsurance} from "./IInsurance.sol";
import {IInsuranceViews} from "./IInsuranceViews.sol";

/// @title A risk pool's ERC-4626 capital vault: a clone per pool, books in the diamond.
/// @notice Total assets are the providers' capital (premiums raise it, payouts lower it);
/// `maxWithdraw` and `maxRedeem` never exceed the capital that backs no live policy.
contract InsurancePoolVault is DiamondVault {
    function _hostTotals()
        internal
        view
        override
        returns (uint256 totalAssets_, uint256 totalShares, uint256 depositRoom, uint256 cash)
    {
        return IInsuranceViews(diamond()).insuranceVaultTotals(key());
    }

    function _hostBalanceOf(address account) internal view override returns (uint256) {
        return IInsuranceViews(diamond()).insuranceSharesOf(key(), account);
    }

    function _hostTransfer(address, address from, address to, uint256 amount) internal override {
        IInsurance(diamond()).insuranceVaultTransfer(key(), from, to, amount);
    }

    function _hostDeposit(
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) internal override returns (uint256, uint256) {
        return IInsurance(diamond()).insuranceVaultDeposit(key(), caller, receiver, assets, shares);
    }

    function _hostWithdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override returns (uint256, uint256) {
        return IInsurance(diamond()).insuranceVaultWithdraw(key(), caller, receiver, owner, assets, shares);
    }
}
