// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @notice The subset of Chainlink's AggregatorV3Interface that the module reads. It is
/// declared here because Chainlink's npm package depends on a git URL and cannot be
/// installed offline; any Chainlink-compatible feed works.
interface IPriceFeed {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @title Payment module: invoices, paid in their token or, cross-currency, at an oracle rate.
/// @notice A payee issues an invoice for a payer (or for anyone: payer zero) with a due
/// date. A token invoice is paid in full, once, in its token. A currency invoice (e.g.
/// "USD", amount in the price feed's units) is paid in any token with a price feed for
/// that currency, converted at the feed's rate, with a payer-supplied maximum amount in and
/// maximum price age. Payments go over a rail and carry the module's fee, like `pay`.
interface IPaymentInvoice {
    enum InvoiceStatus {
        None,
        Open,
        Paid,
        Cancelled
    }

    struct Invoice {
        address payee;
        address payer;
        address token;
        uint64 dueDate;
        InvoiceStatus status;
        bytes32 currency;
        uint256 amount;
        bytes32 paymentRef;
    }

    event InvoiceIssued(uint256 indexed id, address indexed payee, address indexed payer, Invoice invoice);
    /// @notice `amountIn` is what the payee received, in `token`.
    event InvoicePaid(uint256 indexed id, address indexed payer, address token, uint256 amountIn, uint256 fee);
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
    error PaymentPriceFeedMissing(bytes32 currency, address token);
    error PaymentPriceInvalid(bytes32 currency, address token, int256 answer);
    error PaymentPriceStale(bytes32 currency, address token, uint256 updatedAt, uint256 maxPriceAge);
    /// @notice The conversion needs more than the payer allowed.
    error PaymentSlippage(uint256 required, uint256 maxAmountIn);

    /// @notice Issues an invoice payable to the caller. Exactly one of `token` (a token
    /// invoice; zero address is native) and `currency` (a currency invoice) is meaningful:
    /// pass `currency = 0` for a token invoice, `token = 0` for a currency invoice.
    function issueInvoice(
        address payer,
        address token,
        bytes32 currency,
        uint256 amount,
        uint64 dueDate,
        bytes32 paymentRef
    ) external returns (uint256 id);

    /// @notice Pays a token invoice in full (native: `msg.value` = amount + fee).
    function payInvoice(uint256 id, bytes32 channel, address token) external payable;

    /// @notice Pays a currency invoice in `token` at the feed's rate; reverts if it needs
    /// more than `maxAmountIn` (fee included) or the price is older than `maxPriceAge` seconds.
    function payInvoiceCrossCurrency(
        uint256 id,
        bytes32 channel,
        address token,
        uint256 maxAmountIn,
        uint256 maxPriceAge
    ) external;

    /// @notice Payee: cancels an open invoice.
    function cancelInvoice(uint256 id) external;

    /// @notice Sets the feed pricing one unit of `token` in `currency`. PAYMENT_ADMIN_ROLE.
    function setPaymentPriceFeed(bytes32 currency, address token, address feed) external;

    function getInvoice(uint256 id) external view returns (Invoice memory);

    /// @notice What paying currency invoice `id` in `token` costs now (before the fee).
    function quoteInvoice(uint256 id, address token) external view returns (uint256 amountIn, uint256 updatedAt);
}
