// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {LendingHandler} from "./LendingHandler.sol";
import {LendingChecks} from "./LendingInvariant.t.sol";
import {PaymentHandler} from "./PaymentHandler.sol";
import {PaymentChecks} from "./PaymentInvariant.t.sol";

/// @title One diamond with payment and lending installed, sharing a stablecoin.
/// @notice The payment handler builds the diamond and installs payment; the lending
/// handler installs lending on the same diamond (as the payment handler's upgrader) and
/// lends the payment handler's token A as pool USD's asset, following its clock. The
/// campaign interleaves both handlers' actions; each still predicts every call exactly,
/// and the diamond's balance of each token must be exactly what the two modules account
/// for between them.
abstract contract SuiteChecks is PaymentChecks, LendingChecks {
    function _deploySuite() internal {
        _deploy();
        _deployLending(address(diamond), address(handler), address(handler), address(tokenA));
        assertEq(address(lendingSuite), address(diamond), "one diamond");
        assertEq(lendingHandler.tokens()[0], address(tokenA), "pool USD lends token A");
    }

    /// @dev Per token: the diamond holds exactly payment's books (accrued fees + escrowed +
    /// credits) plus lending's (pool cash + posted collateral), each as its handler models
    /// it; and token A's whole supply is with the two handlers' actors and treasuries and
    /// the diamond.
    function _checkSuiteBooks() internal view {
        address[3] memory payAssets = handler.assets(); // native, token A, token B
        for (uint256 k; k < 3; ++k) {
            address asset = payAssets[k];
            uint256 paymentBooks = _paymentBooks(asset);
            uint256 lendingBooks = asset == address(tokenA) ? _lendingBooks(0) : 0;
            if (asset != address(0)) {
                assertEq(lendingSuite.lendingBooks(asset), lendingBooks, "lendingBooks of a payment asset");
            }
            assertEq(
                handler.balanceOf(asset, address(diamond)),
                paymentBooks + lendingBooks,
                string.concat(_assetName(asset), ": diamond balance == payment books + lending books")
            );
        }
        for (uint256 t = 1; t < 3; ++t) {
            address token = lendingHandler.tokens()[t];
            assertEq(payment.accruedPaymentFees(token), 0, "no payment fees in a lending-only token");
            assertEq(
                IERC20(token).balanceOf(address(diamond)),
                _lendingBooks(t),
                string.concat(_tokenName(t), ": diamond balance == lending books")
            );
        }
        _checkSharedSupply();
    }

    /// @dev Payment's books of `asset`, each part as the payment handler models it.
    function _paymentBooks(address asset) internal view returns (uint256) {
        uint256 accrued = payment.accruedPaymentFees(asset);
        uint256 escrowed = escrow.escrowedAmount(asset);
        uint256 credited = payment.totalPaymentCredits(asset);
        assertEq(accrued, handler.ghostAccrued(asset), string.concat(_assetName(asset), ": accrued as modelled"));
        assertEq(escrowed, handler.ghostEscrowed(asset), string.concat(_assetName(asset), ": escrowed as modelled"));
        assertEq(credited, handler.ghostCredited(asset), string.concat(_assetName(asset), ": credits as modelled"));
        return accrued + escrowed + credited;
    }

    function _checkSharedSupply() internal view {
        uint256 sum = tokenA.balanceOf(address(diamond)) + tokenA.balanceOf(treasury);
        sum += tokenA.balanceOf(lendingHandler.treasury());
        address[4] memory lendingActors = lendingHandler.actors();
        for (uint256 i; i < 4; ++i) sum += tokenA.balanceOf(actors[i]) + tokenA.balanceOf(lendingActors[i]);
        assertEq(sum, tokenA.totalSupply(), "token A: all of it with the actors, treasuries and diamond");
        assertEq(
            tokenA.totalSupply(),
            4 * handler.INITIAL_BALANCE() + 4 * lendingHandler.minted(0),
            "token A: nothing minted or burnt since"
        );
    }

    function _checkSuiteAll() internal view {
        _checkHandlerPredictions();
        _checkEscrows();
        _checkInvoices();
        _checkRailAndFee(address(tokenA), "tokenA");
        _checkLendingAll();
        _checkSuiteBooks();
    }
}

/// @title Invariants of payment and lending run together on one diamond.
contract SuiteInvariantTest is SuiteChecks {
    function setUp() public {
        _deploySuite();
        _seedMarket();
        _addTargetContract(address(handler));
        _addTargetSelectors(address(handler), _paymentActions());
        _addTargetContract(address(lendingHandler));
        _addTargetSelectors(address(lendingHandler), _lendingActions());
        // As in the payment campaign: token A refuses actor 3, so payouts meet refusals early.
        handler.toggleBlocked(3 << 8);
    }

    /// @dev Payment's money-moving actions (pay, escrow create/release/refund/reclaim,
    /// fees, credits, invoices) and its clock.
    function _paymentActions() internal pure returns (bytes4[] memory a) {
        a = new bytes4[](12);
        a[0] = PaymentHandler.pay.selector;
        a[1] = PaymentHandler.pay.selector;
        a[2] = PaymentHandler.payBatch.selector;
        a[3] = PaymentHandler.createEscrow.selector;
        a[4] = PaymentHandler.createEscrow.selector;
        a[5] = PaymentHandler.releaseEscrow.selector;
        a[6] = PaymentHandler.refundEscrow.selector;
        a[7] = PaymentHandler.reclaimEscrow.selector;
        a[8] = PaymentHandler.withdrawPaymentFees.selector;
        a[9] = PaymentHandler.setPaymentFee.selector;
        a[10] = PaymentHandler.claimPaymentCredit.selector;
        a[11] = PaymentHandler.warpTime.selector;
    }

    function _lendingActions() internal pure returns (bytes4[] memory a) {
        a = new bytes4[](12);
        a[0] = LendingHandler.supply.selector;
        a[1] = LendingHandler.withdraw.selector;
        a[2] = LendingHandler.supplyCollateral.selector;
        a[3] = LendingHandler.withdrawCollateral.selector;
        a[4] = LendingHandler.borrow.selector;
        a[5] = LendingHandler.repay.selector;
        a[6] = LendingHandler.liquidate.selector;
        a[7] = LendingHandler.liquidate.selector;
        a[8] = LendingHandler.movePrice.selector;
        a[9] = LendingHandler.warpTime.selector;
        a[10] = LendingHandler.withdrawReserves.selector;
        a[11] = LendingHandler.transferShares.selector;
    }

    function invariant_SuiteFundsAllAccountedFor() public view {
        _checkSuiteAll();
    }
}

/// @title Both handlers by hand on the shared diamond: the suite checks are not vacuous.
contract SuiteHandlerTest is SuiteChecks {
    function setUp() public {
        _deploySuite();
    }

    /// @dev Payment and lending move token A through the same diamond, time moves for both,
    /// and the books add up after each step.
    function test_SuitePaymentAndLendingShareTokenA() public {
        _seedMarket();
        _checkSuiteAll();
        assertTrue(handler.pay(_paySeed(0, 0, 0, 0), 500e18, "inv-1"), "pay A");
        assertTrue(handler.createEscrow(_escrowSeed(1, 0, 1, 0, 0), 200e18, "e"), "escrow A");
        _checkSuiteAll();
        uint256 before = lendingHandler.ghostTime();
        lendingHandler.warpTime(0, 12 hours);
        assertEq(lendingHandler.ghostTime(), before + 12 hours, "lending moved the shared clock");
        assertEq(handler.ghostTime(), before + 12 hours, "payment sees it");
        assertTrue(handler.releaseEscrow(0), "release escrow");
        assertTrue(lendingHandler.repay(_ls(2, 0, 0, 0, 0), 1_000e18), "repay token A");
        assertTrue(lendingHandler.withdraw(_ls(0, 0, 0, 0, 0), 10_000e18), "withdraw token A");
        handler.warpTime(1 days);
        assertTrue(handler.withdrawPaymentFees(1), "payment fees out");
        assertTrue(lendingHandler.withdrawReserves(_ls(0, 0, 0, 0, 0), 1), "lending reserves out");
        assertTrue(tokenA.balanceOf(address(diamond)) > payment.accruedPaymentFees(address(tokenA)), "lending cash");
        assertEq(lendingHandler.mismatches(), 0, "lending as modelled");
        _checkSuiteAll();
    }
}
