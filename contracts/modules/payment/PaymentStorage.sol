// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IPaymentEscrow} from "./IPaymentEscrow.sol";
import {IPaymentInvoice} from "./IPaymentInvoice.sol";

/// @title Storage of the payment module (ERC-7201 namespace `finsuite.payment`). Append-only.
library PaymentStorage {
    /// @dev Manages rails, fees and the treasury.
    bytes32 internal constant PAYMENT_ADMIN_ROLE = keccak256("finsuite.role.payment-admin");
    /// @dev Fee cap: 5 %.
    uint16 internal constant MAX_FEE_BPS = 500;

    /// @dev Everything a payment reads and writes about its rail (channel, token), in one
    /// word. `maxPerTx == 0` means the rail is disabled. `leftToday` is what may still move
    /// on `day`; the first payment of a later day restarts it at the rail's daily limit
    /// (in `DailyLimit`, read only then). Limits fit 96 bits (7.9e28 base units).
    struct Rail {
        uint96 maxPerTx;
        uint96 leftToday;
        uint32 day;
        uint16 feeBps;
    }

    /// @dev A rail's daily limit. `overspent` is what had been spent on `overspentDay` beyond
    /// a limit lowered that day (`leftToday` is then zero): spent today is always
    /// `maxPerDay - leftToday + overspent`, so no limit change forgets today's spending.
    struct DailyLimit {
        uint96 maxPerDay;
        uint96 overspent;
        uint32 overspentDay;
    }

    struct PriceFeed {
        address feed;
        uint8 feedDecimals;
        uint8 tokenDecimals;
    }

    /// @dev Currency invoices count in units of 10^-8 (Chainlink's fiat feeds use 8 decimals).
    uint8 internal constant CURRENCY_DECIMALS = 8;

    /// @custom:storage-location erc7201:finsuite.payment
    struct Layout {
        address treasury;
        // Fees the diamond holds for the treasury: with `escrowed`, all payment holds (what
        // recipients refused is in the credit book).
        mapping(address token => uint256 amount) accruedFees;
        mapping(bytes32 channel => mapping(address token => Rail)) rails;
        mapping(bytes32 channel => mapping(address token => DailyLimit)) dailyLimits;
        // Escrows: id (hash of the terms) -> status; totals held per token; nonce for ids.
        mapping(bytes32 id => IPaymentEscrow.EscrowStatus) escrowStatus;
        mapping(address token => uint256 amount) escrowed;
        uint64 escrowNonce;
        // Invoices, numbered from 1, and the price feeds of cross-currency payments.
        uint256 invoiceCount;
        mapping(uint256 id => IPaymentInvoice.Invoice) invoices;
        mapping(bytes32 currency => mapping(address token => PriceFeed)) feeds;
        // Retired in 1.0.0, kept for the append-only layout: no longer written nor read.
        // Refused payouts are credited in the diamond's credit book (LibCredit) instead.
        mapping(address token => mapping(address account => uint256 amount)) credits;
        mapping(address token => uint256 amount) credited;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.payment")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x56e5ae7dde0407dec00046e73ada30b5c1716dfc260441e18f7dad7e43f25d00;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }
}

/// @title Storage-layout probe of `finsuite.payment` (see contracts/layout/). Never deployed.
contract PaymentStorageLayout {
    PaymentStorage.Layout internal finsuite_payment;
}
