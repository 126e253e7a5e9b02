// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AssetHandler} from "./AssetHandler.sol";
import {AssetChecks} from "./AssetInvariant.t.sol";
import {InsuranceHandler} from "./InsuranceHandler.sol";
import {InsuranceChecks} from "./InsuranceInvariant.t.sol";
import {LendingHandler} from "./LendingHandler.sol";
import {LendingChecks} from "./LendingInvariant.t.sol";
import {PaymentHandler} from "./PaymentHandler.sol";
import {PaymentChecks} from "./PaymentInvariant.t.sol";

/// @title One diamond with every module installed: credit, payment, lending, upkeep,
/// identity, asset and insurance, sharing a stablecoin and one credit book.
/// @notice The payment handler builds the diamond and installs credit and payment; the
/// lending handler installs lending on the same diamond (as the payment handler's upgrader) and
/// lends the payment handler's token A as pool USD's asset; the asset handler installs
/// upkeep (lending's init only registers its keeper work: the module is not installed
/// yet), identity and asset there, and takes token A as the payment token of its
/// offerings, distributions and redemptions; the insurance handler installs insurance only
/// (upkeep and credit are there), puts its pool 2 on token A and keeps pool 1 on its own
/// blocklist token bUSD, and blocks its blockable beneficiary in both, so that its payouts
/// in token A are credited too; its keeper calls perform only insurance's work (a
/// diamond-wide check that finds lending's or asset's first is left to their handlers).
/// All follow the payment handler's clock. The campaign interleaves the four handlers'
/// actions (four times the default depth); each still predicts every call exactly. Per
/// token, the diamond's balance must be exactly what the five money-holding modules
/// (payment, credit, lending, asset, insurance) account for between them, and the one
/// credit book exactly payment's refused payouts plus insurance's credited payouts.
abstract contract SuiteChecks is PaymentChecks, LendingChecks, AssetChecks, InsuranceChecks {
    /// @dev The insurance handler's pools by token index: pool 1 on bUSD, pool 2 on token A.
    uint256 internal constant INSURANCE_BUSD = 0;
    uint256 internal constant INSURANCE_TOKEN_A = 1;

    function _deploySuite() internal {
        _deploy();
        _deployLending(address(diamond), address(handler), address(handler), address(tokenA));
        assertEq(address(lendingSuite), address(diamond), "one diamond");
        assertEq(lendingHandler.tokens()[0], address(tokenA), "pool USD lends token A");
        _deployAsset(address(diamond), address(handler), address(handler), address(tokenA));
        assertEq(address(assetSuite), address(diamond), "asset on the same diamond");
        assertEq(address(assetHandler.payToken()), address(tokenA), "assets are paid in token A");
        assertTrue(assetSuite.isModuleInstalled(assetHandler.UPKEEP_MODULE()), "upkeep installed once");
        _deployInsurance(address(diamond), address(handler), address(handler), address(tokenA));
        assertEq(address(insuranceHandler.diamond()), address(diamond), "insurance on the same diamond");
        assertEq(insuranceHandler.tokens()[INSURANCE_TOKEN_A], address(tokenA), "insurance pool 2 holds token A");
        assertFalse(insuranceHandler.installedUpkeep(), "upkeep not installed twice");
        assertFalse(insuranceHandler.installedCredit(), "credit not installed twice");
    }

    /// @dev Per token: the diamond holds exactly payment's books (accrued fees + escrowed)
    /// plus the credit book plus lending's (pool cash + posted collateral) plus asset's
    /// (subscriptions and proceeds due, unclaimed distributions, redemption funds) plus
    /// insurance's (pool capital, owed payouts, fees), each as its handler models it; the
    /// credit book is what payment and insurance credited between them; and token A's and
    /// bUSD's whole supplies are with the handlers' accounts and the diamond.
    function _checkSuiteBooks() internal view {
        address[3] memory payAssets = handler.assets(); // native, token A, token B
        for (uint256 k; k < 3; ++k) {
            address asset = payAssets[k];
            uint256 paymentBooks = _paymentBooks(asset);
            uint256 credits = _creditBook(asset);
            uint256 lendingBooks = asset == address(tokenA) ? _lendingBooks(0) : 0;
            uint256 assetBooks = _assetBooks(asset);
            uint256 insuranceBooks = asset == address(tokenA) ? _insuranceBooks(INSURANCE_TOKEN_A) : 0;
            if (asset != address(0)) {
                assertEq(lendingSuite.lendingBooks(asset), lendingBooks, "lendingBooks of a payment asset");
            }
            assertEq(
                handler.balanceOf(asset, address(diamond)),
                paymentBooks + credits + lendingBooks + assetBooks + insuranceBooks,
                string.concat(_assetName(asset), ": diamond balance == payment + credit + lending + asset + insurance")
            );
        }
        for (uint256 t = 1; t < 3; ++t) {
            address token = lendingHandler.tokens()[t];
            assertEq(payment.accruedPaymentFees(token), 0, "no payment fees in a lending-only token");
            assertEq(assetSuite.assetBooks(token), 0, "no asset books in a lending-only token");
            assertEq(credit.totalCredits(token), 0, "no credits in a lending-only token");
            assertEq(
                IERC20(token).balanceOf(address(diamond)),
                _lendingBooks(t),
                string.concat(_tokenName(t), ": diamond balance == lending books")
            );
        }
        _checkInsuranceOwnToken();
        _checkSharedSupply();
    }

    /// @dev Payment's own books of `asset` (accrued fees, escrowed), each as the payment
    /// handler models it.
    function _paymentBooks(address asset) internal view returns (uint256) {
        uint256 accrued = payment.accruedPaymentFees(asset);
        uint256 escrowed = escrow.escrowedAmount(asset);
        assertEq(accrued, handler.ghostAccrued(asset), string.concat(_assetName(asset), ": accrued as modelled"));
        assertEq(escrowed, handler.ghostEscrowed(asset), string.concat(_assetName(asset), ": escrowed as modelled"));
        return accrued + escrowed;
    }

    /// @dev The one credit book of `asset`: exactly the payouts payment credited (and not
    /// yet claimed) plus those insurance credited less its claims, as each handler models them.
    function _creditBook(address asset) internal view returns (uint256 credited) {
        credited = credit.totalCredits(asset);
        uint256 insuranceCredits = asset == address(tokenA) ? _insuranceCredits(INSURANCE_TOKEN_A) : 0;
        assertEq(
            credited,
            handler.ghostCredited(asset) + insuranceCredits,
            string.concat(_assetName(asset), ": credit book == payment's + insurance's modelled credits")
        );
    }

    /// @dev bUSD, insurance pool 1's own token: nobody else holds or credits it, so the
    /// diamond's balance is the pool's books plus the credits, what flowed in less what
    /// flowed out, and the insurance accounts and the diamond hold all that was minted.
    function _checkInsuranceOwnToken() internal view {
        address busd = insuranceHandler.tokens()[INSURANCE_BUSD];
        uint256 held = IERC20(busd).balanceOf(address(diamond));
        uint256 credits = credit.totalCredits(busd);
        assertEq(credits, _insuranceCredits(INSURANCE_BUSD), "bUSD: credit book == insurance's modelled credits");
        assertEq(held, _insuranceBooks(INSURANCE_BUSD) + credits, "bUSD: diamond balance == insurance books + credits");
        assertEq(held, _insuranceModelledHeld(INSURANCE_BUSD), "bUSD: held == what flowed in - what flowed out");
        assertEq(payment.accruedPaymentFees(busd), 0, "no payment fees in bUSD");
        assertEq(lendingSuite.lendingBooks(busd), 0, "no lending books in bUSD");
        assertEq(assetSuite.assetBooks(busd), 0, "no asset books in bUSD");
        assertEq(held + _insuranceHeld(INSURANCE_BUSD), IERC20(busd).totalSupply(), "bUSD: all of it accounted for");
        assertEq(
            IERC20(busd).totalSupply(),
            4 * insuranceHandler.mintedPerActor(INSURANCE_BUSD),
            "bUSD: nothing minted or burnt since"
        );
    }

    function _checkSharedSupply() internal view {
        uint256 sum = tokenA.balanceOf(address(diamond)) + tokenA.balanceOf(treasury);
        sum += tokenA.balanceOf(lendingHandler.treasury());
        address[4] memory lendingActors = lendingHandler.actors();
        for (uint256 i; i < 4; ++i) sum += tokenA.balanceOf(actors[i]) + tokenA.balanceOf(lendingActors[i]);
        // The asset handler's wallets, issuer and treasury, each as its model says.
        sum += _assetPaymentHeld();
        // The insurance handler's actors, beneficiaries, credit sink and treasury.
        sum += _insuranceHeld(INSURANCE_TOKEN_A);
        assertEq(sum, tokenA.totalSupply(), "token A: all of it with the actors, treasuries and diamond");
        assertEq(
            tokenA.totalSupply(),
            4 * handler.INITIAL_BALANCE() +
                4 * lendingHandler.minted(0) +
                assetHandler.paymentMinted() +
                4 * insuranceHandler.mintedPerActor(INSURANCE_TOKEN_A),
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
        _checkInsuranceAll();
        _checkSuiteBooks();
    }

    /// @dev The insurance campaign's properties but its money check (which assumes the
    /// diamond to itself; `_checkSuiteBooks` replaces it).
    function _checkInsuranceAll() internal view {
        _checkInsurancePredictions();
        _checkInsurancePayoutsAuthorized();
        _checkInsurancePolicies();
        _checkInsuranceLocks();
        _checkInsuranceVaults();
        _checkInsuranceOwed();
    }
}

/// @title Invariants of payment, lending, identity, asset and insurance run together on one diamond.
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
        _addTargetContract(address(insuranceHandler));
        _addTargetSelectors(address(insuranceHandler), _suiteInsuranceActions());
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

    /// @dev The insurance campaign's actions, weighted for a short share of a shared run:
    /// here one call in four is insurance's and the other handlers move the clock, so the
    /// paths that take money out (payout batches, upkeep, confirmed claims, credit claims)
    /// are weighted up, and warps down.
    function _suiteInsuranceActions() internal pure returns (bytes4[] memory a) {
        a = new bytes4[](30);
        a[0] = InsuranceHandler.deposit.selector;
        a[1] = InsuranceHandler.withdraw.selector;
        a[2] = InsuranceHandler.redeem.selector;
        a[3] = InsuranceHandler.transferShares.selector;
        a[4] = InsuranceHandler.buyPolicy.selector;
        a[5] = InsuranceHandler.buyPolicy.selector;
        a[6] = InsuranceHandler.cancelPolicy.selector;
        a[7] = InsuranceHandler.setPolicyBeneficiary.selector;
        a[8] = InsuranceHandler.reportEvent.selector;
        a[9] = InsuranceHandler.reportEvent.selector;
        a[10] = InsuranceHandler.moveFeed.selector;
        a[11] = InsuranceHandler.checkTrigger.selector;
        a[12] = InsuranceHandler.checkTrigger.selector;
        a[13] = InsuranceHandler.processPayouts.selector;
        a[14] = InsuranceHandler.processPayouts.selector;
        a[15] = InsuranceHandler.processPayouts.selector;
        a[16] = InsuranceHandler.processPayouts.selector;
        a[17] = InsuranceHandler.performUpkeep.selector;
        a[18] = InsuranceHandler.performUpkeep.selector;
        a[19] = InsuranceHandler.submitClaim.selector;
        a[20] = InsuranceHandler.confirmClaim.selector;
        a[21] = InsuranceHandler.confirmClaim.selector;
        a[22] = InsuranceHandler.declineClaim.selector;
        a[23] = InsuranceHandler.closeRisk.selector;
        a[24] = InsuranceHandler.openRisk.selector;
        a[25] = InsuranceHandler.claimCredit.selector;
        a[26] = InsuranceHandler.claimCredit.selector;
        a[27] = InsuranceHandler.toggleBlock.selector;
        a[28] = InsuranceHandler.withdrawFees.selector;
        a[29] = InsuranceHandler.warpTime.selector;
    }

    /// @dev Four handlers share each run's calls, so the run is four times the default depth:
    /// each handler then makes about as many calls as in its own campaign (at depth 20 the
    /// suite reached neither a payment credit nor an insurance payout).
    /// forge-config: default.invariant.depth = 80
    function invariant_SuiteFundsAllAccountedFor() public view {
        _checkSuiteAll();
    }
}

/// @title The four handlers by hand on the shared diamond: the suite checks are not vacuous.
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

    /// @dev Insurance pays out token A from the diamond that holds payment's, lending's and
    /// asset's token A: a payout to the beneficiary token A blocks is credited in the same
    /// book as payment's refused escrow release; a bUSD payout to it is credited too; all
    /// is claimed; time moves for all; the books add up after each step.
    function test_SuiteInsuranceSharesTokenAAndTheCreditBook() public {
        InsuranceHandler ins = insuranceHandler;
        address blockedBeneficiary = ins.beneficiaries()[ins.BLOCKABLE()];
        address busd = ins.tokens()[INSURANCE_BUSD];
        assertTrue(handler.createEscrow(_escrowSeed(0, 0, 1, 1, 0), 100e18, "e0"), "actor 0 escrows for actor 1");
        handler.toggleBlocked(1 << 8); // token A blocks payment's actor 1
        assertTrue(handler.releaseEscrow(0), "release: the blocked payee is credited");
        ins.buyPolicy(2 | (2 << 2) | (2 << 6), 300e18, 0); // index product (token A), blocked beneficiary
        assertEq(ins.successes(ins.ACT_BUY()), 5, "four seeded policies and this one");
        _checkSuiteAll();
        ins.warpTime(2 hours + 30 minutes); // through the payment handler's clock
        assertEq(ins.ghostTime(), handler.ghostTime(), "insurance follows the shared clock");
        ins.moveFeed(5, 0); // index 40, read now: 100 %
        ins.checkTrigger(2);
        ins.processPayouts(2, 4); // the seeded policy (sent) and this one (credited)
        ins.reportEvent(4 << 4, 0); // delay 180 on the bUSD risk: 100 %
        ins.processPayouts(0, 4); // the seeded bUSD policy, to the blocked beneficiary
        assertEq(ins.triggers(), 2, "two triggers");
        assertEq(ins.payouts(), 3, "three payouts");
        assertEq(ins.creditedPayouts(), 2, "two credited");
        assertEq(credit.creditOf(address(tokenA), blockedBeneficiary), 300e18, "insurance credit in token A");
        assertEq(credit.totalCredits(address(tokenA)), 400e18, "one book: payment's 100 + insurance's 300");
        assertEq(credit.totalCredits(busd), 500e18, "insurance credit in bUSD");
        _checkSuiteAll();
        ins.claimCredit(20); // beneficiary 20 % 3 = 2, token bit 4 set: token A, to the insurance sink
        ins.claimCredit(2); // beneficiary 2, bUSD
        assertTrue(handler.claimCredit(1 | (1 << 8) | (3 << 12)), "payment's credit claimed to actor 3");
        assertEq(ins.successes(ins.ACT_CREDIT()), 2, "insurance credits claimed");
        assertEq(credit.totalCredits(address(tokenA)), 0, "token A credits all claimed");
        assertEq(credit.totalCredits(busd), 0, "bUSD credits all claimed");
        _checkSuiteAll();
    }
}
