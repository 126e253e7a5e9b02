// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {LibCredit} from "../../shared/credit/LibCredit.sol";
import {ModuleId} from "../../types/ModuleTypes.sol";
import {IPayment} from "./IPayment.sol";
import {PaymentStorage} from "./PaymentStorage.sol";

/// @title Rails, fees and money movement shared by the payment module's facets.
library LibPayment {
    using SafeERC20 for IERC20;

    address internal constant NATIVE = address(0);
    /// @dev The module id its payouts are credited under in the diamond's credit book.
    ModuleId internal constant MODULE_ID = ModuleId.wrap("payment");

    /// @dev Refuses a disabled rail or a limit breach, counts `amount` against today's
    /// limit and returns the rail's fee on it. One storage word read and written, plus the
    /// daily limit on a rail's first payment of a day.
    function useRail(bytes32 channel, address token, uint256 amount) internal returns (uint256 fee) {
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        PaymentStorage.Rail storage stored = $.rails[channel][token];
        PaymentStorage.Rail memory rail = stored;
        if (rail.maxPerTx == 0) revert IPayment.PaymentRailDisabled(channel, token);
        if (amount > rail.maxPerTx) revert IPayment.PaymentRailTxLimit(channel, token, amount, rail.maxPerTx);
        uint32 day = today();
        uint256 left = rail.day == day ? rail.leftToday : $.dailyLimits[channel][token].maxPerDay;
        if (amount > left) {
            uint256 spent = spentToday(channel, token) + amount;
            revert IPayment.PaymentRailDailyLimit(channel, token, spent, $.dailyLimits[channel][token].maxPerDay);
        }
        // amount <= left < 2^96 and feeBps < 2^16: neither the cast nor the product overflows.
        stored.leftToday = uint96(left - amount);
        stored.day = day;
        return (amount * rail.feeBps) / 10_000;
    }

    /// @dev What moved over the rail today (see `PaymentStorage.DailyLimit`).
    function spentToday(bytes32 channel, address token) internal view returns (uint256) {
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        PaymentStorage.Rail memory rail = $.rails[channel][token];
        uint32 day = today();
        if (rail.day != day) return 0;
        PaymentStorage.DailyLimit memory limit = $.dailyLimits[channel][token];
        return limit.maxPerDay - rail.leftToday + (limit.overspentDay == day ? limit.overspent : 0);
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

    /// @dev Sends `amount` of `token` (zero: native) held by the diamond; reverts if refused.
    function send(address token, address to, uint256 amount) internal {
        if (amount == 0) return;
        if (token == NATIVE) {
            if (!LibCredit.sendNative(to, amount)) revert IPayment.PaymentNativeTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function today() internal view returns (uint32) {
        return uint32(block.timestamp / 1 days);
    }
}
