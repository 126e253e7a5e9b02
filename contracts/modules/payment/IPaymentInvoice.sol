// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IFeedErrors} from "../../shared/IPriceFeed.sol";

/// @title Payment module: invoices, paid in their token or, cross-currency, at an oracle rate.
/// @notice A payee issues an invoice for a payer (or for anyone: payer zero) with a due
/// date. A token invoice is paid in its token. A currency invoice (e.g. "USD", amount in
/// the price feed's units) is paid in any token with a price feed for that currency,
/// converted at the feed's rate, with a payer-supplied maximum amount in and maximum price
/// age. Each payment names the part of the invoice it settles: the whole remainder, or,
/// if the payee allowed instalments, any non-zero part of it. Payments go over a rail and
/// carry the module's fee, like `pay`. Prices are read with `LibFeed`, so a bad price
/// reverts with the suite's shared {IFeedErrors}, the same errors as in every module.
interface IPaymentInvoice is IFeedErrors {
    enum InvoiceStatus {
        None,
        Open,
        Paid,
        Cancelled
    }

    /// @notice An invoice as stored (five words). Amounts are in invoice units: token units
    /// for a token invoice, 10^-8 currency units for a currency invoice. The payment
    /// reference is not stored: `InvoiceIssued` carries it, for reconciliation from logs.
    struct Invoice {
        address payee; // word 0
        uint64 dueDate;
        InvoiceStatus status;
        bool instalments; // the payee allows partial payments
        address payer; // word 1; zero: anyone may pay
        address token; // word 2
        bytes32 currency; // word 3
        uint128 amount; // word 4: the total
        uint128 paid; // settled so far; Paid when it reaches `amount`
    }

    event InvoiceIssued(
        uint256 indexed id,
        address indexed payee,
        address indexed payer,
        Invoice invoice,
        bytes32 paymentRef
    );
    /// @notice `amountIn` is what the payee received, in `token`; `settled` is the part of
    /// the invoice this payment paid and `remaining` what is left after it, in invoice units.
    event InvoicePaid(
        uint256 indexed id,
        address indexed payer,
        address token,
        uint256 amountIn,
        uint256 fee,
        uint256 settled,
        uint256 remaining
    );
    event InvoiceCancelled(uint256 indexed id);
    event PaymentPriceFeedSet(bytes32 indexed currency, address indexed token, address feed);

    error PaymentInvoiceUnknown(uint256 id);
    error PaymentInvoiceNotOpen(uint256 id, InvoiceStatus status);
    error PaymentInvoiceExpired(uint256 id, uint64 dueDate);
    error PaymentInvoiceWrongPayer(uint256 id, address payer, address caller);
    error PaymentInvoiceNotPayee(uint256 id, address caller);
    error PaymentInvoiceWrongToken(uint256 id, address expected, address given);
    /// @notice A currency invoice must be paid with `payInvoiceCrossCurrency`, a token invoice with `payInvoice`.
    error PaymentInvoiceWrongKind(uint256 id, bytes32 currency);
    error PaymentInvoiceDueDateInPast(uint64 dueDate);
    /// @notice A token invoice needs a token-only definition, a currency invoice no token.
    error PaymentInvoiceBadDenomination(address token, bytes32 currency);
    /// @notice A payment must settle a non-zero part of the `remaining` amount, and all of
    /// it unless the invoice allows instalments.
    error PaymentInvoiceAmountInvalid(uint256 id, uint256 amount, uint256 remaining);
    error PaymentPriceFeedMissing(bytes32 currency, address token);
    /// @notice The conversion needs more than the payer allowed.
    error PaymentSlippage(uint256 required, uint256 maxAmountIn);

    /// @notice Issues an invoice payable to the caller. Exactly one of `token` (a token
    /// invoice; zero address is native) and `currency` (a currency invoice) is meaningful:
    /// pass `currency = 0` for a token invoice, `token = 0` for a currency invoice.
    /// `instalments` lets payers settle it in several parts. `paymentRef` is only emitted.
    function issueInvoice(
        address payer,
        address token,
        bytes32 currency,
        uint128 amount,
        uint64 dueDate,
        bytes32 paymentRef,
        bool instalments
    ) external returns (uint256 id);

    /// @notice Settles `amount` of token invoice `id` (native: `msg.value` = amount + fee).
    /// `amount` must be the remainder, or with instalments any non-zero part of it.
    function payInvoice(uint256 id, bytes32 channel, address token, uint256 amount) external payable;

    /// @notice Settles `amount` (10^-8 currency units) of currency invoice `id` in `token`
    /// at the feed's rate, rounded up; reverts with {PaymentSlippage} if that needs more
    /// than `maxAmountIn` (fee included), with {FeedPriceStale} if the price is older than
    /// `maxPriceAge` seconds or dated in the future, and with {FeedPriceInvalid} if it is
    /// zero or negative. `amount` as in `payInvoice`.
    function payInvoiceCrossCurrency(
        uint256 id,
        bytes32 channel,
        address token,
        uint256 amount,
        uint256 maxAmountIn,
        uint256 maxPriceAge
    ) external;

    /// @notice Payee: cancels an open invoice, partly paid or not. Payments already made
    /// are final: they went straight to the payee.
    function cancelInvoice(uint256 id) external;

    /// @notice Sets the feed pricing one unit of `token` in `currency` (feed 0 removes it).
    /// PAYMENT_ADMIN_ROLE. The feed's decimals are read and stored now; a feed with more
    /// than 36 decimals is refused with {FeedDecimalsInvalid}.
    function setPaymentPriceFeed(bytes32 currency, address token, address feed) external;

    function getInvoice(uint256 id) external view returns (Invoice memory);

    /// @notice What settling `amount` (10^-8 currency units) of currency invoice `id` in
    /// `token` costs now (before the fee). An `amount` a payment could not settle (zero,
    /// more than remains, or a part of an invoice without instalments) reverts with
    /// {PaymentInvoiceAmountInvalid}, as the payment would.
    /// No age limit applies here: the caller judges `updatedAt` (the feed's last update),
    /// the payment applies its `maxPriceAge`. A zero or negative price
    /// reverts with {FeedPriceInvalid}, and an update dated in the future with
    /// {FeedPriceStale} (`maxAge` = type(uint256).max), because no payment could use it.
    function quoteInvoice(
        uint256 id,
        address token,
        uint256 amount
    ) external view returns (uint256 amountIn, uint256 updatedAt);
}
