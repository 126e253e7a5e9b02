// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {LibCredit} from "../../shared/credit/LibCredit.sol";
import {IPayment} from "./IPayment.sol";
import {LibPayment} from "./LibPayment.sol";
import {PaymentStorage} from "./PaymentStorage.sol";

/// @title Payment module facet. Every entry point runs checks → rail and fee math →
/// storage writes → event → transfers; every one that moves funds runs under the
/// diamond-wide reentrancy guard.
contract PaymentFacet is IPayment, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    address private constant NATIVE = address(0);

    /// @inheritdoc IPayment
    function pay(
        bytes32 channel,
        address token,
        address payee,
        uint256 amount,
        bytes32 paymentRef
    ) external payable nonReentrant {
        uint256 fee = _preparePay(channel, token, payee, amount, paymentRef);
        LibPayment.settle(IERC20(token), payee, amount, fee);
    }

    /// @inheritdoc IPayment
    function payWithPermit(
        bytes32 channel,
        address token,
        address payee,
        uint256 amount,
        bytes32 paymentRef,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external payable nonReentrant {
        uint256 fee = _preparePay(channel, token, payee, amount, paymentRef);
        // A permit front-run by someone else still leaves the allowance: ignore its failure,
        // the transfer below fails clearly if the allowance is missing. (No code: skip, as
        // a call to it would revert in a way `catch` cannot handle.)
        if (token.code.length != 0) {
            try IERC20Permit(token).permit(msg.sender, address(this), amount + fee, deadline, v, r, s) {} catch {}
        }
        LibPayment.settle(IERC20(token), payee, amount, fee);
    }

    /// @inheritdoc IPayment
    function payNative(
        bytes32 channel,
        address payee,
        uint256 amount,
        bytes32 paymentRef
    ) external payable nonReentrant {
        _checkPayment(payee, amount);
        uint256 fee = LibPayment.useRail(channel, NATIVE, amount);
        if (msg.value != amount + fee) revert PaymentWrongValue(amount + fee, msg.value);
        LibPayment.accrue(NATIVE, fee);
        emit PaymentSent(paymentRef, msg.sender, payee, channel, NATIVE, amount, fee);
        LibPayment.send(NATIVE, payee, amount);
    }

    /// @inheritdoc IPayment
    function payBatch(
        bytes32 channel,
        address token,
        address[] calldata payees,
        uint256[] calldata amounts,
        bytes32 paymentRef
    ) external payable nonReentrant {
        uint256 n = payees.length;
        if (n != amounts.length) revert PaymentBatchLengthMismatch(n, amounts.length);
        if (n == 0) revert PaymentBatchEmpty();
        uint256 total;
        for (uint256 i; i < n; ++i) {
            address payee = payees[i];
            if (payee == address(0) || payee == address(this) || payee == msg.sender || amounts[i] == 0) {
                revert PaymentBatchEntryInvalid(i);
            }
            total += amounts[i];
        }
        uint256 fee = LibPayment.useRail(channel, token, total);
        bool native = token == NATIVE;
        if (native && msg.value != total + fee) revert PaymentWrongValue(total + fee, msg.value);
        if (!native && msg.value != 0) revert PaymentUnexpectedValue(msg.value);
        LibPayment.accrue(token, fee);
        emit PaymentBatchSent(paymentRef, msg.sender, channel, token, n, total, fee);

        if (native) {
            for (uint256 i; i < n; ++i) {
                if (!LibCredit.sendNative(payees[i], amounts[i])) revert PaymentBatchEntryInvalid(i);
            }
        } else {
            LibPayment.pull(IERC20(token), msg.sender, total + fee);
            for (uint256 i; i < n; ++i) {
                if (!IERC20(token).trySafeTransfer(payees[i], amounts[i])) revert PaymentBatchEntryInvalid(i);
            }
        }
    }

    /// @inheritdoc IPayment
    function setPaymentRail(bytes32 channel, address token, uint96 maxPerTx, uint96 maxPerDay) external {
        LibAccess.checkRole(PaymentStorage.PAYMENT_ADMIN_ROLE);
        if (maxPerTx != 0 && maxPerDay < maxPerTx) revert PaymentRailLimitsInvalid(maxPerTx, maxPerDay);
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        PaymentStorage.Rail storage rail = $.rails[channel][token];
        // Today's spending carries over: what is left is the new limit minus it, and what
        // exceeds a lowered limit is kept as overspent. Spending never exceeds 2^96 - 1, as
        // every payment kept it within a uint96 limit.
        uint256 spent = LibPayment.spentToday(channel, token);
        uint32 day = LibPayment.today();
        rail.maxPerTx = maxPerTx;
        rail.leftToday = maxPerDay > spent ? uint96(maxPerDay - spent) : 0;
        rail.day = day;
        $.dailyLimits[channel][token] = PaymentStorage.DailyLimit(
            maxPerDay,
            spent > maxPerDay ? uint96(spent - maxPerDay) : 0,
            day
        );
        emit PaymentRailSet(channel, token, maxPerTx, maxPerDay);
    }

    /// @inheritdoc IPayment
    function setPaymentFee(bytes32 channel, address token, uint16 feeBps) external {
        LibAccess.checkRole(PaymentStorage.PAYMENT_ADMIN_ROLE);
        if (feeBps > PaymentStorage.MAX_FEE_BPS) revert PaymentFeeTooHigh(feeBps, PaymentStorage.MAX_FEE_BPS);
        PaymentStorage.layout().rails[channel][token].feeBps = feeBps;
        emit PaymentFeeSet(channel, token, feeBps);
    }

    /// @inheritdoc IPayment
    function setPaymentTreasury(address treasury) external {
        LibAccess.checkRole(PaymentStorage.PAYMENT_ADMIN_ROLE);
        if (treasury == address(0)) revert PaymentTreasuryNotSet();
        PaymentStorage.layout().treasury = treasury;
        emit PaymentTreasurySet(treasury);
    }

    /// @inheritdoc IPayment
    function withdrawPaymentFees(address token) external nonReentrant {
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        address treasury = $.treasury;
        if (treasury == address(0)) revert PaymentTreasuryNotSet();
        uint256 amount = $.accruedFees[token];
        if (amount == 0) revert PaymentNoFeesAccrued(token);
        $.accruedFees[token] = 0;
        emit PaymentFeesWithdrawn(token, treasury, amount);
        LibPayment.send(token, treasury, amount);
    }

    /// @inheritdoc IPayment
    function paymentRail(
        bytes32 channel,
        address token
    ) external view returns (uint96 maxPerTx, uint96 maxPerDay, uint256 spentToday, uint16 feeBps) {
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        PaymentStorage.Rail memory rail = $.rails[channel][token];
        return (
            rail.maxPerTx,
            $.dailyLimits[channel][token].maxPerDay,
            LibPayment.spentToday(channel, token),
            rail.feeBps
        );
    }

    /// @inheritdoc IPayment
    function paymentTreasury() external view returns (address) {
        return PaymentStorage.layout().treasury;
    }

    /// @inheritdoc IPayment
    function accruedPaymentFees(address token) external view returns (uint256) {
        return PaymentStorage.layout().accruedFees[token];
    }

    // ------------------------------------------------------------------ internals

    /// @dev Checks, rail, fee and event of an ERC-20 payment; returns the fee.
    function _preparePay(
        bytes32 channel,
        address token,
        address payee,
        uint256 amount,
        bytes32 paymentRef
    ) private returns (uint256 fee) {
        if (msg.value != 0) revert PaymentUnexpectedValue(msg.value);
        _checkPayment(payee, amount);
        if (token == NATIVE) revert PaymentRailDisabled(channel, NATIVE);
        fee = LibPayment.useRail(channel, token, amount);
        LibPayment.accrue(token, fee);
        emit PaymentSent(paymentRef, msg.sender, payee, channel, token, amount, fee);
    }

    /// @dev A payee must be a real third party: not zero, not the payer (nothing would
    /// move), not the diamond (the funds would be held by no module's books).
    function _checkPayment(address payee, uint256 amount) private view {
        if (payee == address(0) || payee == address(this)) revert PaymentZeroPayee();
        if (payee == msg.sender) revert PaymentPayeeIsPayer(payee);
        if (amount == 0) revert PaymentZeroAmount();
    }
}
