// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title Payment module: payments with a paymentRef, batch payouts, rails and fees.
/// @notice Every payment names a channel (a payment rail such as "SEPA-EUR" or
/// "mobile"): the admin enables tokens per channel with a per-transaction and a per-day
/// limit, and refused tokens never move. A protocol fee in basis points, per token on each
/// channel, is paid by the payer on top of the amount, kept by the diamond and withdrawn to
/// the treasury; the payee always receives exactly `amount`. Token address zero means the native currency.
/// Tokens that deliver less than the amount sent (fee-on-transfer, rebasing down) are
/// refused with {PaymentTokenShortfall}: the module measures what arrives. A payout the
/// recipient refuses (an escrow release, refund or split) is credited to it in the
/// diamond's one credit book ({ICredit-Credited}, module id `payment`) and claimed with
/// {ICredit-claimCredit}.
interface IPayment {
    /// @notice A payment; `paymentRef` is the caller's invoice or order id, for reconciliation from logs.
    event PaymentSent(
        bytes32 indexed paymentRef,
        address indexed payer,
        address indexed payee,
        bytes32 channel,
        address token,
        uint256 amount,
        uint256 fee
    );
    /// @notice A batch payout of `count` transfers totalling `total`.
    event PaymentBatchSent(
        bytes32 indexed paymentRef,
        address indexed payer,
        bytes32 channel,
        address token,
        uint256 count,
        uint256 total,
        uint256 fee
    );
    event PaymentRailSet(bytes32 indexed channel, address indexed token, uint96 maxPerTx, uint96 maxPerDay);
    event PaymentFeeSet(bytes32 indexed channel, address indexed token, uint16 feeBps);
    event PaymentTreasurySet(address indexed treasury);
    event PaymentFeesWithdrawn(address indexed token, address indexed treasury, uint256 amount);

    error PaymentZeroAmount();
    /// @notice The payee is the zero address or the diamond itself.
    error PaymentZeroPayee();
    /// @notice Paying oneself moves nothing.
    error PaymentPayeeIsPayer(address payee);
    /// @notice The rail (channel, token) is not enabled: the admin must call `setPaymentRail`.
    error PaymentRailDisabled(bytes32 channel, address token);
    error PaymentRailTxLimit(bytes32 channel, address token, uint256 amount, uint256 maxPerTx);
    /// @notice `spentToday` includes this payment.
    error PaymentRailDailyLimit(bytes32 channel, address token, uint256 spentToday, uint256 maxPerDay);
    /// @notice A rail's daily limit must be at least its per-transaction limit.
    error PaymentRailLimitsInvalid(uint96 maxPerTx, uint96 maxPerDay);
    error PaymentFeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    error PaymentTreasuryNotSet();
    error PaymentNoFeesAccrued(address token);
    /// @notice A native payment must carry exactly amount + fee.
    error PaymentWrongValue(uint256 expected, uint256 sent);
    /// @notice Native currency sent with an ERC-20 payment.
    error PaymentUnexpectedValue(uint256 sent);
    /// @notice The native-currency recipient refused the transfer.
    error PaymentNativeTransferFailed(address to, uint256 amount);
    /// @notice The token delivered less than it was asked to move.
    error PaymentTokenShortfall(address token, uint256 expected, uint256 received);
    error PaymentBatchLengthMismatch(uint256 payees, uint256 amounts);
    error PaymentBatchEmpty();
    /// @notice Entry `index` of a batch has a zero amount, a payee that is zero, the payer
    /// or the diamond, or its transfer failed.
    error PaymentBatchEntryInvalid(uint256 index);

    /// @notice Pays `amount` of ERC-20 `token` to `payee` over `channel`; the payer also pays
    /// the fee. Needs an allowance of amount + fee for the diamond.
    function pay(bytes32 channel, address token, address payee, uint256 amount, bytes32 paymentRef) external payable;

    /// @notice `pay` with an EIP-2612 permit for amount + fee, in one transaction.
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
    ) external payable;

    /// @notice Pays `amount` of the native currency to `payee`; `msg.value` must be amount + fee.
    function payNative(bytes32 channel, address payee, uint256 amount, bytes32 paymentRef) external payable;

    /// @notice Pays every `payees[i]` its `amounts[i]` of `token` (zero = native, with
    /// `msg.value` = total + fee), all or nothing. Errors name the failing entry.
    function payBatch(
        bytes32 channel,
        address token,
        address[] calldata payees,
        uint256[] calldata amounts,
        bytes32 paymentRef
    ) external payable;

    /// @notice Enables (maxPerTx > 0) or disables (0) a token on a channel. PAYMENT_ADMIN_ROLE.
    /// Changing the daily limit mid-day keeps what was already spent today.
    function setPaymentRail(bytes32 channel, address token, uint96 maxPerTx, uint96 maxPerDay) external;

    /// @notice Sets the fee of `token` on `channel` in basis points, at most `MAX_FEE_BPS`
    /// (500). It may be set before the rail is enabled. PAYMENT_ADMIN_ROLE.
    function setPaymentFee(bytes32 channel, address token, uint16 feeBps) external;

    /// @notice Sets where withdrawn fees go. PAYMENT_ADMIN_ROLE.
    function setPaymentTreasury(address treasury) external;

    /// @notice Sends the accrued fees of `token` to the treasury. Anyone may call it.
    function withdrawPaymentFees(address token) external;

    function paymentRail(
        bytes32 channel,
        address token
    ) external view returns (uint96 maxPerTx, uint96 maxPerDay, uint256 spentToday, uint16 feeBps);

    function paymentTreasury() external view returns (address);

    function accruedPaymentFees(address token) external view returns (uint256);
}
