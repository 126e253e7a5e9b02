// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IPayment} from "./IPayment.sol";
import {PaymentStorage} from "./PaymentStorage.sol";

/// @title Rails, fees and money movement shared by the payment module's facets.
library LibPayment {
    using SafeERC20 for IERC20;

    address internal constant NATIVE = address(0);

    /// @dev Refuses a disabled rail or a limit breach; counts the amount against today's limit.
    function useRail(bytes32 channel, address token, uint256 amount) internal {
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        PaymentStorage.Rail memory rail = $.rails[channel][token];
        if (rail.maxPerTx == 0) revert IPayment.PaymentRailDisabled(channel, token);
        if (amount > rail.maxPerTx) revert IPayment.PaymentRailTxLimit(channel, token, amount, rail.maxPerTx);
        PaymentStorage.Usage storage usage = $.usage[channel][token];
        uint64 day = today();
        // amount <= maxPerTx < 2^128, and spent <= maxPerDay < 2^128: the sum cannot overflow.
        uint256 spent = (usage.day == day ? usage.spent : 0) + amount;
        if (spent > rail.maxPerDay) revert IPayment.PaymentRailDailyLimit(channel, token, spent, rail.maxPerDay);
        usage.day = day;
        usage.spent = uint192(spent);
    }

    function fee(address token, uint256 amount) internal view returns (uint256) {
        return (amount * PaymentStorage.layout().feeBps[token]) / 10_000;
    }

    function accrue(address token, uint256 amount) internal {
        if (amount != 0) PaymentStorage.layout().accruedFees[token] += amount;
    }

    /// @dev Moves an ERC-20 payment from the caller. The payee must receive exactly `amount`:
    /// measure it, so a token that delivers less is refused instead of mis-reported.
    function settle(IERC20 token, address payee, uint256 amount, uint256 feeAmount) internal {
        uint256 before = token.balanceOf(payee);
        token.safeTransferFrom(msg.sender, payee, amount);
        uint256 received = token.balanceOf(payee) - before;
        if (received != amount) revert IPayment.PaymentTokenShortfall(address(token), amount, received);
        if (feeAmount != 0) pull(token, msg.sender, feeAmount);
    }

    /// @dev Pulls `amount` into the diamond and refuses a token that delivers less.
    function pull(IERC20 token, address from, uint256 amount) internal {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert IPayment.PaymentTokenShortfall(address(token), amount, received);
    }

    /// @dev Sends `amount` of `token` (zero: native) held by the diamond.
    function send(address token, address to, uint256 amount) internal {
        if (amount == 0) return;
        if (token == NATIVE) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert IPayment.PaymentNativeTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function today() internal view returns (uint64) {
        return uint64(block.timestamp / 1 days);
    }
}
