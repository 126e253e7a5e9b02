// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ModuleChecks} from "./ModuleChecks.sol";
import {boundTo} from "./TestBase.sol";
import {
    PaymentHandler,
    PaymentTestToken,
    creditSelectors,
    paymentEscrowSelectors,
    paymentInvoiceSelectors,
    paymentSelectors
} from "./PaymentHandler.sol";
import {IFinanceDiamond} from "../../contracts/interfaces/IFinanceDiamond.sol";
import {IPayment} from "../../contracts/modules/payment/IPayment.sol";
import {IPaymentEscrow} from "../../contracts/modules/payment/IPaymentEscrow.sol";
import {IPaymentInvoice} from "../../contracts/modules/payment/IPaymentInvoice.sol";
import {ICredit} from "../../contracts/shared/credit/ICredit.sol";
import {ModuleInfo} from "../../contracts/types/ModuleTypes.sol";

/// @dev Checks shared by the invariant campaign, the plain tests and the fuzz tests: the
/// diamond's balances, accrued fees, rails and fees must be what the handler's model says,
/// and the measured totals must balance.
abstract contract PaymentChecks is ModuleChecks {
    PaymentHandler internal handler;
    IFinanceDiamond internal diamond;
    IPayment internal payment;
    IPaymentEscrow internal escrow;
    IPaymentInvoice internal invoices;
    /// @dev The diamond's credit book: payment is the only module crediting in these suites.
    ICredit internal credit;
    PaymentTestToken internal tokenA;
    PaymentTestToken internal tokenB;
    address internal treasury;
    address internal admin;
    address[4] internal actors;

    bytes32 internal constant CHANNEL = "main";
    address internal constant NATIVE = address(0);

    function _deploy() internal {
        // The test chain starts at timestamp 1, which is also the timelock's DONE marker:
        // with delay 0 an operation scheduled there would read as already executed.
        vm.warp(1_700_000_000);
        handler = new PaymentHandler();
        diamond = handler.diamond();
        payment = handler.payment();
        escrow = handler.escrow();
        invoices = handler.invoices();
        credit = handler.credit();
        tokenA = handler.tokenA();
        tokenB = handler.tokenB();
        treasury = handler.treasury();
        admin = handler.admin();
        actors = handler.actors();
        vm.label(address(handler), "PaymentHandler");
        vm.label(address(diamond), "Diamond");
    }

    // ------------------------------------------------------------------ the properties

    /// @dev Every call the handler made did exactly what the model predicted.
    function _checkHandlerPredictions() internal view {
        if (handler.mismatches() == 0) return;
        (bytes32 action, string memory what, bytes memory data) = abi.decode(
            handler.lastMismatch(),
            (bytes32, string, bytes)
        );
        fail(
            string.concat(
                "handler outcome differs from model (",
                _dec(handler.mismatches()),
                "x), last: ",
                _actionName(action),
                ": ",
                what,
                " ",
                _shortBytes(data)
            )
        );
    }

    /// @dev For each asset: the diamond holds exactly its accrued fees plus what is in open
    /// escrows; what payers lost is what payees got plus the fees; the fees are what is
    /// accrued plus what the treasury got; what went into escrows is what is still in them
    /// plus what came out to payees and payers; every actor's balance is its start plus
    /// what it received minus what it paid or escrowed; nothing exists outside the watched
    /// accounts, and their total never changes.
    function _checkAccounting() internal view {
        address[3] memory all = handler.assets();
        for (uint256 k; k < 3; ++k) _checkAsset(all[k]);
    }

    function _checkAsset(address asset) internal view {
        string memory tag = _assetName(asset);
        uint256 accrued = payment.accruedPaymentFees(asset);
        uint256 escrowed = escrow.escrowedAmount(asset);
        uint256 credited = credit.totalCredits(asset);
        uint256 held = handler.balanceOf(asset, address(diamond));
        assertEq(
            held,
            accrued + escrowed + credited,
            string.concat(tag, ": diamond balance == accrued fees + escrowed + credits")
        );
        assertEq(credited, handler.ghostCredited(asset), string.concat(tag, ": credits as modelled"));
        assertEq(accrued, handler.ghostAccrued(asset), string.concat(tag, ": accrued as modelled"));
        assertEq(escrowed, handler.ghostEscrowed(asset), string.concat(tag, ": escrowed as modelled"));
        assertEq(
            handler.ghostEscrowIn(asset),
            escrowed + handler.ghostEscrowToPayees(asset) + handler.ghostEscrowToPayers(asset),
            string.concat(tag, ": escrowed in == still escrowed + out to payees + out to payers")
        );

        uint256 taken = handler.ghostTakenFromPayers(asset);
        uint256 paid = handler.ghostPaidToPayees(asset);
        uint256 fees = handler.ghostFeesCharged(asset);
        uint256 withdrawn = handler.ghostWithdrawn(asset);
        assertEq(taken, paid + fees, string.concat(tag, ": taken from payers == paid to payees + fees"));
        assertEq(fees, accrued + withdrawn, string.concat(tag, ": fees == accrued + withdrawn"));
        assertEq(
            handler.balanceOf(asset, treasury),
            withdrawn,
            string.concat(tag, ": treasury holds exactly what was withdrawn")
        );
        assertEq(handler.balanceOf(asset, admin), 0, string.concat(tag, ": admin holds nothing"));

        uint256 sumActors = _checkActors(asset, tag, taken, paid);
        // Nothing outside the actors, the treasury and the diamond.
        uint256 supply = asset == NATIVE ? 4 * handler.INITIAL_BALANCE() : PaymentTestToken(asset).totalSupply();
        assertEq(sumActors + held + withdrawn, supply, string.concat(tag, ": supply all accounted for"));
        // Conservation: actors + treasury + diamond always hold what the actors started with.
        assertEq(
            sumActors + handler.balanceOf(asset, treasury) + held,
            4 * handler.INITIAL_BALANCE(),
            string.concat(tag, ": money conserved")
        );
        _checkRailAndFee(asset, tag);
    }

    /// @dev One actor: balance and credit as modelled; returns its balance, payee receipts and spending.
    function _checkActor(
        address asset,
        string memory tag,
        address actor
    ) internal view returns (uint256 bal, uint256 received, uint256 spent) {
        bal = handler.balanceOf(asset, actor);
        received = handler.ghostReceived(asset, actor);
        spent = handler.ghostSpent(asset, actor);
        uint256 gained =
            received + handler.ghostEscrowReceived(asset, actor) + handler.ghostClaimReceived(asset, actor);
        assertTrue(
            bal <= handler.INITIAL_BALANCE() + gained,
            string.concat(tag, ": an actor gained other than as payee, from an escrow or a claim")
        );
        assertEq(
            bal + spent + handler.ghostEscrowFunded(asset, actor),
            handler.INITIAL_BALANCE() + gained,
            string.concat(tag, ": actor balance == start + received - spent - escrowed + claimed")
        );
        assertEq(
            credit.creditOf(asset, actor),
            handler.ghostCredit(asset, actor),
            string.concat(tag, ": actor's credit as modelled")
        );
    }

    /// @dev Each actor holds its start + received as payee - paid as payer; returns the sum.
    function _checkActors(
        address asset,
        string memory tag,
        uint256 taken,
        uint256 paid
    ) internal view returns (uint256 sumActors) {
        uint256 sumReceived;
        uint256 sumSpent;
        for (uint256 i; i < 4; ++i) {
            (uint256 bal, uint256 received, uint256 spent) = _checkActor(asset, tag, actors[i]);
            sumActors += bal;
            sumReceived += received;
            sumSpent += spent;
        }
        assertEq(sumSpent, taken, string.concat(tag, ": modelled spending == measured taken"));
        assertEq(sumReceived, paid, string.concat(tag, ": modelled receipts == measured paid"));
    }

    function _checkRailAndFee(address asset, string memory tag) internal view {
        (uint96 maxPerTx, uint96 maxPerDay, uint256 spentToday, uint16 feeBps) = payment.paymentRail(CHANNEL, asset);
        assertEq(feeBps, handler.ghostFeeBps(asset), string.concat(tag, ": fee as modelled"));
        assertEq(maxPerTx, handler.ghostMaxPerTx(asset), string.concat(tag, ": maxPerTx as modelled"));
        assertEq(maxPerDay, handler.ghostMaxPerDay(asset), string.concat(tag, ": maxPerDay as modelled"));
        // Today's spending survives every limit change (it may exceed a limit lowered today).
        assertEq(spentToday, handler.ghostSpentToday(asset), string.concat(tag, ": spentToday as modelled"));
    }

    /// @dev Every escrow the handler created has on chain the status the model gives it:
    /// open ones are Funded or Disputed as modelled, closed ones never reopen; and
    /// `escrowedAmount` is, per asset, the sum of the open escrows' amounts.
    function _checkEscrows() internal view {
        address[3] memory all = handler.assets();
        uint256[3] memory openSum;
        uint256 n = handler.escrowCount();
        uint256 open;
        for (uint256 k; k < n; ++k) {
            IPaymentEscrow.EscrowTerms memory t = handler.escrowTerms(k);
            IPaymentEscrow.EscrowStatus modelled = handler.escrowModelStatus(k);
            IPaymentEscrow.EscrowStatus onChain = escrow.escrowStatus(escrow.escrowId(t));
            bool isOpen =
                modelled == IPaymentEscrow.EscrowStatus.Funded || modelled == IPaymentEscrow.EscrowStatus.Disputed;
            if (!isOpen) {
                assertTrue(
                    onChain != IPaymentEscrow.EscrowStatus.Funded && onChain != IPaymentEscrow.EscrowStatus.Disputed,
                    "a closed escrow reopened"
                );
            }
            assertEq(uint256(onChain), uint256(modelled), "escrow status as modelled");
            if (!isOpen) continue;
            ++open;
            for (uint256 a; a < 3; ++a) {
                if (t.token == all[a]) openSum[a] += t.amount;
            }
        }
        assertEq(open, handler.openEscrowCount(), "open escrow list as modelled");
        for (uint256 a; a < 3; ++a) {
            assertEq(
                escrow.escrowedAmount(all[a]),
                openSum[a],
                string.concat(_assetName(all[a]), ": escrowedAmount == sum of open escrows")
            );
        }
    }

    /// @dev Every invoice the handler issued is on chain exactly as modelled (terms, status
    /// and amount paid); a paid or cancelled one never reads Open again; an invoice is Paid
    /// exactly when all of it is paid, and never paid beyond its amount; what remains of an
    /// open USD invoice quotes at the modelled price; and there is no invoice beyond the
    /// last one issued.
    function _checkInvoices() internal view {
        uint256 n = handler.invoiceCount();
        for (uint256 id = 1; id <= n; ++id) {
            IPaymentInvoice.Invoice memory m = handler.invoiceModel(id);
            IPaymentInvoice.Invoice memory c = invoices.getInvoice(id);
            if (m.status != IPaymentInvoice.InvoiceStatus.Open) {
                assertTrue(c.status != IPaymentInvoice.InvoiceStatus.Open, "a paid or cancelled invoice reopened");
            }
            assertEq(uint256(c.status), uint256(m.status), "invoice status as modelled");
            assertEq(uint256(c.paid), uint256(m.paid), "invoice paid as modelled");
            assertTrue(c.paid <= c.amount, "never paid beyond the amount");
            assertEq(
                c.status == IPaymentInvoice.InvoiceStatus.Paid,
                c.paid == c.amount,
                "Paid exactly when all of it is paid"
            );
            assertEq(keccak256(abi.encode(c)), keccak256(abi.encode(m)), "invoice terms as issued");
            if (m.currency != bytes32(0) && m.status == IPaymentInvoice.InvoiceStatus.Open) {
                uint256 remaining = handler.invoiceRemaining(id);
                (uint256 amountIn, ) = invoices.quoteInvoice(id, address(tokenA), remaining);
                assertEq(amountIn, handler.usdToTokenA(remaining), "quote at the modelled price, rounded up");
            }
        }
        try invoices.getInvoice(n + 1) {
            fail("an invoice beyond the last one issued exists");
        } catch (bytes memory err) {
            assertEq(
                err,
                abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceUnknown.selector, n + 1),
                "next invoice unknown"
            );
        }
    }

    function _feeOf(address asset) internal view returns (uint16 feeBps) {
        (, , , feeBps) = payment.paymentRail(CHANNEL, asset);
    }

    function _checkAll() internal view {
        _checkHandlerPredictions();
        _checkAccounting();
        _checkEscrows();
        _checkInvoices();
    }

    // ------------------------------------------------------------------ helpers

    /// @dev A left-aligned bytes32 name without its zero padding.
    function _actionName(bytes32 action) internal pure returns (string memory name) {
        uint256 len;
        while (len < 32 && action[len] != 0) ++len;
        name = new string(len);
        for (uint256 i; i < len; ++i) bytes(name)[i] = action[i];
    }

    function _assetName(address asset) internal view returns (string memory) {
        if (asset == NATIVE) return "native";
        return asset == address(tokenA) ? "tokenA" : "tokenB";
    }

    function _bal(address asset, address account) internal view returns (uint256) {
        return handler.balanceOf(asset, account);
    }

    /// @dev A handler seed for `pay`/`payNative` with the given fields.
    function _paySeed(
        uint256 payer,
        uint256 payeeOffset,
        uint256 tokenBit,
        uint256 mode
    ) internal pure returns (uint256) {
        return payer | (payeeOffset << 8) | (tokenBit << 16) | (mode << 24);
    }

    /// @dev A handler seed for `createEscrow`: asset 0/3 native, 1 A, 2 B; arbiter 0 none,
    /// 1 the first other actor, 5 the second.
    function _escrowSeed(
        uint256 payer,
        uint256 payeeOffset,
        uint256 assetSel,
        uint256 arbiter,
        uint256 mode
    ) internal pure returns (uint256) {
        return payer | (payeeOffset << 8) | (assetSel << 16) | (arbiter << 20) | (mode << 24);
    }

    /// @dev `issueInvoice` seed bit: the invoice allows instalments.
    uint256 internal constant INSTALMENTS = 1 << 2;
    /// @dev `payInvoice` parts with mode 30: zero, more than remains, a part without instalments.
    uint256 internal constant PART_ZERO = 0;
    uint256 internal constant PART_TOO_MUCH = 1;
    uint256 internal constant PART_WITHOUT_INSTALMENTS = 2;

    /// @dev A handler seed for `issueInvoice`: kind 0 A, 1 B, 2 native, 3 USD; payerOffset 0: anyone.
    function _invoiceSeed(
        uint256 payee,
        uint256 payerOffset,
        uint256 kind,
        uint256 mode
    ) internal pure returns (uint256) {
        return payee | (payerOffset << 8) | (kind << 16) | (mode << 24);
    }

    /// @dev A handler seed for `payInvoice`/`cancelInvoice` on invoice `id` (from 1).
    function _invoicePick(uint256 id, uint256 mode) internal pure returns (uint256) {
        return (id - 1) | (7 << 16) | (mode << 24);
    }

    /// @dev A handler seed for `payBatch` with the given fields.
    function _batchSeed(uint256 assetSel, uint256 payer, uint256 count, uint256 mode) internal pure returns (uint256) {
        return assetSel | (payer << 4) | ((count - 1) << 8) | (mode << 16);
    }
}

/// @title Invariants of the payment module under random payments, batch payouts, fee
/// changes, withdrawals and time warps.
contract PaymentInvariantTest is PaymentChecks {
    function setUp() public {
        _deploy();
        _addTargetContract(address(handler));
        bytes4[] memory actions = new bytes4[](22);
        actions[0] = PaymentHandler.pay.selector;
        actions[1] = PaymentHandler.payNative.selector;
        actions[2] = PaymentHandler.payBatch.selector;
        actions[3] = PaymentHandler.setPaymentFee.selector;
        actions[4] = PaymentHandler.withdrawPaymentFees.selector;
        actions[5] = PaymentHandler.warpTime.selector;
        actions[6] = PaymentHandler.createEscrow.selector;
        // Twice: escrows must exist for the transitions to act on.
        actions[7] = PaymentHandler.createEscrow.selector;
        actions[8] = PaymentHandler.releaseEscrow.selector;
        actions[9] = PaymentHandler.refundEscrow.selector;
        actions[10] = PaymentHandler.reclaimEscrow.selector;
        actions[11] = PaymentHandler.disputeEscrow.selector;
        actions[12] = PaymentHandler.resolveEscrow.selector;
        // Issue and pay twice each: invoices must exist, and paying is what moves money.
        actions[13] = PaymentHandler.issueInvoice.selector;
        actions[14] = PaymentHandler.issueInvoice.selector;
        actions[15] = PaymentHandler.payInvoice.selector;
        actions[16] = PaymentHandler.payInvoice.selector;
        actions[17] = PaymentHandler.cancelInvoice.selector;
        // Refusals: escrow payouts to blocked actors are credited, then claimed.
        actions[18] = PaymentHandler.toggleBlocked.selector;
        actions[19] = PaymentHandler.claimCredit.selector;
        actions[20] = PaymentHandler.claimCredit.selector;
        actions[21] = PaymentHandler.setPaymentRail.selector;
        _addTargetSelectors(address(handler), actions);
        // Both tokens start out refusing actor 3, so campaigns meet refused payouts early.
        handler.toggleBlocked(3 << 8);
        handler.toggleBlocked(1 | (3 << 8));
    }

    /// @dev One campaign checks every property (a campaign per property would multiply the
    /// run time without exploring different sequences).
    function invariant_PaymentFundsAllAccountedFor() public view {
        _checkAll();
    }
}

/// @title Each handler action once, by hand: the invariants above are not vacuous.
contract PaymentHandlerTest is PaymentChecks {
    function setUp() public {
        _deploy();
    }

    function test_PaymentModuleInstalledWithEveryFacetSelector() public view {
        _checkModuleAsDeclared(
            diamond,
            handler.PAYMENT_MODULE(),
            [handler.paymentFacet(), handler.paymentEscrowFacet(), handler.paymentInvoiceFacet()],
            [paymentSelectors(), paymentEscrowSelectors(), paymentInvoiceSelectors()],
            [type(IPayment).interfaceId, type(IPaymentEscrow).interfaceId, type(IPaymentInvoice).interfaceId]
        );
        bytes4[] memory creditFns = creditSelectors();
        bytes4 creditInterface;
        for (uint256 i; i < creditFns.length; ++i) {
            creditInterface ^= creditFns[i];
            assertEq(diamond.facetAddress(creditFns[i]), handler.creditFacet(), "credit selector served by its facet");
            assertTrue(diamond.moduleOfSelector(creditFns[i]) == handler.CREDIT_MODULE(), "owned by credit");
        }
        assertTrue(creditInterface == type(ICredit).interfaceId, "credit selectors are all of ICredit");
        assertTrue(diamond.supportsInterface(type(ICredit).interfaceId), "ICredit declared");
        ModuleInfo memory info = diamond.getModule(handler.PAYMENT_MODULE());
        assertEq(info.dependencies.length, 1, "payment declares one dependency");
        assertTrue(info.dependencies[0] == handler.CREDIT_MODULE(), "payment depends on credit");
        assertEq(payment.paymentTreasury(), treasury, "treasury set");
        assertEq(uint256(_feeOf(address(tokenA))), 30, "fee A");
        assertEq(uint256(_feeOf(address(tokenB))), 100, "fee B");
        assertEq(uint256(_feeOf(NATIVE)), 50, "fee native");
        _checkAll();
    }

    function test_PaymentHandlerEveryActionSucceedsOnce() public {
        assertTrue(handler.pay(_paySeed(0, 0, 0, 0), 500e18, "inv-1"), "pay A");
        assertTrue(handler.pay(_paySeed(1, 2, 1, 0), 7e18, "inv-2"), "pay B");
        assertTrue(handler.payNative(_paySeed(2, 1, 0, 0), 3e18, "inv-3"), "payNative");
        assertTrue(handler.payBatch(_batchSeed(1, 3, 5, 0), 11, "batch-A"), "payBatch A x5");
        assertTrue(handler.payBatch(_batchSeed(2, 0, 2, 0), 12, "batch-B"), "payBatch B x2");
        assertTrue(handler.payBatch(_batchSeed(0, 1, 3, 0), 13, "batch-native"), "payBatch native x3");
        assertTrue(handler.setPaymentFee(1 | (5 << 8), 250), "setPaymentFee A");
        assertTrue(handler.pay(_paySeed(3, 0, 0, 0), 100e18, "inv-4"), "pay A at the new fee");
        handler.warpTime(1 days);
        assertTrue(handler.withdrawPaymentFees(1), "withdraw A");
        assertTrue(handler.withdrawPaymentFees(2 | (3 << 8)), "withdraw B");
        assertTrue(handler.withdrawPaymentFees(0 | (1 << 8)), "withdraw native");

        assertEq(handler.successes(handler.ACT_PAY()), 3, "pay successes");
        assertEq(handler.successes(handler.ACT_PAY_NATIVE()), 1, "payNative successes");
        assertEq(handler.successes(handler.ACT_PAY_BATCH()), 3, "payBatch successes");
        assertEq(handler.successes(handler.ACT_SET_FEE()), 1, "setPaymentFee successes");
        assertEq(handler.successes(handler.ACT_WITHDRAW()), 3, "withdraw successes");
        assertEq(handler.dayChanges(), 1, "the warp crossed a day");
        assertEq(uint256(_feeOf(address(tokenA))), 250, "new fee");
        // 500e18 * 30 bps + 100e18 * 250 bps, plus the batch's fee at 30 bps.
        assertTrue(handler.ghostWithdrawn(address(tokenA)) > 1.5e18 + 2.5e18, "fees of A reached the treasury");
        assertTrue(_bal(NATIVE, treasury) > 0, "native fees reached the treasury");
        for (uint256 k; k < 3; ++k) {
            assertEq(payment.accruedPaymentFees(handler.assets()[k]), 0, "all withdrawn");
        }
        _checkAll();
    }

    function test_PaymentInvoiceEveryActionSucceedsOnce() public {
        assertTrue(handler.issueInvoice(_invoiceSeed(0, 1, 0, 0), 100e18, "A for actor1"), "issue A");
        assertTrue(handler.issueInvoice(_invoiceSeed(1, 0, 2, 0), 2e18, "native, open"), "issue native");
        assertTrue(handler.issueInvoice(_invoiceSeed(2, 1, 3, 0), 50e8, "USD for actor3"), "issue USD");
        assertTrue(handler.issueInvoice(_invoiceSeed(3, 0, 1, 0), 9e18, "B, open"), "issue B");
        assertTrue(handler.payInvoice(_invoicePick(1, 0), 0), "pay A invoice");
        assertTrue(handler.payInvoice(_invoicePick(2, 0), 0), "pay native invoice (open: another actor)");
        uint256 before = _bal(address(tokenA), actors[2]);
        assertTrue(handler.payInvoice(_invoicePick(3, 0), 0), "pay USD invoice in A");
        assertEq(_bal(address(tokenA), actors[2]) - before, 50e18, "50 USD at 1.00 is 50 A");
        assertTrue(handler.cancelInvoice(_invoicePick(4, 0)), "cancel B invoice");
        // A new price after the warp: the cost follows it, rounded up.
        handler.warpTime(2 hours);
        assertTrue(handler.issueInvoice(_invoiceSeed(1, 0, 3, 0), 12_345_678_901, "USD, open"), "issue USD 2");
        before = _bal(address(tokenA), actors[1]);
        assertTrue(handler.payInvoice(_invoicePick(5, 0), 0), "pay USD invoice at the new price");
        assertEq(_bal(address(tokenA), actors[1]) - before, handler.usdToTokenA(12_345_678_901), "paid at new price");
        assertTrue(handler.ghostUsdPrice() != 1e8, "the price moved");

        assertEq(handler.successes(handler.ACT_INVOICE_ISSUE()), 5, "issue successes");
        assertEq(handler.successes(handler.ACT_INVOICE_PAY()), 2, "payInvoice successes");
        assertEq(handler.successes(handler.ACT_INVOICE_PAY_CROSS()), 2, "cross-currency successes");
        assertEq(handler.successes(handler.ACT_INVOICE_CANCEL()), 1, "cancel successes");
        assertEq(handler.invoicesPaid(), 4, "paid");
        assertEq(handler.invoicesCancelled(), 1, "cancelled");
        assertTrue(payment.accruedPaymentFees(address(tokenA)) > 0, "invoice fees accrued");
        _checkAll();
    }

    function test_PaymentInvoiceExpectedRevertsMatchTheModel() public {
        assertFalse(handler.issueInvoice(_invoiceSeed(0, 1, 0, 28), 1e18, "self"), "payer is the payee");
        assertFalse(handler.issueInvoice(_invoiceSeed(0, 1, 0, 29), 1e18, "zero"), "zero amount");
        assertFalse(handler.issueInvoice(_invoiceSeed(0, 1, 0, 30), 1e18, "due now"), "due date not in the future");
        assertFalse(handler.issueInvoice(_invoiceSeed(0, 1, 0, 31), 1e18, "both"), "token and currency");
        assertTrue(handler.issueInvoice(_invoiceSeed(0, 1, 0, 0), 1e18, "A for actor1"), "issue A");
        assertTrue(handler.issueInvoice(_invoiceSeed(2, 0, 3, 0), 10e8, "USD, open"), "issue USD");
        assertTrue(handler.issueInvoice(_invoiceSeed(3, 2, 2, 0), 1e18, "native for actor1"), "issue native");
        assertFalse(handler.payInvoice(_invoicePick(1, 31), 0), "wrong payer");
        assertFalse(handler.payInvoice(_invoicePick(2, 31), 0), "payee pays its own open invoice");
        assertFalse(handler.payInvoice(_invoicePick(1, 29), 0), "token invoice paid cross-currency");
        assertFalse(handler.payInvoice(_invoicePick(2, 29), 0), "USD invoice paid as a token invoice");
        assertFalse(handler.payInvoice(_invoicePick(1, 28), 0), "wrong token");
        assertFalse(handler.payInvoice(_invoicePick(2, 28), 0), "no feed for token B");
        assertFalse(handler.payInvoice(_invoicePick(1, 25), 0), "ERC-20 invoice with value");
        assertFalse(handler.payInvoice(_invoicePick(3, 25), 0), "native invoice, one wei too much");
        assertFalse(handler.payInvoice(_invoicePick(2, 26), 0), "slippage");
        assertFalse(handler.cancelInvoice(_invoicePick(1, 31)), "cancel by another actor");
        assertFalse(handler.cancelInvoice(_invoicePick(1, 30)), "cancel an unknown invoice");
        assertTrue(handler.payInvoice(_invoicePick(1, 0), 0), "pay A invoice");
        assertFalse(handler.payInvoice(_invoicePick(1, 0), 0), "pay it again");
        assertFalse(handler.cancelInvoice(_invoicePick(1, 0)), "cancel a paid invoice");
        assertFalse(handler.payInvoice(_invoicePick(2, 27), 0), "expired");
        assertTrue(handler.cancelInvoice(_invoicePick(2, 0)), "the payee cancels an expired invoice");
        assertFalse(handler.payInvoice(_invoicePick(2, 0), 0), "pay a cancelled invoice");
        assertEq(handler.expectedReverts(handler.ACT_INVOICE_ISSUE()), 4, "issue reverts");
        assertEq(handler.expectedReverts(handler.ACT_INVOICE_PAY()), 6, "payInvoice reverts");
        assertEq(handler.expectedReverts(handler.ACT_INVOICE_PAY_CROSS()), 6, "cross-currency reverts");
        assertEq(handler.expectedReverts(handler.ACT_INVOICE_CANCEL()), 3, "cancel reverts");
        _checkAll();
    }

    function test_PaymentInvoiceInstalmentsMatchTheModel() public {
        // All three are due in an hour.
        assertTrue(handler.issueInvoice(_invoiceSeed(0, 1, 0, 0) | INSTALMENTS, 90e18, "A in parts"), "issue A");
        assertTrue(handler.issueInvoice(_invoiceSeed(2, 0, 3, 0) | INSTALMENTS, 40e8, "USD in parts"), "issue USD");
        assertTrue(handler.issueInvoice(_invoiceSeed(3, 2, 1, 0), 5e18, "B, whole"), "issue B");
        assertTrue(handler.invoiceModel(1).instalments, "instalments issued");
        assertFalse(invoices.getInvoice(3).instalments, "whole only");

        assertFalse(handler.payInvoice(_invoicePick(1, 30), PART_ZERO), "zero");
        assertFalse(handler.payInvoice(_invoicePick(1, 30), PART_TOO_MUCH), "more than the invoice");
        assertFalse(handler.payInvoice(_invoicePick(2, 30), PART_ZERO), "USD: zero");
        assertFalse(
            handler.payInvoice(_invoicePick(3, 30), PART_WITHOUT_INSTALMENTS),
            "a part of an invoice without instalments"
        );
        assertFalse(handler.payInvoice(_invoicePick(3, 30), PART_TOO_MUCH), "more than an invoice without instalments");

        uint256 before = _bal(address(tokenA), actors[0]);
        assertTrue(handler.payInvoice(_invoicePick(1, 0), 30e18), "A: first part");
        assertTrue(handler.payInvoice(_invoicePick(1, 0), 50e18), "A: second part");
        assertEq(invoices.getInvoice(1).paid, 80e18, "A: two parts paid");
        assertTrue(invoices.getInvoice(1).status == IPaymentInvoice.InvoiceStatus.Open, "A: still open");
        assertFalse(handler.payInvoice(_invoicePick(1, 30), PART_TOO_MUCH), "more than remains");
        assertTrue(handler.payInvoice(_invoicePick(1, 0), 0), "A: the rest");
        assertEq(_bal(address(tokenA), actors[0]) - before, 90e18, "A: the payee got the whole invoice");
        assertTrue(invoices.getInvoice(1).status == IPaymentInvoice.InvoiceStatus.Paid, "A: paid");
        assertFalse(handler.payInvoice(_invoicePick(1, 0), 1), "A: nothing left to pay");

        before = _bal(address(tokenA), actors[2]);
        assertTrue(handler.payInvoice(_invoicePick(2, 0), 15e8), "USD: first part");
        assertEq(_bal(address(tokenA), actors[2]) - before, 15e18, "15 USD at 1.00 is 15 A");
        assertFalse(handler.payInvoice(_invoicePick(2, 26), 5e8), "USD: slippage on a part");
        assertTrue(handler.payInvoice(_invoicePick(3, 0), 0), "B: whole");

        // Past the due date, nothing more can be paid; the payee can still cancel.
        handler.warpTime(2 hours);
        assertFalse(handler.payInvoice(_invoicePick(2, 0), 5e8), "USD: expired between parts");
        assertTrue(handler.cancelInvoice(_invoicePick(2, 0)), "USD: cancelled, partly paid");
        assertEq(invoices.getInvoice(2).paid, 15e8, "USD: the part paid stays paid");
        assertFalse(handler.payInvoice(_invoicePick(2, 0), 5e8), "USD: cancelled");

        assertEq(handler.invoicePartPayments(), 3, "parts that left an invoice open");
        assertEq(handler.invoicesPaid(), 2, "paid");
        assertEq(handler.invoicesCancelled(), 1, "cancelled");
        assertEq(handler.expectedReverts(handler.ACT_INVOICE_PAY()), 6, "payInvoice reverts");
        assertEq(handler.expectedReverts(handler.ACT_INVOICE_PAY_CROSS()), 4, "cross-currency reverts");
        _checkAll();
    }

    function test_PaymentHandlerExpectedRevertsMatchTheModel() public {
        assertFalse(handler.pay(_paySeed(0, 0, 0, 31), 1, "zero amount"), "pay zero amount");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 30), 1, "zero payee"), "pay zero payee");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 29), 1, "tx limit"), "pay over tx limit");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 28), 1, "native"), "pay in native");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 27), 1, "closed"), "pay on a closed channel");
        assertFalse(handler.payNative(_paySeed(1, 0, 0, 28), 1e18, "too much"), "payNative too much");
        assertFalse(handler.payNative(_paySeed(1, 0, 0, 27), 1e18, "too little"), "payNative too little");
        assertFalse(handler.payBatch(_batchSeed(1, 0, 4, 31) | (2 << 24), 1, "bad"), "batch invalid entry");
        assertFalse(handler.payBatch(_batchSeed(0, 0, 3, 31) | (1 << 24) | (1 << 32), 1, "bad"), "batch zero amount");
        assertFalse(handler.payBatch(_batchSeed(2, 0, 2, 30), 1, "over"), "batch over tx limit");
        assertFalse(handler.payBatch(_batchSeed(2, 0, 2, 29), 1, "value"), "ERC-20 batch with value");
        assertFalse(handler.payBatch(_batchSeed(0, 0, 2, 29), 1, "value"), "native batch wrong value");
        assertFalse(handler.payBatch(_batchSeed(0, 0, 1, 28), 1, "empty"), "empty batch");
        assertFalse(handler.payBatch(_batchSeed(1, 0, 2, 27), 1, "mismatch"), "length mismatch");
        assertFalse(handler.setPaymentFee(1 | (7 << 8), 9_999), "fee above the cap");
        assertFalse(handler.setPaymentFee(1 | (6 << 8), 10), "fee by a non-admin");
        assertFalse(handler.withdrawPaymentFees(1), "nothing accrued");
        assertEq(handler.successes(handler.ACT_PAY()), 0, "no pay succeeded");
        assertEq(handler.expectedReverts(handler.ACT_PAY()), 5, "pay reverts");
        assertEq(handler.expectedReverts(handler.ACT_PAY_NATIVE()), 2, "payNative reverts");
        assertEq(handler.expectedReverts(handler.ACT_PAY_BATCH()), 7, "payBatch reverts");
        assertEq(handler.expectedReverts(handler.ACT_SET_FEE()), 2, "setPaymentFee reverts");
        assertEq(handler.expectedReverts(handler.ACT_WITHDRAW()), 1, "withdraw reverts");
        _checkAll();
    }

    function test_PaymentDailyLimitHoldsAndResetsAfterTheDayBoundary() public {
        uint256 maxPerTx = handler.MAX_PER_TX();
        uint256 maxPerDay = handler.MAX_PER_DAY();
        assertTrue(handler.pay(_paySeed(0, 0, 1, 0), maxPerTx, "fill-1"), "within the daily limit (1)");
        assertTrue(handler.pay(_paySeed(1, 0, 1, 0), maxPerTx, "fill-2"), "within the daily limit (2)");
        assertTrue(handler.pay(_paySeed(2, 0, 1, 0), maxPerDay - 2 * maxPerTx, "fill-3"), "up to the daily limit");
        (, , uint256 spentToday, ) = payment.paymentRail(CHANNEL, address(tokenB));
        assertEq(spentToday, maxPerDay, "spent today == daily limit");
        assertFalse(handler.pay(_paySeed(3, 0, 1, 0), 1, "over"), "daily limit refuses one more wei");
        assertEq(handler.dailyLimitHits(), 1, "the model expected the daily limit");
        // Another token's rail is separate.
        assertTrue(handler.pay(_paySeed(0, 0, 0, 0), 5, "other rail"), "token A's rail is unaffected");
        // Still the same day: 1 minute, then up to just before midnight.
        handler.warpTime(60);
        assertFalse(handler.pay(_paySeed(3, 0, 1, 0), 1, "same day"), "same day, still refused");
        handler.warpTime(1 days - ((block.timestamp % 1 days) + 1));
        assertFalse(handler.pay(_paySeed(3, 0, 1, 0), 1, "last second"), "last second of the day, still refused");
        assertEq(handler.dayChanges(), 0, "no day boundary crossed yet");
        handler.warpTime(60);
        assertEq(handler.dayChanges(), 1, "day boundary crossed");
        (, , spentToday, ) = payment.paymentRail(CHANNEL, address(tokenB));
        assertEq(spentToday, 0, "nothing spent on the new day");
        assertTrue(handler.pay(_paySeed(3, 0, 1, 0), maxPerTx, "next day"), "new day, new limit");
        (, , spentToday, ) = payment.paymentRail(CHANNEL, address(tokenB));
        assertEq(spentToday, maxPerTx, "spent today after the boundary");
        assertEq(handler.dailyLimitHits(), 3, "three refusals, all predicted");
        _checkAll();
    }

    function test_PaymentEscrowEveryActionSucceedsOnce() public {
        // Escrows 0-3: A with arbiter, native with arbiter, B without, A with arbiter.
        assertTrue(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 0), 100e18, "esc-0"), "create A");
        assertTrue(handler.createEscrow(_escrowSeed(1, 0, 0, 5, 0), 5e18, "esc-1"), "create native");
        assertTrue(handler.createEscrow(_escrowSeed(2, 0, 2, 0, 0), 7e18, "esc-2"), "create B");
        assertTrue(handler.createEscrow(_escrowSeed(3, 0, 1, 1, 0), 80e18, "esc-3"), "create A again");
        assertEq(escrow.escrowedAmount(address(tokenA)), 180e18, "A escrowed");
        assertEq(escrow.escrowedAmount(NATIVE), 5e18, "native escrowed");
        assertEq(handler.openEscrowCount(), 4, "four open");
        _checkAll();
        assertTrue(handler.releaseEscrow(0), "release escrow 0"); // open: 3, 1, 2
        assertTrue(handler.disputeEscrow(0), "payer disputes escrow 3");
        assertTrue(handler.resolveEscrow(0, 40e18), "arbiter splits escrow 3"); // open: 2, 1
        assertTrue(handler.refundEscrow(0), "payee refunds escrow 2"); // open: 1
        assertTrue(handler.reclaimEscrow(1 << 20), "payer reclaims escrow 1 after its deadline");
        assertEq(handler.openEscrowCount(), 0, "all closed");
        for (uint256 a; a < 3; ++a) assertEq(escrow.escrowedAmount(handler.assets()[a]), 0, "nothing escrowed");
        assertEq(handler.ghostEscrowToPayees(address(tokenA)), 140e18, "A to payees: 100 + 40");
        assertEq(handler.ghostEscrowToPayers(address(tokenA)), 40e18, "A back to payers: 40");
        assertEq(handler.ghostEscrowToPayers(NATIVE), 5e18, "native reclaimed");
        assertEq(handler.ghostEscrowToPayers(address(tokenB)), 7e18, "B refunded");
        bytes32[5] memory acts = [
            handler.ACT_ESCROW_RELEASE(),
            handler.ACT_ESCROW_DISPUTE(),
            handler.ACT_ESCROW_RESOLVE(),
            handler.ACT_ESCROW_REFUND(),
            handler.ACT_ESCROW_RECLAIM()
        ];
        for (uint256 i; i < 5; ++i) assertEq(handler.successes(acts[i]), 1, "one success each");
        assertEq(handler.successes(handler.ACT_ESCROW_CREATE()), 4, "four escrows");
        _checkAll();
    }

    function test_PaymentEscrowExpectedRevertsMatchTheModel() public {
        assertFalse(handler.releaseEscrow(0), "no escrow yet: nothing to do");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 24), 1e18, "x"), "payee is payer");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 25), 1e18, "x"), "ERC-20 with value");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 0, 1, 25), 1e18, "x"), "native wrong value");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 27), 1e18, "x"), "deadline now");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 28), 1e18, "x"), "arbiter is payer");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 29), 1, "x"), "over the tx limit");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 30), 1e18, "x"), "zero payee");
        assertFalse(handler.createEscrow(_escrowSeed(0, 0, 0, 1, 31), 1e18, "x"), "zero amount");
        assertEq(handler.expectedReverts(handler.ACT_ESCROW_CREATE()), 8, "create reverts");
        assertEq(handler.escrowCount(), 0, "no escrow created");

        // Escrow 0: A, no arbiter. Escrow 1: native, arbiter.
        assertTrue(handler.createEscrow(_escrowSeed(0, 0, 1, 0, 0), 10e18, "e0"), "create 0");
        assertTrue(handler.createEscrow(_escrowSeed(1, 1, 0, 1, 0), 2e18, "e1"), "create 1");
        assertFalse(handler.releaseEscrow(31 << 24), "release by the payee");
        assertFalse(handler.releaseEscrow(30 << 24), "release of unknown terms");
        assertFalse(handler.refundEscrow(31 << 24), "refund by the payer");
        assertFalse(handler.reclaimEscrow(0), "reclaim before the deadline");
        assertFalse(handler.disputeEscrow(0), "dispute without an arbiter");
        assertFalse(handler.disputeEscrow(1 | (31 << 24)), "dispute by a third party");
        assertFalse(handler.resolveEscrow(1, 1), "resolve of a funded escrow");
        assertTrue(handler.disputeEscrow(1 | (1 << 20)), "payee disputes escrow 1");
        assertFalse(handler.resolveEscrow(1 | (29 << 24), 0), "split above the amount");
        assertFalse(handler.resolveEscrow(1 | (31 << 24), 0), "resolve by the payer");
        assertTrue(handler.releaseEscrow(0), "release escrow 0"); // open: 1
        assertFalse(handler.releaseEscrow(0), "release of a disputed escrow");
        assertFalse(handler.reclaimEscrow(1 << 20), "reclaim of a disputed escrow, after the deadline");
        assertFalse(handler.releaseEscrow(7 << 16), "release of a released escrow");
        assertTrue(handler.resolveEscrow(0, 2e18), "all to the payee");
        assertFalse(handler.resolveEscrow(1 | (7 << 16), 0), "resolve twice");
        assertFalse(handler.disputeEscrow(1 | (7 << 16)), "dispute a resolved escrow");
        assertEq(handler.successes(handler.ACT_ESCROW_RESOLVE()), 1, "one resolution");
        assertEq(handler.expectedReverts(handler.ACT_ESCROW_RESOLVE()), 4, "resolve reverts");
        assertEq(handler.expectedReverts(handler.ACT_ESCROW_RELEASE()), 4, "release reverts");
        assertEq(handler.expectedReverts(handler.ACT_ESCROW_DISPUTE()), 3, "dispute reverts");
        assertEq(handler.expectedReverts(handler.ACT_ESCROW_RECLAIM()), 2, "reclaim reverts");
        assertEq(handler.expectedReverts(handler.ACT_ESCROW_REFUND()), 1, "refund reverts");
        _checkAll();
    }

    /// @dev A payout the token refuses is credited (the transition still happens, and the
    /// other party of a split is still paid), then claimed to an address that accepts it.
    function test_PaymentRefusedPayoutsAreCreditedAndClaimed() public {
        assertTrue(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 0), 100e18, "e0"), "actor 0 escrows for actor 1");
        handler.toggleBlocked(1 << 8); // token A blocks actor 1
        assertTrue(handler.releaseEscrow(0), "release succeeds although the payee is blocked");
        assertEq(credit.creditOf(address(tokenA), actors[1]), 100e18, "payee credited");
        assertEq(credit.totalCredits(address(tokenA)), 100e18, "total credits");
        assertEq(escrow.escrowedAmount(address(tokenA)), 0, "escrow closed");
        _checkAll();

        uint256 claimA = 1 | (1 << 8);
        assertFalse(handler.claimCredit(claimA | (1 << 12)), "claim to the blocked payee itself");
        assertFalse(handler.claimCredit(claimA | (30 << 16)), "claim to zero");
        assertFalse(handler.claimCredit(claimA | (31 << 16)), "claim to the diamond");
        assertFalse(handler.claimCredit(1 | (2 << 8)), "actor 2 has no credit");
        assertTrue(handler.claimCredit(claimA | (3 << 12)), "claim to actor 3");
        assertEq(handler.ghostClaimReceived(address(tokenA), actors[3]), 100e18, "actor 3 got the credit");
        assertFalse(handler.claimCredit(claimA | (3 << 12)), "nothing left to claim");

        // A split with a blocked payer: the payee is paid, the payer credited.
        assertTrue(handler.createEscrow(_escrowSeed(2, 0, 1, 1, 0), 100e18, "e1"), "actor 2 escrows for actor 3");
        handler.toggleBlocked(2 << 8);
        assertTrue(handler.disputeEscrow(0), "payer disputes");
        uint256 payeeBefore = tokenA.balanceOf(actors[3]);
        assertTrue(handler.resolveEscrow(0, 30e18), "arbiter splits 30 / 70");
        assertEq(tokenA.balanceOf(actors[3]) - payeeBefore, 30e18, "payee paid its share");
        assertEq(credit.creditOf(address(tokenA), actors[2]), 70e18, "payer credited its share");
        handler.toggleBlocked(2 << 8); // unblocked again
        assertTrue(handler.claimCredit(1 | (2 << 8) | (2 << 12)), "payer claims to itself");

        assertEq(handler.creditsRecorded(), 2, "two credits");
        assertEq(handler.successes(handler.ACT_CLAIM_CREDIT()), 2, "two claims");
        assertEq(handler.expectedReverts(handler.ACT_CLAIM_CREDIT()), 5, "five refused claims, all predicted");
        assertEq(credit.totalCredits(address(tokenA)), 0, "all claimed");
        _checkAll();
    }

    /// @dev Lowering, disabling and restoring a rail mid-day keep today's spending; a limit
    /// lowered below it leaves nothing for today, and the next day starts from zero.
    function test_PaymentRailLimitChangesKeepTodaysSpending() public {
        address a = address(tokenA);
        assertTrue(handler.pay(_paySeed(0, 0, 0, 0), 1_000e18, "p"), "pay");
        assertTrue(handler.pay(_paySeed(1, 0, 0, 0), 1_000e18, "p"), "pay");
        assertTrue(handler.setPaymentRail(1, 500e18, 1_500e18), "lower to 500 / 1,500");
        (uint96 maxPerTx, uint96 maxPerDay, uint256 spentToday, ) = payment.paymentRail(CHANNEL, a);
        assertEq(maxPerTx, 500e18, "per-tx limit");
        assertEq(maxPerDay, 1_500e18, "daily limit");
        assertEq(spentToday, 2_000e18, "spending above the lowered limit is remembered");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 0), 1, "p"), "nothing left today");

        assertTrue(handler.setPaymentRail(1 | (5 << 8), 0, 0), "disable");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 0), 1, "p"), "disabled");
        assertTrue(handler.setPaymentRail(1 | (4 << 8), 0, 0), "back to 1,000 / 2,500");
        (, , spentToday, ) = payment.paymentRail(CHANNEL, a);
        assertEq(spentToday, 2_000e18, "still remembered");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 0), 501e18, "p"), "only 500 left today");
        assertTrue(handler.pay(_paySeed(0, 0, 0, 0), 500e18, "p"), "the last 500");

        assertFalse(handler.setPaymentRail(1 | (7 << 8), 600e18, 1), "daily below per-tx");
        assertFalse(handler.setPaymentRail(1 | (6 << 8), 1, 1), "not the admin");
        assertTrue(handler.setPaymentRail(1, 500e18, 1_500e18), "lower again");
        handler.warpTime(1 days);
        (, , spentToday, ) = payment.paymentRail(CHANNEL, a);
        assertEq(spentToday, 0, "a new day: yesterday's overspending is gone");
        for (uint256 i; i < 3; ++i) assertTrue(handler.pay(_paySeed(i, 0, 0, 0), 500e18, "p"), "500 x 3");
        assertFalse(handler.pay(_paySeed(0, 0, 0, 0), 1, "p"), "the new daily limit holds");

        assertEq(handler.successes(handler.ACT_SET_RAIL()), 4, "four rail changes");
        assertEq(handler.expectedReverts(handler.ACT_SET_RAIL()), 2, "two refused, as predicted");
        assertEq(handler.expectedReverts(handler.ACT_PAY()), 4, "four refused payments, as predicted");
        _checkAll();
    }

    /// @dev Escrows count against the rail's daily limit like payments (no fee is charged).
    function test_PaymentEscrowUsesTheRail() public {
        uint256 maxPerTx = handler.MAX_PER_TX();
        assertTrue(handler.pay(_paySeed(0, 0, 0, 0), maxPerTx, "p"), "pay");
        assertTrue(handler.pay(_paySeed(1, 0, 0, 0), maxPerTx, "p"), "pay");
        assertTrue(handler.createEscrow(_escrowSeed(2, 0, 1, 0, 0), 250e18, "e"), "escrow within the limit");
        (, , uint256 spentToday, ) = payment.paymentRail(CHANNEL, address(tokenA));
        assertEq(spentToday, 2 * maxPerTx + 250e18, "escrow counted");
        assertTrue(handler.createEscrow(_escrowSeed(3, 0, 1, 0, 0), 250e18, "e"), "escrow up to the limit");
        assertFalse(handler.createEscrow(_escrowSeed(2, 0, 1, 0, 0), 1, "e"), "one wei over the daily limit");
        assertEq(handler.expectedReverts(handler.ACT_ESCROW_CREATE()), 1, "refusal predicted");
        assertEq(payment.accruedPaymentFees(address(tokenA)), (2 * maxPerTx * 30) / 10_000, "no fee on escrow");
        _checkAll();
    }

    /// @dev Paying yourself moves nothing, so it is refused (PaymentPayeeIsPayer) and
    /// changes nothing, rather than mistaken for a short delivery.
    function test_PaymentPayToSelfIsRefused() public {
        address a = actors[0];
        uint256 before = tokenA.balanceOf(a);
        uint256 accrued = payment.accruedPaymentFees(address(tokenA));
        vm.prank(a);
        (bool ok, bytes memory ret) = address(payment).call(
            abi.encodeCall(IPayment.pay, (CHANNEL, address(tokenA), a, 100e18, "self"))
        );
        assertFalse(ok, "pay to self accepted");
        assertEq(ret, abi.encodeWithSelector(IPayment.PaymentPayeeIsPayer.selector, a), "revert data");
        assertEq(tokenA.balanceOf(a), before, "payer balance unchanged");
        assertEq(payment.accruedPaymentFees(address(tokenA)), accrued, "no fee accrued");
    }

    /// @dev Naming the diamond itself as payee must not leave tokens in it that no one can
    /// ever move: whatever `pay`/`payBatch` do, the diamond holds only accrued fees.
    function test_PaymentToTheDiamondItselfLeavesNothingUnaccounted() public {
        address a = actors[1];
        vm.prank(a);
        (bool ok, ) = address(payment).call(
            abi.encodeCall(IPayment.pay, (CHANNEL, address(tokenA), address(diamond), 10e18, "to diamond"))
        );
        ok; // Refusing is fine; accepting and keeping the amount is not.
        assertEq(
            tokenA.balanceOf(address(diamond)),
            payment.accruedPaymentFees(address(tokenA)),
            "pay: diamond holds only accrued fees"
        );
        address[] memory payees = new address[](1);
        payees[0] = address(diamond);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 10e18;
        vm.prank(a);
        (ok, ) = address(payment).call(
            abi.encodeCall(IPayment.payBatch, (CHANNEL, address(tokenB), payees, amounts, "to diamond"))
        );
        assertEq(
            tokenB.balanceOf(address(diamond)),
            payment.accruedPaymentFees(address(tokenB)),
            "payBatch: diamond holds only accrued fees"
        );
        // Native: the diamond has no receive, so the payment is refused.
        vm.prank(a);
        (ok, ) = address(payment).call{value: 10e18 + (10e18 * 50) / 10_000}(
            abi.encodeCall(IPayment.payNative, (CHANNEL, address(diamond), 10e18, "to diamond"))
        );
        assertFalse(ok, "payNative to the diamond refused");
        assertEq(address(diamond).balance, payment.accruedPaymentFees(NATIVE), "native: only accrued fees");
    }
}

/// @title Fuzzed single operations with exact expectations.
contract PaymentFuzzTest is PaymentChecks {
    function setUp() public {
        _deploy();
    }

    /// @dev payer -(amount + amount*bps/10000), payee +amount, accrued and diamond +fee.
    function testFuzz_PaymentPayChargesExactFee(uint256 amount, uint256 bps, uint8 who, bool useB) public {
        address token = useB ? address(tokenB) : address(tokenA);
        amount = boundTo(amount, 1, handler.MAX_PER_TX());
        uint16 feeBps = uint16(boundTo(bps, 0, 500));
        vm.prank(admin);
        payment.setPaymentFee(CHANNEL, token, feeBps);
        address payer = actors[who % 4];
        address payee = actors[((who % 4) + 1 + ((who >> 2) % 3)) % 4];
        uint256 fee = (amount * feeBps) / 10_000;
        uint256[4] memory before = [_bal(token, payer), _bal(token, payee), _bal(token, address(diamond)), 0];
        before[3] = payment.accruedPaymentFees(token);

        vm.prank(payer);
        payment.pay(CHANNEL, token, payee, amount, "fuzz");

        assertEq(before[0] - _bal(token, payer), amount + fee, "payer pays amount + fee");
        assertEq(_bal(token, payee) - before[1], amount, "payee receives amount");
        assertEq(payment.accruedPaymentFees(token) - before[3], fee, "accrued += fee");
        assertEq(_bal(token, address(diamond)) - before[2], fee, "diamond holds the fee");
        assertEq(_bal(token, address(diamond)), payment.accruedPaymentFees(token), "diamond == accrued");
        (, , uint256 spentToday, ) = payment.paymentRail(CHANNEL, token);
        assertEq(spentToday, amount, "rail counts the amount, not the fee");
    }

    /// @dev The same for the native currency: msg.value must be exactly amount + fee.
    function testFuzz_PaymentNativeChargesExactFee(uint256 amount, uint256 bps, uint8 who) public {
        amount = boundTo(amount, 1, handler.MAX_PER_TX());
        uint16 feeBps = uint16(boundTo(bps, 0, 500));
        vm.prank(admin);
        payment.setPaymentFee(CHANNEL, NATIVE, feeBps);
        address payer = actors[who % 4];
        address payee = actors[((who % 4) + 1 + ((who >> 2) % 3)) % 4];
        uint256 fee = (amount * feeBps) / 10_000;
        uint256 payerBefore = payer.balance;
        uint256 payeeBefore = payee.balance;

        vm.prank(payer);
        payment.payNative{value: amount + fee}(CHANNEL, payee, amount, "fuzz");

        assertEq(payerBefore - payer.balance, amount + fee, "payer pays amount + fee");
        assertEq(payee.balance - payeeBefore, amount, "payee receives amount");
        assertEq(payment.accruedPaymentFees(NATIVE), fee, "accrued == fee");
        assertEq(address(diamond).balance, fee, "diamond holds the fee");
    }

    /// @dev A batch with one invalid entry (zero payee, zero amount or, for native, a payee
    /// that refuses the transfer) at a random index reverts with PaymentBatchEntryInvalid
    /// (index) and moves nothing, in any asset.
    function testFuzz_PaymentBatchAllOrNothing(
        uint256 seed,
        uint256 count,
        uint256 badIndex,
        uint8 assetSel,
        uint8 kind
    ) public {
        address asset = handler.assets()[assetSel % 3];
        count = boundTo(count, 1, 5);
        badIndex %= count;
        (address[] memory payees, uint256[] memory amounts) = _validBatch(seed, count);
        // A refusing payee can only be told apart for native (a contract without receive).
        kind = asset == NATIVE ? kind % 3 : kind % 2;
        if (kind == 0) payees[badIndex] = address(0);
        else if (kind == 1) amounts[badIndex] = 0;
        else payees[badIndex] = address(tokenA);

        uint256[8] memory before = _batchSnapshot(asset);
        bytes memory ret = _batchExpectingRevert(actors[seed % 4], asset, payees, amounts);
        assertEq(ret, abi.encodeWithSelector(IPayment.PaymentBatchEntryInvalid.selector, badIndex), "names the entry");
        uint256[8] memory afterCall = _batchSnapshot(asset);
        for (uint256 i; i < 8; ++i) assertEq(afterCall[i], before[i], "nothing moved");
    }

    /// @dev Sends the batch as `payer` with the right value; asserts it reverts; returns the error.
    function _batchExpectingRevert(
        address payer,
        address asset,
        address[] memory payees,
        uint256[] memory amounts
    ) internal returns (bytes memory ret) {
        uint256 value;
        if (asset == NATIVE) {
            for (uint256 i; i < amounts.length; ++i) value += amounts[i];
            value += handler.feeOf(NATIVE, value);
        }
        bool ok;
        vm.prank(payer);
        (ok, ret) = address(payment).call{value: value}(
            abi.encodeCall(IPayment.payBatch, (CHANNEL, asset, payees, amounts, "fuzz"))
        );
        assertFalse(ok, "batch with an invalid entry reverts");
    }

    /// @dev `n` entries from actor `seed % 4` to the other actors, each in [1, maxPerTx / 5].
    function _validBatch(
        uint256 seed,
        uint256 n
    ) internal view returns (address[] memory payees, uint256[] memory amounts) {
        payees = new address[](n);
        amounts = new uint256[](n);
        uint256 maxEntry = handler.MAX_PER_TX() / 5;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            payees[i] = actors[((seed % 4) + 1 + (r % 3)) % 4];
            amounts[i] = boundTo(r >> 8, 1, maxEntry);
        }
    }

    /// @dev A valid batch charges the fee once, on the total, and pays every entry exactly.
    function testFuzz_PaymentBatchChargesFeeOnTotal(uint256 seed, uint256 count, uint8 assetSel) public {
        address asset = handler.assets()[assetSel % 3];
        uint256 p = seed % 4;
        (address[] memory payees, uint256[] memory amounts) = _validBatch(seed, boundTo(count, 1, 5));
        uint256[4] memory expectedGain;
        uint256 total;
        for (uint256 i; i < payees.length; ++i) {
            for (uint256 j; j < 4; ++j) {
                if (payees[i] == actors[j]) expectedGain[j] += amounts[i];
            }
            total += amounts[i];
        }
        uint256 fee = handler.feeOf(asset, total);
        uint256[8] memory before = _batchSnapshot(asset);
        vm.prank(actors[p]);
        payment.payBatch{value: asset == NATIVE ? total + fee : 0}(CHANNEL, asset, payees, amounts, "fuzz");
        uint256[8] memory afterCall = _batchSnapshot(asset);
        for (uint256 i; i < 4; ++i) {
            if (i == p) assertEq(before[i] - afterCall[i], total + fee, "payer pays total + fee");
            else assertEq(afterCall[i] - before[i], expectedGain[i], "payee receives its entries");
        }
        assertEq(afterCall[4], before[4], "treasury unchanged");
        assertEq(afterCall[5] - before[5], fee, "diamond += fee");
        assertEq(afterCall[6] - before[6], fee, "accrued += fee");
        assertEq(afterCall[7] - before[7], total, "rail counts the total");
    }

    /// @dev Actors, treasury, diamond, accrued fees, today's rail usage.
    function _batchSnapshot(address asset) internal view returns (uint256[8] memory s) {
        for (uint256 i; i < 4; ++i) s[i] = _bal(asset, actors[i]);
        s[4] = _bal(asset, treasury);
        s[5] = _bal(asset, address(diamond));
        s[6] = payment.accruedPaymentFees(asset);
        (, , s[7], ) = payment.paymentRail(CHANNEL, asset);
    }

    /// @dev An invoice of any kind that allows instalments, paid in up to four random parts
    /// and then the rest: each part moves exactly what the model predicts, and the invoice
    /// is Paid exactly when the parts add up to its amount.
    function testFuzz_PaymentInvoicePartsAddUp(uint256 amount, uint256[4] memory parts, uint8 kind) public {
        assertTrue(handler.issueInvoice(_invoiceSeed(0, 1, kind % 4, 0) | INSTALMENTS, amount, "parts"), "issue");
        uint256 n;
        for (; n < 4 && handler.invoiceRemaining(1) != 0; ++n) {
            assertTrue(handler.payInvoice(_invoicePick(1, 0), parts[n]), "a part");
        }
        if (handler.invoiceRemaining(1) != 0) assertTrue(handler.payInvoice(_invoicePick(1, 0), 0), "the rest");
        IPaymentInvoice.Invoice memory c = invoices.getInvoice(1);
        assertTrue(c.status == IPaymentInvoice.InvoiceStatus.Paid, "paid");
        assertEq(uint256(c.paid), uint256(c.amount), "all of it");
        assertEq(handler.invoicesPaid(), 1, "paid once");
        assertEq(handler.invoicePartPayments() + handler.invoicesPaid(), handler.successes(_payAction(kind)), "count");
        _checkAll();
    }

    function _payAction(uint8 kind) internal view returns (bytes32) {
        return kind % 4 == 3 ? handler.ACT_INVOICE_PAY_CROSS() : handler.ACT_INVOICE_PAY();
    }
}
