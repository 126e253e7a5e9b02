// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AssetHandler} from "./AssetHandler.sol";
import {AssetChecks} from "./AssetInvariant.t.sol";
import {LendingHandler} from "./LendingHandler.sol";
import {LendingChecks} from "./LendingInvariant.t.sol";
import {PaymentHandler} from "./PaymentHandler.sol";
import {PaymentChecks} from "./PaymentInvariant.t.sol";

/// @title One diamond with every module installed: credit, payment, lending, upkeep,
/// identity and asset, sharing a stablecoin.
/// @notice The payment handler builds the diamond and installs credit and payment; the
/// lending handler installs lending on the same diamond (as the payment handler's upgrader) and
/// lends the payment handler's token A as pool USD's asset; the asset handler installs
/// upkeep (lending's init only registers its keeper work: the module is not installed
/// yet), identity and asset there, and takes token A as the payment token of its
/// offerings, distributions and redemptions. Both follow the payment handler's clock. The
/// campaign interleaves the three handlers' actions; each still predicts every call
/// exactly, and the diamond's balance of each token must be exactly what the three
/// modules account for between them.
abstract contract SuiteChecks is PaymentChecks, LendingChecks, AssetChecks {
    function _deploySuite() internal {
        _deploy();
        _deployLending(address(diamond), address(handler), address(handler), address(tokenA));
        assertEq(address(lendingSuite), address(diamond), "one diamond");
        assertEq(lendingHandler.tokens()[0], address(tokenA), "pool USD lends token A");
        _deployAsset(address(diamond), address(handler), address(handler), address(tokenA));
        assertEq(address(assetSuite), address(diamond), "asset on the same diamond");
        assertEq(address(assetHandler.payToken()), address(tokenA), "assets are paid in token A");
        assertTrue(assetSuite.isModuleInstalled(assetHandler.UPKEEP_MODULE()), "upkeep installed once");
    }

    /// @dev Per token: the diamond holds exactly payment's books (accrued fees + escrowed)
    /// plus the credit book (payment's refused payouts) plus lending's (pool cash + posted
    /// collateral) plus asset's (subscriptions and proceeds due, unclaimed distributions,
    /// redemption funds), each as its handler models it; and token A's whole supply is with
    /// the three handlers' accounts and the diamond.
    function _checkSuiteBooks() internal view {
        address[3] memory payAssets = handler.assets(); // native, token A, token B
        for (uint256 k; k < 3; ++k) {
            address asset = payAssets[k];
            uint256 paymentBooks = _paymentBooks(asset);
            uint256 lendingBooks = asset == address(tokenA) ? _lendingBooks(0) : 0;
            uint256 assetBooks = _assetBooks(asset);
            if (asset != address(0)) {
                assertEq(lendingSuite.lendingBooks(asset), lendingBooks, "lendingBooks of a payment asset");
            }
            assertEq(
                handler.balanceOf(asset, address(diamond)),
                paymentBooks + lendingBooks + assetBooks,
                string.concat(_assetName(asset), ": diamond balance == payment + lending + asset books")
            );
        }
        for (uint256 t = 1; t < 3; ++t) {
            address token = lendingHandler.tokens()[t];
            assertEq(payment.accruedPaymentFees(token), 0, "no payment fees in a lending-only token");
            assertEq(assetSuite.assetBooks(token), 0, "no asset books in a lending-only token");
            assertEq(
                IERC20(token).balanceOf(address(diamond)),
                _lendingBooks(t),
                string.concat(_tokenName(t), ": diamond balance == lending books")
            );
        }
        _checkSharedSupply();
    }

    /// @dev Payment's books of `asset` plus the credit book's (payment is the only module
    /// that credits here), each part as the payment handler models it.
    function _paymentBooks(address asset) internal view returns (uint256) {
        uint256 accrued = payment.accruedPaymentFees(asset);
        uint256 escrowed = escrow.escrowedAmount(asset);
        uint256 credited = credit.totalCredits(asset);
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
        // The asset handler's wallets, issuer and treasury, each as its model says.
        sum += _assetPaymentHeld();
        assertEq(sum, tokenA.totalSupply(), "token A: all of it with the actors, treasuries and diamond");
        assertEq(
            tokenA.totalSupply(),
            4 * handler.INITIAL_BALANCE() + 4 * lendingHandler.minted(0) + assetHandler.paymentMinted(),
            "token A: nothing minted or burnt since"
        );
    }

    function _checkSuiteAll() internal view {
        _checkHandlerPredictions();
        _checkEscrows();
        _checkInvoices();
        _checkRailAndFee(address(tokenA), "tokenA");
        _checkLendingAll();
        _checkAssetAll();
        _checkSuiteBooks();
    }
}

/// @title Invariants of payment, lending, identity and asset run together on one diamond.
contract SuiteInvariantTest is SuiteChecks {
    function setUp() public {
        _deploySuite();
        _seedMarket();
        _seedCampaign();
        _addTargetContract(address(handler));
        _addTargetSelectors(address(handler), _paymentActions());
        _addTargetContract(address(lendingHandler));
        _addTargetSelectors(address(lendingHandler), _lendingActions());
        _addTargetContract(address(assetHandler));
        _addTargetSelectors(address(assetHandler), _suiteAssetActions());
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
        a[10] = PaymentHandler.claimCredit.selector;
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

    /// @dev The asset module's actions that move token A (subscriptions, settlements,
    /// refunds, proceeds, distributions, redemptions), those that decide who may receive
    /// them (identities, recoveries, the blocklist) and its clock.
    function _suiteAssetActions() internal pure returns (bytes4[] memory a) {
        a = new bytes4[](16);
        a[0] = AssetHandler.subscribe.selector;
        a[1] = AssetHandler.settleSubscription.selector;
        // Not claimOfferingRefund (see AssetInvariant's `_assetActions`).
        a[2] = AssetHandler.payOfferingProceeds.selector;
        a[3] = AssetHandler.payOfferingProceeds.selector;
        a[4] = AssetHandler.createOffering.selector;
        a[5] = AssetHandler.cancelOffering.selector;
        a[6] = AssetHandler.createDistribution.selector;
        a[7] = AssetHandler.claimDistribution.selector;
        a[8] = AssetHandler.reclaimDistribution.selector;
        a[9] = AssetHandler.openRedemption.selector;
        a[10] = AssetHandler.redeem.selector;
        a[11] = AssetHandler.closeRedemption.selector;
        a[12] = AssetHandler.mint.selector;
        a[13] = AssetHandler.recoverWallet.selector;
        a[14] = AssetHandler.toggleBlocked.selector;
        a[15] = AssetHandler.warpTime.selector;
    }

    function invariant_SuiteFundsAllAccountedFor() public view {
        _checkSuiteAll();
    }
}

/// @title The three handlers by hand on the shared diamond: the suite checks are not vacuous.
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

    /// @dev The asset module takes token A for subscriptions, distributions and redemption
    /// funds and pays it out again, on the diamond that also holds payment's and lending's
    /// token A; time moves for all three; the books add up after each step.
    function test_SuiteAssetSharesTokenAWithPaymentAndLending() public {
        _seedMarket();
        _seedAssets(); // fund offering for a day, building distribution and fund redemption for two
        AssetHandler h = assetHandler;
        assertTrue(h.subscribe(0, 2, 300e6, 12), "C subscribes to the fund in token A");
        assertTrue(h.subscribe(0, 5, 100e6, 12), "the US investor too");
        assertTrue(handler.pay(_paySeed(0, 0, 0, 0), 500e18, "inv-1"), "payment in token A");
        assertTrue(lendingHandler.withdraw(_ls(0, 0, 0, 0, 0), 10_000e18), "lending pays token A out");
        _checkSuiteAll();
        assertTrue(h.claimDistribution(0, 0, 1, 12), "A's distribution in token A");
        assertTrue(h.redeem(0, 0, 10e6, 12), "A redeems fund tokens for token A");
        handler.warpTime(1 days); // the payment handler's clock: the offering ends
        assertEq(h.ghostTime(), handler.ghostTime(), "the asset handler follows the shared clock");
        assertTrue(h.settleSubscription(0, 2, 12), "C delivered: its payment becomes proceeds");
        h.toggleBlocked(5);
        assertTrue(h.setWalletFrozen(1, 5, 12), "the US investor frozen in the fund");
        assertTrue(h.settleSubscription(0, 5, 12), "its refund refused by token A: due");
        assertTrue(h.payOfferingProceeds(0, 0, 0), "proceeds to the asset treasury");
        assertTrue(h.claimOfferingRefund(0, 5, 0, 12), "the refund claimed to another wallet");
        assertTrue(assetSuite.assetBooks(address(tokenA)) > 0, "the distribution and redemption hold token A");
        assertEq(h.deliveries(), 1, "one delivery");
        assertEq(h.refundsDue(), 1, "one refund due");
        assertEq(h.mismatches(), 0, "asset as modelled");
        assertEq(lendingHandler.mismatches(), 0, "lending as modelled");
        _checkSuiteAll();
    }
}
