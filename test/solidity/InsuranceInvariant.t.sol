// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {TestBase} from "./TestBase.sol";
import {InsuranceHandler} from "./InsuranceHandler.sol";
import {IInsuranceTypes} from "../../contracts/modules/insurance/IInsuranceTypes.sol";

/// @dev The insurance campaign's properties, shared by the campaign and the scripted tests.
abstract contract InsuranceChecks is TestBase {
    InsuranceHandler internal handler;

    uint256 internal constant BPS = 10_000;

    function _deployInsurance() internal {
        // The test chain starts at timestamp 1, the timelock's DONE marker.
        vm.warp(1_700_000_000);
        handler = new InsuranceHandler();
        handler.seed();
        vm.label(address(handler), "InsuranceHandler");
    }

    // ------------------------------------------------------------------ 1. the money

    /// @dev Per token: the diamond holds exactly every pool's capital, owed payouts and fees
    /// plus the credits it keeps for refused payouts; that is what flowed in (deposits,
    /// premiums) less what flowed out (withdrawals, refunds, fees, payouts sent, credits
    /// claimed). Beneficiaries, the credit sink and the treasury hold what the model says.
    function _checkMoney() internal view {
        for (uint256 k; k < 2; ++k) {
            IERC20 token = IERC20(handler.tokens()[k]);
            string memory tag = k == 0 ? "bUSD" : "USD";
            IInsuranceTypes.InsurancePoolView memory p = handler.insurance().insurancePool(handler.poolIds()[k]);
            uint256 balance = token.balanceOf(address(handler.diamond()));
            uint256 credits = handler.credit().totalCredits(address(token));
            assertEq(balance, p.capital + p.owed + p.fees + credits, string.concat(tag, ": held == books + credits"));
            assertEq(balance, _modelledHeld(k), string.concat(tag, ": held == what flowed in - what flowed out"));
            assertEq(
                p.capital + p.owed,
                handler.ghostDeposited(k) +
                    handler.ghostPremiums(k) -
                    handler.ghostFeesAccrued(k) -
                    handler.ghostWithdrawn(k) -
                    handler.ghostRefunds(k) -
                    handler.ghostPayoutsSent(k) -
                    handler.ghostCredited(k),
                string.concat(tag, ": capital + owed == deposits + net premiums - withdrawals - refunds - payouts")
            );
            assertEq(p.fees, handler.ghostFeesAccrued(k) - handler.ghostFeesWithdrawn(k), string.concat(tag, ": fees"));
            assertEq(
                credits,
                handler.ghostCredited(k) - handler.ghostCreditsClaimed(k),
                string.concat(tag, ": credits")
            );
            _checkRecipients(k, token, tag);
        }
    }

    function _modelledHeld(uint256 k) private view returns (uint256) {
        InsuranceHandler h = handler;
        return
            h.ghostDeposited(k) +
            h.ghostPremiums(k) -
            h.ghostWithdrawn(k) -
            h.ghostRefunds(k) -
            h.ghostFeesWithdrawn(k) -
            h.ghostPayoutsSent(k) -
            h.ghostCreditsClaimed(k);
    }

    function _checkRecipients(uint256 k, IERC20 token, string memory tag) private view {
        address[3] memory bens = handler.beneficiaries();
        for (uint256 b; b < 3; ++b) {
            assertEq(token.balanceOf(bens[b]), handler.received(k, b), string.concat(tag, ": a beneficiary's payouts"));
            assertEq(
                handler.credit().creditOf(address(token), bens[b]),
                handler.creditOf(k, b),
                string.concat(tag, ": a beneficiary's credit")
            );
        }
        assertEq(
            token.balanceOf(handler.sink()),
            handler.ghostCreditsClaimed(k),
            string.concat(tag, ": credits claimed")
        );
        assertEq(
            token.balanceOf(handler.treasury()),
            handler.ghostFeesWithdrawn(k),
            string.concat(tag, ": fees withdrawn")
        );
    }

    // ------------------------------------------------------------------ 2. per policy

    /// @dev Every policy was paid at most its sum insured, at most once by a trigger, and
    /// the diamond reports what the model saw paid; a policy paid by its trigger or in full
    /// by claims is Paid.
    function _checkPolicies() internal view {
        uint256 total;
        for (uint256 i; i < handler.policyCount(); ++i) {
            InsuranceHandler.PolicyModel memory m = handler.policy(i);
            IInsuranceTypes.PolicyView memory v = handler.insurance().insurancePolicy(m.id);
            assertTrue(m.paid <= m.sumInsured, string.concat("policy paid more than its sum insured: ", _dec(m.id)));
            assertTrue(m.triggerPayments <= 1, string.concat("policy paid twice by its trigger: ", _dec(m.id)));
            assertEq(v.paid, m.paid, string.concat("policy paid as modelled: ", _dec(m.id)));
            if (m.triggerPayments == 1 || (m.claimPaid == m.sumInsured && m.sumInsured != 0)) {
                assertTrue(v.status == IInsuranceTypes.PolicyStatus.Paid, "a paid policy is Paid");
            }
            if (m.cancelled) {
                assertEq(m.paid, 0, "a cancelled policy is never paid");
                assertTrue(v.status == IInsuranceTypes.PolicyStatus.Cancelled, "a cancelled policy is Cancelled");
            }
            total += m.paid;
        }
        assertEq(
            total,
            handler.ghostPayoutsSent(0) +
                handler.ghostPayoutsSent(1) +
                handler.ghostCredited(0) +
                handler.ghostCredited(1),
            "sum paid per policy == payouts sent + credited"
        );
    }

    // ------------------------------------------------------------------ 3. who pays

    /// @dev Every payout the diamond logged happened in a payout batch (processPayouts or
    /// upkeep) of a triggered risk, to a policy covered at the trigger's reading, for its
    /// tier's share; or in the assessor's confirmation of that claim, for the confirmed
    /// amount. Every trigger happened in a report, a feed check or upkeep, with the tier
    /// its value meets and the reserve its active sums call for.
    function _checkPayoutsAuthorized() internal view {
        if (handler.payoutViolations() == 0) return;
        (bytes32 action, string memory what, bytes memory data) = abi.decode(
            handler.lastPayoutViolation(),
            (bytes32, string, bytes)
        );
        fail(
            string.concat(
                "unauthorized payout or trigger (",
                _dec(handler.payoutViolations()),
                "x), last in ",
                _name(action),
                ": ",
                what,
                " ",
                _shortBytes(data)
            )
        );
    }

    // ------------------------------------------------------------------ 4. locks

    /// @dev Per pool: capital >= locked; locked is exactly what open risks lock, and each
    /// open risk locks at least its active sums × collateral (its active sums are the
    /// model's); risks that are not open lock nothing.
    function _checkLocks() internal view {
        uint256[2] memory lockedByRisks;
        uint256[2] memory needed;
        for (uint256 i; i < handler.riskCount(); ++i) {
            InsuranceHandler.RiskModel memory m = handler.risk(i);
            IInsuranceTypes.RiskView memory v = handler.insurance().insuranceRisk(m.id);
            uint256 k = handler.poolOfRisk(i);
            if (v.state != IInsuranceTypes.RiskState.Open) {
                assertEq(v.locked, 0, string.concat("a risk that is not open locks nothing: ", _dec(m.id)));
                continue;
            }
            assertEq(v.activeSumInsured, _activeSum(i), string.concat("active sums as modelled: ", _dec(m.id)));
            uint256 collateral = handler.insurance().insurancePool(handler.poolIds()[k]).collateralBps;
            uint256 floor = (v.activeSumInsured * collateral) / BPS;
            assertTrue(v.locked >= floor, string.concat("a risk's lock covers its sums: ", _dec(m.id)));
            lockedByRisks[k] += v.locked;
            needed[k] += floor;
        }
        for (uint256 k; k < 2; ++k) {
            IInsuranceTypes.InsurancePoolView memory p = handler.insurance().insurancePool(handler.poolIds()[k]);
            assertTrue(p.capital >= p.locked, "capital >= locked");
            assertEq(p.locked, lockedByRisks[k], "pool locked == sum of open risks' locks");
            assertTrue(p.locked >= needed[k], "locked >= open active sums x collateral");
        }
    }

    function _activeSum(uint256 ri) private view returns (uint256 sum) {
        for (uint256 i; i < handler.policyCount(); ++i) {
            InsuranceHandler.PolicyModel memory m = handler.policy(i);
            if (m.risk == ri && !m.cancelled) sum += m.sumInsured - m.claimPaid;
        }
    }

    // ------------------------------------------------------------------ 5. vaults

    /// @dev Per pool: the vault's total assets are the pool's capital, its supply the pool's
    /// shares, all held by the actors; nobody may withdraw more than the free capital, and
    /// an address without shares nothing.
    function _checkVaults() internal view {
        address[4] memory holders = handler.actors();
        for (uint256 k; k < 2; ++k) {
            IERC4626 vault = IERC4626(handler.vaults()[k]);
            IInsuranceTypes.InsurancePoolView memory p = handler.insurance().insurancePool(handler.poolIds()[k]);
            assertEq(vault.totalAssets(), p.capital, "vault total assets == capital");
            assertEq(vault.totalSupply(), p.totalShares, "vault total supply == pool shares");
            uint256 held;
            for (uint256 i; i < 4; ++i) {
                held += vault.balanceOf(holders[i]);
                assertEq(
                    vault.balanceOf(holders[i]),
                    handler.insurance().insuranceSharesOf(handler.poolIds()[k], holders[i]),
                    "shares as booked"
                );
                assertTrue(vault.maxWithdraw(holders[i]) <= p.capital - p.locked, "maxWithdraw <= capital - locked");
            }
            assertEq(held, p.totalShares, "the actors hold every share");
            assertEq(vault.maxWithdraw(handler.sink()), 0, "no shares, nothing to withdraw");
        }
    }

    // ------------------------------------------------------------------ 6. triggered risks

    /// @dev Per pool: the owed book is exactly what its triggered risks still reserve; each
    /// triggered risk reserves what its trigger reserved less what its batches paid; the
    /// pending queue is exactly the triggered risks; other risks reserve nothing.
    function _checkOwed() internal view {
        uint256[2] memory owedLeft;
        uint256 triggered;
        for (uint256 i; i < handler.riskCount(); ++i) {
            InsuranceHandler.RiskModel memory m = handler.risk(i);
            IInsuranceTypes.RiskView memory v = handler.insurance().insuranceRisk(m.id);
            if (v.state != IInsuranceTypes.RiskState.Triggered) {
                assertEq(v.owedLeft, 0, string.concat("only a triggered risk owes: ", _dec(m.id)));
                if (m.triggered) assertTrue(v.state == IInsuranceTypes.RiskState.Settled, "triggered, then settled");
                continue;
            }
            ++triggered;
            assertTrue(m.triggered && !m.settled, string.concat("triggered as the logs said: ", _dec(m.id)));
            assertTrue(v.owedLeft <= m.reserved, string.concat("owed left <= reserved: ", _dec(m.id)));
            assertEq(
                v.owedLeft,
                m.reserved - _paidByTrigger(i),
                string.concat("owed left == reserved - paid: ", _dec(m.id))
            );
            owedLeft[handler.poolOfRisk(i)] += v.owedLeft;
        }
        uint256[] memory pending = handler.insurance().insurancePendingRisks();
        assertEq(pending.length, triggered, "the pending queue holds the triggered risks");
        for (uint256 j; j < pending.length; ++j) {
            assertTrue(
                handler.insurance().insuranceRisk(pending[j]).state == IInsuranceTypes.RiskState.Triggered,
                "a pending risk is triggered"
            );
        }
        for (uint256 k; k < 2; ++k) {
            assertEq(
                handler.insurance().insurancePool(handler.poolIds()[k]).owed,
                owedLeft[k],
                "pool owed == sum of owed left"
            );
        }
    }

    function _paidByTrigger(uint256 ri) private view returns (uint256 paid) {
        for (uint256 i; i < handler.policyCount(); ++i) {
            InsuranceHandler.PolicyModel memory m = handler.policy(i);
            if (m.risk == ri && m.triggerPayments != 0) paid += m.paid;
        }
    }

    // ------------------------------------------------------------------ the handler's predictions

    /// @dev Every call the model said was valid succeeded, every refusal used an error the
    /// action may meet, and returned amounts (premium, refund, redemption) were the model's.
    function _checkPredictions() internal view {
        if (handler.mismatches() == 0) return;
        (bytes32 action, string memory what, bytes memory data) = abi.decode(
            handler.lastMismatch(),
            (bytes32, string, bytes)
        );
        fail(
            string.concat(
                "insurance handler outcome differs from model (",
                _dec(handler.mismatches()),
                "x), last in ",
                _name(action),
                ": ",
                what,
                " ",
                _shortBytes(data)
            )
        );
    }

    function _name(bytes32 action) internal pure returns (string memory) {
        uint256 n;
        while (n < 32 && action[n] != 0) ++n;
        bytes memory out = new bytes(n);
        for (uint256 i; i < n; ++i) out[i] = action[i];
        return string(out);
    }
}

/// @title Invariants of the insurance module under random capital moves, policy sales and
/// cancellations, oracle reports, feed triggers, payout batches, upkeep, assessed claims,
/// risk closings, blocklisted beneficiaries and credit claims, and time warps.
contract InsuranceInvariantTest is InsuranceChecks {
    function setUp() public {
        _deployInsurance();
        _addTargetContract(address(handler));
        _addTargetSelectors(address(handler), insuranceActions());
    }

    /// @dev Weighted: buying and warping thrice, reporting and paying out twice, so that policies
    /// exist, covers start and triggers are paid within a short sequence.
    function insuranceActions() internal pure returns (bytes4[] memory actions) {
        actions = new bytes4[](29);
        actions[0] = InsuranceHandler.deposit.selector;
        actions[1] = InsuranceHandler.withdraw.selector;
        actions[2] = InsuranceHandler.redeem.selector;
        actions[3] = InsuranceHandler.transferShares.selector;
        actions[4] = InsuranceHandler.buyPolicy.selector;
        actions[5] = InsuranceHandler.buyPolicy.selector;
        actions[6] = InsuranceHandler.buyPolicy.selector;
        actions[7] = InsuranceHandler.cancelPolicy.selector;
        actions[8] = InsuranceHandler.setPolicyBeneficiary.selector;
        actions[9] = InsuranceHandler.reportEvent.selector;
        actions[10] = InsuranceHandler.reportEvent.selector;
        actions[11] = InsuranceHandler.moveFeed.selector;
        actions[12] = InsuranceHandler.checkTrigger.selector;
        actions[13] = InsuranceHandler.processPayouts.selector;
        actions[14] = InsuranceHandler.processPayouts.selector;
        actions[15] = InsuranceHandler.performUpkeep.selector;
        actions[16] = InsuranceHandler.submitClaim.selector;
        actions[17] = InsuranceHandler.submitClaim.selector;
        actions[18] = InsuranceHandler.confirmClaim.selector;
        actions[19] = InsuranceHandler.declineClaim.selector;
        actions[20] = InsuranceHandler.closeRisk.selector;
        actions[21] = InsuranceHandler.openRisk.selector;
        actions[22] = InsuranceHandler.claimCredit.selector;
        actions[23] = InsuranceHandler.toggleBlock.selector;
        actions[24] = InsuranceHandler.withdrawFees.selector;
        actions[25] = InsuranceHandler.warpTime.selector;
        actions[26] = InsuranceHandler.warpTime.selector;
        actions[27] = InsuranceHandler.confirmClaim.selector;
        actions[28] = InsuranceHandler.warpTime.selector;
    }

    function invariant_diamondHoldsPoolBooksPlusCredits() public view {
        _checkMoney();
    }

    function invariant_policyPaidAtMostSumInsuredAndOnceByTrigger() public view {
        _checkPolicies();
    }

    function invariant_payoutsOnlyFromTriggersOrConfirmedClaims() public view {
        _checkPayoutsAuthorized();
    }

    function invariant_lockedCapitalCoversLiveSumsInsured() public view {
        _checkLocks();
    }

    function invariant_vaultMatchesPoolCapitalAndShares() public view {
        _checkVaults();
    }

    function invariant_triggeredRisksOweWhatPoolOwes() public view {
        _checkOwed();
    }

    function invariant_handlerCallsAsModelled() public view {
        _checkPredictions();
    }
}

/// @title The handler's own tests: a scripted run reaches every kind of payout, and the
/// campaign's properties hold along it (so the campaign is not vacuous).
contract InsuranceHandlerTest is InsuranceChecks {
    uint256 internal constant UNIT_B = 1e18;

    function setUp() public {
        _deployInsurance();
    }

    /// @dev Risks 0-3 are the seeded ones (delay, assessed bUSD, index, assessed USD), all
    /// starting in 2 h; seeds as the handler documents them.
    function test_script_triggersClaimsCreditsUpkeepAndClose() public {
        handler.buyPolicy(0 | (0 << 2) | (2 << 6), 100 * UNIT_B, 0); // delay, blocked beneficiary
        handler.buyPolicy(1 | (1 << 2), 200 * UNIT_B, 0); // assessed bUSD
        handler.buyPolicy(2 | (2 << 2) | (1 << 6), 300e6, 0); // index
        handler.buyPolicy(3 | (2 << 2) | (1 << 6), 50e6, 0); // index, cancelled below
        handler.cancelPolicy(3);
        _checkAll();
        handler.warpTime(2 hours + 30 minutes);
        handler.reportEvent(4 << 4, 0); // delay 180: tier 2
        handler.processPayouts(0, 4);
        handler.claimCredit(2);
        handler.submitClaim(1, 40 * UNIT_B);
        handler.confirmClaim(0, 40 * UNIT_B);
        handler.moveFeed(5, 0); // index 40, read now
        handler.checkTrigger(2);
        handler.performUpkeep(0);
        _checkAll();
        for (uint256 i; i < 4; ++i) handler.warpTime(2 days);
        handler.closeRisk(3);
        handler.withdrawFees(0);
        handler.redeem(0, 1e9);
        _checkAll();
        assertEq(handler.triggers(), 2, "two triggers");
        assertEq(handler.payouts(), 6, "five trigger payouts (two seeded) and a claim payout");
        assertEq(handler.creditedPayouts(), 2, "the payouts to the blocked beneficiary are credited");
        assertEq(handler.claimPayouts(), 1, "one claim payout");
        assertEq(handler.successes(handler.ACT_CLOSE()), 1, "risk closed");
        assertEq(handler.successes(handler.ACT_CREDIT()), 1, "credit claimed");
        assertEq(handler.successes(handler.ACT_CANCEL()), 1, "policy cancelled");
    }

    /// @dev Refused calls the handler makes on purpose are expected, not mismatches.
    function test_script_refusalsAreExpected() public {
        handler.reportEvent(4 << 4, 0); // before the risk's window
        handler.reportEvent((4 << 4) | (5 << 8), 0); // from the future
        handler.checkTrigger(0); // no feed
        handler.processPayouts(0, 1); // not triggered
        handler.closeRisk(0); // not ended
        handler.claimCredit(0); // no credit
        handler.withdraw(7 << 5, 1); // more than the maximum
        handler.buyPolicy(14 << 8, 0, 0); // sum out of range
        handler.submitClaim(0, 1); // no policy yet: skipped
        _checkAll();
        assertEq(handler.successes(handler.ACT_REPORT()), 0, "no report accepted");
    }

    function _checkAll() internal view {
        _checkMoney();
        _checkPolicies();
        _checkPayoutsAuthorized();
        _checkLocks();
        _checkVaults();
        _checkOwed();
        _checkPredictions();
    }
}
