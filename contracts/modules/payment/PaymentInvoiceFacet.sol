// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {LibFeed} from "../../shared/LibFeed.sol";
import {IPayment} from "./IPayment.sol";
import {IPaymentInvoice} from "./IPaymentInvoice.sol";
import {LibPayment} from "./LibPayment.sol";
import {PaymentStorage} from "./PaymentStorage.sol";

/// @title Invoice facet of the payment module: checks → rail and fee → writes → event → transfers.
contract PaymentInvoiceFacet is IPaymentInvoice, ReentrancyGuardTransient {
    /// @inheritdoc IPaymentInvoice
    function issueInvoice(
        address payer,
        address token,
        bytes32 currency,
        uint128 amount,
        uint64 dueDate,
        bytes32 paymentRef,
        bool instalments
    ) external returns (uint256 id) {
        if (amount == 0) revert IPayment.PaymentZeroAmount();
        if (dueDate <= block.timestamp) revert PaymentInvoiceDueDateInPast(dueDate);
        if (currency != bytes32(0) && token != address(0)) revert PaymentInvoiceBadDenomination(token, currency);
        if (payer == msg.sender) revert IPayment.PaymentPayeeIsPayer(payer);
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        id = ++$.invoiceCount;
        Invoice memory invoice = Invoice(
            msg.sender,
            dueDate,
            InvoiceStatus.Open,
            instalments,
            payer,
            token,
            currency,
            amount,
            0
        );
        // A fresh id's words are zero: writing a zero field would cost 2,200 gas for nothing.
        // The fields below and the event's `invoice` above must stay the same.
        Invoice storage stored = $.invoices[id];
        stored.payee = msg.sender;
        stored.dueDate = dueDate;
        stored.status = InvoiceStatus.Open;
        stored.instalments = instalments;
        if (payer != address(0)) stored.payer = payer;
        if (token != address(0)) stored.token = token;
        if (currency != bytes32(0)) stored.currency = currency;
        stored.amount = amount;
        emit InvoiceIssued(id, msg.sender, payer, invoice, paymentRef);
    }

    /// @inheritdoc IPaymentInvoice
    function payInvoice(uint256 id, bytes32 channel, address token, uint256 amount) external payable nonReentrant {
        Invoice storage invoice = _payable(id);
        if (invoice.currency != bytes32(0)) revert PaymentInvoiceWrongKind(id, invoice.currency);
        if (token != invoice.token) revert PaymentInvoiceWrongToken(id, invoice.token, token);
        uint256 remaining = _remainingAfter(invoice, id, amount);
        address payee = invoice.payee;
        uint256 fee = LibPayment.useRail(channel, token, amount);
        bool native = token == LibPayment.NATIVE;
        if (native && msg.value != amount + fee) revert IPayment.PaymentWrongValue(amount + fee, msg.value);
        if (!native && msg.value != 0) revert IPayment.PaymentUnexpectedValue(msg.value);
        _recordPayment(invoice, amount, remaining);
        LibPayment.accrue(token, fee);
        emit InvoicePaid(id, msg.sender, token, amount, fee, amount, remaining);
        if (native) LibPayment.send(token, payee, amount);
        else LibPayment.settle(IERC20(token), payee, amount, fee);
    }

    /// @inheritdoc IPaymentInvoice
    function payInvoiceCrossCurrency(
        uint256 id,
        bytes32 channel,
        address token,
        uint256 amount,
        uint256 maxAmountIn,
        uint256 maxPriceAge
    ) external nonReentrant {
        Invoice storage invoice = _payable(id);
        bytes32 currency = invoice.currency;
        if (currency == bytes32(0)) revert PaymentInvoiceWrongKind(id, bytes32(0));
        if (token == LibPayment.NATIVE) revert IPayment.PaymentRailDisabled(channel, token);
        uint256 remaining = _remainingAfter(invoice, id, amount);
        (uint256 amountIn, ) = _quote(currency, token, amount, maxPriceAge);
        uint256 fee = LibPayment.useRail(channel, token, amountIn);
        if (amountIn + fee > maxAmountIn) revert PaymentSlippage(amountIn + fee, maxAmountIn);
        _recordPayment(invoice, amount, remaining);
        LibPayment.accrue(token, fee);
        emit InvoicePaid(id, msg.sender, token, amountIn, fee, amount, remaining);
        LibPayment.settle(IERC20(token), invoice.payee, amountIn, fee);
    }

    /// @inheritdoc IPaymentInvoice
    function cancelInvoice(uint256 id) external {
        Invoice storage invoice = _invoice(id);
        if (msg.sender != invoice.payee) revert PaymentInvoiceNotPayee(id, msg.sender);
        if (invoice.status != InvoiceStatus.Open) revert PaymentInvoiceNotOpen(id, invoice.status);
        invoice.status = InvoiceStatus.Cancelled;
        emit InvoiceCancelled(id);
    }

    /// @inheritdoc IPaymentInvoice
    function setPaymentPriceFeed(bytes32 currency, address token, address feed) external {
        LibAccess.checkRole(PaymentStorage.PAYMENT_ADMIN_ROLE);
        if (currency == bytes32(0) || token == LibPayment.NATIVE) revert PaymentInvoiceBadDenomination(token, currency);
        PaymentStorage.PriceFeed memory config;
        if (feed != address(0)) {
            config = PaymentStorage.PriceFeed(feed, LibFeed.decimalsOf(feed), IERC20Metadata(token).decimals());
        }
        PaymentStorage.layout().feeds[currency][token] = config;
        emit PaymentPriceFeedSet(currency, token, feed);
    }

    /// @inheritdoc IPaymentInvoice
    function getInvoice(uint256 id) external view returns (Invoice memory) {
        return _invoice(id);
    }

    /// @inheritdoc IPaymentInvoice
    function quoteInvoice(
        uint256 id,
        address token,
        uint256 amount
    ) external view returns (uint256 amountIn, uint256 updatedAt) {
        Invoice storage invoice = _invoice(id);
        bytes32 currency = invoice.currency;
        if (currency == bytes32(0)) revert PaymentInvoiceWrongKind(id, bytes32(0));
        _remainingAfter(invoice, id, amount);
        // Any age passes (see the interface); a future-dated update still reverts in LibFeed.
        return _quote(currency, token, amount, type(uint256).max);
    }

    /// @dev Token units worth `amount` of `currency` at the feed's price, no older than
    /// `maxAge` seconds, rounded up so the payee never receives less than the value settled.
    function _quote(
        bytes32 currency,
        address token,
        uint256 amount,
        uint256 maxAge
    ) private view returns (uint256 amountIn, uint256 updatedAt) {
        PaymentStorage.PriceFeed memory config = PaymentStorage.layout().feeds[currency][token];
        if (config.feed == address(0)) revert PaymentPriceFeedMissing(currency, token);
        uint256 price;
        (price, updatedAt) = LibFeed.read(config.feed, maxAge);
        amountIn = LibFeed.convertBack(
            amount,
            price,
            config.feedDecimals,
            PaymentStorage.CURRENCY_DECIMALS,
            config.tokenDecimals,
            Math.Rounding.Ceil
        );
    }

    /// @dev What remains of the invoice once `amount` is settled. Refuses a zero amount, more
    /// than remains, and a part of it when the payee did not allow instalments.
    function _remainingAfter(Invoice storage invoice, uint256 id, uint256 amount) private view returns (uint256) {
        // paid <= amount always: every payment settles at most what remains.
        uint256 remaining = invoice.amount - invoice.paid;
        if (amount == 0 || amount > remaining || (amount != remaining && !invoice.instalments)) {
            revert PaymentInvoiceAmountInvalid(id, amount, remaining);
        }
        return remaining - amount;
    }

    /// @dev Adds `amount` to what is paid and closes the invoice when nothing remains.
    function _recordPayment(Invoice storage invoice, uint256 amount, uint256 remaining) private {
        // amount <= what remained, so paid + amount <= invoice.amount < 2^128: the cast is exact.
        invoice.paid += uint128(amount);
        if (remaining == 0) invoice.status = InvoiceStatus.Paid;
    }

    function _invoice(uint256 id) private view returns (Invoice storage invoice) {
        invoice = PaymentStorage.layout().invoices[id];
        if (invoice.status == InvoiceStatus.None) revert PaymentInvoiceUnknown(id);
    }

    /// @dev An open, unexpired invoice the caller may pay. Expiry applies to every instalment.
    function _payable(uint256 id) private view returns (Invoice storage invoice) {
        invoice = _invoice(id);
        if (invoice.status != InvoiceStatus.Open) revert PaymentInvoiceNotOpen(id, invoice.status);
        if (block.timestamp > invoice.dueDate) revert PaymentInvoiceExpired(id, invoice.dueDate);
        if (invoice.payer != address(0) && invoice.payer != msg.sender) {
            revert PaymentInvoiceWrongPayer(id, invoice.payer, msg.sender);
        }
        if (invoice.payee == msg.sender) revert IPayment.PaymentPayeeIsPayer(msg.sender);
    }
}
