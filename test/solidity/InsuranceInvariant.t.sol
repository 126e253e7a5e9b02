// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {TestBase} from "./TestBase.sol";
import {InsuranceHandler} from "./InsuranceHandler.sol";
import {IInsuranceTypes} from "../../contracts/modules/insurance/IInsuranceTypes.sol";

/// @dev The insurance campaign's properties, shared by the campaign and the scripted tests.
abstract contract InsuranceChecks is TestBase {
    InsuranceHandler internal insuranceHandler;

    uint256 internal constant BPS = 10_000;

    /// @dev Without `existing`, the handler builds its own diamond and tokens; with it, it
    /// installs insurance there (upkeep and credit unless installed) as `owner`'s upgrader,
    /// takes `token` as pool 2's asset and follows `clock`. Then it seeds the pools.
    function _deployInsurance(address existing, address owner, address clock, address token) internal {
        insuranceHandler = new InsuranceHandler(existing, owner, clock, token);
        insuranceHandler.seed();
        vm.label(address(insuranceHandler), "InsuranceHandler");
    }

    // ------------------------------------------------------------------ 1. the money

    /// @dev Per token: the diamond holds exactly every pool's capital, owed payouts and fees
    /// plus the credits it keeps for refused payouts; that is what flowed in (deposits,
    /// premiums) less what flowed out (withdrawals, refunds, fees, payouts sent, credits
    /// claimed). Beneficiaries, the credit sink and the treasury hold what the model says.
    function _checkInsuranceMoney() internal view {
        for (uint256 k; k < 2; ++k) {
            IERC20 token = IERC20(insuranceHandler.tokens()[k]);
            string memory tag = _insuranceTokenName(k);
            uint256 balance = token.balanceOf(address(insuranceHandler.diamond()));
            uint256 credits = insuranceHandler.credit().totalCredits(address(token));
            assertEq(balance, _insuranceBooks(k) + credits, string.concat(tag, ": held == books + credits"));
            assertEq(
                balance,
                _insuranceModelledHeld(k),
                string.concat(tag, ": held == what flowed in - what flowed out")
            );
            assertEq(credits, _insuranceCredits(k), string.concat(tag, ": credits"));
            _checkRecipients(k, token, tag);
        }
    }

    /// @dev Pool `k`'s books (capital + owed + fees), each part as the model says: capital
    /// and owed are deposits and net premiums less withdrawals, refunds and payouts; fees
    /// are those accrued less those withdrawn.
    function _insuranceBooks(uint256 k) internal view returns (uint256) {
        InsuranceHandler h = insuranceHandler;
        string memory tag = _insuranceTokenName(k);
        IInsuranceTypes.InsurancePoolView memory p = h.insurance().insurancePool(h.poolIds()[k]);
        assertEq(
            p.capital + p.owed,
            h.ghostDeposited(k) +
                h.ghostPremiums(k) -
                h.ghostFeesAccrued(k) -
                h.ghostWithdrawn(k) -
                h.ghostRefunds(k) -
                h.ghostPayoutsSent(k) -
                h.ghostCredited(k),
            string.concat(tag, ": capital + owed == deposits + net premiums - withdrawals - refunds - payouts")
        );
        assertEq(p.fees, h.ghostFeesAccrued(k) - h.ghostFeesWithdrawn(k), string.concat(tag, ": fees"));
        return p.capital + p.owed + p.fees;
    }

    /// @dev The credits the model says the insurance module keeps in pool `k`'s token:
    /// payouts credited less credits claimed.
    function _insuranceCredits(uint256 k) internal view returns (uint256) {
        return insuranceHandler.ghostCredited(k) - insuranceHandler.ghostCreditsClaimed(k);
    }

    function _insuranceTokenName(uint256 k) internal view returns (string memory) {
        if (k == 0) return "bUSD";
        return insuranceHandler.blocksShared() ? "insurance pool 2 token" : "USD";
    }

    function _insuranceModelledHeld(uint256 k) internal view returns (uint256) {
        InsuranceHandler h = insuranceHandler;
        return
            h.ghostDeposited(k) +
            h.ghostPremiums(k) -
            h.ghostWithdrawn(k) -
            h.ghostRefunds(k) -
            h.ghostFeesWithdrawn(k) -
            h.ghostPayoutsSent(k) -
            h.ghostCreditsClaimed(k);
    }

    /// @dev Pool `k`'s token held by the insurance handler's accounts: the actors together
    /// (what they were minted, less deposits and premiums, plus withdrawals and refunds),
    /// the beneficiaries, the credit sink and the treasury (each as `_checkRecipients` checks).
    function _insuranceHeld(uint256 k) internal view returns (uint256 sum) {
        InsuranceHandler h = insuranceHandler;
        IERC20 token = IERC20(h.tokens()[k]);
        address[4] memory holders = h.actors();
        for (uint256 i; i < 4; ++i) sum += token.balanceOf(holders[i]);
        assertEq(
            sum + h.ghostDeposited(k) + h.ghostPremiums(k),
            4 * h.mintedPerActor(k) + h.ghostWithdrawn(k) + h.ghostRefunds(k),
            string.concat(_insuranceTokenName(k), ": the insurance actors hold what the model says")
        );
        address[3] memory bens = h.beneficiaries();
        for (uint256 b; b < 3; ++b) sum += token.balanceOf(bens[b]);
        sum += token.balanceOf(h.sink()) + token.balanceOf(h.treasury());
        _checkRecipients(k, token, _insuranceTokenName(k));
    }

    function _checkRecipients(uint256 k, IERC20 token, string memory tag) internal view {
        address[3] memory bens = insuranceHandler.beneficiaries();
        for (uint256 b; b < 3; ++b) {
            assertEq(
                token.balanceOf(bens[b]),
                insuranceHandler.received(k, b),
                string.concat(tag, ": a beneficiary's payouts")
            );
            assertEq(
                insuranceHandler.credit().creditOf(address(token), bens[b]),
                insuranceHandler.creditOf(k, b),
                string.concat(tag, ": a beneficiary's credit")
            );
        }
        assertEq(
            token.balanceOf(insuranceHandler.sink()),
            insuranceHandler.ghostCreditsClaimed(k),
            string.concat(tag, ": credits claimed")
        );
        assertEq(
            token.balanceOf(insuranceHandler.treasury()),
            insuranceHandler.ghostFeesWithdrawn(k),
            string.concat(tag, ": fees withdrawn")
        );
    }

    // ------------------------------------------------------------------ 2. per policy

    /// @dev Every policy was paid at most its sum insured, at most once by a trigger, and
    /// the diamond reports what the model saw paid; a policy paid by its trigger or in full
    /// by claims is Paid.
    function _checkInsurancePolicies() internal view {
        uint256 total;
        for (uint256 i; i < insuranceHandler.policyCount(); ++i) {
            InsuranceHandler.PolicyModel memory m = insuranceHandler.policy(i);
            IInsuranceTypes.PolicyView memory v = insuranceHandler.insurance().insurancePolicy(m.id);
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
            insuranceHandler.ghostPayoutsSent(0) +
                insuranceHandler.ghostPayoutsSent(1) +
                insuranceHandler.ghostCredited(0) +
                insuranceHandler.ghostCredited(1),
            "sum paid per policy == payouts sent + credited"
        );
    }

    // ------------------------------------------------------------------ 3. who pays

    /// @dev Every payout the diamond logged happened in a payout batch (processPayouts or
    /// upkeep) of a triggered risk, to a policy covered at the trigger's reading, for its
    /// tier's share; or in the assessor's confirmation of that claim, for the confirmed
    /// amount. Every trigger happened in a report, a feed check or upkeep, with the tier
    /// its value meets and the reserve its active sums call for.
    function _checkInsurancePayoutsAuthorized() internal view {
        if (insuranceHandler.payoutViolations() == 0) return;
        (bytes32 action, string memory what, bytes memory data) = abi.decode(
            insuranceHandler.lastPayoutViolation(),
            (bytes32, string, bytes)
        );
        fail(
            string.concat(
                "unauthorized payout or trigger (",
                _dec(insuranceHandler.payoutViolations()),
                "x), last in ",
                _insuranceActionName(action),
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
    function _checkInsuranceLocks() internal view {
        uint256[2] memory lockedByRisks;
        uint256[2] memory needed;
        for (uint256 i; i < insuranceHandler.riskCount(); ++i) {
            InsuranceHandler.RiskModel memory m = insuranceHandler.risk(i);
            IInsuranceTypes.RiskView memory v = insuranceHandler.insurance().insuranceRisk(m.id);
            uint256 k = insuranceHandler.poolOfRisk(i);
            if (v.state != IInsuranceTypes.RiskState.Open) {
                assertEq(v.locked, 0, string.concat("a risk that is not open locks nothing: ", _dec(m.id)));
                continue;
            }
            assertEq(
                v.activeSumInsured,
                _insuranceActiveSum(i),
                string.concat("active sums as modelled: ", _dec(m.id))
            );
            uint256 collateral = insuranceHandler
                .insurance()
                .insurancePool(insuranceHandler.poolIds()[k])
                .collateralBps;
            uint256 floor = (v.activeSumInsured * collateral) / BPS;
            assertTrue(v.locked >= floor, string.concat("a risk's lock covers its sums: ", _dec(m.id)));
            lockedByRisks[k] += v.locked;
            needed[k] += floor;
        }
        for (uint256 k; k < 2; ++k) {
            IInsuranceTypes.InsurancePoolView memory p = insuranceHandler.insurance().insurancePool(
                insuranceHandler.poolIds()[k]
            );
            assertTrue(p.capital >= p.locked, "capital >= locked");
            assertEq(p.locked, lockedByRisks[k], "pool locked == sum of open risks' locks");
            assertTrue(p.locked >= needed[k], "locked >= open active sums x collateral");
        }
    }

    function _insuranceActiveSum(uint256 ri) private view returns (uint256 sum) {
        for (uint256 i; i < insuranceHandler.policyCount(); ++i) {
            InsuranceHandler.PolicyModel memory m = insuranceHandler.policy(i);
            if (m.risk == ri && !m.cancelled) sum += m.sumInsured - m.claimPaid;
        }
    }

    // ------------------------------------------------------------------ 5. vaults

    /// @dev Per pool: the vault's total assets are the pool's capital, its supply the pool's
    /// shares, all held by the actors; nobody may withdraw more than the free capital, and
    /// an address without shares nothing.
    function _checkInsuranceVaults() internal view {
        address[4] memory holders = insuranceHandler.actors();
        for (uint256 k; k < 2; ++k) {
            IERC4626 vault = IERC4626(insuranceHandler.vaults()[k]);
            IInsuranceTypes.InsurancePoolView memory p = insuranceHandler.insurance().insurancePool(
                insuranceHandler.poolIds()[k]
            );
            assertEq(vault.totalAssets(), p.capital, "vault total assets == capital");
            assertEq(vault.totalSupply(), p.totalShares, "vault total supply == pool shares");
            uint256 held;
            for (uint256 i; i < 4; ++i) {
                held += vault.balanceOf(holders[i]);
                assertEq(
                    vault.balanceOf(holders[i]),
                    insuranceHandler.insurance().insuranceSharesOf(insuranceHandler.poolIds()[k], holders[i]),
                    "shares as booked"
                );
                assertTrue(vault.maxWithdraw(holders[i]) <= p.capital - p.locked, "maxWithdraw <= capital - locked");
            }
            assertEq(held, p.totalShares, "the actors hold every share");
            assertEq(vault.maxWithdraw(insuranceHandler.sink()), 0, "no shares, nothing to withdraw");
        }
    }

    // ------------------------------------------------------------------ 6. triggered risks

    /// @dev Per pool: the owed book is exactly what its triggered risks still reserve; each
    /// triggered risk reserves what its trigger reserved less what its batches paid; the
    /// pending queue is exactly the triggered risks; other risks reserve nothing.
    function _checkInsuranceOwed() internal view {
        uint256[2] memory owedLeft;
        uint256 triggered;
        for (uint256 i; i < insuranceHandler.riskCount(); ++i) {
            InsuranceHandler.RiskModel memory m = insuranceHandler.risk(i);
            IInsuranceTypes.RiskView memory v = insuranceHandler.insurance().insuranceRisk(m.id);
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
                m.reserved - _insurancePaidByTrigger(i),
                string.concat("owed left == reserved - paid: ", _dec(m.id))
            );
            owedLeft[insuranceHandler.poolOfRisk(i)] += v.owedLeft;
        }
        uint256[] memory pending = insuranceHandler.insurance().insurancePendingRisks();
        assertEq(pending.length, triggered, "the pending queue holds the triggered risks");
        for (uint256 j; j < pending.length; ++j) {
            assertTrue(
                insuranceHandler.insurance().insuranceRisk(pending[j]).state == IInsuranceTypes.RiskState.Triggered,
                "a pending risk is triggered"
            );
        }
        for (uint256 k; k < 2; ++k) {
            assertEq(
                insuranceHandler.insurance().insurancePool(insuranceHandler.poolIds()[k]).owed,
                owedLeft[k],
                "pool owed == sum of owed left"
            );
        }
    }

    function _insurancePaidByTrigger(uint256 ri) private view returns (uint256 paid) {
        for (uint256 i; i < insuranceHandler.policyCount(); ++i) {
            InsuranceHandler.PolicyModel memory m = insuranceHandler.policy(i);
            if (m.risk == ri && m.triggerPayments != 0) paid += m.paid;
        }
    }

    // ------------------------------------------------------------------ the insuranceHandler's predictions

    /// @dev Every call the model said was valid succeeded, every refusal used an error the
    /// action may meet, and returned amounts (premium, refund, redemption) were the model's.
    function _checkInsurancePredictions() internal view {
        if (insuranceHandler.mismatches() == 0) return;
        (bytes32 action, string memory what, bytes memory data) = abi.decode(
            insuranceHandler.lastMismatch(),
            (bytes32, string, bytes)
        );
        fail(
            string.concat(
                "insurance insuranceHandler outcome differs from model (",
                _dec(insuranceHandler.mismatches()),
                "x), last in ",
                _insuranceActionName(action),
                ": ",
                what,
                " ",
                _shortBytes(data)
            )
        );
    }

    /// @dev Weighted: buying and warping thrice, reporting and paying out twice, so that policies
    /// exist, covers start and triggers are paid within a short sequence.
    function _insuranceActions() internal pure returns (bytes4[] memory actions) {
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

    function _insuranceActionName(bytes32 action) internal pure returns (string memory) {
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
        // The test chain starts at timestamp 1, the timelock's DONE marker.
        vm.warp(1_700_000_000);
        _deployInsurance(address(0), address(0), address(0), address(0));
        _addTargetContract(address(insuranceHandler));
        _addTargetSelectors(address(insuranceHandler), _insuranceActions());
    }

    function invariant_diamondHoldsPoolBooksPlusCredits() public view {
        _checkInsuranceMoney();
    }

    function invariant_policyPaidAtMostSumInsuredAndOnceByTrigger() public view {
        _checkInsurancePolicies();
    }

    function invariant_payoutsOnlyFromTriggersOrConfirmedClaims() public view {
        _checkInsurancePayoutsAuthorized();
    }

    function invariant_lockedCapitalCoversLiveSumsInsured() public view {
        _checkInsuranceLocks();
    }

    function invariant_vaultMatchesPoolCapitalAndShares() public view {
        _checkInsuranceVaults();
    }

    function invariant_triggeredRisksOweWhatPoolOwes() public view {
        _checkInsuranceOwed();
    }

    function invariant_handlerCallsAsModelled() public view {
        _checkInsurancePredictions();
    }
}

/// @title The insuranceHandler's own tests: a scripted run reaches every kind of payout, and the
/// campaign's properties hold along it (so the campaign is not vacuous).
contract InsuranceHandlerTest is InsuranceChecks {
    uint256 internal constant UNIT_B = 1e18;

    function setUp() public {
        // The test chain starts at timestamp 1, the timelock's DONE marker.
        vm.warp(1_700_000_000);
        _deployInsurance(address(0), address(0), address(0), address(0));
    }

    /// @dev Risks 0-3 are the seeded ones (delay, assessed bUSD, index, assessed USD), all
    /// starting in 2 h; seeds as the insuranceHandler documents them.
    function test_script_triggersClaimsCreditsUpkeepAndClose() public {
        insuranceHandler.buyPolicy(0 | (0 << 2) | (2 << 6), 100 * UNIT_B, 0); // delay, blocked beneficiary
        insuranceHandler.buyPolicy(1 | (1 << 2), 200 * UNIT_B, 0); // assessed bUSD
        insuranceHandler.buyPolicy(2 | (2 << 2) | (1 << 6), 300e6, 0); // index
        insuranceHandler.buyPolicy(3 | (2 << 2) | (1 << 6), 50e6, 0); // index, cancelled below
        insuranceHandler.cancelPolicy(3);
        _checkAll();
        insuranceHandler.warpTime(2 hours + 30 minutes);
        insuranceHandler.reportEvent(4 << 4, 0); // delay 180: tier 2
        insuranceHandler.processPayouts(0, 4);
        insuranceHandler.claimCredit(2);
        insuranceHandler.submitClaim(1, 40 * UNIT_B);
        insuranceHandler.confirmClaim(0, 40 * UNIT_B);
        insuranceHandler.moveFeed(5, 0); // index 40, read now
        insuranceHandler.checkTrigger(2);
        insuranceHandler.performUpkeep(0);
        _checkAll();
        for (uint256 i; i < 4; ++i) insuranceHandler.warpTime(2 days);
        insuranceHandler.closeRisk(3);
        insuranceHandler.withdrawFees(0);
        insuranceHandler.redeem(0, 1e9);
        _checkAll();
        assertEq(insuranceHandler.triggers(), 2, "two triggers");
        assertEq(insuranceHandler.payouts(), 6, "five trigger payouts (two seeded) and a claim payout");
        assertEq(insuranceHandler.creditedPayouts(), 2, "the payouts to the blocked beneficiary are credited");
        assertEq(insuranceHandler.claimPayouts(), 1, "one claim payout");
        assertEq(insuranceHandler.successes(insuranceHandler.ACT_CLOSE()), 1, "risk closed");
        assertEq(insuranceHandler.successes(insuranceHandler.ACT_CREDIT()), 1, "credit claimed");
        assertEq(insuranceHandler.successes(insuranceHandler.ACT_CANCEL()), 1, "policy cancelled");
    }

    /// @dev Refused calls the insuranceHandler makes on purpose are expected, not mismatches.
    function test_script_refusalsAreExpected() public {
        insuranceHandler.reportEvent(4 << 4, 0); // before the risk's window
        insuranceHandler.reportEvent((4 << 4) | (5 << 8), 0); // from the future
        insuranceHandler.checkTrigger(0); // no feed
        insuranceHandler.processPayouts(0, 1); // not triggered
        insuranceHandler.closeRisk(0); // not ended
        insuranceHandler.claimCredit(0); // no credit
        insuranceHandler.withdraw(7 << 5, 1); // more than the maximum
        insuranceHandler.buyPolicy(14 << 8, 0, 0); // sum out of range
        insuranceHandler.submitClaim(0, 1); // no policy yet: skipped
        _checkAll();
        assertEq(insuranceHandler.successes(insuranceHandler.ACT_REPORT()), 0, "no report accepted");
    }

    function _checkAll() internal view {
        _checkInsuranceMoney();
        _checkInsurancePolicies();
        _checkInsurancePayoutsAuthorized();
        _checkInsuranceLocks();
        _checkInsuranceVaults();
        _checkInsuranceOwed();
        _checkInsurancePredictions();
    }
}
