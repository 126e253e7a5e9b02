// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ICredit} from "./ICredit.sol";
import {LibCredit} from "./LibCredit.sol";

/// @title Credit module facet: the one claim function for what any module credited.
contract CreditFacet is ICredit, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc ICredit
    function claimCredit(address token, address to) external nonReentrant {
        if (to == address(0) || to == address(this)) revert CreditRecipientInvalid(to);
        LibCredit.Layout storage $ = LibCredit.layout();
        uint256 amount = $.credits[token][msg.sender];
        if (amount == 0) revert CreditNone(token, msg.sender);
        $.credits[token][msg.sender] = 0;
        $.total[token] -= amount;
        emit CreditClaimed(token, msg.sender, to, amount);
        if (token == LibCredit.NATIVE) {
            if (!LibCredit.sendNative(to, amount)) revert CreditNativeTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    /// @inheritdoc ICredit
    function creditOf(address token, address account) external view returns (uint256) {
        return LibCredit.layout().credits[token][account];
    }

    /// @inheritdoc ICredit
    function totalCredits(address token) external view returns (uint256) {
        return LibCredit.layout().total[token];
    }
}
